"""Preflight: every hostile file gets its own catalogue code, cheaply, and good files pass."""

import hashlib
import shutil
import zipfile

import pytest

from lingong.catalogue.issues import CATALOGUE
from lingong.discover.preflight import preflight
from lingong.ooxml.limits import MAX_TOTAL_UNPACKED
from lingong.read.workbook import WorkbookError, read_workbook
from support import hostile
from support.zips import package_file


@pytest.mark.parametrize("make,code", list(hostile.ALL_BAD.items()), ids=lambda v: getattr(v, "__name__", v))
def test_each_hostile_file_gets_its_code(tmp_path, make, code):
    result = preflight(make(tmp_path))
    assert (result.ok, result.code) == (False, code)
    assert result.code in CATALOGUE
    assert result.found  # a detail for the clerk, never empty


def test_details_name_what_the_file_really_is(tmp_path):
    assert preflight(hostile.html_as_xls(tmp_path)).found == "网页(HTML)格式"
    assert preflight(hostile.tsv_as_xls(tmp_path)).found == "文本格式"
    assert preflight(hostile.random_bytes(tmp_path)).found == "无法识别的格式"
    assert "解压后" in preflight(hostile.zip_bomb(tmp_path)).found
    assert "DOCTYPE" in preflight(hostile.billion_laughs(tmp_path)).found


def test_encrypted_ooxml_is_told_apart_from_an_old_xls(tmp_path):
    enc = preflight(hostile.encrypted_ooxml(tmp_path))
    assert (enc.code, enc.fmt) == ("F004", "xlsx")
    assert preflight(hostile.encrypted_xls(tmp_path)).code == "F004"


def test_good_workbooks_pass_with_their_format(tmp_path):
    for make in (
        hostile.small_workbook,
        hostile.hidden_first_sheet,
        hostile.uncached_formula,
        hostile.stray_last_row,
        hostile.error_cells,
    ):
        assert preflight(make(tmp_path)).ok
    assert preflight(hostile.minimal_ods(tmp_path)).fmt == "ods"
    assert preflight(hostile.small_workbook(tmp_path)).fmt == "xlsx"


def test_an_xlsx_saved_with_xls_extension_is_still_an_xlsx(tmp_path):
    src = hostile.small_workbook(tmp_path)
    renamed = tmp_path / "东城驿站.xls"
    shutil.copy(src, renamed)
    assert preflight(renamed).fmt == "xlsx"
    assert read_workbook(renamed).has("基本信息")


def test_a_word_document_named_xlsx(tmp_path):
    p = tmp_path / "报表.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    assert (preflight(p).code, preflight(p).found) == ("F002", "Word 文档")


def test_declared_size_of_all_members_together_is_bounded(tmp_path):
    # many members each under the ratio rule, together over the limit
    p = tmp_path / "many.xlsx"
    src = hostile.small_workbook(tmp_path)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        for i in zin.infolist():
            z.writestr(i.filename, zin.read(i))
        part = b"<a/>" + b"1" * (4 * 1024 * 1024)
        for k in range(MAX_TOTAL_UNPACKED // len(part) + 1):
            z.writestr(f"xl/media/pad{k}.bin", part)
    r = preflight(p)
    assert r.code == "F005" and "解压后共" in r.found


def test_doctype_hidden_behind_a_long_comment_is_found(tmp_path):
    p = tmp_path / "comment.xlsx"
    src = hostile.small_workbook(tmp_path)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        for i in zin.infolist():
            data = zin.read(i)
            if i.filename == "xl/styles.xml":
                body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                data = b'<?xml version="1.0"?><!--' + b"x" * 10000 + b'--><!DOCTYPE a [<!ENTITY e "e">]>' + body
            z.writestr(i.filename, data)
    assert preflight(p).code == "F006"


def test_a_folder_of_bad_files_each_gets_one_outcome_and_the_good_one_is_read(tmp_path):
    expected = hostile.bad_folder(tmp_path)
    good = hostile.small_workbook(tmp_path, "东城驿站1月.xlsx")
    outcomes = {}
    for p in sorted(tmp_path.iterdir()):
        pf = preflight(p)
        outcomes[p] = pf.code if not pf.ok else read_workbook(p).sheet_names
    assert outcomes[good] == ["基本信息", "月度指标"]
    assert {p: outcomes[p] for p in expected} == expected


def _fingerprint(folder):
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns, p.stat().st_mode)
        for p in folder.iterdir()
    }


def test_no_input_file_changes(tmp_path):
    hostile.bad_folder(tmp_path)
    for make in (
        hostile.small_workbook,
        hostile.hidden_first_sheet,
        hostile.uncached_formula,
        hostile.stray_last_row,
        hostile.error_cells,
        hostile.minimal_ods,
    ):
        make(tmp_path)
    hostile.lock_files(tmp_path)
    before = _fingerprint(tmp_path)
    for p in tmp_path.iterdir():
        if preflight(p).ok:
            read_workbook(p)
        else:
            with pytest.raises(WorkbookError):
                read_workbook(p)
    assert _fingerprint(tmp_path) == before
    assert sorted(x.name for x in tmp_path.iterdir()) == sorted(before)  # nothing created beside them


def test_read_workbook_alone_names_the_same_cause(tmp_path):
    """Called without preflight, the reader still refuses with the catalogue code."""
    for make, code in hostile.ALL_BAD.items():
        with pytest.raises(WorkbookError) as e:
            read_workbook(make(tmp_path))
        assert e.value.code == code, make.__name__


def test_a_duplicate_part_is_refused_by_preflight_and_reader_alike(tmp_path):
    p = package_file(tmp_path / "dup.xlsx", ["[Content_Types].xml", "xl/workbook.xml", "xl\\workbook.xml"])
    r = preflight(p)
    assert (r.ok, r.code, r.fmt) == (False, "F003", "xlsx") and "出现了两次" in r.found
    with pytest.raises(WorkbookError) as e:
        read_workbook(p)
    assert e.value.code == "F003" and "出现了两次" in e.value.found
