"""One assessment run: discover → read → select → grade → record → write.

Each step is a function of plain data; this module only wires them and decides
the exit status. Nothing here computes a grade or formats a cell. The documents are
scheduled in documents.py, the run record written by run_record.py and the console
text made by digest.py; the run's options and summary are plain values in model/run.py,
the default period is chosen in choose/period.py.

Over 600 lines because run() reads top to bottom as the run happens; splitting it is still
to do (issue 24).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path

from lingong import __version__, layout
from lingong.choose.period import default_period
from lingong.choose.plausibility import drop_implausible
from lingong.choose.selection import select_reports
from lingong.digest import digest  # noqa: F401 - cli and tests import it from here
from lingong.discover.walk import discover, output_inside_input
from lingong.errors import FatalInput, HistoryRefused  # noqa: F401 - also imported from here
from lingong.grade.grading import assess
from lingong.layout import HISTORY_DB_NAME  # noqa: E402
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
from lingong.read.cache import read_packed, unpack
from lingong.read.decisions import drop_conflicts, read_decisions
from lingong.read.files import FileResult, isolated_failure
from lingong.render.wording import rules_title
from lingong.runtime.clock import now_china, today_china
from lingong.runtime.outfiles import inside, locked_message
from lingong.runtime.parallel import import_in_background, import_modules, run_isolated, start_workers
from lingong.runtime.progress import default_workers, progress_bar
from lingong.spec.issues import ERROR, issue, sort_key
from lingong.spec.rules import RulesError, load_rules
from lingong.spec.vocab import ACCEPTED


def start_readers(workers: int):
    """The reading workers of ``read_files``, started now: they import the readers
    while this process loads the rules and templates and walks the input folder."""
    return start_workers(read_packed, workers=workers, initializer=import_modules, initargs=READER_MODULES)


def read_files(
    candidates: list[tuple[Path, str]],
    *,
    workers: int,
    progress: bool,
    started=None,
    cache_dir: Path | None = None,
    notes: list[str] | None = None,
) -> list[FileResult]:
    """Read every candidate, in worker processes that a hostile file cannot take down
    (``started``: from start_readers). With ``cache_dir`` (the output folder), a file read
    before is taken from its read cache (read/cache.py) and the others are added to it;
    what the cache has to say (rebuilt, unusable) goes to ``notes``, else to stderr."""
    items = [(str(p), rel) for p, rel in candidates]
    cache, lookup, todo = None, None, items
    if cache_dir is not None:
        from lingong.read.cache import Lookup, ReadCache, input_root

        cache = ReadCache(cache_dir, input_root(candidates))
        maybe, todo = cache.split(items)
        if maybe:
            if started is None and todo:
                started = start_readers(min(workers, len(todo)))  # forked before the lookup's thread starts
            lookup = Lookup(cache, maybe)
            lookup.start()
    out: dict[str, FileResult] = {}
    bar = progress_bar(len(todo), "读取报表", progress)
    warm = None
    try:
        batch = todo
        while batch is not None:
            for item, ok, value in run_isolated(
                read_packed,
                batch,
                workers=workers,
                initializer=import_modules,
                initargs=READER_MODULES,
                started=started,
            ):
                if warm is None and workers > 1 and len(batch) >= WARM_AT:
                    # The workers are forked by now and this process only waits: load what the
                    # document writers need, so that their forked workers need not.
                    warm = import_in_background(WRITER_MODULES)
                if ok:
                    blob, keep = value
                    out[item[1]] = unpack(item, blob)
                    if keep and cache is not None:
                        cache.put(item[1], out[item[1]], blob)  # as read: before the run adds its own issues
                else:
                    out[item[1]] = isolated_failure(item, value)
                bar.update(1)
            started, batch = None, None
            if lookup is not None:
                lookup.join()
                out.update(lookup.found)
                batch, lookup = lookup.late, None  # the files the cache had that changed after all
    finally:
        bar.close()
        if lookup is not None:
            lookup.join()
        if cache is not None:
            cache.close(keep={rel for _, rel in items})
            cache.tell(notes)
    if warm is not None:
        warm.join()
    return [out[rel] for _, rel in items]


WARM_AT = 50  # files to read for the writers' imports to be worth a thread: fewer end before it
READER_MODULES = (
    "lingong.read.files",
    "lingong.read.cache",
    "lingong.read.workbook",
    "lingong.discover.preflight",
    "lingong.read.classify",
    "lingong.read.report",
    "lingong.read.registry",
    "python_calamine",
)
WRITER_MODULES = (
    "lingong.grade.grading",
    "lingong.grade.history",
    "lingong.render.form",
    "lingong.render.summary",
    "lingong.render.validation_report",
    "lingong.render.results_json",
    "lingong.render.return_copy",
    "xlsxwriter",
)
# Not openpyxl (0.13 s of a core, taken from the readers): only a return copy rebuilt
# from the grids of an .xls/.xlsb/.ods report, or a package the patcher refuses, needs
# it; write_documents imports it before forking when such a copy is planned.


def pick_registry(results: list[FileResult]) -> tuple[dict, str, list[Issue]]:
    regs = [r for r in results if r.stations is not None]
    if not regs:
        raise FatalInput(issue("R004").message + "。" + issue("R004").hint)
    # The newest registry wins (clerks drop in an updated copy beside the old one);
    # equal times fall back to path order so the choice never depends on the file system.
    regs.sort(key=lambda r: (-r.outcome.mtime, r.outcome.file))
    chosen = regs[0]
    extra = [issue("R007", file=r.outcome.file, found=r.outcome.file, expected=chosen.outcome.file) for r in regs[1:]]
    if not chosen.stations:
        raise FatalInput(f"驿站名册 {chosen.outcome.file} 中没有可用的驿站行，请检查名册后重新运行")
    return chosen.stations, chosen.outcome.file, extra


def refuse_same_folder(input_dir: Path, output_root: Path) -> None:
    """One folder for input and output would make every run read the last one's
    退回 copies and results as reports."""
    if output_inside_input(input_dir, output_root) == "":
        raise FatalInput(
            f"输入文件夹和输出文件夹是同一个文件夹（{output_root}）：那样下次运行会把本次生成的退回副本、"
            "汇总表当作报表再读一遍。请用 --output 指定另一个文件夹（例如默认的 output/），"
            "或把报表放进单独的文件夹并用 --input 指定它。"
        )


def check_date(period: Period, on: date) -> None:
    """A 考核日期 before its period began is a typo, never an assessment."""
    if on < date.fromisoformat(period.months[0] + "-01"):
        raise FatalInput(
            f"考核日期 {date_cn(on)}（--date {on.isoformat()}）在考核期{period.label}开始之前，请检查 --date"
        )


def history_present(db: Path, output_root: Path, new_history: bool) -> None:
    """A history missing or empty while the folder holds assessed periods would start every clock
    again without a word: refused unless a new history is asked for."""
    from lingong.grade.history import runs_of

    if new_history or runs_of(db):
        return
    assessed = sorted(
        {
            p.parent.name
            for name in (layout.RECORD_CARD_NAME, layout.RUN_RECORD_NAME)
            for p in output_root.glob(f"*/{name}")
        }
    )
    if assessed:
        what = "是空的" if db.is_file() else "不存在"
        raise HistoryRefused(
            f"输出文件夹 {output_root} 中已有考核过的考核期（{'、'.join(assessed)}），但考核历史 {db.name} {what}："
            f"这样记录会让整改状态和期限从头开始。请放回原来的 {db.name}（例如从备份恢复）；"
            f"确实要从头开始新的考核历史，请加 --new-history 重新运行。"
        )


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
        from lingong.render.form import load_text_templates

        # The bureau edits these too: a broken one stops the run before anything is written.
        texts = load_text_templates(opts.templates_dir)
    # A mistyped period is a usage error: say so before reading a thousand files.
    period = period_option(opts.period)
    if period is not None:
        # As are a date before the period, an assessment the history cannot take, a missing history.
        on = _assessment_date(opts, period)
        check_date(period, on)
        history_present(Path(opts.output_root) / HISTORY_DB_NAME, Path(opts.output_root), opts.new_history)
        from lingong.grade.history import plan_assessment

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


def _assessment_date(opts: RunOptions, period: Period | None) -> date:
    """--date, else for a rerun of a period the 考核日期 its current version has (a resent
    report does not move the deadlines), else today in China."""
    if opts.assessed_on is not None:
        return opts.assessed_on
    if period is not None and not opts.recheck:
        from lingong.grade.history import runs_of

        own = [r for r in runs_of(Path(opts.output_root) / HISTORY_DB_NAME) if r.period == period.key and not r.recheck]
        current = [r for r in own if not r.replaced_by]
        if current:
            return current[-1].assessed_on
    return today_china()


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
    selection = select_reports(records, stations)
    # A failed report the station replaced is history: only its P004 says what became of it.
    issues = [i for i in issues if i.file not in selection.replaced]
    issues.extend(i for i in selection.issues if i.file not in selection.replaced or i.code == "P004")

    period_note = ""
    db = Path(opts.output_root) / HISTORY_DB_NAME
    assessed_on = _assessment_date(opts, period)
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
        from lingong.grade.history import plan_assessment

        plan_assessment(db, period=period, recheck=opts.recheck, on=assessed_on)

    results, grade_issues = assess(period, stations, selection.accepted, selection.rejected, decisions, rules)
    issues.extend(grade_issues)
    timings["评定"] = time.perf_counter() - t

    outcomes, outside = _scope(_final_outcomes(disc.skipped, file_results, selection.statuses), period)
    # Reports of other months are not this run's business: no issue rows, no return copies.
    issues = [i for i in issues if i.file not in outside]

    t = time.perf_counter()
    # Loaded in the background while the files were read (WRITER_MODULES), so imported here.
    from lingong.grade import history
    from lingong.grade.history_view import recorded

    registry = (registry_file, sorted(stations))
    _check_city(db, registry)
    how = history.plan_assessment(db, period=period, recheck=opts.recheck, on=assessed_on)
    lines: list[str] = []
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

    from lingong.documents import plan_return_copies
    from lingong.record import Assessment, RulesInfo, dumps, loads

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
            kind=history.RECHECK if opts.recheck else history.ASSESSMENT,
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
            notes=lines + _what_changed(db, plan, recorded_results, opts.recheck, outcomes),
        )
        blob.append(dumps(a))
        return blob[-1]

    from lingong.versions import keep_previous, put_back

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
    import json

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
        from lingong.documents import write_documents, write_mail
        from lingong.record import write_card

        out_dir.mkdir(parents=True, exist_ok=True)
        write_card(out_dir, a)
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
        timings["生成文档"] = time.perf_counter() - t
    timings["合计"] = time.perf_counter() - t0
    return summary


def _path_text(path: Path):
    """A path for the history: text, or its bytes when the system's names are not text (GBK bytes)."""
    text = str(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return os.fsencode(path)


def tell_mail(summary: RunSummary, drafts, notice_path, locked) -> None:
    """What ``write_mail`` wrote, in the summary the digest prints."""
    if drafts is not None:
        summary.notes.append(
            f"邮件草稿：{len(drafts.written)} 封"
            + (
                f"；没有可用邮箱的驿站 {len(drafts.no_address)} 个：" + "、".join(r.station for r in drafts.no_address)
                if drafts.no_address
                else ""
            )
        )
        summary.paths["mail"] = layout.mail_dir(summary.out_dir)
    if notice_path is not None:
        summary.paths["notice"] = notice_path
    tell_locked(summary, locked)


def tell_locked(summary: RunSummary, locked: list[Path]) -> None:
    """Name each output left unreplaced in the digest; the run ends with status 1."""
    for p in locked:
        note = locked_message(p)
        if note not in summary.notes:
            summary.notes.append(note)
    if locked:
        summary.exit_code = max(summary.exit_code, 1)


def _check_city(db: Path, registry) -> None:
    """Another city's history is refused before anything is written (record_assessment checks again)."""
    if not db.is_file():
        return
    import contextlib

    from lingong.grade.history import check_city
    from lingong.grade.history_view import _read_only

    with contextlib.closing(_read_only(db)) as conn:
        check_city(conn, registry)


def _recheck_scope(db: Path, period: Period, results: list, on: date):
    """A recheck decides the stations with an open case of its period, and no other: their results,
    each beside what the assessment before said; a month still returned on or after the
    deadline counts as not submitted, so the result is final."""
    from lingong.grade.history import recheck_targets

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


def _what_changed(db: Path, plan, results: list, recheck: bool, outcomes) -> list[str]:
    """The console's account of a rerun (which stations' grade or state changed since the version
    it replaces) or of a recheck (what it decided, and the resubmitted reports it used)."""
    from lingong.grade.history import recorded_inputs, results_of_run

    lines = []
    if recheck:
        lines.extend(recheck_lines(results))
        if plan.follows is not None:
            before = {f["sha256"] for f in recorded_inputs(db, plan.follows.run_id)}
            codes = {r.station.code for r in results}
            used = [
                o
                for o in outcomes
                if o.kind == KIND_REPORT and o.status == ACCEPTED and o.station in codes and o.sha256 not in before
            ]
            if used:
                lines.append(
                    f"复查采用了考核（{date_cn(plan.follows.assessed_on)}）以后重新报送的报表 {len(used)} 份："
                    + "、".join(f"{o.station} {o.month} {o.file}" for o in used[:10])
                    + ("等" if len(used) > 10 else "")
                )
            else:
                lines.append(f"复查没有采用考核（{date_cn(plan.follows.assessed_on)}）以后重新报送的报表")
    if plan.replaces is not None:
        old = results_of_run(db, plan.replaces.run_id)
        changed = []
        for r in results:
            o = old.get(r.station.code)
            was = (o["final_overall"], o["rectification"]) if o else ("", "")
            now = (r.final_overall if r.graded else "", r.rectification)
            if was != now:
                changed.append(f"{r.station.code} {r.station.name}：{_state(*was)} → {_state(*now)}")
        lines.append(
            f"与第{plan.replaces.version}版（考核日期 {date_cn(plan.replaces.assessed_on)}）相比，"
            + (f"等次或整改状态有变化的驿站 {len(changed)} 个：" if changed else "没有驿站的等次或整改状态变化")
        )
        lines.extend(f"  {c}" for c in changed)
        from lingong.grade.history import _read_rows

        sent = _read_rows(
            db,
            "SELECT COUNT(*) AS n FROM mail_log WHERE period = ? AND kind = 'results' AND status = 'sent'",
            (plan.replaces.period,),
        )
        if sent and sent[0]["n"]:
            lines.append(
                f"注意：这个考核期已经发出 {sent[0]['n']} 封考核结果邮件（上一版的）；新的一版需要重新生成并发送的，"
                f"请运行 mail，再运行 send"
            )
    return lines


def _state(grade: str, rect: str) -> str:
    return "、".join(x for x in (grade or "未考核", rect) if x)


def recheck_lines(results: list) -> list[str]:
    """复查 N 个驿站：10 × 限期整改 → 整改结束 1 个、建议取消 7 个、限期整改 2 个."""
    from collections import Counter

    moves = Counter((r.earlier.rectification if r.earlier else "", r.rectification) for r in results)
    by_before: dict[str, Counter] = {}
    for (was, now), n in moves.items():
        by_before.setdefault(was, Counter())[now] += n
    parts = [
        f"{sum(c.values())} × {was or '—'} → " + "、".join(f"{now or '—'} {n} 个" for now, n in sorted(c.items()))
        for was, c in sorted(by_before.items())
    ]
    return [f"复查 {len(results)} 个驿站（本期限期整改、建议取消的驿站）：" + "；".join(parts)]


def assessment_lines(a, moved) -> list[str]:
    """What the assessment is, for the console: its kind and version, where the last one went."""
    lines = [f"{a.kind}：{a.title()}，第{a.version}版，记录编号 {a.id}"]
    if moved is not None:
        lines.append(f"上一版的文件已移到 {display_path(moved.dest)}（原样保留，不再改动）")
    return lines + list(a.notes)


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
