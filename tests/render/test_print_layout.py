"""The print plan: A4 at >= 85 %, wide sheets in column groups that fit their page."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
import xlsxwriter

from lingong.render import print_layout as pl


def _group_px(widths, lay: pl.Layout, digit=pl.DIGIT_PX) -> list[float]:
    px = [pl.column_px(w, digit) for w in widths]
    starts = [0, *lay.breaks, len(px)]
    kept = sum(px[: lay.keep])
    return [kept * (a > 0) + sum(px[max(a, lay.keep if a else 0) : b]) for a, b in zip(starts, starts[1:])]


@pytest.mark.parametrize(
    "widths, keep",
    [
        ([24, 70], 0),
        ([16, 9, 7, 7, 7, 9, 9, 9, 9, 8, 8, 9], 0),
        ([16, 8, 18, *([8] * 6), 8, 34, 8, 10, 5, 8, 11], 3),
        ([16, 9, 22, 8, 8, 36, *([10] * 30)], 3),
        ([60] * 8, 0),
    ],
)
def test_every_group_fits_its_page_at_the_chosen_scale(widths, keep):
    lay = pl.plan(widths, keep=keep)
    assert pl.MIN_SCALE <= lay.scale <= 100
    page = pl.printable_px(lay.landscape) * 100 / lay.scale
    groups = _group_px(widths, lay)
    assert all(g <= page for g in groups), (groups, page)
    assert list(lay.breaks) == sorted(set(lay.breaks)) and all(0 < b < len(widths) for b in lay.breaks)


def test_a_narrow_sheet_is_one_page_wide_at_full_size():
    lay = pl.plan([24, 50])
    assert (lay.scale, lay.breaks, lay.landscape) == (100, (), False)


def test_a_sheet_a_little_too_wide_is_scaled_not_split():
    widths = [10] * 13  # about 1.1 landscape widths
    lay = pl.plan(widths)
    assert lay.breaks == () and lay.landscape and pl.MIN_SCALE <= lay.scale < 100


def test_groups_are_balanced_no_orphan_column():
    widths = [16, 9, 22, *([10] * 25)]
    lay = pl.plan(widths, keep=3)
    groups = _group_px(widths, lay)
    assert len(groups) > 1 and lay.keep == 3
    assert min(groups) >= 0.6 * max(groups), groups


def test_forced_break_starts_a_group():
    lay = pl.plan([10, 10, 10, 10], breaks=(2,))
    assert 2 in lay.breaks


def test_a_form_fits_one_page_when_that_keeps_it_readable():
    assert pl.plan([10] * 8, orientation="portrait", height_pt=900).scale >= pl.MIN_SCALE
    tall = pl.plan([10] * 8, orientation="portrait", height_pt=3000)
    assert tall.scale >= pl.MIN_SCALE  # too tall for one page: it goes on, never below 85 %


def test_xlsxwriter_setup_writes_scale_header_footer_titles_and_breaks(tmp_path):
    path = tmp_path / "t.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("宽表")
    widths = [16, 9, 22, *([10] * 25)]
    lay = pl.setup(ws, widths, "随州市零工驿站2023年度宽表 & 说明", repeat=(1, 1), keep=3)
    ws.write_string(0, 0, "x")
    wb.close()
    ws = openpyxl.load_workbook(path)["宽表"]
    assert ws.page_setup.paperSize == 9 and int(ws.page_setup.scale) == lay.scale
    assert not ws.sheet_properties.pageSetUpPr.fitToPage
    assert "2023年度宽表 && 说明" in ws.oddHeader.center.text
    assert "第 &P 页 共 &N 页" in ws.oddFooter.center.text
    assert ws.print_title_rows == "$2:$2" and ws.print_title_cols == "$A:$C"
    assert [b.id for b in ws.col_breaks.brk] == list(lay.breaks)
    assert ws.page_setup.pageOrder == "overThenDown"


def test_patched_list_sheet_prints_with_titles_header_and_footer():
    from lingong.model.records import Issue
    from lingong.render.return_copy import LIST_SHEET, patched_copy

    buf = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.title = "月度指标"
    wb.save(buf)
    issue = Issue(
        code="V002",
        severity="错误",
        station="ZD-001",
        month="2023-05",
        file="曾都区/东城-2023-05.xlsx",
        sheet="月度指标",
        cell="E5",
        found="十二",
        expected="12",
        hint="改为数字",
        message="E5 应为非负整数",
    )
    data = patched_copy(buf.getvalue(), "曾都区/东城-2023-05.xlsx", [issue])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        book = z.read("xl/workbook.xml").decode()
    assert "_xlnm.Print_Titles" in book and 'localSheetId="0"' in book
    ws = openpyxl.load_workbook(io.BytesIO(data))[LIST_SHEET]
    assert ws.print_title_rows == "$5:$5"
    assert "问题清单：东城-2023-05.xlsx" in ws.oddHeader.center.text
    assert "第 &P 页 共 &N 页" in ws.oddFooter.center.text
    assert ws.page_setup.paperSize == 9 and int(ws.page_setup.scale) >= pl.MIN_SCALE
