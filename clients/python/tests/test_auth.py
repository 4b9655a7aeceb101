"""Credentials against a real `annovec serve --auth`: AK/SK signing (from arguments, the environment
and a config file context), X-Auth-Token, and every refusal as ApiException with its status and code."""
import os
import socket
import subprocess
import sys
import tempfile
import unittest

import support
from annovec.modelarts import ApiException, Dataset, config


def refused(test, call, status, code):
    with test.assertRaises(ApiException) as cm:
        call()
    e = cm.exception
    test.assertEqual((e.status, e.error_code), (status, code), str(e))
    test.assertTrue(e.error_msg)
    return e


class Auth(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = support.server()
        cls.pid, cls.ak, cls.sk = support.aksk("sdk_auth")
        cls.pid2, cls.tok = support.token("sdk_auth")
        cls.other_pid, cls.other_tok = support.token("sdk_auth_other")
        assert cls.pid == cls.pid2
        cls.ep = support.endpoint()

    def client(self, **kw):
        kw.setdefault("endpoint", self.ep)
        kw.setdefault("project_id", self.pid)
        kw.setdefault("config_file", os.devnull + ".absent")
        return config.create_client(**kw)

    def test_aksk_signed_requests_work_for_every_method(self):
        c = self.client(ak=self.ak, sk=self.sk)
        ds = Dataset.create(c, "signed_ds", data_path="/sig/in/", work_path="/sig/out/")
        self.assertEqual(len(ds.dataset_id), 19)
        names = [d.dataset_name for d in Dataset.list(c, limit=100, search_content="signed").datasets]
        self.assertEqual(names, ["signed_ds"])                       # GET with a query string
        self.assertEqual(ds.update(description="with a body").dataset_id, ds.dataset_id)   # PUT with a body
        r = ds.add_samples([{"name": "a b+c.jpg", "data": b"bytes with a space in the name"}])
        self.assertTrue(r.success, r)
        sid = r.results[0].info
        q = ds.list_samples(search_conditions=[{"sample_name": "a b+c"}], limit=10)   # JSON in the query, spaces and '+'
        self.assertEqual([x.sample_id for x in q.samples], [sid])
        self.assertEqual(ds.create_labels([{"name": "ünï cödé", "type": 0}]).success, True)
        ds.delete_label("ünï cödé")                                    # non-ASCII in the path
        self.assertEqual(ds.list_labels().total_number, 0)
        self.assertEqual(ds.delete(), {})                            # DELETE, 204

    def test_aksk_from_the_environment(self):
        env = dict(support.clean_env(), ANNOVEC_ENDPOINT=self.ep, ANNOVEC_AK=self.ak, ANNOVEC_SK=self.sk, ANNOVEC_PROJECT_ID=self.pid,
                   ANNOVEC_CONFIG=os.devnull + ".absent", PYTHONPATH=support.SDK)
        code = ("from annovec.modelarts import config, Dataset\n"
                "c = config.create_client()\n"
                "assert c.configuration.auth == 'aksk'\n"
                "print(Dataset.list(c, limit=1).total_number >= 0)\n")
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual((out.returncode, out.stdout.strip()), (0, "True"), out.stderr)

    def test_token_from_a_config_file_context(self):
        with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as f:
            f.write("[default]\nendpoint = http://127.0.0.1:9\n\n[tok]\nendpoint = %s\nproject_id = %s\ntoken = %s\n" % (self.ep, self.pid, self.tok))
        try:
            c = config.create_client(context="tok", config_file=f.name)
            self.assertEqual(c.configuration.auth, "token")
            self.assertIn("total_number", Dataset.list(c))
        finally:
            os.unlink(f.name)

    def test_wrong_secret_key(self):
        c = self.client(ak=self.ak, sk=self.sk[:-1] + ("0" if self.sk[-1] != "0" else "1"))
        refused(self, lambda: Dataset.list(c), 401, "ModelArts.0203")

    def test_unknown_access_key(self):
        c = self.client(ak="AKAV0000000000000000000000", sk=self.sk)
        refused(self, lambda: Dataset.list(c), 401, "ModelArts.0203")

    def test_wrong_token(self):
        c = self.client(token=self.tok[:-1] + ("0" if self.tok[-1] != "0" else "1"))
        refused(self, lambda: Dataset.list(c), 401, "ModelArts.0203")

    def test_no_credentials(self):
        refused(self, lambda: Dataset.list(self.client()), 401, "ModelArts.0201")

    def test_another_projects_path(self):
        refused(self, lambda: Dataset.list(self.client(token=self.other_tok)), 403, "ModelArts.0210")
        refused(self, lambda: Dataset.list(self.client(ak=self.ak, sk=self.sk, project_id=self.other_pid)), 403, "ModelArts.0210")

    def test_a_cross_project_delete_changes_nothing(self):
        mine = self.client(token=self.tok)
        ds = Dataset.create(mine, "not_yours", data_path="/nv/in/", work_path="/nv/out/")
        theirs = Dataset(self.client(token=self.other_tok), ds.dataset_id)
        refused(self, theirs.delete, 403, "ModelArts.0210")
        self.assertEqual(ds.info().dataset_name, "not_yours")
        ds.delete()

    def test_no_server_is_status_0(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()   # nothing listens there now
        e = refused(self, lambda: Dataset.list(self.client(endpoint="http://127.0.0.1:%d" % port, token=self.tok)), 0, None)
        self.assertIn("no answer", e.error_msg)
