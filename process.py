#!/usr/bin/env python3
"""随州市零工驿站运维考核：the one command clerks run. See README.md."""

import sys

from lingong.cli import main

if __name__ == "__main__":
    sys.exit(main())
