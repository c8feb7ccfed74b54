"""A whole sample city (随州市, 2023) for `process.py --demo`, the docs and the tests.

Deterministic: every random choice comes from a random.Random seeded per
station, and no wall-clock time is written, so two builds give the same cells.
The stations are designed against the default rules so that at 2023H1 and at
2023 some stations are 优秀, some 合格 and some 不合格 on different items, and
so that every reading branch shows at least once (messy values, resubmission,
缺报, a rejected file, damaged files, a lock file). ``DemoInfo.planted`` lists
what was planted where.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import os
import random
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lingong.model.periods import month_label
from lingong.model.records import Station
from lingong.read.values import id_check_digit
from lingong.render.blank_template import write_template
from lingong.runtime import outfiles
from lingong.spec.template import (
    DECISION_COLUMNS,
    ITEMS,
    REGISTRY_COLUMNS,
    SHEET_DECISIONS,
    SHEET_INDICATORS,
    SHEET_INFO,
    SHEET_REGISTRY,
)

SEED = 20230605  # the date of the policy
YEAR = 2023
MONTHS = tuple(f"{YEAR}-{m:02d}" for m in range(1, 13))
REGISTRY_FILE = "随州市零工驿站名册（2023年）.xlsx"
DECISIONS_FILE = "考核组意见_2023年.xlsx"

# Half-year totals by level: E is designed to reach 优秀 with a margin, P to
# pass without reaching 优秀 (see assessment-rules.md; the rules file holds the
# real thresholds, these are only the demo's choices of figures).
HALF_TOTALS = {
    "E": {
        "A1": 18,
        "A5": 30,
        "B1": 180,
        "B4": 120,
        "C1": 510,
        "C2": 450,
        "C3": 66,
        "C4": 120,
        "D1": 12,
        "D2": 12,
        "D3": 4,
        "E1": 36,
        "E2": 3,
        "E3": 36,
        "E4": 2,
        "F1": 3,
        "F2": 4,
        "F3": 3,
    },
    "P": {
        "A1": 12,
        "A5": 18,
        "B1": 120,
        "B4": 60,
        "C1": 420,
        "C2": 372,
        "C3": 54,
        "C4": 60,
        "D1": 6,
        "D2": 6,
        "D3": 1,
        "E1": 18,
        "E2": 1,
        "E3": 18,
        "E4": 1,
        "F1": 1,
        "F2": 2,
        "F3": 1,
    },
}
STAFF = {"E": (2, 1), "P": (0, 1)}  # (G1 full-time, G2 part-time)
MONTHLY_MIN = {"A1": 1, "B1": 1, "D1": 1, "D2": 1}
ITEM_OF_CODE = {"A": 0, "B": 1, "C": 2, "D": 3, "E": 4, "F": 2, "G": 5}
BUMP_MIN_TOTAL = 50  # only large totals get a per-station bump, small ones sit close to a threshold


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    county: str
    levels: str  # six letters E/P, one per item (驿站运维 … 服务效能)
    status: str = "运营"
    start: str | None = None
    end: str | None = None
    email: bool = True
    hotline: bool = True
    bump: bool = True
    totals: tuple[tuple[int, str, int], ...] = ()  # (half, code, total) overrides
    zero: tuple[tuple[str, str], ...] = ()  # (month, code) forced to 0
    complaints: tuple[tuple[str, int], ...] = ()  # (month, verified complaints)
    at_least: tuple[tuple[str, str, int], ...] = ()  # (month, code, minimum) moved there from other months
    full_details: bool = False
    folder: str = ""  # sub-folder under the county


PLANS: tuple[Plan, ...] = (
    Plan("ZD-001", "东城街道零工驿站", "曾都区", "EEEEEE", full_details=True, folder="东城街道零工驿站"),
    Plan(
        "ZD-002",
        "西城街道零工驿站",
        "曾都区",
        "EEEEEE",
        bump=False,
        folder="西城街道零工驿站",
        at_least=((f"{YEAR}-03", "C1", 80),),
    ),
    Plan("ZD-003", "南郊街道零工驿站", "曾都区", "PPPPPP"),
    Plan("ZD-004", "北郊街道零工驿站", "曾都区", "EEEEPP"),
    Plan("ZD-005", "万店镇零工驿站", "曾都区", "PPPPPP"),
    Plan("ZD-006", "何店镇零工驿站", "曾都区", "PPPPPP", status="整改中", totals=((1, "C1", 380), (2, "C1", 440))),
    Plan("ZD-007", "洛阳镇零工驿站", "曾都区", "EEEEEE", full_details=True),
    # A name typed by someone testing the system: it must stay text and never become a path.
    Plan("ZD-008", '=HYPERLINK("x")/../府河镇零工驿站', "曾都区", "EEPPPP"),
    Plan("SX-001", "厉山镇零工驿站", "随县", "EEEEEE"),
    Plan("SX-002", "高城镇零工驿站", "随县", "EEEEEE", zero=((f"{YEAR}-03", "D1"),)),
    Plan("SX-003", "殷店镇零工驿站", "随县", "PPPPPP"),
    Plan("SX-004", "草店镇零工驿站", "随县", "EEEEEE"),
    Plan("SX-005", "小林镇零工驿站", "随县", "EEEEEP"),
    Plan("SX-006", "淮河镇零工驿站", "随县", "PPPPPP"),
    Plan("SX-007", "万和镇零工驿站", "随县", "PPPPPP", status="已取消"),
    Plan("GS-001", "应山街道零工驿站", "广水市", "EEEEEE"),
    Plan(
        "GS-002",
        "十里街道零工驿站",
        "广水市",
        "EEEEEE",
        complaints=((f"{YEAR}-02", 1), (f"{YEAR}-04", 1), (f"{YEAR}-05", 1), (f"{YEAR}-10", 1)),
    ),
    Plan("GS-003", "广水街道零工驿站", "广水市", "EEEEEE", totals=((1, "C3", 41), (2, "C3", 66))),
    Plan("GS-004", "武胜关镇零工驿站", "广水市", "PPPPPP"),
    Plan("GS-005", "杨寨镇零工驿站", "广水市", "PEPEPE"),
    Plan("GS-006", "陈巷镇零工驿站", "广水市", "PPPPPP", status="已取消", end=f"{YEAR}-08"),
    Plan("GX-001", "淅河镇零工驿站", "随州高新区", "EEEEEE", email=False),
    Plan("GX-002", "白云湖社区零工驿站", "随州高新区", "EEEEEE", folder="白云湖社区"),
    Plan("GX-003", "季梁社区零工驿站", "随州高新区", "EEEEEE", start=f"{YEAR}-04"),
    Plan("DHS-001", "长岗镇零工驿站", "大洪山风景名胜区", "PPPPPP", hotline=False),
    Plan("DHS-002", "大洪山景区零工驿站", "大洪山风景名胜区", "EEEEEE", start=f"{YEAR}-09"),
)

# The intended 综合 (computed, before 考核组意见) under the default rules.
EXPECTED_OVERALL: dict[tuple[str, str], str] = {}
for _code, _h1, _y in (
    ("ZD-001", "优秀", "优秀"),
    ("ZD-002", "优秀", "优秀"),
    ("ZD-003", "合格", "合格"),
    ("ZD-004", "优秀", "优秀"),
    ("ZD-005", "合格", "合格"),
    ("ZD-006", "不合格", "合格"),
    ("ZD-007", "优秀", "优秀"),
    ("ZD-008", "合格", "合格"),
    ("SX-001", "优秀", "优秀"),
    ("SX-002", "不合格", "不合格"),
    ("SX-003", "合格", "合格"),
    ("SX-004", "不合格", "不合格"),
    ("SX-005", "优秀", "优秀"),
    ("SX-006", "合格", "合格"),
    ("GS-001", "优秀", "优秀"),
    ("GS-002", "优秀", "不合格"),
    ("GS-003", "不合格", "优秀"),
    ("GS-004", "合格", "合格"),
    ("GS-005", "合格", "合格"),
    ("GS-006", "合格", "合格"),
    ("GX-001", "优秀", "优秀"),
    ("GX-002", "不合格", "不合格"),
    ("GX-003", "优秀", "优秀"),
    ("DHS-001", "合格", "合格"),
    ("DHS-002", None, "优秀"),
):
    if _h1:
        EXPECTED_OVERALL[(_code, f"{YEAR}H1")] = _h1
    EXPECTED_OVERALL[(_code, str(YEAR))] = _y

# Item grades that differ from what the levels alone say (the designed failures).
EXPECTED_ITEMS: dict[tuple[str, str, str], str] = {
    ("ZD-006", f"{YEAR}H1", "供求服务"): "不合格",
    ("ZD-006", str(YEAR), "供求服务"): "合格",
    ("SX-002", f"{YEAR}H1", "宣传推广"): "不合格",
    ("SX-002", str(YEAR), "宣传推广"): "不合格",
    ("GS-002", f"{YEAR}H1", "服务效能"): "合格",
    ("GS-002", str(YEAR), "服务效能"): "不合格",
    ("GS-003", f"{YEAR}H1", "供求服务"): "不合格",
    ("GS-003", str(YEAR), "供求服务"): "合格",
    ("SX-004", f"{YEAR}H1", "驿站运维"): "不合格",
    ("SX-004", f"{YEAR}H1", "宣传推广"): "不合格",
    ("GX-002", f"{YEAR}H1", "线上平台"): "不合格",
}


@dataclass(frozen=True)
class Planted:
    key: str  # stable id, e.g. "c3_short"
    station: str
    where: str  # a file (relative path), a month or a period
    description: str


@dataclass
class DemoInfo:
    dest: Path
    registry_file: str
    decisions_file: str
    stations: tuple[str, ...]  # every code in the registry
    report_files: tuple[str, ...]  # every file written as a monthly report
    broken_files: tuple[str, ...]  # damaged: cannot be read
    skipped_files: tuple[str, ...]  # lock file and a non-spreadsheet
    planted: tuple[Planted, ...]
    expected_overall: dict[tuple[str, str], str] = field(default_factory=dict)
    expected_items: dict[tuple[str, str, str], str] = field(default_factory=dict)
    values: dict[tuple[str, str], dict[str, int | bool]] = field(default_factory=dict)  # accepted figures

    def planted_by_key(self, key: str) -> list[Planted]:
        return [p for p in self.planted if p.key == key]


# ---- plausible people, employers and phone numbers ------------------------
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏吕丁沈姚卢钟谭汪金廖夏付方邹熊邱"
GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "华",
    "建国",
    "建华",
    "志强",
    "红梅",
    "春燕",
    "海燕",
    "玉兰",
    "德明",
    "国华",
    "文斌",
)
FIRMS = ("鸿运", "金泰", "楚天", "神农", "编钟", "银杏", "炎帝", "曾侯", "泰晶", "齐星", "程力", "白云", "府河", "汉东")
FIRM_KINDS = (
    "汽车零部件有限公司",
    "农业专业合作社",
    "建筑劳务有限公司",
    "物流有限公司",
    "食品有限公司",
    "商贸有限公司",
    "家政服务中心",
    "香菇产业有限公司",
)
JOBS = (
    ("装卸工", "搬运"),
    ("焊工", "焊接"),
    ("保洁员", "保洁"),
    ("采摘工", "农业"),
    ("普工", "制造"),
    ("叉车司机", "驾驶"),
    ("厨师", "餐饮"),
    ("服务员", "餐饮"),
    ("瓦工", "建筑"),
    ("钢筋工", "建筑"),
    ("育婴员", "家政"),
    ("保安", "安保"),
    ("快递分拣员", "物流"),
    ("电工", "电工"),
    ("香菇分拣工", "农业"),
)
PAY = ("150元/天", "日结180元", "200元/天", "4000-5000元/月", "计件", "3500元/月起")
LEVELS = ("无", "无", "无", "初级工", "中级工", "高级工")
MATCH_WAYS = ("现场推荐", "线上匹配", "电话推荐", "招聘会")
TOPICS = {
    "驿站推广": ("零工驿站进社区", "“湖北零工驿站”小程序推广", "驿站服务宣传单发放", "驿站短视频推广"),
    "政策宣传": ("稳就业政策宣讲", "灵活就业社保补贴政策解读", "农民工权益保护宣传", "创业担保贷款政策宣传"),
    "媒体报道": ("随州日报报道驿站服务", "随州电视台新闻报道", "楚天都市报专题报道"),
}
COMPLAINTS = ("推荐岗位与实际不符", "工作人员服务态度差", "推荐岗位工资未按约发放", "咨询电话无人接听")
OUTCOMES = ("已核实并整改，已回访，投诉人满意", "已协调用工单位补发工资", "已约谈工作人员并通报")
REGION = {
    "曾都区": "421303",
    "随县": "421321",
    "广水市": "421381",
    "随州高新区": "421302",
    "大洪山风景名胜区": "421321",
}
COUNTY_PREFIX = {"曾都区": "ZD", "随县": "SX", "广水市": "GS", "随州高新区": "GX", "大洪山风景名胜区": "DHS"}
BUILDERS = {
    "曾都区": "曾都区就业局",
    "随县": "随县就业局",
    "广水市": "广水市就业局",
    "随州高新区": "随州高新区社会事务局",
    "大洪山风景名胜区": "大洪山风景名胜区社会事务局",
}


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _mobile(rng: random.Random) -> str:
    return (
        rng.choice(("133", "135", "138", "139", "150", "151", "158", "177", "180", "186", "189"))
        + f"{rng.randrange(10**8):08d}"
    )


def _landline(rng: random.Random) -> str:
    return f"0722-{rng.randrange(3000000, 8999999)}"


def valid_id(rng: random.Random, county: str, male: bool) -> str:
    """A made-up 身份证号 that passes the GB 11643 check digit."""
    birth = _dt.date(1965, 1, 1) + _dt.timedelta(days=rng.randrange(0, 38 * 365))
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"{REGION[county]}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


def _day(rng: random.Random, month: str) -> _dt.date:
    y, m = map(int, month.split("-"))
    return _dt.date(y, m, rng.randint(1, 28))


def _spread(total: int, months: list[str], rng: random.Random, minimum: int = 0) -> dict[str, int]:
    """Split ``total`` over ``months`` unevenly, each at least ``minimum``."""
    if not months:
        return {}
    n = len(months)
    base, rest = divmod(total, n)
    values = [base + (1 if i < rest else 0) for i in range(n)]
    for _ in range(n * 2):
        a, b = rng.randrange(n), rng.randrange(n)
        step = rng.randint(0, max(1, base // 4))
        if a != b and values[a] - step >= minimum:
            values[a] -= step
            values[b] += step
    return dict(zip(months, values))


def _active(plan: Plan) -> list[str]:
    if plan.status == "已取消" and not plan.end:
        return []
    return [m for m in MONTHS if (not plan.start or m >= plan.start) and (not plan.end or m <= plan.end)]


def _figures(plan: Plan) -> dict[str, dict[str, int | bool]]:
    """Monthly figures of a station, month -> {code: value}."""
    rng = random.Random(f"{SEED}-{plan.code}-figures")
    active = _active(plan)
    bump = 1.0 + (rng.randrange(0, 12) / 100 if plan.bump else 0.0)
    overrides = {(h, c): t for h, c, t in plan.totals}
    zero = set(plan.zero)
    out: dict[str, dict[str, int | bool]] = {m: {} for m in active}
    for half, months in ((1, MONTHS[:6]), (2, MONTHS[6:])):
        act = [m for m in months if m in active]
        if not act:
            continue
        for code, _ in HALF_TOTALS["E"].items():
            level = plan.levels[ITEM_OF_CODE[code[0]]]
            total = HALF_TOTALS[level][code]
            if level == "E" and total >= BUMP_MIN_TOTAL:
                total = math.ceil(total * bump)
            total = math.ceil(total * len(act) / 6)
            total = overrides.get((half, code), total)
            open_months = [m for m in act if (m, code) not in zero]
            parts = _spread(total, open_months, rng, MONTHLY_MIN.get(code, 0))
            for m in act:
                out[m][code] = parts.get(m, 0)
    for month, code, minimum in plan.at_least:
        # Keep the half-year total: take what is needed from the fullest other months.
        while out[month][code] < minimum:
            half = MONTHS[:6] if month <= MONTHS[5] else MONTHS[6:]
            donor = max((m for m in half if m in out and m != month), key=lambda m: out[m][code])
            out[donor][code] -= 1
            out[month][code] += 1
    complaints = dict(plan.complaints)
    g1, g2 = STAFF[plan.levels[5]]
    for m, v in out.items():
        v["A2"] = v["A1"]
        v.update(A3=True, A4=True, B2=True, B3=True, G3=True, G4=True, G1=g1, G2=g2, G5=complaints.get(m, 0))
    return out


def _details(plan: Plan, month: str, v: dict, rng: random.Random) -> dict[str, list[dict]]:
    details: dict[str, list[dict]] = {}
    promo = []
    for code, kind in (("D1", "驿站推广"), ("D2", "政策宣传"), ("D3", "媒体报道")):
        for _ in range(v[code]):
            form = "线上" if kind == "媒体报道" else rng.choice(("户外", "线上"))
            promo.append(
                {
                    "日期": _day(rng, month),
                    "类别": kind,
                    "形式": form,
                    "主题": rng.choice(TOPICS[kind]),
                    "覆盖人数": rng.randrange(50, 2000, 10),
                }
            )
    promo.sort(key=lambda r: r["日期"])
    details["宣传活动"] = [{"序号": i, **r} for i, r in enumerate(promo, start=1)]
    if v["G5"]:
        details["投诉记录"] = [
            {
                "序号": i + 1,
                "日期": _day(rng, month),
                "投诉事由": rng.choice(COMPLAINTS),
                "是否核实": "是",
                "处理结果": rng.choice(OUTCOMES),
            }
            for i in range(v["G5"])
        ]
    if not plan.full_details:
        return details
    firms = [rng.choice(FIRMS) + rng.choice(FIRM_KINDS) for _ in range(8)]
    details["岗位信息"] = []
    for i in range(v["C1"]):
        job, trade = rng.choice(JOBS)
        details["岗位信息"].append(
            {
                "序号": i + 1,
                "用工单位": rng.choice(firms),
                "岗位名称": job,
                "工种": trade,
                "需求人数": rng.randint(1, 10),
                "薪酬待遇": rng.choice(PAY),
                "联系电话": _mobile(rng),
                "登记日期": _day(rng, month),
            }
        )
    seekers = []
    for i in range(v["C2"]):
        male = rng.random() < 0.6
        seekers.append(
            {
                "序号": i + 1,
                "姓名": _person(rng),
                "性别": "男" if male else "女",
                "身份证号": valid_id(rng, plan.county, male),
                "联系电话": _mobile(rng),
                "求职工种": rng.choice(JOBS)[1],
                "职业资格等级": rng.choice(LEVELS),
                "登记日期": _day(rng, month),
            }
        )
    details["求职登记"] = seekers
    details["人岗匹配"] = []
    for i, s in enumerate(seekers[: v["C3"]]):
        job, _ = rng.choice(JOBS)
        details["人岗匹配"].append(
            {
                "序号": i + 1,
                "姓名": s["姓名"],
                "身份证号": s["身份证号"],
                "用工单位": rng.choice(firms),
                "岗位名称": job,
                "匹配方式": rng.choice(MATCH_WAYS),
                "上岗日期": _day(rng, month),
            }
        )
    return details


def _station(plan: Plan) -> Station:
    rng = random.Random(f"{SEED}-{plan.code}-registry")
    digits = plan.code.replace("-", "").lower()
    return Station(
        code=plan.code,
        name=plan.name,
        county=plan.county,
        builder=BUILDERS[plan.county],
        address=f"随州市{plan.county}{plan.name.removesuffix('零工驿站')}便民服务中心一楼",
        leader=_person(rng),
        phone=_mobile(rng),
        email=f"{digits}@example.com" if plan.email else "",
        hotline=_landline(rng) if plan.hotline else "",
        status=plan.status,
        start_month=plan.start,
        end_month=plan.end,
    )


def _default_name(plan: Plan, month: str) -> str:
    """File names the way each county's clerks tend to save them."""
    label = month_label(month)
    name = outfiles.safe_component(plan.name)
    if plan.county == "曾都区":
        return f"{plan.code}_{name}_{label}_月度运维报表.xlsx"
    if plan.county == "随县":
        return f"{name}{label}报表.xlsx"
    if plan.county == "广水市":
        return f"{plan.code}_{name}_{label}_月度运维报表.xlsx"
    return f"{name}-{month}.xlsx"


def _rel(plan: Plan, name: str, *sub: str) -> str:
    parts = [plan.county] + ([plan.folder] if plan.folder else []) + list(sub) + [name]
    return "/".join(parts)


def _fixed_zip(path: Path) -> None:
    """openpyxl stamps the zip entries and docProps with the current time: fix both."""
    data = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", data)
            dst.writestr(fixed, data)
    outfiles.write_bytes_atomic(path, out.getvalue())


def _move_tables(path: Path) -> None:
    """What a clerk does in Excel: a note above the indicator table, a blank row in 基本信息."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    for name in (SHEET_INDICATORS, SHEET_INFO):
        wb[name].protection.sheet = False
    ws = wb[SHEET_INDICATORS]
    ws.insert_rows(1, 3)
    ws["A1"] = "万店镇零工驿站 2023年6月 月度指标（站长已审核）"
    ws["A2"] = "注：本月数据含端午节专场招聘会"
    wb[SHEET_INFO].insert_rows(3, 1)
    wb.properties.created = outfiles.FIXED_TIMESTAMP
    wb.properties.modified = outfiles.FIXED_TIMESTAMP
    with outfiles.atomic_path(path) as tmp:
        wb.save(tmp)
    _fixed_zip(path)


def _write_registry(dest: Path, stations: list[Station]) -> None:
    path = dest / REGISTRY_FILE
    with outfiles.atomic_path(path) as tmp:
        wb = outfiles.new_xlsxwriter(tmp, mask=False)  # sample input, not an output
        header = wb.add_format({"bold": True, "font_name": "宋体", "bg_color": "#D9E1F2", "border": 1})
        cell = wb.add_format({"font_name": "宋体", "num_format": "@", "border": 1})
        ws = wb.add_worksheet(SHEET_REGISTRY)
        for c, (key, label) in enumerate(REGISTRY_COLUMNS):
            ws.write_string(0, c, label, header)
            ws.set_column(c, c, {"name": 20, "address": 36, "builder": 24, "email": 22}.get(key, 13))
        for r, st in enumerate(stations, start=1):
            for c, (key, _) in enumerate(REGISTRY_COLUMNS):
                value = {"start_month": st.start_month, "end_month": st.end_month}.get(key, getattr(st, key, ""))
                ws.write_string(r, c, value or "", cell)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, len(stations), len(REGISTRY_COLUMNS) - 1)
        wb.close()


DECISION_ROWS = (
    ("ZD-003", "2023年上半年", "宣传推广", "优秀", "上半年承办全区零工驿站宣传月活动，经考核组现场检查评议为优秀"),
    ("SX-002", "2023年度", "综合", "合格", "3月因驿站搬迁未开展户外宣传，已于4月补做并整改到位，经考核组研究评为合格"),
    ("GS-001", "2023H1", "服务效能", "不合格", ""),
)


def _write_decisions(dest: Path) -> None:
    path = dest / DECISIONS_FILE
    with outfiles.atomic_path(path) as tmp:
        wb = outfiles.new_xlsxwriter(tmp, mask=False)  # sample input, not an output
        header = wb.add_format({"bold": True, "font_name": "宋体", "bg_color": "#D9E1F2", "border": 1})
        cell = wb.add_format({"font_name": "宋体", "border": 1, "text_wrap": True})
        ws = wb.add_worksheet(SHEET_DECISIONS)
        for c, (_, label) in enumerate(DECISION_COLUMNS):
            ws.write_string(0, c, label, header)
            ws.set_column(c, c, 60 if label == "理由" else 14)
        for r, row in enumerate(DECISION_ROWS, start=1):
            for c, text in enumerate(row):
                ws.write_string(r, c, text, cell)
        wb.close()


def _fill_date(month: str, rng: random.Random) -> _dt.date:
    y, m = map(int, month.split("-"))
    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return _dt.date(y, m, rng.randint(2, 6))


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _station_files(dest: Path, plan: Plan) -> tuple[list[str], list[Planted], dict]:
    """Write one station's monthly reports; returns (files, planted, accepted figures).

    Runs in a worker process: everything it needs comes from ``plan`` and its
    own seeded random generators, so the order of stations does not matter."""
    planted: list[Planted] = []
    reports: list[str] = []
    accepted: dict[tuple[str, str], dict] = {}

    def plant(key, station, where, description):
        planted.append(Planted(key, station, where, description))

    def write(rel: str, st: Station, month: str, values: dict, details: dict, info: dict) -> Path:
        path = dest.joinpath(*rel.split("/"))
        write_template(path, station=st, month=month, values=values, details=details, info=info)
        reports.append(rel)
        return path

    st = _station(plan)
    figures = _figures(plan)
    rng = random.Random(f"{SEED}-{plan.code}-files")
    filler, filler_phone = _person(rng), _mobile(rng)
    for month, v in figures.items():
        details = _details(plan, month, v, rng)
        info = {
            "filler": filler,
            "filler_phone": filler_phone,
            "fill_date": _fill_date(month, rng),
            "hotline": st.hotline,
        }
        values: dict[str, object] = dict(v)
        rel = _rel(plan, _default_name(plan, month))
        key = (plan.code, month)

        if plan.code == "SX-004" and month == f"{YEAR}-05":
            plant("missing_month", plan.code, month, "草店镇零工驿站 5 月没有报送（缺报），每月要求在 5 月不达标")
            continue
        if plan.code == "ZD-001" and month == f"{YEAR}-01":
            rel = _rel(plan, "东城驿站1月报表(修改版).xlsx", "修改")
            plant("renamed_file", plan.code, rel, "文件被改名并放在子文件夹中，驿站和月份以表内“基本信息”为准")
            lock = _rel(plan, "~$东城驿站1月报表(修改版).xlsx", "修改")
            outfiles.write_bytes_atomic(
                dest.joinpath(*lock.split("/")),
                b"\x08clerk-pc" + b"\x00" * 48 + b"\x08\x00c\x00l\x00e\x00r\x00k" + b"\x20" * 96,
            )
            plant("lock_file", plan.code, lock, "Excel 打开文件时留下的锁文件 ~$…，应悄悄跳过")
        if plan.code == "ZD-002" and month == f"{YEAR}-03":
            old = dict(values, C1=v["C1"] - 40)  # at_least keeps this above 0
            old_rel = _rel(plan, _default_name(plan, month))
            write(old_rel, st, month, old, details, dict(info, fill_date=_dt.date(YEAR, 4, 3)))
            rel = _rel(plan, "西城街道3月报表（更正）.xlsx", "补报")
            info["fill_date"] = _dt.date(YEAR, 4, 10)
            plant(
                "resubmission",
                plan.code,
                rel,
                f"3 月报送两次：{old_rel}（填报日期 2023-04-03，C1 少 40）与更正版（2023-04-10），应采用更正版；"
                "若误用旧版，上半年 C1 合计低于优秀线",
            )
        if plan.code == "ZD-004":
            if month == f"{YEAR}-02":
                values["C1"] = str(v["C1"]).translate(FULLWIDTH)
                plant("fullwidth_digits", plan.code, rel, "C1 用全角数字填写，按数值读取并警告")
            if month == f"{YEAR}-04":
                values["A5"] = f"{v['A5']}次"
                plant("unit_suffix", plan.code, rel, "A5 填写为“N次”，按数值读取并警告")
            if month == f"{YEAR}-05":
                values["C2"] = f" {v['C2']} 人次"
                plant("unit_suffix", plan.code, rel, "C2 填写为“ N 人次”，按数值读取并警告")
        if plan.code == "ZD-005" and month == f"{YEAR}-03":
            for code in ("A3", "A4", "B2", "B3", "G3", "G4"):
                values[code] = "√"
            plant("tick_marks", plan.code, rel, "是/否 全部用 √ 填写，按“是”读取并警告")
        if plan.code == "SX-003" and month == f"{YEAR}-01":
            info["month"] = 2023.1
            plant("numeric_month", plan.code, rel, "报送年月填成数字 2023.1，按 2023年1月读取并提示 2023.10 的歧义")
        if plan.code == "SX-003" and month == f"{YEAR}-02":
            info["month"] = _dt.date(YEAR, 2, 1)
            plant("date_month", plan.code, rel, "报送年月是 Excel 日期，按所在月份读取")
        if plan.code == "SX-006" and month == f"{YEAR}-03":
            info["month"] = "2023年3月"
        if plan.code == "SX-001" and month == f"{YEAR}-04":
            info["month"] = "2023/4"
        if plan.code == "GX-002" and month == f"{YEAR}-05":
            values["C1"] = "十二"
            plant(
                "rejected_only_file",
                plan.code,
                rel,
                "5 月唯一的报表 C1 填了“十二”（错误），整份退回，该月按未报送处理，结果为暂定",
            )
        if plan.code == "GS-004" and month == f"{YEAR}-08":
            rel = _rel(plan, _default_name(plan, f"{YEAR}-07").replace(".xlsx", "(1).xlsx"))
            plant("name_mismatch", plan.code, rel, "文件名写的是 7 月，表内是 8 月：警告，以表内为准")
        if plan.code == "ZD-007":
            if month == f"{YEAR}-02" and details.get("求职登记"):
                bad = details["求职登记"][0]["身份证号"]
                wrong = "0" if bad[-1] != "0" else "1"
                details["求职登记"][0]["身份证号"] = bad[:-1] + wrong
                plant("bad_id_check_digit", plan.code, rel, "求职登记第 1 条身份证号校验位错误（警告）")
            if month == f"{YEAR}-04" and details.get("岗位信息"):
                details["岗位信息"][0]["登记日期"] = _dt.date(YEAR, 3, 30)
                plant("date_outside_month", plan.code, rel, "岗位信息第 1 条登记日期在 3 月，不在报送月份内（警告）")
            if month == f"{YEAR}-06":
                details["岗位信息"] = details["岗位信息"][:-3]
                plant("detail_mismatch", plan.code, rel, "岗位信息比 C1 少 3 条（警告，指明两个数）")

        path = write(rel, st, month, values, details, info)
        if plan.code == "ZD-005" and month == f"{YEAR}-06":
            _move_tables(path)
            plant("moved_table", plan.code, rel, "月度指标表下移 3 行并加了说明，基本信息中插入空行")
        if not (plan.code == "GX-002" and month == f"{YEAR}-05"):
            accepted[key] = v

    return reports, planted, accepted


def _map(fn, args: list, workers: int) -> list:
    if workers <= 1:
        return [fn(*a) for a in args]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from lingong.runtime.parallel import start_method

    try:
        # The start method the run uses too: a Python without fork (Windows) spawns.
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(start_method())) as pool:
            return list(pool.map(fn, *zip(*args)))
    except (OSError, NotImplementedError, RuntimeError):  # no processes here: do it in line
        return [fn(*a) for a in args]


def build_demo(dest: Path, *, workers: int | None = None) -> DemoInfo:
    """Write the sample city into ``dest`` (created if needed; files of a previous
    demo are overwritten, nothing else is touched) and say what was planted.
    ``workers`` processes write the stations' reports (default: up to 2)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    stations = [_station(p) for p in PLANS]
    _write_registry(dest, stations)
    _write_decisions(dest)
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    planted: list[Planted] = []
    reports: list[str] = []
    accepted: dict[tuple[str, str], dict] = {}
    for r, p, a in _map(_station_files, [(dest, plan) for plan in PLANS], workers):
        reports += r
        planted += p
        accepted.update(a)

    def plant(key, station, where, description):
        planted.append(Planted(key, station, where, description))

    # A report from a station that is not in the registry.
    stray = Station("ZD-009", "文峰社区零工驿站", "曾都区")
    stray_rel = "曾都区/文峰社区零工驿站2023年6月报表.xlsx"
    stray_values = _figures(Plan("ZD-009", stray.name, stray.county, "PPPPPP"))[f"{YEAR}-06"]
    write_template(
        dest.joinpath(*stray_rel.split("/")),
        station=stray,
        month=f"{YEAR}-06",
        values=stray_values,
        info={"fill_date": _dt.date(YEAR, 7, 5)},
    )
    reports.append(stray_rel)
    plant("unknown_station", "ZD-009", stray_rel, "驿站编号 ZD-009 不在驿站名册中（错误）")

    # Damaged files: a transfer cut short and random bytes under a spreadsheet name.
    sx3 = next(p for p in PLANS if p.code == "SX-003")
    good = dest.joinpath(*_rel(sx3, _default_name(sx3, f"{YEAR}-06")).split("/"))
    data = good.read_bytes()
    truncated = "随县/殷店镇零工驿站2023年6月报表(传输中断).xlsx"
    outfiles.write_bytes_atomic(dest.joinpath(*truncated.split("/")), data[: len(data) * 3 // 5])
    plant("truncated_xlsx", "", truncated, "传输中断、只有前 60% 的 .xlsx（无法读取，列出原因）")
    junk = "广水市/武胜关镇零工驿站2023年9月报表.xls"
    outfiles.write_bytes_atomic(dest.joinpath(*junk.split("/")), random.Random(f"{SEED}-junk").randbytes(4096))
    plant("random_xls", "", junk, "扩展名是 .xls、内容是随机字节（不是表格文件）")
    note = "随县/报送说明.txt"
    outfiles.write_text_atomic(dest.joinpath(*note.split("/")), "各驿站请于每月5日前报送上月报表。\n")

    plant("not_operating_yet", "GX-003", f"{YEAR}H1", "季梁社区零工驿站 2023-04 启用：上半年按 3 个月折算目标")
    plant("opens_late", "DHS-002", f"{YEAR}", "大洪山景区零工驿站 2023-09 启用：上半年不参加考核，全年按 4 个月折算")
    plant("cancelled_with_end", "GS-006", f"{YEAR}", "陈巷镇零工驿站已取消，停用年月 2023-08：全年按 8 个月考核")
    plant("cancelled_no_end", "SX-007", f"{YEAR}", "万和镇零工驿站已取消且无停用年月：不参加考核，无报表")
    plant(
        "rectifying",
        "ZD-006",
        f"{YEAR}H1",
        "何店镇零工驿站状态为整改中，上半年 C1 合计 380 < 400（供求服务不合格），全年 820 合格",
    )
    plant(
        "c3_short",
        "GS-003",
        f"{YEAR}H1",
        "广水街道零工驿站上半年人岗匹配 C3 合计 41 < 50（供求服务不合格），全年 107 合格",
    )
    plant(
        "missing_d1", "SX-002", f"{YEAR}-03", "高城镇零工驿站 3 月 D1=0：宣传推广每月要求不达标（半年与全年均不合格）"
    )
    plant(
        "complaints_4",
        "GS-002",
        f"{YEAR}",
        "十里街道零工驿站全年核实投诉 4 次（上半年 3 次）：上半年服务效能合格，全年不合格",
    )
    plant("three_excellent", "GS-005", f"{YEAR}H1", "杨寨镇零工驿站 3 个单项优秀，不足 4 个：综合合格")
    plant("no_email", "GX-001", "驿站名册", "淅河镇零工驿站名册中没有电子邮箱")
    plant("no_hotline", "DHS-001", "驿站名册", "长岗镇零工驿站没有用工专线电话（每月警告）")
    for r, row in enumerate(DECISION_ROWS, start=2):
        key = "decision_invalid" if not row[4] else ("decision_overall" if row[2] == "综合" else "decision_item")
        plant(
            key,
            row[0],
            f"{DECISIONS_FILE}!A{r}",
            f"考核组意见：{row[1]} {row[2]} {row[3]}" + ("（没有理由，该行无效）" if not row[4] else ""),
        )

    assert set(ITEMS) >= {i for _, _, i in EXPECTED_ITEMS}
    return DemoInfo(
        dest=dest,
        registry_file=REGISTRY_FILE,
        decisions_file=DECISIONS_FILE,
        stations=tuple(s.code for s in stations),
        report_files=tuple(reports),
        broken_files=(truncated, junk),
        skipped_files=(_rel(PLANS[0], "~$东城驿站1月报表(修改版).xlsx", "修改"), note),
        planted=tuple(planted),
        expected_overall=dict(EXPECTED_OVERALL),
        expected_items=dict(EXPECTED_ITEMS),
        values=accepted,
    )


if __name__ == "__main__":  # python -m lingong.demo DEST
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "demo_input")
    demo = build_demo(target)
    print(f"示例数据已生成：{target}（{len(demo.report_files)} 份报表，{len(demo.stations)} 个驿站）")


# ---- the demo's assessment cycle -------------------------------------------------------

# (what the clerk does, period, 考核日期, recheck): the half-year check in July, the recheck after the
# deadline (one station corrected and resubmitted its report), then the second half-year and the year.
CYCLE = (
    ("上半年检查", f"{YEAR}H1", _dt.date(YEAR, 7, 10), False),
    ("整改期满复查（高城镇零工驿站已更正 3 月报表并重新报送）", f"{YEAR}H1", _dt.date(YEAR, 8, 10), True),
    ("下半年检查", f"{YEAR}H2", _dt.date(YEAR + 1, 1, 12), False),
    ("年终考评", str(YEAR), _dt.date(YEAR + 1, 1, 12), False),
)
RESUBMITTED = ("SX-002", f"{YEAR}-03")


def resubmit(dest: Path) -> Path:
    """高城镇零工驿站 (SX-002) was put on 限期整改 for no promotion in March (D1 = 0). It finds the
    promotion it forgot to record and sends March again with a new 填报日期: the newer report is used."""
    import openpyxl

    plan = next(p for p in PLANS if p.code == RESUBMITTED[0])
    src = Path(dest) / _rel(plan, _default_name(plan, RESUBMITTED[1]))
    wb = openpyxl.load_workbook(src)
    for row in wb[SHEET_INFO].iter_rows():
        if row[0].value == "填报日期":
            row[1].value = _dt.datetime(YEAR, 7, 28)
    for row in wb[SHEET_INDICATORS].iter_rows():
        if row[0].value == "D1":
            row[4].value = 1
    target = src.with_name(src.stem + "（更正）.xlsx")
    with outfiles.atomic_path(target) as tmp:
        wb.save(tmp)
        outfiles.fix_zip_timestamps(tmp)  # openpyxl stamps the clock: every demo must be the same
    return target


MARKER = "演示输出.txt"


def start_cycle(sample: Path, out_root: Path, history_name: str) -> None:
    """Begin the demo's year afresh: no resubmission yet and no history of an earlier demo, so every
    demo tells the same story. A folder with a real history is never touched (the demo refuses it)."""
    out_root = Path(out_root)
    db = out_root / history_name
    marker = out_root / MARKER
    if db.exists() and not marker.exists():
        raise FileExistsError(db)
    plan = next(p for p in PLANS if p.code == RESUBMITTED[0])
    stale = Path(sample) / _rel(plan, _default_name(plan, RESUBMITTED[1]))
    stale.with_name(stale.stem + "（更正）.xlsx").unlink(missing_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    outfiles.write_text_atomic(marker, "本文件夹由 python process.py --demo 生成，每次演示都会重新开始考核历史。\n")
