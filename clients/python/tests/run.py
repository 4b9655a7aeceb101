#!/usr/bin/env python3
"""run.py — the Python SDK's tests (clients/python/tests/test_*.py, unittest) against one real
`annovec serve --auth`; ends with "N passed, N failed". Arguments name modules to run (test_config)."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import support  # noqa: E402


def main():
    names = sys.argv[1:] or sorted(f[:-3] for f in os.listdir(HERE) if f.startswith("test_") and f.endswith(".py"))
    suite = unittest.TestSuite(unittest.defaultTestLoader.loadTestsFromName(n) for n in names)
    try:
        result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    finally:
        support.stop()
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    failed += skipped   # nothing may be skipped
    passed = result.testsRun - len(result.failures) - len(result.errors) - len(result.unexpectedSuccesses) - skipped
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
