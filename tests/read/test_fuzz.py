"""Fuzzing: mutate a valid report (cell values and types, sheet names and order,
XML inside the zip, raw bytes of the zip) and check the tool never raises, never
hangs past a bound, and always says what became of the file.

Bounded in CI (a fixed, derandomised set of examples). A longer run by hand:

    LINGONG_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest -q tests/read/test_fuzz.py

(random each time; a failure prints the example to reproduce it with @reproduce_failure).
"""

from __future__ import annotations

import functools
import io
import os
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import MergedCell

from lingong import report_template
from lingong.catalogue.issues import CATALOGUE, ERROR
from lingong.layout import RESULTS_JSON_NAME
from lingong.model.failure import CRASH, MEMORY
from lingong.model.records import KIND_REJECTED, KIND_REPORT, KIND_SKIPPED, KIND_UNSTABLE
from lingong.read.files import read_one
from lingong.runtime.parallel import run_isolated
from support import corpus
from support.runs import run_on

LONG = int(os.environ.get("LINGONG_FUZZ_EXAMPLES", "0"))
settings.register_profile(
    "lingong-ci",
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "lingong-long",
    max_examples=max(LONG, 1),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = "lingong-long" if LONG else "lingong-ci"
READ_BOUND_S = 30  # per file; a runaway reader is a failure of the property, not a stuck CI
CODE, NAME = "ZD-101", "测试1号零工驿站"
SHEETS = (
    report_template.SHEET_HELP,
    report_template.SHEET_INFO,
    report_template.SHEET_INDICATORS,
    *(d.name for d in report_template.DETAIL_SHEETS),
)


@functools.lru_cache(maxsize=1)
def base_report() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return corpus.report(Path(tmp), CODE, NAME, "base.xlsx").read_bytes()


@functools.lru_cache(maxsize=1)
def registry_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return corpus.write_registry(Path(tmp) / "r.xlsx", [(CODE, NAME)]).read_bytes()


# ---- mutations --------------------------------------------------------------------------

# openpyxl refuses control characters; the corpus puts them in the XML directly (control-chars case)
_SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
cell_values = st.one_of(
    st.none(),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(date(1900, 3, 1), date(2100, 1, 1)),
    st.datetimes(datetime(1900, 3, 1), datetime(2100, 1, 1)),
    _SAFE_TEXT,
    st.sampled_from(
        [
            "十二",
            "１２",
            "3个",
            "=1+2",
            "=A1/0",
            "#N/A",
            "是",
            "否",
            "2023年3月",
            "2023.1",
            "4213021990010100",
            "  ",
            "\u3000",
            "ZD-101",
            "LGYZ-M-1",
        ]
    ),
)
sheet_titles = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="[]:*?/\\'"), min_size=1, max_size=31
)

set_cell = st.tuples(st.just("cell"), st.sampled_from(SHEETS), st.integers(1, 40), st.integers(1, 9), cell_values)
rename = st.tuples(st.just("rename"), st.sampled_from(SHEETS), sheet_titles)
drop = st.tuples(st.just("drop"), st.sampled_from(SHEETS))
hide = st.tuples(st.just("hide"), st.sampled_from(SHEETS), st.sampled_from(["hidden", "veryHidden"]))
merge = st.tuples(
    st.just("merge"),
    st.sampled_from(SHEETS),
    st.integers(1, 30),
    st.integers(1, 6),
    st.integers(0, 3),
    st.integers(0, 2),
)
workbook_edits = st.lists(st.one_of(set_cell, set_cell, rename, drop, hide, merge), max_size=8)

# (member index, offset as a fraction, action, bytes)
member_edits = st.lists(
    st.tuples(
        st.integers(0, 40),
        st.floats(0, 1),
        st.sampled_from(["replace", "delete", "insert"]),
        st.binary(min_size=1, max_size=12),
    ),
    max_size=3,
)
byte_edits = st.lists(
    st.tuples(
        st.floats(0, 1), st.sampled_from(["flip", "truncate", "insert", "zero"]), st.binary(min_size=1, max_size=8)
    ),
    max_size=3,
)


def apply_workbook_edits(data: bytes, edits) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for e in edits:
        kind, sheet = e[0], e[1]
        if sheet not in wb.sheetnames:
            continue
        ws = wb[sheet]
        if kind == "cell":
            _, _, r, c, v = e
            cell = ws.cell(row=r, column=c)
            if not isinstance(cell, MergedCell):  # an earlier edit merged it: only the range's first cell holds a value
                cell.value = v
        elif kind == "rename":
            ws.title = e[2]
        elif kind == "drop" and len(wb.sheetnames) > 1:
            wb.remove(ws)
        elif kind == "hide":
            ws.sheet_state = e[2]
        elif kind == "merge":
            _, _, r, c, dr, dc = e
            if dr or dc:
                ws.merge_cells(start_row=r, start_column=c, end_row=r + dr, end_column=c + dc)
    if all(w.sheet_state != "visible" for w in wb.worksheets):
        wb.worksheets[0].sheet_state = "visible"  # openpyxl refuses to save otherwise
    wb.active = next(i for i, w in enumerate(wb.worksheets) if w.sheet_state == "visible")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def apply_member_edits(data: bytes, edits) -> bytes:
    """Change bytes inside the XML of zip members; the zip itself stays valid."""
    if not edits:
        return data
    zin = zipfile.ZipFile(io.BytesIO(data))
    members = {i.filename: zin.read(i) for i in zin.infolist()}
    names = list(members)
    for idx, frac, action, blob in edits:
        name = names[idx % len(names)]
        body = members[name]
        pos = int(frac * len(body))
        if action == "replace":
            body = body[:pos] + blob + body[pos + len(blob) :]
        elif action == "delete":
            body = body[:pos] + body[pos + len(blob) * 10 :]
        else:
            body = body[:pos] + blob + body[pos:]
        members[name] = body
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, body in members.items():
            z.writestr(n, body)
    return out.getvalue()


def apply_byte_edits(data: bytes, edits) -> bytes:
    for frac, action, blob in edits:
        pos = int(frac * len(data))
        if action == "flip":
            data = data[:pos] + bytes(b ^ 0xFF for b in data[pos : pos + len(blob)]) + data[pos + len(blob) :]
        elif action == "truncate":
            data = data[:pos]
        elif action == "insert":
            data = data[:pos] + blob + data[pos:]
        else:
            data = data[:pos] + b"\0" * len(blob) + data[pos + len(blob) :]
    return data


mutated_reports = st.builds(
    lambda wb_edits, m_edits, b_edits: apply_byte_edits(
        apply_member_edits(apply_workbook_edits(base_report(), wb_edits), m_edits), b_edits
    ),
    workbook_edits,
    member_edits,
    byte_edits,
)


# ---- properties ---------------------------------------------------------------------------

VALID_KINDS = {KIND_REPORT, KIND_REJECTED, KIND_SKIPPED, KIND_UNSTABLE}


@settings(settings.get_profile(PROFILE))
@given(data=mutated_reports)
def test_reading_a_mutated_report_never_raises_or_hangs(data):
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "报表.xlsx"
        p.write_bytes(data)
        [(item, ok, result)] = list(run_isolated(read_one, [(str(p), p.name)], workers=1, timeout_s=READ_BOUND_S))
    # A Python exception or a hang is a bug; only a native reader dying on a hostile file
    # (which the run reports as F010) is outside our code's control.
    assert ok or result.kind in (CRASH, MEMORY), result
    if not ok:
        return
    o = result.outcome
    assert o.kind in VALID_KINDS and o.file == "报表.xlsx"
    if o.kind == KIND_REJECTED:
        assert [i.code for i in result.issues] and all(i.code in CATALOGUE for i in result.issues)
        assert o.reason
    if o.kind == KIND_REPORT:
        assert result.report is not None
        assert all(i.code in CATALOGUE for i in result.report.issues)


@settings(settings.get_profile(PROFILE), max_examples=max(LONG // 10, 1) if LONG else 12)
@given(data=mutated_reports)
def test_a_whole_run_over_a_mutated_report_finishes_and_accounts_for_it(data):
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "input"
        src.mkdir()
        (src / "驿站名册.xlsx").write_bytes(registry_bytes())
        (src / "报表.xlsx").write_bytes(data)
        summary = run_on(src, Path(tmp) / "output", corpus.PERIOD)
        outcome = {o.file: o for o in summary.outcomes}["报表.xlsx"]
        assert outcome.kind in VALID_KINDS
        if outcome.kind == KIND_REPORT:
            assert outcome.status in ("采用", "退回", "驿站不在名册", "运营期外", "已被替代")
            errors = [i for i in summary.issues if i.file == "报表.xlsx" and i.severity == ERROR]
            if outcome.status == "采用":
                assert errors == []
        assert summary.exit_code in (0, 1)
        assert (summary.out_dir / RESULTS_JSON_NAME).is_file()
