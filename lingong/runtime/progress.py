"""How a long step tells its progress: a bar on a terminal, nothing, or a caller's callable;
and how many workers a step uses when the caller does not say."""

from __future__ import annotations

import os
import sys


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


class _NoBar:
    def update(self, n=1):
        pass

    def close(self):
        pass


class _CallbackBar:
    """Progress told to a caller (the web page's job) as (stage, done, total)."""

    def __init__(self, callback, total: int, desc: str):
        self._callback, self._total, self._desc, self._done = callback, total, desc, 0
        callback(desc, 0, total)

    def update(self, n=1):
        self._done += n
        self._callback(self._desc, self._done, self._total)

    def close(self):
        pass


def progress_bar(total: int, desc: str, enabled):
    """``enabled``: True for a bar on a terminal, False for none, or a callable
    ``(stage, done, total)`` that is told every step (a library caller)."""
    if callable(enabled):
        return _CallbackBar(enabled, total, desc)
    if not enabled or total < 50 or not sys.stderr.isatty():
        return _NoBar()
    from tqdm import tqdm  # only for a long run on a terminal: no import cost otherwise

    return tqdm(total=total, desc=desc, unit="个", file=sys.stderr, leave=False)
