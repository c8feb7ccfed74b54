"""Grading by the default rules: each requirement at its target, one below, and
at the 优秀 line; prorating; missing and rejected months; decisions; overall rule."""

from __future__ import annotations

import pytest

from lingong.grade import city
from lingong.grade.grading import assess, overall_grade
from lingong.model.periods import months_short, parse_period
from lingong.rules.load import load_rules
from support.records_factory import (
    EXCELLENT_MONTH,
    GOOD_MONTH,
    decision,
    grade_one,
    half_year,
    item,
    months,
    report,
    requirement,
    station,
    with_total,
)

RULES = load_rules()


# ---- each requirement: at target, one below, at the 优秀 line ------------------
# (requirement key, code, total over 2023H1, expected target, expected met)
SUM_CASES = [
    ("C1_sum", "C1", 400, 400, True),
    ("C1_sum", "C1", 399, 400, False),
    ("C1_excellent", "C1", 480, 480, True),
    ("C1_excellent", "C1", 479, 480, False),
    ("C2_sum", "C2", 360, 360, True),
    ("C2_sum", "C2", 359, 360, False),
    ("C2_excellent", "C2", 432, 432, True),
    ("C2_excellent", "C2", 431, 432, False),
    ("C3_sum", "C3", 50, 50, True),
    ("C3_sum", "C3", 49, 50, False),
    ("C3_excellent", "C3", 60, 60, True),
    ("C3_excellent", "C3", 59, 60, False),
    ("D1_sum", "D1", 6, 6, True),
    ("D1_sum", "D1", 5, 6, False),
    ("D1_excellent", "D1", 8, 8, True),
    ("D1_excellent", "D1", 7, 8, False),  # ceil(6 × 1.2)
    ("D2_sum", "D2", 6, 6, True),
    ("D2_sum", "D2", 5, 6, False),
    ("D2_excellent", "D2", 8, 8, True),
    ("D2_excellent", "D2", 7, 8, False),
    ("A5_excellent", "A5", 24, 24, True),
    ("A5_excellent", "A5", 23, 24, False),
    ("B4_excellent", "B4", 100, 100, True),
    ("B4_excellent", "B4", 99, 100, False),
    ("E1_sum", "E1", 1, 1, True),
    ("E1_sum", "E1", 0, 1, False),
    ("E1_excellent", "E1", 30, 30, True),
    ("E1_excellent", "E1", 29, 30, False),
    ("E3_sum", "E3", 1, 1, True),
    ("E3_sum", "E3", 0, 1, False),
    ("E3_excellent", "E3", 30, 30, True),
    ("E3_excellent", "E3", 29, 30, False),
    ("G5_ytd", "G5", 3, 3, True),
    ("G5_ytd", "G5", 4, 3, False),
    ("G5_excellent", "G5", 0, 0, True),
    ("G5_excellent", "G5", 1, 0, False),
]


@pytest.mark.parametrize("key,code,total,target,met", SUM_CASES, ids=[f"{c[0]}={c[2]}" for c in SUM_CASES])
def test_sum_requirement_at_and_below_target(key, code, total, target, met):
    res, _ = grade_one("2023H1", with_total(half_year(), code, total))
    r = requirement(res, key)
    assert (r.figure, r.target, r.met) == (total, target, met)


@pytest.mark.parametrize("a1,a2,met", [(18, 18, True), (18, 17, False), (0, 0, True), (5, 9, True)])
def test_tasks_done_at_least_tasks_given(a1, a2, met):
    values = with_total(with_total(half_year(), "A1", a1), "A2", a2)
    res, _ = grade_one("2023H1", values)
    r = requirement(res, "A2_vs_A1")
    assert (r.figure, r.target, r.met, r.kind) == (a2, a1, met, "compare")
    assert item(res, "驿站运维").computed == ("合格" if met else "不合格")


# (requirement key, values changed in 2023-03, met)
MONTHLY_CASES = [
    ("A3_monthly", {"A3": True}, True),
    ("A3_monthly", {"A3": False}, False),
    ("A4_monthly", {"A4": False}, False),
    ("B1_monthly", {"B1": 1}, True),
    ("B1_monthly", {"B1": 0}, False),
    ("B2_monthly", {"B2": False}, False),
    ("B3_monthly", {"B3": False}, False),
    ("D1_monthly", {"D1": 1}, True),
    ("D1_monthly", {"D1": 0}, False),
    ("D2_monthly", {"D2": 1}, True),
    ("D2_monthly", {"D2": 0}, False),
    ("G12_monthly", {"G1": 0, "G2": 1}, True),
    ("G12_monthly", {"G1": 1, "G2": 0}, True),
    ("G12_monthly", {"G1": 0, "G2": 0}, False),
    ("G3_monthly", {"G3": False}, False),
    ("G4_monthly", {"G4": False}, False),
    ("G1_excellent", {"G1": 1}, True),
    ("G1_excellent", {"G1": 0}, False),
]


@pytest.mark.parametrize("key,change,met", MONTHLY_CASES, ids=[f"{c[0]}-{c[1]}" for c in MONTHLY_CASES])
def test_monthly_requirement_every_active_month(key, change, met):
    values = half_year(base=EXCELLENT_MONTH)
    values["2023-03"].update(change)
    res, _ = grade_one("2023H1", values)
    r = requirement(res, key)
    assert r.met is met
    assert r.failed_months == (() if met else ("2023-03",))
    assert r.figure == (6 if met else 5) and r.target is None


def test_good_and_excellent_months_give_the_expected_grades():
    good, _ = grade_one("2023H1", half_year())
    best, _ = grade_one("2023H1", half_year(base=EXCELLENT_MONTH))
    assert [i.computed for i in good.items] == ["合格"] * 6 and good.final_overall == "合格"
    assert [i.computed for i in best.items] == ["优秀"] * 6 and best.final_overall == "优秀"
    assert len(good.items) == 6  # 招聘活动 not graded by default


# ---- prorating ----------------------------------------------------------------

# (period, station start, requirement, expected target)
PRORATE_CASES = [
    ("2023H1", "2023-04", "C1_sum", 200),
    ("2023H1", "2023-04", "C1_excellent", 240),
    ("2023H1", "2023-04", "C3_sum", 25),
    ("2023H1", "2023-04", "C3_excellent", 30),
    ("2023H1", "2023-04", "D1_sum", 3),
    ("2023H1", "2023-04", "D1_excellent", 4),  # ceil(3.6)
    ("2023H1", "2023-04", "A5_excellent", 12),
    ("2023H1", "2023-04", "E1_sum", 1),
    ("2023H1", "2023-02", "C3_sum", 42),
    ("2023H1", "2023-02", "C3_excellent", 51),  # ceil(41.67), ceil(50.4)
    ("2023", "2023-06", "D1_sum", 7),
    ("2023", "2023-06", "D1_excellent", 9),  # ceil(8.4)
    ("2023", None, "C1_sum", 800),
    ("2023", None, "D1_sum", 12),
    ("2023-03", None, "C1_sum", 67),
    ("2023-03", None, "D1_sum", 1),
    ("2023-03", None, "C1_excellent", 81),
]


@pytest.mark.parametrize("period,start,key,target", PRORATE_CASES)
def test_targets_prorated_to_operating_months(period, start, key, target):
    p = parse_period(period)
    st = station(start=start)
    vals = {m: dict(GOOD_MONTH) for m in p.months if start is None or m >= start}
    res, _ = grade_one(period, vals, st=st)
    assert requirement(res, key).target == target


def test_station_opened_in_april_is_graded_on_three_months():
    st = station(start="2023-04")
    vals = {m: dict(GOOD_MONTH, C1=67) for m in months(2023, 4, 6)}
    res, _ = grade_one("2023H1", vals, st=st)
    assert res.active_months == ("2023-04", "2023-05", "2023-06")
    assert res.missing_months == ()
    assert [s.status for s in res.month_sources[:3]] == ["未运营"] * 3
    assert requirement(res, "C1_sum").figure == 201 and requirement(res, "C1_sum").met
    assert requirement(res, "D1_monthly").figure == 3
    assert res.final_overall == "合格"


# ---- missing and rejected months ----------------------------------------------------


def test_missing_month_fails_every_monthly_requirement_and_adds_nothing():
    vals = half_year()
    del vals["2023-03"]
    res, _ = grade_one("2023H1", vals)
    assert res.missing_months == ("2023-03",) and not res.provisional
    for it in res.items:
        for r in it.requirements:
            if r.kind == "monthly" and r.level == "合格":
                assert r.failed_months == ("2023-03",), r.key
    assert requirement(res, "C1_sum").figure == 67 * 5
    assert res.final_overall == "不合格"


def test_rejected_month_makes_the_result_provisional():
    vals = half_year()
    del vals["2023-05"]
    res, _ = grade_one("2023H1", vals, rejected_months=["2023-05"])
    assert res.rejected_months == ("2023-05",) and res.missing_months == ()
    assert res.provisional
    assert requirement(res, "G3_monthly").failed_months == ("2023-05",)
    src = {s.month: s for s in res.month_sources}["2023-05"]
    assert src.status == "退回" and src.file.endswith("_错.xlsx")


def test_rejected_file_replaced_by_an_accepted_one_is_not_provisional():
    res, _ = grade_one("2023H1", half_year(), rejected_months=["2023-05"])
    assert not res.provisional and res.rejected_months == ()
    src = {s.month: s for s in res.month_sources}["2023-05"]
    assert src.status == "采用" and len(src.superseded) == 1


# ---- complaints across the half-years ---------------------------------------------


@pytest.mark.parametrize(
    "h1,h2,ytd,met_h1,met_h2",
    [(2, 1, 3, True, True), (2, 2, 4, True, False), (4, 0, 4, False, False), (0, 0, 0, True, True)],
)
def test_complaints_count_year_to_date(h1, h2, ytd, met_h1, met_h2):
    st = station()
    acc = {}
    for m, v in with_total(half_year(), "G5", h1).items():
        acc[(st.code, m)] = report(st.code, m, v)
    for m, v in with_total(half_year(half=2), "G5", h2).items():
        acc[(st.code, m)] = report(st.code, m, v)
    (r1,), _ = assess(parse_period("2023H1"), {st.code: st}, acc, {}, [], RULES)
    (r2,), _ = assess(parse_period("2023H2"), {st.code: st}, acc, {}, [], RULES)
    assert requirement(r1, "G5_ytd").met is met_h1 and r1.complaints_ytd == h1
    assert (r2.complaints_ytd, requirement(r2, "G5_ytd").met) == (ytd, met_h2)
    assert r2.complaints_note == ""


def test_second_half_without_first_half_says_so():
    res, _ = grade_one("2023H2", with_total(half_year(half=2), "G5", 1))
    assert res.complaints_ytd == 1
    assert "未找到上半年报表" in res.complaints_note
    assert "未找到上半年报表" in requirement(res, "G5_ytd").note


# ---- overall rule ---------------------------------------------------------------


@pytest.mark.parametrize(
    "grades,overall",
    [
        (["合格"] * 6, "合格"),
        (["优秀"] * 4 + ["合格"] * 2, "优秀"),
        (["优秀"] * 3 + ["合格"] * 3, "合格"),
        (["优秀"] * 5 + ["不合格"], "不合格"),
        (["优秀"] * 6, "优秀"),
        (["不合格"] * 6, "不合格"),
    ],
)
def test_overall_rule(grades, overall):
    assert overall_grade(grades, RULES) == overall


def test_overall_four_excellent_items_end_to_end():
    # Items 1–4 excellent, 5 and 6 only 合格.
    vals = half_year(base=dict(EXCELLENT_MONTH, E1=1, E3=1, G1=0))
    res, _ = grade_one("2023H1", vals)
    assert [i.computed for i in res.items] == ["优秀"] * 4 + ["合格"] * 2
    assert res.computed_overall == res.final_overall == "优秀"


# ---- decisions of the assessment group ---------------------------------------------


def test_decision_overrides_an_item_and_the_overall_follows():
    d = decision("ZD-001", "2023H1", "供求服务", "不合格", "岗位信息核查不实")
    res, issues = grade_one("2023H1", half_year(), decisions=[d])
    it = item(res, "供求服务")
    assert (it.computed, it.final, it.decision) == ("合格", "不合格", d)
    assert res.computed_overall == "合格" and res.final_overall == "不合格"
    assert res.overall_decision is None and issues == []


def test_decision_overrides_the_overall_result():
    d = decision("ZD-001", "2023H1", "综合", "优秀", "获省级表彰")
    res, _ = grade_one("2023H1", half_year(), decisions=[d])
    assert res.computed_overall == "合格" and res.final_overall == "优秀"
    assert res.overall_decision == d
    assert all(i.decision is None for i in res.items)


def test_decision_for_another_period_is_ignored():
    d = decision("ZD-001", "2023H2", "综合", "不合格")
    res, issues = grade_one("2023H1", half_year(), decisions=[d])
    assert res.final_overall == "合格" and issues == []


def test_decision_for_a_station_not_graded_is_a_warning():
    st = station(start="2023-07")
    d = decision("ZD-001", "2023H1", "综合", "不合格", row=7)
    res, issues = grade_one("2023H1", {}, st=st, decisions=[d])
    assert not res.graded and res.items == ()
    assert [(i.code, i.severity, i.cell, i.file) for i in issues] == [("D006", "警告", "A7", "考核组意见.xlsx")]


# ---- the whole period ---------------------------------------------------------------


def test_assess_orders_by_county_and_skips_cancelled_stations():
    sts = {
        s.code: s
        for s in (
            station("SX-002", county="随县"),
            station("ZD-009"),
            station("GS-001", county="广水市"),
            station("ZD-002"),
            station("ZD-003", status="已取消"),
            station("ZD-004", status="已取消", end="2023-03"),
        )
    }
    acc = {}
    for code in sts:
        for m in months(2023, 1, 6):
            acc[(code, m)] = report(code, m)
    results, _ = assess(parse_period("2023H1"), sts, acc, {}, [], RULES)
    assert [r.station.code for r in results] == ["ZD-002", "ZD-004", "ZD-009", "SX-002", "GS-001"]
    cancelled = results[1]
    assert cancelled.active_months == ("2023-01", "2023-02", "2023-03")
    assert requirement(cancelled, "C1_sum").target == 200


def test_target_text_uses_the_station_county():
    res, _ = grade_one("2023H1", half_year(), st=station("GS-001", county="广水市"))
    assert "广水零工驿站小程序" in item(res, "线上平台").target_text
    assert "半年岗位数不少于400" in item(res, "供求服务").target_text


# ---- at-risk warnings ------------------------------------------------------------------


def test_at_risk_at_the_half_year_check():
    vals = half_year()
    for m, n in zip(sorted(vals), (1, 1, 1, 1, 0, 0)):
        vals[m]["D1"] = n
    res, _ = grade_one("2023H1", vals)
    risks = {a.key: a for a in res.at_risk}
    assert set(risks) == {"D1_sum"}
    a = risks["D1_sum"]
    assert (a.figure, a.year_target, a.needed, a.months_left) == (4, 12, 8, 6)
    assert a.text == "还需驿站宣传推广 8 次"


def test_no_at_risk_warning_on_pace_or_outside_h1():
    on_pace, _ = grade_one("2023H1", half_year())
    assert on_pace.at_risk == ()
    h2, _ = grade_one("2023H2", with_total(half_year(half=2), "D1", 0))
    assert h2.at_risk == ()


def test_at_risk_prorated_for_a_station_opened_in_april():
    st = station(start="2023-04")
    vals = {m: dict(GOOD_MONTH, C1=50) for m in months(2023, 4, 6)}
    res, _ = grade_one("2023H1", vals, st=st)
    risks = {a.key: a for a in res.at_risk}
    # 9 operating months in 2023 -> C1 year target ceil(800 × 9 / 12) = 600; 150 so far.
    assert (risks["C1_sum"].year_target, risks["C1_sum"].needed) == (600, 450)


def test_complaints_of_the_first_half_that_fail_the_second_say_their_months():
    # Four complaints, all in the first half: the second half fails on them, and says where they are.
    st = station()
    acc = {}
    for m, v in with_total(half_year(), "G5", 4).items():
        acc[(st.code, m)] = report(st.code, m, v)
    for m, v in with_total(half_year(half=2), "G5", 0).items():
        acc[(st.code, m)] = report(st.code, m, v)
    (r1,), _ = assess(parse_period("2023H1"), {st.code: st}, acc, {}, [], RULES)
    (r2,), _ = assess(parse_period("2023H2"), {st.code: st}, acc, {}, [], RULES)
    h1, h2 = requirement(r1, "G5_ytd"), requirement(r2, "G5_ytd")
    complained = tuple(m for m, v in r2.complaints_by_month.items() if v)
    assert complained and all(m <= "2023-06" for m in complained)
    assert h2.failed_months == complained and not h2.met
    assert city.shortfall(h2, r2) == f"全年被核实投诉4次，超过上限3次，投诉在{months_short(complained)}"
    # The first half-year counts January to June, and says so.
    assert h1.label == "年初至6月被核实投诉" and h2.label == "全年被核实投诉"
