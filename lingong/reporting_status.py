"""The 报送情况 of a year: for every station of the registry and every month, whether its
report was 已采用, 退回, 缺报, 未到期, 未运营 or 已取消, with the counts and the reporting
rate of each county and month.

A library function for the web page (and anyone else): it prints nothing and writes
nothing but the read cache, so that after each dropped file only that file is read.
The reports are read, checked and chosen exactly as an assessment run does
(reading.read_files, choose.plausibility, choose.selection).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from lingong.choose.plausibility import drop_implausible
from lingong.choose.selection import select_reports
from lingong.discover.walk import discover
from lingong.errors import FatalInput, RulesError
from lingong.grade.grading import station_sort_key
from lingong.layout import DEFAULT_RULES
from lingong.model.records import Station
from lingong.reading import pick_registry, read_files
from lingong.rules.load import load_rules
from lingong.run_checks import refuse_same_folder
from lingong.runtime.clock import today_china
from lingong.runtime.progress import default_workers
from lingong.words import NO_COUNTY

ADOPTED, RETURNED, MISSING, NOT_DUE, NOT_OPERATING, CANCELLED = "已采用", "退回", "缺报", "未到期", "未运营", "已取消"
STATUSES = (ADOPTED, RETURNED, MISSING, NOT_DUE, NOT_OPERATING, CANCELLED)
DUE_DAY = 5  # a month's report is due by the 5th of the next month (各驿站请于每月5日前报送上月报表)
CANCELLED_STATUS = "已取消"


@dataclass(frozen=True)
class CountyMonth:
    county: str
    month: str
    counts: dict[str, int]  # every status of STATUSES, 0 when none
    due: int  # operating station-months whose report is due: 已采用 + 退回 + 缺报
    rate: float | None  # 报送率: (已采用 + 退回) / due; None when nothing was due

    @property
    def reported(self) -> int:
        return self.counts[ADOPTED] + self.counts[RETURNED]


@dataclass
class ReportingStatus:
    year: int
    on: date  # the day the status is of (what is 未到期)
    months: tuple[str, ...]
    stations: list[Station]  # the registry's, by county then code
    cells: dict[tuple[str, str], str]  # (station code, month) -> a status of STATUSES
    files: dict[tuple[str, str], str]  # (station code, month) -> the report used, or the one returned
    counties: dict[str, dict[str, CountyMonth]]  # county -> month -> counts
    registry_file: str = ""
    notes: list[str] = field(default_factory=list)  # what the read cache had to say


def due_date(month: str, due_day: int = DUE_DAY) -> date:
    y, m = int(month[:4]), int(month[5:7])
    return date(y + m // 12, m % 12 + 1, due_day)


def month_status(st: Station, month: str, selection, on: date, due_day: int = DUE_DAY) -> str:
    """One cell of the grid: how the station stands for the month on the day ``on``."""
    if st.status == CANCELLED_STATUS and not (st.end_month and month <= st.end_month):
        return CANCELLED  # a cancelled station's months after its last one (all, without 停用年月)
    if not st.operates_in(month):
        return NOT_OPERATING
    if (st.code, month) in selection.accepted:
        return ADOPTED
    if (st.code, month) in selection.rejected:
        return RETURNED
    return NOT_DUE if on <= due_date(month, due_day) else MISSING


def status_grid(
    stations: dict[str, Station], selection, year: int, on: date, *, due_day: int = DUE_DAY
) -> ReportingStatus:
    """The year's grid from the registry and a selection (choose.selection.select_reports): pure."""

    months = tuple(f"{year:04d}-{m:02d}" for m in range(1, 13))
    ordered = sorted(stations.values(), key=station_sort_key)
    cells, files = {}, {}
    counties: dict[str, dict[str, CountyMonth]] = {}
    tally: dict[tuple[str, str], dict[str, int]] = {}
    for st in ordered:
        county = st.county or NO_COUNTY
        for month in months:
            status = month_status(st, month, selection, on, due_day)
            cells[st.code, month] = status
            if status == ADOPTED:
                files[st.code, month] = selection.accepted[st.code, month].file
            elif status == RETURNED:
                files[st.code, month] = sorted(r.file for r in selection.rejected[st.code, month])[-1]
            counts = tally.setdefault((county, month), dict.fromkeys(STATUSES, 0))
            counts[status] += 1
    for (county, month), counts in tally.items():
        due = counts[ADOPTED] + counts[RETURNED] + counts[MISSING]
        rate = (counts[ADOPTED] + counts[RETURNED]) / due if due else None
        counties.setdefault(county, {})[month] = CountyMonth(county, month, counts, due, rate)
    return ReportingStatus(year, on, months, ordered, cells, files, counties)


@dataclass
class FolderRead:
    """The input folder read (through the read cache) and its reports chosen, as an
    assessment run does, but nothing graded."""

    discovery: object  # discover.walk.Discovery: what was found, and skipped
    results: list  # read.files.FileResult of every candidate
    stations: dict  # the registry's
    registry_file: str
    selection: object  # choose.selection.Selection
    notes: list[str]  # what the read cache had to say


def read_folder(
    input_dir: Path, output_root: Path, *, rules_path: Path | None = None, workers: int | None = None
) -> FolderRead:
    """Read ``input_dir`` using (and filling) the read cache in ``output_root``, and choose the
    reports. Raises errors.FatalInput as a run would (no folder, no registry, bad rules …)."""

    input_dir, output_root = Path(input_dir), Path(output_root)
    try:
        rules = load_rules(rules_path or DEFAULT_RULES)
    except RulesError as exc:
        raise FatalInput(str(exc)) from exc
    if not input_dir.is_dir():
        raise FatalInput(f"输入文件夹不存在：{input_dir}")
    refuse_same_folder(input_dir, output_root)
    notes: list[str] = []
    disc = discover(input_dir, exclude=output_root)
    results = read_files(
        disc.candidates, workers=workers or default_workers(), progress=False, cache_dir=output_root, notes=notes
    )
    stations, registry_file, _ = pick_registry(results)
    records = []
    for r in results:
        if r.report is not None:
            drop_implausible(r.report, rules)
            records.append(r.report)
    return FolderRead(disc, results, stations, registry_file, select_reports(records, stations, rules), notes)


def reporting_status(
    input_dir: Path,
    output_root: Path,
    year: int,
    *,
    on: date | None = None,
    rules_path: Path | None = None,
    workers: int | None = None,
    due_day: int = DUE_DAY,
) -> ReportingStatus:
    """The 报送情况 of ``year`` from the input folder, as an assessment run would choose the
    reports, using (and filling) the read cache in ``output_root``. ``on``: the day it is
    of (default: today in China). Raises errors.FatalInput as a run would (no registry …)."""

    got = read_folder(input_dir, output_root, rules_path=rules_path, workers=workers)
    status = status_grid(got.stations, got.selection, year, on or today_china(), due_day=due_day)
    status.registry_file = got.registry_file
    status.notes = got.notes
    return status
