"""The city summary 随州市零工驿站<period>考核汇总表.xlsx: one workbook a clerk filters,
prints and reports from. Rendering only: every grade comes from the StationResults.

Over 400 lines because it is eleven sheets, one short function each, sharing one set of formats
(summary_book.Book); the 说明 sheet is in summary_notes.py, the monthly and history sheets in
summary_data.py, the data they show is computed in grade/.
"""

from __future__ import annotations

from pathlib import Path

from lingong.catalogue.issues import sort_key
from lingong.grade.city import CountyTally, city_tally, failed_facts
from lingong.layout import summary_name
from lingong.model.cells import a1
from lingong.model.periods import month_short, month_text, months_short
from lingong.model.records import FileOutcome, Issue, Period, Station, StationResult
from lingong.render import summary_data as sd
from lingong.render.form import (
    row_height,
)
from lingong.render.summary_book import COUNTY_W, TITLE_ROWS, Book, ordered_results
from lingong.render.summary_notes import notes_sheet
from lingong.render.wording import date_cn, rectification_text
from lingong.report_template import COUNTY_COLUMN, ITEMS
from lingong.runtime import outfiles
from lingong.runtime.outfiles import atomic_path, inside, new_xlsxwriter
from lingong.words import (
    ACCEPTED,
    EXCELLENT,
    FAIL,
    GRADES,
    MONTH_STATUSES,
    OPEN_CASE_STATES,
    PASS,
)

SHEETS = (
    "考核结果",
    "县区统计",
    "月度趋势",
    "指标完成",
    "报送情况",
    "月度明细",
    "整改名单",
    "历次考核",
    "预警",
    "校验问题",
    "说明",
)


def summary_path(out_dir: Path, period: Period) -> Path:
    return inside(Path(out_dir), summary_name(period.label))


def _item_cell(item) -> str:
    """The item's final grade; one the group changed shows the computed grade under it."""
    if item.decision is not None and item.decision.grade != item.computed:
        return f"{item.final}\n原{item.computed}"
    return item.final


def _decision_text(r: StationResult) -> str:
    parts = []
    for i in r.items:
        if i.decision is not None:
            parts.append(f"{i.name}：{i.decision.grade}（计算结果{i.computed}；{i.decision.reason}）")
    if r.overall_decision is not None:
        d = r.overall_decision
        parts.append(f"综合：{d.grade}（计算结果{r.computed_overall}；{d.reason}）")
    return "；".join(parts)


# What a reader compares prints on one page: the item grades, the computed and the final result
# and the rectification; 暂定, 缺报 and the group's reasons follow on the next column group.
RESULT_HEADERS = (
    COUNTY_COLUMN,
    "驿站编号",
    "驿站名称",
    *ITEMS,
    "计算综合等次",
    "最终结果",
    "整改状态",
    "整改期限",
    "暂定",
    "缺报月份",
    "考核组意见",
)
RESULT_BREAK = RESULT_HEADERS.index("暂定")


def _results_sheet(bk: Book, period: Period, results) -> None:
    when = next((r.assessed_on for r in results if r.assessed_on), None)
    ws = bk.sheet(
        "考核结果", f"随州市零工驿站{period.label}考核结果" + (f"（考核日期：{date_cn(when)}）" if when else "")
    )
    rows = []
    for r in results:
        tail = [r.rectification, date_cn(r.deadline)]
        if not r.graded:
            rows.append(
                [r.station.county, r.station.code, r.station.name, *([""] * len(ITEMS)), "", "本期未运营", *tail]
                + ["", "", ""]
            )
            continue
        items = {i.name: i for i in r.items}
        rows.append(
            [
                r.station.county,
                r.station.code,
                r.station.name,
                *(_item_cell(items[n]) if n in items else "" for n in ITEMS),
                r.computed_overall,
                r.final_overall + ("（暂定）" if r.provisional else ""),
                *tail,
                "暂定" if r.provisional else "",
                months_short(r.missing_months),
                _decision_text(r),
            ]
        )
    widths = [COUNTY_W, 8, 18, *([9] * len(ITEMS)), 8, 8, 8, 11, 5, 10, 34]
    end = bk.table(ws, list(RESULT_HEADERS), rows, widths, breaks=(RESULT_BREAK,))
    final_col = RESULT_HEADERS.index("最终结果")
    if end > TITLE_ROWS:
        for c0, c1 in ((3, 3 + len(ITEMS)), (final_col, final_col)):  # items and the computed overall
            rng = (TITLE_ROWS, c0, end - 1, c1)
            ws.conditional_format(*rng, {"type": "text", "criteria": "begins with", "value": FAIL, "format": bk.bad})
            ws.conditional_format(
                *rng, {"type": "text", "criteria": "begins with", "value": EXCELLENT, "format": bk.good}
            )


def _tally_row(t: CountyTally) -> list:
    """Graded stations, 优秀/合格/不合格 counts and shares, 缺报 stations and months, 暂定, not graded."""
    return [t.county, t.graded, *t.grades, *t.shares, t.missing_stations, t.missing_months, t.provisional, t.not_graded]


def _county_sheet(bk: Book, period: Period, results) -> None:
    ws = bk.sheet("县区统计", f"随州市零工驿站{period.label}考核县区统计")
    headers = [
        COUNTY_COLUMN,
        "参加考核驿站数",
        *GRADES,
        *(f"{g}占比" for g in GRADES),
        "有缺报的驿站数",
        "缺报月次",
        "暂定驿站数",
        "本期未运营驿站数",
    ]
    tally = city_tally(results)
    rows = [_tally_row(t) for t in tally.counties]
    widths = [COUNTY_W, 9, 7, 7, 7, 9, 9, 9, 9, 8, 8, 9]
    end = bk.table(ws, headers, rows, widths, filters=False, keep=1)
    for r in range(TITLE_ROWS, end):
        for c in range(5, 8):
            ws.write_number(r, c, rows[r - TITLE_ROWS][c], bk.pct)
    # 合计 row: plain values, so every reader (and the golden test) sees the numbers.
    total = _tally_row(tally.total)
    bk.cell(ws, end, 0, total[0], bk.bold)
    for c in (1, 2, 3, 4, 8, 9, 10, 11):
        bk.cell(ws, end, c, total[c], bk.bold_num)
    for c in (5, 6, 7):
        ws.write_number(end, c, total[c], bk.bold_pct)
    if rows:
        chart = bk.wb.add_chart({"type": "column"})
        colors = {EXCELLENT: "#70AD47", PASS: "#5B9BD5", FAIL: "#C00000"}
        for k, g in enumerate(GRADES):
            chart.add_series(
                {
                    "name": ["县区统计", TITLE_ROWS - 1, 2 + k],
                    "categories": ["县区统计", TITLE_ROWS, 0, end - 1, 0],
                    "values": ["县区统计", TITLE_ROWS, 2 + k, end - 1, 2 + k],
                    "fill": {"color": colors[g]},
                    "data_labels": {"value": True},
                }
            )
        chart.set_title(
            {"name": f"{period.label}各县（市、区）考核等次", "name_font": {"name": outfiles.FONT, "size": 12}}
        )
        chart.set_x_axis({"num_font": {"name": outfiles.FONT}})
        y_axis = {"name": "驿站数", "min": 0, "num_format": "0", "name_font": {"name": outfiles.FONT}}
        if max((max(row[2:5]) for row in rows), default=0) <= 10:
            y_axis["major_unit"] = 1  # small counts: no 0.5 steps
        chart.set_y_axis(y_axis)
        chart.set_legend({"position": "bottom", "font": {"name": outfiles.FONT}})
        chart.set_size({"width": 640, "height": 320})
        ws.insert_chart(end + 2, 0, chart)


def _graded_columns(results) -> list[tuple[str, str, str, str]]:
    """(key, header label, kind, unit) of every 合格 figure requirement, in first-seen order.
    Monthly requirements are listed as failed months in one text column instead: a
    count of months met next to the months operated says less than the months themselves."""
    seen: dict[str, tuple[str, str, str, str]] = {}
    for r in results:
        for item in r.items:
            for q in item.requirements:
                if q.level != EXCELLENT and q.kind != "monthly" and q.key not in seen:
                    seen[q.key] = (q.key, f"{q.label}（{q.code}）", q.kind, q.unit)
    return list(seen.values())


def monthly_failures(res: StationResult) -> str:
    """ "A3 服务制度规范已建立：3月、5月；D2 …" for every 合格 monthly requirement not met."""
    return "；".join(
        f"{q.code} {q.label}：{months_short(q.failed_months)}"
        for i in res.items
        for q in i.requirements
        if q.level != EXCELLENT and q.kind == "monthly" and not q.met
    )


def _indicators_sheet(bk: Book, period: Period, results) -> None:
    ws = bk.sheet("指标完成", f"随州市零工驿站{period.label}指标完成情况（红色为未达到指标）")
    cols = _graded_columns(results)
    # Two header lines: the requirement over its 完成 / 指标 pair.
    header_row = 2
    fixed = (COUNTY_COLUMN, "驿站编号", "驿站名称", "运营月数")
    for c, h in enumerate(fixed):
        ws.merge_range(1, c, 2, c, h, bk.head)
    for k, (_, label, kind, unit) in enumerate(cols):
        c = 4 + 2 * k
        ws.merge_range(1, c, 1, c + 1, label, bk.head)
        ws.write_string(2, c, "完成" if kind != "ytd_max" else "累计", bk.head)
        ws.write_string(2, c + 1, "指标" if kind != "ytd_max" else "上限", bk.head)
    text_col = 4 + 2 * len(cols)
    ws.merge_range(1, text_col, 2, text_col, "月度要求未达标的月份", bk.head)
    ws.set_row(1, row_height([(label, 11) for _, label, _, _ in cols], minimum=30))
    r = header_row + 1
    for res in results:
        if not res.graded:
            continue
        by_key = {q.key: q for i in res.items for q in i.requirements}
        failures = monthly_failures(res)
        bk.cell(ws, r, 0, res.station.county)
        bk.cell(ws, r, 1, res.station.code)
        bk.cell(ws, r, 2, res.station.name)
        bk.cell(ws, r, 3, len(res.active_months))
        for k, (key, _, kind, _) in enumerate(cols):
            q = by_key.get(key)
            c = 4 + 2 * k
            bk.cell(ws, r, c, q.figure if q else None)
            bk.cell(ws, r, c + 1, q.target if q else None)
        bk.cell(ws, r, text_col, failures)
        bk.fit_row(ws, r, [res.station.county, res.station.code, res.station.name, failures], [COUNTY_W, 8, 18, 36])
        r += 1
    ws.set_column(0, 0, COUNTY_W)
    ws.set_column(1, 1, 8)
    ws.set_column(2, 2, 18)
    ws.set_column(3, 3, 5)
    if cols:
        ws.set_column(4, text_col - 1, 5.5)
    ws.set_column(text_col, text_col, 36)
    ws.freeze_panes(header_row + 1, 3)
    bk.print_setup(ws, [COUNTY_W, 8, 18, 5, *([5.5] * (2 * len(cols))), 36], header_rows=(1, header_row))
    ws.autofilter(header_row, 0, max(r - 1, header_row), text_col)
    if r > header_row + 1:
        for k, (_, _, kind, _) in enumerate(cols):
            c = 4 + 2 * k
            a = a1(header_row + 1, c)
            b = a1(header_row + 1, c + 1)
            op = ">" if kind == "ytd_max" else "<"
            ws.conditional_format(
                header_row + 1,
                c,
                r - 1,
                c,
                {"type": "formula", "criteria": f"=AND(ISNUMBER({a}),ISNUMBER({b}),{a}{op}{b})", "format": bk.bad},
            )
        ws.conditional_format(header_row + 1, text_col, r - 1, text_col, {"type": "no_blanks", "format": bk.bad})


def _submission_text(src) -> tuple[str, str]:
    if src.status == ACCEPTED and src.superseded:
        return f"重报（采用 {Path(src.file).name}）", "重报"
    return src.status, src.status


def _submissions_sheet(bk: Book, period: Period, results) -> None:
    ws = bk.sheet("报送情况", f"随州市零工驿站{period.label}报送情况（采用 / 缺报 / 退回 / 重报 / 未运营）")
    months = list(period.months)
    headers = [COUNTY_COLUMN, "驿站编号", "驿站名称", *(month_short(m) for m in months), *MONTH_STATUSES]
    widths = [COUNTY_W, 9, 22, *([9] * len(months)), 6, 6, 6]
    end = bk.table(ws, headers, [], widths)
    r = end
    for res in results:
        by_month = {s.month: s for s in res.month_sources}
        bk.cell(ws, r, 0, res.station.county)
        bk.cell(ws, r, 1, res.station.code)
        bk.cell(ws, r, 2, res.station.name)
        for j, m in enumerate(months):
            src = by_month.get(m)
            if src is None:
                bk.cell(ws, r, 3 + j, "")
                continue
            text, key = _submission_text(src)
            bk.cell(ws, r, 3 + j, text, bk.status.get(key, bk.text))
        bk.fit_row(
            ws,
            r,
            [
                res.station.county,
                res.station.code,
                res.station.name,
                *(_submission_text(s)[0] for s in res.month_sources if s.month in months),
            ],
            widths,
        )
        statuses = [s.status for s in res.month_sources]
        for k, s in enumerate(MONTH_STATUSES):
            bk.cell(ws, r, 3 + len(months) + k, statuses.count(s))
        r += 1
    ws.autofilter(TITLE_ROWS - 1, 0, max(r - 1, TITLE_ROWS - 1), len(headers) - 1)
    ws.freeze_panes(TITLE_ROWS, 3)


def _rectify_sheet(bk: Book, period: Period, results) -> None:
    ws = bk.sheet("整改名单", f"随州市零工驿站{period.label}整改名单（限期整改、建议取消）")
    headers = [
        COUNTY_COLUMN,
        "驿站编号",
        "驿站名称",
        "最终结果",
        "整改状态",
        "不合格项目",
        "原因",
        "整改期限",
        "暂定",
        "整改说明",
    ]
    rows = []
    for res in results:
        if res.rectification not in OPEN_CASE_STATES:
            continue
        failed = failed_facts(res)
        rows.append(
            [
                res.station.county,
                res.station.code,
                res.station.name,
                res.final_overall,
                res.rectification,
                "、".join(failed.names),
                failed.text,
                date_cn(res.deadline),
                "暂定" if res.provisional else "",
                rectification_text(res),
            ]
        )
    bk.table(ws, headers, rows, [COUNTY_W, 9, 22, 8, 9, 22, 40, 13, 6, 40])


def _risk_sheet(bk: Book, period: Period, results) -> None:
    ws = bk.sheet("预警", f"随州市零工驿站{period.label}预警：按目前进度可能完不成全年要求的驿站")
    headers = [COUNTY_COLUMN, "驿站编号", "驿站名称", "要求", "已完成", "全年指标", "还需", "剩余月数", "提示"]
    rows = [
        [
            res.station.county,
            res.station.code,
            res.station.name,
            a.label,
            a.figure,
            a.year_target,
            a.needed,
            a.months_left,
            a.text,
        ]
        for res in results
        for a in res.at_risk
    ]
    bk.table(ws, headers, rows, [COUNTY_W, 9, 22, 16, 7, 8, 6, 8, 26])


def _issues_sheet(bk: Book, period: Period, issues, stations: dict[str, Station]) -> None:
    ws = bk.sheet("校验问题", f"随州市零工驿站{period.label}校验问题（按县区、驿站排序）")
    headers = [
        "严重程度",
        COUNTY_COLUMN,
        "驿站编号",
        "驿站名称",
        "月份",
        "文件",
        "工作表",
        "单元格",
        "问题",
        "发现",
        "应为",
        "处理建议",
        "代码",
    ]
    rows = []
    for i in sorted(issues, key=lambda i: sort_key(i, stations)):
        st = stations.get(i.station)
        rows.append(
            [
                i.severity,
                st.county if st else "",
                i.station,
                st.name if st else "",
                month_text(i.month),
                i.file,
                i.sheet,
                i.cell,
                i.message,
                i.found,
                i.expected,
                i.hint,
                i.code,
            ]
        )
    bk.table(ws, headers, rows, [7, 12, 9, 18, 9, 22, 9, 7, 34, 16, 12, 26, 6], keep=3)


def write_summary(
    path: Path,
    *,
    period: Period,
    results: list[StationResult],
    issues: list[Issue],
    outcomes: list[FileOutcome],
    stations: dict[str, Station],
    rules_info: dict,
    run_info: dict,
    history: list | None = None,
) -> None:
    """Write the city summary workbook to ``path`` atomically (sheets in SHEETS order).
    ``history``: history_view.PeriodResult rows of every recorded period (this run's included)."""
    ordered = ordered_results(results)
    with atomic_path(Path(path)) as tmp:
        wb = new_xlsxwriter(tmp)
        bk = Book(wb)
        _results_sheet(bk, period, ordered)
        _county_sheet(bk, period, ordered)
        sd.trend_sheet(bk, period, ordered)
        _indicators_sheet(bk, period, ordered)
        _submissions_sheet(bk, period, ordered)
        sd.detail_sheet(bk, period, ordered)
        _rectify_sheet(bk, period, ordered)
        sd.history_sheet(bk, period, ordered, history or [])
        _risk_sheet(bk, period, ordered)
        _issues_sheet(bk, period, issues, stations)
        notes_sheet(bk, period, ordered, outcomes, rules_info, run_info)
        bk.print_areas()
        wb.close()
