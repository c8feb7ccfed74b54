"""退回修改 copies: the station's own workbook, faulty cells marked and commented,
a 问题清单 sheet, the source untouched, station text kept as text."""

from __future__ import annotations

import datetime as dt
import hashlib

import openpyxl
import pytest

from lingong import report_template
from lingong.catalogue.issues import issue
from lingong.model.records import Station
from lingong.render.blank_template import write_template
from lingong.render.return_copy import LIST_SHEET, write_return_copy

STATION = Station("GX-002", "白云湖社区零工驿站", "随州高新区")
REL = "随州高新区/白云湖社区/白云湖社区零工驿站-2023-05.xlsx"


def _row_of(code: str) -> int:
    return 2 + report_template.INDICATOR_CODES.index(code)


def _issues():
    c1 = f"E{_row_of('C1')}"
    return [
        issue(
            "V002",
            station="GX-002",
            month="2023-05",
            file=REL,
            sheet="月度指标",
            cell=c1,
            found="十二",
            what=f"月度指标!{c1}（C1 收集审核零工岗位数）",
        ),
        issue(
            "V003",
            station="GX-002",
            month="2023-05",
            file=REL,
            sheet="月度指标",
            cell=f"E{_row_of('A5')}",
            found="3次",
            expected="3",
            what="A5",
        ),
        issue(
            "V010",
            station="GX-002",
            month="2023-05",
            file=REL,
            sheet="求职登记",
            cell="D2",
            found="421302199001011235",
            what="求职登记!D2（身份证号）",
        ),
        issue("S004", station="GX-002", month="2023-05", file=REL, sheet="月度指标", expected="F3"),
        issue("V002", station="GX-002", month="2023-05", file=REL, sheet="不存在的表", cell="A1", found="x"),
    ]


@pytest.fixture()
def station_file(tmp_path):
    path = tmp_path / "in" / "白云湖社区零工驿站-2023-05.xlsx"
    write_template(
        path,
        station=STATION,
        month="2023-05",
        values={"C1": "十二", "A5": "3次", "C4": "=SUM(1,2)"},
        details={
            "求职登记": [
                {
                    "序号": 1,
                    "姓名": "王芳",
                    "性别": "女",
                    "身份证号": "421302199001011235",
                    "联系电话": "13812345678",
                    "登记日期": dt.date(2023, 5, 4),
                }
            ]
        },
        info={"filler": "=cmd|' /C calc'!A0"},
    )
    return path


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_marks_faulty_cells_and_lists_every_issue(station_file, tmp_path):
    before = _sha(station_file)
    out = write_return_copy(station_file, REL, _issues(), tmp_path / "退回修改" / "GX-002_2023-05_退回.xlsx")
    assert out == tmp_path / "退回修改" / "GX-002_2023-05_退回.xlsx"
    assert _sha(station_file) == before  # source byte-identical

    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == LIST_SHEET and wb.active.title == LIST_SHEET
    ws = wb["月度指标"]
    c1 = ws[f"E{_row_of('C1')}"]
    assert c1.value == "十二"
    assert c1.fill.fgColor.rgb.endswith("FFC7CE")
    assert "应为非负整数" in c1.comment.text and "请改为阿拉伯数字" in c1.comment.text
    a5 = ws[f"E{_row_of('A5')}"]
    assert a5.fill.fgColor.rgb.endswith("FFEB9C") and "3次" in a5.comment.text
    untouched = ws[f"E{_row_of('C2')}"]
    assert untouched.comment is None and untouched.fill.fgColor.rgb != "00FFC7CE"

    id_comment = wb["求职登记"]["D2"].comment.text
    assert "421302199001011235" not in id_comment and "421302********1235" in id_comment

    rows = [[c.value for c in r] for r in wb[LIST_SHEET].iter_rows(min_row=6)]
    assert len(rows) == len(_issues())
    assert [r[4] for r in rows].count("S004") == 1  # whole-sheet issue only in the list
    assert rows[0][1] == "错误"
    listed = "\n".join(str(v) for r in rows for v in r if v)
    assert "421302199001011235" not in listed
    assert REL in str(wb[LIST_SHEET]["A2"].value)


def test_station_text_stays_text(station_file, tmp_path):
    out = write_return_copy(station_file, REL, _issues(), tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(out)
    info = wb["基本信息"]
    filler = next(r[1] for r in info.iter_rows(min_row=2) if r[0].value == "填报人")
    assert filler.value == "=cmd|' /C calc'!A0" and filler.data_type == "s"
    c4 = wb["月度指标"][f"E{_row_of('C4')}"]
    assert c4.data_type == "s"


def test_evil_issue_text_does_not_become_a_formula(station_file, tmp_path):
    evil = issue(
        "V002",
        station="GX-002",
        month="2023-05",
        file=REL,
        sheet="月度指标",
        cell=f"E{_row_of('C1')}",
        found='=HYPERLINK("http://evil","x")',
        what="C1",
    )
    out = write_return_copy(station_file, REL, [evil], tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(out)[LIST_SHEET]
    found = ws.cell(6, 7)
    assert found.value.startswith("=HYPERLINK") and found.data_type == "s"


def test_xls_is_rebuilt_from_the_grids(tmp_path):
    src = tmp_path / "old.xls"
    src.write_bytes(b"\xd0\xcf\x11\xe0 not really parsed here")
    before = _sha(src)
    grids = {
        "基本信息": [["项目", "填报内容"], ["模板版本", "LGYZ-M-1"], ["驿站编号", "GX-002"], ["填报人", "=1+1"]],
        "月度指标": [list(report_template.INDICATOR_HEADER)]
        + [[i.code, i.item, i.name, i.unit, 3, None] for i in report_template.INDICATORS],
    }
    grids["月度指标"][_row_of("C1") - 1][4] = "十二"
    out = write_return_copy(src, "随县/old.xls", _issues()[:2], tmp_path / "GX-002_2023-05_退回.xlsx", grids)
    assert out.suffix == ".xlsx" and _sha(src) == before
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [LIST_SHEET, "基本信息", "月度指标"]
    assert wb["基本信息"]["B4"].value == "=1+1" and wb["基本信息"]["B4"].data_type == "s"
    assert wb["月度指标"][f"E{_row_of('C1')}"].comment is not None
    assert wb["月度指标"]["E2"].value == 3
    assert "转换" in wb[LIST_SHEET]["A3"].value


def test_unreadable_source_without_grids_still_gets_a_list(tmp_path):
    src = tmp_path / "broken.ods"
    src.write_bytes(b"garbage")
    out = write_return_copy(src, "broken.ods", _issues(), tmp_path / "x_退回.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [LIST_SHEET]


def test_second_return_replaces_the_old_list(station_file, tmp_path):
    first = write_return_copy(station_file, REL, _issues(), tmp_path / "first.xlsx")
    second = write_return_copy(first, REL, _issues()[:1], tmp_path / "second.xlsx")
    wb = openpyxl.load_workbook(second)
    assert wb.sheetnames.count(LIST_SHEET) == 1
    assert len(list(wb[LIST_SHEET].iter_rows(min_row=6))) == 1


def test_xlsm_keeps_its_extension(station_file, tmp_path):
    src = tmp_path / "macro.xlsm"
    src.write_bytes(station_file.read_bytes())
    out = write_return_copy(src, "macro.xlsm", _issues(), tmp_path / "GX-002_2023-05_退回.xlsx")
    assert out.suffix == ".xlsm" and out.exists()
    assert openpyxl.load_workbook(out, keep_vba=True).sheetnames[0] == LIST_SHEET


def test_cell_inside_a_merged_range_marks_its_top_left(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "基本信息"
    ws.merge_cells("B2:D2")
    ws["B2"] = "南郊驿站"
    src = tmp_path / "merged.xlsx"
    wb.save(src)
    out = write_return_copy(
        src, "merged.xlsx", [issue("V001", sheet="基本信息", cell="C2", what="驿站名称")], tmp_path / "out.xlsx"
    )
    marked = openpyxl.load_workbook(out)["基本信息"]["B2"]
    assert "驿站名称未填写" in marked.comment.text and marked.value == "南郊驿站"


def test_xlsb_is_rebuilt_from_the_grids_calamine_read(tmp_path):
    """openpyxl cannot open .xlsb either: the copy is rebuilt as .xlsx from what was read.
    No tool here writes .xlsb, so the source is an Excel-written file of the calamine corpus."""
    from pathlib import Path

    from lingong.read.workbook import read_checked

    src = Path(__file__).parents[1] / "data" / "calamine-tests" / "files" / "issues.xlsb"
    before = _sha(src)
    wb_read = read_checked(src).workbook
    grids = {n: wb_read.sheet(n).rows for n in wb_read.sheet_names}
    bad = issue(
        "V002",
        station="GX-002",
        month="2023-05",
        file="issues.xlsb",
        sheet="issue2",
        cell="B2",
        found="b",
        what="issue2!B2",
    )
    out = write_return_copy(src, "issues.xlsb", [bad], tmp_path / "GX-002_2023-05_退回.xlsb", grids)
    assert out.suffix == ".xlsx" and _sha(src) == before
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [LIST_SHEET, *wb_read.sheet_names]
    assert [[c.value for c in row] for row in wb["issue2"].iter_rows()] == [[1, "a"], [2, "b"], [3, "c"]]
    assert wb["issue2"]["B2"].comment is not None and wb["issue2"]["B2"].fill.fgColor.rgb.endswith("FFC7CE")
    assert ".xlsb" in wb[LIST_SHEET]["A3"].value and "转换" in wb[LIST_SHEET]["A3"].value


def test_a_package_with_backslash_names_stays_the_stations_workbook(station_file, tmp_path):
    """Some exporters write xl\\workbook.xml; openpyxl looks parts up by exact name, so the
    copy would lose the station's own sheets without the names read as "/"."""
    import io
    import zipfile

    src = tmp_path / "导出.xlsx"
    with zipfile.ZipFile(station_file) as zin, zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename.replace("/", "\\"), zin.read(info))
    with zipfile.ZipFile(src) as z:
        assert "xl\\workbook.xml" in z.namelist()
    out = write_return_copy(src, REL, _issues()[:1], tmp_path / "GX-002_2023-05_退回.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(out.read_bytes()))
    assert wb.sheetnames[0] == LIST_SHEET and "月度指标" in wb.sheetnames and "基本信息" in wb.sheetnames
    assert wb["月度指标"][f"E{_row_of('C1')}"].comment is not None
    assert "请直接在本文件中修改" in wb[LIST_SHEET]["A3"].value


def test_a_copy_with_no_cell_to_mark_says_what_to_do_instead(station_file, tmp_path):
    from lingong.render.return_copy import NO_CELL_NOTE, PATCH_NOTE, SOME_CELLS_NOTE

    missing = [issue("S001", station="GX-002", month="2023-05", file=REL, expected="月度指标")]
    out = write_return_copy(station_file, REL, missing, tmp_path / "退回修改" / "GX-002_2023-05_退回.xlsx")
    said = [str(c.value) for r in openpyxl.load_workbook(out)[LIST_SHEET].iter_rows(max_row=5) for c in r if c.value]
    assert any(NO_CELL_NOTE in s for s in said) and not any(PATCH_NOTE in s for s in said)
    both = write_return_copy(station_file, REL, _issues(), tmp_path / "退回修改" / "b.xlsx")
    said = [str(c.value) for r in openpyxl.load_workbook(both)[LIST_SHEET].iter_rows(max_row=5) for c in r if c.value]
    assert any(SOME_CELLS_NOTE in s for s in said)


def test_a_second_copy_of_one_month_is_named_in_words():
    from lingong.render.return_copy import copy_name

    assert copy_name("SX-003", "2023-03") == "SX-003_2023-03_退回.xlsx"
    assert copy_name("SX-003", "2023-03", 2) == "SX-003_2023-03_第2份_退回.xlsx"
