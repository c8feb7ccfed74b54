"""A run, recheck and `template` from a warm read cache write what a run from scratch writes."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from lingong import reading
from lingong.demo import build_demo
from lingong.layout import CACHE_NAME
from support.runs import run_on
from tools.compare_outputs import compare


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("demo") / "input"
    build_demo(src)
    return src


def _run(src: Path, out: Path, **kw):
    opts = dict(workers=2, mail_drafts=True, notice=True, assessed_on=date(2023, 7, 10))
    opts.update(kw)
    return run_on(src, out, "2023H1", **opts)


@pytest.fixture
def sent(monkeypatch) -> list[str]:
    """The files each run had read by its workers."""
    files: list[str] = []
    real = reading.run_isolated

    def spy(func, items, **kw):
        items = list(items)
        files.extend(rel for _, rel in items)
        return real(func, items, **kw)

    monkeypatch.setattr(reading, "run_isolated", spy)
    return files


@pytest.mark.timeout(300)
def test_a_run_and_its_recheck_from_the_cache_write_what_fresh_runs_write(demo, tmp_path, monkeypatch, sent):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    cold, warm = tmp_path / "cold", tmp_path / "warm"
    _run(demo, cold)
    warm.mkdir()
    shutil.copy(cold / CACHE_NAME, warm / CACHE_NAME)  # only what reading left, no history
    sent.clear()
    _run(demo, warm)
    assert not [f for f in sent if "月度运维报表" in f]  # every report from the cache
    assert compare(cold, warm) == []
    _run(demo, cold, recheck=True, assessed_on=date(2023, 8, 10))
    _run(demo, warm, recheck=True, assessed_on=date(2023, 8, 10))
    assert compare(cold, warm) == []


@pytest.mark.timeout(120)
def test_template_reads_the_registry_and_uses_the_cache_for_the_rest(demo, tmp_path, sent, capsys):
    from lingong.cli import main

    out = tmp_path / "out"
    _run(demo, out, mail_drafts=False, notice=False)
    sent.clear()
    assert main(["template", "--month", "2023-08", "--input", str(demo), "--output", str(out)]) == 0
    assert sent and not [f for f in sent if "月度运维报表" in f]
    assert "读取缓存" not in capsys.readouterr().err
