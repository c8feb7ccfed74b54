"""History of assessments and the rectification state, in an embedded SQLite file:
recording a run, and the questions later commands ask of it.

The database lives under the output folder (suggested name ``HISTORY_DB_NAME``)
and is opened only through ``history_schema.connect()``, which applies the ordered
migrations. The rectification rule itself is ``rectification.decide()``.

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
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from dataclasses import replace
from datetime import date
from pathlib import Path

from lingong.discover.filenames import display_path
from lingong.errors import HistoryError  # noqa: F401 - also imported from here
from lingong.grade.history_schema import MIGRATIONS, SCHEMA_VERSION, _cannot_write, connect  # noqa: F401 - migrations too
from lingong.grade.rectification import NONE, ON_NOTICE, _months, decide, period_order
from lingong.layout import HISTORY_DB_NAME  # noqa: F401 - re-exported: callers name the database through the history
from lingong.model.records import FileOutcome, Period, RectificationCase, StationResult
from lingong.spec.rules import Rules
from lingong.spec.vocab import FAIL


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


def _rows(db_path: Path, sql: str, args: tuple) -> list[dict]:
    with contextlib.closing(connect(db_path)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, args).fetchall()]


def recorded_date(db_path: Path, period_key: str) -> date | None:
    """The 考核日期 of the newest recorded assessment of a period (None: never assessed)."""
    if not Path(db_path).is_file():
        return None
    rows = _rows(
        db_path,
        "SELECT runs.assessed_on FROM results JOIN runs USING (run_id)"
        " WHERE results.period = ? AND results.current = 1 LIMIT 1",
        (period_key,),
    )
    return date.fromisoformat(rows[0]["assessed_on"]) if rows else None


def cases_of(db_path: Path, station: str) -> dict[str, RectificationCase]:
    """Every rectification case of a station, by the period that started it."""
    with contextlib.closing(connect(db_path)) as conn:
        return _load_cases(conn, station)


def current_results(db_path: Path, period_key: str) -> list[dict]:
    """The current (newest) recorded result of each station for a period."""
    return _rows(db_path, "SELECT * FROM results WHERE period = ? AND current = 1 ORDER BY station", (period_key,))


def station_history(db_path: Path, station: str) -> list[dict]:
    """Every recorded result of a station, oldest period first, superseded reruns included."""
    return _rows(
        db_path,
        "SELECT r.*, runs.started_at, runs.recheck FROM results r JOIN runs USING (run_id)"
        " WHERE r.station = ? ORDER BY r.period_order, runs.started_at",
        (station,),
    )
