"""The hostile-input corpus (tests/support/corpus.py), run as a clerk would run it: every
file gets exactly the outcome the table in docs/bad-input.md promises, the run
finishes in bounded time without a traceback, and nothing in the input changes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lingong.discover import walk as discover_mod
from support import corpus
from support.paths import ROOT  # noqa: E402
from support.runs import run_on

HAVE_SOFFICE = shutil.which("soffice") is not None
ALL_CASES = corpus.CASES + (corpus.SOFFICE_CASES if HAVE_SOFFICE else ())
UNREADABLE = "无权限的文件夹"
RUN_BOUND_S = 300  # far above the ~10 s the corpus takes; a hang shows up as a failure, not a stuck CI

pytestmark = pytest.mark.timeout(900)  # the module's run starts worker processes


def _denied_scandir(real):
    """As root, chmod 000 does not stop a listing; refuse it the way the kernel would for anyone else."""

    def scandir(path):
        if os.path.basename(str(path)) == UNREADABLE:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    return scandir


@pytest.fixture(scope="module", params=["fork", "spawn"])
def corpus_run(tmp_path_factory, request):
    """The whole hostile corpus through one run, with forked workers (Linux) and with
    spawned ones (the only kind on Windows): a crash must cost only its file in both."""
    base = tmp_path_factory.mktemp(f"corpus-{request.param}")
    src = base / "input"
    written = corpus.build_corpus(src, ALL_CASES)
    before = corpus.snapshot(src)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(discover_mod.os, "scandir", _denied_scandir(os.scandir))
        mp.setenv("LINGONG_START_METHOD", request.param)
        summary = run_on(src, base / "output", corpus.PERIOD, workers=2, mail_drafts=True, notice=True)
    after = corpus.snapshot(src)
    (src / UNREADABLE).chmod(0o755)  # so that tmp_path cleanup can remove it
    return {"src": src, "written": written, "summary": summary, "before": before, "after": after, "base": base}


def _rel(src: Path, p: Path) -> str:
    return p.relative_to(src).as_posix()


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.id)
def test_each_bad_input_gets_its_promised_outcome(corpus_run, case):
    src, summary = corpus_run["src"], corpus_run["summary"]
    if corpus_run["written"][case.id] is None:
        pytest.skip("LibreOffice could not convert the file on this machine")
    outcomes = {o.file: o for o in summary.outcomes}
    codes: dict[str, set] = {}
    for i in summary.issues:
        codes.setdefault(i.file, set()).add(i.code)
    for path in corpus_run["written"][case.id]:
        rel = _rel(src, path)
        if case.kind == corpus.FOLDER:
            assert rel not in outcomes
            assert codes.get(rel) == set(case.codes)
            continue
        o = outcomes[rel]
        assert (o.kind, o.status, codes.get(rel, set())) == (case.kind, case.status, set(case.codes)), o.reason
        if case.kind in (corpus.REJECTED, corpus.SKIPPED):
            assert o.reason  # the clerk is told why, in Chinese
            assert re.search(r"[\u4e00-\u9fff]", o.reason)
            assert not re.search(r"[A-Za-z]+ [a-z]+ [a-z]+|Error", o.reason)  # no English strerror


def test_every_file_is_accounted_for_once(corpus_run):
    """Nothing lost: every file under the input folder has exactly one outcome in the run record,
    except those in the folder that could not be listed, which has its F012 warning instead."""
    src, summary = corpus_run["src"], corpus_run["summary"]
    on_disk = {
        rel
        for rel in corpus_run["before"]
        if not rel.startswith(UNREADABLE + "/") and not (src / rel).is_dir() or (src / rel).is_symlink()
    }
    on_disk.discard(UNREADABLE)
    files = [o.file.rstrip("/") for o in summary.outcomes]
    assert len(files) == len(set(files))
    assert set(files) == on_disk
    assert [i.file for i in summary.issues if i.code == "F012"] == [UNREADABLE]


def test_inputs_are_byte_for_byte_unchanged_mtime_included(corpus_run):
    assert corpus_run["after"] == corpus_run["before"]


def test_the_command_finishes_in_bounded_time_with_a_message_not_a_traceback(corpus_run, tmp_path):
    src = corpus_run["src"]
    (src / UNREADABLE).chmod(0)
    try:
        p = subprocess.run(
            [
                sys.executable,
                str(ROOT / "process.py"),
                "--input",
                str(src),
                "--output",
                str(tmp_path / "out"),
                "--period",
                corpus.PERIOD,
                "--quiet",
            ],
            capture_output=True,
            text=True,
            timeout=RUN_BOUND_S,
        )
    finally:
        (src / UNREADABLE).chmod(0o755)
    assert p.returncode == 1, p.stderr  # finished, some reports have errors
    assert "Traceback" not in p.stderr + p.stdout
    assert f"无法读取的文件 {sum(c.kind == corpus.REJECTED for c in ALL_CASES)} 个" in p.stdout
    assert "输出文件夹" in p.stdout


def test_the_docs_table_is_the_corpus():
    doc = (ROOT / "docs" / "bad-input.md").read_text(encoding="utf-8")
    assert corpus.markdown_table(corpus.CASES + corpus.SOFFICE_CASES) in doc, (
        "docs/bad-input.md is out of date: regenerate with python -m tests.corpus"
    )


def test_the_corpus_is_big_enough_and_ids_are_unique():
    ids = [c.id for c in corpus.CASES + corpus.SOFFICE_CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 30
