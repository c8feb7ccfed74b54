"""History of assessments and the rectification state, in an embedded SQLite file.

The database lives under the output folder (suggested name ``HISTORY_DB_NAME``)
and is opened only through ``connect()``, which applies the ordered migrations
below (table ``schema_version``). Migrations are append-only: never edit a
released one, add the next.

The database uses SQLite's rollback journal (journal_mode DELETE), not WAL: the
output folder may be a shared folder on the bureau's file server, and WAL needs
shared memory that network file systems do not provide (sqlite.org/wal.html).
A database left in WAL mode by an earlier version is switched back on opening.
Runs on one output folder do not overlap (``runlock``); the busy timeout covers
a clerk's viewer holding the file for a moment.

What is kept
- ``runs``: one row per run (run id, start time, tool version, rules file and
  hash, period, whether it was a re-check, assessment date).
- ``input_files``: every input file of a run with its hash and what became of it.
- ``results``: one row per run and station (item grades as JSON, overall,
  final, 暂定, rectification state and deadline). Re-running a period keeps the
  old rows for the record but marks them ``current = 0``: only the newest run of
  a period counts, so a rerun replaces that period's result and never counts twice.
- ``rectification``: the current state per station and period that is not "".
- ``mail_log`` (migration 2; 'sending' allowed from the issue-13 migration): what the mail
  step sent, or began to send (used by that step).

Rectification (policy 四(二): 对不合格的要求限期整改，整改后仍不合格的取消)
Periods are ordered by their last month, then by length (2023-06 < 2023H1 <
2023-12 < 2023H2 < 2023). A station's *basis* state is the state of its current
result in the latest earlier period; for ``recheck`` of a period whose current
result was 限期整改, the basis is that result instead (the re-check after
resubmission decides the rectification). Then, for the new final result:

    basis \\ result       合格 or 优秀      不合格            not graded
    "" or 整改结束        ""                限期整改 (+days)   basis carried
    限期整改 / 建议取消   整改结束          建议取消           basis carried (same deadline)

A 限期整改 deadline is the assessment date + ``[rectification] deadline_days``;
a rerun that keeps a station on 限期整改 for the same period keeps its first
deadline. A 暂定 (provisional) result takes part like any other; the re-check
after the station resubmits corrects it. Re-running an earlier period does not
recompute later periods: rerun them too.
"""
from __future__ import annotations

import contextlib
import errno
import json
import sqlite3
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from .filenames import display_path
from .records import FileOutcome, Period, StationResult
from .rules import FAIL, Rules

HISTORY_DB_NAME = "考核历史.sqlite3"
BUSY_TIMEOUT_MS = 30_000   # another run (or a viewer) holding the file: wait rather than fail
JOURNAL_MODE = "DELETE"    # rollback journal; the journal file exists only during a write

NONE, ON_NOTICE, ENDED, CANCEL = "", "限期整改", "整改结束", "建议取消"
STATES = (NONE, ON_NOTICE, ENDED, CANCEL)


class HistoryError(Exception):
    """The history database cannot be used; ``str(e)`` is a Chinese message."""


MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: runs, their input files, per-station results, rectification
    (
        """CREATE TABLE runs (
            run_id TEXT PRIMARY KEY,
            started_at TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            rules_path TEXT NOT NULL,
            rules_sha256 TEXT NOT NULL,
            period TEXT NOT NULL,
            recheck INTEGER NOT NULL DEFAULT 0,
            assessed_on TEXT NOT NULL
        )""",
        """CREATE TABLE input_files (
            run_id TEXT NOT NULL REFERENCES runs(run_id),
            file TEXT NOT NULL,
            sha256 TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT '',
            station TEXT NOT NULL DEFAULT '',
            month TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (run_id, file)
        )""",
        """CREATE TABLE results (
            run_id TEXT NOT NULL REFERENCES runs(run_id),
            period TEXT NOT NULL,
            period_order TEXT NOT NULL,
            station TEXT NOT NULL,
            graded INTEGER NOT NULL,
            item_grades TEXT NOT NULL,
            computed_overall TEXT NOT NULL DEFAULT '',
            final_overall TEXT NOT NULL DEFAULT '',
            provisional INTEGER NOT NULL DEFAULT 0,
            rectification TEXT NOT NULL DEFAULT '',
            deadline TEXT,
            current INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (run_id, station)
        )""",
        "CREATE INDEX results_by_station ON results(station, current, period_order)",
        "CREATE INDEX results_by_period ON results(period, current)",
        """CREATE TABLE rectification (
            station TEXT NOT NULL,
            period TEXT NOT NULL,
            state TEXT NOT NULL,
            deadline TEXT,
            since_run TEXT NOT NULL,
            PRIMARY KEY (station, period)
        )""",
    ),
    # 2: the mail step's log
    (
        """CREATE TABLE mail_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL DEFAULT '',
            period TEXT NOT NULL,
            station TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('results', 'templates')),
            recipient TEXT NOT NULL,
            message_id TEXT NOT NULL DEFAULT '',
            attachment_sha256 TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('sent', 'failed', 'refused')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX mail_log_by_station ON mail_log(period, station, kind)",
    ),
    # ---- migration appended for issue 13 (mail at most once) ----
    # mail_log may hold 'sending': committed before each SMTP transaction and replaced by
    # 'sent' after it, so a send killed between the server's acceptance and that commit
    # leaves a row saying the outcome is unknown. SQLite cannot change a CHECK: copy the table.
    (
        """CREATE TABLE mail_log_sending (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL DEFAULT '',
            period TEXT NOT NULL,
            station TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('results', 'templates')),
            recipient TEXT NOT NULL,
            message_id TEXT NOT NULL DEFAULT '',
            attachment_sha256 TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'refused')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL
        )""",
        """INSERT INTO mail_log_sending (id, run_id, period, station, kind, recipient, message_id,
               attachment_sha256, status, attempts, last_error, updated_at)
           SELECT id, run_id, period, station, kind, recipient, message_id, attachment_sha256, status,
               attempts, last_error, updated_at FROM mail_log""",
        "DROP TABLE mail_log",
        "ALTER TABLE mail_log_sending RENAME TO mail_log",
        "CREATE INDEX mail_log_by_station ON mail_log(period, station, kind)",
        "CREATE INDEX mail_log_by_message ON mail_log(station, kind, message_id)",
    ),
    # ---- end of issue 13 migration ----
)
SCHEMA_VERSION = len(MIGRATIONS)


# SQLite primary result codes that mean the file system refused a write, not a damaged file:
# a full disk must not send the clerk off renaming the database (and losing the history).
_SQLITE_WRITE_REFUSED = {10: "磁盘空间不足或写入出错", 13: "磁盘空间不足", 8: "数据库文件或文件夹是只读的",
                         14: "无法在输出文件夹中创建文件，可能没有写入权限", 23: "没有写入权限"}


def _cannot_write(e: BaseException) -> str:
    """A Chinese cause when ``e`` says the disk is full or the folder cannot be written, else ""."""
    if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "磁盘空间不足"
    if isinstance(e, OSError) and e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "没有写入权限"
    code = getattr(e, "sqlite_errorcode", None)
    if code is None:
        return ""
    return _SQLITE_WRITE_REFUSED.get(code & 0xFF, "")


def connect(db_path: Path) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the history database.

    The connection is in autocommit mode (``isolation_level=None``): callers
    group their writes with explicit ``BEGIN IMMEDIATE`` / ``COMMIT``.
    """
    db_path = Path(db_path)
    conn = None
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(db_path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = conn.execute(f"PRAGMA journal_mode = {JOURNAL_MODE}").fetchone()[0]
        if str(mode).lower() != JOURNAL_MODE.lower():
            # Leaving WAL needs the only connection; the run lock makes that the rule.
            raise sqlite3.OperationalError(f"journal_mode remained {mode}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        _migrate(conn, db_path)
    except BaseException as e:
        if conn is not None:
            conn.close()
        if not isinstance(e, (sqlite3.DatabaseError, OSError)):
            raise
        cannot_write = _cannot_write(e)
        if cannot_write:
            raise HistoryError(f"考核历史数据库 {db_path} 无法写入（{cannot_write}）。"
                               "请检查磁盘空间和输出文件夹的写入权限后重新运行。") from e
        raise HistoryError(f"考核历史数据库 {db_path} 无法打开（{e}）。请确认文件未被占用或损坏；"
                           f"如已损坏，可将其改名备份后重新运行（历史整改状态将从头开始）。") from e
    return conn


def _migrate(conn: sqlite3.Connection, db_path: Path) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
        if current > SCHEMA_VERSION:
            raise HistoryError(f"考核历史数据库 {db_path} 的版本（{current}）比本工具（{SCHEMA_VERSION}）新。"
                               f"请使用新版本的工具运行。")
        for version in range(current + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[version - 1]:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def period_order(period: Period) -> str:
    """Sortable position of a period: last month, then length."""
    return f"{period.months[-1]}|{len(period.months):02d}"


def next_state(basis: str, result: StationResult) -> str:
    """The rectification transition (see the module docstring)."""
    if not result.graded:
        return basis
    failed = result.final_overall == FAIL
    if basis in (ON_NOTICE, CANCEL):
        return CANCEL if failed else ENDED
    return ON_NOTICE if failed else NONE


def _item_grades_json(r: StationResult) -> str:
    return json.dumps({i.name: {"computed": i.computed, "final": i.final,
                                "decision": i.decision.grade if i.decision else None}
                       for i in r.items}, ensure_ascii=False, sort_keys=True)


def record_assessment(db_path: Path, *, run_id: str, started_at: str, tool_version: str, rules: Rules,
                      input_files: list[FileOutcome], period: Period, results: list[StationResult],
                      recheck: bool, today: date) -> list[StationResult]:
    """Record one run in ONE transaction and return the results with their
    rectification state and deadline filled in."""
    conn = connect(db_path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            out = _record(conn, run_id=run_id, started_at=started_at, tool_version=tool_version,
                          rules=rules, input_files=input_files, period=period, results=results,
                          recheck=recheck, today=today)
            conn.execute("COMMIT")
        except BaseException:
            # A failed COMMIT (disk full) may already have ended the transaction; a second
            # error from ROLLBACK must not hide the first, which is the one the clerk needs.
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise
    except sqlite3.DatabaseError as e:
        raise HistoryError(f"写入考核历史数据库 {db_path} 失败（{_cannot_write(e) or e}）。本次结果未记入历史，请检查磁盘空间"
                           f"和文件权限后重新运行。") from e
    finally:
        conn.close()
    return out


def _record(conn, *, run_id, started_at, tool_version, rules, input_files, period, results,
            recheck, today) -> list[StationResult]:
    conn.execute(
        "INSERT INTO runs (run_id, started_at, tool_version, rules_path, rules_sha256, period, recheck,"
        " assessed_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (run_id, started_at, tool_version, display_path(rules.path), rules.sha256, period.key, int(recheck),
         today.isoformat()))
    conn.executemany(
        "INSERT OR REPLACE INTO input_files (run_id, file, sha256, kind, status, station, month, reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(run_id, f.file, f.sha256, f.kind, f.status, f.station, f.month, f.reason) for f in input_files])
    order = period_order(period)
    out = []
    for r in results:
        code = r.station.code
        earlier = conn.execute(
            "SELECT rectification, deadline, period FROM results WHERE station = ? AND current = 1"
            " AND period <> ? AND period_order < ? ORDER BY period_order DESC LIMIT 1",
            (code, period.key, order)).fetchone()
        same = conn.execute(
            "SELECT rectification, deadline FROM results WHERE station = ? AND current = 1 AND period = ?",
            (code, period.key)).fetchone()
        basis, basis_deadline = (earlier[0], earlier[1]) if earlier else (NONE, None)
        if recheck and same and same[0] == ON_NOTICE:
            basis, basis_deadline = same[0], same[1]
        state = next_state(basis, r)
        if state == ON_NOTICE and r.graded:
            if same and same[0] == ON_NOTICE and same[1] and not recheck:
                deadline = same[1]          # a rerun keeps the first deadline
            else:
                deadline = (today + timedelta(days=rules.deadline_days)).isoformat()
        elif state == ON_NOTICE:
            deadline = basis_deadline      # carried while not graded
        else:
            deadline = None
        out.append(replace(r, rectification=state,
                           deadline=date.fromisoformat(deadline) if deadline else None))

    conn.execute("UPDATE results SET current = 0 WHERE period = ? AND current = 1", (period.key,))
    conn.execute("DELETE FROM rectification WHERE period = ?", (period.key,))
    for r in out:
        conn.execute(
            "INSERT INTO results (run_id, period, period_order, station, graded, item_grades,"
            " computed_overall, final_overall, provisional, rectification, deadline, current)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            (run_id, period.key, order, r.station.code, int(r.graded), _item_grades_json(r),
             r.computed_overall, r.final_overall, int(r.provisional), r.rectification,
             r.deadline.isoformat() if r.deadline else None))
        if r.rectification:
            conn.execute(
                "INSERT INTO rectification (station, period, state, deadline, since_run) VALUES (?, ?, ?, ?, ?)",
                (r.station.code, period.key, r.rectification,
                 r.deadline.isoformat() if r.deadline else None, run_id))
    return out


def current_results(db_path: Path, period_key: str) -> list[dict]:
    """The current (newest) recorded result of each station for a period."""
    conn = connect(db_path)
    try:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("SELECT * FROM results WHERE period = ? AND current = 1 ORDER BY station",
                            (period_key,)).fetchall()
        return [dict(r) for r in rows]
    finally:
        conn.close()


def station_history(db_path: Path, station: str) -> list[dict]:
    """Every recorded result of a station, oldest period first, superseded reruns included."""
    conn = connect(db_path)
    try:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(
            "SELECT r.*, runs.started_at, runs.recheck FROM results r JOIN runs USING (run_id)"
            " WHERE r.station = ? ORDER BY r.period_order, runs.started_at", (station,)).fetchall()
        return [dict(r) for r in rows]
    finally:
        conn.close()
