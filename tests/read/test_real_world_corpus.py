"""Workbooks stations really have: the 132 real-world test files of calamine
(tests/data/calamine-tests, MIT), through the reader one by one and all together
through a run as a clerk starts it.

A file is "valid" unless listed in NOT_READABLE; the list is not taken on trust:
each valid file must open in calamine and in a second reader (openpyxl for
.xlsx/.xlsm, LibreOffice for the others), and each listed file must fail in both.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from lingong.catalogue.issues import issue
from lingong.layout import RETURNS_FOLDER, RUN_RECORD_NAME
from lingong.read.workbook import CellError, read_checked
from support import corpus
from support.paths import ROOT  # noqa: E402
from support.runs import run_on
from support.text import EMPTY_SLOT

DATA = ROOT / "tests" / "data" / "calamine-tests"
FILES = sorted(p.name for p in (DATA / "files").iterdir())
HAVE_SOFFICE = shutil.which("soffice") is not None

# file -> (code, words the clerk's message must hold): what no reader here can open, and why.
NOT_READABLE = {
    "OOM_alloc3.xls": ("F003", "文件结构损坏"),  # FAT points past the end of the file
    "issue252.xlsx": ("F003", "压缩包目录不符"),  # a part longer than its declared size
    "issue_385.xls": ("F004", "密码"),  # RC4-encrypted BIFF8 (FILEPASS)
    "issue_594_dos.ods": ("F005", "上限 1 亿个单元格"),  # repeated rows/columns: 17 billion cells
    "pass_protected.ods": ("F004", "密码"),
    "pass_protected.xlsb": ("F004", "密码"),
    "pass_protected.xlsx": ("F004", "密码"),
    "too_small.xls": ("F002", "文本格式"),  # 68 bytes, an OLE signature only in name
}
VALID = [f for f in FILES if f not in NOT_READABLE]


def test_the_corpus_is_all_there_with_its_licence():
    assert len(FILES) == 132
    assert set(NOT_READABLE) <= set(FILES)
    assert "MIT" in (DATA / "LICENSE-MIT.md").read_text(encoding="utf-8")
    assert "github.com/tafia/calamine" in (DATA / "README.md").read_text(encoding="utf-8")
    assert {Path(f).suffix for f in FILES} == {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}


def _calamine_sheets(path: Path) -> list[str]:
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(str(path))
    try:
        return list(wb.sheet_names)
    finally:
        wb.close()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", FILES)
def test_each_file_through_the_reader(name):
    rr = read_checked(DATA / "files" / name)
    if name in NOT_READABLE:
        code, words = NOT_READABLE[name]
        message = issue(rr.code, file=name, found=rr.found, expected=rr.expected).message
        assert (rr.workbook, rr.code) == (None, code), message
        assert words in message and not EMPTY_SLOT.search(message), message
        assert "Error" not in message  # no Python exception names for a clerk
        return
    assert rr.code is None, f"{name}: {rr.code} {rr.found}"
    assert rr.workbook.sheet_names == _calamine_sheets(DATA / "files" / name)


def _openpyxl_sheets(path: Path) -> list[str] | None:
    import io

    from openpyxl import load_workbook

    from lingong.render.return_copy import _slash_names

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(_slash_names(path.read_bytes())), read_only=True)
    except Exception:  # noqa: BLE001 - openpyxl is stricter than Excel; LibreOffice gets a turn
        return None
    try:
        return wb.sheetnames
    finally:
        wb.close()


def _libreoffice_sheets(paths: list[Path], tmp: Path) -> dict[str, list[str] | None]:
    """Each file converted to .xlsx by LibreOffice, and the sheets it found (None: it could not)."""
    from openpyxl import load_workbook

    out: dict[str, list[str] | None] = {}
    for ext in sorted({p.suffix for p in paths}):  # one folder per extension: a.xls and a.ods both give a.xlsx
        group = [p for p in paths if p.suffix == ext]
        folder = tmp / ext[1:]
        subprocess.run(
            [
                "soffice",
                "--headless",
                f"-env:UserInstallation=file://{tmp}/profile",
                "--convert-to",
                "xlsx",
                "--outdir",
                str(folder),
                *map(str, group),
            ],
            capture_output=True,
            timeout=240,
        )
        for p in group:
            converted = folder / (p.stem + ".xlsx")
            out[p.name] = load_workbook(converted, read_only=True).sheetnames if converted.exists() else None
    return out


@pytest.mark.timeout(300)
def test_every_valid_file_opens_in_a_second_reader(tmp_path):
    """openpyxl for .xlsx/.xlsm; LibreOffice for the rest and for what openpyxl refuses.
    The sheets the second reader finds must be calamine's: a file LibreOffice could only
    import as text would come out as one sheet named after the file."""
    rest = []
    for name in VALID:
        path = DATA / "files" / name
        sheets = _openpyxl_sheets(path) if name.endswith((".xlsx", ".xlsm")) else None
        if sheets != _calamine_sheets(path):  # refused, or (Strict OOXML) opened without its sheets
            rest.append(path)
    assert len(rest) < len(VALID) * 0.6
    if not HAVE_SOFFICE:
        pytest.skip("LibreOffice not installed: only the openpyxl half was checked")
    found = _libreoffice_sheets(rest, tmp_path)
    for path in rest:
        lo, ours = found[path.name], _calamine_sheets(path)
        # LibreOffice leaves out chart sheets; it never invents one
        assert lo and set(lo) <= set(ours), (path.name, lo, ours)


@pytest.fixture(scope="module")
def whole_run(tmp_path_factory):
    """All 132 files dropped into a city's input folder beside a registry and one
    good report, then the command a clerk runs."""
    base = tmp_path_factory.mktemp("realworld")
    src = base / "input"
    shutil.copytree(DATA / "files", src / "收到的表格")
    corpus.write_registry(src / corpus.REGISTRY_NAME, [("ZD-001", "东城零工驿站")])
    corpus.report(src, "ZD-001", "东城零工驿站")
    out = base / "output"
    p = subprocess.run(
        [
            sys.executable,
            str(ROOT / "process.py"),
            "--input",
            str(src),
            "--output",
            str(out),
            "--period",
            corpus.PERIOD,
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    record = json.loads(next(out.rglob(RUN_RECORD_NAME)).read_text(encoding="utf-8"))
    return {"proc": p, "record": record, "outcomes": {o["file"]: o for o in record["input_files"]}}


@pytest.mark.timeout(660)
def test_the_run_finishes_without_an_internal_error(whole_run):
    p = whole_run["proc"]
    assert p.returncode in (0, 1), p.stderr
    assert "Traceback" not in p.stdout + p.stderr
    for o in whole_run["outcomes"].values():
        assert "程序出错" not in o["reason"] and "internal error" not in o["reason"].lower(), o
        assert "读取进程" not in o["reason"], o  # no worker died or ran out of memory on a real file


@pytest.mark.timeout(660)
def test_every_file_is_named_in_the_run_record(whole_run):
    outcomes = whole_run["outcomes"]
    assert {f"收到的表格/{f}" for f in FILES} <= set(outcomes)
    assert outcomes[f"ZD-001_东城零工驿站_{corpus.MONTH}.xlsx"]["status"] == "采用"


@pytest.mark.timeout(660)
def test_no_valid_workbook_is_called_damaged(whole_run):
    outcomes = whole_run["outcomes"]
    for f in VALID:
        o = outcomes[f"收到的表格/{f}"]
        # read, and set aside as "not a station file", with the reason in Chinese
        assert o["kind"] == "skipped", (f, o["reason"])
        assert "损坏" not in o["reason"] and "无法读取" not in o["reason"], (f, o["reason"])
    for f, (_code, words) in NOT_READABLE.items():
        o = outcomes[f"收到的表格/{f}"]
        assert o["kind"] == "rejected" and words in o["reason"], (f, o["reason"])
        assert not EMPTY_SLOT.search(o["reason"]), o["reason"]


# ---- the Chinese exporter's backslash names (issue_530.xlsx) -------------------


def test_backslash_entry_names_are_read_as_a_tolerant_reader_does():
    rr = read_checked(DATA / "files" / "issue_530.xlsx")
    assert rr.code is None and rr.fmt == "xlsx"
    sheet = rr.workbook.sheet("出勤分类组织汇总表")
    assert sheet.rows[0][:2] == ["报表导出人：", "于国栋"]


# ---- .xlsb ------------------------------------------------------------------


def test_xlsb_values_and_hidden_sheets():
    rr = read_checked(DATA / "files" / "any_sheets.xlsb")
    assert rr.code is None and rr.fmt == "xlsb"
    wb = rr.workbook
    assert wb.sheet_names == ["Visible", "Hidden", "VeryHidden", "Chart"]
    assert [wb.sheet(n).visible for n in wb.sheet_names] == [True, False, False, True]
    assert wb.sheet("Visible").rows[:3] == [[1, 2], [3, 4], [5, 6]]
    assert wb.sheet("Chart").rows == []  # a chart sheet: no cells (calamine fails on it in .xlsb)


def test_xlsb_error_cells_are_errors_not_blanks(tmp_path):
    """calamine reads a BrtCellError as '' and skips a formula whose cached result is an
    error (BrtFmlaError); both must reach the checks as CellError at their own cell."""
    from support.xlsb_edit import edit_sheet, fmla_bool_to_error, number_to_error

    p = edit_sheet(DATA / "files" / "issue_182.xlsb", tmp_path / "f.xlsb", fmla_bool_to_error(0x07))
    rows = read_checked(p).workbook.sheet("formula_vals").rows
    assert rows[0][0] == 3 and rows[1][0] == "Ab"
    assert rows[2][0] == CellError("#DIV/0!")
    p = edit_sheet(DATA / "files" / "issues.xlsb", tmp_path / "c.xlsb", number_to_error(0x2A), sheet="issue5")
    assert read_checked(p).workbook.sheet("issue5").rows == [[CellError("#N/A")]]


def test_an_xlsb_far_cell_is_cut_before_calamine_builds_its_grid(tmp_path):
    from lingong.read.workbook import MAX_ROWS
    from support.xlsb_edit import edit_sheet, move_last_row

    p = edit_sheet(DATA / "files" / "issue_186.xlsb", tmp_path / "far.xlsb", move_last_row(1_048_000))
    sheet = read_checked(p).workbook.sheet("Sheet1")
    assert sheet.truncated and len(sheet.rows) < MAX_ROWS
    assert sheet.rows[0] == read_checked(DATA / "files" / "issue_186.xlsb").workbook.sheet("Sheet1").rows[0]


def test_the_docs_list_the_unreadable_files():
    doc = (ROOT / "docs" / "bad-input.md").read_text(encoding="utf-8")
    for name, (code, _words) in NOT_READABLE.items():
        row = next((line for line in doc.splitlines() if f"`{Path(name).stem}" in line and code in line), None)
        assert row, f"docs/bad-input.md has no row for {name} ({code})"


# ---- a report saved as .xlsb ---------------------------------------------------


def _same(a, b) -> bool:
    return (None if a in ("", None) else a) == (None if b in ("", None) else b)


@pytest.mark.timeout(120)
@pytest.mark.skipif(not HAVE_SOFFICE, reason="LibreOffice not installed")
def test_the_test_xlsb_writer_writes_what_libreoffice_reads(tmp_path):
    """The report-shaped .xlsb fixture is only worth something if it is a real .xlsb:
    LibreOffice must find the same sheets and the same value in every cell."""
    from openpyxl import load_workbook

    from support.xlsb_write import report_as_xlsb

    xlsb = report_as_xlsb(corpus.report(tmp_path, "ZD-001", "东城零工驿站"), tmp_path / "报表.xlsb")
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path / "lo"),
            str(xlsb),
        ],
        capture_output=True,
        timeout=100,
    )
    lo = load_workbook(tmp_path / "lo" / "报表.xlsx")
    ours = read_checked(xlsb).workbook
    assert lo.sheetnames == ours.sheet_names
    cells = 0
    for name in ours.sheet_names:
        for r, row in enumerate(ours.sheet(name).rows):
            for c, v in enumerate(row):
                assert _same(lo[name].cell(row=r + 1, column=c + 1).value, v), (name, r, c)
                cells += v is not None
    assert cells > 200


@pytest.mark.timeout(300)
def test_an_xlsb_report_is_read_graded_and_returned_as_xlsx(tmp_path):
    from support.xlsb_write import report_as_xlsb

    src = tmp_path / "input"
    src.mkdir()
    corpus.write_registry(src / corpus.REGISTRY_NAME, [("ZD-001", "东城零工驿站"), ("ZD-002", "西城零工驿站")])
    good = report_as_xlsb(corpus.report(tmp_path, "ZD-001", "东城零工驿站"), src / "ZD-001_2023-03.xlsb")
    bad = report_as_xlsb(
        corpus.report(tmp_path, "ZD-002", "西城零工驿站", values={"C1": "十二"}), src / "ZD-002_2023-03.xlsb"
    )
    summary = run_on(src, tmp_path / "output", corpus.PERIOD, workers=2)
    outcomes = {o.file: o for o in summary.outcomes}
    codes = {i.file: set() for i in summary.issues}
    for i in summary.issues:
        codes[i.file].add(i.code)
    assert (outcomes[good.name].kind, outcomes[good.name].status) == ("report", "采用")
    assert good.name not in codes
    assert (outcomes[bad.name].kind, outcomes[bad.name].status) == ("report", "退回")
    assert codes[bad.name] == {"V002"}
    [copy] = (summary.out_dir / RETURNS_FOLDER).glob("ZD-002*")
    assert copy.suffix == ".xlsx"
    from openpyxl import load_workbook

    wb = load_workbook(copy)
    [cell] = [i.cell for i in summary.issues if i.file == bad.name]
    assert wb["月度指标"][cell].value == "十二" and wb["月度指标"][cell].comment is not None
    assert ".xlsb" in wb["问题清单"]["A3"].value
