"""Assessment periods: a month, a half-year or a year, as typed on the command
line (``2023-03``, ``2023H1``, ``2023H2``, ``2023``) or in Chinese in 考核组意见
(``2023年3月``, ``2023年上半年``, ``2023年下半年``, ``2023年度``)."""

from __future__ import annotations

import re
import unicodedata

from lingong.errors import FatalInput
from lingong.model.records import Period, Station

_HALF_NAMES = {1: "上半年", 2: "下半年"}

# The tags a rules file names periods by ([at_risk] periods), each with its words for the
# 汇总表's 说明. rules.load accepts these keys, grading matches period_tag() against them.
PERIOD_TAGS = {"H1": "上半年", "H2": "下半年", "month": "月度", "year": "全年"}


def period_tag(period: Period) -> str:
    """The rules' tag of a period: H1 or H2 for a half-year, else its kind (month, year)."""
    if period.kind == "half":
        return period.key[-2:]
    return period.kind


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def month_label(key: str) -> str:
    y, m = key.split("-")
    return f"{int(y)}年{int(m)}月"


_MONTH_KEY = re.compile(r"\d{4}-\d{2}")


def month_text(key: str | None) -> str:
    """A month for a person: '2023-01' -> '2023年1月'; anything else (a month as typed, empty) as it is."""
    s = key or ""
    return month_label(s) if _MONTH_KEY.fullmatch(s) else s


def month_short(key: str) -> str:
    """'2023-03' -> '3月' (a table's column, a list of one period's months)."""
    return f"{int(key.split('-')[1])}月"


def months_short(keys) -> str:
    """('2023-03', '2023-05') -> '3月、5月'."""
    return "、".join(month_short(m) for m in keys) if keys else ""


def active_months(period: Period, station: Station) -> tuple[str, ...]:
    """The months of ``period`` the station operates in (its 启用年月..停用年月)."""
    return tuple(m for m in period.months if station.operates_in(m))


def months_between(first: str, last: str) -> list[str]:
    y, m = map(int, first.split("-"))
    ly, lm = map(int, last.split("-"))
    out = []
    while (y, m) <= (ly, lm):
        out.append(month_key(y, m))
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def make_period(kind: str, year: int, part: int = 0) -> Period:
    if kind == "month":
        if not 1 <= part <= 12:
            raise ValueError(part)
        return Period(month_key(year, part), "month", year, (month_key(year, part),), f"{year}年{part}月", 1 / 6)
    if kind == "half":
        first = 1 if part == 1 else 7
        months = tuple(month_key(year, m) for m in range(first, first + 6))
        return Period(f"{year}H{part}", "half", year, months, f"{year}年{_HALF_NAMES[part]}", 1.0)
    if kind == "year":
        return Period(str(year), "year", year, tuple(month_key(year, m) for m in range(1, 13)), f"{year}年度", 2.0)
    raise ValueError(kind)


_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})年(\d{1,2})月(?:份)?$"), "month"),
    (re.compile(r"^(\d{4})H([12])$", re.I), "half"),
    (re.compile(r"^(\d{4})年?(上|下)半年(?:度)?$"), "half_cn"),
    (re.compile(r"^(\d{4})(?:年度|年)?$"), "year"),
)


def parse_period(text: object) -> Period | None:
    """Parse a period; None when it cannot be read. A bare number 2023 is the year."""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    s = unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "")
    for pattern, kind in _PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        year = int(m.group(1))
        if not 2000 <= year <= 2100:
            return None
        if kind == "month":
            month = int(m.group(2))
            return make_period("month", year, month) if 1 <= month <= 12 else None
        if kind == "half":
            return make_period("half", year, int(m.group(2)))
        if kind == "half_cn":
            return make_period("half", year, 1 if m.group(2) == "上" else 2)
        return make_period("year", year)
    return None


PERIOD_FORMS = "2023H1、2023H2、2023 或 2023-03"


def period_option(text: object) -> Period | None:
    """``--period`` as every command takes it, parsed once: None when not given, else the
    Period however it was typed (2023H1, 2023年上半年, ２０２３Ｈ１); a period that cannot be
    read is a usage error, said before any file is read."""
    if isinstance(text, Period) or text is None or text == "":
        return text or None
    period = parse_period(text)
    if period is None:
        raise FatalInput(f"考核期“{text}”无法识别，请写成 {PERIOD_FORMS}")
    return period


def months_in_year_through(period: Period) -> tuple[str, ...]:
    """Months that count for year-to-date figures of a period (complaints)."""
    last = period.months[-1]
    return tuple(months_between(month_key(period.year, 1), last))


def ytd_span(period: Period) -> str:
    """What a year-to-date count up to the end of ``period`` covers: 全年, or 年初至6月 for a
    period ending before December (a first half-year's complaints are not the whole year's)."""
    last = int(period.months[-1][5:])
    return "全年" if last == 12 else f"年初至{last}月"


def date_cn(d) -> str:
    """A date as every document and message writes it: 2023年7月10日 (no leading zeros)."""
    return f"{d.year}年{d.month}月{d.day}日" if d else ""
