"""Cell locations as a spreadsheet user sees them: ``E14``, ``月度指标!E14``.

Grids are 0-based (``grid[r][c]``); every location shown to a person is 1-based
Excel notation, converted here and nowhere else.
"""

from __future__ import annotations

import functools
import re

_A1 = re.compile(r"^([A-Z]{1,3})(\d+)$")
_ADDRESS = re.compile(r"^\$?([A-Z]{1,3})\$?([1-9]\d{0,6})$")  # as OOXML writes it, $ allowed


@functools.lru_cache(maxsize=1024)
def col_letter(col0: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    if col0 < 0:
        raise ValueError(col0)
    n = col0 + 1
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


@functools.lru_cache(maxsize=1 << 16)  # every file of one template asks for the same few hundred cells
def a1(row0: int, col0: int) -> str:
    if row0 < 0:
        raise ValueError(row0)
    return f"{col_letter(col0)}{row0 + 1}"


def col_index(letters: bytes | str) -> int:
    """'A' -> 0, 'AA' -> 26."""
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def split_address(address: str) -> tuple[int, int] | None:
    """'$B$3' or 'b3' -> (3, 2): the 1-based row and column OOXML counts in; None if not a cell."""
    m = _ADDRESS.match((address or "").strip().upper())
    return (int(m.group(2)), col_index(m.group(1)) + 1) if m else None


def ref(sheet: str, row0: int, col0: int) -> str:
    return f"{sheet}!{a1(row0, col0)}"


def cell_order(cell: str) -> tuple:
    """Sort key for "E9" before "E14": by row, then column, as a person reads a sheet;
    anything that is not a plain A1 reference (empty, "E4:E9") after them."""
    m = _A1.match(cell or "")
    if not m:
        return (1, 0, 0, cell or "")
    return (0, int(m.group(2)), col_index(m.group(1)) + 1, "")
