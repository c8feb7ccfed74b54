"""The city summary 随州市零工驿站<period>考核汇总表.xlsx: one workbook a clerk filters,
prints and reports from. Rendering only: every grade comes from the StationResults.

Over 300 lines because it is eleven sheets, one short function each, sharing one set of formats
(_Book); the data they show is computed in grade/ and render/summary_data.py.
"""

from __future__ import annotations

from pathlib import Path

from lingong.grade.city import CountyTally, city_tally, failed_facts
from lingong.layout import summary_name
from lingong.model.cells import a1
from lingong.model.periods import PERIOD_TAGS, month_label, month_short, months_short
from lingong.model.records import FileOutcome, Issue, Period, Station, StationResult
from lingong.render import print_layout
from lingong.render import summary_data as sd
from lingong.render.form import (
    TITLE_FONT,
    clean,
    date_text,
    row_height,
)
from lingong.render.wording import date_cn, rectification_text
from lingong.runtime import outfiles
from lingong.runtime.outfiles import atomic_path, inside, new_xlsxwriter
from lingong.spec.issues import sort_key
from lingong.spec.template import ITEMS, county_order
from lingong.spec.vocab import (
    ACCEPTED,
    EXCELLENT,
    FAIL,
    GRADES,
    KIND_LABELS,
    MISSING,
    MONTH_STATUSES,
    NOT_OPERATING,
    PASS,
    RECTIFY_STATES,
    RETURNED,
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
TITLE_ROWS = 2  # title line + header line above every table
COUNTY_W = 16  # 大洪山风景名胜区 on one line

_STATUS_COLORS = {
    ACCEPTED: "#E2EFDA",
    "重报": "#DDEBF7",
    MISSING: "#FCE4D6",
    RETURNED: "#F8CBAD",
    NOT_OPERATING: "#EDEDED",
}


def summary_path(out_dir: Path, period: Period) -> Path:
    return inside(Path(out_dir), summary_name(period.label))


def _ordered(results: list[StationResult]) -> list[StationResult]:
    return sorted(results, key=lambda r: (county_order(r.station.county), r.station.code))


class _Book:
    """Formats and the table helper shared by every sheet."""

    def __init__(self, wb):
        self.wb = wb
        self.titles: dict[str, str] = {}
        base = {"font_name": outfiles.FONT, "font_size": 10, "valign": "vcenter", "text_wrap": True}
        f = lambda **kw: wb.add_format({**base, **kw})  # noqa: E731
        self.title = f(font_name=TITLE_FONT, font_size=14, text_wrap=False)
        self.head = f(bold=True, align="center", border=1, bg_color="#D9E1F2")
        self.text = f(border=1)
        self.num = f(border=1, num_format="0")
        self.pct = f(border=1, num_format="0.0%")
        self.bold = f(border=1, bold=True)
        self.bold_num = f(border=1, bold=True, num_format="0")
        self.bold_pct = f(border=1, bold=True, num_format="0.0%")
        self.bad = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.good = wb.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})
        self.status = {k: f(border=1, align="center", bg_color=c) for k, c in _STATUS_COLORS.items()}

    def sheet(self, name: str, title: str, landscape: bool = True):
        """A sheet with its title row; ``print_setup`` lays out its pages once its widths are known."""
        ws = self.wb.add_worksheet(name)
        ws.set_row(0, 24)
        ws.write_string(0, 0, title, self.title)
        self.titles[name] = title
        return ws

    def print_setup(self, ws, widths, *, header_rows=(TITLE_ROWS - 1, TITLE_ROWS - 1), keep: int = 3, breaks=()):
        """The print policy (lingong.render.print_layout); ``keep``: the identifying columns
        (县区、编号、名称) repeated on every column group when the sheet is split."""
        print_layout.setup(ws, widths, self.titles[ws.name], repeat=header_rows, keep=keep, breaks=breaks)

    def print_areas(self) -> None:
        """Each titled sheet prints from its header row: the page header carries the title on
        every page, and a title left in row 1 would be cut on the pages of a column group."""
        for ws in self.wb.worksheets():
            if ws.name in self.titles and ws.dim_rowmax is not None:
                chart_rows = 40 if ws.charts else 0  # charts under the table: their rows too
                ws.print_area(1, 0, ws.dim_rowmax + chart_rows, ws.dim_colmax)

    def cell(self, ws, r: int, c: int, value, fmt=None):
        """Every value goes through here: text as text (never a formula or link), numbers as numbers."""
        if value is None or value == "":
            ws.write_blank(r, c, None, fmt or self.text)
        elif isinstance(value, bool):
            ws.write_string(r, c, "是" if value else "否", fmt or self.text)
        elif isinstance(value, (int, float)):
            ws.write_number(r, c, value, fmt or self.num)
        else:
            ws.write_string(r, c, clean(value), fmt or self.text)

    @staticmethod
    def fit_row(ws, r: int, values, widths) -> None:
        """Spreadsheet programs do not all grow rows for wrapped text: set the height."""
        pairs = [(clean(v), w) for v, w in zip(values, widths) if isinstance(v, str) and v]
        if pairs:
            ws.set_row(r, row_height(pairs, minimum=16))

    def table(
        self, ws, headers, rows, widths, *, header_row: int = TITLE_ROWS - 1, filters=True, keep: int = 3, breaks=()
    ) -> int:
        """Header, rows, widths, frozen header, filter and print setup; returns the row after the table."""
        self.print_setup(ws, widths, header_rows=(header_row, header_row), keep=keep, breaks=breaks)
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        for c, h in enumerate(headers):
            ws.write_string(header_row, c, h, self.head)
        self.fit_row(ws, header_row, headers, widths)
        r = header_row + 1
        for row in rows:
            for c, v in enumerate(row):
                self.cell(ws, r, c, v)
            self.fit_row(ws, r, row, widths)
            r += 1
        ws.freeze_panes(header_row + 1, 0)
        if filters:
            ws.autofilter(header_row, 0, max(r - 1, header_row), len(headers) - 1)
        return r


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
    "所属县（市、区）",
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


def _results_sheet(bk: _Book, period: Period, results) -> None:
    when = next((r.assessed_on for r in results if r.assessed_on), None)
    ws = bk.sheet(
        "考核结果", f"随州市零工驿站{period.label}考核结果" + (f"（考核日期：{date_cn(when)}）" if when else "")
    )
    rows = []
    for r in results:
        tail = [r.rectification, date_text(r.deadline)]
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


def _county_sheet(bk: _Book, period: Period, results) -> None:
    ws = bk.sheet("县区统计", f"随州市零工驿站{period.label}考核县区统计", landscape=False)
    headers = [
        "所属县（市、区）",
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


def _indicators_sheet(bk: _Book, period: Period, results) -> None:
    ws = bk.sheet("指标完成", f"随州市零工驿站{period.label}指标完成情况（红色为未达到指标）")
    cols = _graded_columns(results)
    # Two header lines: the requirement over its 完成 / 指标 pair.
    header_row = 2
    fixed = ("所属县（市、区）", "驿站编号", "驿站名称", "运营月数")
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


def _submissions_sheet(bk: _Book, period: Period, results) -> None:
    ws = bk.sheet("报送情况", f"随州市零工驿站{period.label}报送情况（采用 / 缺报 / 退回 / 重报 / 未运营）")
    months = list(period.months)
    headers = ["所属县（市、区）", "驿站编号", "驿站名称", *(month_short(m) for m in months), *MONTH_STATUSES]
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


def _rectify_sheet(bk: _Book, period: Period, results) -> None:
    ws = bk.sheet("整改名单", f"随州市零工驿站{period.label}整改名单（限期整改、建议取消）")
    headers = [
        "所属县（市、区）",
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
        if res.rectification not in RECTIFY_STATES:
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
                date_text(res.deadline),
                "暂定" if res.provisional else "",
                rectification_text(res),
            ]
        )
    bk.table(ws, headers, rows, [COUNTY_W, 9, 22, 8, 9, 22, 40, 13, 6, 40])


def _risk_sheet(bk: _Book, period: Period, results) -> None:
    ws = bk.sheet("预警", f"随州市零工驿站{period.label}预警：按目前进度可能完不成全年要求的驿站")
    headers = ["所属县（市、区）", "驿站编号", "驿站名称", "要求", "已完成", "全年指标", "还需", "剩余月数", "提示"]
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


def _issues_sheet(bk: _Book, period: Period, issues, stations: dict[str, Station]) -> None:
    ws = bk.sheet("校验问题", f"随州市零工驿站{period.label}校验问题（按县区、驿站排序）")
    headers = [
        "严重程度",
        "所属县（市、区）",
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
                month_label(i.month) if _is_month(i.month) else i.month,
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


def _is_month(text: str) -> bool:
    return len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit()


def _notes_sheet(bk: _Book, period: Period, results, outcomes, rules_info: dict, run_info: dict) -> None:
    ws = bk.sheet("说明", f"随州市零工驿站{period.label}考核汇总表说明", landscape=False)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 70)
    kinds = {}
    for o in outcomes:
        kinds[o.kind] = kinds.get(o.kind, 0) + 1
    statuses = {}
    for o in outcomes:
        if o.status:
            statuses[o.status] = statuses.get(o.status, 0) + 1
    span = f"{month_label(period.months[0])}至{month_label(period.months[-1])}"
    rows = [
        ("考核期", f"{period.label}（{span}）"),
        (
            "参加考核驿站",
            f"{sum(1 for r in results if r.graded)} 个（本期未运营 {sum(1 for r in results if not r.graded)} 个）",
        ),
        ("考核规则", rules_info.get("title", "")),
        (
            "月度报表",
            f"读取 {kinds.get('report', 0)} 份：" + "，".join(f"{k} {v} 份" for k, v in sorted(statuses.items())),
        ),
        ("跳过的文件", f"{kinds.get('skipped', 0)} 个"),
        ("无法读取的文件", f"{kinds.get('rejected', 0)} 个"),
        ("读取时仍在变化的文件", f"{kinds.get('unstable', 0)} 个（下次运行再处理）"),
    ]
    for k in sorted(run_info):
        if k in _DEVELOPER_KEYS:  # paths and ids are in 运行记录.json, not where a clerk reads
            continue
        v = run_info[k]
        if k == "assessed_on" and v:
            v = month_label(v[:7]) + f"{int(v[8:])}日"
        if isinstance(v, dict):
            v = "，".join(f"{KIND_LABELS.get(a, a)} {b}" for a, b in sorted(v.items()))
        elif isinstance(v, bool):
            v = "是" if v else "否"
        rows.append((_RUN_LABELS.get(k, k), str(v)))
    rows.append(
        (
            "等次说明",
            "综合等次：任一项目不合格为不合格；无不合格且至少 4 项优秀为优秀；其余为合格。"
            "考核组意见改定的等次已标注。暂定：本期有报表被退回，待重新报送后复核。",
        )
    )
    rows.extend(_rule_rows(rules_info.get("values", {})))
    r = bk.table(ws, ["项目", "内容"], rows, [24, 70], filters=False, keep=0)
    unused = [o for o in outcomes if o.kind in ("skipped", "rejected", "unstable")]
    if unused:
        r += 1
        ws.write_string(r, 0, "未使用的文件", bk.head)
        ws.write_string(r, 1, "原因", bk.head)
        r += 1
        for o in sorted(unused, key=lambda o: o.file):
            bk.cell(ws, r, 0, o.file)
            bk.cell(ws, r, 1, o.reason or o.kind)
            bk.fit_row(ws, r, [o.file, o.reason or o.kind], [24, 70])
            r += 1


_DEVELOPER_KEYS = {"input_dir", "input", "run_id"}
_ROUNDING = {"up": "向上取整", "nearest": "四舍五入", "down": "向下取整"}


def _rule_rows(values: dict) -> list[tuple[str, str]]:
    """The rules' general settings in words (each item's targets are on the forms)."""
    import json

    v = values.get
    rows = []
    if v("targets.prorate_rounding"):
        rows.append(("目标折算", f"半年目标按运营月数折算，{_ROUNDING.get(v('targets.prorate_rounding'), '')}"))
    if v("targets.excellent_ratio"):
        ratio = float(v("targets.excellent_ratio"))
        rows.append(
            ("优秀比例", f"优秀要求为合格指标的 {ratio:.0%}，{_ROUNDING.get(v('targets.ratio_rounding'), '向上取整')}")
        )
    if v("overall.fail_items") and v("overall.excellent_items"):
        rows.append(
            (
                "综合等次",
                f"{v('overall.fail_items')} 项及以上不合格为不合格；无不合格且至少 "
                f"{v('overall.excellent_items')} 项优秀为优秀；其余为合格",
            )
        )
    if v("rectification.deadline_days"):
        rows.append(("整改期限", f"考核日期后 {v('rectification.deadline_days')} 天"))
    if v("at_risk.periods"):
        try:
            periods = json.loads(v("at_risk.periods"))
        except (TypeError, ValueError):
            periods = []
        names = "、".join(PERIOD_TAGS[p] for p in periods if p in PERIOD_TAGS)
        if names:
            rows.append(("全年进度预警", f"{names}考核时提示按目前进度可能完不成全年要求的驿站"))
    return rows


_RUN_LABELS = {
    "version": "工具版本",
    "tool_version": "工具版本",
    "run_id": "运行编号",
    "started_at": "生成时间",
    "input": "输入文件夹",
    "input_dir": "输入文件夹",
    "counts": "统计",
    "period": "考核期代码",
    "recheck": "整改复核",
    "files": "输入文件（按类别）",
    "assessed_on": "考核日期",
}


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
    ordered = _ordered(results)
    with atomic_path(Path(path)) as tmp:
        wb = new_xlsxwriter(tmp)
        bk = _Book(wb)
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
        _notes_sheet(bk, period, ordered, outcomes, rules_info, run_info)
        bk.print_areas()
        wb.close()
