"""Personal numbers (身份证号, mobile numbers) masked wherever text leaves the program.

One function, ``mask``, used at every way out: each xlsxwriter cell and comment
(``outfiles.new_xlsxwriter``), each output file and folder name
(``outfiles.safe_component``), the JSON files, the 通报, the mails, the 退回 copies'
问题清单 and notes, and the console. What stays on the machine (the history
database, the input) keeps the real text.

Numbers are found as people write them: full-width digits, separators between
digit groups (``139 1234 5678``, ``421302-19900307-1234``, ``139 - 0722 - 1031``,
``139/0722/1014``), invisible characters inside (zero-width space, BOM), a ``+86`` /
``0086`` prefix or a Latin word glued to it (``TEL139…``, ``ID4213…``). A number
counts only as a whole run of digits: the digits of a longer run, of a hash or of a
code (other letters or digits right beside it) are left alone.

Documented exceptions (docs/bad-input.md, the template's 填报说明): the station's
own sheets inside its own 退回 copy (it goes back to the sender), the public
用工专线电话, and the recipient address of a mail draft (needed to deliver it).
"""

from __future__ import annotations

import functools
import re
import unicodedata

_DIGIT = "0-9\uff10-\uff19"
_SEP = " \u00a0\u3000\\-\u2010\u2011\u2012\u2013\u2014\u2212\uff0d.\u00b7\u30fb/\uff0f\\\\"
# Characters that show nothing (zero-width space, joiners, direction marks, BOM, soft
# hyphen): a number pasted from a chat or a web page carries them between its digits.
_INVISIBLE = "\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
_JOIN = _SEP + _INVISIBLE
_WORD_CHAR = "0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
# Latin words people write right before a number ("TEL13907221033", "ID:4213…"): a
# number after one of them is masked though a letter touches it. Any other letter
# before the digits makes them part of a code ("ZD13912345678") and leaves them alone.
_PREFIX_WORDS = (
    "telephone|tele|tel|phone|ph|mobile|mob|mp|cellphone|cell|hp|call|contact|fax|"
    "idcard|idno|idnumber|id|no|num|number|sfzh|sfz|lxdh|lx|dh|sjh|sj|wechat|wx|vx|qq"
)
# A run of digit groups joined by at most five separators or invisible characters
# ("139 - 0722 - 1031"), with an optional leading + or prefix word and a trailing X
# (the check character of a 身份证号).
_CANDIDATE = re.compile(
    rf"(?:(?<![A-Za-z\uff21-\uff3a\uff41-\uff5a])((?i:{_PREFIX_WORDS})[\s:：.#＃=_{_INVISIBLE}-]{{0,3}})"
    rf"|(?<![{_WORD_CHAR}]))"
    rf"([+\uff0b]?)([{_DIGIT}](?:[{_DIGIT}]|[{_JOIN}]{{1,5}}(?=[{_DIGIT}])){{10,}})([Xx\uff38\uff58]?)"
    rf"(?![{_WORD_CHAR}])"
)
# What every _CANDIDATE match contains (its body: a digit, then at least ten digits or
# separators), without its look-arounds: searched four times faster than _CANDIDATE, so
# a long text with no such run (a results.json full of dates and fractions) is let
# through at that cost (dumps_masked).
_MAYBE = re.compile(rf"[{_DIGIT}][{_DIGIT}{_JOIN}]{{10}}")
_GROUP = re.compile(rf"[{_DIGIT}]+")
_ANY_DIGIT = re.compile(rf"[{_DIGIT}]")
_MOBILE = re.compile(r"1[3-9]\d{9}")


def _digits(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def _masked(digits: str, check: str) -> str | None:
    """The masked form of a whole number, or None when it is not a personal number."""
    if check:
        return digits[:6] + "*" * 8 + digits[14:17] + check.upper() if len(digits) == 17 else None
    n = len(digits)
    if n == 11 and _MOBILE.fullmatch(digits):
        return digits[:3] + "****" + digits[7:]
    for prefix in ("0086", "86"):
        rest = digits[len(prefix) :]
        if digits.startswith(prefix) and len(rest) == 11 and _MOBILE.fullmatch(rest):
            return prefix + rest[:3] + "****" + rest[7:]
    if n == 18:
        return digits[:6] + "*" * 8 + digits[14:]
    if n == 15:
        return digits[:6] + "*" * 5 + digits[11:]
    return None


def _mask_span(m: re.Match) -> str:
    word, plus, body, check = m.group(1) or "", m.group(2), m.group(3), m.group(4)
    groups = [(g.start(), g.end(), _digits(g.group())) for g in _GROUP.finditer(body)]
    whole = _masked("".join(d for _, _, d in groups), _digits(check))
    if whole is not None:
        return word + plus + whole
    # Not one number as a whole: look for one inside, group by group ("共 3 人 139 1234 5678").
    out, i, last = [], 0, 0
    while i < len(groups):
        for j in range(len(groups), i, -1):
            run = "".join(d for _, _, d in groups[i:j])
            tail = _digits(check) if j == len(groups) and check else ""
            hit = _masked(run, tail) if tail else None
            if hit is None:
                hit, tail = _masked(run, ""), ""
            if hit is not None:
                out.append(body[last : groups[i][0]] + hit)
                last = groups[j - 1][1]
                i = j
                if tail:
                    check = ""
                break
        else:
            i += 1
    if not out:
        return m.group(0)
    return word + plus + "".join(out) + body[last:] + check


def mask(text: object) -> str:
    """``text`` with every 身份证号 and mobile number masked (420302********1234,
    139****5678); any other text unchanged."""
    if isinstance(text, Public):
        return str(text)
    s = "" if text is None else str(text)
    if len(s) < 11 or not _ANY_DIGIT.search(s):
        return s
    return _mask_cached(s)


@functools.lru_cache(maxsize=1 << 16)
def _mask_cached(s: str) -> str:
    # Outputs repeat the same texts (file names, cells, item wording) thousands of times.
    return _CANDIDATE.sub(_mask_span, s)


# A value already known to be a 身份证号 or a phone number (a rejected one is shown masked
# in its issue), masked whatever its shape; ``mask`` finds numbers inside free text.


def mask_id(value: str) -> str:
    """420302199001011234 -> 420302********1234 (GB 11643 numbers and anything similar)."""
    s = str(value or "").strip()
    if len(s) <= 8:
        return "*" * len(s)
    return s[:6] + "*" * (len(s) - 10) + s[-4:]


def mask_phone(value: str) -> str:
    """13812345678 -> 138****5678; landlines keep area code and last 2 digits."""
    s = str(value or "").strip()
    digits = re.sub(r"\D", "", s)
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    if len(digits) >= 7:
        return digits[:4] + "*" * (len(digits) - 6) + digits[-2:]
    return "*" * len(s)


def may_hold_number(text: str) -> bool:
    """Whether ``text`` has a run that could be a personal number: _CANDIDATE's body without
    its look-arounds, so that a number glued to anything (an escape, a length byte of a
    binary record) is still found. False: nothing in it needs masking."""
    return _MAYBE.search(text) is not None


class Public(str):
    """Text that is public by design (the station's 用工专线电话): ``mask`` leaves it."""


def dumps_masked(obj, **kw) -> str:
    """``json.dumps(obj, **kw)`` with every string masked.

    The text is searched once (in C) for a run that could hold a personal number,
    without _CANDIDATE's look-arounds: in the JSON text a number can follow an
    escape ("\\n13912345678"), which _CANDIDATE would take for part of a word. Only
    where such a run is found is the structure walked string by string (a results.json
    of a province has millions of strings, nearly none of them a number), and dumped
    again only when the walk masked something (a time stamp is such a run, and the
    run record always has one). With ensure_ascii, full-width digits and separators
    are escaped in the text, so the structure is always walked."""
    import json

    text = json.dumps(obj, **kw)
    if kw.get("ensure_ascii", True) is False and not _MAYBE.search(text):
        return text
    masked, changed = _mask_walk(obj)
    return json.dumps(masked, **kw) if changed else text


def _mask_walk(obj) -> tuple[object, bool]:
    """mask_json(obj), and whether any string in it changed."""
    if isinstance(obj, str):
        m = mask(obj)
        return m, m != obj
    if isinstance(obj, dict):
        out, changed = {}, False
        for k, v in obj.items():
            if isinstance(k, str):
                mk = mask(k)
                changed = changed or mk != k
                k = mk
            out[k], c = _mask_walk(v)
            changed = changed or c
        return out, changed
    if isinstance(obj, (list, tuple)):
        items = [_mask_walk(v) for v in obj]
        return [v for v, _ in items], any(c for _, c in items)
    return obj, False


def mask_json(obj):
    """Every string (keys too) of a JSON-ready structure masked."""
    if isinstance(obj, str):
        return mask(obj)
    if isinstance(obj, dict):
        return {mask(k) if isinstance(k, str) else k: mask_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [mask_json(v) for v in obj]
    return obj
