"""Aggregation: active months, where each month came from, sums, year-to-date complaints."""

from __future__ import annotations

import pytest

from lingong.grade.aggregate import aggregate
from lingong.model.periods import parse_period
from support.records_factory import GOOD_MONTH, cells_for, good_values, months, station

H1 = parse_period("2023H1")


def agg(period="2023H1", st=None, accepted=None, rejected=None, year=None, **kw):
    p = parse_period(period)
    accepted = accepted if accepted is not None else {m: dict(GOOD_MONTH) for m in p.months}
    return aggregate(
        p,
        st or station(),
        accepted,
        {m: f"报表/{m}.xlsx" for m in accepted},
        rejected or {},
        year if year is not None else dict(accepted),
        **kw,
    )


@pytest.mark.parametrize(
    "period,start,end,active",
    [
        ("2023H1", None, None, months(2023, 1, 6)),
        ("2023H1", "2023-04", None, months(2023, 4, 6)),
        ("2023H1", "2022-11", None, months(2023, 1, 6)),
        ("2023H1", None, "2023-02", months(2023, 1, 2)),
        ("2023H1", "2023-07", None, []),
        ("2023", "2023-06", "2023-10", months(2023, 6, 10)),
        ("2023-03", "2023-03", None, ["2023-03"]),
        ("2023-03", "2023-04", None, []),
    ],
)
def test_active_months_from_registry(period, start, end, active):
    a = agg(period, station(start=start, end=end))
    assert list(a.active_months) == active
    assert a.graded is bool(active)
    not_operating = [s.month for s in a.month_sources if s.status == "未运营"]
    assert not_operating == [m for m in parse_period(period).months if m not in active]
    assert a.missing_months == ()


def test_missing_month_adds_zero_and_is_listed():
    acc = {m: good_values(C1=100) for m in months(2023, 1, 6) if m != "2023-02"}
    a = agg(accepted=acc)
    assert a.missing_months == ("2023-02",) and a.sums["C1"] == 500
    assert dict(a.series["C1"])["2023-02"] is None
    assert {s.month: s.status for s in a.month_sources}["2023-02"] == "缺报"
    assert not a.provisional


def test_rejected_month_and_a_resubmitted_one():
    acc = {m: dict(GOOD_MONTH) for m in months(2023, 1, 6) if m != "2023-04"}
    rej = {"2023-04": ["a/四月.xlsx", "a/四月(2).xlsx"], "2023-05": ["a/五月_旧.xlsx"]}
    a = agg(accepted=acc, rejected=rej)
    src = {s.month: s for s in a.month_sources}
    assert src["2023-04"].status == "退回" and src["2023-04"].file == "a/四月(2).xlsx"
    assert src["2023-04"].superseded == ("a/四月.xlsx",)
    assert src["2023-05"].status == "采用" and src["2023-05"].superseded == ("a/五月_旧.xlsx",)
    assert a.rejected_months == ("2023-04",) and a.provisional


def test_sums_only_for_counts_and_only_active_months():
    acc = {m: good_values(C1=10) for m in months(2023, 1, 6)}
    a = agg(st=station(start="2023-03"), accepted=acc)
    assert a.sums["C1"] == 40
    assert "A3" not in a.sums
    assert set(a.monthly) == set(months(2023, 3, 6))


def test_cells_carried_for_tracing():
    acc = {m: dict(GOOD_MONTH) for m in months(2023, 1, 6)}
    a = agg(accepted=acc, accepted_cells={m: cells_for(v) for m, v in acc.items()})
    assert a.trace["2023-01"]["file"] == "报表/2023-01.xlsx"
    assert a.trace["2023-01"]["cells"]["C1"] == cells_for(GOOD_MONTH)["C1"]


@pytest.mark.parametrize(
    "period,year_months,g5,ytd,note",
    [
        ("2023H1", months(2023, 1, 6), 1, 6, ""),
        ("2023H2", months(2023, 1, 12), 1, 12, ""),
        ("2023H2", months(2023, 7, 12), 1, 6, "未找到上半年报表"),
        ("2023H2", months(2023, 3, 12), 1, 10, "未找到2023年1月、2023年2月的报表"),
        ("2023", months(2023, 1, 12), 2, 24, ""),
        ("2023-03", months(2023, 1, 3), 1, 3, ""),
        ("2023-03", months(2023, 3, 3), 1, 1, "未找到2023年1月、2023年2月的报表"),
    ],
)
def test_complaints_year_to_date(period, year_months, g5, ytd, note):
    p = parse_period(period)
    year = {m: good_values(G5=g5) for m in year_months}
    acc = {m: v for m, v in year.items() if m in p.months}
    a = agg(period, accepted=acc, year=year)
    assert a.complaints_ytd == ytd
    assert (note in a.complaints_note) if note else a.complaints_note == ""


def test_complaints_before_the_station_opened_are_not_missing():
    st = station(start="2023-08")
    acc = {m: good_values(G5=1) for m in months(2023, 8, 12)}
    a = agg("2023H2", st, accepted=acc)
    assert a.complaints_ytd == 5 and a.complaints_note == ""


def test_period_months_win_over_other_values_for_complaints():
    acc = {m: good_values(G5=0) for m in months(2023, 7, 12)}
    year = {**{m: good_values(G5=1) for m in months(2023, 1, 12)}}
    a = agg("2023H2", accepted=acc, year=year)
    assert a.complaints_ytd == 6
    assert set(a.complaints_by_month) == set(months(2023, 1, 12))
