"""Run a Python script as it runs on Windows: this Python has no ``os.fork``, so
every worker process must be spawned (a fresh interpreter that is sent its work).

    python tests/support/nofork_run.py process.py --demo --output OUT
"""

import os
import runpy
import sys

# What Windows' Python 3.11 lacks, as far as this program could touch it: os.fork (the
# workers must be spawned; multiprocessing's spawn does not need it), os.fchmod, and
# the POSIX-only modules resource and fcntl.
for name in ("fork", "forkpty", "fchmod"):
    if hasattr(os, name):
        delattr(os, name)
sys.modules["resource"] = None  # import resource -> ImportError
sys.modules["fcntl"] = None
os.environ.setdefault("LINGONG_START_METHOD", "spawn")
sys.argv = sys.argv[1:]
sys.path[0] = os.path.dirname(os.path.abspath(sys.argv[0]))  # as `python script.py` sets it
runpy.run_path(sys.argv[0], run_name="__main__")
