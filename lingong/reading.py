"""A run's reading of its input folder: the reading workers started early, every file read in
processes a hostile file cannot take down, through the read cache, and the registry chosen.

The assessment, the 报送情况 (reporting_status) and ``template`` read through here.
"""

from __future__ import annotations

from pathlib import Path

from lingong.catalogue.issues import issue
from lingong.errors import FatalInput
from lingong.model.records import Issue
from lingong.read.cache import Lookup, ReadCache, input_root, read_packed, unpack
from lingong.read.files import FileResult, isolated_failure
from lingong.runtime.parallel import import_in_background, import_modules, run_isolated, start_workers
from lingong.runtime.progress import progress_bar


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
