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
