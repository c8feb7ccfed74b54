"""The verdict on each file of an input folder the day it arrives: 采用, 退回 with its problems and
return copy, or why it was skipped. The web page's drop zone and the mail receipts both ask this,
through ``lingong.api``; the choice between reports of one station and month is the assessment's."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lingong.catalogue.issues import ERROR
from lingong.model.records import Issue
from lingong.render.return_copy import copy_name
from lingong.render.return_copy import write_return_copy as _write_copy
from lingong.reporting_status import read_folder


@dataclass(frozen=True)
class FileVerdict:
    """What became of one file of the input folder, as an assessment would choose."""

    file: str  # relative to the input folder, as the 校验报告 names it
    kind: str  # model.records.KIND_*: report, registry, decisions, skipped, rejected, unstable
    status: str  # a report's: 采用 / 已被替代 / 退回 / 运营期外 / 未在名册; "" for other kinds
    station: str = ""
    month: str = ""
    reason: str = ""  # why a file was skipped or could not be read (Chinese)
    problems: tuple[Issue, ...] = ()  # the issues of this file, in the 校验报告's words
    replaced_by: str = ""  # a report not used: the file used instead
    replaces: tuple[str, ...] = ()  # files this report was chosen over
    source: Path | None = None  # the file on disk

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.problems if i.severity == ERROR)


@dataclass
class Verdicts:
    verdicts: dict[str, FileVerdict] = field(default_factory=dict)  # by relative file
    stations: dict = field(default_factory=dict)  # the registry's stations
    registry_file: str = ""
    notes: list[str] = field(default_factory=list)  # what the read cache had to say
    _read: dict = field(default_factory=dict, repr=False)  # by file: read.files.FileResult (for return copies)

    def of(self, file: str) -> FileVerdict | None:
        return self.verdicts.get(file)


def check_files(
    input_dir: Path,
    output_root: Path,
    *,
    rules_path: Path | None = None,
    workers: int | None = None,
) -> Verdicts:
    """The verdict on every file of the input folder (a report the day it arrives: 采用 or 退回
    with its problems), reading through the read cache so that only new files cost a read.
    The choice between reports of one station and month is the assessment's."""
    return verdicts_of(read_folder(input_dir, output_root, rules_path=rules_path, workers=workers), input_dir)


def verdicts_of(got, input_dir: Path) -> Verdicts:
    """The verdicts of a folder already read (``reporting_status.read_folder``): pure, so that one
    read gives both the 报送情况 and the verdict on each file."""
    input_dir, sel = Path(input_dir), got.selection
    by_file: dict[str, list[Issue]] = {}
    for r in got.results:
        for i in [*r.issues, *(r.report.issues if r.report is not None else ())]:
            by_file.setdefault(i.file or r.outcome.file, []).append(i)
    replaced_by = dict(sel.replaced)  # a report not used -> the one used instead
    for i in sel.issues:
        by_file.setdefault(i.file, []).append(i)
        if i.code == "P001":  # a superseded report names the one used
            replaced_by[i.file] = i.expected
    replaces: dict[str, list[str]] = {}
    for old, used in replaced_by.items():
        replaces.setdefault(used, []).append(old)
    out = Verdicts(stations=got.stations, registry_file=got.registry_file, notes=got.notes)
    for r in got.results:
        o = r.outcome
        out._read[o.file] = r
        seen: set = set()
        problems = tuple(i for i in by_file.get(o.file, ()) if not (i in seen or seen.add(i)))
        rec = r.report
        out.verdicts[o.file] = FileVerdict(
            file=o.file,
            kind=o.kind,
            status=sel.statuses.get(o.file, "") if rec is not None else "",
            station=rec.station if rec is not None else o.station,
            month=(rec.month or "") if rec is not None else o.month,
            reason=o.reason,
            problems=problems,
            replaced_by=replaced_by.get(o.file, ""),
            replaces=tuple(sorted(replaces.get(o.file, ()))),
            source=Path(r.source) if r.source else input_dir / o.file,
        )
    for o in got.discovery.skipped:  # not read at all: a lock file, a Word document, a file too large …
        out.verdicts[o.file] = FileVerdict(
            file=o.file,
            kind=o.kind,
            status="",
            reason=o.reason,
            problems=tuple(i for i in got.discovery.issues if i.file == o.file),
            source=input_dir / o.file,
        )
    return out


def write_return_copy(verdicts: Verdicts, file: str, dest_dir: Path) -> Path | None:
    """The return copy of a report with errors (its problems marked in the station's own workbook,
    as an assessment's 退回修改 holds it), written into ``dest_dir``; None when the file has no error
    or is not a report. The input file is never changed."""
    v, r = verdicts.of(file), verdicts._read.get(file)
    if v is None or r is None or r.report is None or not v.errors:
        return None
    return _write_copy(v.source, v.file, list(v.problems), Path(dest_dir) / copy_name(v.station, v.month), r.grids)
