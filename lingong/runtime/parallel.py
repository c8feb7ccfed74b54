"""A parallel map over files that one bad file cannot take down.

Each item runs in a worker process with a memory cap (RLIMIT_AS). A worker that
dies (abort, SIGKILL, out of memory) or overruns the per-item time limit costs
only the item it was working on: the worker reports after every item, so the
parent always knows which item was in progress, re-queues the rest of the batch
and starts a fresh worker. Items are sent in batches to keep the per-item cost
to one small pickle each way.

Results are yielded in input order.

Nothing but plain data crosses the process boundary, so the pool works with every
start method: ``fork`` where the OS has it (the default on Linux: workers inherit
the parent's imports), ``spawn`` elsewhere (Windows, or Python without
``os.fork``), or the one named by ``LINGONG_START_METHOD``. ``func``,
``initializer`` and ``initargs`` must then be picklable: module-level functions
and plain values, never lambdas or closures.

A worker never outlives the parent: on Linux the kernel kills it when the parent
dies (parent-death signal), and everywhere a watchdog thread checks the parent.

Over 300 lines because the worker side and the parent side are one protocol (what a
worker reports after each item, how the parent re-queues a batch when one dies): apart,
neither half can be checked against the other.
"""

from __future__ import annotations

import collections
import faulthandler
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from multiprocessing.connection import wait
from typing import Any, Callable, Iterable, Iterator

from lingong.model.failure import CRASH, ERROR, MEMORY, TIMEOUT, Failure

try:
    import resource
except ImportError:  # Windows: a job object caps the memory instead (see _cap_memory)
    resource = None

START_METHOD_ENV = "LINGONG_START_METHOD"

MAX_BATCH = 32
MAX_ITEMS_PER_WORKER = 2000  # recycle workers now and then; leaks in C readers stay bounded
GATHER_S = 0.01  # how long the parent lets results gather while every worker has work queued


def start_method() -> str:
    """The start method for worker processes: ``LINGONG_START_METHOD`` when it names
    one this Python has, else ``fork`` where ``os.fork`` exists, else ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    wanted = os.environ.get(START_METHOD_ENV, "").strip().lower()
    if wanted in methods and (wanted != "fork" or hasattr(os, "fork")):
        return wanted
    return "fork" if "fork" in methods and hasattr(os, "fork") else "spawn"


def run_isolated(
    func: Callable[[Any], Any],
    items: Iterable[Any],
    *,
    workers: int,
    mem_limit_mb: int = 1024,
    timeout_s: float = 60,
    isolate: bool = True,
    batch_size: int | None = None,
    quiet: bool = True,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple = (),
    started: StartedWorkers | None = None,
) -> Iterator[tuple[Any, bool, Any]]:
    """Yield ``(item, ok, result_or_reason)`` for every item, in input order.

    ``func`` runs in a worker process; ``initializer(*initargs)`` runs once in
    each worker before its first item (imports, a plan of jobs the items index
    into), as with ``multiprocessing.Pool``. ``ok`` is False when func raised, the worker died,
    hit ``mem_limit_mb`` (address space above what the parent already uses) or
    ran longer than ``timeout_s`` on the item; the third element is then a
    ``Failure``. ``isolate=False`` runs inline, for tests and debugging;
    ``quiet=False`` keeps the workers' stderr (native crash messages) visible.
    ``started`` (from ``start_workers``) brings workers already started, with the
    func, limits and initializer they were started with; the others are then unused.
    """
    items = list(items)
    if started is not None:
        pool = started.take()
        if not items:
            pool.shutdown()
            return
        # Started before the items were counted: the ones no item needs end now (idle,
        # so quickly), and none is started again for them.
        for w in pool.workers[len(items) :]:
            pool._retire(w, kill=False)
        pool.n = workers = min(pool.n, len(items))
    else:
        if not isolate:
            if initializer is not None:
                initializer(*initargs)
            yield from _run_inline(func, items)
            return
        if not items:
            return
        workers = max(1, min(int(workers), len(items)))
        pool = _Pool(func, workers, mem_limit_mb, timeout_s, 1, quiet, initializer, tuple(initargs))
    if batch_size is None:
        batch_size = max(1, min(MAX_BATCH, len(items) // (workers * 8)))
    pool.batch_size = batch_size
    try:
        yield from pool.run(items)
    finally:
        pool.shutdown()


class StartedWorkers:
    """Workers started ahead of the items they will get (``start_workers``): they
    set themselves up (a spawned one imports everything, a forked one its
    initializer's modules) while this process does something else. Hand them to
    ``run_isolated(started=...)``; ``close()`` ends them if they were never used."""

    def __init__(self, pool: _Pool | None):
        self._pool = pool

    def take(self) -> _Pool:
        if self._pool is None:
            raise RuntimeError("parallel: started workers used twice")
        pool, self._pool = self._pool, None
        return pool

    def close(self) -> None:
        if self._pool is not None:
            pool = self.take()
            for w in list(pool.workers):  # no work to finish; a spawned one may still be starting
                pool._retire(w, kill=True)


def start_workers(
    func: Callable[[Any], Any],
    *,
    workers: int,
    mem_limit_mb: int = 1024,
    timeout_s: float = 60,
    quiet: bool = True,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple = (),
) -> StartedWorkers:
    """Start ``workers`` worker processes for a later ``run_isolated(func, items,
    started=...)``, as it would start them (same limits, same initializer)."""
    pool = _Pool(func, max(1, int(workers)), mem_limit_mb, timeout_s, 1, quiet, initializer, tuple(initargs))
    try:
        for _ in range(pool.n):
            pool._start()
    except BaseException:
        pool.shutdown()
        raise
    return StartedWorkers(pool)


def _run_inline(func, items):
    for item in items:
        try:
            yield item, True, func(item)
        except MemoryError:
            yield item, False, Failure(MEMORY, "?")
        except Exception as e:  # noqa: BLE001 - one file's bug must not stop the batch
            yield item, False, _failure_of(e)


def _failure_of(e: BaseException) -> Failure:
    msg = str(e)
    if len(msg) > 200:
        msg = msg[:200] + "…"
    return Failure(ERROR, f"{type(e).__name__}: {msg}")


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


def import_modules(*names: str) -> None:
    """A worker initializer: import what the worker's items need, once per process
    (a spawned worker starts with nothing; a forked one has them already)."""
    import importlib

    for name in names:
        importlib.import_module(name)


# ---- the worker side ----------------------------------------------------------


def _address_space_now() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return 0


def _cap_memory(mem_limit_mb: int) -> None:
    """Limit this worker's memory to ``mem_limit_mb`` above what it maps now.

    POSIX: RLIMIT_AS. Windows: a job object with a per-process memory limit
    (the standard library's ctypes; what the worker commits, not its address
    space). Where neither works the worker runs uncapped: the time limit still
    holds and a crash still costs only its item."""
    if not mem_limit_mb:
        return
    if resource is not None:
        # The cap counts from what the worker already maps (a forked parent's imports).
        limit = _address_space_now() + mem_limit_mb * 1024 * 1024
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ValueError, OSError):
            pass
    elif os.name == "nt":
        try:
            _cap_memory_windows(mem_limit_mb * 1024 * 1024)
        except Exception:  # noqa: BLE001 - no cap rather than no worker
            pass


def _cap_memory_windows(limit_bytes: int) -> None:
    import ctypes
    from ctypes import wintypes

    class IoCounters(ctypes.Structure):
        _fields_ = [
            (n, ctypes.c_ulonglong)
            for n in (
                "ReadOperationCount",
                "WriteOperationCount",
                "OtherOperationCount",
                "ReadTransferCount",
                "WriteTransferCount",
                "OtherTransferCount",
            )
        ]

    class BasicLimits(ctypes.Structure):
        _fields_ = [
            ("PerProcessUserTimeLimit", ctypes.c_int64),
            ("PerJobUserTimeLimit", ctypes.c_int64),
            ("LimitFlags", wintypes.DWORD),
            ("MinimumWorkingSetSize", ctypes.c_size_t),
            ("MaximumWorkingSetSize", ctypes.c_size_t),
            ("ActiveProcessLimit", wintypes.DWORD),
            ("Affinity", ctypes.c_size_t),
            ("PriorityClass", wintypes.DWORD),
            ("SchedulingClass", wintypes.DWORD),
        ]

    class ExtendedLimits(ctypes.Structure):
        _fields_ = [
            ("BasicLimitInformation", BasicLimits),
            ("IoInfo", IoCounters),
            ("ProcessMemoryLimit", ctypes.c_size_t),
            ("JobMemoryLimit", ctypes.c_size_t),
            ("PeakProcessMemoryUsed", ctypes.c_size_t),
            ("PeakJobMemoryUsed", ctypes.c_size_t),
        ]

    JOB_OBJECT_LIMIT_PROCESS_MEMORY = 0x100
    JobObjectExtendedLimitInformation = 9
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.CreateJobObjectW.restype = wintypes.HANDLE
    kernel32.GetCurrentProcess.restype = wintypes.HANDLE
    job = kernel32.CreateJobObjectW(None, None)
    if not job:
        return
    info = ExtendedLimits()
    info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_PROCESS_MEMORY
    info.ProcessMemoryLimit = limit_bytes
    if kernel32.SetInformationJobObject(
        wintypes.HANDLE(job), JobObjectExtendedLimitInformation, ctypes.byref(info), ctypes.sizeof(info)
    ):
        kernel32.AssignProcessToJobObject(wintypes.HANDLE(job), wintypes.HANDLE(kernel32.GetCurrentProcess()))
    # The handle stays open for the worker's life: closing it would not lift the limit,
    # but keeping it costs nothing and keeps the job alive for inspection.


PARENT_CHECK_S = 0.5


def _die_with_parent(parent_pid: int) -> None:
    """End this worker when the parent dies, however it dies (SIGKILL, Task Manager,
    the OOM killer): an orphaned worker would otherwise wait on its pipe for ever,
    because with fork its siblings hold copies of the parent's pipe ends."""
    _arm_parent_death_signal()
    if _parent_gone(parent_pid):  # died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="parent-watch", daemon=True).start()


def _arm_parent_death_signal() -> None:
    """Linux: the kernel sends SIGKILL to this process when its parent dies, at once."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            PR_SET_PDEATHSIG = 1
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except Exception:  # noqa: BLE001 - the watchdog still holds
            pass


def _parent_gone(parent_pid: int) -> bool:
    if os.name == "nt":
        parent = multiprocessing.parent_process()
        return parent is not None and not parent.is_alive()
    # An orphan is re-parented (to init or a subreaper), so its parent pid changes.
    return os.getppid() != parent_pid


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(PARENT_CHECK_S)
        if _parent_gone(parent_pid):
            os._exit(1)


def _worker_main(
    func, conn, mem_limit_mb: int, quiet: bool, parent_pid: int = 0, initializer=None, initargs: tuple = ()
) -> None:
    if parent_pid:
        _die_with_parent(parent_pid)
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
    if initializer is not None:
        # Before the cap: what the worker needs in any case (imports, the plan) is not
        # what a hostile file may use.
        try:
            initializer(*initargs)
        except BaseException as e:  # noqa: BLE001 - a broken set-up is the program's fault, not an item's
            conn.send((_INIT_FAILED, False, _failure_of(e)))
            return
    _cap_memory(mem_limit_mb)
    conn.send((_READY, True, None))  # the item clock starts now, not at process start
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
                out, fatal = (idx, False, Failure(MEMORY, str(mem_limit_mb))), True
            except BaseException as e:  # noqa: BLE001
                out = (idx, False, _failure_of(e))
            try:
                conn.send(out)
            except MemoryError:
                conn.send((idx, False, Failure(MEMORY, str(mem_limit_mb))))
                fatal = True
            except Exception as e:  # an unpicklable result
                conn.send((idx, False, _failure_of(e)))
            if fatal:  # the heap may be in a bad state; let the parent start a fresh worker
                os._exit(0)


# ---- the parent side ------------------------------------------------------------

_READY = -1
_INIT_FAILED = -2
# A spawned worker starts a fresh interpreter and imports the readers (a second or
# more on a busy PC); that time is not the first item's.
STARTUP_S = 120.0


class WorkerStartError(RuntimeError):
    """A worker could not set itself up (its initializer raised): a program error."""


class _Worker:
    __slots__ = ("proc", "conn", "batch", "since", "done", "ready")

    def __init__(self, proc, conn):
        self.proc = proc
        self.conn = conn
        self.batch: collections.deque[int] = collections.deque()
        self.since = 0.0
        self.done = 0
        self.ready = False

    def limit(self, timeout: float) -> float:
        return timeout if self.ready else timeout + STARTUP_S


class _Pool:
    def __init__(self, func, n, mem_limit_mb, timeout_s, batch_size, quiet, initializer=None, initargs=()):
        self.method = start_method()
        self.ctx = multiprocessing.get_context(self.method)
        self.func, self.n, self.mem, self.timeout, self.batch_size = func, n, mem_limit_mb, timeout_s, batch_size
        self.quiet = quiet
        self.initializer, self.initargs = initializer, initargs
        self.workers: list[_Worker] = []

    def _start(self) -> _Worker:
        parent, child = self.ctx.Pipe(duplex=True)
        proc = self.ctx.Process(
            target=_worker_main,
            daemon=True,
            args=(self.func, child, self.mem, self.quiet, os.getpid(), self.initializer, self.initargs),
        )
        if self.method == "fork":
            with _FORK_LOCK:
                # The child's collector must not walk the parent's objects: that costs time
                # and, by touching every object, copies the shared pages (docs of gc.freeze).
                gc.freeze()
                try:
                    proc.start()
                finally:
                    gc.unfreeze()
        else:
            proc.start()  # a fresh interpreter: nothing inherited, nothing to freeze
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
                if (
                    pending
                    and len(w.batch) <= max(1, self.batch_size // 2)
                    and w.done + len(w.batch) < MAX_ITEMS_PER_WORKER
                ):
                    # Batches shrink as the queue runs out, so that the workers finish together.
                    size = min(self.batch_size, max(1, len(pending) // (2 * self.n)))
                    batch = [pending.popleft() for _ in range(size)]
                    try:
                        w.conn.send([(i, items[i]) for i in batch])
                    except (OSError, EOFError):
                        # The worker died (an item killed it) before we noticed: this batch
                        # goes back to the queue. Its batch in flight is settled below like
                        # any dead worker's (the item being read blamed, the rest requeued);
                        # retiring it here lost those items and left this loop spinning.
                        pending.extendleft(reversed(batch))
                        if not w.batch:
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
                if not pending and next_out not in results:
                    raise RuntimeError(f"parallel: item {next_out} has no result and is not queued")
                continue
            deadline = min(w.since + w.limit(self.timeout) for w in busy)
            if all(len(w.batch) > 1 for w in busy):
                # Every worker has work queued: let results gather instead of waking per
                # item (the parent's wake-ups cost a core's share on a small machine).
                time.sleep(min(GATHER_S, max(0.0, deadline - time.monotonic())))
            wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], max(0.0, deadline - time.monotonic()))
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
                        self._fail_current(w, results, pending, Failure(CRASH))
                elif w.batch and now - w.since > w.limit(self.timeout):
                    self._fail_current(w, results, pending, Failure(TIMEOUT, f"{self.timeout:g}"))
                elif not w.batch and w.done >= MAX_ITEMS_PER_WORKER:
                    self._retire(w, kill=False)

    def _drain(self, w: _Worker, results) -> bool:
        """Collect finished results; True if the worker's pipe is closed (it died)."""
        try:
            while w.batch and w.conn.poll():
                idx, ok, res = w.conn.recv()
                if idx == _READY:
                    w.ready, w.since = True, time.monotonic()
                    continue
                if idx == _INIT_FAILED:
                    raise WorkerStartError(f"工作进程无法启动：{res}")
                results[idx] = (ok, res)
                if w.batch and w.batch[0] == idx:
                    w.batch.popleft()
                w.done += 1
                w.since = time.monotonic()
        except (EOFError, OSError):
            return True
        return False

    def _fail_current(self, w: _Worker, results, pending, reason: Failure) -> None:
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
