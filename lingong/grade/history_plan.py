"""Which assessments the history may record, read from the runs it holds.

Assessments in the order of their 考核日期 (then the period's place, then a recheck after its
assessment), so that the states are a function of the recorded assessments, not of the order
commands were typed. A rerun of a period replaces its latest version only while nothing was
recorded after it; a recheck needs its period's assessment and is dated on or after it.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from lingong.errors import HistoryRefused
from lingong.grade.history_schema import read_only
from lingong.grade.rectification import period_order
from lingong.model.periods import date_cn, parse_period
from lingong.model.records import Period
from lingong.runtime.clock import parse_stamp

ASSESSMENT, RECHECK = "考核", "复查"  # the two kinds of assessment


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


def run_rows(conn) -> list[Run]:
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
    with contextlib.closing(read_only(db_path)) as conn:
        try:
            return run_rows(conn)
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
