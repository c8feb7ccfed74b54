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

from . import template_spec as spec
from .issues import Issue, issue
from .records import (KIND_DECISIONS, KIND_REGISTRY, KIND_REJECTED, KIND_REPORT, KIND_SKIPPED,
                      KIND_UNSTABLE, FileOutcome, ReportRecord, Station)

# Sheets any of our readers look at; everything else in a workbook is never parsed.
WANTED_SHEETS = {spec.SHEET_INFO, spec.SHEET_INDICATORS, spec.SHEET_REGISTRY, spec.SHEET_DECISIONS,
                 *(d.name for d in spec.DETAIL_SHEETS)}


@dataclass
class FileResult:
    outcome: FileOutcome
    report: ReportRecord | None = None
    stations: dict[str, Station] | None = None
    decision_rows: object | None = None          # workbook.Workbook holding only 考核组意见
    grids: dict[str, list[list]] | None = None   # for return copies of .xls/.ods reports
    issues: list[Issue] = field(default_factory=list)


def _hash(path: Path) -> tuple[str, int]:
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
    from .classify import classify
    from .discover import stat_signature
    from .preflight import preflight
    from .workbook import read_workbook

    path = Path(item[0])
    rel = item[1]
    before = stat_signature(path)
    sha, size = _hash(path)
    mtime = before[1] / 1e9

    def outcome(kind, reason="", **kw):
        return FileOutcome(file=rel, kind=kind, reason=reason, sha256=sha, size=size, mtime=mtime, **kw)

    pf = preflight(path)
    if not pf.ok:
        iss = issue(pf.code, file=rel, found=pf.found)
        return FileResult(outcome(KIND_REJECTED, iss.message), issues=[iss])
    try:
        wb = read_workbook(path, WANTED_SHEETS)
    except Exception as exc:  # calamine names the cause; the run goes on with other files
        iss = _read_failure(exc, rel)
        return FileResult(outcome(KIND_REJECTED, iss.message), issues=[iss])

    if stat_signature(path) != before:
        iss = issue("F007", file=rel)
        return FileResult(outcome(KIND_UNSTABLE, iss.message), issues=[iss])

    kinds, reason = classify(wb.sheet_names)
    kinds = set(kinds) if isinstance(kinds, (set, frozenset, list, tuple)) else {kinds}
    result = FileResult(outcome(KIND_SKIPPED, reason))
    if KIND_REPORT in kinds:
        from .report_reader import read_report

        rec = read_report(wb, rel, sha256=sha, mtime=mtime)
        result.report = rec
        result.outcome = outcome(KIND_REPORT, station=rec.station, month=rec.month or "")
        if rec.has_error and pf.fmt != "xlsx":
            result.grids = {name: wb.sheet(name).rows for name in wb.sheet_names if name in wb._sheets}
        return result
    if KIND_REGISTRY in kinds:
        from .registry import read_registry

        stations, iss = read_registry(wb, rel)
        result.stations = stations
        result.issues.extend(iss)
        result.outcome = outcome(KIND_REGISTRY)
    if KIND_DECISIONS in kinds:
        wb._sheets = {spec.SHEET_DECISIONS: wb.sheet(spec.SHEET_DECISIONS)}
        result.decision_rows = wb
        if result.outcome.kind != KIND_REGISTRY:
            result.outcome = outcome(KIND_DECISIONS)
    return result


def _read_failure(exc: Exception, rel: str) -> Issue:
    name = type(exc).__name__
    text = str(exc)[:200]
    if "Password" in name or "password" in text.lower() or "encrypt" in text.lower():
        return issue("F004", file=rel, found=text)
    if "Zip" in name or "zip" in text.lower():
        return issue("F003", file=rel, found=text)
    return issue("F008", file=rel, found=f"{name}: {text}")


def isolated_failure(item: tuple[str, str], reason: str) -> FileResult:
    """What a file becomes when its worker died or timed out reading it."""
    path, rel = Path(item[0]), item[1]
    try:
        sha, size = _hash(path)
    except OSError:
        sha, size = "", 0
    iss = issue("F010", file=rel, found=reason)
    return FileResult(FileOutcome(file=rel, kind=KIND_REJECTED, reason=iss.message, sha256=sha, size=size),
                      issues=[iss])
