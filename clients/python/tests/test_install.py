"""The package installs offline (`pip install --no-build-isolation --no-index ./clients/python` into a
venv made with --system-site-packages) and, installed, works from outside the source tree against
the server, with the three import forms of the old SDK."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import support

CODE = """
import os, annovec.modelarts
assert not annovec.modelarts.__file__.startswith(os.environ["SRC"]), annovec.modelarts.__file__
from annovec.modelarts import config
from annovec.modelarts.client.api import *
from annovec.modelarts.client import *
from annovec.modelarts import Dataset
assert DataAnnotationsApi and LabelApi and ApiException
client = config.create_client(context="default")
print(Dataset.create(client, "installed", data_path="/inst/in/", work_path="/inst/out/").info().dataset_name)
"""


class Install(unittest.TestCase):
    def test_offline_install_into_a_venv(self):
        tmp = tempfile.mkdtemp(prefix="annovec-venv-")
        try:
            venv = os.path.join(tmp, "venv")
            subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", venv], check=True, timeout=300)
            py = os.path.join(venv, "bin", "python")
            out = subprocess.run([py, "-m", "pip", "install", "--no-build-isolation", "--no-index", "-q", support.SDK],
                                 capture_output=True, text=True, timeout=300)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            pid, tok = support.token("sdk_install")
            with open(os.path.join(tmp, "config"), "w") as f:
                f.write("[default]\nendpoint = %s\nproject_id = %s\ntoken = %s\n" % (support.endpoint(), pid, tok))
            env = dict(support.clean_env(), ANNOVEC_CONFIG=os.path.join(tmp, "config"), SRC=support.SDK)
            env.pop("PYTHONPATH", None)
            out = subprocess.run([py, "-c", CODE], cwd=tmp, env=env, capture_output=True, text=True, timeout=120)
            self.assertEqual((out.returncode, out.stdout.strip()), (0, "installed"), out.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
