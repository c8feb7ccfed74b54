"""Text as a cell of any workbook we write holds it: one printable value, no control or
direction characters, personal numbers masked, within Excel's limit a cell; and percentages."""

from __future__ import annotations

import math
import re

from lingong.runtime import privacy

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: object) -> str:
    """Station-typed text as one printable cell value: no control or direction
    characters, personal numbers masked. Never a formula: callers write it with
    write_string on a workbook from new_xlsxwriter."""
    s = "" if text is None else str(text)
    s = _CONTROL.sub("", s.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    return privacy.mask(s)[:_MAX_CELL]


_MAX_CELL = 32000  # Excel's limit is 32,767 characters a cell; xlsxwriter would drop the string


def pct(figure, target) -> str:
    if not target:
        return ""
    return f"{math.floor(100 * figure / target)}%"
