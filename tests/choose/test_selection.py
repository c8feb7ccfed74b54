"""Choosing one report per station and month; registry and cross-file checks."""

import random
from datetime import date

import pytest

from lingong import report_template
from lingong.catalogue.issues import issue
from lingong.choose.selection import select_reports
from lingong.model.records import ReportRecord, Station
from lingong.rules.load import load_rules

STATIONS = {
    "ZD-001": Station("ZD-001", "东城零工驿站", "曾都区"),
    "GS-002": Station("GS-002", "十里零工驿站", "广水市", start_month="2023-03", end_month="2023-05"),
}

RULES = load_rules()  # the default rules file: its [outliers] thresholds


def rec(
    file,
    station="ZD-001",
    month="2023-03",
    *,
    fill=date(2023, 4, 3),
    mtime=0.0,
    name="东城零工驿站",
    county="曾都区",
    values=None,
    error=False,
):
    v = {i.code: (3 if i.kind == report_template.COUNT else True) for i in report_template.INDICATORS}
    v.update(values or {})
    r = ReportRecord(
        file=file,
        sha256="",
        mtime=mtime,
        station=station,
        month=month,
        name=name,
        county=county,
        fill_date=fill,
        version="LGYZ-M-1",
        values=v,
        cells={c: f"月度指标!E{3 + k}" for k, c in enumerate(report_template.INDICATOR_CODES)},
    )
    if error:
        r.issues.append(issue("V002", station=station, month=month, file=file, found="十二"))
    return r


def codes(sel):
    return sorted(i.code for i in sel.issues)


def test_one_report_each():
    a, b = rec("a.xlsx"), rec("b.xlsx", month="2023-04")
    sel = select_reports([a, b], STATIONS, RULES)
    assert sel.accepted == {("ZD-001", "2023-03"): a, ("ZD-001", "2023-04"): b}
    assert sel.statuses == {"a.xlsx": "采用", "b.xlsx": "采用"} and sel.issues == [] and sel.rejected == {}


def test_R001_station_not_in_registry():
    r = rec("x.xlsx", station="ZD-999")
    sel = select_reports([r], STATIONS, RULES)
    assert sel.statuses == {"x.xlsx": "驿站不在名册"} and sel.rejected == {("ZD-999", "2023-03"): [r]}
    (i,) = sel.issues
    assert (i.code, i.severity, i.file, i.found) == ("R001", "错误", "x.xlsx", "ZD-999")
    assert sel.accepted == {}


@pytest.mark.parametrize(
    "kw,code,found,expected",
    [
        (dict(name="东城驿站"), "R002", "东城驿站", "东城零工驿站"),
        (dict(county="随县"), "R003", "随县", "曾都区"),
    ],
)
def test_name_county_mismatch_is_a_warning(kw, code, found, expected):
    sel = select_reports([rec("a.xlsx", **kw)], STATIONS, RULES)
    (i,) = sel.issues
    assert (i.code, i.severity, i.found, i.expected) == (code, "警告", found, expected)
    assert ("ZD-001", "2023-03") in sel.accepted


def test_name_with_stray_spaces_matches():
    sel = select_reports([rec("a.xlsx", name=" 东城 零工驿站 ")], STATIONS, RULES)
    assert sel.issues == []


def test_rejected_report_and_later_replacement():
    bad = rec("1_first.xlsx", error=True, fill=date(2023, 4, 2))
    good = rec("2_fixed.xlsx", fill=date(2023, 4, 9))
    sel = select_reports([good, bad], STATIONS, RULES)
    assert sel.accepted[("ZD-001", "2023-03")] is good
    assert sel.rejected == {("ZD-001", "2023-03"): [bad]}
    # The failure was replaced: history, not a report to correct.
    assert sel.statuses == {"1_first.xlsx": "已被替代", "2_fixed.xlsx": "采用"}
    assert sel.replaced == {"1_first.xlsx": "2_fixed.xlsx"}
    assert [(i.code, i.file, i.expected) for i in sel.issues] == [("P004", "1_first.xlsx", "2_fixed.xlsx")]


def test_a_broken_report_sent_after_the_good_one_is_still_returned():
    good = rec("1_first.xlsx", fill=date(2023, 4, 2))
    bad = rec("2_again.xlsx", error=True, fill=date(2023, 4, 9))
    sel = select_reports([good, bad], STATIONS, RULES)
    assert sel.accepted[("ZD-001", "2023-03")] is good
    assert sel.statuses == {"1_first.xlsx": "采用", "2_again.xlsx": "退回"}
    assert sel.replaced == {} and sel.issues == []


@pytest.mark.parametrize(
    "a_kw,b_kw,winner",
    [
        (dict(fill=date(2023, 4, 3)), dict(fill=date(2023, 4, 5)), "b.xlsx"),  # newer 填报日期
        (dict(fill=date(2023, 4, 9), mtime=1), dict(fill=date(2023, 4, 5), mtime=9), "a.xlsx"),
        (dict(mtime=20.0), dict(mtime=10.0), "a.xlsx"),  # same date: newer mtime
        (dict(mtime=10.0), dict(mtime=10.0), "b.xlsx"),  # then later path
        (dict(fill=None, mtime=50.0), dict(fill=date(2023, 4, 1)), "b.xlsx"),  # no date is oldest
    ],
)
def test_P001_duplicates_tie_breaks(a_kw, b_kw, winner):
    a, b = rec("a.xlsx", **a_kw), rec("b.xlsx", **b_kw)
    for order in ([a, b], [b, a]):
        sel = select_reports(order, STATIONS, RULES)
        assert sel.accepted[("ZD-001", "2023-03")].file == winner
        loser = "a.xlsx" if winner == "b.xlsx" else "b.xlsx"
        assert sel.statuses == {winner: "采用", loser: "已被替代"}
        (i,) = sel.issues
        assert (i.code, i.file, i.expected) == ("P001", loser, winner)
        assert winner in i.message


@pytest.mark.parametrize("month,used", [("2023-02", False), ("2023-03", True), ("2023-05", True), ("2023-06", False)])
def test_P002_month_outside_operating_period(month, used):
    r = rec("g.xlsx", station="GS-002", month=month, name="十里零工驿站", county="广水市")
    sel = select_reports([r], STATIONS, RULES)
    assert (("GS-002", month) in sel.accepted) == used
    if used:
        assert sel.issues == []
    else:
        (i,) = sel.issues
        assert (i.code, i.severity, i.found, i.expected) == ("P002", "警告", month, "2023-03 至 2023-05")
        assert sel.statuses == {"g.xlsx": "运营期外"} and sel.rejected == {}


def _months(values_by_month):
    return [rec(f"{m}.xlsx", month=m, values={"C1": v}) for m, v in values_by_month.items()]


def test_X003_outlier():
    recs = _months({"2023-01": 4, "2023-02": 5, "2023-03": 6, "2023-04": 60, "2023-05": 5})
    sel = select_reports(recs, STATIONS, RULES)
    (i,) = sel.issues
    assert (i.code, i.file, i.found, i.expected, i.sheet, i.cell) == (
        "X003",
        "2023-04.xlsx",
        "60",
        "5 的 10 倍",
        "月度指标",
        "E12",
    )
    assert i.message == "月度指标!E12（C1 收集审核零工岗位数）本月为 60，超过本站各月中位数 5 的 10 倍"


@pytest.mark.parametrize(
    "figures",
    [
        {"2023-01": 0, "2023-02": 0, "2023-03": 0, "2023-04": 500},  # median 0 never triggers
        {"2023-01": 4, "2023-02": 4, "2023-03": 4, "2023-04": 49},  # below 50
        {"2023-01": 5, "2023-02": 5, "2023-03": 5, "2023-04": 50},  # exactly 10x is not more
        {"2023-01": 500},  # one month has no history
    ],
)
def test_X003_not_triggered(figures):
    assert "X003" not in codes(select_reports(_months(figures), STATIONS, RULES))


def test_X003_ignores_yes_no_and_superseded():
    recs = _months({"2023-01": 4, "2023-02": 5, "2023-03": 6})
    old = rec("old.xlsx", month="2023-02", values={"C1": 900}, fill=date(2023, 3, 1))
    sel = select_reports(recs + [old], STATIONS, RULES)
    assert codes(sel) == ["P001"]


def test_deterministic_regardless_of_order():
    recs = _months({"2023-01": 4, "2023-02": 5, "2023-03": 6, "2023-04": 80})
    recs += [
        rec("dup.xlsx", month="2023-01", mtime=5.0),
        rec("bad.xlsx", error=True),
        rec("x.xlsx", station="QQ-1"),
        rec("g.xlsx", station="GS-002", month="2023-01", name="十里", county="广水市"),
    ]
    first = select_reports(list(recs), STATIONS, RULES)
    for seed in range(5):
        shuffled = list(recs)
        random.Random(seed).shuffle(shuffled)
        again = select_reports(shuffled, STATIONS, RULES)
        assert again.issues == first.issues
        assert again.statuses == first.statuses
        assert {k: v.file for k, v in again.accepted.items()} == {k: v.file for k, v in first.accepted.items()}
    assert first.issues_of("g.xlsx")[0].code in ("R002", "P002")


CITY = {
    "ZD-001": Station("ZD-001", "东城街道零工驿站", "曾都区"),
    "ZD-002": Station("ZD-002", "西城街道零工驿站", "曾都区"),
    "GS-003": Station("GS-003", "广水街道零工驿站", "广水市"),
    "GS-002": Station("GS-002", "十里街道零工驿站", "广水市"),
}


@pytest.mark.parametrize(
    "file, station, named",
    [
        ("曾都区/东城驿站5月报表.xlsx", "ZD-002", "东城街道零工驿站（ZD-001）"),  # another station's name
        ("曾都区/西城驿站5月报表.xlsx", "ZD-002", None),  # its own
        ("曾都区/5月报表.xlsx", "ZD-002", None),  # no name at all
        ("广水市/广水市十里街道5月.xlsx", "GS-002", None),  # the county's name is no 广水街道
        ("广水市/广水街道驿站5月.xlsx", "GS-002", "广水街道零工驿站（GS-003）"),
    ],
)
def test_a_file_named_after_another_station_is_warned_about(file, station, named):
    st = CITY[station]
    r = rec(file, station=station, month="2023-05", name=st.name, county=st.county)
    got = [i for i in select_reports([r], CITY, RULES).issues if i.code == "F011"]
    assert [i.found for i in got] == ([named] if named else [])
    if named:
        assert got[0].expected == f"{station} {st.name}" and got[0].severity == "警告"
