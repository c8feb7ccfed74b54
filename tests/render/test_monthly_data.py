"""月度明细, 月度趋势 and 历次考核 of the 汇总表 and 月度明细.csv, built from StationResults (issue 17)."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import date

import openpyxl
import pandas as pd

from lingong.grade import monthly as monthly
from lingong.grade.history_view import PeriodResult, recorded
from lingong.layout import HISTORY_DB_NAME, MONTHLY_CSV_NAME
from lingong.render import summary as sw
from lingong.report_template import COUNT, INDICATORS
from support import results_factory as rf
from support.summary_inputs import RULES_INFO, RUN_INFO

ID = "42130219800101001X"  # a valid 身份证号 (check digit X) a clerk typed into a file name


def messy_results():
    """The factory's city, with an ID number in one accepted file's name and one in a rejected one's."""
    results = rf.all_results()
    ex = results[0]
    sources = tuple(
        dataclasses.replace(s, file=f"曾都区/{ID}_1月.xlsx") if s.month == "2023-01" else s for s in ex.month_sources
    )
    results[0] = dataclasses.replace(ex, month_sources=sources)
    return results


def write_summary(path, results, history=None):
    sw.write_summary(
        path,
        period=results[0].period,
        results=results,
        issues=rf.sample_issues(),
        outcomes=rf.sample_outcomes(),
        stations=rf.stations(results),
        rules_info=RULES_INFO,
        run_info=RUN_INFO,
        history=history,
    )
    return openpyxl.load_workbook(path)


def test_one_row_per_operating_station_month():
    results = messy_results()
    rows = monthly.month_rows(results)
    expected = [(r.station.code, s.month, s.status) for r in results for s in r.month_sources if s.status != "未运营"]
    assert sorted((r.code, r.month, r.status) for r in rows) == sorted(expected)
    # GX-004 opened in April: no row for January to March.
    assert [r.month for r in rows if r.code == "GX-004"] == ["2023-04", "2023-05", "2023-06"]
    by = {(r.code, r.month): r for r in rows}
    accepted = by["SX-003", "2023-02"]
    assert accepted.status == "采用" and set(accepted.values) == {i.code for i in INDICATORS}
    assert accepted.cells()[6 + [i.code for i in INDICATORS].index("D2")] == 0  # a real 0, not empty
    for key, status, file in (
        (("SX-003", "2023-03"), "缺报", ""),
        (("SX-003", "2023-04"), "退回", "随县/SX-003_2023-04.xlsx"),
    ):
        row = by[key]
        assert (row.status, row.file) == (status, file)
        assert row.cells()[6:] == [None] * len(INDICATORS)
    # Every figure traces to its file: the accepted resubmission, not the file it replaced.
    assert by["GS-002", "2023-03"].file == "广水市/GS-002_2023-03_更正.xlsx"
    # County order, then station, then month.
    assert [r.code for r in rows][:12] == ["ZD-001"] * 6 + ["ZD-005"] * 6


def test_detail_sheet_is_an_excel_table_with_the_same_rows(tmp_path):
    results = messy_results()
    wb = write_summary(tmp_path / "汇总.xlsx", results)
    ws = wb["月度明细"]
    rows = monthly.month_rows(results)
    assert list(ws.tables) == ["月度明细"]
    assert ws.tables["月度明细"].ref == f"A1:AH{len(rows) + 1}"
    header = [c.value for c in ws[1]]
    assert header[:6] == ["县（市、区）", "驿站编号", "驿站名称", "月份", "报送状态", "来源文件"]
    assert header[6] == "A1 主管部门下达工作任务数" and header[-1] == "G5 被核实服务投诉次数"
    body = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert len(body) == len(rows)
    for got, row in zip(body, rows):
        want = row.cells()
        want[5] = want[5].replace(ID, "421302********001X") or None  # 缺报: an empty cell
        assert got == want
    # The hostile name stays text, never a formula.
    assert ws.cell(8, 3).data_type == "s" and ws.cell(8, 3).value.startswith("=HYPERLINK")
    assert "月度明细" in sw.SHEETS and "月度趋势" in sw.SHEETS and "历次考核" in sw.SHEETS


def test_csv_round_trip_through_pandas(tmp_path):
    results = messy_results()
    path = tmp_path / MONTHLY_CSV_NAME
    monthly.write_csv(path, results)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and ID.encode() not in data
    df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(df.columns) == list(monthly.HEADERS)
    rows = monthly.month_rows(results)
    assert len(df) == len(rows)
    assert df.loc[0, "来源文件"] == "曾都区/421302********001X_1月.xlsx"
    hostile = df[df["驿站编号"] == "ZD-005"]["驿站名称"].unique().tolist()
    assert hostile == ['\'=HYPERLINK("x")/../东城']  # Excel shows it, never runs it
    sx = df[(df["驿站编号"] == "SX-003")].set_index("月份")
    assert sx.loc["2023-03", "报送状态"] == "缺报" and sx.loc["2023-03", "C1 收集审核零工岗位数"] == ""
    assert sx.loc["2023-06", "G3 本月运维总结已提交"] == "否"
    for row in rows:
        got = df[(df["驿站编号"] == row.code) & (df["月份"] == row.month)].iloc[0]
        for i in INDICATORS:
            v = row.values.get(i.code)
            want = "" if v is None else (str(v) if i.kind == COUNT else ("是" if v else "否"))
            assert got[monthly.indicator_header(i.code)] == want


def test_csv_guards_every_formula_start():
    for text in ("=1+1", "+86 138", "-2", "@SUM(A1)"):
        assert monthly.csv_text(text) == "'" + text
    assert monthly.csv_text("东城") == "东城" and monthly.csv_text(-3) == "-3" and monthly.csv_text(None) == ""


def test_trend_figures_are_sums_of_the_monthly_values(tmp_path):
    results = messy_results()
    wb = write_summary(tmp_path / "汇总.xlsx", results)
    ws = wb["月度趋势"]
    body = [[c.value for c in r] for r in ws.iter_rows(min_row=3) if r[0].value]
    rows = monthly.month_rows(results)
    assert {r[0] for r in body} == {"全市", "曾都区", "随县", "广水市", "随州高新区"}
    assert len(body) == 5 * 6
    for area, month_text, *figures in body:
        m = f"2023-{int(month_text[:-1]):02d}"
        picked = [r for r in rows if r.month == m and r.status == "采用" and area in ("全市", r.county)]
        assert figures == [sum(r.values[c] for r in picked) for c in monthly.TREND_CODES], (area, m)
    # 随县 reported only January, February and June: March–May are 0, not missing.
    sx = {r[1]: r[2:] for r in body if r[0] == "随县"}
    assert sx["3月"] == [0] * 5 and sx["1月"][0] == rf.good_month(0)["C1"]
    import zipfile

    with zipfile.ZipFile(tmp_path / "汇总.xlsx") as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    city, counties = sorted((x for x in charts if "<c:lineChart>" in x), key=lambda x: x.count("<c:ser>"))[::-1]
    assert city.count("<c:ser>") == 5 and "月度趋势!$C$3:$C$8" in city and "月度趋势!$G$3:$G$8" in city
    # One line per county, each over its own block of rows (曾都区 is rows 9–14, 随县 15–20).
    assert counties.count("<c:ser>") == 4
    assert "月度趋势!$C$9:$C$14" in counties and "月度趋势!$C$15:$C$20" in counties
    assert [r[0] for r in body[6:12]] == ["曾都区"] * 6 and [r[0] for r in body[12:18]] == ["随县"] * 6


def test_history_sheet_lists_every_recorded_period(tmp_path):
    results = rf.all_results()
    history = [
        PeriodResult("2022H2", "2022-12|06", "ZD-001", True, "合格", False, "", "", "2023-01-10"),
        PeriodResult("2022H2", "2022-12|06", "SX-003", True, "不合格", True, "限期整改", "2023-02-09", "2023-01-10"),
        PeriodResult("2022H2", "2022-12|06", "ZD-099", True, "合格", False, "", "", "2023-01-10"),
        # A stale row of this very period: the run's own results replace it.
        PeriodResult("2023H1", "2023-06|06", "ZD-001", True, "不合格", False, "", "", "2023-07-01"),
    ]
    ws = write_summary(tmp_path / "汇总.xlsx", results, history)["历次考核"]
    header = [c.value for c in ws[2]]
    assert header == [
        "所属县（市、区）",
        "驿站编号",
        "驿站名称",
        "2022年下半年最终等次",
        "2022年下半年整改状态",
        "2023年上半年最终等次",
        "2023年上半年整改状态",
    ]
    body = {r[1].value: [c.value for c in r] for r in ws.iter_rows(min_row=3)}
    assert body["ZD-001"][3:] == ["合格", None, "优秀", None]
    assert body["SX-003"][3:] == [
        "不合格（暂定）",
        "限期整改（2023年2月9日前）",
        "不合格（暂定）",
        "限期整改（2023年8月4日前）",
    ]
    assert body["ZD-099"][2:5] == ["（不在本次名册中）", "合格", None]
    # No history at all: the run's own period still shows.
    ws = write_summary(tmp_path / "空.xlsx", results)["历次考核"]
    assert [c.value for c in ws[2]][3:] == ["2023年上半年最终等次", "2023年上半年整改状态"]


def test_history_is_read_only(tmp_path):
    db = tmp_path / HISTORY_DB_NAME
    assert recorded(db) == [] and not db.exists()  # looking never creates the database
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE runs (run_id TEXT, assessed_on TEXT, recheck INTEGER)")
    conn.execute(
        "CREATE TABLE results (run_id TEXT, period TEXT, period_order TEXT, station TEXT, graded INTEGER,"
        " item_grades TEXT, final_overall TEXT, provisional INTEGER, rectification TEXT, deadline TEXT,"
        " current INTEGER)"
    )
    conn.execute("INSERT INTO runs VALUES ('r1', '2023-07-10', 0)")
    conn.execute(
        "INSERT INTO results VALUES ('r1', '2023H1', '2023-06|06', 'ZD-001', 1,"
        " '{\"供求服务\": {\"final\": \"不合格\"}}', '不合格', 0, '限期整改', '2023-08-09', 1)"
    )
    conn.commit()
    conn.close()
    before = db.read_bytes()
    (h,) = recorded(db)
    assert (h.period, h.final, h.failed_items, h.assessed_on) == ("2023H1", "不合格", ("供求服务",), "2023-07-10")
    assert db.read_bytes() == before
    assert date.fromisoformat(h.deadline) == date(2023, 8, 9)
