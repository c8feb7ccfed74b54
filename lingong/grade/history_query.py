"""The questions later commands ask of the history: an assessment's record, inputs and results,
a station's cases and results, the stations a recheck decides. Read only where a command
must not create or migrate the history (looking never changes it)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import zlib
from datetime import date
from pathlib import Path

from lingong.grade.history_plan import ASSESSMENT, RECHECK
from lingong.grade.history_schema import connect, read_only
from lingong.grade.rectification import period_months
from lingong.model.records import Earlier, RectificationCase
from lingong.report_template import ITEMS
from lingong.words import CANCEL, FAIL, ON_NOTICE


def load_cases(conn, station: str) -> dict[str, RectificationCase]:
    has_proposal = "proposed_by" in {r[1] for r in conn.execute("PRAGMA table_info(rectification_cases)")}
    extra = ", proposed_by, proposed_recheck, proposed_on" if has_proposal else ", '', 0, NULL"
    rows = conn.execute(
        "SELECT period, started_on, deadline, state, decided_by, decided_recheck, decided_on"
        + extra
        + " FROM rectification_cases WHERE station = ?",
        (station,),
    ).fetchall()
    out = {}
    for period, on, deadline, state, by, by_recheck, decided_on, p_by, p_recheck, p_on in rows:
        out[period] = RectificationCase(
            period,
            date.fromisoformat(on),
            date.fromisoformat(deadline),
            state,
            by,
            bool(by_recheck),
            date.fromisoformat(decided_on) if decided_on else None,
            p_by or "",
            bool(p_recheck),
            date.fromisoformat(p_on) if p_on else None,
        )
    return dict(sorted(out.items(), key=lambda kv: (period_months(kv[0])[-1:], kv[1].started_on)))


def open_case(cases: dict[str, RectificationCase], period_key: str) -> RectificationCase | None:
    """The station's own case of ``period_key`` while a recheck may decide it: 限期整改, or a 建议取消
    the bureau has not acted on (a kept station that passes ends it)."""
    c = cases.get(period_key)
    return c if c is not None and c.state in (ON_NOTICE, CANCEL) else None


def _rows(db_path: Path, sql: str, args: tuple) -> list[dict]:
    with contextlib.closing(connect(db_path)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, args).fetchall()]


def read_rows(db_path: Path, sql: str, args: tuple) -> list[dict]:
    """Rows of a query on the history, read only (never creates or migrates it); [] without one."""
    if not Path(db_path).is_file():
        return []
    with contextlib.closing(read_only(db_path)) as conn:
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute(sql, args).fetchall()]
        except sqlite3.OperationalError:  # a history from before the table
            return []


def recheck_targets(db_path: Path, period_key: str) -> dict[str, tuple[RectificationCase, Earlier]]:
    """The stations a recheck of ``period_key`` decides (an open case of that period), each with
    its case and what the latest assessment of the period said of it."""
    out = {}
    rows = read_rows(
        db_path,
        "SELECT r.station, r.final_overall, r.provisional, r.rectification, r.deadline, r.item_grades,"
        " runs.assessed_on, runs.recheck FROM results r JOIN runs USING (run_id)"
        " WHERE r.period = ? AND r.current = 1 AND r.graded = 1 ORDER BY r.station",
        (period_key,),
    )
    if not rows:
        return out
    with contextlib.closing(read_only(db_path)) as conn:
        for row in rows:
            case = open_case(load_cases(conn, row["station"]), period_key)
            if case is None:
                continue
            out[row["station"]] = (
                case,
                Earlier(
                    RECHECK if row["recheck"] else ASSESSMENT,
                    period_key,
                    date.fromisoformat(row["assessed_on"]),
                    row["final_overall"],
                    bool(row["provisional"]),
                    failed_items(row["item_grades"]),
                    row["rectification"],
                    date.fromisoformat(row["deadline"]) if row["deadline"] else None,
                ),
            )
    return out


def load_record(db_path: Path, run_id: str) -> dict | None:
    """The record of an assessment (what its documents are rendered from); None: none kept
    (an assessment an earlier version of the tool recorded)."""
    rows = read_rows(db_path, "SELECT format, body FROM records WHERE run_id = ?", (run_id,))
    if not rows:
        return None
    return json.loads(zlib.decompress(rows[0]["body"]).decode("utf-8"))


def recorded_inputs(db_path: Path, run_id: str) -> list[dict]:
    """The input files an assessment read: file, sha256, size, mtime."""
    return read_rows(
        db_path, "SELECT file, sha256, size, mtime, kind FROM input_files WHERE run_id = ? ORDER BY file", (run_id,)
    )


def results_of_run(db_path: Path, run_id: str) -> dict[str, dict]:
    """An assessment's recorded result of each station, by station code."""
    return {r["station"]: r for r in read_rows(db_path, "SELECT * FROM results WHERE run_id = ?", (run_id,))}


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
        return load_cases(conn, station)


def current_results(db_path: Path, period_key: str) -> list[dict]:
    """The current (newest) recorded result of each station for a period."""
    return _rows(db_path, "SELECT * FROM results WHERE period = ? AND current = 1 ORDER BY station", (period_key,))


def station_history(db_path: Path, station: str) -> list[dict]:
    """Every recorded result of a station, oldest period first, superseded reruns included."""
    return _rows(
        db_path,
        "SELECT r.*, runs.started_at, runs.recheck FROM results r JOIN runs USING (run_id)"
        " WHERE r.station = ? ORDER BY r.period_order, runs.rowid",
        (station,),
    )


def failed_items(item_grades: str) -> tuple[str, ...]:
    try:
        grades = json.loads(item_grades or "{}")
    except ValueError:
        return ()
    return tuple(n for n in ITEMS if (grades.get(n) or {}).get("final") == FAIL)
