"""Module-level jobs a spawned worker can import by name."""

import os
import time


def sleep_and_report(pid_file):
    with open(pid_file, "a") as f:
        f.write(f"{os.getpid()}\n")
    time.sleep(300)
