"""Read every file of the input folder into compact records (the step that runs in workers).

One pass per file: hash, preflight, read the wanted sheets once, classify, parse.
A worker sends back only small records: the parsed report (a few dozen numbers
and its issues), the registry's stations, the decision sheet's grid, and for a
rejected non-xlsx report the grids needed to build its return copy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from lingong import report_template
from lingong.catalogue.issues import issue
from lingong.model.failure import ERROR, Failure
from lingong.model.records import (
    KIND_DECISIONS,
    KIND_REGISTRY,
    KIND_REJECTED,
    KIND_REPORT,
    KIND_SKIPPED,
    KIND_UNSTABLE,
    FileOutcome,
    Issue,
    ReportRecord,
    Station,
)
from lingong.read.classify import classify
from lingong.read.registry import read_registry
from lingong.read.report import read_report
from lingong.read.workbook import read_checked

# Sheets any of our readers look at; everything else in a workbook is never parsed.
WANTED_SHEETS = {
    report_template.SHEET_INFO,
    report_template.SHEET_INDICATORS,
    report_template.SHEET_REGISTRY,
    report_template.SHEET_DECISIONS,
    *(d.name for d in report_template.DETAIL_SHEETS),
}


@dataclass
class FileResult:
    outcome: FileOutcome
    report: ReportRecord | None = None
    stations: dict[str, Station] | None = None
    decision_rows: object | None = None  # workbook.Workbook holding only 考核组意见
    grids: dict[str, list[list]] | None = None  # for return copies of .xls/.xlsb/.ods reports
    issues: list[Issue] = field(default_factory=list)
    # The path as the OS names it, for opening the file again (a return copy): the shown
    # name in outcome.file need not lead back to it (see filenames.display_names).
    source: str = ""


def file_hash(path) -> tuple[str, int]:
    """The SHA-256 of a file's bytes and their count, read in blocks (the one hasher of inputs)."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def read_one(item: tuple[str, str]) -> FileResult:
    """Read one file. ``item`` is (absolute path, path relative to the input folder).

    Module-level and picklable: this is what worker processes run."""

    path = Path(item[0])
    rel = item[1]
    rr = read_checked(path, WANTED_SHEETS)
    sha = rr.sha256
    if not sha:
        try:  # every input gets its hash in the run record, readable or not
            sha, _ = file_hash(path)
        except OSError:
            sha = ""
    mtime = rr.mtime_ns / 1e9

    def outcome(kind, reason="", **kw):
        return FileOutcome(file=rel, kind=kind, reason=reason, sha256=sha, size=rr.size, mtime=mtime, **kw)

    if rr.code == "F007":
        iss = issue("F007", file=rel)
        return FileResult(outcome(KIND_UNSTABLE, iss.message), issues=[iss])
    if rr.workbook is None and rr.sheet_names is not None:
        kinds, reason = classify(rr.sheet_names)
        if kinds == (KIND_SKIPPED,):  # calamine could not read it, but it is no report of ours
            return FileResult(outcome(KIND_SKIPPED, reason), source=item[0])
    if rr.workbook is None:
        iss = issue(rr.code or "F008", file=rel, found=rr.found, expected=rr.expected)
        return FileResult(outcome(KIND_REJECTED, iss.message), issues=[iss])
    wb = rr.workbook

    kinds, reason = classify(wb.sheet_names)
    result = FileResult(outcome(KIND_SKIPPED, reason), source=item[0])
    if KIND_REPORT in kinds:
        rec = read_report(wb, rel, sha256=sha, mtime=mtime)
        result.report = rec
        result.outcome = outcome(KIND_REPORT, station=rec.station, month=rec.month or "")
        if rr.fmt != "xlsx":
            # openpyxl cannot reopen .xls/.xlsb/.ods for a return copy; keep the grids in case one is needed.
            result.grids = {name: wb.sheet(name).rows for name in wb.sheet_names if name in wb._sheets}
        return result
    if KIND_REGISTRY in kinds:
        stations, iss = read_registry(wb, rel)
        result.stations = stations
        result.issues.extend(iss)
        result.outcome = outcome(KIND_REGISTRY)
    if KIND_DECISIONS in kinds:
        sheet = wb.sheet(report_template.SHEET_DECISIONS)
        wb._sheets = {sheet.name: sheet}  # only this sheet travels back to the parent
        result.decision_rows = wb
        if result.outcome.kind != KIND_REGISTRY:
            result.outcome = outcome(KIND_DECISIONS)
    return result


def isolated_failure(item: tuple[str, str], failure: Failure) -> FileResult:
    """What a file becomes when its worker died, timed out or raised reading it."""
    path, rel = Path(item[0]), item[1]
    try:
        sha, size = file_hash(path)
    except OSError:
        sha, size = "", 0
    # A Python exception in the reader is a file we could not read (F008); a dead or
    # runaway worker is the file being too much for a reader (F010).
    code = "F008" if failure.kind == ERROR else "F010"
    iss = issue(code, file=rel, found=failure.reason)
    return FileResult(
        FileOutcome(file=rel, kind=KIND_REJECTED, reason=iss.message, sha256=sha, size=size), issues=[iss]
    )
