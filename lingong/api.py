"""The engine as a library: what the command line and the clerk's web page both call.

Every function takes plain values (folders, a period key, a date), prints nothing, and raises
the errors of ``lingong.errors`` (a ``LingongError`` carries the clerk's Chinese message and
the exit status the command would have). Progress, where a call takes long, is told to a
callable ``progress(stage, done, total)``.

A caller that writes into an output folder holds its lock (``runtime.runlock.RunLock``) for
as long as it writes, as ``process.py`` does: one run per output folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from lingong import layout
from lingong.errors import FatalInput
from lingong.model.periods import Period, period_option
from lingong.model.records import Issue
from lingong.reporting_status import read_folder
from lingong.reporting_status import reporting_status as _reporting_status

Progress = Callable[[str, int, int], None]


# ---- assessing -----------------------------------------------------------------------------------


def assess(
    input_dir: Path,
    output_root: Path,
    period: str | Period | None = None,
    *,
    on: date | None = None,
    recheck: bool = False,
    rules_path: Path | None = None,
    templates_dir: Path | None = None,
    workers: int | None = None,
    new_history: bool = False,
    mail_drafts: bool = False,
    notice: bool = False,
    progress: Progress | None = None,
):
    """Assess (or, with ``recheck``, recheck) ``period`` on the 考核日期 ``on`` (default: today in
    China, or a rerun's recorded date): read the input folder, grade, record the assessment in the
    history and write its documents. Returns the run's ``RunSummary``; ``digest(summary)`` is
    what the command prints after it."""
    from lingong.model.run import RunOptions
    from lingong.pipeline import run

    return run(
        RunOptions(
            input_dir=Path(input_dir),
            output_root=Path(output_root),
            period=period_option(period) if isinstance(period, str) else period,
            rules_path=Path(rules_path) if rules_path else layout.DEFAULT_RULES,
            templates_dir=Path(templates_dir) if templates_dir else layout.TEMPLATES_DIR,
            workers=workers,
            recheck=recheck,
            progress=progress or False,
            mail_drafts=mail_drafts,
            notice=notice,
            assessed_on=on,
            new_history=new_history,
        )
    )


def digest(summary) -> str:
    """The Chinese summary of a run, as the command prints it."""
    from lingong.digest import digest as text

    return text(summary)


# ---- the year's 报送情况 --------------------------------------------------------------------------


# reporting_status(input_dir, output_root, year, *, on=None, rules_path=None, workers=None):
# which station sent which month of ``year`` (a ReportingStatus), through the read cache.
reporting_status = _reporting_status


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
        from lingong.spec.issues import ERROR

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
    got = read_folder(input_dir, output_root, rules_path=rules_path, workers=workers)
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
    from lingong.render.return_copy import copy_name
    from lingong.render.return_copy import write_return_copy as write

    v, r = verdicts.of(file), verdicts._read.get(file)
    if v is None or r is None or r.report is None or not v.errors:
        return None
    return write(v.source, v.file, list(v.problems), Path(dest_dir) / copy_name(v.station, v.month), r.grids)


# ---- recorded assessments ------------------------------------------------------------------------


def assessments(output_root: Path) -> list:
    """The recorded assessments of an output folder (``grade.history.Run``), in the order recorded;
    an empty list when the folder has no history."""
    from lingong.grade.history import runs_of

    db = Path(output_root) / layout.HISTORY_DB_NAME
    return runs_of(db) if db.is_file() else []


def recorded_assessment(
    output_root: Path, period: str | Period | None = None, which: str = "", *, what: str = "写文档"
):
    """The recorded assessment ``period`` names (its latest, or ``which``: 考核 / 复查 /
    复查YYYY-MM-DD / a record id) as a ``grade.history.Run``; with no period, the latest recorded.
    Raises FatalInput, saying what to run first, when there is none (``what``: what the caller
    was about to do, for that message)."""
    from lingong.grade.history import latest_of

    output_root = Path(output_root)
    db = output_root / layout.HISTORY_DB_NAME
    p = period_option(period) if isinstance(period, str) else period
    if p is None:
        runs = [r for r in assessments(output_root) if not r.replaced_by]
        if not runs:
            raise FatalInput(
                f"输出文件夹 {output_root} 中还没有记录任何考核，无法{what}。请先运行 python process.py --period 2023H1 "
                "--date 考核日期（把 2023H1 换成要考核的考核期），再运行本命令。"
            )
        key = runs[-1].period
    else:
        key = p.key
    run = latest_of(db, key, which) if db.is_file() else None
    if run is None:
        label = p.label if p is not None else key
        named = f"（{which}）" if which else ""
        raise FatalInput(
            f"{label}{named}还没有考核，无法{what}：{what}只写已记录的考核，不会另行考核。"
            f"请先运行 python process.py --period {key} --date 考核日期，再运行本命令。"
        )
    if run.replaced_by:
        raise FatalInput(
            f"{run.title()}第{run.version}版已被新的一版替代，不能再{what}；请不写 --assessment 使用最新的一版。"
        )
    return run


def load_assessment(output_root: Path, run):
    """The whole record (``record.Assessment``) of a recorded run, as its documents were rendered
    from it; FatalInput for an assessment recorded by an earlier version of the tool."""
    from lingong.grade.history import load_record
    from lingong.record import loads

    doc = load_record(Path(output_root) / layout.HISTORY_DB_NAME, run.run_id)
    if doc is None:
        raise FatalInput(
            f"{run.title()}是由旧版本的工具考核的，考核历史中没有它的考核记录，无法在不重新评定的情况下生成邮件。"
            f"旧版本当时生成的邮件草稿（如有）仍在 {Path(output_root) / (run.folder or run.period) / layout.MAIL_FOLDER}，"
            f"可以直接用 send 发送；要按考核记录重新生成，请重新考核：python process.py --period {run.period} "
            f"--date {run.assessed_on.isoformat()}（作为新的一版，原来的文件移到“旧版本”文件夹；"
            "只有在它之后没有记录其他考核时才可以）。"
        )
    return loads(doc)


@dataclass
class MailWritten:
    assessment: object  # record.Assessment
    drafts: object  # mail.drafts summary, or None
    notice: Path | None
    locked: list[Path]  # outputs left as they were because open in Excel/WPS


def write_mail(output_root: Path, period: str | Period | None = None, which: str = "") -> MailWritten:
    """The mail drafts, 邮件清单 and 通报 of a recorded assessment, written into its folder from
    its record alone (no report read, nothing graded)."""
    from lingong.documents import write_mail as write

    run = recorded_assessment(output_root, period, which)
    a = load_assessment(output_root, run)
    drafts, notice, locked = write(a, Path(output_root), layout.TEMPLATES_DIR)
    return MailWritten(a, drafts, notice, locked)


def station_history(output_root: Path, station: str) -> str | None:
    """One station's recorded grades and rectification in Chinese, as ``history`` prints it;
    None when the history has no such station (or there is no history)."""
    from lingong.grade.history_view import station_report
    from lingong.read.labels import norm_code

    if not (Path(output_root) / layout.HISTORY_DB_NAME).is_file():
        return None
    return station_report(Path(output_root), layout.HISTORY_DB_NAME, norm_code(station))


# ---- reports that arrive by mail -----------------------------------------------------------------

# fetch_mailbox(config, input_dir, output_root, *, since=None, progress=None) -> FetchResult: the
# mailbox into <input>/收件/; write_receipts(input_dir, output_root, *, on=None, ...) -> ReceiptsResult:
# a receipt draft for every mail fetched that has none; load_imap_config(path, env) -> ImapConfig.
# The library functions themselves, imported when first asked for: a caller that never fetches
# does not pay for the mail modules.
_INTAKE = {
    "fetch_mailbox": "lingong.intake.fetch",
    "FetchResult": "lingong.intake.fetch",
    "ImapConfig": "lingong.intake.imap_config",
    "load_imap_config": "lingong.intake.imap_config",
    "write_receipts": "lingong.intake.receipts",
    "ReceiptsResult": "lingong.intake.receipts",
}


def __getattr__(name: str):
    if name in _INTAKE:
        import importlib

        return getattr(importlib.import_module(_INTAKE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def fetched_mails(output_root: Path, limit: int = 100) -> list[dict]:
    """The mails ``fetch_mailbox`` read last (newest first) with what became of each attachment and
    its receipt; an empty list before the first fetch. Reads only."""
    from lingong.intake import state

    db = Path(output_root) / layout.HISTORY_DB_NAME
    if not db.is_file():
        return []
    con = state.connect(db)
    try:
        return state.recent_mails(con, limit)
    finally:
        con.close()
