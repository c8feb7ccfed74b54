"""The 汇总表's data sheets: 月度趋势 (monthly totals and a line chart), 月度明细 (one
row per operating station-month, an Excel table a clerk pivots at once) and 历次考核
(every recorded period's final grade and rectification state). Rendering only: the
rows come from lingong.grade.monthly and lingong.grade.history_view.
"""

from __future__ import annotations

from datetime import date

from lingong.grade.history_view import PeriodResult, grade_text, period_label, periods_of, with_current
from lingong.grade.monthly import CITY, HEADERS, TREND_CODES, indicator_header, month_rows, trend
from lingong.grade.rectification import period_order
from lingong.model.periods import month_short
from lingong.model.records import Period, StationResult
from lingong.render import print_layout
from lingong.render.wording import date_cn
from lingong.report_template import COUNTY_COLUMN, COUNTY_GROUP, county_order
from lingong.runtime import outfiles
from lingong.words import ON_NOTICE

TREND_SHEET, DETAIL_SHEET, HISTORY_SHEET = "月度趋势", "月度明细", "历次考核"
TREND_LABELS = {"C1": "收集岗位", "C2": "求职登记", "C3": "人岗匹配", "D1": "宣传推广", "D2": "政策宣传"}


def trend_sheet(bk, period: Period, results: list[StationResult]) -> None:
    """The city's monthly totals first (charted), then every county's, one row per month."""
    ws = bk.sheet(TREND_SHEET, f"随州市零工驿站{period.label}月度趋势（采用报表的合计）")
    data = trend(month_rows(results), period.months)
    headers = [COUNTY_GROUP, "月份", *(indicator_header(c) for c in TREND_CODES)]
    rows = [
        [area, month_short(m), *(by_code[c] for c in TREND_CODES)]
        for area, by_month in data.items()
        for m, by_code in by_month.items()
    ]
    widths = [16, 8, *([12] * len(TREND_CODES))]
    end = bk.table(ws, headers, rows, widths, keep=0)
    # The charts go under the table, together on a page of their own: never cut by a page edge.
    chart_row = end + 1
    ws.set_h_pagebreaks([chart_row])
    first, last = 2, 1 + len(period.months)  # the 全市 rows
    if not results:
        return
    chart = bk.wb.add_chart({"type": "line"})
    for k, code in enumerate(TREND_CODES):
        chart.add_series(
            {
                "name": f"{code} {TREND_LABELS[code]}",
                "categories": [TREND_SHEET, first, 1, last, 1],
                "values": [TREND_SHEET, first, 2 + k, last, 2 + k],
                "marker": {"type": "circle", "size": 5},
                # Promotions count in tens, jobs in thousands: their own axis keeps them readable.
                "y2_axis": code.startswith("D"),
            }
        )
    chart.set_title(
        {"name": f"{period.label}{CITY}各月供求服务与宣传推广", "name_font": {"name": outfiles.FONT, "size": 12}}
    )
    chart.set_x_axis({"num_font": {"name": outfiles.FONT}})
    chart.set_y_axis({"name": "岗位、人次、人数", "min": 0, "num_format": "0", "name_font": {"name": outfiles.FONT}})
    chart.set_y2_axis({"name": "宣传次数", "min": 0, "num_format": "0", "name_font": {"name": outfiles.FONT}})
    chart.set_legend({"position": "bottom", "font": {"name": outfiles.FONT}})
    chart.set_size({"width": 640, "height": 280})
    ws.insert_chart(chart_row, 0, chart)
    # Each county's block of rows follows the city's: one line per county, jobs posted (C1).
    counties = [a for a in data if a != CITY]
    by_county = bk.wb.add_chart({"type": "line"})
    n = len(period.months)
    for k, county in enumerate(counties, start=1):
        top = first + k * n
        by_county.add_series(
            {
                "name": county,
                "categories": [TREND_SHEET, top, 1, top + n - 1, 1],
                "values": [TREND_SHEET, top, 2, top + n - 1, 2],
                "marker": {"type": "circle", "size": 5},
            }
        )
    by_county.set_title(
        {
            "name": f"{period.label}各县（市、区）每月收集岗位（C1）",
            "name_font": {"name": outfiles.FONT, "size": 12},
        }
    )
    by_county.set_x_axis({"num_font": {"name": outfiles.FONT}})
    by_county.set_y_axis({"name": "岗位数", "min": 0, "num_format": "0", "name_font": {"name": outfiles.FONT}})
    by_county.set_legend({"position": "bottom", "font": {"name": outfiles.FONT}})
    by_county.set_size({"width": 640, "height": 280})
    ws.insert_chart(chart_row, 0, by_county, {"y_offset": 290})


def detail_sheet(bk, period: Period, results: list[StationResult]) -> None:
    """An Excel table (ListObject) with filters: a screen sheet, not a printed page."""
    ws = bk.wb.add_worksheet(DETAIL_SHEET)
    rows = month_rows(results)
    widths = [16, 9, 22, 8, 8, 36, *([10] * (len(HEADERS) - 6))]
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row.cells()):
            bk.cell(ws, r, c, v, bk.status.get(v) if c == 4 else None)
    ws.add_table(
        0,
        0,
        max(len(rows), 1),
        len(HEADERS) - 1,
        {
            "name": "月度明细",
            "style": "Table Style Light 9",
            "columns": [{"header": h, "header_format": bk.head} for h in HEADERS],
        },
    )
    ws.set_row(0, 42)
    ws.freeze_panes(1, 3)
    # A filter table for the screen, wider than any page: on paper in column groups, each
    # repeating 县区、编号、名称, as the other sheets.
    print_layout.setup(ws, widths, f"随州市零工驿站{period.label}月度明细", repeat=(0, 0), keep=3)


def history_sheet(bk, period: Period, results: list[StationResult], history: list[PeriodResult]) -> None:
    """One row per station, two columns per recorded period (oldest first); this run's
    period always from its own results, recorded or not."""

    history = with_current(history, results, period_order(period))
    ws = bk.sheet(HISTORY_SHEET, "随州市零工驿站历次考核（最终等次、整改状态；随考核历史数据库更新）")
    periods = periods_of(history)
    known = {r.station.code: r.station for r in results}
    codes = sorted(
        {h.station for h in history} | set(known),
        key=lambda c: (county_order(known[c].county) if c in known else (99, ""), c),
    )
    by = {(h.station, h.period): h for h in history}
    headers = [COUNTY_COLUMN, "驿站编号", "驿站名称"]
    for p in periods:
        headers += [f"{period_label(p)}最终等次", f"{period_label(p)}整改状态"]
    rows = []
    for code in codes:
        st = known.get(code)
        row = [st.county if st else "", code, st.name if st else "（不在本次名册中）"]
        for p in periods:
            h = by.get((code, p))
            row += [grade_text(h) if h else "", _rect_text(h) if h else ""]
        rows.append(row)
    bk.table(ws, headers, rows, [16, 9, 22, *([11] * (2 * len(periods)))])
    ws.freeze_panes(2, 3)


def _rect_text(h: PeriodResult) -> str:
    if h.rectification == ON_NOTICE and h.deadline:
        return f"限期整改（{date_cn(date.fromisoformat(h.deadline))}前）"
    return h.rectification
