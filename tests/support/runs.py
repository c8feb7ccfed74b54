"""A run of the pipeline as tests start it: the input and output folders and the period first,
then only what the test is about. One worker (quick on the shared CI machine, and what most
tests compare against) and no progress bar unless a test says otherwise."""

from __future__ import annotations

from pathlib import Path

from lingong import pipeline
from lingong.model.run import RunOptions, RunSummary


def run_options(input_dir: Path, output_root: Path, period=None, **options) -> RunOptions:
    """``period``: as typed (2023H1) or a Period; None chooses it as the command does."""
    options.setdefault("workers", 1)
    options.setdefault("progress", False)
    return RunOptions(input_dir=Path(input_dir), output_root=Path(output_root), period=period, **options)


def run_on(input_dir: Path, output_root: Path, period=None, **options) -> RunSummary:
    return pipeline.run(run_options(input_dir, output_root, period, **options))
