"""One assessment run: discover → read → select → grade → record → write.

Each step is a function of plain data; this module only wires them and decides
the exit status. Nothing here computes a grade or formats a cell. The documents are
scheduled in documents.py, the run record written by run_record.py and the console
text made by digest.py; the run's options and summary are plain values in model/run.py,
the default period is chosen in choose/period.py.

What the run reads and refuses first is in reading.py and run_checks.py, what the console says
about it beyond the digest in run_notes.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path

from lingong import __version__, layout
from lingong.catalogue.issues import ERROR, sort_key
from lingong.choose.period import default_period
from lingong.choose.plausibility import drop_implausible
from lingong.choose.selection import select_reports
from lingong.discover.walk import discover
from lingong.documents import plan_return_copies, write_documents, write_mail
from lingong.errors import FatalInput, HistoryRefused, RulesError
from lingong.grade import history, history_plan
from lingong.grade.grading import assess
from lingong.grade.history import check_city
from lingong.grade.history_plan import plan_assessment
from lingong.grade.history_query import recheck_targets
from lingong.grade.history_view import read_only, recorded
from lingong.layout import HISTORY_DB_NAME
from lingong.model.filenames import display_path
from lingong.model.periods import date_cn, months_in_year_through, period_option
from lingong.model.records import (
    KIND_DECISIONS,
    KIND_REGISTRY,
    KIND_REPORT,
    OUT_OF_PERIOD,
    FileOutcome,
    Issue,
    Period,
)
from lingong.model.run import RunOptions, RunSummary
from lingong.read.decisions import drop_conflicts, read_decisions
from lingong.read.files import FileResult
from lingong.reading import pick_registry, read_files, start_readers
from lingong.record import Assessment, RulesInfo, dumps, loads, write_card
from lingong.render.wording import rules_title
from lingong.rules.load import load_rules
from lingong.run_checks import assessment_date, check_date, history_present, refuse_same_folder
from lingong.run_notes import assessment_lines, tell_locked, tell_mail, what_changed
from lingong.runtime.clock import now_china
from lingong.runtime.outfiles import inside
from lingong.runtime.progress import default_workers
from lingong.versions import keep_previous, put_back


def _read_input(opts: RunOptions, readers, workers: int, timings: dict, t0: float):
    """The run up to its file results: rules, templates and period checked, the input
    folder walked and every file read (by ``readers``, started before all this)."""
    try:
        rules = load_rules(opts.rules_path)
    except RulesError as exc:
        raise FatalInput(str(exc)) from exc
    texts = None
    if opts.write_documents:
        # Imported here, not at the top: jinja2 and the writers load in a thread while the
        # files are read (WRITER_MODULES); a run that writes nothing never pays for them.
        from lingong.render.form_texts import load_text_templates

        # The bureau edits these too: a broken one stops the run before anything is written.
        texts = load_text_templates(opts.templates_dir)
    # A mistyped period is a usage error: say so before reading a thousand files.
    period = period_option(opts.period)
    if period is not None:
        # As are a date before the period, an assessment the history cannot take, a missing history.
        on = assessment_date(opts, period)
        check_date(period, on)
        history_present(Path(opts.output_root) / HISTORY_DB_NAME, Path(opts.output_root), opts.new_history)
        plan_assessment(Path(opts.output_root) / HISTORY_DB_NAME, period=period, recheck=opts.recheck, on=on)
    if not opts.input_dir.is_dir():
        raise FatalInput(f"输入文件夹不存在：{opts.input_dir}，请检查 --input 参数")
    refuse_same_folder(opts.input_dir, opts.output_root)

    disc = discover(opts.input_dir, exclude=opts.output_root)
    if not disc.candidates:
        raise FatalInput(
            f"输入文件夹 {opts.input_dir} 中没有任何表格文件（.xlsx/.xlsm/.xls/.ods）。"
            "请把各驿站的月度报表和驿站名册放进去后重新运行；想先看看效果，可运行 python process.py --demo"
        )
    timings["发现文件"] = time.perf_counter() - t0

    t = time.perf_counter()
    file_results = read_files(
        disc.candidates, workers=workers, progress=opts.progress, started=readers, cache_dir=opts.output_root
    )
    timings["读取校验"] = time.perf_counter() - t
    return file_results, disc, rules, texts, period


def run(opts: RunOptions) -> RunSummary:
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    started_at = now_china().replace(microsecond=0)  # to the second, as it is written
    workers = opts.workers or default_workers()
    # Started first, so that they set themselves up while this process loads the rules
    # and templates and walks the input folder.
    readers = start_readers(workers)
    try:
        file_results, disc, rules, texts, period = _read_input(opts, readers, workers, timings, t0)
    finally:
        readers.close()  # ends them if the run stopped before reading (a usage error)

    t = time.perf_counter()
    stations, registry_file, issues, decisions, selection = _collect(file_results, disc, rules)

    period_note = ""
    db = Path(opts.output_root) / HISTORY_DB_NAME
    assessed_on = assessment_date(opts, period)
    if period is None:
        period, period_note, enough = default_period(selection.accepted, stations, assessed_on)
        if period is None:
            raise FatalInput(
                f"输入文件夹中没有考核日期 {date_cn(assessed_on)} 以前已经结束的半年度的报表，无法确定考核期；"
                "请用 --period 指定（如 --period 2023H1）"
            )
        if not enough:
            raise FatalInput(period_note)
        history_present(db, Path(opts.output_root), opts.new_history)
        plan_assessment(db, period=period, recheck=opts.recheck, on=assessed_on)

    results, grade_issues = assess(period, stations, selection.accepted, selection.rejected, decisions, rules)
    issues.extend(grade_issues)
    timings["评定"] = time.perf_counter() - t

    outcomes, outside = _scope(_final_outcomes(disc.skipped, file_results, selection.statuses), period)
    # Reports of other months are not this run's business: no issue rows, no return copies.
    issues = [i for i in issues if i.file not in outside]

    t = time.perf_counter()
    registry = (registry_file, sorted(stations))
    _check_city(db, registry)
    how = history_plan.plan_assessment(db, period=period, recheck=opts.recheck, on=assessed_on)
    targets = None
    if opts.recheck:
        results, targets = _recheck_scope(db, period, results, assessed_on)
    folder = layout.assessment_folder(period.key, assessed_on if opts.recheck else None)
    out_dir = inside(opts.output_root, *folder.split("/"))

    issues = _dedupe_sorted(issues, stations)
    exit_code = 1 if any(i.severity == ERROR for i in issues) else 0
    # Problems in the bureau's own files are the clerk's: never a station's row, mail or return copy.
    bureau_files = {o.file for o in outcomes if o.kind in (KIND_REGISTRY, KIND_DECISIONS)}
    bureau_issues = [i for i in issues if i.file in bureau_files]
    issues = [i for i in issues if i.file not in bureau_files]
    if targets is not None:  # a recheck's documents are about the stations it decides
        issues = [i for i in issues if i.station in targets]
        exit_code = 1 if any(i.severity == ERROR for i in issues + bureau_issues) else 0

    copies, copies_of = (
        plan_return_copies(file_results, issues, out_dir, period, opts.input_dir, stations=targets)
        if opts.write_documents
        else ([], {})
    )
    snapshot = recorded(db)
    run_id = uuid.uuid4().hex[:12]
    rules_info = RulesInfo(
        rules.name,
        str(rules.version),
        str(rules.path),
        rules.sha256,
        rules_title(rules.name, rules.version),
        _flatten(rules.as_dict()),
        rules.deadline_days,
    )
    blob: list[bytes] = []

    def make_record(recorded_results, plan) -> bytes:
        a = Assessment(
            id=run_id,
            kind=history_plan.RECHECK if opts.recheck else history_plan.ASSESSMENT,
            period=period,
            assessed_on=assessed_on,
            version=plan.version,
            folder=folder,
            started_at=started_at,
            tool_version=__version__,
            input_dir=display_path(opts.input_dir),
            registry_file=registry_file,
            rules=rules_info,
            results=recorded_results,
            issues=issues,
            bureau_issues=bureau_issues,
            outcomes=outcomes,
            stations=stations,
            history=snapshot,
            return_copies=copies_of,
            exit_code=exit_code,
            period_note=period_note,
            notes=what_changed(db, plan, recorded_results, opts.recheck, outcomes),
        )
        blob.append(dumps(a))
        return blob[-1]

    moved = keep_previous(Path(opts.output_root), folder, how.replaces) if opts.write_documents else None
    try:
        history.record_assessment(
            db,
            run_id=run_id,
            started_at=started_at,
            tool_version=__version__,
            rules=rules,
            input_files=outcomes,
            period=period,
            results=results,
            recheck=opts.recheck,
            today=assessed_on,
            folder=folder,
            input_dir=_path_text(Path(opts.input_dir).absolute()),
            registry=registry,
            make_record=make_record,
        )
    except BaseException:
        put_back(moved)
        raise
    a = loads(json.loads(blob[-1]))
    timings["记录历史"] = time.perf_counter() - t

    summary = RunSummary(
        period,
        out_dir,
        a.outcomes,
        a.issues,
        a.results,
        a.stations,
        a.exit_code,
        started_at,
        a.period_note,
        timings,
        bureau_issues=a.bureau_issues,
    )
    summary.paths["registry"] = Path(registry_file)
    summary.assessed_on = assessed_on
    summary.assessment = a
    summary.lines = assessment_lines(a, moved)

    if opts.write_documents:
        t = time.perf_counter()
        _write(opts, summary, a, copies, texts)
        timings["生成文档"] = time.perf_counter() - t
    timings["合计"] = time.perf_counter() - t0
    return summary


def _collect(file_results: list[FileResult], disc, rules):
    """The registry, every issue found so far, the 考核组意见 and the reports each month uses."""
    stations, registry_file, reg_issues = pick_registry(file_results)
    issues: list[Issue] = list(disc.issues) + reg_issues
    for r in file_results:
        issues.extend(r.issues)
        if r.report is not None:
            drop_implausible(r.report, rules)
            issues.extend(r.report.issues)

    decisions = []
    for r in file_results:
        if r.decision_rows is not None:
            ds, di = read_decisions(r.decision_rows, r.outcome.file, stations)
            decisions.extend(ds)
            issues.extend(di)
    decisions, conflicts = drop_conflicts(decisions)
    issues.extend(conflicts)

    records = [r.report for r in file_results if r.report is not None]
    selection = select_reports(records, stations, rules)
    # A failed report the station replaced is history: only its P004 says what became of it.
    issues = [i for i in issues if i.file not in selection.replaced]
    issues.extend(i for i in selection.issues if i.file not in selection.replaced or i.code == "P004")
    return stations, registry_file, issues, decisions, selection


def _write(opts: RunOptions, summary: RunSummary, a, copies, texts) -> None:
    """The documents of a recorded assessment, its card, and the mail when asked for."""
    summary.out_dir.mkdir(parents=True, exist_ok=True)
    write_card(summary.out_dir, a)
    written = write_documents(
        summary,
        a,
        templates_dir=opts.templates_dir,
        workers=opts.workers,
        progress=opts.progress,
        copies=copies,
        texts=texts,
    )
    summary.paths.update(written.paths)
    tell_locked(summary, written.locked)
    if opts.mail_drafts or opts.notice:
        tell_mail(
            summary,
            *write_mail(a, opts.output_root, opts.templates_dir, notice=opts.notice, drafts=opts.mail_drafts),
        )


def _path_text(path: Path):
    """A path for the history: text, or its bytes when the system's names are not text (GBK bytes)."""
    text = str(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return os.fsencode(path)


def _check_city(db: Path, registry) -> None:
    """Another city's history is refused before anything is written (record_assessment checks again)."""
    if not db.is_file():
        return
    with contextlib.closing(read_only(db)) as conn:
        check_city(conn, registry)


def _recheck_scope(db: Path, period: Period, results: list, on: date):
    """A recheck decides the stations with an open case of its period, and no other: their results,
    each beside what the assessment before said; a month still returned on or after the
    deadline counts as not submitted, so the result is final."""
    targets = recheck_targets(db, period.key)
    if not targets:
        raise HistoryRefused(f"{period.label}没有限期整改或建议取消的驿站，无需复查（复查只决定该期开始的整改）。")
    out = []
    for r in results:
        if r.station.code not in targets or not r.graded:
            continue
        case, earlier = targets[r.station.code]
        if r.rejected_months and on >= case.deadline:
            r = replace(r, provisional=False, returns_lapsed=True)
        out.append(replace(r, earlier=earlier))
    return out, set(targets)


def _scope(outcomes: list[FileOutcome], period: Period) -> tuple[list[FileOutcome], set[str]]:
    """Mark the reports the period does not use. A run covers its months, the earlier
    months of the year (year-to-date complaints) and files whose month is unknown."""
    used = set(months_in_year_through(period))
    outside = {o.file for o in outcomes if o.kind == KIND_REPORT and o.month and o.month not in used}
    return [replace(o, status=OUT_OF_PERIOD) if o.file in outside else o for o in outcomes], outside


def _final_outcomes(skipped, file_results, statuses) -> list[FileOutcome]:
    out = list(skipped)
    for r in file_results:
        o = r.outcome
        if o.kind == KIND_REPORT:
            o = replace(o, status=statuses.get(o.file, ""))
        out.append(o)
    return sorted(out, key=lambda o: o.file)


def _dedupe_sorted(issues: list[Issue], stations: dict) -> list[Issue]:
    seen = set()
    unique = []
    for i in issues:
        if i in seen:
            continue
        seen.add(i)
        unique.append(i)
    return sorted(unique, key=lambda i: sort_key(i, stations))


def _flatten(d, prefix="") -> dict:
    out = {}
    for k, v in (d or {}).items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict):
            out.update(_flatten(v, key))
        else:
            out[key] = v if isinstance(v, (int, float, str, bool)) else json.dumps(v, ensure_ascii=False)
    return out
