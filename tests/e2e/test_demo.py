"""The demo city: deterministic, and it contains what DemoInfo says was planted.

The files are read back with the real reader, so the planted cases are checked
as the pipeline will see them, not as the generator meant them."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from pathlib import Path

import pytest

from lingong import report_template
from lingong.demo import build_demo
from lingong.read.report import read_report
from lingong.read.values import id_check_ok
from lingong.read.workbook import WorkbookError, read_workbook
from support.runs import run_on


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo(tmp_path_factory.mktemp("demo") / "input")


@pytest.fixture(scope="module")
def records(demo):
    out = {}
    for rel in demo.report_files:
        out[rel] = read_report(read_workbook(demo.dest / rel), rel)
    return out


def _by_station_month(records):
    grouped = defaultdict(list)
    for rec in records.values():
        grouped[(rec.station, rec.month)].append(rec)
    return grouped


def _sum(records, station, code, months):
    grouped = _by_station_month(records)
    total = 0
    for m in months:
        recs = [r for r in grouped.get((station, m), []) if not r.has_error]
        if recs:
            total += max(recs, key=lambda r: r.fill_date).values[code]
    return total


H1 = [f"2023-{m:02d}" for m in range(1, 7)]
YEAR = [f"2023-{m:02d}" for m in range(1, 13)]


def test_two_builds_are_identical(demo, tmp_path):
    again = build_demo(tmp_path / "again", workers=1)  # and in-process equals worker processes
    assert _hashes(demo.dest) == _hashes(again.dest)
    assert again.planted == demo.planted and again.values == demo.values


def test_registry(demo):
    rows = read_workbook(demo.dest / demo.registry_file).sheet(report_template.SHEET_REGISTRY).rows
    header = rows[0]
    assert header == [label for _, label in report_template.REGISTRY_COLUMNS]
    regs = [dict(zip(header, r)) for r in rows[1:]]
    assert len(regs) >= 25 and [r["驿站编号"] for r in regs] == list(demo.stations)
    assert {r["所属县（市、区）"] for r in regs} == set(report_template.COUNTIES)
    prefix = {"曾都区": "ZD-", "随县": "SX-", "广水市": "GS-", "随州高新区": "GX-", "大洪山风景名胜区": "DHS-"}
    for r in regs:
        assert r["驿站编号"].startswith(prefix[r["所属县（市、区）"]])
        assert r["驿站名称"].endswith("零工驿站")
    assert sum(1 for r in regs if not r["电子邮箱"]) == 1
    assert all(r["电子邮箱"].endswith("@example.com") for r in regs if r["电子邮箱"])
    cancelled = [(r["驿站编号"], r["停用年月"]) for r in regs if r["状态"] == "已取消"]
    assert sorted(cancelled, key=str) == sorted([("GS-006", "2023-08"), ("SX-007", None)], key=str)
    assert [r["驿站编号"] for r in regs if r["状态"] == "整改中"] == ["ZD-006"]
    assert {r["启用年月"] for r in regs} == {None, "2023-04", "2023-09"}


def test_every_report_reads_and_names_its_station_and_month(demo, records):
    unknown = {p.station for p in demo.planted_by_key("unknown_station")}
    for rel, rec in records.items():
        assert rec.station in demo.stations or rec.station in unknown, rel
        assert rec.month and rec.month.startswith("2023-"), rel
    months = defaultdict(set)
    for rec in records.values():
        months[rec.station].add(rec.month)
    assert sorted(months["SX-004"]) == [m for m in YEAR if m != "2023-05"]  # 缺报 in May
    assert min(months["GX-003"]) == "2023-04" and min(months["DHS-002"]) == "2023-09"
    assert max(months["GS-006"]) == "2023-08"
    assert "SX-007" not in months
    assert len(records) >= 25 * 10


def test_only_the_planted_reports_have_errors(demo, records):
    with_errors = {rel for rel, rec in records.items() if rec.has_error}
    planted = {p.where for p in demo.planted if p.key in ("rejected_only_file", "unknown_station")}
    # The reader does not know the registry, so the unknown station is no error here.
    assert with_errors == planted - {p.where for p in demo.planted_by_key("unknown_station")}


def test_values_in_demo_info_are_what_the_reader_reads(demo, records):
    grouped = _by_station_month(records)
    for (station, month), values in demo.values.items():
        ok = [r for r in grouped[(station, month)] if not r.has_error]
        assert max(ok, key=lambda r: r.fill_date).values == values, (station, month)


def test_grading_scenarios_are_in_the_figures(demo, records):
    assert _sum(records, "GS-003", "C3", H1) == 41
    assert 100 <= _sum(records, "GS-003", "C3", YEAR) < 120
    assert _sum(records, "ZD-006", "C1", H1) == 380
    assert [m for m in H1 if _sum(records, "SX-002", "D1", [m]) == 0] == ["2023-03"]
    assert _sum(records, "SX-002", "D1", H1) >= 6
    assert _sum(records, "GS-002", "G5", H1) == 3 and _sum(records, "GS-002", "G5", YEAR) == 4
    complaints = [rec for rec in records.values() if rec.station == "GS-002" and rec.values.get("G5")]
    assert all(rec.detail_counts.get("投诉记录:是", rec.detail_counts.get("投诉记录")) for rec in complaints)
    for code in ("ZD-001", "SX-001", "GS-001"):  # plain excellent stations reach 120 % of 400
        assert _sum(records, code, "C1", H1) >= 480
    assert 400 <= _sum(records, "ZD-003", "C1", H1) < 480  # plain passing station


def test_resubmission_newer_fill_date_carries_the_real_figures(demo, records):
    march = [r for r in records.values() if r.station == "ZD-002" and r.month == "2023-03"]
    assert len(march) == 2
    old, new = sorted(march, key=lambda r: r.fill_date)
    assert new.file in {p.where for p in demo.planted_by_key("resubmission")}
    assert new.values["C1"] - old.values["C1"] == 40
    assert _sum(records, "ZD-002", "C1", H1) >= 480 > _sum(records, "ZD-002", "C1", H1) - 40


def test_messy_but_valid_files_give_warnings_not_errors(demo, records):
    def codes(key):
        rels = {p.where for p in demo.planted_by_key(key)}
        assert rels, key
        return {i.code for rel in rels for i in records[rel].issues}

    assert "V003" in codes("fullwidth_digits") and "V003" in codes("unit_suffix")
    assert "V005" in codes("tick_marks")
    assert "V008" in codes("numeric_month")
    assert "F011" in codes("name_mismatch")
    assert "V010" in codes("bad_id_check_digit")
    assert "V011" in codes("date_outside_month")
    assert "X002" in codes("detail_mismatch")
    for key in ("fullwidth_digits", "tick_marks", "moved_table", "renamed_file", "numeric_month"):
        for p in demo.planted_by_key(key):
            assert not records[p.where].has_error, p
    moved = records[demo.planted_by_key("moved_table")[0].where]
    assert len(moved.values) == len(report_template.INDICATORS) and moved.month == "2023-06"
    renamed = demo.planted_by_key("renamed_file")[0].where
    assert renamed.count("/") >= 2 and records[renamed].station == "ZD-001" and records[renamed].month == "2023-01"


def test_rejected_only_file(demo, records):
    (p,) = demo.planted_by_key("rejected_only_file")
    assert p.station == "GX-002" and records[p.where].has_error
    assert [r for r in records.values() if r.station == "GX-002" and r.month == "2023-05"] == [records[p.where]]
    assert ("GX-002", "2023-05") not in demo.values


def test_personal_data_looks_real_and_passes_check_digits(demo):
    rel = next(r for r in demo.report_files if r.startswith("曾都区/东城街道零工驿站/") and "2023年3月" in r)
    wb = read_workbook(demo.dest / rel)
    seekers = wb.sheet("求职登记").rows
    ids = [row[3] for row in seekers[1:] if row[3]]
    assert len(ids) >= 20 and all(isinstance(i, str) and id_check_ok(i) for i in ids)
    assert len({row[4] for row in seekers[1:]}) == len(ids)  # phones differ


def test_broken_and_skipped_files(demo):
    for rel in demo.broken_files:
        path = demo.dest / rel
        assert path.exists() and path.stat().st_size > 0
        with pytest.raises(WorkbookError):
            read_workbook(path)
    names = [Path(r).name for r in demo.skipped_files]
    assert any(n.startswith("~$") for n in names)
    assert all((demo.dest / r).exists() for r in demo.skipped_files)


def test_decisions_file(demo):
    rows = read_workbook(demo.dest / demo.decisions_file).sheet(report_template.SHEET_DECISIONS).rows
    assert rows[0] == [label for _, label in report_template.DECISION_COLUMNS]
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert len(body) == 3
    assert sum(1 for r in body if not r["理由"]) == 1
    assert {r["考核项目"] for r in body if r["理由"]} == {"宣传推广", "综合"}


def test_expectations_cover_every_grade(demo):
    for period in ("2023H1", "2023"):
        grades = {g for (s, p), g in demo.expected_overall.items() if p == period}
        assert grades == {"优秀", "合格", "不合格"}
    assert ("DHS-002", "2023H1") not in demo.expected_overall  # not operating in H1
    assert not any(s == "SX-007" for s, _ in demo.expected_overall)


@pytest.mark.parametrize("period", ["2023H1", "2023"])
def test_default_rules_grade_the_city_as_designed(demo, tmp_path, period):
    summary = run_on(demo.dest, tmp_path / "out", period, write_documents=False, workers=None)
    got = {r.station.code: r for r in summary.results if r.graded}
    expected = {s: g for (s, p), g in demo.expected_overall.items() if p == period}
    assert {code: r.computed_overall for code, r in got.items()} == expected
    for (station, p, item), grade in demo.expected_items.items():
        if p == period:
            assert {i.name: i.computed for i in got[station].items}[item] == grade, (station, item)
    assert got["GX-002"].provisional and not got["ZD-001"].provisional
    # The console names file kinds in the words of the 校验报告 and the 汇总表 (words.KIND_LABELS).
    from lingong.digest import digest

    files_line = next(line for line in digest(summary).splitlines() if line.startswith("文件："))
    assert "月度报表 " in files_line and "已跳过 2 个" in files_line and "无法读取 2 个" in files_line, files_line
    # The kinds of files add up to the total: 驿站名册 and 考核组意见 are named too.
    total = int(re.search(r"共 (\d+) 个", files_line).group(1))
    parts = [int(n) for n in re.findall(r"[\u4e00-\u9fff] (\d+) 个", files_line.split("；")[1])]
    assert "驿站名册 1 个" in files_line and "考核组意见 1 个" in files_line and sum(parts) == total, files_line
    # A 缺报 names its station and months; the clerk is told the next step.
    missing_line = next(line for line in digest(summary).splitlines() if "个站月" in line)
    assert re.search(r"缺报 \d+ 个站月（\d+ 个驿站）：[A-Z]+-\d+（\d+月", missing_line), missing_line
    assert f"下一步：核对结果后运行 python process.py mail --period {period}" in digest(summary)
    # Both reports sent back are counted, the one from a station missing in the registry (ZD-009) too.
    assert "有错误已退回的报表 2 份（其中驿站不在名册 1 份" in digest(summary)


def test_each_demo_starts_its_year_afresh_and_never_touches_a_real_history(tmp_path):
    from lingong.demo import MARKER, start_cycle
    from lingong.layout import HISTORY_DB_NAME

    real = tmp_path / "real"
    real.mkdir()
    (real / HISTORY_DB_NAME).write_bytes(b"a real history")
    with pytest.raises(FileExistsError):
        start_cycle(real / "样例输入", real, HISTORY_DB_NAME)
    assert (real / HISTORY_DB_NAME).read_bytes() == b"a real history"

    demo = tmp_path / "demo"
    start_cycle(demo / "样例输入", demo, HISTORY_DB_NAME)  # a new folder: marked as the demo's
    (demo / HISTORY_DB_NAME).write_bytes(b"the last demo's year")
    start_cycle(demo / "样例输入", demo, HISTORY_DB_NAME)
    assert not (demo / HISTORY_DB_NAME).exists() and (demo / MARKER).is_file()
