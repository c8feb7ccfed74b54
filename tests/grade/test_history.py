"""History database: schema and migrations, one transaction per run, rectification across runs."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

import pytest

from lingong import layout
from lingong.errors import HistoryError
from lingong.grade import history_query, history_schema
from lingong.grade.grading import assess
from lingong.grade.history import record_assessment
from lingong.grade.history_schema import connect
from lingong.model.periods import parse_period
from lingong.model.records import FileOutcome
from lingong.rules.load import load_rules
from support.records_factory import half_year, report, station

RULES = load_rules()
ST = {
    "ZD-001": station("ZD-001"),
    "ZD-002": station("ZD-002"),
    "GS-001": station("GS-001", county="广水市", start="2023-07"),
}


def results_for(period_key: str, failing: set[str] = frozenset()):
    """Grade every station; stations in ``failing`` miss a month's 运维总结 (G3 = 否)."""
    p = parse_period(period_key)
    acc = {}
    for code, st in ST.items():
        half = 1 if p.months[0] <= f"{p.year}-06" else 2
        for m, v in half_year(year=p.year, half=half).items():
            if st.start_month and m < st.start_month:
                continue
            if code in failing and m.endswith(("-03", "-09")):
                v = dict(v, G3=False)
            acc[(code, m)] = report(code, m, v)
    results, _ = assess(p, ST, acc, {}, [], RULES)
    return p, results


def record(db, period_key, failing=frozenset(), *, run, recheck=False, today=date(2023, 7, 10)):
    p, results = results_for(period_key, failing)
    files = [
        FileOutcome(
            file=f"{run}.xlsx", kind="report", sha256="ab" * 32, station="ZD-001", month=p.months[0], status="采用"
        )
    ]
    out = record_assessment(
        db,
        run_id=run,
        started_at=datetime.fromisoformat(f"{today.isoformat()}T09:00:00+08:00"),
        tool_version="0.1.0",
        rules=RULES,
        input_files=files,
        period=p,
        results=results,
        recheck=recheck,
        today=today,
    )
    return {r.station.code: r for r in out}


def test_schema_is_migrated_once_with_a_rollback_journal(tmp_path):
    db = tmp_path / "out" / layout.HISTORY_DB_NAME
    conn = connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # WAL is unsafe on network shares
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"schema_version", "runs", "input_files", "results", "rectification", "mail_log"} <= tables
    conn.close()
    conn = connect(db)
    assert [r[0] for r in conn.execute("SELECT version FROM schema_version")] == list(
        range(1, history_schema.SCHEMA_VERSION + 1)
    )
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO mail_log (period, station, kind, recipient, status, updated_at)"
            " VALUES ('2023H1', 'ZD-001', 'results', 'a@b.cn', 'lost', 'now')"
        )
    conn.close()


def test_a_wal_database_of_an_earlier_version_is_converted_with_its_unsaved_pages(tmp_path):
    """An earlier version left the database in WAL mode, and a run killed mid-way left
    committed rows only in the -wal file: opening converts it and keeps those rows."""
    old = tmp_path / "old"
    old.mkdir()
    db = old / layout.HISTORY_DB_NAME
    record(db, "2023H1", {"ZD-002"}, run="r1")
    writer = sqlite3.connect(db, isolation_level=None)
    assert writer.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("UPDATE runs SET tool_version = 'in-wal-only' WHERE run_id = 'r1'")
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for name in (db.name, db.name + "-wal"):  # the files as a killed process leaves them
        (crashed / name).write_bytes((old / name).read_bytes())
    writer.close()
    assert (crashed / (db.name + "-wal")).stat().st_size > 0

    conn = connect(crashed / db.name)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("SELECT tool_version FROM runs WHERE run_id = 'r1'").fetchone()[0] == "in-wal-only"
    finally:
        conn.close()
    assert not (crashed / (db.name + "-wal")).exists()
    by = record(crashed / db.name, "2023H2", set(), run="r2", today=date(2024, 1, 12))
    assert by["ZD-002"].rectification == "整改结束"  # the converted history still drives the rectification
    assert sorted(p.name for p in crashed.iterdir()) == [db.name]  # no -wal, -shm or -journal left


def test_a_database_from_a_newer_tool_is_refused(tmp_path):
    db = tmp_path / "h.sqlite3"
    connect(db).execute("INSERT INTO schema_version (version) VALUES (99)")
    with pytest.raises(HistoryError, match="新"):
        connect(db)


def test_fail_puts_on_notice_with_deadline(tmp_path):
    db = tmp_path / "h.sqlite3"
    out = record(db, "2023H1", {"ZD-001"}, run="r1")
    assert out["ZD-001"].final_overall == "不合格"
    assert (out["ZD-001"].rectification, out["ZD-001"].deadline) == ("限期整改", date(2023, 8, 9))
    assert (out["ZD-002"].rectification, out["ZD-002"].deadline) == ("", None)
    assert out["GS-001"].rectification == "" and not out["GS-001"].graded


@pytest.mark.parametrize(
    "second,recheck,failing,state",
    [
        ("2023H1", True, set(), "整改结束"),  # re-check after resubmission: 合格 ends it
        ("2023H1", True, {"ZD-001"}, "建议取消"),  # still 不合格 at the re-check
        ("2023H2", False, set(), "整改结束"),  # the next period decides
        ("2023H2", False, {"ZD-001"}, "建议取消"),
    ],
)
def test_rectification_across_two_runs(tmp_path, second, recheck, failing, state):
    db = tmp_path / "h.sqlite3"
    record(db, "2023H1", {"ZD-001"}, run="r1")
    out = record(db, second, failing, run="r2", recheck=recheck, today=date(2023, 8, 20))
    assert out["ZD-001"].rectification == state
    assert out["ZD-001"].deadline is None
    if recheck:  # a recheck decides the stations with an open case of its period, and no other
        assert set(out) == {"ZD-001"}
    else:
        assert out["ZD-002"].rectification == ""
    rows = history_query.current_results(db, second)
    assert {r["station"]: r["rectification"] for r in rows}["ZD-001"] == state


def test_rerun_of_the_same_period_replaces_and_does_not_count_twice(tmp_path):
    db = tmp_path / "h.sqlite3"
    first = record(db, "2023H1", {"ZD-001"}, run="r1")
    again = record(db, "2023H1", {"ZD-001"}, run="r2", today=date(2023, 7, 20))
    assert again["ZD-001"].rectification == "限期整改"  # not 建议取消
    # A new version whose date corrects the first one's: the deadline follows it (issue 21).
    assert first["ZD-001"].deadline == date(2023, 8, 9) and again["ZD-001"].deadline == date(2023, 8, 19)
    assert len(history_query.current_results(db, "2023H1")) == 3
    hist = history_query.station_history(db, "ZD-001")
    assert [(h["run_id"], h["current"]) for h in hist] == [("r1", 0), ("r2", 1)]
    conn = connect(db)
    assert conn.execute("SELECT COUNT(*) FROM rectification").fetchone()[0] == 1
    conn.close()


def test_state_of_an_ungraded_station_is_carried(tmp_path):
    db = tmp_path / "h.sqlite3"
    record(db, "2023H1", {"ZD-001"}, run="r1")
    ST["ZD-001"] = station("ZD-001", end="2023-06")
    try:
        out = record(db, "2023H2", run="r2")
    finally:
        ST["ZD-001"] = station("ZD-001")
    assert not out["ZD-001"].graded
    assert (out["ZD-001"].rectification, out["ZD-001"].deadline) == ("限期整改", date(2023, 8, 9))


def test_one_transaction_a_failed_run_leaves_nothing(tmp_path):
    db = tmp_path / "h.sqlite3"
    record(db, "2023H1", {"ZD-001"}, run="r1")
    with pytest.raises(HistoryError):
        record(db, "2023H2", run="r1")  # same run id: refused half-way
    conn = connect(db)
    assert conn.execute("SELECT COUNT(*) FROM results WHERE period = '2023H2'").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
    conn.close()


def test_run_record_holds_version_rules_hash_and_inputs(tmp_path):
    db = tmp_path / "h.sqlite3"
    record(db, "2023H1", run="r1")
    conn = connect(db)
    run = conn.execute("SELECT tool_version, rules_sha256, period, recheck FROM runs").fetchone()
    assert run == ("0.1.0", RULES.sha256, "2023H1", 0)
    assert conn.execute("SELECT file, sha256 FROM input_files").fetchall() == [("r1.xlsx", "ab" * 32)]
    conn.close()


def test_a_damaged_database_is_a_plain_error(tmp_path):
    db = tmp_path / "h.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(HistoryError, match="改名备份"):
        connect(db)


def test_mail_log_of_an_older_database_is_kept_and_may_hold_sending(tmp_path):
    """The issue-13 migration rebuilds mail_log (SQLite cannot change a CHECK): rows survive."""
    db = tmp_path / "h.sqlite3"
    old = sqlite3.connect(db)
    old.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for version in (1, 2):
        for statement in history_schema.MIGRATIONS[version - 1]:
            old.execute(statement)
        old.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
    old.execute(
        "INSERT INTO mail_log (run_id, period, station, kind, recipient, message_id, status, attempts,"
        " updated_at) VALUES ('r1', '2023H1', 'ZD-001', 'results', 'a@b.cn', '<m1@x>', 'sent', 1, 't')"
    )
    old.commit()
    old.close()
    conn = connect(db)
    assert conn.execute("SELECT id, station, message_id, status, attempts FROM mail_log").fetchall() == [
        (1, "ZD-001", "<m1@x>", "sent", 1)
    ]
    conn.execute(
        "INSERT INTO mail_log (period, station, kind, recipient, status, updated_at)"
        " VALUES ('2023H1', 'GS-002', 'results', 'c@d.cn', 'sending', 'now')"
    )
    assert conn.execute("SELECT id FROM mail_log WHERE station = 'GS-002'").fetchone() == (2,)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO mail_log (period, station, kind, recipient, status, updated_at)"
            " VALUES ('2023H1', 'ZD-001', 'results', 'a@b.cn', 'lost', 'now')"
        )
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"mail_log_by_station", "mail_log_by_message"} <= indexes
    conn.close()


def test_a_locked_database_is_said_to_be_in_use_not_damaged(tmp_path, monkeypatch):
    """Another run or a viewer holding the file: renaming it (the damaged file's advice)
    would lose the history."""
    import sqlite3

    from lingong.grade import history_schema

    db = tmp_path / "h.sqlite3"
    connect(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(history_schema, "BUSY_TIMEOUT_MS", 200)
    try:
        with pytest.raises(HistoryError) as e:
            connect(db)
    finally:
        holder.close()
    assert "占用" in str(e.value) and "改名" not in str(e.value).replace("不要改名", "")
    assert "database is locked" not in str(e.value)
