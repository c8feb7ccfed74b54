"""The 考核验收表 of one station: the policy's attached form, filled in, plus its evidence.

Written with xlsxwriter rather than by filling a workbook template with openpyxl:
it is several times faster for hundreds of forms, it writes native charts for the
summary, and ``new_xlsxwriter`` keeps every station text a text cell. The form's
wording lives here and in the Jinja2 text templates of ``templates/``.

LibreOffice and WPS do not grow the height of wrapped merged cells, so every row
height is computed from its text (see ``row_height``).

The 完成情况 / 考核验收情况 texts come from form_texts.py, the cell text from cell_text.py, the
page's rows and heights from form_page.py; here the two sheets (the form and its 佐证数据).
"""

from __future__ import annotations

import re
from pathlib import Path

from lingong.grade.city import provisional_text
from lingong.layout import FORM_SUFFIX
from lingong.model.periods import month_label, month_short, ytd_span
from lingong.model.records import ItemResult, RequirementResult, StationResult
from lingong.render import form_page, print_layout, textfit
from lingong.render.cell_text import clean
from lingong.render.form_texts import TextTemplates, completion_text, overall_text
from lingong.render.wording import date_cn, earlier_text, recheck_decision
from lingong.report_template import INDICATORS, YESNO
from lingong.runtime import outfiles
from lingong.runtime.outfiles import atomic_path, clip, file_name, inside, new_xlsxwriter, safe_component
from lingong.words import ACCEPTED, EXCELLENT, GRADES, MISSING, NOT_OPERATING

FORM_SHEET = "考核验收表"
EVIDENCE_SHEET = "佐证数据"
HEADER = ("编号", "考核项目", "考核内容", "任务指标", "完成情况", "验收意见")
GRADE_BOXES = GRADES

TITLE_FONT = "黑体"
BODY_PT = 10
FORM_WIDTHS = form_page.WIDTHS


# ---- text helpers shared with the summary -----------------------------------


# ---- templates ------------------------------------------------------------------


def grade_boxes(grade: str | None, sep: str = " ") -> str:
    """The form's three boxes with ``grade`` ticked: ☑优秀 □合格 □不合格."""
    return sep.join(("☑" if g == grade else "□") + g for g in GRADE_BOXES)


def opinion_text(item: ItemResult, graded: bool = True) -> str:
    """验收意见: the final grade ticked; a decision that changed it is noted with its reason."""
    # One box a line: the column is narrow and CJK text would otherwise break inside a word.
    if not graded:
        return grade_boxes(None, "\n")
    text = grade_boxes(item.final, "\n")
    d = item.decision
    if d is not None and d.grade != item.computed:
        text += f"\n计算结果：{item.computed}；考核组意见：{d.grade}，理由：{clean(d.reason)}"
    elif d is not None:
        text += f"\n考核组确认：{clean(d.reason)}"
    return text


# ---- row heights ------------------------------------------------------------------


def row_height(texts_widths, font_pt: float = BODY_PT, minimum: float = 18) -> float:
    """Height in points so every (text, width) of a row shows all its lines."""
    return textfit.row_height(texts_widths, font_pt, minimum)


# ---- file name ------------------------------------------------------------------


def form_path(out_dir: Path, result: StationResult) -> Path:
    """out_dir/<所属县>/<驿站编号>_<驿站名称>_考核验收表.xlsx, safe and inside out_dir."""
    st = result.station
    code = clip(safe_component(st.code, "无编号"), 40)
    name = clip(safe_component(st.name, "未命名"), 90).rstrip(" ._") or "未命名"
    county = safe_component(st.county, "未知县区")
    return inside(Path(out_dir), county, file_name(f"{code}_{name}", FORM_SUFFIX, folder=Path(out_dir) / county))


# ---- the workbook -------------------------------------------------------------------


def _formats(wb) -> dict:
    base = {"font_name": outfiles.FONT, "font_size": BODY_PT, "text_wrap": True, "valign": "vcenter"}
    # Names that mean the same look share one Format: xlsxwriter gives them one style in the
    # file anyway, but a second object with the same look finds its style index by a slower
    # lookup on every cell it formats (ev_text is most of the evidence grid).
    made: dict[tuple, object] = {}

    def f(**kw):
        props = {**base, **kw}
        key = tuple(sorted(props.items()))
        if key not in made:
            made[key] = wb.add_format(props)
        return made[key]

    return {
        "title": f(font_name=TITLE_FONT, font_size=18, align="center", text_wrap=False),
        "ident": f(font_size=10.5, align="left"),
        "head": f(bold=True, font_size=11, align="center", border=1, bg_color="#F2F2F2"),
        "center": f(align="center", border=1),
        "cell": f(align="left", border=1),
        "opinion": f(align="left", border=1),
        "label": f(bold=True, align="center", border=1),
        "sign": f(align="left", valign="top", border=1),
        "small": f(font_size=9, align="left", font_color="#595959", text_wrap=True),
        "ev_head": f(bold=True, align="center", border=1, bg_color="#F2F2F2"),
        "ev_text": f(align="left", border=1),
        "ev_yes": f(align="center", border=1),
        "ev_num": f(align="right", border=1, num_format="0"),
        "ev_gap": f(align="center", border=1, font_color="#7F7F7F", italic=True, bg_color="#EDEDED"),
        "ev_sum": f(align="right", border=1, bold=True, num_format="0"),
    }


def write_form(path: Path, result: StationResult, *, rules_label: str, texts: TextTemplates) -> None:
    """Write the station's 考核验收表 (sheet 1) and 佐证数据 (sheet 2) to ``path`` atomically."""
    with atomic_path(Path(path)) as tmp:
        wb = new_xlsxwriter(tmp)
        fmt = _formats(wb)
        text = _write_form_sheet(wb, fmt, result, rules_label, texts)
        _write_evidence_sheet(wb, fmt, result, rules_label, text, texts)
        wb.close()


def identity_line(result: StationResult) -> str:
    st, p = result.station, result.period
    months = result.active_months or p.months
    span = month_label(months[0]) if len(months) == 1 else f"{month_label(months[0])}至{month_label(months[-1])}"
    # The 考核日期 starts a second line with the period, so neither breaks in the middle.
    day = "复查日期" if result.earlier is not None else "考核日期"
    when = (
        f"\n考核期：{p.label}（{span}）　　{day}：{date_cn(result.assessed_on)}"
        if result.assessed_on
        else f"　　考核期：{p.label}（{span}）"
    )
    return f"被考核单位：{clean(st.name)}　　驿站编号：{clean(st.code)}　　所属县（市、区）：{clean(st.county)}" + when


def form_title(result: StationResult) -> str:
    """随州市零工驿站2023年上半年运维考核验收表; a recheck's: …整改复查验收表."""
    what = "整改复查验收表" if result.earlier is not None else "运维考核验收表"
    return f"随州市零工驿站{result.period.label}{what}" + ("（暂定）" if result.provisional else "")


def recheck_texts(result: StationResult) -> tuple[tuple[str, str], ...]:
    """A recheck's form: the earlier result beside this one, and what the recheck decided."""
    if result.earlier is None:
        return ()
    now = f"{result.period.label}复查（{date_cn(result.assessed_on)}）：{result.final_overall}" + (
        "（暂定）" if result.provisional else ""
    )
    return (
        ("原考核结果", clean(earlier_text(result.earlier))),
        ("复查结果", clean(now)),
        ("复查结论", clean(recheck_decision(result))),
    )


def form_text(result: StationResult, rules_label: str, texts: TextTemplates) -> tuple[str, form_page.FormText]:
    """The form's title and its texts, as long as one page allows (see render/form_page)."""
    title = form_title(result)
    full = form_page.FormText(
        ident=identity_line(result),
        completions=tuple(completion_text(item, result, texts) for item in result.items),
        opinions=tuple(opinion_text(item, result.graded) for item in result.items),
        provisional=provisional_text(result) if result.provisional and result.graded else "",
        summary=overall_text(result, texts),
        recheck=recheck_texts(result),
    )
    return title, form_page.fit(result, full, title, clean(rules_label))


def _write_form_sheet(wb, fmt, result: StationResult, rules_label: str, texts: TextTemplates) -> form_page.FormText:
    ws = wb.add_worksheet(FORM_SHEET)
    widths = FORM_WIDTHS
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    last = len(widths) - 1
    title, text = form_text(result, rules_label, texts)
    layout = form_page.rows(result, text, title, clean(rules_label))
    for row, r in enumerate(layout):
        ws.set_row(row, r.height)
        if r.kind == "title":
            ws.merge_range(row, 0, row, last, r.cells[0], fmt["title"])
        elif r.kind == "ident":
            ws.merge_range(row, 0, row, last, r.cells[0], fmt["ident"])
        elif r.kind == "head":
            for c, h in enumerate(HEADER):
                ws.write_string(row, c, h, fmt["head"])
        elif r.kind == "item":
            for c, cell in enumerate(r.cells):
                style = "center" if c < 2 else ("opinion" if c == last else "cell")
                ws.write_string(row, c, clean(cell), fmt[style])
        elif r.kind == "recheck":
            ws.merge_range(row, 0, row, 1, r.cells[0], fmt["label"])
            ws.merge_range(row, 2, row, last, clean(r.cells[1]), fmt["cell"])
        elif r.kind in ("provisional", "summary"):
            ws.merge_range(row, 0, row, 1, "暂定" if r.kind == "provisional" else "考核验收情况", fmt["label"])
            ws.merge_range(row, 2, row, last, clean(r.cells[0]), fmt["cell"])
        elif r.kind == "sign":
            ws.merge_range(row, 0, row, 2, r.cells[0], fmt["sign"])
            ws.merge_range(row, 3, row, last, r.cells[1], fmt["sign"])
        else:
            ws.merge_range(row, 0, row, last, r.cells[0], fmt["small"])
    row = len(layout) - 1

    # One portrait page at >= 85 % (form_page made the texts fit it), the title repeated should
    # a spreadsheet program print it larger than planned.
    print_layout.setup(
        ws,
        widths,
        f"{title}　{clean(result.station.name)}",
        repeat=(0, 2),
        orientation="portrait",
        height_pt=sum(r.height for r in layout),
    )
    # One page: its footer says so, whatever the evidence sheet after it adds to the count.
    ws.set_footer(form_page.FOOTER, {"margin": print_layout.FORM_HEADER})
    ws.center_horizontally()
    ws.print_area(0, 0, row, last)
    return text


_CODE = re.compile(r"[A-Z]\d+")


def _targets_by_code(result: StationResult) -> dict[str, list[str]]:
    """Indicator code -> the targets graded on it, e.g. C1 -> ["≥400", "优秀≥480"]."""
    out: dict[str, list[str]] = {}
    span = ytd_span(result.period)
    for item in result.items:
        for r in item.requirements:
            text = _target_text(r, span)
            codes = _CODE.findall(r.code)
            if not text or not codes:
                continue
            # "A2≥A1" compares two figures: the target belongs to the first one only.
            for code in codes[:1] if r.kind == "compare" else codes:
                lst = out.setdefault(code, [])
                if text not in lst:
                    lst.append(text)
    return out


def _target_text(r: RequirementResult, span: str = "全年") -> str:
    """The target as the evidence sheet's last column says it; ``span``: the months a
    year-to-date limit counts (全年, 年初至6月)."""
    prefix = EXCELLENT if r.level == EXCELLENT else ""
    if r.kind == "monthly":
        return f"{prefix}每月达标"
    if r.target is None:
        return ""
    if r.kind == "ytd_max":
        if r.target == 0:
            return f"{prefix}无被核实投诉" if prefix else "不得有被核实投诉"
        return f"{prefix}{span}≤{r.target}"
    if r.kind == "compare":
        return f"{prefix}≥{r.target}（{r.code}）"
    return f"{prefix}≥{r.target}"


def _write_evidence_sheet(
    wb, fmt, result: StationResult, rules_label: str, said: form_page.FormText, texts: TextTemplates
) -> None:
    ws = wb.add_worksheet(EVIDENCE_SHEET)
    months = list(result.active_months)
    status = {s.month: s for s in result.month_sources}
    head = ["指标代码", "考核项目", "指标名称", "单位", *(month_short(m) for m in months), "合计", "指标"]
    # Narrow by design: a year of months prints on one landscape page at >= 85 %.
    widths = [6, 8, 22, 5, *([5.5] * len(months)), 9, 13]
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    last = len(head) - 1
    st = result.station

    title = f"佐证数据：{clean(st.name)}（{clean(st.code)}）{result.period.label}"
    ws.set_row(0, 28)
    ws.merge_range(0, 0, 0, last, title, fmt["title"])
    note = (
        "各月数值取自当月采用的报表；缺报、退回月份不计入合计，当月的月度要求按不达标计。"
        f"考核规则：{clean(rules_label)}"
    )
    ws.set_row(1, row_height([(note, sum(widths))], 9))
    ws.merge_range(1, 0, 1, last, note, fmt["small"])
    ws.set_row(2, 22)
    for c, h in enumerate(head):
        ws.write_string(2, c, h, fmt["ev_head"])

    targets = _targets_by_code(result)
    # The grid is most of a form's cells: what each month column holds is worked out
    # once (a month with no accepted report shows its status in every row), and the
    # formats and write methods are looked up once, not per cell.
    columns = []
    for j, m in enumerate(months):
        src = status.get(m)
        gap = src.status if src is not None and src.status != ACCEPTED else None
        columns.append((4 + j, gap, result.monthly.get(m, {})))
    text_f, gap_f, num_f, yes_f, sum_f = (fmt[k] for k in ("ev_text", "ev_gap", "ev_num", "ev_yes", "ev_sum"))
    # The library's (row, col) writers: write_* first look for A1 notation, a tenth of the
    # grid's cost. _write_string is where the masking worksheet masks, so text is masked still.
    write_string, write_number, write_blank = ws._write_string, ws._write_number, ws._write_blank
    sum_col = 4 + len(months)
    row = 3
    for ind in INDICATORS:
        code = ind.code
        target = "；".join(targets.get(code, ()))
        ws.set_row(row, row_height([(ind.name, widths[2]), (target, widths[-1])]))
        write_string(row, 0, code, text_f)
        write_string(row, 1, ind.item, text_f)
        write_string(row, 2, ind.name, text_f)
        write_string(row, 3, ind.unit, text_f)
        for col, gap, values in columns:
            if gap is not None:
                write_string(row, col, gap, gap_f)
                continue
            v = values.get(code)
            if v is None:
                write_blank(row, col, None, num_f)
            elif isinstance(v, bool):
                write_string(row, col, "是" if v else "否", yes_f)
            else:
                write_number(row, col, v, num_f)
        s = result.sums.get(code)
        if s is None:
            write_blank(row, sum_col, None, sum_f)
        elif ind.kind == YESNO or isinstance(s, bool):
            write_string(row, sum_col, f"{int(s)}个月为是", sum_f)
        else:
            write_number(row, sum_col, s, sum_f)
        write_string(row, last, target, text_f)
        row += 1

    row += 1
    ws.set_row(row, 22)
    ws.merge_range(row, 0, row, 1, "月份", fmt["ev_head"])
    ws.write_string(row, 2, "报表状态", fmt["ev_head"])
    ws.merge_range(row, 3, row, last, "报表文件", fmt["ev_head"])
    row += 1
    for src in result.month_sources:
        text = (
            clean(src.file)
            if src.file
            else {MISSING: "未收到报表", NOT_OPERATING: "驿站尚未运营或已停用"}.get(src.status, "")
        )
        status_text = "重报（采用最后一份）" if src.superseded and src.status == ACCEPTED else src.status
        if src.superseded:
            text += "\n被替代：" + "；".join(clean(f) for f in src.superseded)
        ws.set_row(row, row_height([(text, sum(widths[3:]))]))
        ws.merge_range(row, 0, row, 1, month_label(src.month), fmt["ev_text"])
        ws.write_string(row, 2, status_text, fmt["ev_text"])
        ws.merge_range(row, 3, row, last, text, fmt["ev_text"])
        row += 1

    if said.brief:
        row = _write_full_texts(ws, fmt, row + 1, result, texts, widths)

    ws.freeze_panes(3, 3)
    print_layout.setup(ws, widths, title, repeat=(0, 2), keep=3)


def _write_full_texts(ws, fmt, row: int, result: StationResult, texts: TextTemplates, widths) -> int:
    """The form's texts in full, where the form itself had room for the brief ones only."""
    last = len(widths) - 1
    wide = sum(widths[2:])
    ws.set_row(row, 22)
    ws.merge_range(row, 0, row, last, "考核验收表完成情况（全文）", fmt["ev_head"])
    row += 1
    entries = [
        (f"{item.number} {item.name}", completion_text(item, result, texts) + _decision_line(item))
        for item in result.items
    ]
    if result.provisional and result.graded:
        entries.append(("暂定", provisional_text(result)))
    entries.append(("考核验收情况", overall_text(result, texts)))
    for label, body in entries:
        body = clean(body)
        ws.set_row(row, row_height([(body, wide), (label, sum(widths[:2]))]))
        ws.merge_range(row, 0, row, 1, label, fmt["ev_text"])
        ws.merge_range(row, 2, row, last, body, fmt["ev_text"])
        row += 1
    return row


def _decision_line(item: ItemResult) -> str:
    d = item.decision
    if d is None:
        return ""
    if d.grade != item.computed:
        return f"\n考核组意见：{d.grade}（计算结果：{item.computed}），理由：{d.reason}"
    return f"\n考核组确认：{d.reason}"
