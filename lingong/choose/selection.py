"""Choose one report per station and month, and the checks that need the registry
or several files: R001-R003, P001 (duplicates), P002 (outside the operating
period), X003 (outliers against the station's own months).

Pure and order-independent: the same records in any order give the same result.
Records are not modified; new issues carry ``file`` so callers can attach them.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath

from lingong import report_template
from lingong.catalogue.issues import issue
from lingong.model.records import Issue, ReportRecord, Station
from lingong.read.labels import norm_text
from lingong.rules.model import Rules
from lingong.words import ACCEPTED, RETURNED, SUPERSEDED

OUTSIDE = "运营期外"
NOT_REGISTERED = "驿站不在名册"


@dataclass
class Selection:
    accepted: dict[tuple[str, str], ReportRecord] = field(default_factory=dict)
    rejected: dict[tuple[str, str], list[ReportRecord]] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    replaced: dict[str, str] = field(default_factory=dict)  # a failed report -> the later one used instead

    def issues_of(self, file: str) -> list[Issue]:
        return [i for i in self.issues if i.file == file]


def _operating_text(st: Station) -> str:
    if st.start_month and st.end_month:
        return f"{st.start_month} 至 {st.end_month}"
    if st.start_month:
        return f"{st.start_month} 起"
    return f"至 {st.end_month}"


def _newest_key(rec: ReportRecord) -> tuple:
    return (rec.fill_date or date.min, rec.mtime, rec.file)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


def _info_cell(rec: ReportRecord, key: str) -> dict:
    """sheet and cell of a 基本信息 field as read, so the issue names (and the return copy marks) it."""
    sheet, _, cell = rec.cells.get(f"info:{key}", "").partition("!")
    return {"sheet": sheet or report_template.SHEET_INFO, "cell": cell}


def select_reports(records: list[ReportRecord], stations: dict[str, Station], rules: Rules) -> Selection:
    sel = Selection()
    cores = _name_cores(stations)
    candidates: dict[tuple[str, str], list[ReportRecord]] = {}
    for rec in sorted(records, key=lambda r: r.file):
        st = stations.get(rec.station)
        month = rec.month or ""
        key = (rec.station, month)
        stamp = dict(station=rec.station, month=month, file=rec.file)
        if st is None:
            sel.issues.append(issue("R001", **stamp, **_info_cell(rec, "station"), found=rec.station or "（空）"))
            sel.rejected.setdefault(key, []).append(rec)
            sel.statuses[rec.file] = NOT_REGISTERED
            continue
        if rec.name and norm_text(rec.name) != norm_text(st.name):
            sel.issues.append(issue("R002", **stamp, **_info_cell(rec, "name"), found=rec.name, expected=st.name))
        if other := _named_other(rec.file, st, stations, cores):
            sel.issues.append(
                issue(
                    "F011",
                    **stamp,
                    found=f"{other.name}（{other.code}）",
                    expected=f"{st.code} {st.name}",
                )
            )
        if rec.county and norm_text(rec.county) != norm_text(st.county):
            sel.issues.append(issue("R003", **stamp, **_info_cell(rec, "county"), found=rec.county, expected=st.county))
        if rec.has_error or not rec.month:
            sel.rejected.setdefault(key, []).append(rec)
            sel.statuses[rec.file] = RETURNED
            continue
        if not st.operates_in(rec.month):
            sel.issues.append(
                issue("P002", **stamp, sheet=report_template.SHEET_INFO, found=rec.month, expected=_operating_text(st))
            )
            sel.statuses[rec.file] = OUTSIDE
            continue
        candidates.setdefault(key, []).append(rec)

    for key in sorted(candidates):
        recs = sorted(candidates[key], key=_newest_key)
        winner = recs[-1]
        sel.accepted[key] = winner
        sel.statuses[winner.file] = ACCEPTED
        for loser in recs[:-1]:
            sel.statuses[loser.file] = SUPERSEDED
            sel.issues.append(
                issue(
                    "P001",
                    station=loser.station,
                    month=loser.month or "",
                    file=loser.file,
                    found=loser.file,
                    expected=winner.file,
                )
            )

    _replaced_failures(sel, stations)
    sel.issues.extend(_outliers(sel.accepted, rules))
    return sel


_NAME_TAILS = ("零工驿站", "驿站", "零工服务站")
_PLACE_TAILS = ("街道", "社区", "镇", "乡", "村")


def _core(name: str) -> str:
    """What a station's name is called by in a file name: 东城街道零工驿站 -> 东城."""
    core = norm_text(name)
    for tail in _NAME_TAILS:
        core = core.removesuffix(tail)
    for tail in _PLACE_TAILS:
        if core.endswith(tail) and len(core) - len(tail) >= 2:
            return core[: -len(tail)]
    return core


def _name_cores(stations: dict[str, Station]) -> dict[str, str]:
    """code -> the short name a file name would use, for names no other station's name shares."""
    cores = {code: _core(st.name) for code, st in stations.items() if st.name}
    return {
        code: core
        for code, core in cores.items()
        if len(core) >= 2 and not any(core in norm_text(o.name) for c, o in stations.items() if c != code)
    }


def _named_other(rel: str, st: Station, stations: dict[str, Station], cores: dict[str, str]) -> Station | None:
    """The station a report's file name names when that is not the station the report is of
    (曾都区/东城驿站5月报表.xlsx holding 西城街道零工驿站's May, F011); None when it names its own
    or none. The folders and the county names are left out: 广水市 is no 广水街道."""
    stem = norm_text(PurePath(rel.replace("\\", "/")).stem)
    for county in {o.county for o in stations.values() if o.county}:
        stem = stem.replace(norm_text(county), "")
    own = cores.get(st.code) or _core(st.name)
    if own and own in stem:
        return None
    for code, core in sorted(cores.items()):
        if code != st.code and core in stem:
            return stations[code]
    return None


def _replaced_failures(sel: Selection, stations: dict[str, Station]) -> None:
    """A report with errors that the station replaced by a later report, accepted, is history: it
    is 已被替代 (by which file, P004), not 退回, and its errors ask nothing of anyone any more
    (``sel.replaced``; the run drops them, so no copy is returned and no mail asks for it)."""
    for key, recs in sorted(sel.rejected.items()):
        winner = sel.accepted.get(key)
        if winner is None or key[0] not in stations:
            continue
        for rec in recs:
            if _newest_key(rec) >= _newest_key(winner):  # a broken newer report is still to be fixed
                continue
            sel.statuses[rec.file] = SUPERSEDED
            sel.replaced[rec.file] = winner.file
            sel.issues.append(
                issue(
                    "P004",
                    station=rec.station,
                    month=rec.month or "",
                    file=rec.file,
                    found=rec.file,
                    expected=winner.file,
                )
            )


def _outliers(accepted: dict[tuple[str, str], ReportRecord], rules: Rules) -> list[Issue]:
    by_station: dict[str, list[ReportRecord]] = {}
    for (station, _), rec in sorted(accepted.items()):
        by_station.setdefault(station, []).append(rec)
    out: list[Issue] = []
    for station, recs in sorted(by_station.items()):
        for ind in report_template.INDICATORS:
            if ind.kind != report_template.COUNT:
                continue
            figures = [
                r.values[ind.code]
                for r in recs
                if isinstance(r.values.get(ind.code), int) and not isinstance(r.values.get(ind.code), bool)
            ]
            if len(figures) < 2:
                continue
            median = statistics.median(figures)
            if median <= 0:
                continue
            for rec in recs:
                v = rec.values.get(ind.code)
                if isinstance(v, bool) or not isinstance(v, int):
                    continue
                if v >= rules.outlier_min and v > rules.outlier_factor * median:
                    location = rec.cells.get(ind.code, "")
                    sheet, _, cell = location.partition("!")
                    out.append(
                        issue(
                            "X003",
                            station=station,
                            month=rec.month or "",
                            file=rec.file,
                            sheet=sheet,
                            cell=cell,
                            found=v,
                            expected=f"{_fmt(median)} 的 {rules.outlier_factor} 倍",
                            what=f"{location}（{ind.code} {ind.name}）",
                        )
                    )
    return out
