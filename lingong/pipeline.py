"""One assessment run: discover → read → select → grade → record → write.

Each step is a function of plain data; this module only wires them and decides
the exit status. Nothing here computes a grade or formats a cell.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from lingong import __version__, layout
from lingong.discover.filenames import display_path
from lingong.errors import FatalInput  # noqa: F401 - also imported from here
from lingong.layout import DEFAULT_RULES, TEMPLATES_DIR  # noqa: E402
from lingong.layout import HISTORY_DB_NAME as HISTORY_DB  # noqa: E402
from lingong.model.periods import make_period, parse_period
from lingong.model.records import (
    KIND_DECISIONS,
    KIND_REGISTRY,
    KIND_REJECTED,
    KIND_REPORT,
    KIND_SKIPPED,
    KIND_UNSTABLE,
    FileOutcome,
    Period,
)
from lingong.read.files import FileResult, isolated_failure, read_one
from lingong.render.wording import date_cn, rules_title
from lingong.runtime.outfiles import inside, locked_message, locked_outputs, write_text_atomic
from lingong.spec import template as spec
from lingong.spec.issues import ERROR, INFO, WARNING, Issue, issue


@dataclass
class RunOptions:
    input_dir: Path
    output_root: Path
    period: str | None = None
    rules_path: Path = DEFAULT_RULES
    templates_dir: Path = TEMPLATES_DIR
    workers: int | None = None
    recheck: bool = False
    progress: bool = True
    mail_drafts: bool = False
    notice: bool = False
    write_documents: bool = True
    assessed_on: date | None = None  # 考核日期 (--date); None: see ``recorded_date``, else today in China
    recorded_date: bool = False  # mail: use the 考核日期 recorded for the period's assessment


@dataclass
class RunSummary:
    period: Period
    out_dir: Path
    outcomes: list[FileOutcome]
    issues: list[Issue]
    results: list
    stations: dict
    exit_code: int
    started_at: str
    period_note: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    assessed_on: date | None = None
    bureau_issues: list[Issue] = field(default_factory=list)  # 驿站名册 and 考核组意见: the clerk's
    paths: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


CHINA = timezone(timedelta(hours=8), "UTC+08:00")


def now_china() -> datetime:
    """The run's time in China (the bureau's clock, whatever the server's zone);
    SOURCE_DATE_EPOCH pins it so two runs can give identical files."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    t = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    return t.astimezone(CHINA)


def now_text() -> str:
    return now_china().strftime("%Y-%m-%d %H:%M:%S")


def today_china() -> date:
    return now_china().date()


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def read_files(candidates: list[tuple[Path, str]], *, workers: int, progress: bool) -> list[FileResult]:
    """Read every candidate, in worker processes that a hostile file cannot take down."""
    from lingong.runtime.parallel import import_in_background, import_modules, run_isolated

    items = [(str(p), rel) for p, rel in candidates]
    bar = _progress(len(items), "读取报表", progress)
    out: dict[str, FileResult] = {}
    warm = None
    for item, ok, value in run_isolated(
        read_one, items, workers=workers, initializer=import_modules, initargs=READER_MODULES
    ):
        if warm is None and workers > 1:
            # The workers are forked by now and this process only waits: load what the
            # document writers need, so that their forked workers need not.
            warm = import_in_background(WRITER_MODULES)
        out[item[1]] = value if ok else isolated_failure(item, value)
        bar.update(1)
    bar.close()
    if warm is not None:
        warm.join()
    return [out[rel] for _, rel in items]


READER_MODULES = (
    "lingong.read.files",
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
    "openpyxl",
    "openpyxl.comments",
    "openpyxl.styles",
)


class _NoBar:
    def update(self, n=1):
        pass

    def close(self):
        pass


def _progress(total: int, desc: str, enabled: bool):
    if not enabled or total < 50 or not sys.stderr.isatty():
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="个", file=sys.stderr, leave=False)


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
    from lingong.discover.walk import output_inside_input

    if output_inside_input(input_dir, output_root) == "":
        raise FatalInput(
            f"输入文件夹和输出文件夹是同一个文件夹（{output_root}）：那样下次运行会把本次生成的退回副本、"
            "汇总表当作报表再读一遍。请用 --output 指定另一个文件夹（例如默认的 output/），"
            "或把报表放进单独的文件夹并用 --input 指定它。"
        )


COVERAGE = 0.5  # a half-year is chosen, or recorded without --period, only above this share


def coverage(period: Period, stations: dict, accepted) -> tuple[int, int]:
    """(accepted reports, operating station-months) of a period, over all its months."""
    from lingong.grade.aggregate import active_months
    from lingong.grade.grading import assessed

    operating = reported = 0
    for code, st in stations.items():
        if not assessed(st):
            continue
        for m in active_months(period, st):
            operating += 1
            reported += (code, m) in accepted
    return reported, operating


def _share(reported: int, operating: int) -> str:
    return f"{reported}/{operating} 个站月（{reported / operating:.0%}）" if operating else "没有运营的驿站"


def default_period(accepted, stations: dict, on: date) -> tuple[Period | None, str, bool]:
    """The latest half-year, ended or current on the 考核日期 ``on``, whose accepted
    reports cover more than half of its operating station-months; said aloud with
    why. Without one, the latest half-year with any report (not after ``on``) is
    assessed but not recorded (the third value: whether it may be recorded)."""
    months = sorted({m for (_, m) in accepted if m <= f"{on.year:04d}-{on.month:02d}"})
    if not months:
        return None, "", False
    halves = []
    for y in range(int(months[0][:4]), on.year + 1):
        for part in (1, 2):
            p = make_period("half", y, part)
            if p.months[0] <= f"{on.year:04d}-{on.month:02d}":
                halves.append(p)
    skipped = []
    for p in reversed(halves):
        reported, operating = coverage(p, stations, accepted)
        if operating and reported / operating > COVERAGE:
            why = (
                f"未指定考核期：按考核日期 {date_cn(on)}，选择已结束或进行中、多数运营驿站已报送的最近半年度"
                f"{p.label}（{p.key}），采用报表 {_share(reported, operating)}"
            )
            if skipped:
                why += "；" + "；".join(skipped) + "，报送不足一半，未选"
            return p, why, True
        if reported:
            skipped.append(f"{p.label}只有 {_share(reported, operating)}")
    latest = next(p for p in reversed(halves) if months[-1] in p.months)
    reported, operating = coverage(latest, stations, accepted)
    return (
        latest,
        (
            f"未指定考核期：没有报送超过一半的半年度，按最近有报表的{latest.label}（{latest.key}）评定，"
            f"采用报表 {_share(reported, operating)}。本次结果不记入考核历史，不开始整改；"
            f"确需正式考核该期请用 --period {latest.key} 指定"
        ),
        False,
    )


def run(opts: RunOptions) -> RunSummary:
    import time

    from lingong.choose.selection import select_reports
    from lingong.discover.walk import discover
    from lingong.grade.grading import assess
    from lingong.read.decisions import drop_conflicts, read_decisions
    from lingong.spec.rules import RulesError, load_rules

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    started_at = now_text()
    try:
        rules = load_rules(opts.rules_path)
    except RulesError as exc:
        raise FatalInput(str(exc)) from exc
    texts = None
    if opts.write_documents:
        from lingong.render.form import load_text_templates

        # The bureau edits these too: a broken one stops the run before anything is written.
        texts = load_text_templates(opts.templates_dir)
    # A mistyped period is a usage error: say so before reading a thousand files.
    period = parse_period(opts.period) if opts.period else None
    if opts.period and period is None:
        raise FatalInput(f"考核期“{opts.period}”无法识别，请写成 2023H1、2023H2、2023 或 2023-03")
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
    workers = opts.workers or default_workers()
    file_results = read_files(disc.candidates, workers=workers, progress=opts.progress)
    timings["读取校验"] = time.perf_counter() - t

    t = time.perf_counter()
    from lingong.choose.plausibility import drop_implausible

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
    issues.extend(selection.issues)

    period_note = ""
    keep_history = True
    # mail speaks of an assessment already made: its recorded 考核日期, found once the period is known.
    assessed_on = opts.assessed_on or (None if opts.recorded_date else today_china())
    if period is None:
        period, period_note, keep_history = default_period(selection.accepted, stations, assessed_on or today_china())
        if period is None:
            raise FatalInput(
                "输入文件夹中没有可用的月度报表（或报表的月份都在考核日期之后），无法确定考核期；请用 --period 指定"
            )

    results, grade_issues = assess(period, stations, selection.accepted, selection.rejected, decisions, rules)
    issues.extend(grade_issues)
    timings["评定"] = time.perf_counter() - t

    outcomes, outside = _scope(_final_outcomes(disc.skipped, file_results, selection.statuses), period)
    # Reports of other months are not this run's business: no issue rows, no return copies.
    issues = [i for i in issues if i.file not in outside]
    out_dir = inside(opts.output_root, period.key)
    out_dir.mkdir(parents=True, exist_ok=True)

    t = time.perf_counter()
    from lingong.grade.history import record_assessment, recorded_date

    run_id = uuid.uuid4().hex[:12]
    db = Path(opts.output_root) / HISTORY_DB
    if assessed_on is None:
        assessed_on = recorded_date(db, period.key) or today_china()
    results = record_assessment(
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
        keep=keep_history,
    )
    timings["记录历史"] = time.perf_counter() - t

    issues = _dedupe_sorted(issues, stations)
    exit_code = 1 if any(i.severity == ERROR for i in issues) else 0
    # Problems in the bureau's own files are the clerk's: never a station's row, mail or return copy.
    bureau_files = {o.file for o in outcomes if o.kind in (KIND_REGISTRY, KIND_DECISIONS)}
    bureau_issues = [i for i in issues if i.file in bureau_files]
    issues = [i for i in issues if i.file not in bureau_files]
    summary = RunSummary(
        period,
        out_dir,
        outcomes,
        issues,
        results,
        stations,
        exit_code,
        started_at,
        period_note,
        timings,
        bureau_issues=bureau_issues,
    )
    summary.paths["registry"] = Path(registry_file)
    summary.assessed_on = assessed_on

    if opts.write_documents:
        t = time.perf_counter()
        write_documents(summary, opts, rules, run_id, file_results, texts=texts)
        timings["生成文档"] = time.perf_counter() - t
    timings["合计"] = time.perf_counter() - t0
    return summary


OUT_OF_PERIOD = "考核期外（本次未使用）"


def _scope(outcomes: list[FileOutcome], period: Period) -> tuple[list[FileOutcome], set[str]]:
    """Mark the reports the period does not use. A run covers its months, the earlier
    months of the year (year-to-date complaints) and files whose month is unknown."""
    from dataclasses import replace

    from lingong.model.periods import months_in_year_through

    used = set(months_in_year_through(period))
    outside = {o.file for o in outcomes if o.kind == KIND_REPORT and o.month and o.month not in used}
    return [replace(o, status=OUT_OF_PERIOD) if o.file in outside else o for o in outcomes], outside


def _final_outcomes(skipped, file_results, statuses) -> list[FileOutcome]:
    from dataclasses import replace

    out = list(skipped)
    for r in file_results:
        o = r.outcome
        if o.kind == KIND_REPORT:
            o = replace(o, status=statuses.get(o.file, ""))
        out.append(o)
    return sorted(out, key=lambda o: o.file)


def _dedupe_sorted(issues: list[Issue], stations: dict) -> list[Issue]:
    from lingong.spec.issues import sort_key

    seen = set()
    unique = []
    for i in issues:
        if i in seen:
            continue
        seen.add(i)
        unique.append(i)
    return sorted(unique, key=lambda i: sort_key(i, stations))


def write_documents(summary: RunSummary, opts: RunOptions, rules, run_id: str, file_results, *, texts=None) -> None:
    """Write every document of the run. The independent ones (校验报告, 汇总表,
    results.json, 通报, each 退回副本 and each 考核验收表) are written by forked
    workers, each job sending back nothing but "done"; mail drafts, which attach
    the forms, and the run record follow in this process."""
    from lingong.grade.history_view import recorded
    from lingong.grade.monthly import CSV_NAME as MONTHLY_CSV
    from lingong.grade.monthly import write_csv as write_monthly_csv
    from lingong.render.form import form_path, load_text_templates, write_form
    from lingong.render.results_json import write_results
    from lingong.render.return_copy import copy_name, write_return_copy
    from lingong.render.summary import summary_path, write_summary
    from lingong.render.validation_report import write_validation_report

    out = summary.out_dir
    run_info = {
        "tool_version": __version__,
        "run_id": run_id,
        "started_at": summary.started_at,
        "input_dir": display_path(opts.input_dir),
        "period": summary.period.key,
        "recheck": opts.recheck,
        "assessed_on": summary.assessed_on.isoformat() if summary.assessed_on else "",
        "files": Counter(o.kind for o in summary.outcomes),
    }
    plain_info = {k: (dict(v) if isinstance(v, Counter) else v) for k, v in run_info.items()}
    label = rules_title(rules.name, rules.version)
    rules_info = {
        "title": label,
        "path": display_path(rules.path),
        "sha256": rules.sha256,
        "values": _flatten(rules.as_dict()),
    }
    if texts is None:
        texts = load_text_templates(opts.templates_dir)
    # Jobs are module-level functions with plain-data arguments (functools.partial),
    # so that a spawned worker can be sent them; the single big documents first, so
    # that none of them is left for last.
    jobs: list = []

    vp = out / layout.validation_report_name(summary.period.label)
    jobs.append(
        functools.partial(
            write_validation_report,
            vp,
            summary.issues,
            summary.stations,
            summary.outcomes,
            bureau_issues=summary.bureau_issues,
            period_label=summary.period.label,
            assessed_on=summary.assessed_on,
        )
    )
    summary.paths["validation"] = vp

    sp = summary_path(out, summary.period)
    jobs.append(
        functools.partial(
            write_summary,
            sp,
            period=summary.period,
            results=summary.results,
            issues=summary.issues,
            outcomes=summary.outcomes,
            stations=summary.stations,
            rules_info=rules_info,
            run_info=plain_info,
            history=recorded(Path(opts.output_root) / HISTORY_DB),
        )
    )
    summary.paths["summary"] = sp

    mp = out / MONTHLY_CSV
    jobs.append(functools.partial(write_monthly_csv, mp, summary.results))
    summary.paths["monthly"] = mp

    rp = out / layout.RESULTS_JSON_NAME
    jobs.append(functools.partial(write_results, rp, summary.period, summary.results, rules, plain_info))
    summary.paths["results"] = rp

    if opts.notice:
        from lingong.render.notice import write_notice

        np_ = out / layout.NOTICE_NAME
        jobs.append(
            functools.partial(
                write_notice,
                np_,
                period=summary.period,
                results=summary.results,
                template=opts.templates_dir / "通报模板.docx",
                issued=None,
            )
        )
        summary.paths["notice"] = np_

    by_file: dict[str, list[Issue]] = {}
    for i in summary.issues:
        by_file.setdefault(i.file, []).append(i)
    returned = []
    for r in file_results:
        rec = r.report
        # Errors found across files (e.g. R001 station not in the registry) reject a report too.
        # (Reports outside the period have no issues here, so no copy.)
        if rec is None or not any(i.severity == ERROR for i in by_file.get(rec.file, ())):
            continue
        target = inside(out, layout.RETURNS_FOLDER, copy_name(rec.station, rec.month))
        if target in returned:  # two broken files for one station and month
            target = inside(out, layout.RETURNS_FOLDER, copy_name(rec.station, rec.month, len(returned)))
        jobs.append(
            functools.partial(
                write_return_copy,
                Path(r.source or opts.input_dir / rec.file),
                rec.file,
                by_file.get(rec.file, []),
                target,
                r.grids,
            )
        )
        returned.append(target)
    summary.paths["returns"] = layout.returns_dir(out)

    for res in summary.results:
        if res.graded:
            jobs.append(functools.partial(write_form, form_path(out, res), res, rules_label=label, texts=texts))
    summary.paths["forms"] = out

    # A document open in Excel/WPS cannot be replaced: note it, write all the others.
    with locked_outputs() as locked:
        _run_jobs(jobs, opts.workers or default_workers(), out, progress=opts.progress)

        if opts.mail_drafts:
            from lingong.mail.drafts import write_drafts

            drafts = write_drafts(
                out,
                period=summary.period,
                results=summary.results,
                stations=summary.stations,
                issues=summary.issues,
                templates_dir=opts.templates_dir,
                date_header=datetime.strptime(summary.started_at, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA),
            )
            summary.notes.append(
                f"邮件草稿：{len(drafts.written)} 封"
                + (
                    f"；没有可用邮箱的驿站 {len(drafts.no_address)} 个："
                    + "、".join(r.station for r in drafts.no_address)
                    if drafts.no_address
                    else ""
                )
            )
            summary.paths["mail"] = layout.mail_dir(out)

        _tell_locked(summary, locked)  # before the run record, which keeps the exit status
        write_run_record(summary, rules, run_info)
    _tell_locked(summary, locked)


def _tell_locked(summary: RunSummary, locked: list[Path]) -> None:
    """Name each output left unreplaced in the digest; the run ends with status 1."""
    for p in locked:
        note = locked_message(p)
        if note not in summary.notes:
            summary.notes.append(note)
    if locked:
        summary.exit_code = max(summary.exit_code, 1)


def _run_jobs(jobs: list, workers: int, out_dir: Path | None = None, progress: bool = False) -> None:
    """Run document jobs in worker processes. Each worker is handed the list of jobs
    once (inherited under fork, pickled once under spawn) and is then sent only job
    numbers; it sends back nothing but "done". A job that failed in a worker runs
    again here once the others are done, so its real exception (disk full, no
    permission) reaches the clerk's message exactly as in a single-process run."""
    bar = _progress(len(jobs), "生成文档", progress)
    if workers <= 1 or len(jobs) < 2:
        for job in jobs:
            job()
            bar.update(1)
        bar.close()
        return
    from lingong.runtime.parallel import run_isolated

    # Our own documents, not hostile input: no memory cap; a generous time limit per job.
    results = run_isolated(
        run_planned_job,
        range(len(jobs)),
        workers=workers,
        mem_limit_mb=0,
        timeout_s=1800,
        batch_size=1,
        initializer=set_job_plan,
        initargs=(jobs,),
    )
    failed = []
    try:
        for idx, ok, _ in results:
            bar.update(1)
            if not ok:
                failed.append(idx)
    except BaseException:
        bar.close()
        results.close()  # stops the workers now, not when the generator is collected
        _remove_partial(out_dir)
        raise
    bar.close()
    if failed:
        _remove_partial(out_dir)  # a worker that died mid-write left its temporary file
        for idx in failed:
            jobs[idx]()


_JOB_PLAN: list = []


def set_job_plan(jobs: list) -> None:
    """Worker initializer: the run's document jobs, which ``run_planned_job`` indexes."""
    global _JOB_PLAN
    _JOB_PLAN = jobs


def run_planned_job(index: int) -> None:
    _JOB_PLAN[index]()


def _remove_partial(out_dir: Path | None) -> None:
    """Temporary files of documents whose worker was stopped (Ctrl-C, a crash): the
    clerk is told that an interrupted run leaves no half-written file."""
    if out_dir is not None:
        from lingong.runtime.outfiles import remove_temps

        remove_temps(Path(out_dir))


def _flatten(d, prefix="") -> dict:
    out = {}
    for k, v in (d or {}).items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict):
            out.update(_flatten(v, key))
        else:
            out[key] = v if isinstance(v, (int, float, str, bool)) else json.dumps(v, ensure_ascii=False)
    return out


def write_run_record(summary: RunSummary, rules, run_info: dict) -> Path:
    rec = {
        "schema": "lingong-run-record/1",
        **{k: (dict(v) if isinstance(v, Counter) else v) for k, v in run_info.items()},
        "rules": {"path": display_path(rules.path), "sha256": rules.sha256},
        "exit_code": summary.exit_code,
        "input_files": [
            {
                "file": o.file,
                "sha256": o.sha256,
                "size": o.size,
                "kind": o.kind,
                "status": o.status,
                "station": o.station,
                "month": o.month,
                "reason": o.reason,
            }
            for o in summary.outcomes
        ],
        "issues": dict(Counter(i.severity for i in summary.issues)),
        "outputs": {k: display_path(v) for k, v in summary.paths.items()},
    }
    p = summary.out_dir / layout.RUN_RECORD_NAME
    from lingong.runtime.privacy import dumps_masked

    # Masked like every output; the history database keeps the real file names.
    write_text_atomic(p, dumps_masked(rec, ensure_ascii=False, indent=2, sort_keys=True))
    summary.paths["run_record"] = p
    return p


def digest(summary: RunSummary) -> str:
    """The end-of-run text for the console: what was read, what needs a person."""
    kinds = Counter(o.kind for o in summary.outcomes)
    sev = Counter(i.severity for i in summary.issues)
    lines = []
    if summary.period_note:
        lines.append(summary.period_note)
    lines.append(
        f"考核期：{summary.period.label}（{summary.period.key}）"
        + (f"　考核日期：{date_cn(summary.assessed_on)}" if summary.assessed_on else "")
    )
    lines.append(
        f"文件：共 {len(summary.outcomes)} 个；报表 {kinds.get(KIND_REPORT, 0)} 个，"
        f"跳过 {kinds.get(KIND_SKIPPED, 0)} 个，无法读取 {kinds.get(KIND_REJECTED, 0)} 个"
        + (f"，正在写入未处理 {kinds[KIND_UNSTABLE]} 个" if kinds.get(KIND_UNSTABLE) else "")
        + (
            f"；其中{OUT_OF_PERIOD}的报表 {outside} 个"
            if (outside := sum(o.status == OUT_OF_PERIOD for o in summary.outcomes))
            else ""
        )
    )
    lines.append(f"校验问题：错误 {sev.get(ERROR, 0)} 条，警告 {sev.get(WARNING, 0)} 条，提示 {sev.get(INFO, 0)} 条")
    if summary.bureau_issues:
        lines.append(
            f"驿站名册和考核组意见的问题 {len(summary.bureau_issues)} 条（请业务人员处理，不发给驿站；"
            f"见校验报告“名册与考核组意见问题”工作表）："
        )
        for i in summary.bureau_issues[:10]:
            where = "!".join(x for x in (i.sheet, i.cell) if x)
            lines.append(f"  【{i.severity}】{i.file}{' ' + where if where else ''}：{i.message}。{i.hint}")
        if len(summary.bureau_issues) > 10:
            lines.append(f"  ……其余 {len(summary.bureau_issues) - 10} 条见校验报告")

    graded = [r for r in summary.results if r.graded]
    lines.append("")
    lines.append("各县（市、区）考核结果：")
    per = {}
    for r in graded:
        per.setdefault(r.station.county, Counter())[r.final_overall] += 1
    for county in sorted(per, key=spec.county_order):
        c = per[county]
        lines.append(f"  {county}：优秀 {c.get('优秀', 0)}，合格 {c.get('合格', 0)}，不合格 {c.get('不合格', 0)}")
    total = Counter(r.final_overall for r in graded)
    lines.append(
        f"  合计 {len(graded)} 个驿站：优秀 {total.get('优秀', 0)}，合格 {total.get('合格', 0)}，"
        f"不合格 {total.get('不合格', 0)}"
    )

    attention = []
    rejected = [o for o in summary.outcomes if o.kind == KIND_REJECTED]
    returned = [o for o in summary.outcomes if o.kind == KIND_REPORT and o.status == "退回"]
    if rejected:
        attention.append(
            f"  无法读取的文件 {len(rejected)} 个："
            + "、".join(o.file for o in rejected[:5])
            + ("等" if len(rejected) > 5 else "")
        )
    if returned:
        attention.append(f"  有错误已退回的报表 {len(returned)} 份，退回副本在“退回修改”文件夹")
    missing = sum(len(r.missing_months) for r in graded)
    if missing:
        attention.append(f"  缺报 {missing} 个站月（{sum(1 for r in graded if r.missing_months)} 个驿站）")
    prov = [r.station.code for r in graded if r.provisional]
    if prov:
        attention.append(f"  暂定结果 {len(prov)} 个驿站：" + "、".join(prov))
    rect = [
        f"{r.station.code}（{r.rectification}" + (f"，期限{date_cn(r.deadline)}" if r.deadline else "") + "）"
        for r in graded
        if r.rectification in ("限期整改", "建议取消")
    ]
    if rect:
        attention.append(f"  需整改或建议取消 {len(rect)} 个驿站：" + "、".join(rect))
    attention.extend(f"  {n}" for n in summary.notes)
    if attention:
        lines.append("")
        lines.append("需要人工关注：")
        lines.extend(attention)

    lines.append("")
    lines.append(f"输出文件夹：{display_path(summary.out_dir)}")
    names = {
        "summary": "汇总表",
        "validation": "校验报告",
        "results": "结果数据",
        "run_record": "运行记录",
        "notice": "通报草稿",
        "mail": "邮件草稿",
    }
    for key, label in names.items():
        if key in summary.paths:
            lines.append(f"  {label}：{display_path(summary.paths[key])}")
    return "\n".join(lines)
