"""校验报告.xlsx: one row an issue, sorted by county and station, text-safe, masked."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from lingong.catalogue.issues import issue
from lingong.layout import validation_report_name
from lingong.model.records import KIND_REJECTED, KIND_REPORT, KIND_SKIPPED, OUT_OF_PERIOD, FileOutcome, Station
from lingong.render.validation_report import COLUMNS, write_validation_report
from lingong.report_template import county_order
from support import golden
from support.paths import GOLDEN

STATIONS = {
    "ZD-001": Station("ZD-001", "=1+1", "曾都区"),
    "ZD-002": Station("ZD-002", "西城街道零工驿站", "曾都区"),
    "SX-001": Station("SX-001", "厉山镇零工驿站", "随县"),
    "GS-001": Station("GS-001", "@SUM(A1)", "广水市"),
}


def _issues():
    return [
        issue(
            "V010",
            station="GS-001",
            month="2023-02",
            file="广水市/a.xlsx",
            sheet="求职登记",
            cell="D3",
            found="420302199001011234",
            what="求职登记!D3（身份证号）",
        ),
        issue(
            "V002",
            station="ZD-002",
            month="2023-03",
            file="曾都区/b.xlsx",
            sheet="月度指标",
            cell="E14",
            found="十二",
            what="月度指标!E14（C1 收集审核零工岗位数）",
        ),
        issue(
            "V003",
            station="ZD-002",
            month="2023-03",
            file="曾都区/b.xlsx",
            sheet="月度指标",
            cell="E9",
            found="１２",
            expected="12",
            what="月度指标!E9（A5）",
        ),
        issue(
            "V002",
            station="ZD-002",
            month="2023-03",
            file="曾都区/b.xlsx",
            sheet="月度指标",
            cell="E9",
            found='=HYPERLINK("http://x")',
            what="月度指标!E9（A5）",
        ),
        issue(
            "V009",
            station="SX-001",
            month="2023-01",
            file="随县/c.xlsx",
            sheet="基本信息",
            cell="B9",
            found="13812345678",
            what="基本信息!B9（联系电话）",
        ),
        issue(
            "R002",
            station="ZD-001",
            month="2023-01",
            file="曾都区/d.xlsx",
            sheet="基本信息",
            cell="B4",
            found="+cmd|' /C calc'!A0",
            expected="=1+1",
        ),
        issue("F003", file="随县/坏文件.xlsx", found="压缩结构不完整"),
        issue(
            "R001", station="ZD-099", month="2023-06", file="曾都区/e.xlsx", sheet="基本信息", cell="B3", found="ZD-099"
        ),
        issue(
            "V002",
            station="ZD-002",
            month="2023-01",
            file="曾都区/a.xlsx",
            sheet="月度指标",
            cell="E3",
            found="-1",
            what="月度指标!E3（A2）",
        ),
    ]


OUTCOMES = [
    FileOutcome("曾都区/b.xlsx", KIND_REPORT, station="ZD-002", month="2023-03", status="退回"),
    FileOutcome("随县/坏文件.xlsx", KIND_REJECTED, reason="文件已损坏或未传完整（压缩结构不完整）"),
    FileOutcome("~$锁.xlsx", KIND_SKIPPED, reason="临时锁定文件"),
]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    path = tmp_path_factory.mktemp("vr") / "校验报告.xlsx"
    write_validation_report(path, _issues(), STATIONS, OUTCOMES)
    return openpyxl.load_workbook(path)


def test_columns_and_one_row_per_issue(report):
    ws = report["校验问题"]
    assert [c.value for c in ws[1]] == [label for label, _ in COLUMNS]
    assert ws.max_row == 1 + len(_issues())
    assert ws.auto_filter.ref and ws.freeze_panes == "A2"


def test_sorted_by_county_then_station_month_severity_cell(report):
    ws = report["校验问题"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    keys = [(r[1], r[2], r[4], r[0], r[7]) for r in rows]
    assert keys == [
        ("曾都区", "ZD-001", "2023年1月", "警告", "B4"),
        ("曾都区", "ZD-002", "2023年1月", "错误", "E3"),
        ("曾都区", "ZD-002", "2023年3月", "错误", "E9"),  # E9 before E14: by row, not as text
        ("曾都区", "ZD-002", "2023年3月", "错误", "E14"),
        ("曾都区", "ZD-002", "2023年3月", "警告", "E9"),
        ("随县", "SX-001", "2023年1月", "警告", "B9"),
        ("广水市", "GS-001", "2023年2月", "警告", "D3"),
        ("（不在名册）", "ZD-099", "2023年6月", "错误", "B3"),
        ("（未识别驿站）", None, None, "错误", None),
    ]


def test_station_text_stays_text(report):
    ws = report["校验问题"]
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if cell.value is not None:
                assert cell.data_type == "s", (cell.coordinate, cell.value)
    names = [r[3].value for r in ws.iter_rows(min_row=2)]
    assert "=1+1" in names and "@SUM(A1)" in names
    assert not ws._hyperlinks


def test_personal_data_masked(report):
    ws = report["校验问题"]
    text = "\n".join(str(c.value) for r in ws.iter_rows() for c in r if c.value is not None)
    assert "420302199001011234" not in text and "13812345678" not in text
    assert "420302********1234" in text and "138****5678" in text


def test_severity_colour(report):
    ws = report["校验问题"]
    fills = {r[0].value: r[0].fill.fgColor.rgb for r in ws.iter_rows(min_row=2)}
    assert fills["错误"].endswith("FFC7CE") and fills["警告"].endswith("FFEB9C")


def test_summary_counts_and_files(report):
    ws = report["汇总"]
    values = [[c.value for c in r] for r in ws.iter_rows()]
    flat = [v for r in values for v in r if v is not None]
    sev = {r[0]: r[1] for r in values if r[0] in ("错误", "警告", "提示") and isinstance(r[1], int)}
    assert sev == {"错误": 5, "警告": 4, "提示": 0}
    zd2 = next(r for r in values if r[1] == "ZD-002")
    assert zd2[3:7] == [3, 1, 0, 4]
    assert "随县/坏文件.xlsx" in flat and "~$锁.xlsx" in flat
    assert "文件已损坏或未传完整（压缩结构不完整）" in flat
    kinds = [r[0] for r in values if r[2] in ("随县/坏文件.xlsx", "曾都区/b.xlsx", "~$锁.xlsx")]
    assert kinds == ["无法读取", "月度报表", "已跳过"]  # rejected files first


def test_empty_run_still_writes_a_report(tmp_path):
    path = tmp_path / "校验报告.xlsx"
    write_validation_report(path, [], {}, [])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["校验问题", "汇总"]


def test_a_document_named_with_its_period_with_title_date_counts_and_page_numbers(tmp_path):
    name = validation_report_name("2023年上半年")
    assert name == "随州市零工驿站2023年上半年校验报告.xlsx"
    outcomes = [
        FileOutcome(
            f"曾都区/ZD-002_2023年{m}月.xlsx", KIND_REPORT, station="ZD-002", month=f"2023-{m:02d}", status="采用"
        )
        for m in (12, 10, 1, 11, 2)
    ]
    path = tmp_path / name
    write_validation_report(
        path, _issues(), STATIONS, outcomes, period_label="2023年上半年", assessed_on=date(2023, 7, 10)
    )
    wb = openpyxl.load_workbook(path)
    summary = wb["汇总"]
    values = [[c.value for c in r] for r in summary.iter_rows()]
    assert values[0][0] == "随州市零工驿站2023年上半年报表校验报告"
    assert values[1][0] == "考核日期：2023年7月10日"
    start = next(n for n, r in enumerate(values) if r[0] == "按县区") + 2
    end = next(n for n in range(start, len(values)) if values[n][0] is None)
    by_county = {r[0]: r[1:5] for r in values[start:end]}
    counties = {STATIONS[i.station].county for i in _issues() if i.station in STATIONS}
    assert list(by_county)[: len(counties)] == sorted(counties, key=county_order)
    errors = sum(1 for i in _issues() if i.severity == "错误")
    assert sum(row[0] for row in by_county.values()) == errors
    assert sum(row[3] for row in by_county.values()) == len(_issues())
    listed = [r[2] for r in values if isinstance(r[2], str) and r[2].startswith("曾都区/ZD-002_2023年")]
    assert [f.split("年")[1] for f in listed] == ["1月.xlsx", "2月.xlsx", "10月.xlsx", "11月.xlsx", "12月.xlsx"]
    for ws in wb.worksheets:
        assert "随州市零工驿站2023年上半年报表校验报告" in ws.oddHeader.center.text, ws.title
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页", ws.title


def test_the_report_matches_its_golden_cells(tmp_path):
    """Every sheet a 校验报告 can have (the stations' issues, the bureau's, the counts, the reports
    of other months), cell by cell: a change of what it says fails here until the golden file is
    regenerated (tests/golden/README.md)."""
    outcomes = [
        *OUTCOMES,
        FileOutcome(
            "曾都区/ZD-002_2023年9月.xlsx", KIND_REPORT, station="ZD-002", month="2023-09", status=OUT_OF_PERIOD
        ),
    ]
    bureau = [
        issue("R007", file="z_旧名册.xlsx", found="z_旧名册.xlsx", expected="驿站名册.xlsx"),
        issue("D001", station="ZD-002", file="考核组意见.xlsx", sheet="考核组意见", cell="E3", what="3"),
    ]
    path = tmp_path / validation_report_name("2023年上半年")
    write_validation_report(
        path, _issues(), STATIONS, outcomes, bureau, period_label="2023年上半年", assessed_on=date(2023, 7, 10)
    )
    golden.check_workbook(path, GOLDEN / "validation_report.json")
