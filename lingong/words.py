"""The words for the program's own categories, as every document prints them."""

from __future__ import annotations

from lingong.model.records import KIND_DECISIONS, KIND_REGISTRY, KIND_REJECTED, KIND_REPORT, KIND_SKIPPED, KIND_UNSTABLE

# What an input file turned out to be (校验报告, 汇总表 说明, the console digest).
KIND_LABELS = {
    KIND_REPORT: "月度报表",
    KIND_REGISTRY: "驿站名册",
    KIND_DECISIONS: "考核组意见",
    KIND_SKIPPED: "已跳过",
    KIND_REJECTED: "无法读取",
    KIND_UNSTABLE: "正在写入未处理",
}

# The grades of an item and of a station (policy 四(二)); a requirement's level is 合格 or 优秀.
EXCELLENT, PASS, FAIL = "优秀", "合格", "不合格"
GRADES = (EXCELLENT, PASS, FAIL)

# A station's rectification state (grade/rectification decides it); "" when there is none.
NO_RECTIFICATION, ON_NOTICE, ENDED, CANCEL = "", "限期整改", "整改结束", "建议取消"
RECTIFICATION_STATES = (ON_NOTICE, ENDED, CANCEL)
OPEN_CASE_STATES = (ON_NOTICE, CANCEL)  # the open cases: the 整改名单, the console's attention list

# A county area left blank in the registry, wherever stations are counted per county.
NO_COUNTY = "未填县区"

# What became of a month of a station (the form's 月份 rows, the 汇总表's 报送情况, the history);
# a report's file status uses the first three, and OUT_OF_PERIOD (model.records) for a month the
# period does not use.
ACCEPTED, SUPERSEDED, RETURNED, MISSING, NOT_OPERATING = "采用", "已被替代", "退回", "缺报", "未运营"
MONTH_STATUSES = (ACCEPTED, MISSING, RETURNED)  # the ones counted per station
