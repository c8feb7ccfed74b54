"""How large an input file the program is willing to look at: preflight checks a file
against these before any reader opens it, and the readers hold to the same bounds when
called alone. What a zip package may inflate to, part by part, is lingong.ooxml.limits."""

from __future__ import annotations

MAX_FILE_BYTES = 64 * 1024 * 1024  # a monthly report is ~20 KB; past the unpacked-size bound of preflight
MAX_XLS_STREAM = MAX_FILE_BYTES  # the workbook stream of an .xls
