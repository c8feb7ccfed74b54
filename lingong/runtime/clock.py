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


# How a time is written wherever it leaves the program (records, results.json, the 汇总表,
# the history): China's time, to the second, without a zone.
STAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def stamp(t: datetime) -> str:
    return t.astimezone(CHINA).strftime(STAMP_FORMAT) if t.tzinfo else t.strftime(STAMP_FORMAT)


def parse_stamp(text) -> datetime | None:
    """A written time back as a value in China's time: ``stamp``'s text, or ISO 8601 with a
    zone (what a history may hold from tests and earlier versions); None when it is neither."""
    try:
        t = datetime.fromisoformat(str(text).strip())
    except ValueError:
        return None
    return t.replace(tzinfo=CHINA) if t.tzinfo is None else t.astimezone(CHINA)


def now_text() -> str:
    return stamp(now_china())


def today_china() -> date:
    return now_china().date()
