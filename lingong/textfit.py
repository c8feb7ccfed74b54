"""How tall a row must be for its wrapped text: spreadsheets do not grow rows on their own.

One estimate for every workbook we write (考核验收表, 汇总表, 校验报告, 退回副本 问题清单,
blank templates). CJK text breaks between any two characters, Latin text between
words, as Excel, WPS and LibreOffice do, so a long file name moves to a new line.
"""
from __future__ import annotations

import functools
import math
import re
import unicodedata

MAX_ROW_PT = 409  # Excel's tallest row

_TOKENS = re.compile(r"[!-~]+|.", re.S)  # a run of printable ASCII wraps as one word; any other char alone


@functools.lru_cache(maxsize=4096)
def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WFA" or ch in "☑□"


def _token_pt(token: str, font_pt: float) -> float:
    if "!" <= token[0] <= "~":  # an ASCII run: every character narrow
        return len(token) * font_pt * 0.55
    return font_pt if _wide(token) else font_pt * 0.55


@functools.lru_cache(maxsize=16384)  # labels, hints and 考核内容 repeat on every row and station
def text_lines(text: str, width_chars: float, font_pt: float = 10) -> int:
    """Lines ``text`` takes when wrapped in a column ``width_chars`` Excel units wide."""
    usable = (width_chars * 7 + 5 - 8) * 0.75  # px of the column minus padding, in points
    total = 0
    for para in str(text).split("\n"):
        line, n = 0.0, 1
        for token in _TOKENS.findall(para):
            w = _token_pt(token, font_pt)
            if line + w <= usable:
                line += w
                continue
            if w <= usable:  # the word moves to the next line whole
                n += 1
                line = w
                continue
            for ch in token:  # a word longer than the line is cut anywhere
                cw = font_pt if _wide(ch) else font_pt * 0.55
                if line + cw > usable:
                    n += 1
                    line = 0.0
                line += cw
        total += n
    return total


def row_height(texts_widths, font_pt: float = 10, minimum: float = 18, line_pt: float | None = None,
               pad: float = 6) -> float:
    """Height in points so every (text, width) of a row shows all its lines."""
    lines = max((text_lines(str(t), w, font_pt) for t, w in texts_widths if t), default=1)
    per_line = font_pt * 1.4 if line_pt is None else line_pt
    return min(MAX_ROW_PT, max(minimum, math.ceil(lines * per_line + pad)))
