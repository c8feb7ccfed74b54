"""One assessment run: discover → read → select → grade → record → write.

Each step is a function of plain data; this module only wires them and decides
the exit status. Nothing here computes a grade or formats a cell. The documents are
scheduled in documents.py, the run record written by run_record.py and the console
text made by digest.py.

Over 300 lines because run() reads top to bottom as the run happens, and the choice
of the default period (default_period) is part of that story.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from lingong import __version__
from lingong.choose.plausibility import drop_implausible
from lingong.choose.selection import select_reports
from lingong.digest import digest  # noqa: F401 - cli and tests import it from here
from lingong.discover.walk import discover, output_inside_input
from lingong.errors import FatalInput  # noqa: F401 - also imported from here
from lingong.grade.aggregate import active_months
from lingong.grade.grading import assess, assessed
from lingong.layout import DEFAULT_RULES, TEMPLATES_DIR  # noqa: E402
from lingong.layout import HISTORY_DB_NAME as HISTORY_DB  # noqa: E402
from lingong.model.periods import make_period, months_in_year_through, period_option
from lingong.model.records import (
    KIND_DECISIONS,
    KIND_REGISTRY,
    KIND_REPORT,
    OUT_OF_PERIOD,
    FileOutcome,
    Period,
)
from lingong.read.cache import read_packed, unpack
from lingong.read.decisions import drop_conflicts, read_decisions
from lingong.read.files import FileResult, isolated_failure
from lingong.render.wording import date_cn
from lingong.runtime.outfiles import inside
from lingong.runtime.parallel import import_in_background, import_modules, run_isolated, start_workers
from lingong.spec.issues import ERROR, Issue, issue, sort_key
from lingong.spec.rules import RulesError, load_rules


@dataclass
class RunOptions:
    input_dir: Path
    output_root: Path
    period: Period | str | None = None  # text as typed is parsed by period_option, as the CLI does
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
    bar = _progress(len(todo), "读取报表", progress)
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


class _NoBar:
    def update(self, n=1):
        pass

    def close(self):
        pass


def _progress(total: int, desc: str, enabled: bool):
    if not enabled or total < 50 or not sys.stderr.isatty():
        return _NoBar()
    from tqdm import tqdm  # only for a long run on a terminal: no import cost otherwise

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
    if output_inside_input(input_dir, output_root) == "":
        raise FatalInput(
            f"输入文件夹和输出文件夹是同一个文件夹（{output_root}）：那样下次运行会把本次生成的退回副本、"
            "汇总表当作报表再读一遍。请用 --output 指定另一个文件夹（例如默认的 output/），"
            "或把报表放进单独的文件夹并用 --input 指定它。"
        )


COVERAGE = 0.5  # a half-year is chosen, or recorded without --period, only above this share


def coverage(period: Period, stations: dict, accepted) -> tuple[int, int]:
    """(accepted reports, operating station-months) of a period, over all its months."""
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
    started_at = now_text()
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
    # Loaded in the background while the files were read (WRITER_MODULES), so imported here.
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
        from lingong.documents import write_documents  # imports this module: a cycle at the top

        write_documents(summary, opts, rules, run_id, file_results, texts=texts)
        timings["生成文档"] = time.perf_counter() - t
    timings["合计"] = time.perf_counter() - t0
    return summary


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
