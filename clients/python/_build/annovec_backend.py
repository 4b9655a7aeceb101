"""PEP 517 build backend of the annovec SDK: setuptools (configured in pyproject.toml), and, where
setuptools cannot make a wheel by itself (setuptools < 70.1 without the `wheel` package, as on an
offline machine), a standard-library wheel builder for this pure-Python package. Nothing else."""
import base64
import hashlib
import os
import re
import zipfile

from setuptools import build_meta as _st

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _project(key):
    """A string value of [project] in pyproject.toml (one place for the name, version, summary)."""
    text = open(os.path.join(HERE, "pyproject.toml"), encoding="utf-8").read()
    section = text.split("[project]", 1)[1].split("\n[", 1)[0]
    return re.search(r'^%s\s*=\s*"([^"]*)"' % key, section, re.M).group(1)


NAME, VERSION, SUMMARY = _project("name"), _project("version"), _project("description")

build_sdist = _st.build_sdist
get_requires_for_build_sdist = _st.get_requires_for_build_sdist


def _setuptools_makes_wheels():
    try:
        import setuptools.command.bdist_wheel  # noqa: F401  (setuptools >= 70.1)
        return True
    except ImportError:
        pass
    try:
        import wheel.bdist_wheel  # noqa: F401
        return True
    except ImportError:
        return False


def get_requires_for_build_wheel(config_settings=None):
    return _st.get_requires_for_build_wheel(config_settings) if _setuptools_makes_wheels() else []


def _record_line(arc, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (arc, digest, len(data))


def _metadata():
    readme = open(os.path.join(HERE, "README.md"), encoding="utf-8").read()
    return ("Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: %s\nLicense: MIT\nRequires-Python: >=3.9\n"
            "Description-Content-Type: text/markdown\n\n%s" % (NAME, VERSION, SUMMARY, readme))


def _stdlib_wheel(wheel_directory):
    tag = "py3-none-any"
    fname = "%s-%s-%s.whl" % (NAME, VERSION, tag)
    dist = "%s-%s.dist-info" % (NAME, VERSION)
    records = []
    with zipfile.ZipFile(os.path.join(wheel_directory, fname), "w", zipfile.ZIP_DEFLATED) as z:
        def add(arc, data):
            z.writestr(arc, data)
            records.append(_record_line(arc, data))
        for root, dirs, files in os.walk(os.path.join(HERE, NAME)):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for f in sorted(files):
                if f.endswith(".py"):
                    path = os.path.join(root, f)
                    add(os.path.relpath(path, HERE).replace(os.sep, "/"), open(path, "rb").read())
        add(dist + "/METADATA", _metadata().encode("utf-8"))
        add(dist + "/WHEEL", ("Wheel-Version: 1.0\nGenerator: annovec_backend\nRoot-Is-Purelib: true\nTag: %s\n" % tag).encode())
        add(dist + "/top_level.txt", (NAME + "\n").encode())
        records.append(dist + "/RECORD,,")
        z.writestr(dist + "/RECORD", "\n".join(records) + "\n")
    return fname


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    if _setuptools_makes_wheels():
        return _st.build_wheel(wheel_directory, config_settings, metadata_directory)
    return _stdlib_wheel(wheel_directory)
