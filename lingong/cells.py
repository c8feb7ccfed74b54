"""Cell locations as a spreadsheet user sees them: ``E14``, ``月度指标!E14``.

Grids are 0-based (``grid[r][c]``); every location shown to a person is 1-based
Excel notation, converted here and nowhere else.
"""
from __future__ import annotations


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


def a1(row0: int, col0: int) -> str:
    if row0 < 0:
        raise ValueError(row0)
    return f"{col_letter(col0)}{row0 + 1}"


def ref(sheet: str, row0: int, col0: int) -> str:
    return f"{sheet}!{a1(row0, col0)}"
