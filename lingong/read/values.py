"""Cell values as people type them -> typed values, per the spec table
"Values as people type them".

Every parser returns a ``Parsed``: the value (None when unusable), the catalogue
code of what to tell the station (None when accepted silently) and ``read_as``,
the value as the warning message shows it. Parsers never raise. Formula cells
without a cached value and error cells are the caller's to report (V006, V014).

Over 300 lines because it is the spec's table of values as people type them, one parser
per kind of cell.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from lingong.read.workbook import CellError


@dataclass(frozen=True)
class Parsed:
    value: object
    code: str | None = None  # issue code (V00x) or None
    read_as: str = ""  # what was read, for the warning message

    @property
    def is_error(self) -> bool:
        return self.code is not None and self.value is None


_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")
_DECIMAL_ZERO = re.compile(r"(\d+)\.0+")

_EXCEL_EPOCH = datetime(1899, 12, 30)
# Serials of 2000-01-01 .. 2100-12-31: a number there in a month or date cell is
# a date whose format was lost (old .xls, CSV round trips).
_SERIAL_MIN, _SERIAL_MAX = 36526, 73415


def _nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def display(raw: object) -> str:
    """A raw cell as the station sees it, for 'found' in messages: text exactly as
    typed, a fraction as Python keeps it (1e+300, 3.5), a time to the minute;
    anything else as ``as_text`` writes it."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, float) and not (math.isfinite(raw) and raw.is_integer()):
        return repr(raw)
    if isinstance(raw, datetime) and (raw.hour or raw.minute):
        return raw.strftime("%Y-%m-%d %H:%M")
    return as_text(raw)


def _is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not _SPACE.sub("", raw).replace("\u200b", ""))


# ---- counts ---------------------------------------------------------------


def parse_count(raw: object, unit: str = "") -> Parsed:
    """A non-negative whole number. Numeric 12 / 12.0 silently; text forms
    (" 12 ", "１２", "1,200", "12次") with V003; anything else V002; empty V001."""
    if _is_blank(raw):
        return Parsed(None, "V001")
    if isinstance(raw, bool) or isinstance(raw, (date, datetime, CellError)):
        return Parsed(None, "V002")
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not (math.isfinite(raw) and raw.is_integer()):
            return Parsed(None, "V002")
        n = int(raw)
        return Parsed(n, None, str(n)) if n >= 0 else Parsed(None, "V002")
    if not isinstance(raw, str):
        return Parsed(None, "V002")
    s = _SPACE.sub("", _nfkc(raw)).replace("\u200b", "")
    unit_n = _SPACE.sub("", _nfkc(unit or ""))
    if unit_n and s.endswith(unit_n) and len(s) > len(unit_n):
        s = s[: -len(unit_n)]
    if _DIGITS.fullmatch(s):
        n = int(s)
    elif _GROUPED.fullmatch(s):
        n = int(s.replace(",", ""))
    elif m := _DECIMAL_ZERO.fullmatch(s):
        n = int(m.group(1))
    else:
        return Parsed(None, "V002")
    # "12" typed as text is what a numeric cell shows: nothing to tell.
    code = None if raw == str(n) else "V003"
    return Parsed(n, code, str(n))


# ---- yes/no ---------------------------------------------------------------

_YES_SILENT, _NO_SILENT = "是", "否"
_YES = {"√", "✓", "✔", "☑", "Y", "YES", "TRUE", "1", "有"}
_NO = {"×", "✗", "✘", "☒", "N", "NO", "FALSE", "0", "无"}


def parse_yesno(raw: object) -> Parsed:
    """是/否 silently; √/×, ✓/✗, Y/N, yes/no, TRUE/FALSE cells, 1/0, 有/无 with V005;
    anything else V004; empty V001."""
    if _is_blank(raw):
        return Parsed(None, "V001")
    if isinstance(raw, bool):
        return Parsed(raw, "V005", "是" if raw else "否")
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if raw == 1:
            return Parsed(True, "V005", "是")
        if raw == 0:
            return Parsed(False, "V005", "否")
        return Parsed(None, "V004")
    if not isinstance(raw, str):
        return Parsed(None, "V004")
    s = _SPACE.sub("", _nfkc(raw)).upper()
    if s == _YES_SILENT:
        return Parsed(True, None, "是")
    if s == _NO_SILENT:
        return Parsed(False, None, "否")
    if s in _YES:
        return Parsed(True, "V005", "是")
    if s in _NO:
        return Parsed(False, "V005", "否")
    return Parsed(None, "V004")


# ---- months and dates ---------------------------------------------------------

_MONTH_TEXT = (
    re.compile(r"(\d{4})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月份?"),
    re.compile(r"(\d{4})(\d{2})"),
    # a full date typed as text: any day of the month names the month
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]?"),
)


def _month_key(year: int, month: int) -> str | None:
    if 2000 <= year <= 2100 and 1 <= month <= 12:
        return f"{year:04d}-{month:02d}"
    return None


def _from_serial(x: float) -> date | None:
    if _SERIAL_MIN <= x <= _SERIAL_MAX:
        return (_EXCEL_EPOCH + timedelta(days=int(x))).date()
    return None


def parse_month(raw: object) -> Parsed:
    """A report month -> "YYYY-MM". Text 2023-01, 2023-1, 2023年1月, 2023年01月, 2023/1,
    2023.1, 202301 and dates (cells, serials, text) silently; a number 2023.1 with
    V008 (Excel stores a typed 2023.10 as 2023.1); unreadable V007; empty V001."""
    if _is_blank(raw):
        return Parsed(None, "V001")
    if isinstance(raw, bool) or isinstance(raw, CellError):
        return Parsed(None, "V007")
    if isinstance(raw, (datetime, date)):
        key = _month_key(raw.year, raw.month)
        return Parsed(key, None, key or "") if key else Parsed(None, "V007")
    if isinstance(raw, (int, float)):
        x = float(raw)
        if not math.isfinite(x) or x <= 0:
            return Parsed(None, "V007")
        if x.is_integer():
            n = int(x)
            if 200001 <= n <= 210012:
                key = _month_key(n // 100, n % 100)
                return Parsed(key, None, key) if key else Parsed(None, "V007")
            d = _from_serial(x)
            if d:
                key = _month_key(d.year, d.month)
                return Parsed(key, None, key)
            return Parsed(None, "V007")
        text = f"{round(x, 2):.2f}".rstrip("0")  # 2023.1 -> "2023.1", 2023.12 -> "2023.12"
        year_s, _, month_s = text.partition(".")
        key = _month_key(int(year_s), int(month_s)) if month_s else None
        if key:
            return Parsed(key, "V008", key)
        d = _from_serial(x)  # a date-time serial (44986.5)
        if d:
            key = _month_key(d.year, d.month)
            return Parsed(key, None, key)
        return Parsed(None, "V007")
    if not isinstance(raw, str):
        return Parsed(None, "V007")
    s = _SPACE.sub("", _nfkc(raw))
    for pattern in _MONTH_TEXT:
        m = pattern.fullmatch(s)
        if m:
            key = _month_key(int(m.group(1)), int(m.group(2)))
            if key and m.lastindex == 3:
                try:
                    date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    key = None
            return Parsed(key, None, key) if key else Parsed(None, "V007")
    return Parsed(None, "V007")


_DATE_TEXT = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:\d{1,2}:\d{2}(?::\d{2})?)?"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def parse_date(raw: object) -> Parsed:
    """A date: date/datetime cells, Excel serials, 2023-07-15, 2023/7/15, 2023.7.15,
    2023年7月15日, 20230715. Empty is Parsed(None) with no code (dates are optional
    where this is used); unreadable is V012."""
    if _is_blank(raw):
        return Parsed(None)
    if isinstance(raw, datetime):
        return Parsed(raw.date(), None, raw.date().isoformat())
    if isinstance(raw, date):
        return Parsed(raw, None, raw.isoformat())
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        x = float(raw)
        if math.isfinite(x) and 19000101 <= x <= 21001231 and x.is_integer():
            return parse_date(str(int(x)))
        d = _from_serial(x) if math.isfinite(x) else None
        return Parsed(d, None, d.isoformat()) if d else Parsed(None, "V012")
    if not isinstance(raw, str):
        return Parsed(None, "V012")
    s = _SPACE.sub("", _nfkc(raw))
    for pattern in _DATE_TEXT:
        m = pattern.fullmatch(s)
        if m:
            try:
                d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return Parsed(None, "V012")
            if not 2000 <= d.year <= 2100:
                return Parsed(None, "V012")
            return Parsed(d, None, d.isoformat())
    return Parsed(None, "V012")


# ---- text, phones, ID numbers ----------------------------------------------


def as_text(raw: object) -> str:
    """A code, phone or ID cell as text. A number typed into it comes back without
    ".0" or scientific notation (13812345678.0 -> "13812345678"); digits Excel
    already dropped from a long number cannot come back (see ``id_lost_digits``)."""
    if raw is None:
        return ""
    if isinstance(raw, str):  # the usual case first: it is none of the types below
        return _nfkc(raw).strip().replace("\u200b", "")
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float):
        if math.isfinite(raw) and raw.is_integer():
            return str(int(raw))
        return format(raw, "f").rstrip("0").rstrip(".") if math.isfinite(raw) else str(raw)
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, datetime):
        return raw.date().isoformat() if not (raw.hour or raw.minute) else raw.isoformat(sep=" ")
    if isinstance(raw, date):
        return raw.isoformat()
    return _nfkc(str(raw)).strip().replace("\u200b", "")


def id_lost_digits(raw: object) -> bool:
    """An 18-digit ID typed into a number cell: Excel keeps 15 significant digits, so
    the last ones are already zeros and the number cannot be recovered."""
    return isinstance(raw, (int, float)) and not isinstance(raw, bool) and abs(raw) >= 1e15


_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}[1-9]\d{6,7}")
_HOTLINE = re.compile(r"[48]00\d{7}")
_PHONE_CHARS = re.compile(r"[\s\-()]+")
_PHONE_SPLIT = re.compile(r"[/,;、，；]|或")


def _one_phone(s: str) -> bool:
    digits = _PHONE_CHARS.sub("", s)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not digits.isdigit() or not digits.isascii():
        return False
    return bool(_MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits) or _HOTLINE.fullmatch(digits))


def is_valid_phone(s: object) -> bool:
    """A mobile (1[3-9] + 9 digits), a landline with area code (0722-1234567,
    07221234567, (0722)1234567) or a 400/800 hotline; spaces and dashes allowed;
    several numbers separated by / , ; 、 or 或 must each be valid."""
    text = as_text(s)
    if not text:
        return False
    parts = [p for p in _PHONE_SPLIT.split(text) if p.strip()]
    return bool(parts) and all(_one_phone(p) for p in parts)


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_FORM = re.compile(r"\d{17}[\dX]")


def id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def id_check_ok(s: object) -> bool:
    """GB 11643: 18 characters, 17 digits and a check digit (0-9 or X)."""
    text = as_text(s).upper().replace(" ", "")
    if not _ID_FORM.fullmatch(text):
        return False
    return id_check_digit(text[:17]) == text[17]
