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

- ``rectification_cases`` (migration 3): one row per 限期整改 — the assessment
  that started it, its 考核日期 and deadline, its state and what decided it.
  ``results.case_period`` names the case a result shows. The older
  ``rectification`` table is still written (state shown per station and period).

Rectification follows assessment-rules.md (see docs/rectification.md, whose
table is tested row by row): an open case of period A is decided only by a
``recheck`` of A (cancelling only on or after the deadline) or by a later
half-year or year whose months all come after A's and whose 考核日期 is on or
after the deadline. An assessment sharing a month with A neither decides it nor
starts another for it; a year containing a failed half-year starts none of its
own; a month decides and starts nothing; a rerun of a period keeps its case.
"""

from __future__ import annotations

import contextlib
import errno
import json
import sqlite3
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from lingong.discover.filenames import display_path
from lingong.errors import HistoryError  # noqa: F401 - also imported from here
from lingong.layout import HISTORY_DB_NAME  # noqa: F401 - re-exported: callers name the database through the history
from lingong.model.periods import parse_period
from lingong.model.records import FileOutcome, Period, RectificationCase, StationResult
from lingong.spec.rules import FAIL, Rules

BUSY_TIMEOUT_MS = 30_000  # another run (or a viewer) holding the file: wait rather than fail
JOURNAL_MODE = "DELETE"  # rollback journal; the journal file exists only during a write

NONE, ON_NOTICE, ENDED, CANCEL = "", "限期整改", "整改结束", "建议取消"
STATES = (NONE, ON_NOTICE, ENDED, CANCEL)


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
            raise HistoryError(
                f"考核历史数据库 {db_path} 无法写入（{cannot_write}）。请检查磁盘空间和输出文件夹的写入权限后重新运行。"
            ) from e
        raise HistoryError(
            f"考核历史数据库 {db_path} 无法打开（{e}）。请确认文件未被占用或损坏；"
            f"如已损坏，可将其改名备份后重新运行（历史整改状态将从头开始）。"
        ) from e
    return conn


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


def period_order(period: Period) -> str:
    """Sortable position of a period: last month, then length."""
    return f"{period.months[-1]}|{len(period.months):02d}"


def _months(key: str) -> tuple[str, ...]:
    p = parse_period(key)
    return p.months if p else ()


def _after(later: Period, key: str) -> bool:
    """All months of ``later`` come after every month of the period ``key``."""
    months = _months(key)
    return bool(months) and later.months[0] > months[-1]


def _overlaps(period: Period, key: str) -> bool:
    return bool(set(period.months) & set(_months(key)))


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
            if st == station and case[3] != ENDED and p and _after(p, a) and on >= case[2]:
                case[3:8] = [state, period, 0, run_id, on]
    conn.executemany(
        "INSERT INTO rectification_cases (station, period, started_run, started_on, deadline, state, decided_by,"
        " decided_recheck, decided_run, decided_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(st, p, *case) for (st, p), case in sorted(cases.items())],
    )
    conn.execute(
        "UPDATE results SET case_period = period WHERE rectification = ? AND deadline IS NOT NULL", (ON_NOTICE,)
    )


def _load_cases(conn, station: str) -> dict[str, RectificationCase]:
    rows = conn.execute(
        "SELECT period, started_on, deadline, state, decided_by, decided_recheck, decided_on"
        " FROM rectification_cases WHERE station = ?",
        (station,),
    ).fetchall()
    out = {}
    for period, on, deadline, state, by, by_recheck, decided_on in rows:
        out[period] = RectificationCase(
            period,
            date.fromisoformat(on),
            date.fromisoformat(deadline),
            state,
            by,
            bool(by_recheck),
            date.fromisoformat(decided_on) if decided_on else None,
        )
    return dict(sorted(out.items(), key=lambda kv: (_months(kv[0])[-1:], kv[1].started_on)))


def decide(
    period: Period,
    result: StationResult,
    cases: dict[str, RectificationCase],
    *,
    recheck: bool,
    today: date,
    deadline_days: int,
    failed_inside: bool,
) -> tuple[dict[str, RectificationCase], RectificationCase | None]:
    """The rectification rule for one station's new assessment (assessment-rules.md).

    ``cases`` are the station's recorded cases by the period that started them;
    ``failed_inside``: a period inside this one (a half-year of this year) has a
    recorded final 不合格. Returns the cases that changed or began, and the case
    the result shows (None: nothing to show)."""
    changed: dict[str, RectificationCase] = {}
    own = cases.get(period.key)
    decisive = period.kind in ("half", "year") and result.graded
    failed = result.graded and result.final_overall == FAIL
    if decisive:
        new_state = CANCEL if failed else ENDED
        if recheck and own is not None and own.state in (ON_NOTICE, CANCEL):
            # Before the deadline a failed recheck leaves the station its remaining time.
            if not failed or own.state == CANCEL or today >= own.deadline:
                if new_state != own.state:
                    changed[own.period] = replace(
                        own, state=new_state, decided_by=period.key, decided_recheck=True, decided_on=today
                    )
        for key, case in cases.items():
            if key == period.key or case.state not in (ON_NOTICE, CANCEL):
                continue
            if _after(period, key) and today >= case.deadline and new_state != case.state:
                changed[key] = replace(
                    case, state=new_state, decided_by=period.key, decided_recheck=False, decided_on=today
                )
        cancelled = any(c.state == CANCEL for c in {**cases, **changed}.values() if _after(period, c.period))
        overlapping = any(_overlaps(period, k) for k in cases if k != period.key)
        if failed and own is None and not (overlapping or failed_inside or cancelled):
            changed[period.key] = RectificationCase(period.key, today, today + timedelta(days=deadline_days), ON_NOTICE)
    now = {**cases, **changed}
    shown = now.get(period.key)
    if shown is None:
        decided_here = [c for k, c in changed.items() if c.decided_by == period.key]
        still_open = [c for c in now.values() if c.state in (ON_NOTICE, CANCEL)]
        earlier_failure = [c for c in now.values() if _overlaps(period, c.period)] if failed else []
        for candidates in (decided_here, still_open, earlier_failure):
            if candidates:
                shown = candidates[-1]
                break
    return changed, shown


def _item_grades_json(r: StationResult) -> str:
    return json.dumps(
        {
            i.name: {"computed": i.computed, "final": i.final, "decision": i.decision.grade if i.decision else None}
            for i in r.items
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def record_assessment(
    db_path: Path,
    *,
    run_id: str,
    started_at: str,
    tool_version: str,
    rules: Rules,
    input_files: list[FileOutcome],
    period: Period,
    results: list[StationResult],
    recheck: bool,
    today: date,
    keep: bool = True,
) -> list[StationResult]:
    """Record one run in ONE transaction and return the results with their
    rectification state and deadline filled in. ``keep=False``: work them out
    against the history but record nothing (an assessment too thin to count)."""
    conn = connect(db_path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            out = _record(
                conn,
                run_id=run_id,
                started_at=started_at,
                tool_version=tool_version,
                rules=rules,
                input_files=input_files,
                period=period,
                results=results,
                recheck=recheck,
                today=today,
                keep=keep,
            )
            conn.execute("COMMIT" if keep else "ROLLBACK")
        except BaseException:
            # A failed COMMIT (disk full) may already have ended the transaction; a second
            # error from ROLLBACK must not hide the first, which is the one the clerk needs.
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise
    except sqlite3.DatabaseError as e:
        raise HistoryError(
            f"写入考核历史数据库 {db_path} 失败（{_cannot_write(e) or e}）。本次结果未记入历史，请检查磁盘空间"
            f"和文件权限后重新运行。"
        ) from e
    finally:
        conn.close()
    return out


def _record(
    conn, *, run_id, started_at, tool_version, rules, input_files, period, results, recheck, today, keep=True
) -> list[StationResult]:
    conn.execute(
        "INSERT INTO runs (run_id, started_at, tool_version, rules_path, rules_sha256, period, recheck,"
        " assessed_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            run_id,
            started_at,
            tool_version,
            display_path(rules.path),
            rules.sha256,
            period.key,
            int(recheck),
            today.isoformat(),
        ),
    )
    conn.executemany(
        "INSERT OR REPLACE INTO input_files (run_id, file, sha256, kind, status, station, month, reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(run_id, f.file, f.sha256, f.kind, f.status, f.station, f.month, f.reason) for f in input_files],
    )
    if not recheck:
        # A rerun replaces this period's grades: what its earlier run decided is decided again below.
        conn.execute(
            "UPDATE rectification_cases SET state = ?, decided_by = '', decided_run = '',"
            " decided_on = NULL WHERE decided_by = ? AND decided_recheck = 0",
            (ON_NOTICE, period.key),
        )
    inside = [k for k in (f"{period.year}H1", f"{period.year}H2") if period.kind == "year"]
    order = period_order(period)
    out = []
    for r in results:
        code = r.station.code
        failed_inside = (
            bool(inside)
            and conn.execute(
                f"SELECT 1 FROM results WHERE station = ? AND current = 1 AND graded = 1 AND final_overall = ?"
                f" AND period IN ({','.join('?' * len(inside))})",
                (code, FAIL, *inside),
            ).fetchone()
            is not None
        )
        # Not kept: the result neither starts nor decides anything; it shows what is open.
        changed, shown = decide(
            period,
            r if keep else replace(r, graded=False),
            _load_cases(conn, code),
            recheck=recheck,
            today=today,
            deadline_days=rules.deadline_days,
            failed_inside=failed_inside,
        )
        for c in changed.values():
            conn.execute(
                "INSERT INTO rectification_cases (station, period, started_run, started_on, deadline, state,"
                " decided_by, decided_recheck, decided_run, decided_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (station, period) DO UPDATE SET state = excluded.state,"
                " decided_by = excluded.decided_by, decided_recheck = excluded.decided_recheck,"
                " decided_run = excluded.decided_run, decided_on = excluded.decided_on",
                (
                    code,
                    c.period,
                    run_id,
                    c.started_on.isoformat(),
                    c.deadline.isoformat(),
                    c.state,
                    c.decided_by,
                    int(c.decided_recheck),
                    run_id if c.decided_by else "",
                    c.decided_on.isoformat() if c.decided_on else None,
                ),
            )
        state = shown.state if shown else NONE
        deadline = shown.deadline if shown and state == ON_NOTICE else None
        out.append(replace(r, rectification=state, deadline=deadline, case=shown, assessed_on=today))

    conn.execute("UPDATE results SET current = 0 WHERE period = ? AND current = 1", (period.key,))
    conn.execute("DELETE FROM rectification WHERE period = ?", (period.key,))
    for r in out:
        conn.execute(
            "INSERT INTO results (run_id, period, period_order, station, graded, item_grades,"
            " computed_overall, final_overall, provisional, rectification, deadline, current, case_period)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
            (
                run_id,
                period.key,
                order,
                r.station.code,
                int(r.graded),
                _item_grades_json(r),
                r.computed_overall,
                r.final_overall,
                int(r.provisional),
                r.rectification,
                r.deadline.isoformat() if r.deadline else None,
                r.case.period if r.case else "",
            ),
        )
        if r.rectification:
            conn.execute(
                "INSERT INTO rectification (station, period, state, deadline, since_run) VALUES (?, ?, ?, ?, ?)",
                (r.station.code, period.key, r.rectification, r.deadline.isoformat() if r.deadline else None, run_id),
            )
    return out


def recorded_date(db_path: Path, period_key: str) -> date | None:
    """The 考核日期 of the newest recorded assessment of a period (None: never assessed)."""
    if not Path(db_path).is_file():
        return None
    conn = connect(db_path)
    try:
        row = conn.execute(
            "SELECT runs.assessed_on FROM results JOIN runs USING (run_id)"
            " WHERE results.period = ? AND results.current = 1 LIMIT 1",
            (period_key,),
        ).fetchone()
        return date.fromisoformat(row[0]) if row else None
    finally:
        conn.close()


def cases_of(db_path: Path, station: str) -> dict[str, RectificationCase]:
    """Every rectification case of a station, by the period that started it."""
    conn = connect(db_path)
    try:
        return _load_cases(conn, station)
    finally:
        conn.close()


def current_results(db_path: Path, period_key: str) -> list[dict]:
    """The current (newest) recorded result of each station for a period."""
    conn = connect(db_path)
    try:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(
            "SELECT * FROM results WHERE period = ? AND current = 1 ORDER BY station", (period_key,)
        ).fetchall()
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
            " WHERE r.station = ? ORDER BY r.period_order, runs.started_at",
            (station,),
        ).fetchall()
        return [dict(r) for r in rows]
    finally:
        conn.close()
