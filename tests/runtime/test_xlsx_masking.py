"""Every way text gets into an output workbook is masked, with xlsx_fast's short ways and
without them; and when xlsxwriter no longer writes text through the methods the masking holds
on to, no workbook is written at all."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
from xlsxwriter.worksheet import Worksheet

from lingong.runtime import privacy, xlsx_fast, xlsx_masking
from lingong.runtime.outfiles import new_xlsxwriter

ID, PHONE = "421302199001011235", "13907221033"
PERSON = f"张三 身份证{ID} 电话{PHONE}"


def _write_everywhere(path):
    wb = new_xlsxwriter(path)
    fmt = wb.add_format({"bold": True})
    ws = wb.add_worksheet("表")
    ws.write(0, 0, PERSON)
    ws.write("A2", PERSON)
    ws.write_string(2, 0, PERSON, fmt)
    ws.write_row(3, 0, [PERSON, "x"])
    ws.write_column(4, 2, [PERSON])
    ws.merge_range(6, 0, 6, 3, PERSON, fmt)
    ws.merge_range("A8:D8", PERSON, fmt)
    ws.write_rich_string(8, 0, "甲", fmt, PERSON, "乙")
    ws.write_url(9, 0, "https://example.invalid/", string=PERSON)
    ws.write_comment(10, 0, PERSON)
    ws.write_comment("B11", PERSON)
    # (a table's cells; its column names also go into the table part, which is no cell: none
    # of the outputs has a table)
    ws.add_table(12, 0, 14, 1, {"data": [[PERSON, 1], ["y", 2]], "columns": [{"header": "列"}, {"header": "h"}]})
    wb.close()
    return wb


def _text_of(path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


@pytest.mark.parametrize("fast", [True, False], ids=["short-ways", "xlsxwriter-own"])
def test_every_public_way_of_writing_text_is_masked(tmp_path, monkeypatch, fast):
    if not fast:
        monkeypatch.setenv(xlsx_fast.SWITCH, "0")
    assert xlsx_fast.status().active == (fast and xlsx_fast.library_mismatch() == "")
    wb = _write_everywhere(tmp_path / "out.xlsx")
    assert isinstance(wb.worksheets()[0], xlsx_fast.classes()[1])
    text = _text_of(tmp_path / "out.xlsx")
    assert ID not in text and PHONE not in text and "19900101" not in text
    # and every way did write the text, masked
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx")["表"]
    masked = privacy.mask(PERSON)
    for ref in ("A1", "A2", "A3", "A4", "C5", "A7", "A8", "A10", "A14"):
        assert sheet[ref].value == masked, ref
    assert sheet["A9"].value == f"甲{masked}乙"
    assert sheet["A11"].comment.text == sheet["B11"].comment.text == masked


def test_a_changed_text_method_of_xlsxwriter_writes_nothing(tmp_path, monkeypatch):
    original = Worksheet._write_string

    def _write_string(self, row, col, string, cell_format=None, *, rich=False):
        return original(self, row, col, string, cell_format)

    monkeypatch.setattr(Worksheet, "_write_string", _write_string)
    with pytest.raises(xlsx_masking.MaskingUnavailable, match="Worksheet._write_string"):
        new_xlsxwriter(tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()
    new_xlsxwriter(tmp_path / "input.xlsx", mask=False).close()  # a station's own input is not masked anyway
