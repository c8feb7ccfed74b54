"""Read-only views of the history database (lingong/grade/history.py writes it): each
station's current final grade and rectification state in every recorded period,
for the 汇总表's 历次考核 sheet and ``process.py history --station``.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lingong.grade.city import failed_item_names
from lingong.grade.history_query import failed_items, load_cases
from lingong.grade.history_schema import read_only
from lingong.layout import RESULTS_JSON_NAME
from lingong.model.periods import date_cn, parse_period
from lingong.model.records import StationResult
from lingong.words import ON_NOTICE


@dataclass(frozen=True)
class PeriodResult:
    period: str  # period key, e.g. 2023H1
    period_order: str  # sorts periods as history.period_order does
    station: str
    graded: bool
    final: str  # 最终等次 ("" when not graded)
    provisional: bool
    rectification: str  # "" | 限期整改 | 整改结束 | 建议取消
    deadline: str  # ISO date or ""
    assessed_on: str  # ISO date of the assessment, "" when unknown
    failed_items: tuple[str, ...] = ()  # items whose final grade is 不合格
    recheck: bool = False  # the current result is a recheck's (assessed_on is then its date)


def period_label(key: str) -> str:
    p = parse_period(key)
    return p.label if p else key


def recorded(db_path: Path, station: str | None = None) -> list[PeriodResult]:
    """The current result of every station (or one) in every recorded period, oldest
    period first; [] when there is no database yet."""
    db_path = Path(db_path)
    if not db_path.is_file():
        return []
    conn = read_only(db_path)
    try:
        sql = (
            "SELECT r.period, r.period_order, r.station, r.graded, r.final_overall, r.provisional,"
            " r.rectification, COALESCE(r.deadline, ''), COALESCE(runs.assessed_on, ''), r.item_grades,"
            " COALESCE(runs.recheck, 0)"
            " FROM results r LEFT JOIN runs USING (run_id) WHERE r.current = 1"
        )
        args: tuple = ()
        if station is not None:
            sql += " AND r.station = ?"
            args = (station,)
        rows = conn.execute(sql + " ORDER BY r.period_order, r.station", args).fetchall()
    finally:
        conn.close()
    return [
        PeriodResult(p, o, s, bool(g), f or "", bool(pv), rc or "", d, a, failed_items(ig), bool(rk))
        for p, o, s, g, f, pv, rc, d, a, ig, rk in rows
    ]


def with_current(history: list[PeriodResult], results: list[StationResult], order: str) -> list[PeriodResult]:
    """The recorded periods with this run's results for its own period (also when the run
    was too thin to be recorded), so the sheet always shows what the run decided."""
    if not results:
        return list(history)
    key = results[0].period.key
    mine = [
        PeriodResult(
            key,
            order,
            r.station.code,
            r.graded,
            r.final_overall if r.graded else "",
            r.provisional,
            r.rectification,
            r.deadline.isoformat() if r.deadline else "",
            r.assessed_on.isoformat() if r.assessed_on else "",
            failed_item_names(r),
        )
        for r in results
    ]
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


def _cn(iso: str) -> str:
    return date_cn(date.fromisoformat(iso))


def _station_identity(db: Path, out_root: Path, code: str) -> tuple[str, str]:
    """(name, county) as the newest recorded assessment of the station has them in its registry
    (the history's results keep only codes); for a history an earlier version wrote, without
    records, as the newest results.json of the output folder lists them."""
    conn = read_only(db)
    try:
        rows = conn.execute(
            "SELECT records.body FROM records JOIN runs USING (run_id)"
            " WHERE run_id IN (SELECT run_id FROM results WHERE station = ?) ORDER BY runs.rowid DESC",
            (code,),
        )
        for (body,) in rows:
            st = json.loads(zlib.decompress(body)).get("stations", {}).get(code)
            if st:
                return st.get("name", ""), st.get("county", "")
    except sqlite3.OperationalError:  # no records table: a history from before them
        pass
    finally:
        conn.close()
    return _identity_in_results(out_root, code)


def _identity_in_results(out_root: Path, code: str) -> tuple[str, str]:
    """(name, county) from the newest results.json of a period that lists the station."""
    paths = sorted(Path(out_root).glob(f"*/{RESULTS_JSON_NAME}"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in paths:
        try:
            stations = json.loads(path.read_text(encoding="utf-8")).get("stations", [])
        except (OSError, ValueError):
            continue
        for st in stations:
            if st.get("code") == code:
                return st.get("name", ""), st.get("county", "")
    return "", ""


def station_report(out_root: Path, db_name: str, code: str) -> str | None:
    """One station's record in Chinese: every recorded period's final grade, failed items
    and rectification state, then its rectification cases. None: not in the history."""
    db = Path(out_root) / db_name
    rows = recorded(db, code)
    if not rows:
        return None
    conn = read_only(db)
    try:
        cases = load_cases(conn, code)
    except sqlite3.OperationalError:  # a database from before rectification cases
        cases = {}
    finally:
        conn.close()
    name, county = _station_identity(db, out_root, code)
    who = f"{code} {name}" + (f"（{county}）" if county else "")
    lines = [f"驿站 {who}的历次考核（{len(rows)} 个考核期）："]
    for h in rows:
        when = f"，{'复查' if h.recheck else '考核'}日期 {_cn(h.assessed_on)}" if h.assessed_on else ""
        text = f"  {period_label(h.period)}{when}：{grade_text(h)}"
        if h.failed_items:
            text += f"（不合格项目：{'、'.join(h.failed_items)}）"
        if h.rectification:
            text += f"；{h.rectification}"
            if h.rectification == ON_NOTICE and h.deadline:
                text += f"，期限 {_cn(h.deadline)}"
        lines.append(text)
    if cases:
        lines.append("整改记录：")
        for c in cases.values():
            text = (
                f"  {period_label(c.period)}考核（{_cn(c.started_on.isoformat())}）决定限期整改，"
                f"期限 {_cn(c.deadline.isoformat())}："
            )
            if c.decided_by:
                how = "复查" if c.decided_recheck else "考核"
                on = f"（{_cn(c.decided_on.isoformat())}）" if c.decided_on else ""
                text += f"{period_label(c.decided_by)}{how}{on}后{c.state}"
                if c.withdrawn:
                    p_on = f"（{_cn(c.proposed_on.isoformat())}）" if c.proposed_on else ""
                    p_how = "复查" if c.proposed_recheck else "考核"
                    text += f"（{period_label(c.proposed_by)}{p_how}{p_on}曾建议取消，已撤回）"
            else:
                text += "尚未复查"
            lines.append(text)
    return "\n".join(lines)
