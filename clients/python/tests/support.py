"""Test support: one real `annovec serve --auth` for the whole SDK suite (started by tests/api/lib.py,
readiness from its "listening on" line), and credentials made with the server's own CLI."""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SDK = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(SDK))
sys.path.insert(0, SDK)
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
import lib  # noqa: E402

_server = None


def server():
    """The shared --auth server (started on first use)."""
    global _server
    if _server is None:
        _server = lib.Server(args=["--auth"])
    return _server


def stop():
    global _server
    if _server is not None:
        _server.cleanup()
        _server = None


def endpoint():
    return "http://127.0.0.1:%d" % server().port


def cli(*args):
    out = subprocess.run([lib.BIN] + list(args) + ["--data", server().data], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError("annovec %s failed: %s" % (" ".join(args), out.stderr))
    return out.stdout


def token(project):
    """(project id, X-Auth-Token) from `annovec token create`."""
    out = cli("token", "create", "--project", project)
    return re.search(r"\(id ([0-9a-f]{32})\)", out).group(1), out.strip().splitlines()[-1]


def aksk(project):
    """(project id, AK, SK) from `annovec key create`."""
    out = cli("key", "create", "--project", project)
    ak, sk = out.strip().splitlines()[-1].split()
    return re.search(r"\(id ([0-9a-f]{32})\)", out).group(1), ak, sk


def clean_env():
    """os.environ without ANNOVEC_* (so the caller's settings never leak into a test)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ANNOVEC_")}
