"""Builders of Station / ReportRecord / Decision objects for tests.

``good_values()`` is a month that meets every 合格 requirement of the default
rules with a half-year of six such months, and no 优秀 one; tests change the
codes they are about. Other helpers may import this module.
"""

from __future__ import annotations

import hashlib
from datetime import date

from lingong.model.records import Decision, ReportRecord, Station
from lingong.report_template import INDICATORS

# Six months of these reach every half-year target exactly (400/360/50 → 67/60/9 a
# month) while staying below every 优秀 line.
GOOD_MONTH = {
    "A1": 3,
    "A2": 3,
    "A3": True,
    "A4": True,
    "A5": 2,
    "B1": 10,
    "B2": True,
    "B3": True,
    "B4": 5,
    "C1": 67,
    "C2": 60,
    "C3": 9,
    "C4": 4,
    "D1": 1,
    "D2": 1,
    "D3": 0,
    "E1": 1,
    "E2": 0,
    "E3": 1,
    "E4": 0,
    "F1": 0,
    "F2": 0,
    "F3": 0,
    "G1": 0,
    "G2": 1,
    "G3": True,
    "G4": True,
    "G5": 0,
}

# Six months of these make every item 优秀.
EXCELLENT_MONTH = {
    **GOOD_MONTH,
    "A5": 4,
    "B4": 17,
    "C1": 80,
    "C2": 72,
    "C3": 10,
    "D1": 2,
    "D2": 2,
    "E1": 5,
    "E3": 5,
    "G1": 1,
}


def good_values(**changes) -> dict:
    return {**GOOD_MONTH, **changes}


def excellent_values(**changes) -> dict:
    return {**EXCELLENT_MONTH, **changes}


def cells_for(values: dict) -> dict[str, str]:
    row = {ind.code: 5 + n for n, ind in enumerate(INDICATORS)}
    return {code: f"月度指标!E{row[code]}" for code in values}


def station(
    code: str = "ZD-001",
    *,
    name: str | None = None,
    county: str = "曾都区",
    status: str = "运营",
    start: str | None = None,
    end: str | None = None,
    email: str = "",
) -> Station:
    return Station(
        code=code,
        name=name or f"{code}零工驿站",
        county=county,
        status=status,
        start_month=start,
        end_month=end,
        email=email,
        source="驿站名册.xlsx!A2",
    )


def report(
    code: str,
    month: str,
    values: dict | None = None,
    *,
    file: str | None = None,
    fill_date: date | None = None,
    rejected: bool = False,
) -> ReportRecord:
    values = good_values() if values is None else values
    file = file or f"{code}/{code}_{month}{'_错' if rejected else ''}.xlsx"
    rec = ReportRecord(
        file=file,
        sha256=hashlib.sha256(file.encode()).hexdigest(),
        mtime=0.0,
        station=code,
        month=month,
        fill_date=fill_date,
        version="LGYZ-M-1",
        values=dict(values),
        cells=cells_for(values),
    )
    if rejected:
        from lingong.catalogue.issues import issue

        rec.issues.append(
            issue("V002", station=code, month=month, file=file, sheet="月度指标", cell="E14", found="十二", what="C1")
        )
        rec.values = {}
    return rec


def reports(code: str, months, values: dict | None = None, **per_month) -> dict:
    """{(code, month): ReportRecord} for ``months``; ``per_month`` maps a month
    written with an underscore (m2023_03) to that month's values."""
    out = {}
    for m in months:
        v = per_month.get("m" + m.replace("-", "_"), values)
        out[(code, m)] = report(code, m, v)
    return out


def decision(
    station_code: str, period: str, item: str, grade: str, reason: str = "现场核查情况", row: int = 2
) -> Decision:
    return Decision(
        station=station_code, period=period, item=item, grade=grade, reason=reason, source=f"考核组意见.xlsx!A{row}"
    )


def months(year: int, first: int, last: int) -> list[str]:
    return [f"{year:04d}-{m:02d}" for m in range(first, last + 1)]


def half_year(
    values_by_month: dict[str, dict] | None = None, *, year: int = 2023, half: int = 1, base: dict | None = None
) -> dict[str, dict]:
    """Six months of ``base`` (GOOD_MONTH) with some months replaced."""
    first = 1 if half == 1 else 7
    out = {m: dict(base or GOOD_MONTH) for m in months(year, first, first + 5)}
    out.update(values_by_month or {})
    return out


def with_total(month_values: dict[str, dict], code: str, total: int) -> dict[str, dict]:
    """Put the whole period's ``total`` of ``code`` in the first month, 0 elsewhere."""
    out = {m: dict(v) for m, v in month_values.items()}
    ms = sorted(out)
    for m in ms:
        out[m][code] = 0
    out[ms[0]][code] = total
    return out


def grade_one(
    period_key: str,
    month_values: dict[str, dict],
    *,
    st: Station | None = None,
    decisions=(),
    rules=None,
    rejected_months=(),
):
    """Assess one station; returns (StationResult, issues)."""
    from lingong.grade.grading import assess
    from lingong.model.periods import parse_period
    from lingong.rules.load import load_rules

    st = st or station()
    acc = {(st.code, m): report(st.code, m, v) for m, v in month_values.items()}
    rej = {(st.code, m): [report(st.code, m, rejected=True)] for m in rejected_months}
    results, issues = assess(parse_period(period_key), {st.code: st}, acc, rej, list(decisions), rules or load_rules())
    return (results[0] if results else None), issues


def requirement(result, key: str):
    for it in result.items:
        for r in it.requirements:
            if r.key == key:
                return r
    raise KeyError(key)


def item(result, name: str):
    return next(i for i in result.items if i.name == name)
