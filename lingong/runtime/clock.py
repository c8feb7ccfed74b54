"""The run's clock: China's time (the bureau's clock, whatever the server's zone).

SOURCE_DATE_EPOCH pins it, so that two runs can give identical files.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "UTC+08:00")


def now_china() -> datetime:
    """The run's time in China (the bureau's clock, whatever the server's zone);
    SOURCE_DATE_EPOCH pins it so two runs can give identical files."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    t = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    return t.astimezone(CHINA)


def now_text() -> str:
    return now_china().strftime("%Y-%m-%d %H:%M:%S")


def today_china() -> date:
    return now_china().date()
