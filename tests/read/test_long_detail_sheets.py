"""A detail sheet longer than the reader's bound is said to be so, never miscounted.

The reader reads MAX_ROWS rows a sheet (a stray value in row 1,048,576 must not
build a million-row grid). A 求职登记 of 6,000 rows used to be reported as
"有 4999 条记录" against its C2 of 6,000: a false statement about the station's work.
"""

from __future__ import annotations

import pytest

from lingong.read.files import read_one
from lingong.read.workbook import MAX_ROWS
from support import corpus
from support.report_factory import sample_details


def _report(tmp_path, rows: int, c2: int):
    details = sample_details({**corpus.DEFAULT_VALUES, "C2": rows}, corpus.MONTH)
    p = corpus.report(tmp_path, "ZD-001", "东城零工驿站", f"长表{rows}_{c2}.xlsx", values={"C2": c2}, details=details)
    res = read_one((str(p), p.name))
    return {i.code: i for i in res.issues + res.report.issues}


@pytest.mark.timeout(120)
def test_a_seeker_sheet_past_the_bound_is_said_to_be_partly_read_not_miscounted(tmp_path):
    issues = _report(tmp_path, MAX_ROWS + 1000, MAX_ROWS + 1000)
    assert "X002" not in issues, issues["X002"].message
    s010 = issues["S010"]
    assert s010.sheet == "求职登记" and f"超过 {MAX_ROWS} 行" in s010.message


@pytest.mark.timeout(120)
def test_a_long_sheet_against_a_smaller_figure_is_still_a_mismatch_as_a_lower_bound(tmp_path):
    issues = _report(tmp_path, MAX_ROWS + 1000, 10)
    assert "至少" in issues["X002"].message and "S010" in issues
