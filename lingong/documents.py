"""The document scheduler: every file a run writes, as a plan of jobs run in worker
processes.

Jobs are functools.partial of module-level functions with plain-data arguments, so
that a spawned worker (Windows) can be sent them; see runtime/parallel.py and
tests/runtime/test_spawn.py.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from lingong import __version__, layout
from lingong.discover.filenames import display_path
from lingong.pipeline import CHINA, HISTORY_DB, _progress, default_workers
from lingong.render.wording import rules_title
from lingong.run_record import write_run_record
from lingong.runtime.outfiles import inside, locked_message, locked_outputs
from lingong.spec.issues import ERROR, Issue

if TYPE_CHECKING:
    from lingong.pipeline import RunOptions, RunSummary


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

    def document(key: str, path: Path, write, *args, **kw) -> None:
        """A job that writes ``path``; the digest names it by ``key``."""
        jobs.append(functools.partial(write, path, *args, **kw))
        summary.paths[key] = path

    document(
        "validation",
        out / layout.validation_report_name(summary.period.label),
        write_validation_report,
        summary.issues,
        summary.stations,
        summary.outcomes,
        bureau_issues=summary.bureau_issues,
        period_label=summary.period.label,
        assessed_on=summary.assessed_on,
    )
    document(
        "summary",
        summary_path(out, summary.period),
        write_summary,
        period=summary.period,
        results=summary.results,
        issues=summary.issues,
        outcomes=summary.outcomes,
        stations=summary.stations,
        rules_info=rules_info,
        run_info=plain_info,
        history=recorded(Path(opts.output_root) / HISTORY_DB),
    )
    document("monthly", out / MONTHLY_CSV, write_monthly_csv, summary.results)
    document(
        "results", out / layout.RESULTS_JSON_NAME, write_results, summary.period, summary.results, rules, plain_info
    )
    if opts.notice:
        from lingong.render.notice import TEMPLATE_NAME, write_notice

        document(
            "notice",
            out / layout.NOTICE_NAME,
            write_notice,
            period=summary.period,
            results=summary.results,
            template=opts.templates_dir / TEMPLATE_NAME,
            issued=None,
            recheck=opts.recheck,
        )

    by_file: dict[str, list[Issue]] = {}
    for i in summary.issues:
        by_file.setdefault(i.file, []).append(i)
    returned = []
    copies_of: dict[str, list[Path]] = {}  # by station: what the mail attaches, told rather than searched for
    rebuilt = False  # a copy rebuilt with openpyxl from an .xls/.xlsb/.ods report's grids
    for r in file_results:
        rec = r.report
        # Errors found across files (e.g. R001 station not in the registry) reject a report too.
        # (Reports outside the period have no issues here, so no copy.)
        if rec is None or not any(i.severity == ERROR for i in by_file.get(rec.file, ())):
            continue
        target = inside(out, layout.RETURNS_FOLDER, copy_name(rec.station, rec.month))
        n = 1
        while target in returned:  # two broken files for one station and month: 第2份, 第3份 …
            n += 1
            target = inside(out, layout.RETURNS_FOLDER, copy_name(rec.station, rec.month, n))
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
        if rec.month in summary.period.months:  # the mail lists the period's issues: their copies go with them
            copies_of.setdefault(rec.station, []).append(target)
        if r.grids is not None:
            rebuilt = True
    summary.paths["returns"] = layout.returns_dir(out)
    if rebuilt:
        # Imported once here, before the workers fork, rather than once in each of them
        # (pipeline.WRITER_MODULES leaves it out: most runs rebuild no copy).
        import openpyxl  # noqa: F401

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
                return_copies=copies_of,
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
