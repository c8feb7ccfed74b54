"""A run in worker processes gives exactly what a run in one process gives.

Reading runs in forked workers and so do the documents (forms, summary, return
copies …); neither the order in which workers finish nor which worker wrote a
file may show in any result.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lingong import documents
from lingong.demo import build_demo
from lingong.layout import FORM_SUFFIX, RUN_RECORD_NAME
from support.normalise import content
from support.runs import run_on


@pytest.fixture(scope="module")
def demo_input(tmp_path_factory) -> Path:
    return build_demo(tmp_path_factory.mktemp("city") / "input", workers=1).dest


def _run(input_dir: Path, out: Path, workers: int, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    return run_on(input_dir, out, "2023", workers=workers, mail_drafts=True, notice=True)


def _outputs(root: Path) -> dict[str, object]:
    period_dir = root / "2023"
    run_id = json.loads((period_dir / RUN_RECORD_NAME).read_text(encoding="utf-8"))["run_id"]
    swap = {run_id: "<run>", str(root): "<out>"}
    return {
        p.relative_to(period_dir).as_posix(): content(p, swap) for p in sorted(period_dir.rglob("*")) if p.is_file()
    }


def test_two_workers_write_what_one_process_writes(demo_input, tmp_path, monkeypatch):
    one = _run(demo_input, tmp_path / "one", 1, monkeypatch)
    two = _run(demo_input, tmp_path / "two", 2, monkeypatch)

    assert one.outcomes == two.outcomes
    assert one.issues == two.issues
    assert one.exit_code == two.exit_code
    from lingong.render.results_json import station_dict

    assert [station_dict(r) for r in one.results] == [station_dict(r) for r in two.results]

    a, b = _outputs(tmp_path / "one"), _outputs(tmp_path / "two")
    assert sorted(a) == sorted(b)
    # every kind of document is there: forms, summary, validation report, returns, mail, notice
    assert any(k.endswith(FORM_SUFFIX) for k in a)
    assert any(k.startswith("退回修改/") for k in a)
    assert any(k.endswith(".eml") for k in a)
    for name in a:
        assert a[name] == b[name], name


def test_a_document_that_fails_in_a_worker_fails_the_run_as_in_one_process(tmp_path):
    def ok(i):
        return lambda: (tmp_path / f"{i}.txt").write_text(str(i))

    def disk_full():
        raise OSError(28, "No space left on device")

    jobs = [ok(0), ok(1), disk_full, ok(3)]
    with pytest.raises(OSError) as e:
        documents._run_jobs(jobs, workers=2)
    assert e.value.errno == 28
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.txt", "1.txt", "3.txt"]


def test_a_worker_dying_mid_write_leaves_no_temporary_file(tmp_path):
    import os

    from lingong.runtime.outfiles import atomic_path, write_text_atomic

    parent = os.getpid()

    def dies_mid_write():
        with atomic_path(tmp_path / "b.txt") as tmp:
            tmp.write_text("half")
            if os.getpid() != parent:
                os._exit(1)  # the worker is gone with its temporary file still there

    jobs = [
        lambda: write_text_atomic(tmp_path / "a.txt", "a"),
        dies_mid_write,
        lambda: write_text_atomic(tmp_path / "c.txt", "c"),
    ]
    documents._run_jobs(jobs, workers=2, out_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt", "c.txt"]
    assert (tmp_path / "b.txt").read_text() == "half"  # written again, in this process
