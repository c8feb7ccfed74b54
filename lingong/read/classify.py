"""What a readable workbook is, from its sheet names alone (never its file name)."""

from __future__ import annotations

from lingong.model.records import KIND_DECISIONS, KIND_REGISTRY, KIND_REPORT, KIND_SKIPPED

REPORT_SHEETS = ("基本信息", "月度指标")
REGISTRY_SHEET = "驿站名册"
DECISIONS_SHEET = "考核组意见"
REASON_NOT_OURS = "不含报表、驿站名册或考核组意见工作表"


def sheet_lookup(sheet_names: list[str]) -> dict[str, str]:
    """Trimmed name -> name as in the file (first wins), so readers can select by
    the template's name even when a station typed a trailing space."""
    out: dict[str, str] = {}
    for n in sheet_names:
        out.setdefault(str(n).strip().replace("\u3000", ""), n)
    return out


def classify(sheet_names: list[str]) -> tuple[tuple[str, ...], str]:
    """(kinds, reason). kinds is (KIND_REPORT,), a subset of (KIND_REGISTRY,
    KIND_DECISIONS) in that order, or (KIND_SKIPPED,) with the reason.

    A report wins over the other kinds: a station's report is never read as a
    registry because someone pasted a 驿站名册 sheet into it."""
    names = sheet_lookup(sheet_names)
    if any(s in names for s in REPORT_SHEETS):
        return (KIND_REPORT,), ""
    kinds = tuple(k for k, s in ((KIND_REGISTRY, REGISTRY_SHEET), (KIND_DECISIONS, DECISIONS_SHEET)) if s in names)
    if kinds:
        return kinds, ""
    return (KIND_SKIPPED,), REASON_NOT_OURS
