"""Validation findings as values, and the one catalogue of their codes.

Every message a clerk sees about input comes from CATALOGUE: the code is stable
(tests, the docs page and other systems refer to it), the texts are Chinese and
say what to do. Checks never build messages by hand; they call ``issue()``.

Over 300 lines because it is the catalogue: one table of every code with its Chinese
texts, which tests and docs/问题代码.md read as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from lingong.model.cells import cell_order
from lingong.model.periods import month_text
from lingong.model.records import Issue
from lingong.report_template import COUNTIES, county_order

ERROR = "错误"
WARNING = "警告"
INFO = "提示"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


@dataclass(frozen=True)
class IssueType:
    code: str
    severity: str
    title: str
    message: str  # str.format template over the issue's fields
    hint: str  # what the station (or clerk) should do


def _t(code, severity, title, message, hint):
    return IssueType(code, severity, title, message, hint)


# Codes: F = file level, S = structure, V = value, X = cross-check,
# R = registry, D = decisions (考核组意见), P = period/selection.
CATALOGUE: dict[str, IssueType] = {
    t.code: t
    for t in (
        # ---- files -------------------------------------------------------------
        _t("F001", ERROR, "空文件", "文件大小为 0 字节（空文件）", "请重新导出报表后报送"),
        _t(
            "F002",
            ERROR,
            "不是 Excel 文件",
            "文件内容不是 Excel/WPS/LibreOffice 表格（{found}）",
            "请用 Excel、WPS 或 LibreOffice 打开模板填写，另存为 .xlsx 后重新报送",
        ),
        _t(
            "F003",
            ERROR,
            "文件已损坏或未传完整",
            "文件已损坏或未传完整（{found}）",
            "请用 Excel 或 WPS 打开确认能正常打开，另存为 .xlsx 后重新报送",
        ),
        _t(
            "F004",
            ERROR,
            "文件设置了打开密码",
            "文件设置了打开密码，无法读取",
            "文件设置了打开密码，请取消密码后重新报送",
        ),
        _t(
            "F005",
            ERROR,
            "文件异常，解压后过大",
            "文件异常，解压后过大（{found}，上限 {expected}）",
            "请将报表内容复制到新的模板文件中重新报送",
        ),
        _t(
            "F006",
            ERROR,
            "文件含不安全内容",
            "文件内含不安全的 XML 声明（{found}）",
            "请将报表内容复制到新的模板文件中重新报送",
        ),
        _t(
            "F007",
            WARNING,
            "文件正在写入",
            "读取期间文件大小或修改时间发生变化（可能仍在复制中）",
            "本次未处理该文件；请等待复制完成后再次运行",
        ),
        _t(
            "F008",
            ERROR,
            "文件无法读取",
            "读取文件时出错：{found}",
            "请用 Excel 或 WPS 打开确认能正常打开，另存为 .xlsx 后重新报送",
        ),
        _t(
            "F010",
            ERROR,
            "读取超时或内存超限",
            "读取文件超过时间或内存上限（{found}）",
            "请将报表内容复制到新的模板文件中重新报送",
        ),
        _t(
            "F011",
            WARNING,
            "文件名与内容不符",
            "文件名显示为 {found}，但表内填写的是 {expected}；以表内内容为准",
            "请核对文件名或表内的驿站编号、报送年月",
        ),
        _t("F012", WARNING, "文件夹无法读取", "文件夹无法读取（{found}）", "请检查文件夹权限后重新运行"),
        _t(
            "F013",
            ERROR,
            "旧版 Excel 格式",
            "文件是{found}，本工具无法读取这种旧格式",
            "请用 Excel 或 WPS 打开后另存为 .xlsx 再报送",
        ),
        _t(
            "F014",
            ERROR,
            "文件含无法读取的内容",
            "文件中有本工具读取不了的内容（{found}），不一定是文件损坏",
            "请用 Excel 或 WPS 打开后另存为 .xlsx 再报送",
        ),
        # ---- structure ---------------------------------------------------------
        _t("S001", ERROR, "缺少工作表", "缺少工作表“{expected}”", "请使用最新模板 LGYZ-M-1，不要删除或改名工作表"),
        _t(
            "S002",
            ERROR,
            "模板版本不符",
            "模板版本为“{found}”，应为“{expected}”",
            "请向县区就业部门领取 {expected} 版模板重新填写",
        ),
        _t("S003", ERROR, "缺少基本信息项", "基本信息缺少“{expected}”一行", "请在“基本信息”表补上该行并填写"),
        _t("S004", ERROR, "缺少指标行", "月度指标缺少代码 {expected} 的一行", "请使用模板原有的指标行，不要删除"),
        _t("S005", ERROR, "指标行重复", "月度指标中代码 {found} 出现了多次", "每个指标代码只保留一行"),
        _t("S006", ERROR, "缺少表头", "“{sheet}”表找不到表头“{expected}”", "请不要修改模板的表头文字"),
        _t("S007", WARNING, "未知指标代码", "月度指标中有模板没有的代码“{found}”，已忽略", "请删除多余的行"),
        _t(
            "S008", WARNING, "明细表缺少列", "明细表“{sheet}”缺少列“{expected}”，该列未检查", "请不要修改模板的表头文字"
        ),
        _t(
            "S009",
            WARNING,
            "模板版本小版本不同",
            "模板版本为“{found}”，与当前“{expected}”小版本不同，仍按当前版本读取",
            "下次请使用最新模板",
        ),
        _t(
            "S010",
            WARNING,
            "明细表过长",
            "明细表“{sheet}”超过 {expected} 行，只读取并核对了前 {expected} 行",
            "每月明细一般只有几十到几百行；请核对是否粘贴了多余的内容，删除后重新报送",
        ),
        # ---- values ------------------------------------------------------------
        _t("V001", ERROR, "必填项为空", "{what}未填写", "请填写后重新报送"),
        _t("V002", ERROR, "不是非负整数", "{what}填写了“{found}”，应为非负整数", "请改为阿拉伯数字（如 12）后重新报送"),
        _t(
            "V003", WARNING, "数值已按整数读取", "{what}填写了“{found}”，已按 {expected} 读取", "以后请只填写阿拉伯数字"
        ),
        _t("V004", ERROR, "是/否填写有误", "{what}填写了“{found}”，应为“是”或“否”", "请从下拉框选择“是”或“否”"),
        _t(
            "V005",
            WARNING,
            "是/否已按含义读取",
            "{what}填写了“{found}”，已按“{expected}”读取",
            "以后请从下拉框选择“是”或“否”",
        ),
        _t(
            "V006",
            ERROR,
            "公式没有计算结果",
            "{what}是公式（{found}），文件中没有保存计算结果",
            "请用 Excel 或 WPS 打开文件、保存一次后重新报送，或直接填写数值",
        ),
        _t("V007", ERROR, "报送年月无法识别", "报送年月填写了“{found}”，无法识别", "请填写为 2023-07 或 2023年7月"),
        _t(
            "V008",
            WARNING,
            "报送年月可能有歧义",
            "报送年月填写了数字“{found}”，已按 {expected} 读取；Excel 会把 2023.10 存成 2023.1",
            "请写成 {expected} 或 {expected_cn} 这样的文字",
        ),
        _t(
            "V009",
            WARNING,
            "电话号码格式有误",
            "{what}填写了“{found}”，不是有效的电话号码",
            "请填写 11 位手机号或带区号的座机号",
        ),
        _t("V010", WARNING, "身份证号校验位错误", "{what}填写的“{found}”校验位不正确", "请核对身份证号后重新报送"),
        _t(
            "V011",
            WARNING,
            "日期不在报送月份内",
            "{what}为 {found}，不在报送月份 {expected} 内",
            "请核对日期，或将该记录报在对应月份",
        ),
        _t("V012", WARNING, "日期无法识别", "{what}填写了“{found}”，无法识别为日期", "请填写为 2023-07-15 这样的日期"),
        _t(
            "V013",
            WARNING,
            "未填写用工专线电话",
            "用工专线电话未填写（政策三(一)2 要求对外公布）",
            "请填写驿站对外公布的用工专线电话",
        ),
        _t("V014", ERROR, "单元格为错误值", "{what}的单元格显示错误值 {found}", "请修正公式或直接填写数值"),
        _t("V015", WARNING, "填报日期无法识别", "填报日期填写了“{found}”，无法识别", "请填写为 2023-08-03 这样的日期"),
        _t("V016", WARNING, "明细表取值不在选项内", "{what}填写了“{found}”，应为 {expected}", "请从下拉框选择"),
        _t(
            "V018",
            ERROR,
            "数值不合理",
            "{what}填写了 {found}，数值不合理（一个驿站每月不超过 {expected}）",
            "请核对是否多填了数字，或把身份证号、电话号码等填进了数字格，改正后重新报送",
        ),
        _t(
            "N001",
            INFO,
            "编号已规范化",
            "{what}“{found}”含不可见字符或全角字符，已按“{expected}”读取",
            "以后请直接输入半角的编号，不要从网页或聊天软件中复制",
        ),
        # ---- cross-checks --------------------------------------------------------
        _t(
            "X001",
            WARNING,
            "完成任务数大于下达任务数",
            "按时完成工作任务数 A2={found} 大于下达任务数 A1={expected}",
            "请核对 A1、A2",
        ),
        _t(
            "X002",
            WARNING,
            "明细与月度指标不一致",
            "明细表“{sheet}”有 {found} 条记录，月度指标 {what} 为 {expected}",
            "请核对明细记录与月度指标数",
        ),
        _t(
            "X003",
            WARNING,
            "数值异常偏大",
            "{what}本月为 {found}，超过本站各月中位数 {expected}",
            "请核对是否多填了数字",
        ),
        # ---- registry and identity --------------------------------------------
        _t(
            "R001",
            ERROR,
            "驿站不在名册中",
            "驿站编号“{found}”不在驿站名册中",
            "请核对驿站编号，或联系县区就业部门将驿站补入名册",
        ),
        _t(
            "R002", WARNING, "驿站名称与名册不符", "驿站名称填写为“{found}”，名册为“{expected}”", "请按名册填写驿站名称"
        ),
        _t(
            "R003",
            WARNING,
            "所属县区与名册不符",
            "所属县（市、区）填写为“{found}”，名册为“{expected}”",
            "请按名册填写所属县区",
        ),
        _t("R004", ERROR, "没有驿站名册", "输入文件夹中没有找到含“驿站名册”工作表的文件", "请将驿站名册放入输入文件夹"),
        _t("R005", ERROR, "名册行有误", "驿站名册{what}：{found}", "请修正驿站名册后重新运行"),
        _t("R006", ERROR, "名册中驿站编号重复", "驿站名册中编号“{found}”出现多次", "请修正驿站名册，每个驿站一行"),
        _t("R007", WARNING, "名册有多份", "找到多份驿站名册，使用 {expected}，忽略 {found}", "请只保留一份驿站名册"),
        # ---- selection of reports ---------------------------------------------
        _t(
            "P001",
            WARNING,
            "重复报送，已被替代",
            "同一驿站同一月份有多份报表，本份未采用，采用的是 {expected}",
            "无需处理；如应采用的是本份，请告知县区就业部门",
        ),
        _t(
            "P004",
            INFO,
            "有错误的报表已被更正后的报表替代",
            "本份有错误未采用，驿站已重新报送 {expected}，该月采用的是那一份",
            "无需处理，本份不必修改",
        ),
        _t(
            "P002",
            WARNING,
            "报送月份不在运营期内",
            "报送月份 {found} 不在驿站运营期（{expected}）内，未使用",
            "请核对报送年月",
        ),
        _t("P003", WARNING, "缺报", "未收到该驿站这个月的报表（缺报），该月各项按未完成计", "请尽快补报{expected}"),
        # ---- decisions (考核组意见) ------------------------------------------------
        _t("D001", ERROR, "考核组意见缺少理由", "考核组意见第 {what} 行没有填写理由", "请补填理由，该行本次未采用"),
        _t(
            "D002",
            ERROR,
            "考核组意见驿站未知",
            "考核组意见中的驿站编号“{found}”不在名册中",
            "请核对驿站编号，该行本次未采用",
        ),
        _t(
            "D003",
            ERROR,
            "考核组意见考核项目有误",
            "考核项目填写了“{found}”，应为 {expected}",
            "请修正后重新运行，该行本次未采用",
        ),
        _t(
            "D004",
            ERROR,
            "考核组意见等次有误",
            "等次填写了“{found}”，应为 优秀 / 合格 / 不合格",
            "请修正后重新运行，该行本次未采用",
        ),
        _t(
            "D005",
            ERROR,
            "考核组意见考核期有误",
            "考核期填写了“{found}”，无法识别",
            "请写成 2023H1、2023年上半年 或 2023年度",
        ),
        _t(
            "D006",
            WARNING,
            "考核组意见对应驿站未参加本期考核",
            "驿站“{found}”本期不参加考核，考核组意见未采用",
            "请核对驿站编号和考核期",
        ),
        _t(
            "D007",
            ERROR,
            "考核组意见重复",
            "同一驿站、考核期、考核项目有两条意见：{found}；{expected}。两条均未采用",
            "请确认考核组的意见，删除其中一条后重新运行",
        ),
    )
}


def issue(
    code: str,
    *,
    station: str = "",
    month: str = "",
    file: str = "",
    sheet: str = "",
    cell: str = "",
    found: object = "",
    expected: object = "",
    what: str = "",
    hint: str | None = None,
) -> Issue:
    """Build an Issue from the catalogue. ``what`` names the field (e.g.
    "月度指标!E14（C1 收集审核零工岗位数）") and is only used in the message."""
    t = CATALOGUE[code]
    found_s = "" if found is None else str(found)
    expected_s = "" if expected is None else str(expected)
    message = t.message.format(found=found_s, expected=expected_s, what=what, sheet=sheet, month=month, station=station)
    return Issue(
        code=code,
        severity=t.severity,
        station=station,
        month=month,
        file=file,
        sheet=sheet,
        cell=cell,
        found=found_s,
        expected=expected_s,
        hint=hint
        if hint is not None
        else t.hint.format(expected=expected_s, found=found_s, expected_cn=month_text(expected_s)),
        message=message,
    )


def sort_key(i: Issue, stations: dict | None = None) -> tuple:
    """The one order of issues everywhere (校验报告, 汇总表, mail): by county, station,
    month, severity, file, then cell as a person reads the sheet. Stations not in the
    registry come after the counties; issues of no station (whole files) last."""
    st = (stations or {}).get(i.station)
    county = county_order(st.county) if st else (len(COUNTIES) + 1, "")
    return (
        county,
        i.station or "\uffff",
        i.month,
        SEVERITY_ORDER.get(i.severity, 9),
        i.file,
        i.sheet,
        cell_order(i.cell),
        i.code,
    )


# ---- area: report reading (lingong/read/report.py) ------------------------
CATALOGUE.update(
    {
        t.code: t
        for t in (
            _t(
                "V017",
                WARNING,
                "身份证号存成了数字",
                "{what}存成了数字（{found}），Excel 只保留 15 位有效数字，后几位已丢失",
                "请把该列设置为“文本”格式后重新录入身份证号",
            ),
            # The month of a report cannot come after the day it was filled in: the 报送年月 is a typing error
            # (2032-03 for 2023-03), and which month it meant cannot be known.
            _t(
                "V019",
                ERROR,
                "报送年月晚于填报日期",
                "报送年月填写了“{found}”，晚于本表的填报日期 {expected}，无法确定是哪个月的报表",
                "报送年月应为填报日期当月或之前的月份（一般为上个月），请改正后重新报送；本次未采用该报表",
            ),
        )
    }
)


# ---- area: registry e-mail addresses (lingong/read/addresses.py, issue 13) -------
CATALOGUE.update(
    {
        t.code: t
        for t in (
            _t(
                "R008",
                ERROR,
                "电子邮箱无法使用",
                "驿站名册{what}的电子邮箱{found}；该驿站的邮件暂不生成、不发送",
                "请在驿站名册中只填写一个电子邮箱地址（如 zhangsan@163.com，不带姓名、尖括号、逗号、分号或换行），"
                "改正后重新运行 mail 命令生成草稿",
            ),
        )
    }
)
