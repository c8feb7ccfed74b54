"""The document scheduler: every file a run writes, as a plan of jobs run in worker
processes.

Jobs are functools.partial of module-level functions with plain-data arguments, so
that a spawned worker (Windows) can be sent them; see runtime/parallel.py and
tests/runtime/test_spawn.py.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path

from lingong import layout
from lingong.catalogue.issues import ERROR
from lingong.layout import NOTICE_NAME
from lingong.model.filenames import display_path
from lingong.model.records import Issue
from lingong.model.run import RunSummary, Written
from lingong.record import Assessment
from lingong.run_record import write_run_record
from lingong.runtime.clock import CHINA, stamp
from lingong.runtime.outfiles import inside, locked_outputs, remove_temps
from lingong.runtime.parallel import run_isolated
from lingong.runtime.progress import default_workers, progress_bar


@dataclass
class CopyJob:
    """A return copy the assessment writes: the station's file, its issues, where the copy goes."""

    source: Path
    file: str
    issues: list
    target: Path
    grids: object
    station: str
    month: str


def plan_return_copies(file_results, issues: list[Issue], out: Path, period, input_dir: Path, stations=None):
    """The return copies of an assessment's folder ``out``, and by station the copies its mail
    attaches (``stations``: only these stations', e.g. a recheck's)."""
    # The writers load while the files are read (reading.WRITER_MODULES); a run that writes nothing never loads them.
    from lingong.render.return_copy import copy_name

    by_file: dict[str, list[Issue]] = {}
    for i in issues:
        by_file.setdefault(i.file, []).append(i)
    jobs: list[CopyJob] = []
    returned: list[Path] = []
    copies_of: dict[str, list[str]] = {}  # by station: what the mail attaches, told rather than searched for
    for r in file_results:
        rec = r.report
        # Errors found across files (e.g. R001 station not in the registry) reject a report too.
        # (Reports outside the period have no issues here, so no copy.)
        if rec is None or not any(i.severity == ERROR for i in by_file.get(rec.file, ())):
            continue
        if stations is not None and rec.station not in stations:
            continue
        target = inside(out, layout.RETURNS_FOLDER, copy_name(rec.station, rec.month))
        n = 1
        while target in returned:  # two broken files for one station and month: 第2份, 第3份 …
            n += 1
            target = inside(out, layout.RETURNS_FOLDER, copy_name(rec.station, rec.month, n))
        jobs.append(
            CopyJob(
                Path(r.source or input_dir / rec.file),
                rec.file,
                by_file.get(rec.file, []),
                target,
                r.grids,
                rec.station,
                rec.month or "",
            )
        )
        returned.append(target)
        if rec.month in period.months:  # the mail lists the period's issues: their copies go with them
            copies_of.setdefault(rec.station, []).append(target.relative_to(out).as_posix())
    return jobs, copies_of


def run_info_of(a: Assessment) -> dict:
    """The run as results.json, the 汇总表 and 运行记录.json describe it."""
    return {
        "tool_version": a.tool_version,
        "run_id": a.id,
        "started_at": stamp(a.started_at),
        "input_dir": a.input_dir,
        "period": a.period.key,
        "recheck": a.recheck,
        "kind": a.kind,
        "version": a.version,
        "assessed_on": a.assessed_on.isoformat(),
        "files": dict(Counter(o.kind for o in a.outcomes)),
    }


def doc_label(a: Assessment) -> str:
    """The period as a recheck's documents name it (2023年上半年整改复查), else its label."""
    return f"{a.period.label}整改复查" if a.recheck else a.period.label


def write_documents(
    summary: RunSummary,
    a: Assessment,
    *,
    templates_dir: Path,
    workers: int | None,
    progress: bool,
    copies: list[CopyJob] = (),
    texts=None,
) -> Written:
    """Write every document of the assessment ``a`` from its record, and return what was
    written (``summary`` is only read: its folder, and what the run record says of the run). The independent ones
    (校验报告, 汇总表, results.json, each 退回副本 and each 考核验收表) are written by forked
    workers, each job sending back nothing but "done"; the run record follows in this
    process. A recheck has no 汇总表 or 月度明细 (it decides a few stations, not the city's grades).
    An output left locked is in ``locked``; the run record already counts it (exit status 1)."""
    # The writers load while the files are read (reading.WRITER_MODULES); a run that writes nothing never loads them.
    from lingong.grade.monthly import write_csv as write_monthly_csv
    from lingong.render.form import form_path, write_form
    from lingong.render.form_texts import load_text_templates
    from lingong.render.results_json import write_results
    from lingong.render.return_copy import write_return_copy
    from lingong.render.summary import summary_path, write_summary
    from lingong.render.validation_report import write_validation_report

    out = summary.out_dir
    plain_info = run_info_of(a)
    rules = a.rules
    label = rules.title
    rules_info = {
        "title": label,
        "path": display_path(rules.path),
        "sha256": rules.sha256,
        "values": dict(rules.values),
    }
    if texts is None:
        texts = load_text_templates(templates_dir)
    # Jobs are module-level functions with plain-data arguments (functools.partial),
    # so that a spawned worker can be sent them; the single big documents first, so
    # that none of them is left for last.
    jobs: list = []
    written = Written()

    def document(key: str, path: Path, write, *args, **kw) -> None:
        """A job that writes ``path``; the digest names it by ``key``."""
        jobs.append(functools.partial(write, path, *args, **kw))
        written.paths[key] = path

    document(
        "validation",
        out / layout.validation_report_name(doc_label(a)),
        write_validation_report,
        a.issues,
        a.stations,
        a.outcomes,
        bureau_issues=a.bureau_issues,
        period_label=doc_label(a),
        assessed_on=a.assessed_on,
    )
    if not a.recheck:
        document(
            "summary",
            summary_path(out, a.period),
            write_summary,
            period=a.period,
            results=a.results,
            issues=a.issues,
            outcomes=a.outcomes,
            stations=a.stations,
            rules_info=rules_info,
            run_info=plain_info,
            history=a.history,
        )
        document("monthly", out / layout.MONTHLY_CSV_NAME, write_monthly_csv, a.results)
    document(
        "results",
        out / layout.RESULTS_JSON_NAME,
        write_results,
        a.period,
        a.results,
        rules,
        plain_info,
        a.issues,
        a.stations,
    )

    rebuilt = False  # a copy rebuilt with openpyxl from an .xls/.xlsb/.ods report's grids
    for c in copies:
        jobs.append(functools.partial(write_return_copy, c.source, c.file, c.issues, c.target, c.grids))
        rebuilt = rebuilt or c.grids is not None
    written.paths["returns"] = layout.returns_dir(out)
    if rebuilt:
        # Imported once here, before the workers fork, rather than once in each of them
        # (reading.WRITER_MODULES leaves it out: most runs rebuild no copy).
        import openpyxl  # noqa: F401

    for res in a.results:
        if res.graded:
            jobs.append(functools.partial(write_form, form_path(out, res), res, rules_label=label, texts=texts))
    written.paths["forms"] = out

    # A document open in Excel/WPS cannot be replaced: note it, write all the others.
    with locked_outputs() as locked:
        _run_jobs(jobs, workers or default_workers(), out, progress=progress)
        exit_code = max(summary.exit_code, 1) if locked else summary.exit_code  # the record keeps it
        written.paths["run_record"] = write_run_record(
            summary, rules, plain_info, exit_code=exit_code, paths=written.paths
        )
    written.locked = list(locked)
    return written


def write_mail(a: Assessment, out_root: Path, templates_dir: Path, *, notice: bool = True, drafts: bool = True):
    """The mail drafts, 邮件清单 and 通报 of a recorded assessment, into its folder: rendered from the
    record alone (never the inputs). The drafts are dated the assessment's 考核日期. Returns
    (the drafts' summary or None, the 通报's path or None, the outputs left locked)."""
    from lingong.mail.drafts import write_drafts  # the mail modules: only a run that writes mail loads them

    out = a.folder_path(out_root)
    made = None
    notice_path = None
    with locked_outputs() as locked:
        if notice:
            # python-docx: only a run that writes the 通报 loads it.
            from lingong.render.notice import write_assessment_notice

            notice_path = write_assessment_notice(out / NOTICE_NAME, a, templates_dir)
        if drafts:
            made = write_drafts(
                out,
                period=a.period,
                results=a.results,
                stations=a.stations,
                issues=a.issues,
                templates_dir=templates_dir,
                return_copies={k: [out / p for p in v] for k, v in a.return_copies.items()},
                date_header=datetime.combine(a.assessed_on, time(0, 0), tzinfo=CHINA),
            )
    return made, notice_path, list(locked)


def _run_jobs(jobs: list, workers: int, out_dir: Path | None = None, progress: bool = False) -> None:
    """Run document jobs in worker processes. Each worker is handed the list of jobs
    once (inherited under fork, pickled once under spawn) and is then sent only job
    numbers; it sends back nothing but "done". A job that failed in a worker runs
    again here once the others are done, so its real exception (disk full, no
    permission) reaches the clerk's message exactly as in a single-process run."""
    bar = progress_bar(len(jobs), "生成文档", progress)
    if workers <= 1 or len(jobs) < 2:
        for job in jobs:
            job()
            bar.update(1)
        bar.close()
        return

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
        remove_temps(Path(out_dir))
