"""Which period a run assesses when none is named, and which stations it assesses at all.

The default is the latest half-year that has ended on the 考核日期, and only when its
reports cover more than COVERAGE of its operating station-months.
"""

from __future__ import annotations

from datetime import date

from lingong.model.periods import active_months, date_cn, make_period
from lingong.model.records import Period, Station


def assessed(st: Station) -> bool:
    """A 已取消 station without 停用年月 is not assessed at all."""
    return not (st.status == "已取消" and not st.end_month)


COVERAGE = 0.5  # a half-year is chosen, or recorded without --period, only above this share


def coverage(period: Period, stations: dict, accepted) -> tuple[int, int]:
    """(accepted reports, operating station-months) of a period, over all its months."""
    operating = reported = 0
    for code, st in stations.items():
        if not assessed(st):
            continue
        for m in active_months(period, st):
            operating += 1
            reported += (code, m) in accepted
    return reported, operating


def _share(reported: int, operating: int) -> str:
    return f"{reported}/{operating} 个站月（{reported / operating:.0%}）" if operating else "没有运营的驿站"


def default_period(accepted, stations: dict, on: date) -> tuple[Period | None, str, bool]:
    """The latest half-year that has ended on the 考核日期 ``on`` (a current half-year only when
    named with --period), said aloud with why. The third value: whether its reports cover more
    than half of its operating station-months; a thinner one is not assessed without --period."""
    last = make_period("half", on.year, 1 if on.month <= 6 else 2)
    p = make_period("half", last.year - 1, 2) if last.key.endswith("H1") else make_period("half", last.year, 1)
    reported, operating = coverage(p, stations, accepted)
    if not reported:
        return None, "", False
    why = (
        f"未指定考核期：按考核日期 {date_cn(on)}，选择已经结束的最近半年度{p.label}（{p.key}），"
        f"采用报表 {_share(reported, operating)}"
    )
    if not operating or reported / operating <= COVERAGE:
        return (
            p,
            why + f"。报送不足一半，不按默认考核；确需考核该期请用 --period {p.key} 指定"
            f"（正在进行的{last.label}也只在用 --period {last.key} 指定时考核）",
            False,
        )
    return p, why, True
