"""The history database's schema and how it is opened.

Opened only through ``connect()``, which applies the ordered migrations below
(table ``schema_version``). Migrations are append-only: never edit a released one,
add the next.

The database uses SQLite's rollback journal (journal_mode DELETE), not WAL: the
output folder may be a shared folder on the bureau's file server, and WAL needs
shared memory that network file systems do not provide (sqlite.org/wal.html).
A database left in WAL mode by an earlier version is switched back on opening.
Runs on one output folder do not overlap (``runlock``); the busy timeout covers
a clerk's viewer holding the file for a moment.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from lingong.errors import HistoryError
from lingong.grade.rectification import CANCEL, ENDED, ON_NOTICE, is_after, period_order
from lingong.model.periods import parse_period

BUSY_TIMEOUT_MS = 30_000  # another run (or a viewer) holding the file: wait rather than fail
JOURNAL_MODE = "DELETE"  # rollback journal; the journal file exists only during a write


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
    # 3: rectification cases (issue 11), each tied to the assessment that started it
    (
        """CREATE TABLE rectification_cases (
            station TEXT NOT NULL,
            period TEXT NOT NULL,
            started_run TEXT NOT NULL,
            started_on TEXT NOT NULL,
            deadline TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('限期整改', '整改结束', '建议取消')),
            decided_by TEXT NOT NULL DEFAULT '',
            decided_recheck INTEGER NOT NULL DEFAULT 0,
            decided_run TEXT NOT NULL DEFAULT '',
            decided_on TEXT,
            PRIMARY KEY (station, period)
        )""",
        "ALTER TABLE results ADD COLUMN case_period TEXT NOT NULL DEFAULT ''",
        lambda conn: _cases_from_version_2(conn),
    ),
    # ---- 4: appended for issue 13 (mail at most once) ----
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
    # ---- 5: appended for issue 21 (an assessment is a record) ----
    # Each run is an assessment: its version among the runs of the same period and kind, the
    # folder its documents are in, the run that replaced it (a rerun of the period), and the
    # record every document of it is rendered from (``records``: compressed JSON, real text, as
    # the rest of the history). ``case_changes`` keeps what each assessment did to a case, so a
    # rerun undoes exactly that. ``city`` names the city the history belongs to.
    (
        "ALTER TABLE runs ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE runs ADD COLUMN folder TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE runs ADD COLUMN replaced_by TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE runs ADD COLUMN input_dir TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE input_files ADD COLUMN size INTEGER NOT NULL DEFAULT -1",
        "ALTER TABLE input_files ADD COLUMN mtime REAL NOT NULL DEFAULT 0",
        "ALTER TABLE rectification_cases ADD COLUMN proposed_by TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE rectification_cases ADD COLUMN proposed_recheck INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE rectification_cases ADD COLUMN proposed_on TEXT",
        f"""UPDATE rectification_cases SET proposed_by = decided_by, proposed_recheck = decided_recheck,
               proposed_on = decided_on WHERE state = '{CANCEL}'""",
        """CREATE TABLE case_changes (
            run_id TEXT NOT NULL,
            station TEXT NOT NULL,
            period TEXT NOT NULL,
            before TEXT,
            PRIMARY KEY (run_id, station, period)
        )""",
        """CREATE TABLE records (
            run_id TEXT PRIMARY KEY,
            format TEXT NOT NULL,
            body BLOB NOT NULL
        )""",
        """CREATE TABLE city (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            name TEXT NOT NULL,
            registry TEXT NOT NULL,
            codes TEXT NOT NULL
        )""",
        lambda conn: _versions_from_version_4(conn),
    ),
    # ---- end of issue 21 migration ----
    # ---- 6: appended for issue 27 (receipts of mail that arrives) ----
    # send --receipts logs receipt drafts at most once like the others: a third kind of mail.
    # SQLite cannot change a CHECK: copy the table, as migration 4 did.
    (
        """CREATE TABLE mail_log_receipts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL DEFAULT '',
            period TEXT NOT NULL,
            station TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('results', 'templates', 'receipts')),
            recipient TEXT NOT NULL,
            message_id TEXT NOT NULL DEFAULT '',
            attachment_sha256 TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'refused')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL
        )""",
        """INSERT INTO mail_log_receipts (id, run_id, period, station, kind, recipient, message_id,
               attachment_sha256, status, attempts, last_error, updated_at)
           SELECT id, run_id, period, station, kind, recipient, message_id, attachment_sha256, status,
               attempts, last_error, updated_at FROM mail_log""",
        "DROP TABLE mail_log",
        "ALTER TABLE mail_log_receipts RENAME TO mail_log",
        "CREATE INDEX mail_log_by_station ON mail_log(period, station, kind)",
        "CREATE INDEX mail_log_by_message ON mail_log(station, kind, message_id)",
    ),
    # ---- end of issue 27 migration ----
)
SCHEMA_VERSION = len(MIGRATIONS)


# SQLite primary result codes that mean the file system refused a write, not a damaged file:
# a full disk must not send the clerk off renaming the database (and losing the history).
_SQLITE_WRITE_REFUSED = {
    10: "磁盘空间不足或写入出错",
    13: "磁盘空间不足",
    8: "数据库文件或文件夹是只读的",
    14: "无法在输出文件夹中创建文件，可能没有写入权限",
    23: "没有写入权限",
}


def cannot_write(e: BaseException) -> str:
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
        refused = cannot_write(e)
        if refused:
            raise HistoryError(
                f"考核历史数据库 {db_path} 无法写入（{refused}）。请检查磁盘空间和输出文件夹的写入权限后重新运行。"
            ) from e
        if _locked(e):
            raise HistoryError(
                f"考核历史数据库 {db_path} 正被其他程序占用（等了 {BUSY_TIMEOUT_MS / 1000:g} 秒仍未释放）："
                "可能另一台电脑正在运行考核，或有人用数据库工具打开着它。"
                "请等对方运行结束或关闭占用它的程序后重新运行；文件没有损坏，不要改名或删除。"
            ) from e
        raise HistoryError(
            f"考核历史数据库 {db_path} 无法打开（{_cause(e)}）。"
            f"如已损坏，可将其改名备份后重新运行（历史整改状态将从头开始）。"
        ) from e
    return conn


def _locked(e: BaseException) -> bool:
    """SQLite's "database is locked" / "database table is locked" / SQLITE_BUSY: another
    connection holds the file. Advice for a damaged file (rename it) would lose the history."""
    text = str(e).lower()
    return isinstance(e, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def _cause(e: BaseException) -> str:
    """The clerk's words for why SQLite could not open the file."""
    text = str(e).lower()
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return "文件已损坏或不是考核历史数据库"
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return "数据库报告错误：" + str(e)[:80]


def _migrate(conn: sqlite3.Connection, db_path: Path) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
        if current > SCHEMA_VERSION:
            raise HistoryError(
                f"考核历史数据库 {db_path} 的版本（{current}）比本工具（{SCHEMA_VERSION}）新。请使用新版本的工具运行。"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[version - 1]:
                if callable(statement):
                    statement(conn)
                else:
                    conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _cases_from_version_2(conn: sqlite3.Connection) -> None:
    """Rebuild cases from a version-2 history, keeping its recorded deadlines.

    Version 2 kept one state per station and period. A 限期整改 row is an open
    case; a recheck that ended or cancelled it left the state on the same period
    (the deadline is on that period's earlier result). A later period's 整改结束 /
    建议取消 decides an open case only where the current rules say it may (its
    months all after the case's, dated on or after the deadline): a year's
    "整改后仍不合格" about its own half-year is not carried over."""
    rows = conn.execute(
        "SELECT r.station, r.period, r.state, r.deadline, r.since_run, runs.assessed_on, runs.recheck"
        " FROM rectification r JOIN runs ON runs.run_id = r.since_run"
    ).fetchall()
    cases: dict[tuple[str, str], list] = {}
    later = []
    for station, period, state, deadline, run_id, on, recheck in rows:
        if state == ON_NOTICE and deadline:
            cases[(station, period)] = [run_id, on, deadline, state, "", 0, "", None]
        elif state in (ENDED, CANCEL) and recheck:
            first = conn.execute(
                "SELECT r.run_id, runs.assessed_on, r.deadline FROM results r JOIN runs USING (run_id)"
                " WHERE r.station = ? AND r.period = ? AND r.rectification = ? AND r.deadline IS NOT NULL"
                " ORDER BY runs.started_at LIMIT 1",
                (station, period, ON_NOTICE),
            ).fetchone()
            if first:
                cases[(station, period)] = [first[0], first[1], first[2], state, period, 1, run_id, on]
        elif state in (ENDED, CANCEL):
            later.append((station, period, state, run_id, on))
    order = {k: period_order(p) for k in {p for _, p, *_ in rows} if (p := parse_period(k))}
    for station, period, state, run_id, on in sorted(later, key=lambda t: order.get(t[1], "")):
        p = parse_period(period)
        for (st, a), case in cases.items():
            if st == station and case[3] != ENDED and p and is_after(p, a) and on >= case[2]:
                case[3:8] = [state, period, 0, run_id, on]
    conn.executemany(
        "INSERT INTO rectification_cases (station, period, started_run, started_on, deadline, state, decided_by,"
        " decided_recheck, decided_run, decided_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(st, p, *case) for (st, p), case in sorted(cases.items())],
    )
    conn.execute(
        "UPDATE results SET case_period = period WHERE rectification = ? AND deadline IS NOT NULL", (ON_NOTICE,)
    )


def _versions_from_version_4(conn: sqlite3.Connection) -> None:
    """Number the runs an earlier version recorded as versions: the assessments of one period in
    the order they ran (each replaced by the next), each recheck date its own. Their 考核日期,
    results and deadlines stay as recorded; they have no record (考核记录), so ``mail`` asks for
    such a period to be assessed again."""
    rows = conn.execute("SELECT rowid, run_id, period, recheck, assessed_on FROM runs ORDER BY rowid").fetchall()
    last: dict[tuple, tuple[str, int]] = {}
    for _, run_id, period, recheck, on in rows:
        group = (period, recheck, on if recheck else "")
        prev = last.get(group)
        version = prev[1] + 1 if prev else 1
        if prev:
            conn.execute("UPDATE runs SET replaced_by = ? WHERE run_id = ?", (run_id, prev[0]))
        conn.execute("UPDATE runs SET version = ? WHERE run_id = ?", (version, run_id))
        last[group] = (run_id, version)


def read_only(db_path: Path) -> sqlite3.Connection:
    """Looking never changes, migrates or creates the database."""
    return sqlite3.connect(f"{Path(db_path).resolve().as_uri()}?mode=ro", uri=True)
