"""Hand-built grading results for the document writers' tests.

Rendering never computes a grade, so these fixtures stand in for the grading
step: realistic StationResults as the grader would hand them over (优秀, 合格,
不合格, a decision overriding an item and 综合, 缺报 months, 暂定, 限期整改
with a deadline, a station opened in April, at-risk warnings, hostile text).
The figures are consistent with the monthly values so a reader of a rendered
form sees numbers that add up.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from lingong.catalogue.issues import issue
from lingong.model.periods import make_period
from lingong.model.records import (
    AtRisk,
    Decision,
    FileOutcome,
    ItemResult,
    MonthSource,
    RectificationCase,
    RequirementResult,
    Station,
    StationResult,
)
from lingong.report_template import INDICATORS, YESNO

# 考核内容 of the attached form, as the grading step passes it through.
CONTENT = {
    1: "1.完成主管部门各项工作任务；\n2.建立驿站服务制度、流程等规范；\n3.按要求开展便民服务；\n4.驿站日常事务。",
    2: "1.省市平台运维，数据录入；\n2.自建线上平台建设维护运维。",
    3: "1.零工岗位信息收集；\n2.零工就业信息发布；\n3.零工求职人员登记和介绍。",
    4: "1.驿站宣传推广；\n2.就业政策宣传。",
    5: "1.仲裁调解服务；\n2.劳动维权服务；\n3.培训报名。",
    6: "1.专职工作人员配备；\n2.资料整理归档、运维总结；\n3.服务质量和服务投诉。",
}


def target_text(number: int, county_short: str, half_units: float) -> str:
    """任务指标 as the grading step renders it from the rules (prorated numbers)."""
    t = lambda x: math.ceil(x * half_units)  # noqa: E731
    return {
        1: "1.及时完成主管部门工作任务；\n2.建立健全的服务制度、服务流程；\n3.便民设施对外开放并能正常使用；\n"
        "4.驿站运维其他日常事务。",
        2: f"1.熟悉省市平台操作并及时录入数据，完成平台任务；\n2.建设维护{county_short}零工驿站小程序、"
        "公众号等线上渠道，确保正常使用。",
        3: f"1.零工岗位信息收集、审核、整理，岗位数不少于{t(400)}；\n2.零工求职人员登记介绍，求职不少于"
        f"{t(360)}人次；人岗匹配成功不少于{t(50)}人。",
        4: "1.户外宣传、线上宣传推广驿站，全年不少于12次，当月不少于1次；\n2.就业政策宣传，全年不少于12次，"
        "当月不少于1次。",
        5: "1.提供仲裁调解、劳动维权政策咨询；\n2.维护零工人员合法权益；\n3.做好培训意愿登记。",
        6: "1.配备专兼职工作人员不少于1人；\n2.资料整理规范，按月提交总结；\n3.全年被核实投诉不超过3次。",
    }[number]


NAMES = ("驿站运维", "线上平台", "供求服务", "宣传推广", "创新服务", "服务效能")
COUNTY_SHORT = {
    "曾都区": "曾都",
    "随县": "随县",
    "广水市": "广水",
    "随州高新区": "高新区",
    "大洪山风景名胜区": "大洪山",
}


def good_month(seed: int = 0) -> dict:
    """A month a diligent station reports."""
    v = {i.code: (True if i.kind == YESNO else 0) for i in INDICATORS}
    v.update(
        A1=3,
        A2=3,
        A5=5 + seed % 3,
        B1=40 + seed,
        B4=20 + seed,
        C1=85 + seed,
        C2=70 + seed,
        C3=11 + seed % 2,
        C4=30,
        D1=2,
        D2=2,
        D3=1,
        E1=6 + seed % 2,
        E2=1,
        E3=6,
        E4=0,
        F1=1,
        F2=1,
        F3=0,
        G1=1,
        G2=1,
        G5=0,
    )
    return v


def _req(key, label, kind, level, code, unit, figure, target, met, failed=(), clause="", note=""):
    return RequirementResult(
        key,
        label,
        kind,
        level,
        code,
        unit,
        figure,
        int(target) if target is not None else None,
        met,
        tuple(failed),
        clause,
        note,
        prorated=getattr(target, "prorated", False),
    )


class _Target(int):
    """A target that knows whether proration changed it (as grading.evaluate says)."""

    prorated = False


def _target(value: int, full: int) -> _Target:
    t = _Target(value)
    t.prorated = value != full
    return t


def _monthly(key, label, code, level, monthly, months, ok, clause):
    failed = tuple(m for m in months if m not in monthly or not ok(monthly[m]))
    return _req(key, label, "monthly", level, code, "", len(months) - len(failed), None, not failed, failed, clause)


def _sum(key, label, code, unit, level, sums, target, clause):
    fig = sums.get(code, 0)
    return _req(key, label, "sum", level, code, unit, fig, target, fig >= target, (), clause)


def requirements(
    monthly: dict, months: tuple[str, ...], sums: dict, half_units: float, complaints_ytd: int
) -> dict[int, tuple[RequirementResult, ...]]:
    units = len(months) / 6 if half_units >= 1 else half_units
    t = lambda x: _target(math.ceil(x * units), math.ceil(x * max(units, half_units)))  # noqa: E731
    ex = lambda x: _target(math.ceil(t(x) * 1.2), math.ceil(math.ceil(x * max(units, half_units)) * 1.2))  # noqa: E731

    def mo(key, label, code, level, ok, clause):
        return _monthly(key, label, code, level, monthly, months, ok, clause)

    def su(key, label, code, unit, level, target, clause):
        return _sum(key, label, code, unit, level, sums, target, clause)

    a2 = sums.get("A2", 0)
    a1 = sums.get("A1", 0)
    return {
        1: (
            mo("A3_monthly", "服务制度规范已建立", "A3", "合格", lambda v: v.get("A3") is True, "附件 1.2"),
            mo("A4_monthly", "便民设施正常开放", "A4", "合格", lambda v: v.get("A4") is True, "附件 1.3"),
            _req("A2_vs_A1", "按时完成工作任务", "compare", "合格", "A2≥A1", "件", a2, a1, a2 >= a1, (), "附件 1.1"),
            su("A5_sum", "开展便民服务", "A5", "次", "优秀", t(24), ""),
        ),
        2: (
            mo("B1_monthly", "省市平台录入数据", "B1", "合格", lambda v: v.get("B1", 0) >= 1, "附件 2.1"),
            mo("B2_monthly", "省市平台任务按时完成", "B2", "合格", lambda v: v.get("B2") is True, "附件 2.1"),
            mo("B3_monthly", "自建线上渠道正常使用", "B3", "合格", lambda v: v.get("B3") is True, "附件 2.2"),
            su("B4_sum", "小程序新增用户", "B4", "人", "优秀", t(100), ""),
        ),
        3: (
            su("C1_sum", "收集岗位", "C1", "个", "合格", t(400), "附件 3.1"),
            su("C2_sum", "求职登记", "C2", "人次", "合格", t(360), "附件 3.2"),
            su("C3_sum", "人岗匹配", "C3", "人", "合格", t(50), "附件 3.2"),
            su("C1_excellent", "收集岗位", "C1", "个", "优秀", ex(400), ""),
            su("C2_excellent", "求职登记", "C2", "人次", "优秀", ex(360), ""),
            su("C3_excellent", "人岗匹配", "C3", "人", "优秀", ex(50), ""),
        ),
        4: (
            mo("D1_monthly", "驿站宣传推广每月", "D1", "合格", lambda v: v.get("D1", 0) >= 1, "附件 4.1"),
            mo("D2_monthly", "就业政策宣传每月", "D2", "合格", lambda v: v.get("D2", 0) >= 1, "附件 4.2"),
            su("D1_sum", "驿站宣传推广", "D1", "次", "合格", t(6), "附件 4.1"),
            su("D2_sum", "就业政策宣传", "D2", "次", "合格", t(6), "附件 4.2"),
            su("D1_excellent", "驿站宣传推广", "D1", "次", "优秀", ex(6), ""),
            su("D2_excellent", "就业政策宣传", "D2", "次", "优秀", ex(6), ""),
        ),
        5: (
            su("E1_sum", "政策咨询", "E1", "人次", "合格", 1, "附件 5.1"),
            su("E3_sum", "培训意愿登记", "E3", "人", "合格", 1, "附件 5.3"),
            su("E1_excellent", "政策咨询", "E1", "人次", "优秀", t(30), ""),
            su("E3_excellent", "培训意愿登记", "E3", "人", "优秀", t(30), ""),
        ),
        6: (
            mo(
                "G12_monthly",
                "配备工作人员",
                "G1+G2",
                "合格",
                lambda v: v.get("G1", 0) + v.get("G2", 0) >= 1,
                "附件 6.1",
            ),
            mo("G3_monthly", "按月提交运维总结", "G3", "合格", lambda v: v.get("G3") is True, "附件 6.2"),
            mo("G4_monthly", "资料整理归档规范", "G4", "合格", lambda v: v.get("G4") is True, "附件 6.2"),
            _req(
                "G5_ytd",
                "被核实投诉",
                "ytd_max",
                "合格",
                "G5",
                "次",
                complaints_ytd,
                3,
                complaints_ytd <= 3,
                (),
                "附件 6.3",
            ),
            mo("G1_excellent", "配备专职工作人员", "G1", "优秀", lambda v: v.get("G1", 0) >= 1, ""),
            _req(
                "G5_zero", "无被核实投诉", "ytd_max", "优秀", "G5", "次", complaints_ytd, 0, complaints_ytd == 0, (), ""
            ),
        ),
    }


def _grade(reqs) -> str:
    if not all(r.met for r in reqs if r.level == "合格"):
        return "不合格"
    return "优秀" if all(r.met for r in reqs if r.level == "优秀") else "合格"


def _overall(grades: list[str]) -> str:
    if "不合格" in grades:
        return "不合格"
    return "优秀" if grades.count("优秀") >= 4 else "合格"


def make_result(
    *,
    code="ZD-001",
    name="东城街道零工驿站",
    county="曾都区",
    period_key="2023H1",
    monthly: dict | None = None,
    start_month: str | None = None,
    rejected: dict | None = None,
    resubmitted: dict | None = None,
    decisions: tuple[Decision, ...] = (),
    rectification="",
    deadline=None,
    at_risk: tuple[AtRisk, ...] = (),
    complaints_ytd=0,
    complaints_note="",
    phone="13812345678",
    email="dc@example.cn",
) -> StationResult:
    """A StationResult. ``monthly`` maps month -> values of the accepted report
    (default: every active month good); active months missing from it are 缺报,
    those in ``rejected`` (month -> file) had only a rejected file."""
    kind, year, part = _parse(period_key)
    period = make_period(kind, year, part)
    active = tuple(m for m in period.months if start_month is None or m >= start_month)
    if monthly is None:
        monthly = {m: good_month(i) for i, m in enumerate(active)}
    rejected = rejected or {}
    resubmitted = resubmitted or {}
    sources = []
    for m in period.months:
        if m not in active:
            sources.append(MonthSource(m, "未运营"))
        elif m in monthly:
            f = f"{county}/{code}_{m}.xlsx"
            sources.append(MonthSource(m, "采用", resubmitted.get(m, f), (f,) if m in resubmitted else ()))
        elif m in rejected:
            sources.append(MonthSource(m, "退回", rejected[m]))
        else:
            sources.append(MonthSource(m, "缺报"))
    sums = {}
    for i in INDICATORS:
        vals = [monthly[m].get(i.code) for m in active if m in monthly]
        if i.kind == YESNO:
            sums[i.code] = sum(1 for v in vals if v is True)
        else:
            sums[i.code] = sum(v or 0 for v in vals)
    reqs = requirements(monthly, active, sums, period.half_units, complaints_ytd)
    dec_by_item = {d.item: d for d in decisions}
    items = []
    for n, nm in enumerate(NAMES, 1):
        computed = _grade(reqs[n])
        d = dec_by_item.get(nm)
        items.append(
            ItemResult(
                n,
                nm,
                CONTENT[n],
                target_text(n, COUNTY_SHORT.get(county, county), period.half_units),
                reqs[n],
                computed,
                d,
                d.grade if d else computed,
            )
        )
    computed_overall = _overall([i.final for i in items])
    od = dec_by_item.get("综合")
    station = Station(
        code,
        name,
        county,
        builder=f"{county}人社局",
        address=f"{county}某路1号",
        leader="王小红",
        phone=phone,
        email=email,
        hotline="0722-3301234",
        start_month=start_month,
        source="驿站名册.xlsx!A2",
    )
    missing = tuple(s.month for s in sources if s.status == "缺报")
    rej = tuple(s.month for s in sources if s.status == "退回")
    return StationResult(
        station=station,
        period=period,
        graded=bool(active),
        active_months=active,
        month_sources=tuple(sources),
        missing_months=missing,
        rejected_months=rej,
        monthly=monthly,
        sums=sums,
        items=tuple(items),
        computed_overall=computed_overall,
        overall_decision=od,
        final_overall=od.grade if od else computed_overall,
        provisional=bool(rej),
        rectification=rectification,
        deadline=deadline,
        at_risk=at_risk,
        complaints_ytd=complaints_ytd,
        complaints_note=complaints_note,
        # As the history fills it in: this period's failure started the rectification 30 days before the deadline.
        assessed_on=deadline - timedelta(days=30) if deadline else None,
        case=RectificationCase(period.key, deadline - timedelta(days=30), deadline, rectification)
        if deadline and rectification
        else None,
    )


def _parse(key: str):
    if "H" in key:
        y, h = key.split("H")
        return "half", int(y), int(h)
    if "-" in key:
        y, m = key.split("-")
        return "month", int(y), int(m)
    return "year", int(key), 0


# ---- the scenarios ------------------------------------------------------------


def excellent() -> StationResult:
    """Every month reported and well above target: 优秀."""
    monthly = {f"2023-0{m}": good_month(10 + m) for m in range(1, 7)}
    return make_result(code="ZD-001", name="东城街道零工驿站", county="曾都区", monthly=monthly)


def passing_with_decision() -> StationResult:
    """合格 computed; the group raised 供求服务 to 优秀 and settled 综合 at 合格 with a reason."""
    monthly = {f"2023-0{m}": good_month(m) for m in range(1, 7)}
    for m in ("2023-02", "2023-05"):
        monthly[m]["C1"] = 60
    for v in monthly.values():
        v["A5"] = 3
    decisions = (
        Decision(
            "GS-002",
            "2023H1",
            "供求服务",
            "优秀",
            "驿站承办全市春风行动专场，岗位数据未在本站报表中体现",
            "考核组意见.xlsx!A3",
        ),
        Decision("GS-002", "2023H1", "综合", "合格", "投诉核实中，综合等次暂按合格", "考核组意见.xlsx!A4"),
    )
    return make_result(
        code="GS-002",
        name="广水市应山街道零工驿站",
        county="广水市",
        monthly=monthly,
        decisions=decisions,
        complaints_ytd=1,
        resubmitted={"2023-03": "广水市/GS-002_2023-03_更正.xlsx"},
    )


def failing() -> StationResult:
    """缺报 in March and May, a rejected April report (暂定), figures short: 不合格, 限期整改."""
    monthly = {m: good_month(0) for m in ("2023-01", "2023-02", "2023-06")}
    monthly["2023-02"]["D2"] = 0
    monthly["2023-06"]["G3"] = False
    risk = (
        AtRisk("SX-003", "D1_year", "驿站宣传推广", 5, 12, 7, 6, "还需宣传推广 7 次"),
        AtRisk("SX-003", "D2_year", "就业政策宣传", 4, 12, 8, 6, "还需就业政策宣传 8 次"),
    )
    return make_result(
        code="SX-003",
        name="随县厉山镇零工驿站",
        county="随县",
        monthly=monthly,
        rejected={"2023-04": "随县/SX-003_2023-04.xlsx"},
        rectification="限期整改",
        deadline=date(2023, 8, 4),
        at_risk=risk,
        complaints_ytd=4,
        complaints_note="被核实投诉按 2023年1月至6月 累计",
    )


def opened_in_april() -> StationResult:
    """Opened 2023-04: three active months, targets prorated, January–March 未运营."""
    monthly = {m: good_month(3) for m in ("2023-04", "2023-05", "2023-06")}
    return make_result(
        code="GX-004", name="高新区淅河镇零工驿站", county="随州高新区", monthly=monthly, start_month="2023-04"
    )


def hostile() -> StationResult:
    """Station text that tries to become a formula, a link and a path."""
    return make_result(
        code="ZD-005",
        name='=HYPERLINK("x")/../东城',
        county="曾都区",
        decisions=(
            Decision("ZD-005", "2023H1", "线上平台", "合格", "=1+1 http://evil.example/x", "考核组意见.xlsx!A5"),
        ),
    )


def all_results() -> list[StationResult]:
    return [excellent(), passing_with_decision(), failing(), opened_in_april(), hostile()]


def stations(results) -> dict[str, Station]:
    return {r.station.code: r.station for r in results}


def sample_issues() -> list:
    return [
        issue(
            "V002",
            station="SX-003",
            month="2023-04",
            file="随县/SX-003_2023-04.xlsx",
            sheet="月度指标",
            cell="E14",
            found="十二",
            what="月度指标!E14（C1 收集审核零工岗位数）",
        ),
        issue("P003", station="SX-003", month="2023-03", expected="2023年3月的月报"),
        issue(
            "V009",
            station="ZD-001",
            month="2023-02",
            file="曾都区/ZD-001_2023-02.xlsx",
            sheet="基本信息",
            cell="B9",
            found="13812345678 身份证420302199001011234",
            what="基本信息!B9（联系电话）",
        ),
        issue(
            "R002",
            station="ZD-005",
            month="2023-01",
            file="曾都区/ZD-005_2023-01.xlsx",
            sheet="基本信息",
            cell="B4",
            found='=HYPERLINK("http://evil.example","点我")',
            expected="东城驿站",
        ),
    ]


def sample_outcomes() -> list[FileOutcome]:
    return [
        FileOutcome(
            "曾都区/ZD-001_2023-01.xlsx",
            "report",
            sha256="a" * 64,
            size=12000,
            station="ZD-001",
            month="2023-01",
            status="采用",
        ),
        FileOutcome(
            "广水市/GS-002_2023-03.xlsx",
            "report",
            sha256="b" * 64,
            size=12000,
            station="GS-002",
            month="2023-03",
            status="已被替代",
        ),
        FileOutcome(
            "随县/SX-003_2023-04.xlsx",
            "report",
            sha256="c" * 64,
            size=12000,
            station="SX-003",
            month="2023-04",
            status="退回",
        ),
        FileOutcome("~$ZD-001_2023-01.xlsx", "skipped", reason="Office 临时锁文件"),
        FileOutcome("曾都区/坏文件.xlsx", "rejected", reason="文件已损坏或未传完整"),
        FileOutcome("驿站名册.xlsx", "registry", sha256="d" * 64),
    ]
