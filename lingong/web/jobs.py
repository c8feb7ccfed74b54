"""Long work the page starts (an assessment, a recheck) runs in a thread; the page polls it.

One job at a time per server, and each job holds the output folder's RunLock as the command
does, so a command started in a console meanwhile waits or is told who holds the folder
(and the page is told the same when a command holds it).
"""

from __future__ import annotations

import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from typing import Callable

from lingong.errors import LingongError

RUNNING, DONE, FAILED = "running", "done", "failed"


@dataclass
class Job:
    id: str
    title: str  # e.g. 考核 2023H1（考核日期 2023-07-10）
    state: str = RUNNING
    stage: str = "准备"
    done: int = 0
    total: int = 0
    started: float = field(default_factory=time.time)
    finished: float | None = None
    digest: str = ""  # the Chinese summary the command prints after a run
    exit_status: int | None = None  # the command's: 0, 1 (data errors), 2 (could not run)
    error: str = ""  # the clerk's message when it could not run
    notes: list[str] = field(default_factory=list)  # the lock's notices (waiting, taken over)
    result: dict = field(default_factory=dict)  # what the page links to afterwards (the record id …)

    def progress(self, stage: str, done: int, total: int) -> None:
        self.stage, self.done, self.total = stage, done, total

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "state": self.state,
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "seconds": round((self.finished or time.time()) - self.started, 1),
            "digest": self.digest,
            "exit_status": self.exit_status,
            "error": self.error,
            "notes": list(self.notes),
            "result": dict(self.result),
        }


class Busy(Exception):
    """Another job of this server is running."""

    def __init__(self, job: Job):
        super().__init__(job.title)
        self.job = job


class Jobs:
    def __init__(self):
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._running: Job | None = None

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    @property
    def running(self) -> Job | None:
        return self._running

    def start(self, title: str, work: Callable[[Job], None]) -> Job:
        """Run ``work(job)`` in a thread; it sets ``digest``/``exit_status``/``result``. A
        LingongError ends the job with its message and exit status; anything else as the
        command's 程序内部错误."""
        with self._lock:
            if self._running is not None:
                raise Busy(self._running)
            job = Job(uuid.uuid4().hex[:12], title)
            self._jobs[job.id] = job
            self._running = job

        def body():
            try:
                work(job)
                job.state = DONE
            except LingongError as e:
                job.state, job.error, job.exit_status = FAILED, f"{e.prefix}{e}", e.exit_status
            except Exception as e:  # noqa: BLE001 - the page shows it as the command would
                job.state, job.exit_status = FAILED, 2
                job.error = (
                    f"程序内部错误：{type(e).__name__}: {e}。请把下面的信息发给维护人员。\n{traceback.format_exc()}"
                )
            finally:
                job.finished = time.time()
                with self._lock:
                    self._running = None

        threading.Thread(target=body, name=f"job-{job.id}", daemon=True).start()
        return job

    def wait(self, timeout: float | None = None) -> None:
        """Until no job runs (the server waits for a job before it exits)."""
        end = None if timeout is None else time.time() + timeout
        while self._running is not None and (end is None or time.time() < end):
            time.sleep(0.05)
