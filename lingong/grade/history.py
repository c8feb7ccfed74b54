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
- migration 5 (issue 21): every run is an *assessment* with a version among the
  runs of its period and kind, the folder of its documents and the run that
  replaced it; ``records`` keeps the record its documents are rendered from,
  ``case_changes`` what it did to each case (a rerun undoes exactly that), and
  ``city`` the city the history belongs to.

Here: recording an assessment and undoing what a rerun replaces. What may be recorded is
decided in history_plan.py, the questions later commands ask in history_query.py, the schema
and its migrations in history_schema.py.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import zlib
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from lingong.errors import HistoryError, HistoryRefused
from lingong.grade.history_plan import Plan, Run, plan, run_rows
from lingong.grade.history_query import load_cases, open_case
from lingong.grade.history_schema import cannot_write, connect
from lingong.grade.rectification import NONE, ON_NOTICE, decide, period_order
from lingong.model.filenames import display_path
from lingong.model.records import FileOutcome, Period, StationResult
from lingong.rules.model import Rules
from lingong.runtime.clock import stamp
from lingong.words import FAIL

RECORD_FORMAT = "lingong-assessment/1+zlib"


_CASE_COLUMNS = (
    "station",
    "period",
    "started_run",
    "started_on",
    "deadline",
    "state",
    "decided_by",
    "decided_recheck",
    "decided_run",
    "decided_on",
    "proposed_by",
    "proposed_recheck",
    "proposed_on",
)


def _item_grades_json(r: StationResult) -> str:
    return json.dumps(
        {
            i.name: {"computed": i.computed, "final": i.final, "decision": i.decision.grade if i.decision else None}
            for i in r.items
        },
        ensure_ascii=False,
        sort_keys=True,
    )


# ---- assessments: what may be recorded ------------------------------------------------


# ---- the city -----------------------------------------------------------------------


def city_name(registry_file: str) -> str:
    """The city a registry belongs to, from its file name (随州市零工驿站名册.xlsx -> 随州市); "" if unsaid."""
    m = re.match(r"^(?:.*/)?([\u4e00-\u9fff]{2,8}?(?:市|州|盟|地区))", registry_file)
    return m.group(1) if m else ""


def _who(name: str, registry: str, codes: list[str]) -> str:
    shown = "、".join(codes[:3]) + ("等" if len(codes) > 3 else "")
    return f"{name or '（名册未写城市）'}（驿站名册 {registry}，{len(codes)} 个驿站：{shown}）"


def check_city(conn, registry: tuple[str, list[str]]) -> None:
    """Refuse a history of another city: its stations are not this registry's."""
    reg_file, codes = registry
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "results" not in tables:
        return
    row = conn.execute("SELECT name, registry, codes FROM city WHERE id = 1").fetchone() if "city" in tables else None
    if row is not None:
        name, rec_file, rec_codes = row[0], row[1], json.loads(row[2])
    else:
        rec_codes = [r[0] for r in conn.execute("SELECT DISTINCT station FROM results ORDER BY station")]
        name, rec_file = "", "（旧版本记录）"
    if not rec_codes:
        return
    common = set(rec_codes) & set(codes)
    if len(common) * 2 < min(len(set(rec_codes)), len(set(codes))):
        raise HistoryRefused(
            f"输出文件夹中的考核历史属于另一个城市：历史记录的是{_who(name, rec_file, sorted(rec_codes))}，"
            f"本次的是{_who(city_name(reg_file), reg_file, sorted(codes))}，只有 {len(common)} 个驿站相同。"
            f"请用 --output 为本次考核另选输出文件夹（每个城市一个），或把本城市的考核历史放回这个文件夹。"
        )


def _keep_city(conn, registry: tuple[str, list[str]]) -> None:
    reg_file, codes = registry
    row = conn.execute("SELECT codes FROM city WHERE id = 1").fetchone()
    known = set(json.loads(row[0])) if row else set()
    conn.execute(
        "INSERT OR REPLACE INTO city (id, name, registry, codes) VALUES (1, ?, ?, ?)",
        (city_name(reg_file), reg_file, json.dumps(sorted(known | set(codes)), ensure_ascii=False)),
    )


# ---- recording ------------------------------------------------------------------------


def record_assessment(
    db_path: Path,
    *,
    run_id: str,
    started_at: datetime,
    tool_version: str,
    rules: Rules,
    input_files: list[FileOutcome],
    period: Period,
    results: list[StationResult],
    recheck: bool,
    today: date,
    folder: str = "",
    input_dir: str = "",
    registry: tuple[str, list[str]] | None = None,
    make_record: Callable[[list[StationResult], Plan], bytes] | None = None,
) -> list[StationResult]:
    """Record one assessment in ONE transaction and return the results with their
    rectification state and deadline filled in (a recheck: only the stations it decides,
    those with an open case of the period). ``registry`` (file, station codes) checks and
    keeps the city; ``make_record`` gives the record kept with the assessment."""
    conn = connect(db_path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if registry is not None:
                check_city(conn, registry)
            how = plan(run_rows(conn), period=period, recheck=recheck, on=today)
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
                how=how,
                folder=folder,
                input_dir=input_dir,
            )
            if registry is not None:
                _keep_city(conn, registry)
            if make_record is not None:
                conn.execute(
                    "INSERT INTO records (run_id, format, body) VALUES (?, ?, ?)",
                    (run_id, RECORD_FORMAT, zlib.compress(make_record(out, how), 6)),
                )
            conn.execute("COMMIT")
        except BaseException:
            # A failed COMMIT (disk full) may already have ended the transaction; a second
            # error from ROLLBACK must not hide the first, which is the one the clerk needs.
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise
    except sqlite3.DatabaseError as e:
        raise HistoryError(
            f"写入考核历史数据库 {db_path} 失败（{cannot_write(e) or e}）。本次结果未记入历史，请检查磁盘空间"
            f"和文件权限后重新运行。"
        ) from e
    finally:
        conn.close()
    return out


def _case_row(conn, station: str, period: str) -> dict | None:
    row = conn.execute(
        f"SELECT {', '.join(_CASE_COLUMNS)} FROM rectification_cases WHERE station = ? AND period = ?",
        (station, period),
    ).fetchone()
    return dict(zip(_CASE_COLUMNS, row)) if row else None


def _undo(conn, run: Run, by: str) -> None:
    """What the replaced version did to the cases, undone; its results no longer count."""
    for station, period, before in conn.execute(
        "SELECT station, period, before FROM case_changes WHERE run_id = ?", (run.run_id,)
    ).fetchall():
        conn.execute("DELETE FROM rectification_cases WHERE station = ? AND period = ?", (station, period))
        if before is not None:
            row = json.loads(before)
            conn.execute(
                f"INSERT INTO rectification_cases ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                tuple(row.values()),
            )
    if not conn.execute("SELECT 1 FROM case_changes WHERE run_id = ? LIMIT 1", (run.run_id,)).fetchone():
        # A run recorded by an earlier version kept no changes: its own cases are undone as
        # that version did on a rerun (decisions it made are decided again below).
        conn.execute(
            "UPDATE rectification_cases SET state = ?, decided_by = '', decided_run = '', decided_on = NULL"
            " WHERE decided_run = ?",
            (ON_NOTICE, run.run_id),
        )
    conn.execute("UPDATE runs SET replaced_by = ? WHERE run_id = ?", (by, run.run_id))


def _recompute_current(conn, period_key: str) -> None:
    """A station's current result in a period: that of the latest assessment not replaced."""
    conn.execute("UPDATE results SET current = 0 WHERE period = ?", (period_key,))
    conn.execute(
        "UPDATE results SET current = 1 WHERE rowid IN ("
        " SELECT r.rowid FROM results r JOIN runs ON runs.run_id = r.run_id"
        " WHERE r.period = ? AND runs.replaced_by = '' AND runs.rowid = ("
        "  SELECT MAX(u.rowid) FROM results q JOIN runs u ON u.run_id = q.run_id"
        "  WHERE q.period = r.period AND q.station = r.station AND u.replaced_by = ''))",
        (period_key,),
    )
    conn.execute("DELETE FROM rectification WHERE period = ?", (period_key,))
    conn.execute(
        "INSERT INTO rectification (station, period, state, deadline, since_run)"
        " SELECT station, period, rectification, deadline, run_id FROM results"
        " WHERE period = ? AND current = 1 AND rectification != ''",
        (period_key,),
    )


def _record(
    conn,
    *,
    run_id,
    started_at,
    tool_version,
    rules,
    input_files,
    period,
    results,
    recheck,
    today,
    how,
    folder,
    input_dir,
) -> list[StationResult]:
    if how.replaces is not None:
        _undo(conn, how.replaces, run_id)
    conn.execute(
        "INSERT INTO runs (run_id, started_at, tool_version, rules_path, rules_sha256, period, recheck,"
        " assessed_on, version, folder, input_dir) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            run_id,
            stamp(started_at),
            tool_version,
            display_path(rules.path),
            rules.sha256,
            period.key,
            int(recheck),
            today.isoformat(),
            how.version,
            folder,
            input_dir,
        ),
    )
    conn.executemany(
        "INSERT OR REPLACE INTO input_files (run_id, file, sha256, kind, status, station, month, reason, size, mtime)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (run_id, f.file, f.sha256, f.kind, f.status, f.station, f.month, f.reason, f.size, f.mtime)
            for f in input_files
        ],
    )
    inside = [k for k in (f"{period.year}H1", f"{period.year}H2") if period.kind == "year"]
    order = period_order(period)
    out = []
    for r in results:
        code = r.station.code
        cases = load_cases(conn, code)
        if recheck and not open_case(cases, period.key):
            continue  # a recheck decides the stations with an open case of its period, and no other
        failed_inside = (
            bool(inside)
            and conn.execute(
                f"SELECT 1 FROM results WHERE station = ? AND current = 1 AND graded = 1 AND final_overall = ?"
                f" AND period IN ({','.join('?' * len(inside))})",
                (code, FAIL, *inside),
            ).fetchone()
            is not None
        )
        changed, shown = decide(
            period,
            r,
            cases,
            recheck=recheck,
            today=today,
            deadline_days=rules.deadline_days,
            failed_inside=failed_inside,
        )
        for c in changed.values():
            before = _case_row(conn, code, c.period)
            conn.execute(
                "INSERT OR IGNORE INTO case_changes (run_id, station, period, before) VALUES (?, ?, ?, ?)",
                (run_id, code, c.period, json.dumps(before, ensure_ascii=False) if before else None),
            )
            conn.execute(
                "INSERT INTO rectification_cases (station, period, started_run, started_on, deadline, state,"
                " decided_by, decided_recheck, decided_run, decided_on, proposed_by, proposed_recheck, proposed_on)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (station, period) DO UPDATE SET state = excluded.state,"
                " decided_by = excluded.decided_by, decided_recheck = excluded.decided_recheck,"
                " decided_run = excluded.decided_run, decided_on = excluded.decided_on,"
                " proposed_by = excluded.proposed_by, proposed_recheck = excluded.proposed_recheck,"
                " proposed_on = excluded.proposed_on",
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
                    c.proposed_by,
                    int(c.proposed_recheck),
                    c.proposed_on.isoformat() if c.proposed_on else None,
                ),
            )
        state = shown.state if shown else NONE
        deadline = shown.deadline if shown and state == ON_NOTICE else None
        out.append(replace(r, rectification=state, deadline=deadline, case=shown, assessed_on=today))

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
    _recompute_current(conn, period.key)
    return out
