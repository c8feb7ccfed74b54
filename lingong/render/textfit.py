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

# A run of printable ASCII wraps as one word; a run of CJK or full-width characters (all
# as wide as the font, tests/render/test_textfit.py checks every one) breaks anywhere and is
# placed at once; any other character alone.
WIDE_RUN = "\u3001-\u303e\u3041-\u3096\u3099-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff60\uffe0-\uffe6"
_TOKENS = re.compile(f"[!-~]+|[{WIDE_RUN}]+|.", re.S)


@functools.lru_cache(maxsize=4096)
def is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WFA" or ch in "☑□"


def _token_pt(token: str, font_pt: float) -> float:
    if "!" <= token[0] <= "~":  # an ASCII run: every character narrow
        return len(token) * font_pt * 0.55
    return font_pt if is_wide(token) else font_pt * 0.55


def text_lines(text: str, width_chars: float, font_pt: float = 10) -> int:
    """Lines ``text`` takes when wrapped in a column ``width_chars`` Excel units wide."""
    text = str(text)
    if len(text) > 1000:  # a pasted essay is measured, not kept
        return _text_lines.__wrapped__(text, width_chars, font_pt)
    return _text_lines(text, width_chars, font_pt)


@functools.lru_cache(maxsize=16384)  # labels, hints and 考核内容 repeat on every row and station
def _text_lines(text: str, width_chars: float, font_pt: float) -> int:
    usable = (width_chars * 7 + 5 - 8) * 0.75  # px of the column minus padding, in points
    total = 0
    for para in text.split("\n"):
        if len(para) * font_pt <= usable:  # fits even if every character were wide
            total += 1
            continue
        line, n = 0.0, 1
        for token in _TOKENS.findall(para):
            if len(token) > 1 and token[0] > "~":  # a wide run
                line, n = _place_wide(len(token), font_pt, line, n, usable)
                continue
            w = _token_pt(token, font_pt)
            if line + w <= usable:
                line += w
                continue
            if w <= usable:  # the word moves to the next line whole
                n += 1
                line = w
                continue
            for ch in token:  # a word longer than the line is cut anywhere
                cw = font_pt if is_wide(ch) else font_pt * 0.55
                if line + cw > usable:
                    n += 1
                    line = 0.0
                line += cw
        total += n
    return total


# Marks a line may not start with, and marks it may not end with: the line-breaking rules
# (避头尾) of Chinese typesetting. Excel and WPS on a Chinese Windows follow them; LibreOffice
# outside a Chinese locale does not, and prints "；" or "。" at the head of a line.
NO_START = "，。、；：？！）》」』】〕〉…—·％%,.;:?!)]}”’"
NO_END = "（《「『【〔〈“‘([{"


def _line_starts(para: str, usable: float, font_pt: float) -> list[int]:
    """Where each line after the first starts when ``para`` wraps as ``_text_lines`` counts it."""
    starts, line = [], 0.0
    for m in _TOKENS.finditer(para):
        token = m.group()
        if "!" <= token[0] <= "~":  # an ASCII word moves to the next line whole, if it fits one
            w = _token_pt(token, font_pt)
            if line + w <= usable:
                line += w
                continue
            if w <= usable:
                starts.append(m.start())
                line = w
                continue
        for i, ch in enumerate(token, m.start()):  # characters that may break anywhere
            cw = font_pt if is_wide(ch) else font_pt * 0.55
            if line + cw > usable and line > 0:
                starts.append(i)
                line = 0.0
            line += cw
    return starts


def break_lines(text: str, width_chars: float, font_pt: float = 10) -> str:
    """``text`` with a line break wherever it wraps in a column ``width_chars`` wide, no line
    starting with a closing mark nor ending with an opening one (the character before goes
    down with it). Lines as wide as this estimate fit in Excel, WPS and LibreOffice alike
    (each fits at least as much), so none of them wraps again where the rules forbid it;
    ``text_lines`` of the result is the lines the row is made tall for."""
    usable = (width_chars * 7 + 5 - 8) * 0.75
    out = []
    for para in str(text).split("\n"):
        while True:
            starts = _line_starts(para, usable, font_pt)
            if not starts:
                out.append(para)
                break
            b = s = starts[0]
            while b > 1 and _forbidden(para, b):
                b -= 1
            if _forbidden(para, b):  # a line of marks only: wrap where it would anyway
                b = s
            out.append(para[:b].rstrip(" "))
            para = para[b:].lstrip(" ") if para[b:].strip(" ") else para[b:]
    return "\n".join(out)


def _forbidden(para: str, b: int) -> bool:
    """A break before ``para[b]`` that the rules forbid, or one inside an ASCII word (a mark
    pulled "69" apart would print "（6" and "9）")."""
    after, before = para[b:].lstrip(" ")[:1], para[:b].rstrip(" ")[-1:]  # spaces vanish at a break
    return bool(
        (after and after in NO_START)
        or (before and before in NO_END)
        or ("!" <= para[b - 1] <= "~" and "!" <= para[b] <= "~")
    )


def _place_wide(count: int, cw: float, line: float, n: int, usable: float) -> tuple[float, int]:
    """Place ``count`` characters of width ``cw`` that may break anywhere, as placing
    them one by one would: fill this line, then whole lines, then the rest."""
    if cw > usable:  # a column narrower than one character: each starts a line of its own
        return cw, n + count
    room = int((usable - line) // cw) if line + cw <= usable else 0
    if count <= room:
        return line + count * cw, n
    per = int(usable // cw)
    full, rest = divmod(count - room, per)
    return (rest * cw, n + full + 1) if rest else (per * cw, n + full)


def row_height(
    texts_widths, font_pt: float = 10, minimum: float = 18, line_pt: float | None = None, pad: float = 6
) -> float:
    """Height in points so every (text, width) of a row shows all its lines."""
    lines = max((text_lines(str(t), w, font_pt) for t, w in texts_widths if t), default=1)
    per_line = font_pt * 1.4 if line_pt is None else line_pt
    return min(MAX_ROW_PT, max(minimum, math.ceil(lines * per_line + pad)))


def clip_lines(text: str, width_chars: float, lines: int, font_pt: float = 10, tail: str = "…") -> str:
    """``text`` cut so it takes at most ``lines`` lines in the column, ``tail`` marking the cut;
    the text itself when it fits."""
    text = str(text)
    if text_lines(text, width_chars, font_pt) <= lines:
        return text
    lo, hi = 0, len(text)  # the longest prefix that fits with its tail, by bisection
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_lines(text[:mid].rstrip() + tail, width_chars, font_pt) <= lines:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip("\n；，、 ") + tail
