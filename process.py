#!/usr/bin/env python3
"""随州市零工驿站运维考核：the one command clerks run. See README.md."""

import sys

from lingong import install_check

if __name__ == "__main__":
    # Before any package is imported: an interrupted first install, or too old a Python,
    # is said in Chinese with what to run, not as a traceback.
    problem = install_check.python_too_old()
    if problem is None:
        missing, _other = install_check.problems()
        problem = install_check.missing_message(missing) if missing else None
    if problem:
        print(problem, file=sys.stderr)
        sys.exit(2)
    from lingong.cli import main

    sys.exit(main())
