"""The short ways through xlsxwriter's inner loops write the library's very bytes, and an
xlsxwriter they were not checked on switches them off, as the run record says."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st
from xlsxwriter.exceptions import OverlappingRange
from xlsxwriter.worksheet import Worksheet

from lingong.runtime import xlsx_fast
from lingong.runtime.outfiles import FIXED_TIMESTAMP, xlsxwriter_options


def _book(path, workbook_class, worksheet_class, cells, merges=(), *, constant_memory=False):
    wb = workbook_class(str(path), {**xlsxwriter_options(), "constant_memory": constant_memory})
    wb.worksheet_class = worksheet_class
    wb.set_properties({"created": FIXED_TIMESTAMP})
    plain = wb.add_format({"border": 1})
    wrap = wb.add_format({"text_wrap": True, "num_format": "0.00"})
    ws = wb.add_worksheet("数据")
    ws.set_column(2, 2, 12, wrap)  # a column format: cells without their own go the library's way
    ws.set_row(3, 20, plain)  # a row format likewise
    for row, col, value, which in cells:
        fmt = (None, plain, wrap)[which]
        if value is None:
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, str):
            ws.write_string(row, col, value, fmt)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, fmt)
        elif isinstance(value, dt.date):
            ws.write_datetime(row, col, value, wrap)
        else:
            ws.write_number(row, col, value, fmt)
    ws.merge_range(20, 0, 20, 3, "合并 & <区域>", plain)
    ws.merge_range("A23:C24", "A1 notation", wrap)
    refused = []
    for r1, c1, r2, c2, text, which in merges:
        # Reversed and single-cell ranges, overlaps, no format: as the library answers them.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                refused.append(ws.merge_range(30 + r1, c1, 30 + r2, c2, text, (None, plain, wrap)[which]))
            except OverlappingRange as e:
                refused.append(str(e))
    ws.write_formula(21, 0, "=SUM(A1:A3)", plain, 6)
    ws.write_comment(0, 0, '批注 "x"')
    wb.close()
    return path.read_bytes(), refused


values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2100, 1, 1)),
)
merges = st.lists(
    st.tuples(
        st.integers(0, 6),
        st.integers(0, 6),
        st.integers(0, 6),
        st.integers(0, 6),
        st.text(max_size=8),
        st.integers(0, 2),
    ),
    max_size=6,
)
cells = st.lists(st.tuples(st.integers(0, 19), st.integers(0, 5), values, st.integers(0, 2)), max_size=40)


@pytest.mark.skipif(not xlsx_fast.status().active, reason="switched off: the library's own methods are used")
@settings(max_examples=60, deadline=None)
@given(cells=cells, merges=merges, constant_memory=st.booleans())
def test_fast_worksheet_writes_the_same_bytes_as_xlsxwriter(tmp_path_factory, cells, merges, constant_memory):
    d = tmp_path_factory.mktemp("x")
    ours = _book(
        d / "a.xlsx", xlsx_fast.FastWorkbook, xlsx_fast.FastWorksheet, cells, merges, constant_memory=constant_memory
    )
    # Twice: the second time the <si> elements come from what the first one kept.
    again = _book(
        d / "c.xlsx", xlsx_fast.FastWorkbook, xlsx_fast.FastWorksheet, cells, merges, constant_memory=constant_memory
    )
    theirs = _book(d / "b.xlsx", xlsxwriter.Workbook, Worksheet, cells, merges, constant_memory=constant_memory)
    assert ours == theirs
    assert again == theirs


def _changed_write_cell(monkeypatch):
    """xlsxwriter as an upgrade might leave it: Worksheet._write_cell takes another parameter."""
    original = Worksheet._write_cell

    def _write_cell(self, row, col, cell, spans=None):
        return original(self, row, col, cell)

    monkeypatch.setattr(Worksheet, "_write_cell", _write_cell)


def test_another_version_or_a_changed_private_method_switches_the_short_ways_off(monkeypatch):
    assert xlsx_fast.library_mismatch(xlsx_fast.CHECKED_VERSION) == ""
    assert "3.4.0" in xlsx_fast.library_mismatch("3.4.0")
    _changed_write_cell(monkeypatch)
    st = xlsx_fast.status()
    assert not st.active and "Worksheet._write_cell" in st.reason
    assert xlsx_fast.classes() == (xlsxwriter.Workbook, Worksheet)
    assert st.record() == {
        "active": False,
        "xlsxwriter": xlsxwriter.__version__,
        "checked_against": xlsx_fast.CHECKED_VERSION,
        "reason": st.reason,
    }
    monkeypatch.undo()
    assert xlsx_fast.status().active == (xlsxwriter.__version__ == xlsx_fast.CHECKED_VERSION)


def test_the_switch_turns_them_off(monkeypatch):
    monkeypatch.setenv(xlsx_fast.SWITCH, "0")
    assert xlsx_fast.classes() == (xlsxwriter.Workbook, Worksheet)
    assert xlsx_fast.SWITCH in xlsx_fast.status().reason


def _outputs(root):
    """Every workbook of an output folder, part by part."""
    import zipfile

    out = {}
    for p in sorted(root.rglob("*.xlsx")):
        with zipfile.ZipFile(p) as z:
            out[p.relative_to(root).as_posix()] = {n: z.read(n) for n in z.namelist()}
    return out


@pytest.mark.timeout(300)
def test_a_run_writes_the_same_workbooks_without_them_and_its_record_says_so(city, tmp_path, monkeypatch):
    """A whole run (forms, summary, validation report, return copy) once the short ways' way and
    once as after an xlsxwriter upgrade that switched them off: byte for byte the same workbooks,
    and each run record says how they were written."""
    import json

    from lingong import cli

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # one time of writing for both runs
    args = ["--input", str(city), "--period", "2023H1", "--quiet"]
    assert cli.main([*args, "--output", str(tmp_path / "fast")]) in (0, 1)
    _changed_write_cell(monkeypatch)  # forked document writers inherit it
    assert cli.main([*args, "--output", str(tmp_path / "plain")]) in (0, 1)

    fast, plain = _outputs(tmp_path / "fast"), _outputs(tmp_path / "plain")
    assert len(fast) >= 4 and fast == plain
    records = [json.loads((tmp_path / k / "2023H1" / "运行记录.json").read_text("utf-8")) for k in ("fast", "plain")]
    assert records[0]["xlsx_fast"]["active"] is True
    assert records[1]["xlsx_fast"]["active"] is False and "Worksheet._write_cell" in records[1]["xlsx_fast"]["reason"]
