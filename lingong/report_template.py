"""The monthly report template LGYZ-M-1, described once.

Both the writer of blank templates and the reader of filled reports use these
tables; nothing about the template's layout is repeated elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

TEMPLATE_VERSION = "LGYZ-M-1"
TEMPLATE_MAJOR = "LGYZ-M-1"

SHEET_HELP = "填报说明"
SHEET_INFO = "基本信息"
SHEET_INDICATORS = "月度指标"
SHEET_REGISTRY = "驿站名册"
SHEET_DECISIONS = "考核组意见"

COUNTIES = ("曾都区", "随县", "广水市", "随州高新区", "大洪山风景名胜区")
COUNTY_COLUMN = "所属县（市、区）"  # a station's county, as the report, the registry and every table head it
COUNTY_GROUP = "县（市、区）"  # the head of a row (or table) a county, and "各县（市、区）"


def county_order(county: str) -> tuple[int, str]:
    """Sort key: the city's own order of its county areas; any other name after them."""
    return (COUNTIES.index(county) if county in COUNTIES else len(COUNTIES), county or "")


COUNT = "count"
YESNO = "yesno"
TEXT = "text"
CODE = "code"
MONTH = "month"
DATE = "date"
PHONE = "phone"
ID_NUMBER = "id_number"


@dataclass(frozen=True)
class InfoField:
    key: str
    label: str
    kind: str
    required: bool
    note: str


# 基本信息: label column 项目, value column 填报内容.
INFO_HEADER = ("项目", "填报内容")
INFO_FIELDS: tuple[InfoField, ...] = (
    InfoField("version", "模板版本", TEXT, True, "预填，请勿修改"),
    InfoField("station", "驿站编号", CODE, True, "预填，请勿修改，如 ZD-003"),
    InfoField("name", "驿站名称", TEXT, True, "与驿站名册一致"),
    InfoField("county", COUNTY_COLUMN, TEXT, True, "与驿站名册一致"),
    InfoField("month", "报送年月", MONTH, True, "如 2023-07 或 2023年7月"),
    InfoField("hotline", "用工专线电话", PHONE, False, "政策三(一)2要求公布用工专线电话"),
    InfoField("filler", "填报人", TEXT, False, ""),
    InfoField("filler_phone", "联系电话", PHONE, False, "手机或座机"),
    InfoField("fill_date", "填报日期", DATE, False, "如 2023-08-03"),
)
INFO_BY_KEY = {f.key: f for f in INFO_FIELDS}


@dataclass(frozen=True)
class Indicator:
    code: str
    item: str
    name: str
    unit: str
    kind: str  # COUNT or YESNO


INDICATOR_HEADER = ("指标代码", "考核项目", "指标名称", "单位", "本月数值", "备注")
VALUE_COLUMN = "本月数值"
CODE_COLUMN = "指标代码"

INDICATORS: tuple[Indicator, ...] = (
    Indicator("A1", "驿站运维", "主管部门下达工作任务数", "件", COUNT),
    Indicator("A2", "驿站运维", "按时完成工作任务数", "件", COUNT),
    Indicator("A3", "驿站运维", "服务制度、服务流程等规范已建立", "", YESNO),
    Indicator("A4", "驿站运维", "便民设施对外开放并正常使用", "", YESNO),
    Indicator("A5", "驿站运维", "开展便民服务次数", "次", COUNT),
    Indicator("B1", "线上平台", "省市平台录入数据条数", "条", COUNT),
    Indicator("B2", "线上平台", "省市平台任务按时完成", "", YESNO),
    Indicator("B3", "线上平台", "自建线上渠道（小程序、公众号等）正常使用", "", YESNO),
    Indicator("B4", "线上平台", "“湖北零工驿站”小程序新增用户数", "人", COUNT),
    Indicator("C1", "供求服务", "收集审核零工岗位数", "个", COUNT),
    Indicator("C2", "供求服务", "零工求职登记人次", "人次", COUNT),
    Indicator("C3", "供求服务", "人岗匹配成功人数", "人", COUNT),
    Indicator("C4", "供求服务", "发布企业用工及零工就业信息条数", "条", COUNT),
    Indicator("D1", "宣传推广", "驿站宣传推广次数（户外、线上）", "次", COUNT),
    Indicator("D2", "宣传推广", "就业政策宣传次数", "次", COUNT),
    Indicator("D3", "宣传推广", "新闻媒体宣传报道次数", "次", COUNT),
    Indicator("E1", "创新服务", "仲裁调解、劳动维权政策咨询人次", "人次", COUNT),
    Indicator("E2", "创新服务", "协助处理劳务纠纷、工伤事故件数", "件", COUNT),
    Indicator("E3", "创新服务", "培训意愿登记人数", "人", COUNT),
    Indicator("E4", "创新服务", "新拓展合作机构数", "个", COUNT),
    Indicator("F1", "招聘活动", "现场招聘活动场次", "场", COUNT),
    Indicator("F2", "招聘活动", "网络招聘活动场次", "场", COUNT),
    Indicator("F3", "招聘活动", "直播带岗场次", "场", COUNT),
    Indicator("G1", "服务效能", "专职工作人员数", "人", COUNT),
    Indicator("G2", "服务效能", "兼职工作人员数", "人", COUNT),
    Indicator("G3", "服务效能", "本月运维总结已提交", "", YESNO),
    Indicator("G4", "服务效能", "资料整理归档规范", "", YESNO),
    Indicator("G5", "服务效能", "被核实服务投诉次数", "次", COUNT),
)
INDICATOR_BY_CODE = {i.code: i for i in INDICATORS}
INDICATOR_CODES = tuple(i.code for i in INDICATORS)


@dataclass(frozen=True)
class DetailColumn:
    label: str
    kind: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class DetailSheet:
    name: str
    columns: tuple[DetailColumn, ...]
    # Which monthly figure the number of records is checked against. For
    # 宣传活动 the records are counted per 类别; for 投诉记录 only verified ones.
    checks: tuple[tuple[str, str | None, str | None], ...]  # (code, filter column, filter value)
    date_column: str


DETAIL_SHEETS: tuple[DetailSheet, ...] = (
    DetailSheet(
        "岗位信息",
        (
            DetailColumn("序号", TEXT),
            DetailColumn("用工单位", TEXT),
            DetailColumn("岗位名称", TEXT),
            DetailColumn("工种", TEXT),
            DetailColumn("需求人数", COUNT),
            DetailColumn("薪酬待遇", TEXT),
            DetailColumn("联系电话", PHONE),
            DetailColumn("登记日期", DATE),
        ),
        (("C1", None, None),),
        "登记日期",
    ),
    DetailSheet(
        "求职登记",
        (
            DetailColumn("序号", TEXT),
            DetailColumn("姓名", TEXT),
            DetailColumn("性别", TEXT, ("男", "女")),
            DetailColumn("身份证号", ID_NUMBER),
            DetailColumn("联系电话", PHONE),
            DetailColumn("求职工种", TEXT),
            DetailColumn("职业资格等级", TEXT),
            DetailColumn("登记日期", DATE),
        ),
        (("C2", None, None),),
        "登记日期",
    ),
    DetailSheet(
        "人岗匹配",
        (
            DetailColumn("序号", TEXT),
            DetailColumn("姓名", TEXT),
            DetailColumn("身份证号", ID_NUMBER),
            DetailColumn("用工单位", TEXT),
            DetailColumn("岗位名称", TEXT),
            DetailColumn("匹配方式", TEXT),
            DetailColumn("上岗日期", DATE),
        ),
        (("C3", None, None),),
        "上岗日期",
    ),
    DetailSheet(
        "宣传活动",
        (
            DetailColumn("序号", TEXT),
            DetailColumn("日期", DATE),
            DetailColumn("类别", TEXT, ("驿站推广", "政策宣传", "媒体报道")),
            DetailColumn("形式", TEXT, ("户外", "线上")),
            DetailColumn("主题", TEXT),
            DetailColumn("覆盖人数", COUNT),
        ),
        (("D1", "类别", "驿站推广"), ("D2", "类别", "政策宣传"), ("D3", "类别", "媒体报道")),
        "日期",
    ),
    DetailSheet(
        "投诉记录",
        (
            DetailColumn("序号", TEXT),
            DetailColumn("日期", DATE),
            DetailColumn("投诉事由", TEXT),
            DetailColumn("是否核实", YESNO, ("是", "否")),
            DetailColumn("处理结果", TEXT),
        ),
        (("G5", "是否核实", "是"),),
        "日期",
    ),
)
DETAIL_BY_NAME = {d.name: d for d in DETAIL_SHEETS}

REQUIRED_SHEETS = (SHEET_INFO, SHEET_INDICATORS)

# 驿站名册 columns, in order. Keys are what the code uses.
REGISTRY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", "驿站编号"),
    ("name", "驿站名称"),
    ("county", COUNTY_COLUMN),
    ("builder", "建设单位"),
    ("address", "地址"),
    ("leader", "负责人"),
    ("phone", "联系电话"),
    ("email", "电子邮箱"),
    ("hotline", "用工专线电话"),
    ("status", "状态"),
    ("start_month", "启用年月"),
    ("end_month", "停用年月"),
)
REGISTRY_REQUIRED = ("code", "name", "county")
STATION_STATUSES = ("运营", "整改中", "已取消")

DECISION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("station", "驿站编号"),
    ("period", "考核期"),
    ("item", "考核项目"),
    ("grade", "等次"),
    ("reason", "理由"),
)

ITEMS = ("驿站运维", "线上平台", "供求服务", "宣传推广", "创新服务", "服务效能")
OVERALL_ITEM = "综合"
