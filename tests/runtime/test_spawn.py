"""The program as it runs on the clerks' Windows PCs: workers are spawned, never forked.

A spawned worker is a fresh interpreter: it inherits nothing, so whatever it needs
(the function, the jobs, the run's results) must be sent as plain data. These tests
run the whole job in a Python without ``os.fork`` and compare it with a forked run,
and check that no worker outlives a killed parent under either start method.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from lingong.layout import FORM_SUFFIX, RUN_RECORD_NAME
from lingong.runtime import parallel
from lingong.runtime.parallel import WorkerStartError, run_isolated, start_method
from support.normalise import content
from support.paths import NOFORK, ROOT


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "LINGONG_START_METHOD"}
    env.update({"SOURCE_DATE_EPOCH": "1700000000", "PYTHONPATH": str(ROOT), **extra})
    return env


def test_the_start_method_is_spawn_without_fork_and_can_be_forced(monkeypatch):
    monkeypatch.delenv("LINGONG_START_METHOD", raising=False)
    assert start_method() == ("fork" if hasattr(os, "fork") else "spawn")
    monkeypatch.setenv("LINGONG_START_METHOD", "spawn")
    assert start_method() == "spawn"
    monkeypatch.setenv("LINGONG_START_METHOD", "nonsense")
    assert start_method() in ("fork", "spawn")
    monkeypatch.setenv("LINGONG_START_METHOD", "fork")
    monkeypatch.delattr(os, "fork")
    assert start_method() == "spawn"  # asked for fork on a Python that cannot


def _double(x):
    return 2 * x


def _boom():
    raise ImportError("no module named 'python_calamine'")


@pytest.mark.timeout(120)
def test_a_worker_that_cannot_set_itself_up_stops_the_run_with_the_reason(monkeypatch):
    monkeypatch.setenv("LINGONG_START_METHOD", "spawn")
    with pytest.raises(WorkerStartError, match="python_calamine"):
        list(run_isolated(_double, [1, 2, 3], workers=1, initializer=_boom))


@pytest.mark.timeout(120)
def test_a_spawned_worker_gets_its_initializer_and_plain_items(monkeypatch):
    monkeypatch.setenv("LINGONG_START_METHOD", "spawn")
    out = list(
        run_isolated(
            _double,
            range(40),
            workers=2,
            initializer=parallel.import_modules,
            initargs=("lingong.read.files",),
            timeout_s=1,
        )
    )
    # timeout_s=1 does not count the interpreter's start-up against the first item
    assert [(i, ok, r) for i, ok, r in out] == [(i, True, 2 * i) for i in range(40)]


def _outputs(root: Path) -> dict[str, object]:
    found = {}
    for period_dir in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "样例输入"):
        swap = {str(root): "<out>"}
        for n, rec in enumerate(sorted(period_dir.rglob(RUN_RECORD_NAME))):  # the period's, and its rechecks'
            swap[json.loads(rec.read_text(encoding="utf-8"))["run_id"]] = f"<run{n}>"
        for p in sorted(period_dir.rglob("*")):
            if p.is_file():
                found[p.relative_to(root).as_posix()] = content(p, swap)
    return found


@pytest.mark.timeout(600)
def test_the_demo_without_fork_writes_what_the_forked_demo_writes(tmp_path):
    """The whole job (three periods, return copies, forms, mail drafts, 通报) in a
    Python whose only start method is spawn, against the default run."""
    runs = {}
    for name, cmd in (("fork", [sys.executable, "process.py"]), ("spawn", [sys.executable, str(NOFORK), "process.py"])):
        out = tmp_path / name
        proc = subprocess.run(
            [*cmd, "--demo", "--output", str(out), "--workers", "2"],
            cwd=ROOT,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=280,
        )
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
        assert "程序内部错误" not in proc.stdout + proc.stderr
        runs[name] = _outputs(out)
    forked, spawned = runs["fork"], runs["spawn"]
    assert sorted(forked) == sorted(spawned)
    assert any(k.endswith(FORM_SUFFIX) for k in forked)
    assert any("/退回修改/" in k for k in forked)
    assert any(k.endswith(".eml") for k in forked)
    for name in forked:
        assert forked[name] == spawned[name], name


_KILL_SCRIPT = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {root!r})
    from lingong.runtime import parallel
    if {no_pdeathsig!r}:
        parallel._arm_parent_death_signal = lambda: None  # only the watchdog is left
    from support.jobs import sleep_and_report
    for _ in parallel.run_isolated(sleep_and_report, [{pids!r}] * 4, workers=2, batch_size=1,
                                   timeout_s=600):
        pass
""")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][0] != "Z"  # a zombie is dead, only not yet reaped
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and SIGKILL")
@pytest.mark.timeout(120)
@pytest.mark.parametrize("method,no_pdeathsig", [("fork", False), ("spawn", False), ("fork", True)])
def test_killing_the_main_process_leaves_no_worker_alive(tmp_path, method, no_pdeathsig):
    pid_file = tmp_path / "pids.txt"
    script = _KILL_SCRIPT.format(root=str(ROOT), pids=str(pid_file), no_pdeathsig=no_pdeathsig)
    env = _env(LINGONG_START_METHOD=method, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    main = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            pids = [int(x) for x in pid_file.read_text().split()] if pid_file.exists() else []
            if len(pids) >= 2:
                break
            time.sleep(0.1)
        assert len(pids) >= 2, "the workers never started"
        assert all(_alive(p) for p in pids)
        main.send_signal(signal.SIGKILL)
        main.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [p for p in pids if _alive(p)], "a worker outlived its parent"
    finally:
        if main.poll() is None:
            main.kill()
            main.wait(timeout=10)
        for p in pids if pid_file.exists() else []:
            if _alive(p):
                os.kill(p, signal.SIGKILL)
