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

What may be recorded (``plan``): assessments in the order of their 考核日期 (then
the period's place, then a recheck after its assessment), so that the states are a
function of the recorded assessments, not of the order commands were typed. A
rerun of a period replaces its latest version only while nothing was recorded
after it; a recheck needs its period's assessment and is dated on or after it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import zlib
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from lingong.errors import HistoryError, HistoryRefused  # noqa: F401 - also imported from here
from lingong.grade.history_schema import MIGRATIONS, SCHEMA_VERSION, _cannot_write, connect  # noqa: F401 - migrations too
from lingong.grade.rectification import NONE, ON_NOTICE, _months, decide, period_order
from lingong.layout import HISTORY_DB_NAME  # noqa: F401 - re-exported: callers name the database through the history
from lingong.model.filenames import display_path
from lingong.model.periods import date_cn, parse_period
from lingong.model.records import Earlier, FileOutcome, Period, RectificationCase, StationResult
from lingong.runtime.clock import parse_stamp, stamp
from lingong.spec.rules import Rules
from lingong.spec.vocab import CANCEL, FAIL

ASSESSMENT, RECHECK = "考核", "复查"  # the two kinds of assessment
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


def _load_cases(conn, station: str) -> dict[str, RectificationCase]:
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


# ---- assessments: what may be recorded ------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One recorded assessment (a row of ``runs``)."""

    run_id: str
    period: str
    recheck: bool
    assessed_on: date
    version: int
    folder: str  # its documents, relative to the output folder ("" : an earlier version's run)
    replaced_by: str
    seq: int  # the order it was recorded in
    started_at: datetime | None = None  # None: not a time (a history written by hand)
    input_dir: str = ""

    @property
    def kind(self) -> str:
        return RECHECK if self.recheck else ASSESSMENT

    def key(self) -> tuple:
        return order_key(self.period, self.assessed_on, self.recheck)

    def title(self) -> str:
        """e.g. 2023年上半年考核（2023年7月10日） / 2023年上半年复查（2023年8月15日）"""
        return f"{_label(self.period)}{self.kind}（{date_cn(self.assessed_on)}）"


def _label(key: str) -> str:
    p = parse_period(key)
    return p.label if p else key


def order_key(period_key: str, on: date, recheck: bool) -> tuple:
    """The order assessments are recorded in: 考核日期, then the period's place (a half-year before
    the year ending with it), then a recheck after the assessment it follows."""
    p = parse_period(period_key)
    return (on, period_order(p) if p else period_key, int(recheck))


def _is_month(key: str) -> bool:
    p = parse_period(key)
    return p is not None and p.kind == "month"


def _run_rows(conn) -> list[Run]:
    cols = {r[1] for r in conn.execute("PRAGMA table_info(runs)")}
    if "version" not in cols:  # a read-only look at a history not yet migrated
        sql = "SELECT run_id, period, recheck, assessed_on, 1, '', '', rowid, started_at, '' FROM runs"
    else:
        sql = (
            "SELECT run_id, period, recheck, assessed_on, version, folder, replaced_by, rowid, started_at, input_dir"
            " FROM runs"
        )
    out = []
    for run_id, period, recheck, on, version, folder, replaced, seq, started, inp in conn.execute(
        sql + " ORDER BY rowid"
    ):
        inp = os.fsdecode(inp) if isinstance(inp, bytes) else inp  # a folder named in GBK bytes
        started = parse_stamp(started)
        out.append(
            Run(run_id, period, bool(recheck), date.fromisoformat(on), version, folder, replaced, seq, started, inp)
        )
    return out


@dataclass(frozen=True)
class Plan:
    """How a new assessment enters the history: its version and the run it replaces (a rerun)."""

    version: int
    replaces: Run | None = None
    follows: Run | None = None  # a recheck: the period's assessment it rechecks


def _latest(runs: list[Run]) -> Run | None:
    deciding = [r for r in runs if not r.replaced_by and not _is_month(r.period)]
    return max(deciding, key=lambda r: (r.key(), r.seq), default=None)


def _refuse(text: str) -> None:
    raise HistoryRefused(text)


def plan(runs: list[Run], *, period: Period, recheck: bool, on: date) -> Plan:
    """Whether an assessment of ``period`` on ``on`` may be recorded after ``runs``, and as what.
    Raises HistoryRefused with the clerk's message when it may not."""
    what = f"{period.label}{RECHECK if recheck else ASSESSMENT}（{date_cn(on)}）"
    if on < date.fromisoformat(period.months[0] + "-01"):
        _refuse(f"考核日期 {date_cn(on)} 在考核期{period.label}开始之前。请用 --date 写明联合考核组考核的日期。")
    current = [r for r in runs if not r.replaced_by]
    own = [r for r in current if r.period == period.key and not r.recheck]
    assessed = own[-1] if own else None
    if period.kind == "month":
        if recheck:
            _refuse(f"单月（{period.label}）只是监测，不开始也不决定整改，没有复查。")
        return Plan(assessed.version + 1 if assessed else 1, assessed)
    replaces = None
    if not recheck:
        replaces = assessed
        if replaces is not None:
            later = [r for r in current if r.seq > replaces.seq and r is not replaces and not _is_month(r.period)]
            if later:
                _refuse(
                    f"{replaces.title()}之后已记录了{'、'.join(r.title() for r in later)}，它们的整改状态以这次考核"
                    f"为依据。重新考核{period.label}会改变它们，所以不能再重新考核；"
                    f"驿站整改后重新报送的，请用 recheck 复查，或在下一个考核期考核。"
                )
    else:
        if assessed is None:
            _refuse(
                f"{period.label}还没有考核，无法复查。请先运行 python process.py --period {period.key} --date 考核日期，"
                f"期限到了以后再复查。"
            )
        if on < assessed.assessed_on:
            _refuse(
                f"复查日期 {date_cn(on)} 在它复查的{assessed.title()}之前。请用 --date 写明复查的日期"
                f"（不早于 {date_cn(assessed.assessed_on)}）。"
            )
        rechecks = [r for r in current if r.period == period.key and r.recheck]
        last = rechecks[-1] if rechecks else None
        if last is not None and _latest(current) is last and on <= last.assessed_on:
            replaces = last  # the same recheck again, or its date corrected
    latest = _latest([r for r in current if r is not replaces])
    if latest is not None and order_key(period.key, on, recheck) < latest.key():
        _refuse(
            f"考核历史中已记录了{latest.title()}，{what}排在它之前。考核须按考核日期依次记录"
            f"（同一天先半年检查、后年终考评，复查在它复查的考核之后），整改状态才不取决于命令的先后。"
            f"请检查 --date 是否写错；确需补做更早的考核，请用新的输出文件夹。"
        )
    if replaces is not None:
        version = replaces.version + 1
    else:
        version = 1
    return Plan(version, replaces, assessed if recheck else None)


def runs_of(db_path: Path) -> list[Run]:
    """Every recorded assessment, in the order recorded; [] when there is no history."""
    if not Path(db_path).is_file():
        return []
    from lingong.grade.history_view import _read_only

    with contextlib.closing(_read_only(db_path)) as conn:
        try:
            return _run_rows(conn)
        except sqlite3.OperationalError:  # no table yet
            return []


def plan_assessment(db_path: Path, *, period: Period, recheck: bool, on: date) -> Plan:
    """``plan`` against the history at ``db_path`` (read only: nothing is created or changed)."""
    return plan(runs_of(db_path), period=period, recheck=recheck, on=on)


def latest_of(db_path: Path, period_key: str, which: str = "") -> Run | None:
    """The latest recorded assessment of a period (its assessment or a recheck, whichever came
    last), or the one ``which`` names: 考核, 复查, 复查YYYY-MM-DD or a run id."""
    runs = [r for r in runs_of(db_path) if r.period == period_key]
    current = [r for r in runs if not r.replaced_by]
    if not which:
        return current[-1] if current else None
    which = which.strip()
    for r in runs:
        if r.run_id == which:
            return r
    if which == ASSESSMENT:
        found = [r for r in current if not r.recheck]
    elif which == RECHECK:
        found = [r for r in current if r.recheck]
    elif m := re.fullmatch(r"复查\s*(\d{4}-\d{2}-\d{2})", which):
        found = [r for r in current if r.recheck and r.assessed_on.isoformat() == m.group(1)]
    else:
        raise HistoryRefused(
            f"--assessment“{which}”无法识别：请写 考核（本期的考核）、复查（最近的复查）、复查2023-08-15 或考核编号"
        )
    return found[-1] if found else None


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
            how = plan(_run_rows(conn), period=period, recheck=recheck, on=today)
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
            f"写入考核历史数据库 {db_path} 失败（{_cannot_write(e) or e}）。本次结果未记入历史，请检查磁盘空间"
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
        cases = _load_cases(conn, code)
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


def open_case(cases: dict[str, RectificationCase], period_key: str) -> RectificationCase | None:
    """The station's own case of ``period_key`` while a recheck may decide it: 限期整改, or a 建议取消
    the bureau has not acted on (a kept station that passes ends it)."""
    c = cases.get(period_key)
    return c if c is not None and c.state in (ON_NOTICE, CANCEL) else None


def _rows(db_path: Path, sql: str, args: tuple) -> list[dict]:
    with contextlib.closing(connect(db_path)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, args).fetchall()]


def _read_rows(db_path: Path, sql: str, args: tuple) -> list[dict]:
    """Rows of a query on the history, read only (never creates or migrates it); [] without one."""
    if not Path(db_path).is_file():
        return []
    from lingong.grade.history_view import _read_only

    with contextlib.closing(_read_only(db_path)) as conn:
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute(sql, args).fetchall()]
        except sqlite3.OperationalError:  # a history from before the table
            return []


def recheck_targets(db_path: Path, period_key: str) -> dict[str, tuple[RectificationCase, Earlier]]:
    """The stations a recheck of ``period_key`` decides (an open case of that period), each with
    its case and what the latest assessment of the period said of it."""
    out = {}
    rows = _read_rows(
        db_path,
        "SELECT r.station, r.final_overall, r.provisional, r.rectification, r.deadline, r.item_grades,"
        " runs.assessed_on, runs.recheck FROM results r JOIN runs USING (run_id)"
        " WHERE r.period = ? AND r.current = 1 AND r.graded = 1 ORDER BY r.station",
        (period_key,),
    )
    if not rows:
        return out
    from lingong.grade.history_view import _failed, _read_only

    with contextlib.closing(_read_only(db_path)) as conn:
        for row in rows:
            case = open_case(_load_cases(conn, row["station"]), period_key)
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
                    _failed(row["item_grades"]),
                    row["rectification"],
                    date.fromisoformat(row["deadline"]) if row["deadline"] else None,
                ),
            )
    return out


def load_record(db_path: Path, run_id: str) -> dict | None:
    """The record of an assessment (what its documents are rendered from); None: none kept
    (an assessment an earlier version of the tool recorded)."""
    rows = _read_rows(db_path, "SELECT format, body FROM records WHERE run_id = ?", (run_id,))
    if not rows:
        return None
    return json.loads(zlib.decompress(rows[0]["body"]).decode("utf-8"))


def recorded_inputs(db_path: Path, run_id: str) -> list[dict]:
    """The input files an assessment read: file, sha256, size, mtime."""
    return _read_rows(
        db_path, "SELECT file, sha256, size, mtime, kind FROM input_files WHERE run_id = ? ORDER BY file", (run_id,)
    )


def results_of_run(db_path: Path, run_id: str) -> dict[str, dict]:
    """An assessment's recorded result of each station, by station code."""
    return {r["station"]: r for r in _read_rows(db_path, "SELECT * FROM results WHERE run_id = ?", (run_id,))}


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
        " WHERE r.station = ? ORDER BY r.period_order, runs.rowid",
        (station,),
    )
