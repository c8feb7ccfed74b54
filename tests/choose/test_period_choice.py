"""Which period a run assesses without --period, and a 报送年月 typed after the report's own 填报日期."""

from __future__ import annotations

import sqlite3
from datetime import date

import openpyxl
import pytest

from lingong.choose.period import default_period
from lingong.errors import FatalInput
from lingong.layout import HISTORY_DB_NAME, RETURNS_FOLDER, validation_report_name
from support.city import STATIONS, write_city, write_registry
from support.records_factory import station
from support.report_factory import write_report
from support.runs import run_on

ST = {c: station(c) for c in ("ZD-001", "ZD-002", "ZD-003", "ZD-004")}


def accepted(codes, months):
    return {(c, m): object() for c in codes for m in months}


def h1(year=2023):
    return [f"{year}-{m:02d}" for m in range(1, 7)]


def test_the_latest_half_year_ended_on_the_date_is_chosen_and_why_is_said():
    # In July, one station has already sent July: 2023H2 has begun, but only a half-year that has
    # ended is assessed without --period (issue 21: it once chose 2023H2, ten days old).
    acc = {**accepted(ST, h1()), **accepted(ST, ["2023-07"])}
    p, why, enough = default_period(acc, ST, date(2023, 7, 10))
    assert (p.key, enough) == ("2023H1", True)
    assert "考核日期 2023年7月10日" in why and "已经结束的最近半年度2023年上半年（2023H1）" in why and "24/24" in why


def test_more_than_half_of_the_operating_station_months_is_needed():
    acc = {**accepted(ST, h1()), **accepted(ST, ["2023-07", "2023-08", "2023-09"]), **accepted(["ZD-001"], ["2023-10"])}
    # 13 of 24 in 2023H2 by 2024-01-12: enough.
    assert default_period(acc, ST, date(2024, 1, 12))[2] is True
    assert default_period(acc, ST, date(2024, 1, 12))[0].key == "2023H2"
    acc = {**accepted(ST, h1()), **accepted(ST, ["2023-07", "2023-08", "2023-09"])}
    # exactly half is not more than half: not assessed by default (an earlier half-year is never chosen instead)
    p, why, enough = default_period(acc, ST, date(2024, 1, 12))
    assert (p.key, enough) == ("2023H2", False) and "--period 2023H2" in why


def test_a_station_opened_later_counts_only_its_operating_months():
    st = {**ST, "ZD-004": station("ZD-004", start="2023-12")}
    acc = accepted(["ZD-001", "ZD-002"], ["2023-07", "2023-08", "2023-09", "2023-10"])
    # operating station-months: 3 × 6 + 1 = 19; reported 8 -> not more than half
    p, why, enough = default_period(acc, st, date(2024, 1, 12))
    assert (p.key, enough) == ("2023H2", False) and "8/19" in why and "不按默认考核" in why


def test_never_a_period_not_ended_on_the_assessment_date():
    acc = {**accepted(ST, h1()), **accepted(ST, h1(2024))}
    assert default_period(acc, ST, date(2023, 12, 1))[0].key == "2023H1"
    assert default_period(acc, ST, date(2024, 3, 1))[0] is None  # 2023H2 has no report; 2024H1 has not ended
    assert default_period(acc, ST, date(2024, 7, 1))[0].key == "2024H1"
    assert default_period(accepted(ST, h1(2024)), ST, date(2023, 12, 1))[0] is None


@pytest.fixture
def city_with_a_typo(tmp_path):
    src = write_city(tmp_path / "input")
    # March typed as 2032-03 in a report filled in on 2023-04-03
    (src / "GS-001_3月.xlsx").unlink()
    write_report(
        src / "GS-001_3月.xlsx",
        station="GS-001",
        name="应山零工驿站",
        county="广水市",
        month="2032-03",
        fill_date=date(2023, 4, 3),
    )
    return src


@pytest.mark.timeout(300)
def test_a_month_after_the_fill_date_is_an_error_and_never_a_period(tmp_path, city_with_a_typo):
    out = tmp_path / "out"
    summary = run_on(city_with_a_typo, out, assessed_on=date(2023, 7, 10))
    assert summary.period.key == "2023H1"
    assert summary.exit_code == 1
    [typo] = [i for i in summary.issues if i.code == "V019"]
    assert typo.severity == "错误" and typo.file == "GS-001_3月.xlsx" and typo.month == ""
    assert "报送年月填写了“2032-03”，晚于本表的填报日期 2023年4月3日" in typo.message
    gs = {r.station.code: r for r in summary.results}["GS-001"]
    assert "2023-03" not in gs.monthly  # the report is not used
    # It is in the run's scope: a row of the 校验报告 and a copy to correct.
    rows = [
        [c.value for c in r]
        for r in openpyxl.load_workbook(out / "2023H1" / validation_report_name("2023年上半年"))
        .worksheets[0]
        .iter_rows()
    ]
    assert any("GS-001_3月.xlsx" in map(str, r) and "V019" in map(str, r) for r in rows)
    assert [p.name for p in (out / "2023H1" / RETURNS_FOLDER).iterdir()] != []
    periods = sqlite3.connect(out / HISTORY_DB_NAME).execute("SELECT DISTINCT period FROM results").fetchall()
    assert periods == [("2023H1",)]


@pytest.mark.timeout(300)
def test_a_thin_period_is_not_assessed_by_default(tmp_path):
    src = tmp_path / "input"
    src.mkdir()
    write_registry(src / "驿站名册.xlsx")
    code, name, county, _ = STATIONS[0]
    write_report(src / "a.xlsx", station=code, name=name, county=county, month="2023-02")
    out = tmp_path / "out"
    with pytest.raises(FatalInput, match="报送不足一半，不按默认考核"):
        run_on(src, out, assessed_on=date(2023, 7, 10))
    assert not (out / HISTORY_DB_NAME).exists()
    # Named with --period, the same assessment is recorded and starts rectifications.
    summary = run_on(src, out, "2023H1", assessed_on=date(2023, 7, 10))
    assert {r.rectification for r in summary.results} == {"限期整改"}
    conn = sqlite3.connect(out / HISTORY_DB_NAME)
    assert conn.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 3
    conn.close()
