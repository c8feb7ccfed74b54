"""One year as the bureau runs it, into one output folder: 2023H1 on 2023-07-10, a recheck after one
station resubmitted (2023-07-20, before the deadline), then 2023H2 and the year on 2024-01-12.
Every station's state and deadline after each step is checked against docs/rectification.md."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lingong.grade.history_query import cases_of
from lingong.layout import HISTORY_DB_NAME
from lingong.render.wording import rectification_text
from support.city import write_registry
from support.report_factory import write_report
from support.runs import run_on

# Enough every month for every 合格 requirement of the default rules.
GOOD = {"C1": 70, "C2": 62, "C3": 10, "D1": 2, "D2": 2}
STATIONS = [
    ("ZD-001", "东城零工驿站", "曾都区", "a@example.com"),  # fails H1, resubmits March: 整改结束 at the recheck
    ("ZD-002", "西城零工驿站", "曾都区", "b@example.com"),  # fails H1, no change; H2 passes: 整改结束
    ("GS-001", "应山零工驿站", "广水市", "c@example.com"),  # passes H1, fails H2: 限期整改 from H2
    ("GS-002", "十里零工驿站", "广水市", "d@example.com"),  # fails H1 and H2: 建议取消
    ("SX-001", "厉山零工驿站", "随县", "e@example.com"),  # passes everything
]
FAILED_MONTHS = {"ZD-001": {3}, "ZD-002": {3}, "GS-001": {9}, "GS-002": {3, 9}}


@pytest.fixture
def year_input(tmp_path) -> Path:
    src = tmp_path / "input"
    src.mkdir()
    write_registry(src / "驿站名册.xlsx", rows=STATIONS)
    for code, name, county, _ in STATIONS:
        for m in range(1, 13):
            values = dict(GOOD, G3="否") if m in FAILED_MONTHS.get(code, ()) else GOOD
            write_report(
                src / f"{code}_{m}月.xlsx", station=code, name=name, county=county, month=f"2023-{m:02d}", values=values
            )
    return src


def assess(src, out, period, on, *, recheck=False):
    return _states(assess_results(src, out, period, on, recheck=recheck))


def assess_results(src, out, period, on, *, recheck=False):
    return run_on(src, out, period, recheck=recheck, assessed_on=on, write_documents=False).results


def _states(results):
    # 优秀 and 合格 decide a rectification alike: the test speaks of passing or failing.
    return {
        r.station.code: (
            "不合格" if r.final_overall == "不合格" else "合格",
            r.rectification,
            r.deadline and r.deadline.isoformat(),
        )
        for r in results
    }


@pytest.mark.timeout(600)
def test_one_year_of_assessments_into_one_folder(tmp_path, year_input):
    out = tmp_path / "output"
    h1 = assess(year_input, out, "2023H1", date(2023, 7, 10))
    assert h1 == {
        "ZD-001": ("不合格", "限期整改", "2023-08-09"),
        "ZD-002": ("不合格", "限期整改", "2023-08-09"),
        "GS-001": ("合格", "", None),
        "GS-002": ("不合格", "限期整改", "2023-08-09"),
        "SX-001": ("合格", "", None),
    }

    # ZD-001 corrects its March report and sends it again; the recheck is before the deadline.
    write_report(
        year_input / "ZD-001_3月_重报.xlsx",
        station="ZD-001",
        name="东城零工驿站",
        county="曾都区",
        month="2023-03",
        values=GOOD,
        fill_date=date(2023, 7, 18),
    )
    again = assess(year_input, out, "2023H1", date(2023, 7, 20), recheck=True)
    # The recheck decides the stations under rectification, and no other.
    assert again == {
        "ZD-001": ("合格", "整改结束", None),
        "ZD-002": ("不合格", "限期整改", "2023-08-09"),
        "GS-002": ("不合格", "限期整改", "2023-08-09"),
    }

    h2 = assess(year_input, out, "2023H2", date(2024, 1, 12))
    assert h2 == {
        "ZD-001": ("合格", "", None),
        "ZD-002": ("合格", "整改结束", None),
        "GS-001": ("不合格", "限期整改", "2024-02-11"),
        "GS-002": ("不合格", "建议取消", None),
        "SX-001": ("合格", "", None),
    }

    year_results = assess_results(year_input, out, "2023", date(2024, 1, 12))
    year = _states(year_results)
    # The year decides nothing and starts nothing for failures its half-years already had.
    assert year == {
        "ZD-001": ("合格", "", None),
        "ZD-002": ("不合格", "整改结束", None),
        "GS-001": ("不合格", "限期整改", "2024-02-11"),
        "GS-002": ("不合格", "建议取消", None),
        "SX-001": ("合格", "", None),
    }

    db = out / HISTORY_DB_NAME
    assert {k: (c.state, c.decided_by) for k, c in cases_of(db, "ZD-002").items()} == {"2023H1": ("整改结束", "2023H2")}
    assert {k: (c.state, c.decided_by) for k, c in cases_of(db, "GS-002").items()} == {"2023H1": ("建议取消", "2023H2")}
    assert {k: c.state for k, c in cases_of(db, "GS-001").items()} == {"2023H2": "限期整改"}

    # What the year's documents say of GS-001's open case: the H2 deadline still holds, said once.
    gs001 = next(r for r in year_results if r.station.code == "GS-001")
    text = rectification_text(gs001)
    assert text.startswith("限期整改：2023年下半年考核（2024年1月12日）不合格，整改期限2024年2月11日")
    assert text.endswith("本期包含2023年下半年的月份，不另行限期整改，仍按上述期限整改")
    assert text.count("2024年2月11日") == 1

    # The year run again (not a recheck, a second version on a corrected date): nothing moves.
    assert assess(year_input, out, "2023", date(2024, 1, 15)) == year
