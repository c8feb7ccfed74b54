"""The history can be trusted (issue 21, point 8): it belongs to one city, it is never started
again without a word, states do not depend on the order commands are typed, dates are checked,
options mean the same before and after the sub-command — and an earlier version's history is
migrated keeping its dates and deadlines."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date

import pytest

from lingong.cli import build_parser
from lingong.errors import FatalInput, HistoryRefused
from lingong.grade import history_plan, history_schema
from lingong.grade.history_query import cases_of
from lingong.grade.history_schema import connect
from lingong.layout import HISTORY_DB_NAME, RESULTS_JSON_NAME
from support.city import write_city
from support.paths import ROOT
from support.runs import run_on

D = date.fromisoformat
OTHER_CITY = [
    ("XY-001", "樊城零工驿站", "曾都区", "x1@example.com"),
    ("XY-002", "襄城零工驿站", "曾都区", "x2@example.com"),
    ("XY-003", "襄州零工驿站", "广水市", "x3@example.com"),
]


def assess(src, out, period, on, *, recheck=False, new_history=False, documents=False):
    return run_on(src, out, period, recheck=recheck, assessed_on=on, write_documents=documents, new_history=new_history)


@pytest.fixture
def year(tmp_path):
    """Three stations, all of 2023; GS-001's March report has an error (so it fails H1)."""
    return write_city(tmp_path / "input", months=range(1, 13), broken=(("GS-001", 3),))


def test_options_mean_the_same_before_and_after_the_sub_command(tmp_path):
    p = build_parser()
    for argv in (
        ["--output", "O", "history", "--station", "ZD-004"],
        ["history", "--output", "O", "--station", "ZD-004"],
    ):
        assert str(p.parse_args(argv).output) == "O", argv
    for argv in (
        ["--date", "2023-07-20", "recheck", "--period", "2023H1"],
        ["recheck", "--period", "2023H1", "--date", "2023-07-20"],
        ["--period", "2023H1", "recheck", "--date", "2023-07-20"],
    ):
        args = p.parse_args(argv)
        assert (args.date, args.period, args.command) == (D("2023-07-20"), "2023H1", "recheck"), argv
    # An option the sub-command has no use for is refused there, never dropped.
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1796083200"}
    cmd = [sys.executable, str(ROOT / "process.py"), "--date", "2023-07-20", "mail", "--output", str(tmp_path)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2 and "mail 不使用 --date" in done.stderr


def test_another_citys_history_is_refused_naming_both(tmp_path, year):
    out = tmp_path / "out"
    assess(year, out, "2023H1", D("2023-07-10"))
    other = write_city(tmp_path / "other", months=range(1, 13), stations=OTHER_CITY)
    with pytest.raises(HistoryRefused) as e:
        assess(other, out, "2023H2", D("2024-01-12"))
    assert "另一个城市" in str(e.value) and "ZD-001" in str(e.value) and "XY-001" in str(e.value)
    assert [r.period for r in history_plan.runs_of(out / HISTORY_DB_NAME)] == ["2023H1"]  # nothing recorded


def test_a_recheck_of_a_period_never_assessed_is_refused(tmp_path, year):
    with pytest.raises(HistoryRefused, match="还没有考核，无法复查"):
        assess(year, tmp_path / "out", "2023H1", D("2023-08-15"), recheck=True)
    assert not (tmp_path / "out" / HISTORY_DB_NAME).exists()


def test_a_missing_history_beside_assessed_periods_is_refused_unless_asked_for(tmp_path, year):
    out = tmp_path / "out"
    assess(year, out, "2023H1", D("2023-07-10"), documents=True)
    (out / HISTORY_DB_NAME).unlink()
    with pytest.raises(HistoryRefused, match="--new-history"):
        assess(year, out, "2023H1", D("2023-08-15"), recheck=True)
    with pytest.raises(HistoryRefused, match="考核历史 考核历史.sqlite3 不存在"):
        assess(year, out, "2023H2", D("2024-01-12"))
    fresh = assess(year, out, "2023H2", D("2024-01-12"), new_history=True, documents=True)
    assert fresh.assessment.version == 1
    assert (out / "2023H1" / RESULTS_JSON_NAME).is_file()  # the earlier period's files are left as they were


@pytest.mark.parametrize(
    "first,second",
    [
        (("2023H2", "2024-01-12"), ("2023H1", "2023-07-10")),  # H2 typed before H1
        (("2023", "2024-01-12"), ("2023H2", "2024-01-12")),  # the year before its half-year, same day
    ],
)
def test_assessments_out_of_date_order_are_refused_saying_why(tmp_path, year, first, second):
    out = tmp_path / "out"
    assess(year, out, first[0], D(first[1]))
    with pytest.raises(HistoryRefused, match="考核须按考核日期依次记录"):
        assess(year, out, second[0], D(second[1]))


def test_states_follow_the_dates_not_the_typing_order(tmp_path, year):
    """In date order the one order the history accepts gives the spec's states."""
    out = tmp_path / "out"
    assess(year, out, "2023H1", D("2023-07-10"))
    assess(year, out, "2023H2", D("2024-01-12"))
    assess(year, out, "2023", D("2024-01-12"))
    cases = cases_of(out / HISTORY_DB_NAME, "GS-001")
    # The H1 case is decided by H2 (the year shares its months: it decides nothing).
    assert {k: c.decided_by for k, c in cases.items()} == {"2023H1": "2023H2"}


def test_dates_are_checked(tmp_path, year):
    out = tmp_path / "out"
    with pytest.raises(FatalInput, match="在考核期2023年下半年开始之前"):
        assess(year, out, "2023H2", D("2023-02-01"))
    assess(year, out, "2023H1", D("2023-07-10"))
    with pytest.raises(HistoryRefused, match="复查日期 2023年7月1日 在它复查的2023年上半年考核"):
        assess(year, out, "2023H1", D("2023-07-01"), recheck=True)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1796083200"}
    for typed in ("9999-12-31", "2032-07-10"):
        cmd = [sys.executable, str(ROOT / "process.py"), "--period", "2023H1", "--date", typed]
        target = tmp_path / f"o{typed[:4]}"
        done = subprocess.run(
            [*cmd, "--input", str(year), "--output", str(target)], capture_output=True, text=True, env=env, timeout=120
        )
        assert done.returncode == 2 and f"考核日期“{typed}”" in done.stderr and "Traceback" not in done.stderr
        assert not target.exists() or not any(target.iterdir())


def test_the_default_period_is_the_latest_half_year_ended_on_the_date(tmp_path, year):
    s = assess(year, tmp_path / "out", None, D("2023-07-10"))
    assert s.period.key == "2023H1" and "已经结束的最近半年度" in s.period_note


def test_a_rerun_with_another_date_corrects_it_and_the_deadlines_follow(tmp_path, year):
    out = tmp_path / "out"
    first = assess(year, out, "2023H1", D("2023-07-20"))
    assert {r.station.code: r.deadline for r in first.results}["GS-001"] == D("2023-08-19")
    again = assess(year, out, "2023H1", D("2023-07-10"))  # the date was mistyped: a new version
    assert again.assessment.version == 2
    assert {r.station.code: r.deadline for r in again.results}["GS-001"] == D("2023-08-09")
    assert cases_of(out / HISTORY_DB_NAME, "GS-001")["2023H1"].deadline == D("2023-08-09")


def test_a_version_4_history_is_migrated_keeping_its_dates_and_deadlines(tmp_path):
    db = tmp_path / HISTORY_DB_NAME
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for version, statements in enumerate(history_schema.MIGRATIONS[:4], 1):
        for s in statements:
            s(conn) if callable(s) else conn.execute(s)
        conn.execute("INSERT INTO schema_version VALUES (?)", (version,))
    for run_id, period, recheck, on in (
        ("a", "2023H1", 0, "2023-07-06"),
        ("b", "2023H1", 0, "2023-07-08"),  # rerun by the old version
        ("c", "2023H1", 1, "2023-08-20"),
    ):
        conn.execute(
            "INSERT INTO runs VALUES (?, ?, '0.1.0', 'rules.toml', 'x', ?, ?, ?)",
            (run_id, f"{on} 09:00:00", period, recheck, on),
        )
    conn.execute(
        "INSERT INTO rectification_cases VALUES ('ZD-9', '2023H1', 'a', '2023-07-06', '2023-08-05', '建议取消',"
        " '2023H1', 1, 'c', '2023-08-20')"
    )
    conn.commit()
    conn.close()
    connect(db).close()
    runs = {r.run_id: r for r in history_plan.runs_of(db)}
    assert (runs["a"].version, runs["a"].replaced_by, runs["b"].version, runs["b"].replaced_by) == (1, "b", 2, "")
    assert (runs["c"].recheck, runs["c"].version, runs["c"].assessed_on) == (True, 1, D("2023-08-20"))
    case = cases_of(db, "ZD-9")["2023H1"]
    assert (case.started_on, case.deadline, case.state) == (D("2023-07-06"), D("2023-08-05"), "建议取消")
    assert (case.proposed_by, case.proposed_on) == ("2023H1", D("2023-08-20"))


def test_a_rerun_is_a_new_version_keeping_the_last_one_and_saying_what_changed(tmp_path, year):
    import hashlib

    from support.report_factory import write_report

    out = tmp_path / "out"
    first = assess(year, out, "2023H1", D("2023-07-10"), documents=True)
    h1 = out / "2023H1"
    issued = {
        p.relative_to(h1).as_posix(): hashlib.sha256(p.read_bytes()).digest() for p in h1.rglob("*") if p.is_file()
    }
    assert first.assessment.version == 1
    # GS-001 resends its March report, corrected, before the documents went out.
    write_report(
        year / "GS-001_3月_重报.xlsx",
        station="GS-001",
        name="应山零工驿站",
        county="广水市",
        month="2023-03",
        fill_date=D("2023-07-12"),
    )
    again = assess(year, out, "2023H1", None, documents=True)  # no --date: the first version's date is kept
    assert again.assessment.version == 2 and again.assessed_on == D("2023-07-10")
    (old,) = (h1 / "旧版本").iterdir()
    assert old.name.startswith("第1版_2023-07-10_生成于")
    kept = {
        p.relative_to(old).as_posix(): hashlib.sha256(p.read_bytes()).digest() for p in old.rglob("*") if p.is_file()
    }
    assert kept == issued  # the first version's files, as they were
    assert any(line.startswith("与第1版（考核日期 2023年7月10日）相比") for line in again.lines)
    gs = {r.station.code: r for r in again.results}["GS-001"]
    if (gs.final_overall, gs.rectification) != ("不合格", "限期整改"):
        assert any(line.strip().startswith("GS-001") for line in again.lines), again.lines
    assert not gs.provisional  # the resent March is used


def test_mail_of_an_assessment_an_earlier_version_recorded_says_what_can_be_done(tmp_path, capsys):
    from lingong.cli import main

    test_a_version_4_history_is_migrated_keeping_its_dates_and_deadlines(tmp_path)
    assert main(["mail", "--period", "2023H1", "--output", str(tmp_path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "由旧版本的工具考核的" in err and "send" in err and "--period 2023H1" in err
