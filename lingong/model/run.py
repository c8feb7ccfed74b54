"""A run's inputs and outputs as plain values: what a caller asks for (RunOptions) and
what the run did (RunSummary). The command line and the library build the one and read
the other; pipeline.run turns one into the other."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from lingong.layout import DEFAULT_RULES, TEMPLATES_DIR
from lingong.model.records import FileOutcome, Issue, Period


@dataclass
class RunOptions:
    input_dir: Path
    output_root: Path
    period: Period | str | None = None  # text as typed is parsed by period_option, as the CLI does
    rules_path: Path = DEFAULT_RULES
    templates_dir: Path = TEMPLATES_DIR
    workers: int | None = None
    recheck: bool = False
    progress: object = True  # True: a bar on a terminal; False: none; callable(stage, done, total)
    mail_drafts: bool = False
    notice: bool = False
    write_documents: bool = True
    # 考核日期 (--date); None: today in China, or for a rerun of a period the date its version had
    assessed_on: date | None = None
    new_history: bool = False  # --new-history: start a history although the folder holds assessed periods


@dataclass
class RunSummary:
    period: Period
    out_dir: Path
    outcomes: list[FileOutcome]
    issues: list[Issue]
    results: list
    stations: dict
    exit_code: int
    started_at: datetime  # China's time, to the second
    period_note: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    assessed_on: date | None = None
    bureau_issues: list[Issue] = field(default_factory=list)  # 驿站名册 and 考核组意见: the clerk's
    paths: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    assessment: object = None  # record.Assessment: what the documents were rendered from
    lines: list[str] = field(default_factory=list)  # what this assessment is: version, recheck, changes


@dataclass
class Written:
    """What write_documents wrote: each document's path under the key the digest names it by,
    and the outputs it could not replace (open in Excel/WPS or read-only)."""

    paths: dict[str, Path] = field(default_factory=dict)
    locked: list[Path] = field(default_factory=list)
