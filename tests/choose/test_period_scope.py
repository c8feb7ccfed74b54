"""A run covers its period: the 校验报告, the return copies and the counts are about the reports the period
uses (its months and the earlier months of its year) and files whose month is unknown; other reports are
counted and listed as 考核期外（本次未使用）."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from lingong.digest import digest
from lingong.layout import RETURNS_FOLDER, summary_name, validation_report_name
from support.city import write_city
from support.report_factory import write_report
from support.runs import run_on


@pytest.fixture
def year_input(tmp_path):
    errors = {("ZD-001", 5), ("ZD-001", 9)}
    src = write_city(tmp_path / "input", range(1, 13), lambda code, m: {"C1": "十二"} if (code, m) in errors else None)
    write_report(src / "ZD-002_无月份.xlsx", station="ZD-002", name="西城零工驿站", month="")  # month unknown
    return src


def rows(path, sheet=0):
    ws = openpyxl.load_workbook(path)[sheet] if isinstance(sheet, str) else openpyxl.load_workbook(path).worksheets[0]
    return [[c.value for c in r] for r in ws.iter_rows()]


@pytest.mark.timeout(300)
def test_the_half_year_reports_only_its_own_reports(tmp_path, year_input):
    out = tmp_path / "out"
    summary = run_on(year_input, out, "2023H1", assessed_on=date(2023, 7, 10))
    h1 = out / "2023H1"
    cells = {str(c) for r in rows(h1 / validation_report_name("2023年上半年")) for c in r if c}
    assert "ZD-001_5月.xlsx" in cells  # May is the period's
    assert "ZD-001_9月.xlsx" not in cells  # September is not
    assert "ZD-002_无月份.xlsx" in cells  # month unknown: in scope
    assert any("2023-05" in p.name for p in (h1 / RETURNS_FOLDER).iterdir())
    assert not any("2023-09" in p.name for p in (h1 / RETURNS_FOLDER).iterdir())
    outside = rows(h1 / validation_report_name("2023年上半年"), "考核期外（本次未使用）")
    assert "18 份" in outside[0][0]
    assert sorted(r[4] for r in outside[2:]) == sorted(f"2023年{m}月" for m in range(7, 13) for _ in range(3))
    notes = {r[0]: r[1] for r in rows(h1 / summary_name("2023年上半年"), "说明") if r and r[0]}
    assert "考核期外（本次未使用） 18 份" in notes["月度报表"]
    assert "采用 17 份" in notes["月度报表"]
    assert "考核期外（本次未使用）的报表 18 个" in digest(summary)
    assert not any(i.month == "2023-09" for i in summary.issues)


@pytest.mark.timeout(300)
def test_the_second_half_year_keeps_the_earlier_months_of_its_year(tmp_path, year_input):
    out = tmp_path / "out"
    summary = run_on(year_input, out, "2023H2", assessed_on=date(2024, 1, 12))
    # January–June feed the year-to-date complaints of 2023H2: they are in its scope.
    assert {i.month for i in summary.issues if i.code == "V002"} == {"2023-05", "2023-09"}
    assert not [o for o in summary.outcomes if o.status == "考核期外（本次未使用）"]
