"""One run per output folder: a lock file that says who holds the folder.

Two runs writing one output folder at once (two clerks on a shared folder of the
bureau's file server, a double-click twice) would leave results.json from one run
and 运行记录.json from the other. So every command that writes into an output
folder holds ``LOCK_NAME`` in it while it runs:

- the file is created with O_CREAT|O_EXCL, which is atomic on local disks and on
  SMB shares, and holds JSON: pid, host, started, refreshed, command (and a token
  that tells the holder its own lock from a successor's);
- a daemon thread rewrites ``refreshed`` every ``refresh_s`` seconds, so that a
  run on another computer can tell a live holder from one that was switched off;
- the lock is removed when the command ends, by an exception or Ctrl-C too.

A second run waits up to ``wait_s`` seconds, then gives up with ``OutputBusy``
(exit status 2) naming the holder. It takes the lock over, and says so, when
- the holder ran on this computer and its process no longer exists, or
- the lock has not been refreshed for ``stale_s`` seconds (another computer that
  crashed or was switched off; on this computer, a process id reused by an
  unrelated program), judged by the later of ``refreshed`` and the file's time.

The `filelock` library (PyPI) was considered: its locks record no holder, so a
waiting clerk could not be told who holds the folder, and it cannot tell a stale
lock of another computer from a live one; hence this small module.

The CLI defaults (60 s wait, 600 s stale, 30 s refresh) can be changed through
the environment variables LINGONG_LOCK_WAIT_S, LINGONG_LOCK_STALE_S and
LINGONG_LOCK_REFRESH_S (the tests use short ones).

Over 300 lines because the lock's life (create, refresh, take over a stale one, release)
is one protocol whose cases are read together.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from lingong.errors import OutputBusy
from lingong.layout import LOCK_NAME
from lingong.runtime.outfiles import TEMP_PREFIX, TEMP_SUFFIX, write_error

WAIT_S, STALE_S, REFRESH_S, POLL_S = 60.0, 600.0, 30.0, 1.0
ENV_WAIT, ENV_STALE, ENV_REFRESH = "LINGONG_LOCK_WAIT_S", "LINGONG_LOCK_STALE_S", "LINGONG_LOCK_REFRESH_S"
_NOTE = "本文件表示有一次考核程序正在使用这个输出文件夹，程序结束后自动删除。请勿手动删除，除非确认那次运行已经结束。"


_HELD: set[str] = set()  # tokens of the locks this process holds


@dataclass(frozen=True)
class Holder:
    """What a lock file says about the run that holds it (fields may be empty if it was unreadable)."""

    pid: int = 0
    host: str = ""
    started: str = ""
    refreshed: float = 0.0  # seconds since the epoch, as the holder's clock saw them
    command: str = ""
    token: str = ""

    def describe(self) -> str:
        if not self.host and not self.pid:
            return "一次无法识别的运行（锁文件内容不完整）"
        started = self.started[:19].replace("T", " ") or "未知时间"
        return f"电脑“{self.host}”上的进程 {self.pid}（开始于 {started}" + (
            f"，命令：{self.command}）" if self.command else "）"
        )


def this_host() -> str:
    return socket.gethostname()


def _same_host(a: str, b: str) -> bool:
    # Windows computer names are case-insensitive; some tools report the short name, others the FQDN.
    a, b = a.strip().lower(), b.strip().lower()
    return bool(a) and (a == b or a.split(".")[0] == b.split(".")[0])


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this computer.

    On Windows ``os.kill(pid, 0)`` would terminate the process, so there the
    process is opened and its exit code asked for instead."""
    if not isinstance(pid, int) or pid <= 0:
        return False  # os.kill(0, 0) would signal our own process group
    if sys.platform == "win32":
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, belongs to another user
    except OSError:
        return False
    return True


def _pid_alive_windows(pid: int) -> bool:
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
    kernel32.OpenProcess.restype = wintypes.HANDLE
    kernel32.GetExitCodeProcess.argtypes = (wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD))
    kernel32.GetExitCodeProcess.restype = wintypes.BOOL
    kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
    process_query_limited_information, error_access_denied, still_active = 0x1000, 5, 259
    handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
    if not handle:
        # A process of another user (or a protected one) exists but cannot be opened.
        return ctypes.get_last_error() == error_access_denied
    try:
        code = wintypes.DWORD()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True  # cannot tell: keep the lock rather than take it from a live run
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


def _env_seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value >= 0 else default


def _local_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).astimezone().isoformat(timespec="seconds")


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class RunLock:
    """Hold ``folder`` for one run: ``with RunLock(out, command=...): ...``.

    ``say`` receives the Chinese notices (waiting, taking over, lock lost);
    they go to standard error by default."""

    def __init__(
        self,
        folder: Path,
        *,
        command: str = "",
        wait_s: float | None = None,
        stale_s: float | None = None,
        refresh_s: float | None = None,
        poll_s: float = POLL_S,
        say: Callable[[str], None] = _stderr,
    ):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self.command = command
        self.wait_s = _env_seconds(ENV_WAIT, WAIT_S) if wait_s is None else wait_s
        self.stale_s = _env_seconds(ENV_STALE, STALE_S) if stale_s is None else stale_s
        self.refresh_s = _env_seconds(ENV_REFRESH, REFRESH_S) if refresh_s is None else refresh_s
        self.poll_s = poll_s
        self.say = say
        self.token = uuid.uuid4().hex
        self.lost_to: Holder | None = None  # set when another run took the lock over from us
        self.taken_over: Holder | None = None
        self._owner_pid = 0
        self._created_folder = False
        self._started = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- the lock file ------------------------------------------------------------

    def _content(self, now: float) -> bytes:
        doc = {
            "pid": os.getpid(),
            "host": this_host(),
            "started": self._started,
            "refreshed": _local_time(now),
            "refreshed_epoch": round(now, 3),
            "command": self.command,
            "token": self.token,
            "说明": _NOTE,
        }
        return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")

    def _read(self) -> tuple[bytes, Holder | None, float] | None:
        """(raw bytes, holder or None if unreadable, file mtime), or None when there is no lock."""
        try:
            with open(self.path, "rb") as f:
                raw = f.read(64 * 1024)
                mtime = os.fstat(f.fileno()).st_mtime
        except FileNotFoundError:
            return None
        except PermissionError:
            # Windows: the holder is replacing the file this very moment.
            return b"", None, time.time()
        try:
            d = json.loads(raw.decode("utf-8"))
            holder = Holder(
                pid=int(d.get("pid") or 0),
                host=str(d.get("host") or ""),
                started=str(d.get("started") or ""),
                refreshed=float(d.get("refreshed_epoch") or 0.0),
                command=str(d.get("command") or ""),
                token=str(d.get("token") or ""),
            )
        except (ValueError, TypeError, AttributeError):
            holder = None  # being written right now, or damaged
        return raw, holder, mtime

    def _create(self) -> bool:
        """Create the lock; False when it exists (FileNotFoundError: the folder is gone)."""
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
        except FileExistsError:
            return False
        except FileNotFoundError:
            raise
        except OSError as e:
            raise write_error(e, self.path) or e from e  # a read-only folder: the clerk's message
        try:
            try:
                os.write(fd, self._content(time.time()))
                os.fsync(fd)
            finally:
                os.close(fd)
        except BaseException as e:
            with contextlib.suppress(OSError):
                self.path.unlink()  # an empty lock (disk full) would block the next run for stale_s
            if isinstance(e, OSError):
                raise write_error(e, self.path) or e from e
            raise
        return True

    def stale_reason(self, holder: Holder | None, mtime: float, now: float | None = None) -> str:
        """Why the lock may be taken over ("" when it may not)."""
        now = time.time() if now is None else now
        last = max(mtime, holder.refreshed if holder else 0.0)
        old = now - last > self.stale_s
        minutes = f"{self.stale_s / 60:g} 分钟" if self.stale_s >= 60 else f"{self.stale_s:g} 秒"
        if holder is None:
            return f"锁文件内容无法识别，且已超过 {minutes} 未更新" if old else ""
        if _same_host(holder.host, this_host()):
            if holder.pid == os.getpid():
                # Our own id but not a lock we hold: a dead run's id given to us (containers
                # start counting again after a restart).
                return "" if holder.token in _HELD else "那次运行的进程已不存在（进程号已被重新分配）"
            if not pid_alive(holder.pid):
                return "那次运行的进程已不存在（可能被强行关闭或电脑曾重启）"
            if old:
                return f"锁文件已超过 {minutes} 未刷新（进程号可能已被其他程序占用）"
            return ""
        return f"锁文件已超过 {minutes} 未刷新（那台电脑上的运行可能已中断）" if old else ""

    def _take_over(self, raw: bytes) -> bool:
        """Move the stale lock aside, making sure it is still the one judged stale."""
        aside = self.folder / f"{TEMP_PREFIX}lock-{self.token}-old{TEMP_SUFFIX}"
        try:
            os.replace(self.path, aside)
        except FileNotFoundError:
            return False  # its holder finished, or another run took it over first
        except PermissionError:
            return False  # Windows: open in another process; try again on the next round
        try:
            moved = aside.read_bytes()
            if moved == raw:
                return True
            # Refreshed or replaced between our reading and the move: put it back.
            with contextlib.suppress(FileExistsError):
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
                try:
                    os.write(fd, moved)
                finally:
                    os.close(fd)
            return False
        except FileNotFoundError:
            return False  # cleaned away as a leftover temp file: judge again
        finally:
            with contextlib.suppress(OSError):
                aside.unlink()

    # ---- acquire and release --------------------------------------------------------

    def _make_folder(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise write_error(e, self.folder) or e from e
        self._created_folder = True

    def acquire(self) -> None:
        if not self.folder.exists():
            self._make_folder()
        self._started = _local_time(time.time())
        deadline = time.monotonic() + self.wait_s
        announced = False
        while True:
            try:
                if self._create():
                    break
            except FileNotFoundError:
                self._make_folder()  # the run before us made the folder and, finding it empty, removed it
                continue
            found = self._read()
            if found is None:
                continue  # removed between our attempt and our look: try again at once
            raw, holder, mtime = found
            reason = self.stale_reason(holder, mtime)
            if reason and self._take_over(raw):
                self.taken_over = holder or Holder()
                self.say(
                    f"输出文件夹 {self.folder} 的运行锁属于{self.taken_over.describe()}，{reason}，本次运行已接管。"
                )
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise OutputBusy(self._busy_message(holder))
            if not announced:
                self.say(
                    f"输出文件夹 {self.folder} 正被{(holder or Holder()).describe()}使用，"
                    f"等待它结束（最多 {self.wait_s:g} 秒）……"
                )
                announced = True
            time.sleep(min(self.poll_s, remaining))
        self._owner_pid = os.getpid()
        _HELD.add(self.token)
        self._stop.clear()
        self._thread = threading.Thread(target=self._refresh_loop, name="lingong-runlock", daemon=True)
        self._thread.start()

    def _busy_message(self, holder: Holder | None) -> str:
        minutes = f"{self.stale_s / 60:g} 分钟"
        return (
            f"输出文件夹 {self.folder} 正被{(holder or Holder()).describe()}使用，"
            f"等待 {self.wait_s:g} 秒后仍未结束。同一个输出文件夹同一时间只能有一次运行，"
            f"否则两次运行的文件会混在一起。请等那次运行结束后再运行本命令，或用 --output 指定另一个输出文件夹。"
            f"如果确认那次运行已经中断（例如那台电脑已关机），锁文件 {self.path} 超过 {minutes} 未刷新后"
            f"会被自动接管，也可以在确认后手动删除它。"
        )

    def _refresh_loop(self) -> None:
        while not self._stop.wait(max(self.refresh_s, 0.05)):
            try:
                if not self._refresh_once():
                    return
            except OSError:
                continue  # a network share that hiccups: try again at the next tick

    def _refresh_once(self) -> bool:
        """Rewrite ``refreshed``; False (and ``lost_to`` set) when the lock is no longer ours."""
        found = self._read()
        if found is None or (found[1] is not None and found[1].token != self.token):
            self.lost_to = (found[1] if found else None) or Holder()
            return False
        if found[1] is None:
            return True  # unreadable for a moment (Windows: being read); try again next tick
        # Named like every other temp file, so that one left by a kill is known as such.
        tmp = self.folder / f"{TEMP_PREFIX}lock-{self.token}{TEMP_SUFFIX}"
        try:
            tmp.write_bytes(self._content(time.time()))
            os.replace(tmp, self.path)  # atomic: a reader sees the old or the new content, never half
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        return True

    def release(self) -> None:
        if os.getpid() != self._owner_pid:
            return  # a forked child inherited this object: the lock belongs to its parent
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self._owner_pid = 0
        _HELD.discard(self.token)
        found = self._read()
        for _ in range(10):  # unreadable for a moment (Windows: another run is reading it)
            if found is None or found[1] is not None:
                break
            time.sleep(0.05)
            found = self._read()
        mine = found is not None and found[1] is not None and found[1].token == self.token
        if mine:
            for attempt in range(20):
                try:
                    self.path.unlink()
                    break
                except FileNotFoundError:
                    break
                except PermissionError:  # Windows: another run is reading it this moment
                    time.sleep(0.05 * (attempt + 1))
        elif self.lost_to is None and found is not None:
            self.lost_to = found[1] or Holder()
        if self.lost_to is not None:
            self.say(
                f"注意：本次运行期间，输出文件夹 {self.folder} 的运行锁被{self.lost_to.describe()}接管了"
                f"（本次运行有 {self.stale_s / 60:g} 分钟以上未能刷新锁文件，例如电脑曾休眠）。"
                "两次运行的文件可能混在一起，请在那次运行结束后重新运行本命令。"
            )
        if self._created_folder:
            with contextlib.suppress(OSError):
                self.folder.rmdir()  # only if empty: a run refused at once leaves no empty folder behind

    def __enter__(self) -> "RunLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
