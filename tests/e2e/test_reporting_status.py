"""The 报送情况 of a year (lingong/reporting_status.py): the same months as the assessment
says, each county's counts and rate, from the read cache when the files were read before."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from lingong import reading
from lingong.demo import build_demo
from lingong.reporting_status import (
    ADOPTED,
    CANCELLED,
    MISSING,
    NOT_DUE,
    NOT_OPERATING,
    RETURNED,
    STATUSES,
    due_date,
    reporting_status,
)
from lingong.words import ACCEPTED
from lingong.words import MISSING as MONTH_MISSING
from lingong.words import NOT_OPERATING as MONTH_NOT_OPERATING
from lingong.words import RETURNED as MONTH_RETURNED
from support.runs import run_on


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("demo") / "input"
    build_demo(src)
    return src


@pytest.fixture(scope="module")
def assessed(demo, tmp_path_factory):
    """The demo's year assessed, with the read cache it leaves."""
    out = tmp_path_factory.mktemp("out")
    summary = run_on(demo, out, "2023", workers=2, assessed_on=date(2024, 1, 12))
    return out, summary


def test_every_month_is_what_the_assessment_made_of_it(demo, assessed):
    out, summary = assessed
    status = reporting_status(demo, out, 2023, on=date(2024, 2, 1), workers=1)
    as_month = {ACCEPTED: ADOPTED, MONTH_RETURNED: RETURNED, MONTH_MISSING: MISSING}
    checked = 0
    for res in summary.results:
        code = res.station.code
        for src in res.month_sources:
            cell = status.cells[code, src.month]
            if src.status == MONTH_NOT_OPERATING:
                assert cell in (NOT_OPERATING, CANCELLED), (code, src.month, cell)
            else:
                assert cell == as_month[src.status], (code, src.month, cell)
                checked += 1
            if cell in (ADOPTED, RETURNED):
                assert status.files[code, src.month] == src.file
    assert checked > 200
    assert {status.cells["SX-007", m] for m in status.months} == {CANCELLED}  # 已取消, no 停用年月
    assert [status.cells["GS-006", m] for m in status.months[8:]] == [CANCELLED] * 4  # after 停用年月 2023-08
    assert [status.cells["DHS-002", m] for m in status.months[:8]] == [NOT_OPERATING] * 8  # 启用 2023-09
    assert {status.cells[k] for k in status.cells} >= {ADOPTED, RETURNED, MISSING, NOT_OPERATING, CANCELLED}


def test_each_county_month_counts_its_stations_and_its_reporting_rate(demo, assessed):
    out, _ = assessed
    status = reporting_status(demo, out, 2023, on=date(2024, 2, 1), workers=1)
    for county, months in status.counties.items():
        stations = [s for s in status.stations if (s.county or "未填县区") == county]
        for month, cm in months.items():
            cells = [status.cells[s.code, month] for s in stations]
            assert cm.counts == {s: cells.count(s) for s in STATUSES}
            assert cm.due == sum(c in (ADOPTED, RETURNED, MISSING) for c in cells)
            assert cm.rate == (cm.reported / cm.due if cm.due else None)
    zd = status.counties["曾都区"]["2023-03"]
    assert zd.due and 0 < zd.rate <= 1


def test_a_month_not_yet_due_is_not_missing(demo, assessed):
    out, _ = assessed
    late = reporting_status(demo, out, 2023, on=date(2024, 2, 1), workers=1)
    gaps = sorted(k for k, v in late.cells.items() if v == MISSING)
    assert gaps
    code, month = gaps[0]
    due = due_date(month)
    assert due == date(int(month[:4]) + int(month[5:]) // 12, int(month[5:]) % 12 + 1, 5)
    assert reporting_status(demo, out, 2023, on=due, workers=1).cells[code, month] == NOT_DUE
    assert reporting_status(demo, out, 2023, on=due + timedelta(days=1), workers=1).cells[code, month] == MISSING
    summer = reporting_status(demo, out, 2023, on=date(2023, 8, 3), workers=1)
    later = {summer.cells[s.code, m] for s in summer.stations for m in summer.months[6:]}
    assert MISSING not in later  # the demo's stations sent the rest of the year early
    assert ADOPTED in {summer.cells[s.code, "2023-07"] for s in summer.stations}  # sent before it was due


def test_with_a_warm_cache_it_reads_only_the_bureaus_files_and_prints_nothing(demo, assessed, monkeypatch, capsys):
    out, _ = assessed
    sent = []
    real = reading.run_isolated

    def spy(func, items, **kw):
        items = list(items)
        sent.extend(rel for _, rel in items)
        return real(func, items, **kw)

    monkeypatch.setattr(reading, "run_isolated", spy)
    reporting_status(demo, out, 2023, on=date(2024, 2, 1), workers=1)
    assert sent and not [f for f in sent if f.endswith(".xlsx") and "报表" in f]
    assert capsys.readouterr() == ("", "")


def test_a_dropped_file_is_read_and_counted(demo, tmp_path):
    src = tmp_path / "input"
    shutil.copytree(demo, src)
    out = tmp_path / "out"
    before = reporting_status(src, out, 2023, on=date(2024, 2, 1), workers=1)
    missing = next(k for k, v in before.cells.items() if v == MISSING)
    st = next(s for s in before.stations if s.code == missing[0])
    from support.report_factory import write_report

    (src / "新收").mkdir()
    write_report(
        src / "新收" / f"{st.code}_{missing[1]}.xlsx", station=st.code, name=st.name, county=st.county, month=missing[1]
    )
    after = reporting_status(src, out, 2023, on=date(2024, 2, 1), workers=1)
    assert after.cells[missing] == ADOPTED
    county = st.county
    assert after.counties[county][missing[1]].counts[ADOPTED] == before.counties[county][missing[1]].counts[ADOPTED] + 1
