#!/usr/bin/env python3
"""Run the API tests (tests/api/test_*.py, or the files given) against the
stack named by $STACK_ENV. Prints one line per test as it ends, one per file
as it ends, and ends with `N passed, N failed`; exits 1 when any failed."""

import importlib.util
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402


def load(path):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return name


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    files = argv[1:] or sorted(os.path.join(here, f) for f in os.listdir(here)
                                if f.startswith("test_") and f.endswith(".py"))
    only = os.environ.get("API_TEST_FILTER", "")
    passed = failed = 0
    for path in files:
        start = len(lib.TESTS)
        p0, f0, t_file = passed, failed, time.time()
        module = load(path)
        for fn in lib.TESTS[start:]:
            name = f"{module}.{fn.__name__}"
            if only and only not in name:
                continue
            t0 = time.time()
            try:
                fn()
            except Exception as e:  # a failed assertion or a broken test alike
                failed += 1
                print(f"FAIL {name} ({time.time() - t0:.2f}s): {e}")
                tb = traceback.format_exc().strip().splitlines()
                for line in tb[-6:]:
                    print(f"     {line}")
            else:
                passed += 1
                print(f"ok   {name} ({time.time() - t0:.2f}s)")
            sys.stdout.flush()
        print(f"-- {module}: {passed - p0} passed, {failed - f0} failed "
              f"in {time.time() - t_file:.1f}s", flush=True)
    print(f"api: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
