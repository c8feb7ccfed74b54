"""How much of a zip package (.xlsx, .xlsm, .xlsb, .ods) the program is willing to inflate
and parse, in one place: preflight checks a package against these before any reader opens
it, and the readers, the sheet-name scan and the return copy's package hold to the same
bounds when called alone. (What a whole file may weigh is lingong.discover.limits.)"""

from __future__ import annotations

# ---- preflight -----------------------------------------------------------------------
MAX_TOTAL_UNPACKED = 50 * 1024 * 1024  # declared unpacked size of all members together
MAX_MEMBER_RATIO = 200  # unpacked/packed ratio of one member ...
RATIO_MIN_MEMBER = 5 * 1024 * 1024  # ... counts only for members bigger than this
MAX_MEMBERS = 5000  # a workbook has tens of parts, not thousands
PROLOG_FIRST_READ = 4096  # bytes of each XML part read to find its prolog
PROLOG_MAX_READ = 64 * 1024  # a prolog longer than this is itself suspicious
QUICK_HEAD = 256  # what the fast path inflates of each part (x 17 parts a file)

# ---- the readers and the return copy -----------------------------------------------------
# One part of a package, for read_workbook (which may be called without preflight) and for
# the return copy's package alike.
MAX_PART_BYTES = MAX_TOTAL_UNPACKED
PROLOG_BYTES = PROLOG_MAX_READ  # where the xlsx reader looks for a DOCTYPE
