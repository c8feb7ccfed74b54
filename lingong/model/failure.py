"""Why a worker gave an item no result, as a value: what happened (``kind``) and its
particulars. The worker pool (runtime/parallel.py) makes it; whoever asked for the item decides
by the kind (a file that could not be read is F008 or F010, read/files.py); the sentence is
only for the clerk."""

from __future__ import annotations

from dataclasses import dataclass

# What became of an item that gave no result (Failure.kind), and the clerk's words for each.
CRASH, MEMORY, TIMEOUT, ERROR = "crash", "memory", "timeout", "error"
REASON_CRASH = "读取进程意外终止（文件异常导致内存超限或程序崩溃）"
REASON_MEMORY = "读取时内存超过上限（{detail} MB）"
REASON_TIMEOUT = "读取超过 {detail} 秒仍未完成"
REASON_ERROR = "读取时程序出错（{detail}）"
_REASONS = {CRASH: REASON_CRASH, MEMORY: REASON_MEMORY, TIMEOUT: REASON_TIMEOUT, ERROR: REASON_ERROR}


@dataclass(frozen=True)
class Failure:
    """Why an item gave no result: ``kind`` (CRASH, MEMORY, TIMEOUT or ERROR) and its
    particulars (``detail``: the exception's name and message, the memory cap in MB, the
    time limit in seconds). Callers decide by the kind; ``reason`` is only for the clerk."""

    kind: str
    detail: str = ""

    @property
    def reason(self) -> str:
        return _REASONS[self.kind].format(detail=self.detail)

    def __str__(self) -> str:
        return self.reason
