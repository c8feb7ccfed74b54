"""run_isolated: one bad item costs only itself, never the batch or the caller."""

import os
import time

import pytest

from lingong.model.failure import CRASH, ERROR, MEMORY, REASON_CRASH, TIMEOUT, Failure
from lingong.runtime.parallel import run_isolated, start_workers
from support.runs import run_options

# Every case under fork (Linux's default) and spawn (the only method on Windows).
pytestmark = pytest.mark.timeout(180)


@pytest.fixture(autouse=True, params=["fork", "spawn"])
def start_method(request, monkeypatch):
    monkeypatch.setenv("LINGONG_START_METHOD", request.param)
    return request.param


def _work(x):
    if x == "abort":
        os.abort()
    if x == "hog":
        block = bytearray(2048 * 1024 * 1024)  # beyond the 256 MB cap
        return len(block)
    if x == "kill":
        os.kill(os.getpid(), 9)
    if x == "hang":
        time.sleep(60)
    if x == "raise":
        raise ValueError("坏数据")
    return x * 2


def _slow(x):
    time.sleep(0.05)  # results come one by one: the next batch goes out while two are in flight
    return x * 2


def _pid(_):
    return os.getpid()


def _children():
    """Our live child processes, less multiprocessing's resource tracker (spawn starts
    one per parent, for good)."""
    try:
        with open(f"/proc/{os.getpid()}/task/{os.getpid()}/children") as f:
            pids = f.read().split()
    except OSError:
        return []
    out = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"resource_tracker" in f.read():
                    continue
        except OSError:
            continue
        out.append(pid)
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_bad_items_fail_alone_and_everything_else_completes_in_order(workers):
    items = [1, "abort", 2, "hog", 3, "kill", 4, "raise", 5, 6, 7]
    out = list(run_isolated(_work, items, workers=workers, mem_limit_mb=256, timeout_s=30, batch_size=3))
    assert [i for i, _, _ in out] == items
    good = {i: r for i, ok, r in out if ok}
    assert good == {1: 2, 2: 4, 3: 6, 4: 8, 5: 10, 6: 12, 7: 14}
    failures = {i: r for i, ok, r in out if not ok}
    assert failures["abort"] == failures["kill"] == Failure(CRASH)
    assert failures["abort"].reason == REASON_CRASH
    assert failures["hog"] == Failure(MEMORY, "256") and "内存" in failures["hog"].reason
    assert failures["raise"].kind == ERROR and failures["raise"].detail.startswith("ValueError: 坏数据")
    assert "ValueError" in failures["raise"].reason and "坏数据" in failures["raise"].reason
    assert _children() == []


def test_a_crash_in_a_batch_sent_ahead_costs_only_its_item():
    # Each worker holds its current batch and the next one; a death in either must
    # blame the item being read and requeue all the others, in order.
    items = list(range(1, 30))
    items[17] = "kill"
    items[22] = "abort"
    out = list(run_isolated(_work, items, workers=2, timeout_s=30, batch_size=4))
    assert [i for i, _, _ in out] == items
    assert {i: r for i, ok, r in out if not ok} == {"kill": Failure(CRASH), "abort": Failure(CRASH)}
    assert all(r == i * 2 for i, ok, r in out if ok)
    assert _children() == []


def test_an_item_that_hangs_is_given_up_after_the_timeout():
    out = list(run_isolated(_work, [1, "hang", 2], workers=2, timeout_s=1, batch_size=2))
    assert [(i, ok) for i, ok, _ in out] == [(1, True), ("hang", False), (2, True)]
    assert out[1][2] == Failure(TIMEOUT, "1") and "1 秒" in out[1][2].reason
    assert _children() == []


def test_workers_are_separate_processes_even_with_one_worker():
    pids = {r for _, _, r in run_isolated(_pid, range(5), workers=1)}
    assert os.getpid() not in pids and len(pids) == 1


def test_inline_mode_runs_in_this_process_and_still_catches_errors():
    out = list(run_isolated(_work, [1, "raise"], workers=4, isolate=False))
    assert out[0] == (1, True, 2) and out[1][:2] == ("raise", False) and out[1][2].kind == ERROR
    assert {r for _, _, r in run_isolated(_pid, [0], workers=1, isolate=False)} == {os.getpid()}


def test_stopping_early_leaves_no_worker_behind():
    gen = run_isolated(_work, list(range(200)), workers=2, batch_size=5)
    assert next(gen) == (0, True, 0)
    gen.close()
    assert _children() == []


def test_workers_started_ahead_do_the_work_and_a_crash_still_costs_one_item():
    started = start_workers(_work, workers=2, mem_limit_mb=256, timeout_s=30)
    ahead = set(_children())
    assert len(ahead) == 2
    out = list(run_isolated(_work, [1, "kill", 2, 3], workers=2, started=started))
    assert [(ok, r) for _, ok, r in out] == [(True, 2), (False, Failure(CRASH)), (True, 4), (True, 6)]
    assert _children() == []
    started.close()  # already used: nothing left to end


def test_workers_started_ahead_of_a_run_that_stops_early_are_ended():
    started = start_workers(_pid, workers=2)
    assert len(_children()) == 2
    started.close()
    assert _children() == []
    with pytest.raises(RuntimeError):
        list(run_isolated(_pid, [1], workers=2, started=started))


def test_workers_started_ahead_for_fewer_items_than_workers():
    started = start_workers(_pid, workers=2)
    pids = {r for _, _, r in run_isolated(_pid, [0], workers=2, started=started)}
    assert len(pids) == 1 and os.getpid() not in pids and _children() == []


def test_workers_started_ahead_that_no_item_needs_end_before_the_work():
    """--workers 4 for 2 files: the two extra readers end as soon as the files are counted."""
    started = start_workers(_pid, workers=4)
    assert len(_children()) == 4
    seen = []
    for _ in run_isolated(_pid, [0, 1], workers=4, started=started):
        seen.append(len(_children()))
    assert seen and max(seen) <= 2 and _children() == []


def test_many_small_items():
    out = list(run_isolated(_work, range(3000), workers=2))
    assert [r for _, _, r in out] == [2 * i for i in range(3000)]


def _calamine_unguarded(path):
    import python_calamine as pc

    book = pc.CalamineWorkbook.from_path(str(path))
    return len(book.get_sheet_by_name(book.sheet_names[0]).to_python())


def test_a_native_reader_aborting_on_a_huge_sheet_costs_only_that_file(tmp_path):
    from support import hostile

    huge = hostile.stray_last_row(tmp_path, "huge.xlsx", cell="BZ1048576")  # 82M cells: calamine aborts
    fine = hostile.stray_last_row(tmp_path, "fine.xlsx", cell="F9")
    out = list(run_isolated(_calamine_unguarded, [huge, fine], workers=1, mem_limit_mb=300))
    assert [(ok, r) for _, ok, r in out] == [(False, Failure(CRASH)), (True, 9)]


@pytest.mark.timeout(60)
def test_a_worker_found_dead_when_sent_its_next_batch_loses_no_item(monkeypatch):
    """An item can kill its worker just as the parent sends that worker its next batch.
    The send then fails; the batch in flight must still be settled (once it was dropped,
    and the parent spun for ever waiting for its results: seen under load)."""
    from multiprocessing.connection import Connection

    parent, real, sent = os.getpid(), Connection.send, []

    def send(self, obj):
        if os.getpid() == parent and isinstance(obj, list) and obj:
            sent.append(obj)
            if len(sent) == 2:
                raise BrokenPipeError(32, "Broken pipe")
        return real(self, obj)

    monkeypatch.setattr(Connection, "send", send)
    items = list(range(12))
    out = list(run_isolated(_slow, items, workers=1, timeout_s=30, batch_size=4))
    assert [(i, ok, r) for i, ok, r in out] == [(i, True, 2 * i) for i in items]
    assert len(sent) >= 3  # the refused batch was sent again


def test_a_run_stopped_by_a_usage_error_leaves_no_reader_behind(tmp_path):
    """The readers start before the period and the folder are checked (they set
    themselves up meanwhile); a run that stops there ends them."""
    from lingong.errors import FatalInput
    from lingong.pipeline import run

    (tmp_path / "in").mkdir()
    for opts in (
        run_options(tmp_path / "in", tmp_path / "out", "2023Q9", workers=2),
        run_options(tmp_path / "missing", tmp_path / "out", workers=2),
        run_options(tmp_path / "in", tmp_path / "out", workers=2),  # no files
    ):
        with pytest.raises(FatalInput):
            run(opts)
        assert _children() == []
