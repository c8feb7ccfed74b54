"""The run lock of an output folder (lingong/runtime/runlock.py): who holds it, waiting, refusing,
taking over stale locks, and mutual exclusion between real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from lingong.errors import OutputBusy
from lingong.layout import RESULTS_JSON_NAME
from lingong.runtime import runlock
from lingong.runtime.runlock import LOCK_NAME, RunLock, pid_alive, this_host
from support.paths import ROOT  # noqa: E402


def dead_pid() -> int:
    """The id of a process that has just ended (and been reaped)."""
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait(timeout=60)
    return p.pid


def plant(folder: Path, *, pid: int, host: str, age_s: float, token: str = "old-run") -> Path:
    """A lock file as another run would have left it, last refreshed ``age_s`` seconds ago."""
    folder.mkdir(parents=True, exist_ok=True)
    then = time.time() - age_s
    path = folder / LOCK_NAME
    path.write_text(
        json.dumps(
            {
                "pid": pid,
                "host": host,
                "started": "2026-11-30T08:00:00+08:00",
                "refreshed": "2026-11-30T08:05:00+08:00",
                "refreshed_epoch": then,
                "command": "process.py --period 2023H1",
                "token": token,
            }
        ),
        encoding="utf-8",
    )
    os.utime(path, (then, then))
    return path


def quick(folder: Path, said: list[str], **kw) -> RunLock:
    kw.setdefault("wait_s", 0.3)
    kw.setdefault("poll_s", 0.05)
    return RunLock(folder, command="test", say=said.append, **kw)


def test_the_lock_file_says_who_holds_the_folder_and_goes_away_at_the_end(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with RunLock(out, command="process.py --period 2023H1") as lock:
        doc = json.loads((out / LOCK_NAME).read_text(encoding="utf-8"))
        assert doc["pid"] == os.getpid() and doc["host"] == this_host()
        assert doc["command"] == "process.py --period 2023H1"
        assert doc["started"] and doc["refreshed"] and doc["token"] == lock.token
        assert "程序结束后自动删除" in doc["说明"]  # what a clerk who opens it reads
    assert not (out / LOCK_NAME).exists()
    assert out.is_dir()  # the output folder itself stays (it is where the outputs go)


def test_a_folder_made_only_for_the_lock_is_removed_when_nothing_was_written(tmp_path):
    with RunLock(tmp_path / "new" / "out"):
        pass
    assert not (tmp_path / "new" / "out").exists()
    with RunLock(tmp_path / "kept"):
        (tmp_path / "kept" / RESULTS_JSON_NAME).write_text("{}", encoding="utf-8")
    assert (tmp_path / "kept" / RESULTS_JSON_NAME).is_file()


def test_the_holder_refreshes_the_lock_while_it_runs(tmp_path):
    with RunLock(tmp_path, refresh_s=0.05) as lock:
        first = json.loads((tmp_path / LOCK_NAME).read_text(encoding="utf-8"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            now = json.loads((tmp_path / LOCK_NAME).read_text(encoding="utf-8"))
            if now["refreshed_epoch"] > first["refreshed_epoch"]:
                break
            time.sleep(0.02)
        assert now["refreshed_epoch"] > first["refreshed_epoch"]
        assert now["token"] == lock.token and now["started"] == first["started"]
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no refresh temp file left


def test_a_second_run_waits_then_refuses_naming_the_holder(tmp_path):
    said: list[str] = []
    with RunLock(tmp_path, command="process.py mail --period 2023H1"):
        t0 = time.monotonic()
        with pytest.raises(OutputBusy) as e:
            quick(tmp_path, said, wait_s=0.5).acquire()
        assert time.monotonic() - t0 >= 0.5
    msg = str(e.value)
    assert this_host() in msg and str(os.getpid()) in msg and "process.py mail" in msg
    assert "等那次运行结束" in msg and "--output" in msg
    assert len(said) == 1 and "等待" in said[0] and str(os.getpid()) in said[0]  # said once, not every poll


def test_a_waiting_run_goes_on_when_the_holder_ends(tmp_path):
    said: list[str] = []
    first = RunLock(tmp_path)
    first.acquire()
    threading.Timer(0.3, first.release).start()
    with quick(tmp_path, said, wait_s=10) as second:
        doc = json.loads((tmp_path / LOCK_NAME).read_text(encoding="utf-8"))
        assert doc["token"] == second.token
    assert second.taken_over is None and any("等待" in s for s in said)


@pytest.mark.timeout(120)
def test_a_lock_of_a_process_that_no_longer_exists_here_is_taken_over_and_said_so(tmp_path):
    pid = dead_pid()
    plant(tmp_path, pid=pid, host=this_host(), age_s=1)
    said: list[str] = []
    with quick(tmp_path, said, wait_s=0) as lock:
        assert json.loads((tmp_path / LOCK_NAME).read_text(encoding="utf-8"))["token"] == lock.token
    assert lock.taken_over is not None and lock.taken_over.pid == pid
    assert len(said) == 1 and "已接管" in said[0] and str(pid) in said[0] and "已不存在" in said[0]


def test_a_lock_left_by_an_earlier_process_with_our_own_pid_is_taken_over(tmp_path):
    # In a container process ids start again from 1 after a restart: ours may be the dead run's.
    plant(tmp_path, pid=os.getpid(), host=this_host(), age_s=1)
    said: list[str] = []
    with quick(tmp_path, said, wait_s=0):
        pass
    assert "已接管" in said[0]


@pytest.mark.timeout(120)
def test_a_live_local_process_is_waited_for(tmp_path):
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        plant(tmp_path, pid=live.pid, host=this_host(), age_s=30)
        with pytest.raises(OutputBusy, match=str(live.pid)):
            quick(tmp_path, []).acquire()
    finally:
        live.kill()
        live.wait(timeout=60)
    # ...unless it has not refreshed for the stale limit: the id now belongs to another program.
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        plant(tmp_path, pid=live.pid, host=this_host(), age_s=700)
        said: list[str] = []
        with quick(tmp_path, said):
            pass
        assert "未刷新" in said[0]
    finally:
        live.kill()
        live.wait(timeout=60)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("age_s,taken", [(30, False), (9 * 60, False), (11 * 60, True)])
def test_another_computers_lock_is_taken_over_only_after_ten_minutes_without_refresh(tmp_path, age_s, taken):
    # The pid is meaningless here: it names a process on the other computer, maybe none here.
    plant(tmp_path, pid=dead_pid(), host="JYJ-PC-07", age_s=age_s)
    said: list[str] = []
    lock = quick(tmp_path, said)
    if taken:
        with lock:
            pass
        assert "JYJ-PC-07" in said[0] and "10 分钟" in said[0] and "已接管" in said[0]
    else:
        with pytest.raises(OutputBusy) as e:
            lock.acquire()
        assert "JYJ-PC-07" in str(e.value) and "2026-11-30 08:00:00" in str(e.value)
        assert (tmp_path / LOCK_NAME).is_file()  # left as it was
        assert json.loads((tmp_path / LOCK_NAME).read_text(encoding="utf-8"))["token"] == "old-run"


def test_a_recent_file_time_counts_even_if_the_holders_clock_is_behind(tmp_path):
    path = plant(tmp_path, pid=1234, host="JYJ-PC-07", age_s=3600)
    os.utime(path, None)  # the server saw a write just now
    with pytest.raises(OutputBusy):
        quick(tmp_path, []).acquire()


def test_an_unreadable_lock_is_waited_for_while_fresh_and_taken_over_when_stale(tmp_path):
    path = tmp_path / LOCK_NAME
    path.write_bytes(b'{"pid": 12')  # a holder between creating the file and finishing its write
    with pytest.raises(OutputBusy, match="无法识别"):
        quick(tmp_path, []).acquire()
    os.utime(path, (time.time() - 700, time.time() - 700))
    said: list[str] = []
    with quick(tmp_path, said):
        pass
    assert "已接管" in said[0] and not path.exists()


def test_a_run_whose_lock_was_taken_over_says_so_and_leaves_the_successors_lock(tmp_path):
    said: list[str] = []
    first = RunLock(tmp_path, refresh_s=0.05, say=said.append)
    first.acquire()
    # Another computer decided the lock was stale (this one slept for ten minutes) and took it.
    successor = plant(tmp_path, pid=4321, host="JYJ-PC-07", age_s=0, token="successor")
    deadline = time.monotonic() + 10
    while first.lost_to is None and time.monotonic() < deadline:
        time.sleep(0.02)
    first.release()
    assert first.lost_to is not None and first.lost_to.host == "JYJ-PC-07"
    assert json.loads(successor.read_text(encoding="utf-8"))["token"] == "successor"
    assert len(said) == 1 and "被" in said[0] and "JYJ-PC-07" in said[0] and "重新运行" in said[0]


def test_ctrl_c_releases_the_lock(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with RunLock(tmp_path):
            raise KeyboardInterrupt
    assert not (tmp_path / LOCK_NAME).exists()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
@pytest.mark.timeout(60)
def test_a_forked_worker_that_inherits_the_lock_does_not_release_it(tmp_path):
    with RunLock(tmp_path) as lock:
        pid = os.fork()
        if pid == 0:
            lock.release()
            os._exit(0)
        os.waitpid(pid, 0)
        assert (tmp_path / LOCK_NAME).is_file()
    assert not (tmp_path / LOCK_NAME).exists()


@pytest.mark.timeout(120)
def test_pid_alive():
    assert pid_alive(os.getpid())
    assert not pid_alive(dead_pid())
    assert not pid_alive(0) and not pid_alive(-1)  # os.kill(0, 0) would mean "my process group"


def test_timeouts_come_from_the_environment_for_tests_and_default_to_the_clerks_values(monkeypatch, tmp_path):
    lock = RunLock(tmp_path)
    assert (lock.wait_s, lock.stale_s, lock.refresh_s) == (60, 600, 30)
    monkeypatch.setenv(runlock.ENV_WAIT, "2.5")
    monkeypatch.setenv(runlock.ENV_STALE, "abc")  # not a number: the default, not a crash
    lock = RunLock(tmp_path)
    assert (lock.wait_s, lock.stale_s) == (2.5, 600)


# Each process appends (start, end) of the time it held the folder; the holds must not overlap.
HOLDER = r"""
import json, sys, time
from pathlib import Path
from lingong.runtime.runlock import RunLock
folder, log = Path(sys.argv[1]), Path(sys.argv[2])
with RunLock(folder, wait_s=60, poll_s=0.01, say=lambda s: None):
    t0 = time.time()
    time.sleep(0.15)
    t1 = time.time()
with open(log, "a", encoding="utf-8") as f:
    f.write(json.dumps([t0, t1]) + "\n")
"""


@pytest.mark.timeout(120)
@pytest.mark.parametrize("stale_first", [False, True])
def test_processes_racing_for_one_folder_hold_it_one_at_a_time(tmp_path, stale_first):
    """Six real processes start together; with ``stale_first`` they also race to take over
    the lock of a dead process. Whoever wins, no two ever hold the folder at once."""
    out, log = tmp_path / "out", tmp_path / "holds.jsonl"
    if stale_first:
        plant(out, pid=dead_pid(), host=this_host(), age_s=1)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(out), str(log)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(6)
    ]
    for p in procs:
        _, err = p.communicate(timeout=100)
        assert p.returncode == 0, err.decode()
    holds = sorted(json.loads(line) for line in log.read_text(encoding="utf-8").splitlines())
    assert len(holds) == 6
    for (_, end), (start, _) in zip(holds, holds[1:]):
        assert start >= end, holds
    # No aside or temp file left (the folder itself goes when the lock was all it ever held).
    assert not out.exists() or sorted(p.name for p in out.iterdir()) == []


@pytest.mark.timeout(120)
def test_a_killed_run_leaves_a_lock_the_next_run_takes_over(tmp_path):
    """A run killed outright cannot clean up; the next run here finds the process gone."""
    if sys.platform == "win32":
        pytest.skip("POSIX signals")
    p = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom lingong.runtime.runlock import RunLock\n"
            "RunLock(sys.argv[1]).acquire()\nprint('held', flush=True)\ntime.sleep(60)",
            str(tmp_path),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert p.stdout.readline().strip() == "held"
        p.send_signal(signal.SIGKILL)
    finally:
        p.wait(timeout=60)
    said: list[str] = []
    with quick(tmp_path, said, wait_s=0):
        pass
    assert str(p.pid) in said[0] and "已接管" in said[0]


def test_a_folder_that_cannot_be_written_gives_the_clerks_message_and_leaves_no_lock(tmp_path, monkeypatch):
    import errno

    real_open, real_write = os.open, os.write

    def refuse(path, *a, **kw):
        if str(path).endswith(LOCK_NAME):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *a, **kw)

    monkeypatch.setattr(runlock.os, "open", refuse)
    with pytest.raises(OSError) as e:
        RunLock(tmp_path).acquire()
    assert e.value.strerror == "没有写入权限" and e.value.filename == str(tmp_path / LOCK_NAME)

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(runlock.os, "open", real_open)
    monkeypatch.setattr(runlock.os, "write", full)
    with pytest.raises(OSError) as e:
        RunLock(tmp_path).acquire()
    monkeypatch.setattr(runlock.os, "write", real_write)
    assert e.value.strerror == "磁盘空间不足"
    assert not (tmp_path / LOCK_NAME).exists()  # an empty lock would hold the folder for ten minutes


@pytest.mark.parametrize(
    "opened,exit_code,last_error,alive",
    [
        (True, 259, 0, True),  # STILL_ACTIVE
        (True, 0, 0, False),  # ended, its handle still held by someone
        (False, None, 5, True),  # ERROR_ACCESS_DENIED: another user's process exists
        (False, None, 87, False),  # ERROR_INVALID_PARAMETER: no such process
    ],
)
def test_on_windows_a_pid_is_asked_about_never_signalled(monkeypatch, opened, exit_code, last_error, alive):
    """os.kill(pid, 0) on Windows terminates the process: the check must go through
    OpenProcess/GetExitCodeProcess (kernel32 is played by a fake here)."""
    import ctypes
    import types

    calls = []

    def get_exit_code(handle, code_ref):
        code_ref._obj.value = exit_code  # byref(DWORD) as the real call fills it
        return 1

    # Plain functions, like ctypes' foreign functions, take the argtypes/restype attributes set on them.
    kernel32 = types.SimpleNamespace(
        OpenProcess=lambda access, inherit, pid: calls.append(("open", access, pid)) or (1234 if opened else 0),
        GetExitCodeProcess=get_exit_code,
        CloseHandle=lambda handle: calls.append(("close", handle)) or 1,
    )

    def no_kill(*a):
        raise AssertionError("os.kill on Windows would end the process")

    monkeypatch.setattr(runlock.sys, "platform", "win32")
    monkeypatch.setattr(runlock.os, "kill", no_kill)
    monkeypatch.setattr(ctypes, "WinDLL", lambda name, use_last_error=False: kernel32, raising=False)
    monkeypatch.setattr(ctypes, "get_last_error", lambda: last_error, raising=False)
    assert pid_alive(4242) is alive
    assert calls[0] == ("open", 0x1000, 4242)  # PROCESS_QUERY_LIMITED_INFORMATION only
    assert (("close", 1234) in calls) == opened
