"""What a readable workbook is, from its sheet names alone (never its file name)."""

from __future__ import annotations

from lingong import report_template
from lingong.model.records import KIND_DECISIONS, KIND_REGISTRY, KIND_REPORT, KIND_SKIPPED
from lingong.read.labels import sheet_key, sheet_lookup

REPORT_SHEETS = (report_template.SHEET_INFO, report_template.SHEET_INDICATORS)
REGISTRY_SHEET = report_template.SHEET_REGISTRY
DECISIONS_SHEET = report_template.SHEET_DECISIONS
REASON_NOT_OURS = "不含报表、驿站名册或考核组意见工作表"


def classify(sheet_names: list[str]) -> tuple[tuple[str, ...], str]:
    """(kinds, reason). kinds is (KIND_REPORT,), a subset of (KIND_REGISTRY,
    KIND_DECISIONS) in that order, or (KIND_SKIPPED,) with the reason.

    A report wins over the other kinds: a station's report is never read as a
    registry because someone pasted a 驿站名册 sheet into it."""
    names = sheet_lookup(sheet_names)
    if any(sheet_key(s) in names for s in REPORT_SHEETS):
        return (KIND_REPORT,), ""
    kinds = tuple(
        k for k, s in ((KIND_REGISTRY, REGISTRY_SHEET), (KIND_DECISIONS, DECISIONS_SHEET)) if sheet_key(s) in names
    )
    if kinds:
        return kinds, ""
    return (KIND_SKIPPED,), REASON_NOT_OURS
