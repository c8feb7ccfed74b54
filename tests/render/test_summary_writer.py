"""The city summary: every sheet of outputs.md §2, its chart, filters, frozen headers,
conditional formatting, text-only station cells, masking, atomic writing, golden cells."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from lingong.render import summary as sw
from support import golden
from support import results_factory as rf
from support.paths import GOLDEN  # noqa: E402
from support.summary_inputs import RULES_INFO, RUN_INFO


def write(path: Path, results=None):
    results = rf.all_results() if results is None else results
    sw.write_summary(
        path,
        period=results[0].period,
        results=results,
        issues=rf.sample_issues(),
        outcomes=rf.sample_outcomes(),
        stations=rf.stations(results),
        rules_info=RULES_INFO,
        run_info=RUN_INFO,
    )
    return path


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = write(tmp_path_factory.mktemp("summary") / "汇总.xlsx")
    return path, openpyxl.load_workbook(path)


def rows(ws, first=3):
    return [[c.value for c in r] for r in ws.iter_rows(min_row=first) if any(c.value is not None for c in r)]


def test_summary_path_names_the_period(tmp_path):
    p = sw.summary_path(tmp_path, rf.excellent().period)
    assert p == tmp_path.resolve() / "随州市零工驿站2023年上半年考核汇总表.xlsx"


def test_every_sheet_in_order(book):
    assert book[1].sheetnames == list(sw.SHEETS)


def test_results_one_row_a_station_by_county(book):
    ws = book[1]["考核结果"]
    header = [c.value for c in ws[2]]
    assert header[:3] == ["所属县（市、区）", "驿站编号", "驿站名称"] and header[3:9] == list(rf.NAMES)
    body = rows(ws)
    assert [r[1] for r in body] == ["ZD-001", "ZD-005", "SX-003", "GS-002", "GX-004"]  # county order, then code
    by = {r[1]: dict(zip(header, r)) for r in body}
    assert by["GS-002"]["供求服务"] == "优秀\n原合格"  # a grade the group changed shows the computed one
    assert by["GS-002"]["计算综合等次"] == "优秀" and by["GS-002"]["最终结果"] == "合格"
    assert "综合：合格（计算结果优秀；投诉核实中" in by["GS-002"]["考核组意见"]
    # What a reader compares prints together: items, computed and final result, 整改 on the first
    # column group; 暂定, 缺报 and the reasons after the page break.
    compared = ["计算综合等次", "最终结果", "整改状态", "整改期限"]
    assert header[9:13] == compared and header[13:] == ["暂定", "缺报月份", "考核组意见"]
    assert [b.id for b in ws.col_breaks.brk] == [13] and int(ws.page_setup.scale) >= 85
    assert by["SX-003"]["缺报月份"] == "3月、5月" and by["SX-003"]["暂定"] == "暂定"
    assert by["SX-003"]["整改状态"] == "限期整改" and by["SX-003"]["整改期限"] == "2023年8月4日"
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref.startswith("A2:")


def test_county_stats_and_native_chart(book):
    path, wb = book
    ws = wb["县区统计"]
    body = rows(ws)
    stats = {r[0]: r[1:5] for r in body}
    assert stats["曾都区"] == [2, 2, 0, 0]
    assert stats["随县"] == [1, 0, 0, 1]
    assert stats["广水市"] == [1, 0, 1, 0]
    assert stats["合计"] == [5, 3, 1, 1]
    assert body[0][5] == pytest.approx(1.0) and ws["F3"].number_format == "0.0%"
    with zipfile.ZipFile(path) as z:
        charts = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 3  # the county chart and 月度趋势's two line charts
    xml = next(x for x in charts if "<c:barChart>" in x)
    assert "<c:barChart>" in xml and xml.count("<c:ser>") == 3
    assert "县区统计!$A$3:$A$6" in xml and "县区统计!$C$3:$C$6" in xml


def test_indicators_highlight_shortfalls(book):
    ws = book[1]["指标完成"]
    assert ws["E2"].value == "按时完成工作任务（A2≥A1）" and ws["G2"].value == "收集岗位（C1）"
    assert [ws.cell(3, c).value for c in (7, 8)] == ["完成", "指标"]
    body = {r[1]: r for r in rows(ws, 4)}
    assert body["SX-003"][6:8] == [255, 400]
    assert body["GX-004"][6:8] == [264, 200]  # prorated target for a station opened in April
    assert body["SX-003"][-1].startswith("A3 服务制度规范已建立：3月、4月、5月")
    rules = [(str(rng.sqref), r.formula) for rng in ws.conditional_formatting for r in rng.rules]
    assert ("G4:G8", ["AND(ISNUMBER(G4),ISNUMBER(H4),G4<H4)"]) in rules
    assert ("U4:U8", ["AND(ISNUMBER(U4),ISNUMBER(V4),U4>V4)"]) in rules  # complaints: above the limit
    assert ws.freeze_panes == "D4" and ws.auto_filter.ref.startswith("A3:")


def test_submission_grid(book):
    ws = book[1]["报送情况"]
    assert [c.value for c in ws[2]][3:9] == ["1月", "2月", "3月", "4月", "5月", "6月"]
    grid = {r[1]: r[3:12] for r in rows(ws)}
    assert grid["SX-003"] == ["采用", "采用", "缺报", "退回", "缺报", "采用", 3, 2, 1]
    assert grid["GS-002"][2] == "重报（采用 GS-002_2023-03_更正.xlsx）"
    assert grid["GX-004"][:3] == ["未运营"] * 3
    assert ws.freeze_panes == "D3"


def test_rectification_and_risk_lists(book):
    rect = rows(book[1]["整改名单"])
    assert [r[1] for r in rect] == ["SX-003"]
    assert rect[0][4] == "限期整改" and rect[0][7] == "2023年8月4日"
    assert rect[0][6].startswith("3月、5月未报送（缺报），4月报表被退回，未采用；")
    assert "供求服务（收集岗位255个，未达到指标400个" in rect[0][6]
    risk = rows(book[1]["预警"])
    assert [(r[1], r[6], r[8]) for r in risk] == [
        ("SX-003", 7, "还需宣传推广 7 次"),
        ("SX-003", 8, "还需就业政策宣传 8 次"),
    ]


def test_issues_sorted_by_county_and_masked(book):
    ws = book[1]["校验问题"]
    body = rows(ws)
    assert [r[2] for r in body] == ["ZD-001", "ZD-005", "SX-003", "SX-003"]
    text = "".join(str(v) for r in body for v in r)
    assert "13812345678" not in text and "420302199001011234" not in text
    assert "138****5678" in text
    assert body[1][9] == '=HYPERLINK("http://evil.example","点我")'  # kept as text


def test_notes_name_rules_inputs_and_run(book):
    notes = {r[0]: r[1] for r in rows(book[1]["说明"], 2)}
    assert notes["考核期"] == "2023年上半年（2023年1月至2023年6月）"
    assert notes["考核规则"] == "随州市零工驿站运维考核（暂行）2023版"
    assert notes["目标折算"] == "半年目标按运营月数折算，向上取整"
    assert notes["整改期限"] == "考核日期后 30 天"
    assert notes["全年进度预警"].startswith("上半年考核时")
    # No developer text where a clerk reads: no file path, hash, TOML key, JSON or run id.
    text = "\n".join(f"{k}\t{v}" for k, v in notes.items())
    for dev in ("toml", "3f2a", "targets.", "at_risk", '["H1"]', "input", "20230705-0001", "up"):
        assert dev not in text, dev
    assert notes["工具版本"] == "0.1.0" and notes["生成时间"] == "2023-07-05 09:00:00"
    assert notes["~$ZD-001_2023-01.xlsx"] == "Office 临时锁文件"
    assert "退回 1 份" in notes["月度报表"]


def test_print_setup_a4_readable_scale_repeated_headers(book):
    for name in ("考核结果", "指标完成", "报送情况", "校验问题"):
        ws = book[1][name]
        assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
        # Never shrunk to fit: a wide table prints in column groups at >= 85 %.
        assert not ws.sheet_properties.pageSetUpPr.fitToPage and int(ws.page_setup.scale or 100) >= 85
        assert ws.print_title_rows and "第 &P 页 共 &N 页" in ws.oddFooter.center.text


def test_no_formula_or_link_anywhere(book):
    path, wb = book
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f" and not c.hyperlink, (ws.title, c.coordinate)
    with zipfile.ZipFile(path) as z:
        for n in z.namelist():
            if n.startswith("xl/worksheets/sheet"):
                xml = z.read(n).decode("utf-8")
                assert "<f>" not in xml and "<hyperlink" not in xml


def test_failed_write_leaves_no_file(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise OSError("磁盘已满")

    monkeypatch.setattr(sw, "_issues_sheet", boom)
    target = tmp_path / "汇总.xlsx"
    with pytest.raises(OSError):
        write(target)
    assert list(tmp_path.iterdir()) == []


def test_empty_run_still_writes_every_sheet(tmp_path):
    period = rf.excellent().period
    path = tmp_path / "空.xlsx"
    sw.write_summary(path, period=period, results=[], issues=[], outcomes=[], stations={}, rules_info={}, run_info={})
    assert openpyxl.load_workbook(path).sheetnames == list(sw.SHEETS)


def test_identical_runs_give_identical_files(tmp_path):
    assert write(tmp_path / "a.xlsx").read_bytes() == write(tmp_path / "b.xlsx").read_bytes()


def test_summary_matches_golden_cells(book):
    golden.check_workbook(book[0], GOLDEN / "summary.json")
