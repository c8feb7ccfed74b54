"""A rebuilt return copy (an .xlsb/.xls/.ods report, which openpyxl cannot open) keeps
every sheet and every row it read, or says exactly what it could not keep.

An .xlsb of 308 sheets came back with the 8 the assessment reads (填报说明 and the
station's own sheets dropped), a 求职登记 of more rows than the reader's bound came
back cut with no word; an .xls renamed .xlsx got "原文件为 .xlsx 格式，已转换为 .xlsx".
"""

from __future__ import annotations

import openpyxl
import pytest

from lingong.catalogue.issues import issue
from lingong.read.files import read_one
from lingong.read.workbook import MAX_ROWS
from lingong.render.return_copy import LIST_SHEET, write_return_copy
from support import corpus
from support.report_factory import sample_details
from support.xlsb_write import write_xlsb

OWN = [f"站内台账{i}" for i in range(1, 41)]


def _xlsb_report(tmp_path, seekers: int = 2):
    """A report saved as .xlsb with the station's own 40 sheets beside the template's."""
    details = sample_details({**corpus.DEFAULT_VALUES, "C2": seekers}, corpus.MONTH)
    src = corpus.report(tmp_path, "ZD-001", "东城零工驿站", "src.xlsx", values={"C1": "十二"}, details=details)
    wb = openpyxl.load_workbook(src)  # every row: read_workbook would stop at MAX_ROWS
    sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    sheets.update({name: [["日期", "事项"], ["2023-03-01", f"{name}的记录"]] for name in OWN})
    return write_xlsb(tmp_path / "报表.xlsb", sheets), list(sheets)


def _copy(tmp_path, path):
    """The copy as a run makes it: the grids read_one kept, the issues it found."""
    res = read_one((str(path), path.name))
    errors = [i for i in res.report.issues if i.severity == "错误"]
    assert errors, "the report needs an error to be sent back"
    out = write_return_copy(path, path.name, res.report.issues, tmp_path / "ZD-001_2023-03_退回.xlsx", res.grids)
    return openpyxl.load_workbook(out)


@pytest.mark.timeout(120)
def test_a_rebuilt_copy_keeps_every_sheet_of_the_station(tmp_path):
    path, names = _xlsb_report(tmp_path)
    wb = _copy(tmp_path, path)
    assert wb.sheetnames == [LIST_SHEET, *names]
    assert wb["站内台账40"]["B2"].value == "站内台账40的记录"
    note = wb[LIST_SHEET]["A3"].value
    assert f"全部 {len(names)} 个工作表" in note and ".xlsb" in note


@pytest.mark.timeout(180)
def test_a_sheet_past_the_readers_bound_is_named_in_the_note(tmp_path):
    path, _ = _xlsb_report(tmp_path, seekers=MAX_ROWS + 500)
    wb = _copy(tmp_path, path)
    note = wb[LIST_SHEET]["A3"].value
    assert "“求职登记”" in note and f"只保留了前 {MAX_ROWS} 行" in note
    assert wb["求职登记"].max_row == MAX_ROWS


def test_an_xls_renamed_xlsx_is_said_to_be_an_xls(tmp_path):
    src = tmp_path / "报表.xlsx"  # content: an OLE .xls (see test_workbooks_from_anywhere.biff8)
    from support.foreign_workbooks import biff8, number

    src.write_bytes(biff8({"月度指标": number(0, 0, 1.0)}))
    bad = issue("V002", file=src.name, sheet="月度指标", cell="A1", found="x")
    out = write_return_copy(src, src.name, [bad], tmp_path / "x_退回.xlsx", None)
    note = openpyxl.load_workbook(out)[LIST_SHEET]["A3"].value
    assert "原文件为 .xls 格式（文件名为 .xlsx）" in note and "转换为 .xlsx" in note
