"""The rectification rule of assessment-rules.md: every row of its table, against the history database.

Each case records the history so far, then the new assessment, and checks the state the new
assessment shows and the deadline. Grades are set directly (the grading has its own tests):
what matters here is which assessment may start or decide a 限期整改.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date, datetime

import pytest

from lingong import errors
from lingong.grade import history_query, history_schema
from lingong.grade.grading import assess
from lingong.grade.history import record_assessment
from lingong.grade.history_query import cases_of
from lingong.grade.history_schema import connect
from lingong.model.periods import parse_period
from lingong.model.records import FileOutcome
from lingong.rules.load import load_rules
from support.records_factory import half_year, report, station

RULES = load_rules()
ST = {"GS-002": station("GS-002", county="广水市")}
F, P = "不合格", "合格"
D = date.fromisoformat


def assess_as(period_key: str, grade: str):
    p = parse_period(period_key)
    acc = {}
    for half in (1, 2):
        for m, v in half_year(year=p.year, half=half).items():
            if m in p.months:
                acc[("GS-002", m)] = report("GS-002", m, v)
    results, _ = assess(p, ST, acc, {}, [], RULES)
    return p, [replace(r, final_overall=grade) for r in results]


def record(db, period_key, grade, on, *, recheck=False, provisional=False):
    p, results = assess_as(period_key, grade)
    results = [replace(r, provisional=provisional) for r in results]
    run = f"r{len(history_query.station_history(db, 'GS-002')) if db.exists() else 0}-{period_key}-{on}-{recheck}"
    out = record_assessment(
        db,
        run_id=run,
        started_at=datetime.fromisoformat(f"{on}T09:00:00+08:00"),
        tool_version="0.1.0",
        rules=RULES,
        input_files=[FileOutcome(file="a.xlsx", kind="report")],
        period=p,
        results=results,
        recheck=recheck,
        today=D(on),
    )
    return out[0]


# (history so far, new assessment, state after, deadline shown) — the rows of the spec's table.
# A step is (period, grade, 考核日期[, "recheck"]).
TABLE = [
    ([], ("2023H1", F, "2023-07-10"), "限期整改", "2023-08-09"),
    ([("2023H1", F, "2023-07-10")], ("2023H1", F, "2023-07-20", "recheck"), "限期整改", "2023-08-09"),
    ([("2023H1", F, "2023-07-10")], ("2023H1", F, "2023-08-20", "recheck"), "建议取消", None),
    ([("2023H1", F, "2023-07-10")], ("2023H1", P, "2023-07-20", "recheck"), "整改结束", None),
    ([("2023H1", F, "2023-07-10")], ("2023H1", P, "2023-08-20", "recheck"), "整改结束", None),
    ([("2023H1", F, "2023-07-10")], ("2023H2", P, "2024-01-12"), "整改结束", None),
    ([("2023H1", F, "2023-07-10")], ("2023H2", F, "2024-01-12"), "建议取消", None),
    ([("2023H1", F, "2023-07-10")], ("2023", P, "2024-01-12"), "限期整改", "2023-08-09"),
    ([("2023H1", F, "2023-07-10")], ("2023", F, "2024-01-12"), "限期整改", "2023-08-09"),
    ([("2023H1", P, "2023-07-10")], ("2023H2", F, "2024-01-12"), "限期整改", "2024-02-11"),
    ([("2023H1", P, "2023-07-10"), ("2023H2", F, "2024-01-12")], ("2023", F, "2024-01-12"), "限期整改", "2024-02-11"),
    ([("2023H1", F, "2023-07-10"), ("2023H2", P, "2024-01-12")], ("2023", F, "2024-01-12"), "整改结束", None),
    ([("2023H1", P, "2023-07-10"), ("2023H2", P, "2024-01-12")], ("2023", F, "2024-01-12"), "限期整改", "2024-02-11"),
    ([("2023H1", P, "2023-07-10")], ("2023", F, "2024-01-12"), "限期整改", "2024-02-11"),
    ([], ("2023", F, "2024-01-12"), "限期整改", "2024-02-11"),
    ([("2023H1", F, "2023-07-10")], ("2023-09", P, "2023-10-10"), "限期整改", "2023-08-09"),
    ([("2023H1", F, "2023-07-10")], ("2023-09", F, "2023-10-10"), "限期整改", "2023-08-09"),
    # A rerun is a new version: the date it gives corrects the first one's, and the deadline follows.
    ([("2023H1", F, "2023-07-10")], ("2023H1", F, "2023-07-15"), "限期整改", "2023-08-14"),
    # A 暂定 result decides nothing, whatever its grade (issue 21).
    ([("2023H1", F, "2023-07-10")], ("2023H1", F, "2023-07-20", "recheck", "provisional"), "限期整改", "2023-08-09"),
    ([("2023H1", F, "2023-07-10")], ("2023H1", P, "2023-07-20", "recheck", "provisional"), "限期整改", "2023-08-09"),
    # (H1's case stays open, see test_provisional_and_withdrawn; H2's own failure starts its own.)
    ([("2023H1", F, "2023-07-10")], ("2023H2", F, "2024-01-12", "provisional"), "限期整改", "2024-02-11"),
    (
        [("2023H1", F, "2023-07-10"), ("2023H1", F, "2023-08-20", "recheck")],
        ("2024H1", P, "2024-07-10"),
        "整改结束",
        None,
    ),
]


def _id(step) -> str:
    return "/".join({F: "fail", P: "pass"}.get(x, x) for x in step)


@pytest.mark.parametrize(
    "before,new,state,deadline", TABLE, ids=[f"{'+'.join(_id(s) for s in b) or 'none'}->{_id(n)}" for b, n, *_ in TABLE]
)
def test_rectification_table(tmp_path, before, new, state, deadline):
    db = tmp_path / "h.sqlite3"
    for period, grade, on, *how in before:
        record(db, period, grade, on, recheck="recheck" in how)
    period, grade, on, *how = new
    r = record(db, period, grade, on, recheck="recheck" in how, provisional="provisional" in how)
    assert (r.rectification, r.deadline) == (state, D(deadline) if deadline else None)
    # The results table holds what the documents of this assessment show.
    row = history_query.current_results(db, period)[0]
    assert (row["rectification"], row["deadline"]) == (state, deadline)


def test_an_overlapping_year_leaves_the_half_year_case_to_its_decider(tmp_path):
    db = tmp_path / "h.sqlite3"
    record(db, "2023H1", F, "2023-07-10")
    year = record(db, "2023", F, "2024-01-12")
    assert year.case.period == "2023H1"  # it shows the half-year's case, not one of its own
    assert set(cases_of(db, "GS-002")) == {"2023H1"}
    assert cases_of(db, "GS-002")["2023H1"].state == "限期整改"
    h2 = record(db, "2023H2", P, "2024-01-13")  # the year did not take the decision away
    assert (h2.rectification, h2.case.period, h2.case.decided_by) == ("整改结束", "2023H1", "2023H2")


def test_a_later_half_year_before_the_deadline_does_not_decide(tmp_path):
    db = tmp_path / "h.sqlite3"
    record(db, "2023H1", F, "2023-07-10")
    early = record(db, "2023H2", F, "2023-08-01")  # dated before 2023-08-09: the station still has time
    assert cases_of(db, "GS-002")["2023H1"].state == "限期整改"
    assert early.rectification == "限期整改"


def test_a_rerun_of_the_deciding_period_decides_again(tmp_path):
    db = tmp_path / "h.sqlite3"
    record(db, "2023H1", F, "2023-07-10")
    assert record(db, "2023H2", F, "2024-01-12").rectification == "建议取消"
    # The H2 data were corrected and H2 is run again: its earlier decision does not stand.
    assert record(db, "2023H2", P, "2024-01-13").rectification == "整改结束"
    assert cases_of(db, "GS-002")["2023H1"].state == "整改结束"


def test_history_lists_periods_by_their_last_month(tmp_path):
    db = tmp_path / "h.sqlite3"
    record(db, "2023H1", P, "2023-07-10")
    record(db, "2023H2", P, "2024-01-12")
    record(db, "2023", P, "2024-01-12")
    assert [h["period"] for h in history_query.station_history(db, "GS-002")] == ["2023H1", "2023H2", "2023"]
    # Typed in another order, the history refuses rather than giving other states (issue 21).
    other = tmp_path / "other.sqlite3"
    record(other, "2023", P, "2024-01-12")
    with pytest.raises(errors.HistoryRefused):
        record(other, "2023H2", P, "2024-01-12")


def _version_2_history(db):
    """A history as the previous version wrote it: H1 failed on 2023-07-06 (deadline 2023-08-05), then
    the year, run on 2024-01-12, said 建议取消 about the same months."""
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for version, statements in enumerate(history_schema.MIGRATIONS[:2], 1):
        for s in statements:
            conn.execute(s)
        conn.execute("INSERT INTO schema_version VALUES (?)", (version,))
    for run, period, on, state, deadline in (
        ("a", "2023H1", "2023-07-06", "限期整改", "2023-08-05"),
        ("b", "2023", "2024-01-12", "建议取消", None),
    ):
        conn.execute(
            "INSERT INTO runs VALUES (?, ?, '0.1.0', 'rules.toml', 'x', ?, 0, ?)", (run, f"{on} 09:00:00", period, on)
        )
    conn.execute(
        "INSERT INTO results VALUES ('a', '2023H1', '2023-06|06', 'ZD-9', 1, '{}', '不合格', '不合格', 0,"
        " '限期整改', '2023-08-05', 1)"
    )
    conn.execute(
        "INSERT INTO results VALUES ('b', '2023', '2023-12|12', 'ZD-9', 1, '{}', '不合格', '不合格', 0,"
        " '建议取消', NULL, 1)"
    )
    conn.execute("INSERT INTO rectification VALUES ('ZD-9', '2023H1', '限期整改', '2023-08-05', 'a')")
    conn.execute("INSERT INTO rectification VALUES ('ZD-9', '2023', '建议取消', NULL, 'b')")
    conn.commit()
    conn.close()


def test_a_version_2_history_is_migrated_keeping_its_deadlines(tmp_path):
    db = tmp_path / "h.sqlite3"
    _version_2_history(db)
    conn = connect(db)
    assert [r[0] for r in conn.execute("SELECT version FROM schema_version")] == list(
        range(1, history_schema.SCHEMA_VERSION + 1)
    )
    conn.close()
    case = cases_of(db, "ZD-9")["2023H1"]
    # The recorded deadline stays; the year's 建议取消 about the same months is not carried over.
    assert (case.state, case.deadline, case.started_on) == ("限期整改", D("2023-08-05"), D("2023-07-06"))
    assert set(cases_of(db, "ZD-9")) == {"2023H1"}


def test_cancellation_ends_when_the_kept_station_passes_a_recheck(tmp_path):
    db = tmp_path / "h.sqlite3"
    record(db, "2023H1", F, "2023-07-10")
    assert record(db, "2023H1", F, "2023-08-20", recheck=True).rectification == "建议取消"
    assert record(db, "2023H1", F, "2023-09-01", recheck=True).rectification == "建议取消"  # stays until acted on
    ended = record(db, "2023H1", P, "2023-09-20", recheck=True)
    assert (ended.rectification, ended.case.decided_by, ended.case.decided_recheck) == ("整改结束", "2023H1", True)


def test_a_cancelled_station_failing_again_gets_no_second_deadline(tmp_path):
    db = tmp_path / "h.sqlite3"
    record(db, "2023H1", F, "2023-07-10")
    record(db, "2023H2", F, "2024-01-12")
    again = record(db, "2024H1", F, "2024-07-10")
    assert (again.rectification, again.deadline, again.case.period) == ("建议取消", None, "2023H1")
    assert set(cases_of(db, "GS-002")) == {"2023H1"}
