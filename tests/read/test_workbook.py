"""The low-level reader: addresses as Excel shows them, bounded grids, errors and
formulas without cached values made visible, sheets chosen by name."""

import datetime as dt

import openpyxl
import pytest

from lingong.read.scan_xlsx import trim_sheet_xml
from lingong.read.workbook import MAX_COLS, MAX_ROWS, CellError, WorkbookError, read_workbook
from lingong.runtime.parallel import run_isolated
from support import hostile


def test_a_table_starting_at_c5_keeps_its_address(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "基本信息"
    ws["C5"], ws["D5"] = "项目", "填报内容"
    ws["C6"], ws["D6"] = "驿站编号", "ZD-003"
    wb.save(tmp_path / "c5.xlsx")
    s = read_workbook(tmp_path / "c5.xlsx").sheet("基本信息")
    assert s.cell(4, 2) == "项目" and s.cell(5, 3) == "ZD-003"
    assert s.cell(0, 0) is None and s.cell(99, 99) is None


def _read_stray(path):
    s = read_workbook(path).sheet("月度指标")
    return len(s.rows), max(len(r) for r in s.rows), s.truncated, s.cell(1, 4)


@pytest.mark.parametrize("cell", ["A1048576", "XFD1048576", "XFD1", "BZ70000"])
def test_a_stray_value_far_away_does_not_build_a_huge_grid(tmp_path, cell):
    path = hostile.stray_last_row(tmp_path, cell=cell)
    # in a worker: if the cut ever failed, calamine would abort the test process itself
    [(_, ok, res)] = list(run_isolated(_read_stray, [path], workers=1, mem_limit_mb=300, timeout_s=60))
    assert ok, res
    n_rows, width, truncated, value = res
    assert n_rows <= MAX_ROWS and width <= MAX_COLS and truncated
    assert value == 3


def test_trim_keeps_cells_inside_the_limits():
    xml = (
        b'<worksheet><dimension ref="A1:XFD9"/><sheetData><row r="1"><c r="A1"><v>1</v></c>'
        b'<c r="XFD1"><v>2</v></c></row><row r="9"><c r="B9" t="s"><v>0</v></c></row></sheetData></worksheet>'
    )
    out = trim_sheet_xml(xml, max_rows=5, max_cols=3)
    assert out == b'<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>'


def test_error_cells_are_errors_not_blanks(tmp_path):
    s = read_workbook(hostile.error_cells(tmp_path)).sheet("月度指标")
    assert s.cell(1, 4) == CellError("#DIV/0!")
    assert s.cell(2, 4) == CellError("#N/A")
    assert str(s.cell(1, 4)) == "#DIV/0!"


def test_formula_without_cached_value_is_listed(tmp_path):
    s = read_workbook(hostile.uncached_formula(tmp_path)).sheet("月度指标")
    assert s.uncached == {(2, 4)}
    assert s.cell(2, 4) is None and s.cell(1, 4) == 3


def test_formula_with_cached_value_is_read_by_value(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "月度指标"
    ws["A1"] = "x"
    wb.save(tmp_path / "f.xlsx")
    import zipfile

    src = tmp_path / "f.xlsx"
    out = tmp_path / "cached.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as z:
        for i in zin.infolist():
            data = zin.read(i)
            if i.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"</row>", b'<c r="B1"><f>SUM(C1:C3)</f><v>12</v></c><c r="C1" t="str"><f>""</f><v></v></c></row>'
                )
            z.writestr(i, data)
    s = read_workbook(out).sheet("月度指标")
    assert s.cell(0, 1) == 12 and s.uncached == set()  # an empty-text result is a value, not missing


def test_sheets_are_chosen_by_name_and_hidden_ones_are_marked(tmp_path):
    wb = read_workbook(hostile.hidden_first_sheet(tmp_path), wanted={"基本信息"})
    assert wb.sheet_names == ["填报说明", "基本信息"]
    assert wb.sheet("基本信息").visible and wb.sheet("基本信息").cell(0, 0) == "项目"
    with pytest.raises(KeyError):
        wb.sheet("填报说明")  # not wanted, not read
    assert not read_workbook(hostile.hidden_first_sheet(tmp_path)).sheet("填报说明").visible


def test_sheet_names_with_stray_spaces_are_found(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "基本信息 "
    wb.active["A1"] = "项目"
    wb.save(tmp_path / "s.xlsx")
    book = read_workbook(tmp_path / "s.xlsx", wanted={"基本信息"})
    assert book.has("基本信息") and book.sheet("基本信息").cell(0, 0) == "项目"
    assert not book.has("月度指标")


def test_what_calamine_gives_for_dates_and_numbers(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws.append([dt.datetime(2023, 1, 5, 10, 30), dt.datetime(2023, 1, 5), dt.time(10, 30), 12, True, "  "])
    wb.save(tmp_path / "d.xlsx")
    row = read_workbook(tmp_path / "d.xlsx").sheet("S").rows[0]
    assert row[0] == dt.datetime(2023, 1, 5, 10, 30)
    assert row[1] == dt.date(2023, 1, 5) and not isinstance(row[1], dt.datetime)
    assert row[2] == dt.time(10, 30)
    assert row[3] == 12 and isinstance(row[3], float)
    assert row[4] is True
    assert row[5] == "  "  # text is left as typed; trimming is the value parser's job


def test_libreoffice_ods_keeps_addresses_and_errors(tmp_path):
    s = read_workbook(hostile.minimal_ods(tmp_path)).sheet("月度指标")
    assert s.cell(4, 2) == "指标代码" and s.cell(5, 2) == 7
    assert s.cell(5, 3) == CellError("#DIV/0!")
    assert len(s.rows) == 6 and not s.truncated  # a million repeated empty rows are not rows


@pytest.mark.parametrize("make,code", list(hostile.ALL_BAD.items()), ids=lambda v: getattr(v, "__name__", v))
def test_unreadable_files_raise_workbook_error_with_catalogue_code(tmp_path, make, code):
    with pytest.raises(WorkbookError) as e:
        read_workbook(make(tmp_path))
    assert e.value.code == code and e.value.found


def test_read_checked_reports_a_file_that_grows_while_read(tmp_path, monkeypatch):
    from lingong.read import workbook as wbmod
    from lingong.read.workbook import read_checked

    p = hostile.small_workbook(tmp_path)
    real = wbmod.read_workbook

    def growing(path, wanted=None, **kw):
        out = real(path, wanted, **kw)
        with open(path, "ab") as f:  # the copy into input/ is still going on
            f.write(b"\0" * 10)
        return out

    monkeypatch.setattr(wbmod, "read_workbook", growing)
    r = read_checked(p)
    assert (r.workbook, r.code) == (None, "F007")


def test_read_checked_gives_workbook_hash_or_code(tmp_path):
    import hashlib

    from lingong.read.workbook import read_checked

    good = hostile.small_workbook(tmp_path)
    r = read_checked(good, {"基本信息"})
    assert r.code is None and r.workbook.has("基本信息") and r.fmt == "xlsx"
    assert r.sha256 == hashlib.sha256(good.read_bytes()).hexdigest() and r.size == good.stat().st_size
    bad = read_checked(hostile.encrypted_ooxml(tmp_path))
    assert (bad.workbook, bad.code) == (None, "F004")


def test_a_rejected_file_still_gets_the_hash_of_what_was_read(tmp_path):
    import hashlib

    from lingong.read.workbook import read_checked

    pdf = tmp_path / "报表.xlsx"
    pdf.write_bytes(b"%PDF-1.7\n" + b"x" * 500)
    r = read_checked(pdf)
    assert (r.workbook, r.code) == (None, "F002")
    assert r.sha256 == hashlib.sha256(pdf.read_bytes()).hexdigest() and r.size == 509


def test_a_file_too_large_for_a_report_is_refused_unread(tmp_path):
    from lingong.read.workbook import MAX_FILE_BYTES, read_checked

    huge = tmp_path / "全年汇总.xlsx"
    with open(huge, "wb") as f:
        f.write(b"PK\x03\x04")
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    r = read_checked(huge)
    assert (r.workbook, r.code) == (None, "F005") and "MB" in r.found


def test_a_whole_hostile_folder_through_workers(tmp_path):
    """The pipeline's shape: every file gets a workbook or a code, none takes the others down."""
    from lingong.read.workbook import read_checked

    expected = {p: c for p, c in hostile.bad_folder(tmp_path).items()}
    goods = [hostile.small_workbook(tmp_path, f"g{i}.xlsx") for i in range(3)]
    goods.append(hostile.stray_last_row(tmp_path, cell="XFD1048576"))
    paths = sorted(expected) + goods
    out = {item: res for item, ok, res in run_isolated(read_checked, paths, workers=2, mem_limit_mb=512) if ok}
    assert set(out) == set(paths)
    assert {p: out[p].code for p in expected} == expected
    assert all(out[p].code is None and out[p].workbook.sheet_names for p in goods)


def test_sheet_extent_is_exact_for_far_cells_and_bounded_otherwise():
    from lingong.read.scan_xlsx import sheet_extent

    assert sheet_extent(b'<row r="3"><c r="B3"/></row>') == (999, 26)
    assert sheet_extent(b'<row r="3"><c r="B3"/><c r="AC3"/></row>') == (3, 29)
    assert sheet_extent(b'<row r="1048576"><c r="A1048576"/></row>') == (1048576, 1)
    assert sheet_extent(b"<row r='7'><c r='XFD7'/></row>") == (7, 16384)


def test_old_xls_error_cells_are_found_in_the_biff_records(tmp_path):
    from lingong.read.scan_xls import scan_xls_errors

    found = scan_xls_errors(hostile.biff8_with_errors(tmp_path), {"月度指标"})
    assert found["月度指标"].errors == {(1, 4): "#N/A", (2, 4): "#DIV/0!"}
    assert scan_xls_errors(hostile.biff8_with_errors(tmp_path), {"基本信息"}) == {}


def _soffice():
    import shutil

    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(not _soffice(), reason="LibreOffice not installed")
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_files_saved_by_libreoffice_keep_addresses_errors_and_values(tmp_path, fmt):
    import subprocess

    src = hostile.error_cells(tmp_path)
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [
            _soffice(),
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(tmp_path / "out"),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    s = read_workbook(tmp_path / "out" / f"errors.{fmt}").sheet("月度指标")
    assert s.cell(0, 4) == "本月数值"
    assert s.cell(1, 4) == CellError("#DIV/0!") and s.cell(2, 4) == CellError("#N/A")
    assert s.cell(3, 4) == CellError("#DIV/0!")  # LibreOffice calculated =1/0 while converting


def test_an_ods_with_a_value_in_the_last_cell_is_refused_not_expanded(tmp_path):
    [(_, ok, res)] = list(
        run_isolated(read_checked_far, [hostile.far_cell_ods(tmp_path)], workers=1, mem_limit_mb=1024, timeout_s=60)
    )
    assert ok and res == "F005"


def read_checked_far(path):
    from lingong.read.workbook import read_checked

    return read_checked(path).code


def test_sheet_part_maps_are_remembered_by_content_but_never_a_huge_part(tmp_path):
    import io
    import zipfile

    from lingong.read import scan_xlsx as wbmod

    good = hostile.small_workbook(tmp_path)
    wbmod._MEMO.clear()
    with zipfile.ZipFile(good) as zf:
        first = wbmod.xlsx_sheet_parts(zf)
        assert wbmod.xlsx_sheet_parts(zf) == first and len(wbmod._MEMO) == 2
    # the same workbook with a padded workbook.xml: still read right, not remembered
    buf = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/workbook.xml":
                data = data.replace(b"<sheets>", b"<!--" + b" " * 100_000 + b"--><sheets>", 1)
            dst.writestr(info.filename, data)
    wbmod._MEMO.clear()
    with zipfile.ZipFile(buf) as zf:
        assert wbmod.xlsx_sheet_parts(zf) == first
    assert [k[0] for k in wbmod._MEMO] == ["root"]  # only the small root rels were kept


@pytest.mark.timeout(60)
def test_every_f005_names_the_limit_it_exceeded(tmp_path):
    """F005 says "上限 …": from preflight (zip bomb), from the size check before reading, and from
    calamine's cell limit (a far cell in .ods) alike."""
    import re

    from lingong.catalogue.issues import issue
    from lingong.read.workbook import MAX_FILE_BYTES, read_checked

    huge = tmp_path / "全年汇总.xlsx"
    with open(huge, "wb") as f:
        f.write(b"PK\x03\x04")
        f.truncate(MAX_FILE_BYTES + 1)
    for path, limit in (
        (hostile.zip_bomb(tmp_path), "压缩比 200"),
        (huge, "64 MB"),
        (hostile.far_cell_ods(tmp_path), "1 亿个单元格"),
    ):
        r = read_checked(path)
        message = issue(r.code, file=path.name, found=r.found, expected=r.expected).message
        assert (r.code, r.expected) == ("F005", limit), message
        assert re.search(r"上限 [^）\s]", message) and message.endswith(f"上限 {limit}）"), message
