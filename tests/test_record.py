"""The assessment's record (lingong/record.py) as the history keeps it: what is read back is what
was recorded, field for field, for a real run's record (results, issues, stations, history)."""

from __future__ import annotations

import json
from datetime import date

from lingong.demo import build_demo
from lingong.model.periods import period_option
from lingong.record import dumps, from_plain, loads, to_plain
from support.runs import run_on


def test_a_demo_assessments_record_reads_back_equal(tmp_path):
    build_demo(tmp_path / "in")
    summary = run_on(tmp_path / "in", tmp_path / "out", period_option("2023H1"), assessed_on=date(2023, 7, 10))
    a = summary.assessment
    again = loads(json.loads(dumps(a)))
    assert again == a
    assert {type(r) for r in again.results} == {type(r) for r in a.results}
    assert again.started_at == a.started_at and again.assessed_on == a.assessed_on


def test_none_and_numbers_keep_their_kind():
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Cell:
        at: date | None
        share: float
        marks: tuple[int, ...]
        by: dict[str, float | None]

    plain = to_plain(Cell(None, 1, (1, 2), {"a": 2, "b": None}))
    assert plain == {"at": None, "share": 1, "marks": [1, 2], "by": {"a": 2, "b": None}}
    back = from_plain(Cell, plain)
    assert back == Cell(None, 1.0, (1, 2), {"a": 2, "b": None}) and isinstance(back.share, float)
