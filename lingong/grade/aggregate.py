"""One station over one period: which months count, where each came from, the sums.

Pure: takes the accepted report values chosen by the reading step and returns
an Aggregate; nothing is read and nothing is graded here.

- Active months: the period's months between the station's 启用年月 and
  停用年月 (a 已取消 station has its last month in 停用年月). Months outside are
  未运营: neither missing nor assessed.
- A month with an accepted report is 采用; rejected files replaced by it are
  kept as ``superseded`` (the station resubmitted). A month with only rejected
  files is 退回 and the station's result is 暂定 (provisional) until it
  resubmits; a month with nothing is 缺报. Both add 0 to every sum.
- Complaints count year to date: every month of the year up to the period's
  end found in input (accepted reports), said aloud when months before the
  period are absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lingong.model.periods import active_months, month_label, months_in_year_through
from lingong.model.records import MonthSource, Period, Station
from lingong.report_template import COUNT, INDICATOR_BY_CODE, INDICATOR_CODES
from lingong.words import ACCEPTED, MISSING, NOT_OPERATING, RETURNED

COMPLAINTS_CODE = "G5"


@dataclass(frozen=True)
class Aggregate:
    period: Period
    station: Station
    active_months: tuple[str, ...]
    month_sources: tuple[MonthSource, ...]  # every month of the period
    missing_months: tuple[str, ...]  # 缺报: active, no file at all
    rejected_months: tuple[str, ...]  # active, only rejected files
    monthly: dict  # active accepted month -> {code: value}
    sums: dict  # count code -> period sum over accepted active months
    series: dict  # code -> tuple of (month, value or None) over active months
    complaints_ytd: int
    complaints_by_month: dict  # month -> G5 counted
    complaints_note: str
    trace: dict = field(default_factory=dict)  # month -> {"file": ..., "cells": {code: cell}}

    @property
    def provisional(self) -> bool:
        return bool(self.rejected_months)

    @property
    def graded(self) -> bool:
        return bool(self.active_months)


def aggregate(
    period: Period,
    station: Station,
    accepted: dict[str, dict[str, int | bool]],
    accepted_files: dict[str, str],
    rejected_files: dict[str, list[str]],
    all_year_values: dict[str, dict],
    *,
    accepted_cells: dict[str, dict[str, str]] | None = None,
    all_year_files: dict[str, str] | None = None,
    all_year_cells: dict[str, dict[str, str]] | None = None,
) -> Aggregate:
    """Aggregate one station over ``period``. The keyword-only arguments carry
    the file and cell of each figure so results.json can trace it."""
    accepted_cells = accepted_cells or {}
    all_year_files = all_year_files or {}
    all_year_cells = all_year_cells or {}
    active = active_months(period, station)
    sources, missing, rejected = [], [], []
    monthly: dict[str, dict] = {}
    trace: dict[str, dict] = {}
    for m in period.months:
        rej = tuple(rejected_files.get(m, ()))
        if m not in active:
            sources.append(MonthSource(m, NOT_OPERATING))
        elif m in accepted:
            sources.append(MonthSource(m, ACCEPTED, accepted_files.get(m, ""), rej))
            monthly[m] = dict(accepted[m])
            trace[m] = {"file": accepted_files.get(m, ""), "cells": dict(accepted_cells.get(m, {}))}
        elif rej:
            sources.append(MonthSource(m, RETURNED, rej[-1], rej[:-1]))
            rejected.append(m)
        else:
            sources.append(MonthSource(m, MISSING))
            missing.append(m)

    sums = {}
    series = {}
    for code in INDICATOR_CODES:
        series[code] = tuple((m, monthly.get(m, {}).get(code)) for m in active)
        if INDICATOR_BY_CODE[code].kind == COUNT:
            sums[code] = sum(v for _, v in series[code] if isinstance(v, int) and not isinstance(v, bool))

    # Complaints: the period's own accepted months win over anything else found.
    ytd_months = [m for m in months_in_year_through(period) if station.operates_in(m)]
    by_month: dict[str, int] = {}
    absent_before = []
    for m in ytd_months:
        if m in monthly:
            values = monthly[m]
        elif m not in period.months and m in all_year_values:
            values = all_year_values[m]
            trace.setdefault(m, {"file": all_year_files.get(m, ""), "cells": dict(all_year_cells.get(m, {}))})
        else:
            if m not in period.months:
                absent_before.append(m)
            continue
        v = values.get(COMPLAINTS_CODE)
        if isinstance(v, int) and not isinstance(v, bool):
            by_month[m] = v
    note = _complaints_note(period, absent_before, ytd_months)
    return Aggregate(
        period,
        station,
        active,
        tuple(sources),
        tuple(missing),
        tuple(rejected),
        monthly,
        sums,
        series,
        sum(by_month.values()),
        by_month,
        note,
        trace,
    )


def _complaints_note(period: Period, absent: list[str], ytd_months: list[str]) -> str:
    if not absent:
        return ""
    before = [m for m in ytd_months if m not in period.months]
    first_half = [m for m in before if int(m[5:]) <= 6]
    if period.kind == "half" and absent == before == first_half:
        return "未找到上半年报表，全年投诉次数仅按已有月份统计"
    names = "、".join(month_label(m) for m in absent)
    return f"未找到{names}的报表，全年投诉次数仅按已有月份统计"
