"""The engine as a library: what the command line and the clerk's web page both call.

Every function takes plain values (folders, a period key, a date), prints nothing, and raises
the errors of ``lingong.errors`` (a ``LingongError`` carries the clerk's Chinese message and
the exit status the command would have). Progress, where a call takes long, is told to a
callable ``progress(stage, done, total)``.

Over 400 lines because it is the library's whole surface, one short function a use, each
delegating to the module that does the work; the modules are imported inside the functions so
that a caller pays only for what it calls (``history`` never loads the pipeline or the mail).

A caller that writes into an output folder holds its lock (``runtime.runlock.RunLock``) for
as long as it writes, as ``process.py`` does: one run per output folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lingong import layout
from lingong.errors import FatalInput
from lingong.model.periods import Period, period_option
from lingong.reporting_status import reporting_status as _reporting_status

# The verdict on each file, the day it arrives (the drop zone and the receipts).
from lingong.verdicts import FileVerdict as FileVerdict
from lingong.verdicts import Verdicts as Verdicts
from lingong.verdicts import check_files as check_files
from lingong.verdicts import write_return_copy as write_return_copy

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
    progress: Progress | bool | None = None,
):
    """Assess (or, with ``recheck``, recheck) ``period`` on the 考核日期 ``on`` (default: today in
    China, or a rerun's recorded date): read the input folder, grade, record the assessment in the
    history and write its documents. Returns the run's ``RunSummary``; ``digest(summary)`` is
    what the command prints after it. ``progress``: a callable ``(stage, done, total)``, True for
    the command's bar on a terminal, None/False for nothing. Raises the errors of ``errors.py``
    (FatalInput: nothing could be assessed, with what to do)."""
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


def digest(summary, *, page: bool = False) -> str:
    """The Chinese summary of a run, as the command prints it (``page``: its next step in the
    words of the web page)."""
    from lingong.digest import digest as text

    return text(summary, page=page)


# ---- the year's 报送情况 --------------------------------------------------------------------------


# reporting_status(input_dir, output_root, year, *, on=None, rules_path=None, workers=None):
# which station sent which month of ``year`` (a ReportingStatus), through the read cache.
reporting_status = _reporting_status


# ---- recorded assessments ------------------------------------------------------------------------


def assessments(output_root: Path) -> list:
    """The recorded assessments of an output folder (``grade.history_plan.Run``), in the order recorded;
    an empty list when the folder has no history."""
    from lingong.grade.history_plan import runs_of

    db = Path(output_root) / layout.HISTORY_DB_NAME
    return runs_of(db) if db.is_file() else []


def recorded_assessment(
    output_root: Path, period: str | Period | None = None, which: str = "", *, what: str = "写文档"
):
    """The recorded assessment ``period`` names (its latest, or ``which``: 考核 / 复查 /
    复查YYYY-MM-DD / a record id) as a ``grade.history_plan.Run``; with no period, the latest recorded.
    Raises FatalInput, saying what to run first, when there is none (``what``: what the caller
    was about to do, for that message)."""
    from lingong.grade.history_plan import latest_of

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
    from lingong.grade.history_query import load_record
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


@dataclass(frozen=True)
class OpenCase:
    """A station's case of ``period`` that a recheck of that period would decide: 限期整改, or a
    建议取消 the bureau has not acted on (a second recheck may still end it)."""

    period: str
    station: str
    state: str  # 限期整改 | 建议取消
    started_on: date
    deadline: date
    failed_items: tuple[str, ...]
    grade: str  # the final grade that started it, as last recorded
    name: str = ""  # the station's name and county as the period's latest assessment recorded them
    county: str = ""


def open_rectifications(output_root: Path) -> list[OpenCase]:
    """Every open case (限期整改, or 建议取消 not yet acted on) of the recorded assessments, by
    period (in the order assessed) then station: what a recheck (``assess(..., recheck=True)``)
    of that period decides. Reads only."""
    from lingong.grade.history_query import recheck_targets

    db = Path(output_root) / layout.HISTORY_DB_NAME
    if not db.is_file():
        return []
    latest = {r.period: r for r in assessments(output_root) if not r.replaced_by}
    out = []
    for key in latest:  # the periods in the order first assessed, so H1 before H2 before the year
        targets = recheck_targets(db, key)
        if not targets:
            continue
        try:
            stations = load_assessment(output_root, latest[key]).stations
        except FatalInput:  # recorded by an earlier version: codes only
            stations = {}
        for code, (case, earlier) in targets.items():
            st = stations.get(code)
            out.append(
                OpenCase(
                    key,
                    code,
                    case.state,
                    case.started_on,
                    case.deadline,
                    earlier.failed_items,
                    earlier.final_overall,
                    st.name if st else "",
                    st.county if st else "",
                )
            )
    return out


@dataclass(frozen=True)
class Documents:
    """The files of one recorded assessment as they were issued."""

    run: object  # grade.history_plan.Run
    folder: Path | None  # its folder now: <period>/…, or …/旧版本/第N版_… once replaced; None if gone
    files: tuple[Path, ...] = ()  # absolute, in the folder's order


def assessment_documents(output_root: Path, run) -> Documents:
    """Where a recorded assessment's documents are and which they are. A folder is known by its
    考核记录.json (the card names the record's id), so a replaced version is found in the 旧版本/
    of the one that replaced it. Reads only."""
    import json

    from lingong.versions import version_files

    output_root = Path(output_root)
    top = output_root.joinpath(*(run.folder or run.period).split("/"))
    period_top = output_root / run.period
    for card in [top / layout.RECORD_CARD_NAME, *sorted(period_top.rglob(layout.RECORD_CARD_NAME))]:
        try:
            doc = json.loads(card.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and doc.get("id") == run.run_id:
            return Documents(run, card.parent, tuple(version_files(card.parent)))
    if not run.folder and top.is_dir():  # recorded by an earlier version of the tool: no card
        return Documents(run, top, tuple(version_files(top)))
    return Documents(run, None)


def drafts_folder(output_root: Path, run) -> Path:
    """Where ``write_mail`` writes the drafts of a recorded assessment (``run``)."""
    from lingong.runtime.outfiles import inside

    folder = run.folder or run.period  # an assessment recorded by an earlier version wrote into <period>/
    return inside(Path(output_root), *folder.split("/"), *layout.drafts_parts())


def template_drafts_folder(output_root: Path, month: str) -> Path:
    """Where ``write_templates(..., mail=True)`` writes the drafts of ``month``'s blank templates."""
    from lingong.runtime.outfiles import inside

    return inside(Path(output_root), *layout.blank_templates_parts(month), *layout.drafts_parts(templates=True))


def send_mail(
    output_root: Path,
    period: str | Period,
    which: str = "",
    *,
    config,
    dry_run: bool,
    resend_unknown: bool = False,
    progress: Callable[[str], None] | None = None,
):
    """Send (or, with ``dry_run``, list) the mail drafts ``write_mail`` wrote for a recorded
    assessment, with the at-most-once sender: each draft once, a mail whose fate is unknown
    held unless ``resend_unknown``. ``config``: ``mail.send.load_smtp_config``'s. Returns the
    send summary (``mail.send_log.SendSummary``)."""
    from lingong.mail.send import send_drafts

    run = recorded_assessment(output_root, period, which, what="发送邮件")
    drafts = drafts_folder(output_root, run)
    if not drafts.is_dir():
        raise FatalInput(
            f"没有找到邮件草稿：{drafts}。请先生成邮件草稿（python process.py mail --period {run.period}）"
        )
    return send_drafts(
        drafts,
        Path(output_root) / layout.HISTORY_DB_NAME,
        config,
        period=run.period,
        dry_run=dry_run,
        resend_unknown=resend_unknown,
        progress=progress,
    )


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


def changed_inputs(output_root: Path, run, input_dir: Path | None = None) -> list[str]:
    """The input files changed since a recorded assessment, in Chinese lines (已删除 / 已修改 /
    无法读取 / 新增): size and time first, the hash to confirm. ``input_dir``: the folder to look
    at, by default the one the assessment read. Reads only; an empty list when nothing changed."""
    from lingong.discover.walk import discover
    from lingong.grade.history_query import recorded_inputs
    from lingong.read.files import file_hash

    output_root = Path(output_root)
    input_dir = Path(input_dir if input_dir is not None else run.input_dir)
    if not input_dir.is_dir():
        return [f"输入文件夹 {input_dir} 已不存在"]
    recorded = {f["file"]: f for f in recorded_inputs(output_root / layout.HISTORY_DB_NAME, run.run_id) if f["sha256"]}
    disc = discover(input_dir, exclude=output_root)
    now = {rel: p for p, rel in disc.candidates}
    out = []
    for rel, f in sorted(recorded.items()):
        p = now.get(rel)
        if p is None:
            out.append(f"已删除：{rel}")
            continue
        st = p.stat()
        if st.st_size == f["size"] and abs(st.st_mtime - f["mtime"]) < 1e-3:
            continue
        try:
            if file_hash(p)[0] != f["sha256"]:
                out.append(f"已修改：{rel}")
        except OSError:
            out.append(f"无法读取：{rel}")
    out.extend(f"新增：{rel}" for rel in sorted(set(now) - set(recorded)))
    return out


# ---- blank templates, and the mail beside the assessments -----------------------------------------


@dataclass
class TemplatesWritten:
    month: str  # YYYY-MM
    registry_file: str  # the registry the stations came from
    folder: Path
    paths: list[Path]  # one blank report a station operating that month
    drafts: object  # mail.drafts summary (one draft a station), or None
    locked: list[Path]  # outputs left as they were because open in Excel/WPS


def write_templates(
    input_dir: Path,
    output_root: Path,
    month: str,
    *,
    mail: bool = False,
    workers: int | None = None,
    progress: bool = False,
) -> TemplatesWritten:
    """A pre-filled blank monthly report (LGYZ-M-1) for every station of the input folder's newest
    registry that operates in ``month`` (YYYY-MM), into ``<output>/空白模板/<month>/``; with
    ``mail``, a draft to each station with its template attached. Reads the registry through the
    read cache."""
    from lingong.discover.walk import discover
    from lingong.mail.drafts import write_drafts
    from lingong.model.periods import make_period
    from lingong.reading import pick_registry, read_files
    from lingong.render.blank_template import write_blank_templates
    from lingong.runtime.outfiles import locked_outputs

    output_root = Path(output_root)
    disc = discover(Path(input_dir), exclude=output_root)
    results = read_files(disc.candidates, workers=workers or 1, progress=progress, cache_dir=output_root)
    stations, registry_file, _ = pick_registry(results)
    dest = layout.blank_templates_dir(output_root, month)
    drafts = None
    with locked_outputs() as locked:
        paths = write_blank_templates(stations, month, dest)
        if mail:
            y, m = map(int, month.split("-"))
            drafts = write_drafts(
                dest,
                period=make_period("month", y, m),
                results=[],
                stations=stations,
                issues=[],
                templates_dir=layout.TEMPLATES_DIR,
                kind="templates",
                blank_templates={p.name.split("_", 1)[0]: p for p in paths},
            )
    return TemplatesWritten(month, registry_file, dest, paths, drafts, list(locked))


def send_template_mail(output_root: Path, month: str, *, config, dry_run: bool, resend_unknown: bool = False):
    """Send (or list) the drafts ``write_templates(..., mail=True)`` wrote for ``month``, with the
    at-most-once sender. Returns the send summary."""
    from lingong.mail.send import send_drafts

    drafts = template_drafts_folder(output_root, month)
    if not drafts.is_dir():
        raise FatalInput(f"没有找到邮件草稿：{drafts}。请先运行 python process.py mail --templates --month {month}")
    return send_drafts(
        drafts,
        Path(output_root) / layout.HISTORY_DB_NAME,
        config,
        period=month,
        dry_run=dry_run,
        resend_unknown=resend_unknown,
    )


def send_receipts(
    output_root: Path, *, config, dry_run: bool, resend_unknown: bool = False
) -> list[tuple[str, object]]:
    """Send (or list) every receipt draft ``write_receipts`` wrote that the send log does not show
    as sent: (the day's folder name, its send summary) for each day of receipts, oldest first."""
    from lingong.intake.receipts import receipts_key
    from lingong.mail.send import send_drafts

    root = Path(output_root) / layout.RECEIPTS_FOLDER
    folders = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    if not folders:
        raise FatalInput(f"没有找到回执草稿：{root}。请先运行 python process.py fetch")
    return [
        (
            folder.name,
            send_drafts(
                folder,
                Path(output_root) / layout.HISTORY_DB_NAME,
                config,
                period=receipts_key(folder.name),
                dry_run=dry_run,
                resend_unknown=resend_unknown,
            ),
        )
        for folder in folders
    ]


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
