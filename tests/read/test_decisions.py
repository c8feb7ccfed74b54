"""The assessment group's decisions 考核组意见."""

import openpyxl
import pytest

from lingong.model.records import Station
from lingong.read.decisions import drop_conflicts, read_decisions
from lingong.read.workbook import read_workbook
from support.report_factory import write_table

STATIONS = {c: Station(c, f"驿站{c}", "曾都区") for c in ("ZD-001", "ZD-002")}
HEADER = ["驿站编号", "考核期", "考核项目", "等次", "理由"]


def decisions(tmp_path, rows, header=HEADER, title=True):
    path = write_table(
        tmp_path / "意见.xlsx",
        "考核组意见",
        header,
        rows,
        title="2023年上半年考核组意见" if title else None,
        header_row=2 if title else 1,
    )
    return read_decisions(read_workbook(path), "意见.xlsx", STATIONS)


def test_valid_rows(tmp_path):
    ds, issues = decisions(
        tmp_path,
        [
            ["ZD-001", "2023H1", "宣传推广", "合格", "已补交宣传记录"],
            [" zd-002", "2023年度", "综合", "优秀", "现场核查"],
            ["ZD-001", 2023, "1.驿站运维", "不合格", "任务未完成"],
            ["ZD-002", "2023年3月", "服务效能", "合格", "说明"],
            [None, None, None, None, None],
        ],
    )
    assert issues == []
    assert [(d.station, d.period, d.item, d.grade) for d in ds] == [
        ("ZD-001", "2023H1", "宣传推广", "合格"),
        ("ZD-002", "2023", "综合", "优秀"),
        ("ZD-001", "2023", "驿站运维", "不合格"),
        ("ZD-002", "2023-03", "服务效能", "合格"),
    ]
    assert ds[0].source == "意见.xlsx!A3" and ds[0].reason == "已补交宣传记录"


@pytest.mark.parametrize(
    "row,code,cell",
    [
        (["ZD-001", "2023H1", "宣传推广", "合格", None], "D001", "E3"),
        (["ZD-009", "2023H1", "宣传推广", "合格", "理由"], "D002", "A3"),
        (["ZD-001", "2023H1", "宣传", "合格", "理由"], "D003", "C3"),
        (["ZD-001", "2023H1", "宣传推广", "良好", "理由"], "D004", "D3"),
        (["ZD-001", "2023年第一季度", "宣传推广", "合格", "理由"], "D005", "B3"),
    ],
)
def test_bad_row_is_dropped_others_apply(tmp_path, row, code, cell):
    ds, issues = decisions(tmp_path, [row, ["ZD-002", "2023H1", "综合", "合格", "理由"]])
    assert [(i.code, i.cell, i.severity) for i in issues] == [(code, cell, "错误")]
    assert [d.station for d in ds] == ["ZD-002"]


def test_D001_message_names_row(tmp_path):
    _, issues = decisions(tmp_path, [["ZD-001", "2023H1", "宣传推广", "合格", "  "]])
    assert issues[0].message == "考核组意见第 3 行没有填写理由"


def test_D007_two_rows_for_one_item_neither_applies(tmp_path):
    ds, issues = decisions(
        tmp_path,
        [
            ["ZD-001", "2023H1", "宣传推广", "不合格", "初审"],
            ["ZD-001", "2023H1", "综合", "合格", "其他"],
            ["ZD-001", "2023年上半年", "宣传推广", "合格", "复核"],
        ],
    )
    assert issues == [] and len(ds) == 3  # one file alone cannot tell: the run sees every file
    kept, issues = drop_conflicts(ds)
    assert [(d.item, d.grade) for d in kept] == [("综合", "合格")]
    [i] = issues
    assert (i.code, i.severity, i.file, i.cell) == ("D007", "错误", "意见.xlsx", "A3")
    assert (
        "意见.xlsx 第 3 行（不合格，理由：初审）" in i.message and "意见.xlsx 第 5 行（合格，理由：复核）" in i.message
    )
    assert "两条均未采用" in i.message


def test_D007_across_two_files(tmp_path):
    ds, _ = decisions(tmp_path, [["ZD-001", "2023H1", "宣传推广", "不合格", "初审"]])
    other = write_table(
        tmp_path / "意见2.xlsx",
        "考核组意见",
        HEADER,
        [["ZD-001", "2023H1", "宣传推广", "合格", "复核"], ["ZD-002", "2023H1", "宣传推广", "合格", "复核"]],
    )
    ds2, _ = read_decisions(read_workbook(other), "意见2.xlsx", STATIONS)
    kept, issues = drop_conflicts(ds + ds2)
    assert [d.station for d in kept] == ["ZD-002"]
    assert [i.code for i in issues] == ["D007"]
    assert "意见.xlsx 第 3 行" in issues[0].message and "意见2.xlsx 第 2 行" in issues[0].message


def test_missing_column(tmp_path):
    ds, issues = decisions(tmp_path, [["ZD-001", "2023H1", "宣传推广", "合格"]], header=HEADER[:4])
    assert ds == [] and [(i.code, i.expected) for i in issues] == [("S006", "理由")]


def test_workbook_without_the_sheet(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.save(tmp_path / "x.xlsx")
    ds, issues = read_decisions(read_workbook(tmp_path / "x.xlsx"), "x.xlsx", STATIONS)
    assert ds == [] and [(i.code, i.expected) for i in issues] == [("S001", "考核组意见")]
