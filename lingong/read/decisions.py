"""The assessment group's decisions (考核组意见) -> Decision records plus issues.

A bad row is an error of that row only (D001-D005) and is dropped; the other
rows apply. Applying a decision to the grades is grading's job.
"""

from __future__ import annotations

from lingong import report_template
from lingong.catalogue.issues import issue
from lingong.model.cells import a1
from lingong.model.periods import parse_period
from lingong.model.records import Decision, Issue, Station
from lingong.read.labels import code_typed_oddly, find_sheet, loose_label, norm_code, norm_label, norm_text
from lingong.read.values import as_text
from lingong.words import GRADES

HEADER_SCAN_ROWS = 60
_LABELS = {
    **{norm_label(lab): key for key, lab in report_template.DECISION_COLUMNS},
    **{loose_label(lab): key for key, lab in report_template.DECISION_COLUMNS},
}
_ITEMS = (*report_template.ITEMS, report_template.OVERALL_ITEM)
_ITEM_OF = {norm_text(i): i for i in _ITEMS}
_GRADE_OF = {norm_text(g): g for g in GRADES}


def _item(raw: str) -> str | None:
    t = norm_text(raw)
    if t in _ITEM_OF:
        return _ITEM_OF[t]
    # "1.驿站运维" / "一、驿站运维": the form numbers its rows
    stripped = t.lstrip("0123456789一二三四五六七、.,()")
    return _ITEM_OF.get(stripped)


def read_decisions(wb, rel: str, stations: dict[str, Station]) -> tuple[list[Decision], list[Issue]]:
    """Valid decisions in sheet order and the issues of the rows that were dropped.
    Two rows about the same station, period and item are left to ``drop_conflicts``,
    which sees the rows of every file."""
    sheet = find_sheet(wb, report_template.SHEET_DECISIONS)
    if sheet is None:
        return [], [issue("S001", file=rel, expected=report_template.SHEET_DECISIONS)]
    rows = sheet.rows
    hdr = None
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        cols = {}
        for c, v in enumerate(row):
            if isinstance(v, str):
                key = _LABELS.get(norm_label(v)) or _LABELS.get(loose_label(v))
                if key and key not in cols:
                    cols[key] = c
        if len(cols) >= 3 and "station" in cols:
            hdr = (r, cols)
            break
    if hdr is None:
        return [], [issue("S006", file=rel, sheet=sheet.name, expected="驿站编号 | 考核期 | 考核项目 | 等次 | 理由")]
    hr, cols = hdr
    issues: list[Issue] = []
    for key, label in report_template.DECISION_COLUMNS:
        if key not in cols:
            issues.append(issue("S006", file=rel, sheet=sheet.name, cell=a1(hr, 0), expected=label))
    if issues:
        return [], issues

    decisions: list[Decision] = []
    for r in range(hr + 1, len(rows)):
        row = rows[r]
        vals = {k: as_text(row[c]) if c < len(row) else "" for k, c in cols.items()}
        if not any(vals.values()):
            continue
        station = norm_code(vals["station"])

        def add(code, key, **kw):
            issues.append(issue(code, station=station, file=rel, sheet=sheet.name, cell=a1(r, cols[key]), **kw))

        typed = row[cols["station"]] if cols["station"] < len(row) else None  # as_text has folded vals
        if odd := code_typed_oddly(typed):
            add("N001", "station", what=f"考核组意见第 {r + 1} 行的驿站编号", found=odd, expected=station)

        ok = True
        if station not in stations:
            add("D002", "station", found=vals["station"])
            ok = False
        raw_period = row[cols["period"]] if cols["period"] < len(row) else None
        period = parse_period(raw_period) if vals["period"] else None
        if period is None:
            add("D005", "period", found=vals["period"])
            ok = False
        item = _item(vals["item"])
        if item is None:
            add("D003", "item", found=vals["item"], expected=" / ".join(_ITEMS))
            ok = False
        grade = _GRADE_OF.get(norm_text(vals["grade"]))
        if grade is None:
            add("D004", "grade", found=vals["grade"])
            ok = False
        reason = vals["reason"].strip()
        if not reason:
            add("D001", "reason", what=str(r + 1))
            ok = False
        if ok:
            decisions.append(
                Decision(
                    station=station, period=period.key, item=item, grade=grade, reason=reason, source=f"{rel}!A{r + 1}"
                )
            )
    return decisions, issues


def _row_text(d: Decision) -> str:
    file, _, cell = d.source.rpartition("!")
    return f"{file} 第 {cell[1:]} 行（{d.grade}，理由：{d.reason}）"


def drop_conflicts(decisions: list[Decision]) -> tuple[list[Decision], list[Issue]]:
    """Rows of 考核组意见 (from one file or several) about the same station, period
    and item: which one the group meant is the clerk's to say, so none is applied
    and an error names both rows."""
    by_key: dict[tuple[str, str, str], list[Decision]] = {}
    for d in decisions:
        by_key.setdefault((d.station, d.period, d.item), []).append(d)
    issues = []
    for same in by_key.values():
        for later in same[1:]:
            first = same[0]
            file, _, cell = first.source.rpartition("!")
            issues.append(
                issue(
                    "D007",
                    station=first.station,
                    file=file,
                    sheet=report_template.SHEET_DECISIONS,
                    cell=cell,
                    found=_row_text(first),
                    expected=_row_text(later),
                )
            )
    return [d for d in decisions if len(by_key[(d.station, d.period, d.item)]) == 1], issues
