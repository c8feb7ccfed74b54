"""Figures no station can have: a count above the rules' monthly maximum is an error
(数值不合理) that sends the report back, never a number added into the sums."""

from __future__ import annotations

import json

import pytest

from lingong.catalogue.issues import ERROR
from lingong.choose.plausibility import implausible
from lingong.layout import RESULTS_JSON_NAME, RETURNS_FOLDER
from lingong.rules.load import load_rules
from support.city import write_registry
from support.records_factory import report
from support.report_factory import write_report
from support.runs import run_on

RULES = load_rules()


def _ints(obj):
    if isinstance(obj, bool):
        return
    if isinstance(obj, int):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _ints(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _ints(v)


@pytest.mark.parametrize("typed", [1e300, 2**63, "9223372036854775808", "１" + "0" * 30, 10001])
def test_a_count_above_the_monthly_maximum_sends_the_report_back(tmp_path, typed):
    """Without the check, one month of C1 = 1e300 lifted 供求服务 to 合格 and put a
    301-digit integer into results.json."""
    src = tmp_path / "input"
    src.mkdir()
    write_registry(src / "驿站名册.xlsx", rows=[("ZD-001", "东城零工驿站", "曾都区", "")])
    for m in range(1, 7):
        # C2 and C3 meet their targets; only C1 (3 a month) falls short of 400
        values = {"C1": typed if m == 4 else 3, "C2": 60, "C3": 9}
        write_report(src / f"ZD-001_{m}月.xlsx", month=f"2023-{m:02d}", values=values)
    summary = run_on(src, tmp_path / "out", "2023H1")

    [v018] = [i for i in summary.issues if i.code == "V018"]
    assert (v018.severity, v018.file, v018.sheet, v018.month) == (ERROR, "ZD-001_4月.xlsx", "月度指标", "2023-04")
    assert v018.cell and "数值不合理" in v018.message and "10000" in v018.message
    assert len(v018.found) <= 40  # 1e300 is not shown with 301 digits
    status = {o.file: o.status for o in summary.outcomes}
    assert status["ZD-001_4月.xlsx"] == "退回"
    [res] = summary.results
    assert res.provisional and "2023-04" in res.rejected_months
    assert {i.name: i.final for i in res.items}["供求服务"] == "不合格"

    doc = json.loads((tmp_path / "out" / "2023H1" / RESULTS_JSON_NAME).read_text(encoding="utf-8"))
    assert all(abs(n) <= 2**53 for n in _ints(doc))
    copies = list((tmp_path / "out" / "2023H1" / RETURNS_FOLDER).iterdir())
    assert len(copies) == 1  # the station gets its workbook back with the cell marked


def test_the_maximum_itself_is_still_believable():
    rec = report("ZD-001", "2023-03", {"C1": RULES.monthly_max("C1"), "G5": RULES.monthly_max("G5") + 1})
    problems = implausible(rec, RULES)
    assert [code for code, _ in problems] == ["G5"]
    assert problems[0][1].expected == str(RULES.monthly_max("G5"))


def test_every_count_indicator_has_a_maximum_and_no_yes_no_indicator_has_one():
    from lingong.report_template import COUNT, INDICATORS

    for ind in INDICATORS:
        assert (RULES.monthly_max(ind.code) is not None) == (ind.kind == COUNT), ind.code
