"""Read-only views of the history database (lingong/history.py writes it): each
station's current final grade and rectification state in every recorded period,
for the 汇总表's 历次考核 sheet and ``process.py history --station``.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .periods import parse_period
from .records import StationResult


@dataclass(frozen=True)
class PeriodResult:
    period: str            # period key, e.g. 2023H1
    period_order: str      # sorts periods as history.period_order does
    station: str
    graded: bool
    final: str             # 最终等次 ("" when not graded)
    provisional: bool
    rectification: str     # "" | 限期整改 | 整改结束 | 建议取消
    deadline: str          # ISO date or ""
    assessed_on: str       # ISO date of the assessment, "" when unknown


def period_label(key: str) -> str:
    p = parse_period(key)
    return p.label if p else key


def recorded(db_path: Path, station: str | None = None) -> list[PeriodResult]:
    """The current result of every station (or one) in every recorded period, oldest
    period first. Opened read-only: looking never changes or creates the database."""
    db_path = Path(db_path)
    if not db_path.is_file():
        return []
    conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        sql = ("SELECT r.period, r.period_order, r.station, r.graded, r.final_overall, r.provisional,"
               " r.rectification, COALESCE(r.deadline, ''), COALESCE(runs.assessed_on, '')"
               " FROM results r LEFT JOIN runs USING (run_id) WHERE r.current = 1")
        args: tuple = ()
        if station is not None:
            sql += " AND r.station = ?"
            args = (station,)
        rows = conn.execute(sql + " ORDER BY r.period_order, r.station", args).fetchall()
    finally:
        conn.close()
    return [PeriodResult(p, o, s, bool(g), f or "", bool(pv), rc or "", d, a)
            for p, o, s, g, f, pv, rc, d, a in rows]


def with_current(history: list[PeriodResult], results: list[StationResult], order: str) -> list[PeriodResult]:
    """The recorded periods with this run's results for its own period (also when the run
    was too thin to be recorded), so the sheet always shows what the run decided."""
    if not results:
        return list(history)
    key = results[0].period.key
    mine = [PeriodResult(key, order, r.station.code, r.graded, r.final_overall if r.graded else "",
                         r.provisional, r.rectification, r.deadline.isoformat() if r.deadline else "",
                         r.assessed_on.isoformat() if r.assessed_on else "")
            for r in results]
    rows = [h for h in history if h.period != key] + mine
    return sorted(rows, key=lambda h: (h.period_order, h.station))


def periods_of(rows: list[PeriodResult]) -> list[str]:
    """Period keys in assessment order."""
    seen: dict[str, str] = {}
    for h in rows:
        seen.setdefault(h.period, h.period_order)
    return sorted(seen, key=lambda k: (seen[k], k))


def grade_text(h: PeriodResult) -> str:
    if not h.graded:
        return "本期未运营"
    return h.final + ("（暂定）" if h.provisional else "")
