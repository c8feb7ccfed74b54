"""The formats and the table helper every sheet of the city summary shares (one ``Book`` a
workbook): text always as text, numbers as numbers, row heights for wrapped text, and the
print policy of render/print_layout.py on every sheet."""

from __future__ import annotations

from lingong.model.records import StationResult
from lingong.render import print_layout
from lingong.render.cell_text import clean
from lingong.render.form import TITLE_FONT, row_height
from lingong.report_template import county_order
from lingong.runtime import outfiles
from lingong.words import ACCEPTED, MISSING, NOT_OPERATING, RETURNED

TITLE_ROWS = 2  # title line + header line above every table


COUNTY_W = 16  # 大洪山风景名胜区 on one line


_STATUS_COLORS = {
    ACCEPTED: "#E2EFDA",
    "重报": "#DDEBF7",
    MISSING: "#FCE4D6",
    RETURNED: "#F8CBAD",
    NOT_OPERATING: "#EDEDED",
}


def ordered_results(results: list[StationResult]) -> list[StationResult]:
    return sorted(results, key=lambda r: (county_order(r.station.county), r.station.code))


class Book:
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

    def sheet(self, name: str, title: str):
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
