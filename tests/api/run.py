#!/usr/bin/env python3
"""run.py — runs every end-to-end test module (tests/api/test_*.py) against a real server and ends
with "N passed, N failed". Each module has run(t) and starts the servers it needs."""
import importlib
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402


def main():
    t = lib.T()
    here = os.path.dirname(os.path.abspath(__file__))
    only = sys.argv[1:]
    for name in sorted(f[:-3] for f in os.listdir(here) if f.startswith("test_") and f.endswith(".py")):
        if only and name not in only:
            continue
        t.section = name
        print("-- " + name, flush=True)
        try:
            importlib.import_module(name).run(t)
        except Exception:
            t.check("module ran to the end", False, traceback.format_exc())
    return t.summary()


if __name__ == "__main__":
    sys.exit(main())
