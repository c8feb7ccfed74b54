"""Plausible people, employers and phone numbers, and each station's monthly figures
and details, drawn from a random.Random seeded per station.

Over 300 lines because of its data: the name and employer tables the figures draw from.
"""

from __future__ import annotations

import datetime as _dt
import math
import random

from lingong.demo.scenario import BUMP_MIN_TOTAL, HALF_TOTALS, ITEM_OF_CODE, MONTHLY_MIN, MONTHS, SEED, STAFF, Plan
from lingong.model.periods import month_label
from lingong.model.records import Station
from lingong.read.values import id_check_digit
from lingong.runtime import outfiles

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


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def mobile_number(rng: random.Random) -> str:
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


def month_figures(plan: Plan) -> dict[str, dict[str, int | bool]]:
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


def station_details(plan: Plan, month: str, v: dict, rng: random.Random) -> dict[str, list[dict]]:
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
                "联系电话": mobile_number(rng),
                "登记日期": _day(rng, month),
            }
        )
    seekers = []
    for i in range(v["C2"]):
        male = rng.random() < 0.6
        seekers.append(
            {
                "序号": i + 1,
                "姓名": person_name(rng),
                "性别": "男" if male else "女",
                "身份证号": valid_id(rng, plan.county, male),
                "联系电话": mobile_number(rng),
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


def demo_station(plan: Plan) -> Station:
    rng = random.Random(f"{SEED}-{plan.code}-registry")
    digits = plan.code.replace("-", "").lower()
    return Station(
        code=plan.code,
        name=plan.name,
        county=plan.county,
        builder=BUILDERS[plan.county],
        address=f"随州市{plan.county}{plan.name.removesuffix('零工驿站')}便民服务中心一楼",
        leader=person_name(rng),
        phone=mobile_number(rng),
        email=f"{digits}@example.com" if plan.email else "",
        hotline=_landline(rng) if plan.hotline else "",
        status=plan.status,
        start_month=plan.start,
        end_month=plan.end,
    )


def default_report_name(plan: Plan, month: str) -> str:
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
