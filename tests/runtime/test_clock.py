"""The run's time is a value until it is written: written once as China's time to the second,
and read back (from a record or the history, in the shapes they hold) as the same value."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from lingong.layout import old_version_name
from lingong.runtime.clock import CHINA, parse_stamp, stamp

T = datetime(2023, 7, 10, 9, 5, 7, tzinfo=CHINA)


def test_a_time_is_written_in_china_and_read_back_as_the_same_value():
    assert stamp(T) == "2023-07-10 09:05:07"
    assert stamp(T.astimezone(timezone.utc)) == "2023-07-10 09:05:07"  # the bureau's clock, whatever the zone
    assert parse_stamp(stamp(T)) == T


@pytest.mark.parametrize(
    "text",
    [
        "2023-07-10 09:05:07",  # as written since the record
        "2023-07-10T09:05:07+08:00",  # ISO 8601 with a zone, as histories of earlier versions and tests hold
        "2023-07-10T01:05:07+00:00",
    ],
)
def test_every_shape_a_history_holds_reads_as_china_time(text):
    got = parse_stamp(text)
    assert got == T and got.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("text", ["", None, "昨天", "2023-13-40 99:00:00"])
def test_what_is_no_time_reads_as_none(text):
    assert parse_stamp(text) is None


def test_an_old_versions_folder_is_named_from_the_time_not_from_its_text():
    assert old_version_name(1, date(2023, 7, 10), T) == "第1版_2023-07-10_生成于20230710-090507"
    assert old_version_name(2, date(2023, 7, 10), parse_stamp("2023-07-10T01:05:07+00:00")) == (
        "第2版_2023-07-10_生成于20230710-090507"
    )
    assert old_version_name(3, date(2023, 7, 10), None) == "第3版_2023-07-10"
