"""A parallel map over files that one bad file cannot take down.

Each item runs in a worker process with a memory cap (RLIMIT_AS). A worker that
dies (abort, SIGKILL, out of memory) or overruns the per-item time limit costs
only the item it was working on: the worker reports after every item, so the
parent always knows which item was in progress, re-queues the rest of the batch
and starts a fresh worker. Items are sent in batches to keep the per-item cost
to one small pickle each way.

Results are yielded in input order.
"""
from __future__ import annotations

import collections
import faulthandler
import gc
import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.connection import wait
from typing import Any, Callable, Iterable, Iterator

try:
    import resource
except ImportError:  # Windows: no RLIMIT_AS; the time limit still applies
    resource = None

REASON_CRASH = "读取进程意外终止（文件异常导致内存超限或程序崩溃）"
REASON_MEMORY = "读取时内存超过上限（{mb} MB）"
REASON_TIMEOUT = "读取超过 {s:g} 秒仍未完成"
REASON_ERROR = "读取时程序出错（{name}: {msg}）"

MAX_BATCH = 32
MAX_ITEMS_PER_WORKER = 2000  # recycle workers now and then; leaks in C readers stay bounded
GATHER_S = 0.01  # how long the parent lets results gather while every worker has work queued


def run_isolated(func: Callable[[Any], Any], items: Iterable[Any], *, workers: int,
                 mem_limit_mb: int = 1024, timeout_s: float = 60, isolate: bool = True,
                 batch_size: int | None = None, quiet: bool = True) -> Iterator[tuple[Any, bool, Any]]:
    """Yield ``(item, ok, result_or_reason)`` for every item, in input order.

    ``func`` runs in a worker process (fork on Linux; elsewhere it must be a
    module-level function). ``ok`` is False when func raised, the worker died,
    hit ``mem_limit_mb`` (address space above what the parent already uses) or
    ran longer than ``timeout_s`` on the item; the third element is then a
    Chinese reason. ``isolate=False`` runs inline, for tests and debugging;
    ``quiet=False`` keeps the workers' stderr (native crash messages) visible.
    """
    items = list(items)
    if not isolate:
        yield from _run_inline(func, items)
        return
    if not items:
        return
    workers = max(1, min(int(workers), len(items)))
    if batch_size is None:
        batch_size = max(1, min(MAX_BATCH, len(items) // (workers * 8)))
    pool = _Pool(func, workers, mem_limit_mb, timeout_s, batch_size, quiet)
    try:
        yield from pool.run(items)
    finally:
        pool.shutdown()


def _run_inline(func, items):
    for item in items:
        try:
            yield item, True, func(item)
        except MemoryError:
            yield item, False, REASON_MEMORY.format(mb="?")
        except Exception as e:  # noqa: BLE001 - one file's bug must not stop the batch
            yield item, False, _error_reason(e)


def _error_reason(e: BaseException) -> str:
    msg = str(e)
    if len(msg) > 200:
        msg = msg[:200] + "…"
    return REASON_ERROR.format(name=type(e).__name__, msg=msg)


# Held while a background thread imports modules: a fork in the middle of an import
# would leave the child with that module's lock taken for ever.
_FORK_LOCK = threading.Lock()


def import_in_background(modules: Iterable[str]) -> threading.Thread:
    """Import ``modules`` in a thread of this process, e.g. the document writers'
    libraries while the workers read (the parent only waits then). Join it before
    forking workers that use them; workers of a running pool wait for it to end."""
    import importlib

    def work():
        with _FORK_LOCK:
            for name in modules:
                try:
                    importlib.import_module(name)
                except Exception:  # noqa: BLE001 - the real import later says what is wrong
                    pass

    t = threading.Thread(target=work, name="warm-imports", daemon=True)
    t.start()
    return t


# ---- the worker side ----------------------------------------------------------

def _address_space_now() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _worker_main(func, conn, mem_limit_mb: int, quiet: bool) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    faulthandler.disable()  # a dying worker is reported by the parent, in Chinese
    if quiet:
        # native readers print to fd 2 when they abort ("memory allocation failed");
        # the clerk gets the item's reason instead
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        except OSError:
            pass
    if resource is not None and mem_limit_mb:
        # The cap counts from what the forked child already maps (the parent's imports).
        limit = _address_space_now() + mem_limit_mb * 1024 * 1024
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ValueError, OSError):
            pass
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        for idx, item in batch:
            fatal = False
            try:
                out = (idx, True, func(item))
            except MemoryError:
                out, fatal = (idx, False, REASON_MEMORY.format(mb=mem_limit_mb)), True
            except BaseException as e:  # noqa: BLE001
                out = (idx, False, _error_reason(e))
            try:
                conn.send(out)
            except MemoryError:
                conn.send((idx, False, REASON_MEMORY.format(mb=mem_limit_mb)))
                fatal = True
            except Exception as e:  # an unpicklable result
                conn.send((idx, False, _error_reason(e)))
            if fatal:  # the heap may be in a bad state; let the parent start a fresh worker
                os._exit(0)


# ---- the parent side ------------------------------------------------------------

class _Worker:
    __slots__ = ("proc", "conn", "batch", "since", "done")

    def __init__(self, proc, conn):
        self.proc = proc
        self.conn = conn
        self.batch: collections.deque[int] = collections.deque()
        self.since = 0.0
        self.done = 0


class _Pool:
    def __init__(self, func, n, mem_limit_mb, timeout_s, batch_size, quiet):
        methods = multiprocessing.get_all_start_methods()
        self.ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.func, self.n, self.mem, self.timeout, self.batch_size = func, n, mem_limit_mb, timeout_s, batch_size
        self.quiet = quiet
        self.workers: list[_Worker] = []

    def _start(self) -> _Worker:
        parent, child = self.ctx.Pipe(duplex=True)
        proc = self.ctx.Process(target=_worker_main, args=(self.func, child, self.mem, self.quiet),
                                daemon=True)
        with _FORK_LOCK:
            # The child's collector must not walk the parent's objects: that costs time
            # and, by touching every object, copies the shared pages (docs of gc.freeze).
            gc.freeze()
            try:
                proc.start()
            finally:
                gc.unfreeze()
        child.close()
        w = _Worker(proc, parent)
        self.workers.append(w)
        return w

    def run(self, items: list) -> Iterator[tuple[Any, bool, Any]]:
        pending = collections.deque(range(len(items)))
        results: dict[int, tuple[bool, Any]] = {}
        next_out = 0
        while next_out < len(items):
            while len(self.workers) < self.n and pending:
                self._start()
            for w in list(self.workers):  # _retire may remove from the list
                # The next batch goes out before the current one ends, so a worker never
                # waits for the parent; a worker due for recycling gets no more.
                if pending and len(w.batch) <= max(1, self.batch_size // 2) and \
                        w.done + len(w.batch) < MAX_ITEMS_PER_WORKER:
                    # Batches shrink as the queue runs out, so that the workers finish together.
                    size = min(self.batch_size, max(1, len(pending) // (2 * self.n)))
                    batch = [pending.popleft() for _ in range(size)]
                    try:
                        w.conn.send([(i, items[i]) for i in batch])
                    except (OSError, EOFError):
                        pending.extendleft(reversed(batch))
                        self._retire(w, kill=True)
                        continue
                    if not w.batch:
                        w.since = time.monotonic()
                    w.batch.extend(batch)
            while next_out in results:
                ok, res = results.pop(next_out)
                yield items[next_out], ok, res
                next_out += 1
            if next_out >= len(items):
                break
            busy = [w for w in self.workers if w.batch]
            if not busy:
                continue
            deadline = min(w.since for w in busy) + self.timeout
            if all(len(w.batch) > 1 for w in busy):
                # Every worker has work queued: let results gather instead of waking per
                # item (the parent's wake-ups cost a core's share on a small machine).
                time.sleep(min(GATHER_S, max(0.0, deadline - time.monotonic())))
            wait([w.conn for w in busy] + [w.proc.sentinel for w in busy],
                 max(0.0, deadline - time.monotonic()))
            now = time.monotonic()
            for w in busy:
                dead = self._drain(w, results)
                if not dead and w.batch and not w.proc.is_alive():
                    self._drain(w, results)  # results sent just before it exited
                    dead = True
                if dead:
                    w.proc.join(timeout=5)
                    if w.proc.exitcode == 0:
                        # a deliberate exit after reporting its item (MemoryError): nobody to blame
                        pending.extendleft(reversed(w.batch))
                        w.batch.clear()
                        self._retire(w, kill=True)
                    else:
                        self._fail_current(w, results, pending, REASON_CRASH)
                elif w.batch and now - w.since > self.timeout:
                    self._fail_current(w, results, pending, REASON_TIMEOUT.format(s=self.timeout))
                elif not w.batch and w.done >= MAX_ITEMS_PER_WORKER:
                    self._retire(w, kill=False)

    def _drain(self, w: _Worker, results) -> bool:
        """Collect finished results; True if the worker's pipe is closed (it died)."""
        try:
            while w.batch and w.conn.poll():
                idx, ok, res = w.conn.recv()
                results[idx] = (ok, res)
                if w.batch and w.batch[0] == idx:
                    w.batch.popleft()
                w.done += 1
                w.since = time.monotonic()
        except (EOFError, OSError):
            return True
        return False

    def _fail_current(self, w: _Worker, results, pending, reason: str) -> None:
        if w.batch:
            culprit = w.batch.popleft()
            results[culprit] = (False, reason)
            pending.extendleft(reversed(w.batch))  # the rest of its batch, still in input order
            w.batch.clear()
        self._retire(w, kill=True)

    def _retire(self, w: _Worker, kill: bool) -> None:
        if w in self.workers:
            self.workers.remove(w)
        if not kill:
            try:
                w.conn.send(None)
            except (OSError, EOFError):
                kill = True
        if kill and w.proc.is_alive():
            w.proc.kill()
        w.proc.join(timeout=5)
        if w.proc.is_alive():
            w.proc.kill()
            w.proc.join(timeout=5)
        w.conn.close()

    def shutdown(self) -> None:
        for w in list(self.workers):
            self._retire(w, kill=bool(w.batch))
