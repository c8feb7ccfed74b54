"""Hostile parts reach the reader's own parser even without preflight (read_workbook is called
alone too): each is refused with the catalogue code and the Chinese detail a clerk is shown,
before anything is expanded."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from lingong.ooxml.limits import MAX_PART_BYTES
from lingong.read.workbook import WorkbookError, read_workbook
from support import hostile

LAUGHS = hostile.BILLION_LAUGHS.split(b"<sst")[0]  # the DOCTYPE and its nested entities
EXTERNAL = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'


def _with_parts(folder: Path, name: str, replace: dict[str, bytes], src: Path | None = None) -> Path:
    src = src or hostile.small_workbook(folder, "_base_" + name)
    out = folder / name
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info)))
    return out


def _part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(name)


def _refused(path: Path) -> tuple[str, str]:
    with pytest.raises(WorkbookError) as e:
        read_workbook(path)
    return e.value.code, e.value.found


def _without_prolog(xml: bytes) -> bytes:
    return xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml


@pytest.mark.parametrize("prolog", [LAUGHS, EXTERNAL], ids=["billion-laughs", "external-entity"])
@pytest.mark.parametrize("part", ["xl/_rels/workbook.xml.rels", "xl/workbook.xml", "_rels/.rels"])
def test_a_dtd_in_a_part_that_names_the_sheets_is_refused(tmp_path, part, prolog):
    base = hostile.small_workbook(tmp_path, "_base.xlsx")
    bad = _with_parts(tmp_path, "dtd.xlsx", {part: prolog + _without_prolog(_part(base, part))}, base)
    assert _refused(bad) == ("F006", "文件含 DOCTYPE 或实体声明")


def test_a_dtd_in_a_sheet_is_refused(tmp_path):
    base = hostile.small_workbook(tmp_path, "_base.xlsx")
    sheet = "xl/worksheets/sheet1.xml"
    bad = _with_parts(tmp_path, "dtd.xlsx", {sheet: LAUGHS + _without_prolog(_part(base, sheet))}, base)
    assert _refused(bad) == ("F006", "工作表含 DOCTYPE")


def test_a_part_that_is_not_xml_is_damage(tmp_path):
    bad = _with_parts(tmp_path, "bad.xlsx", {"xl/_rels/workbook.xml.rels": b"<Relationships><Relationship"})
    assert _refused(bad) == ("F003", "压缩结构损坏：部件内容不是有效的 XML")


def test_a_sheet_that_inflates_past_the_limit_is_refused_unread(tmp_path):
    assert _refused(hostile.zip_bomb(tmp_path)) == ("F005", "工作表“基本信息”解压后超过 50 MB")


def test_a_part_that_inflates_past_the_limit_is_refused_unread(tmp_path):
    base = hostile.small_workbook(tmp_path, "_base.xlsx")
    book = _part(base, "xl/workbook.xml")
    padded = book + b" " * (MAX_PART_BYTES + 1 - len(book))
    bad = _with_parts(tmp_path, "big.xlsx", {"xl/workbook.xml": padded}, base)
    assert _refused(bad) == ("F005", "部件 xl/workbook.xml 解压后超过 50 MB")


ODS_ERROR_CELL = (
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0">'
    '<office:body><office:spreadsheet><table:table table:name="月度指标"><table:table-row>'
    '<table:table-cell calcext:value-type="error"><text:p>#N/A</text:p></table:table-cell>'
    "</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"
).encode("utf-8")


def test_a_dtd_in_an_ods_is_refused(tmp_path):
    src = hostile.minimal_ods(tmp_path, "_base.ods")
    bad = _with_parts(tmp_path, "dtd.ods", {"content.xml": LAUGHS + ODS_ERROR_CELL}, src)
    assert _refused(bad) == ("F006", "工作表含 DOCTYPE")


def test_an_ods_content_past_the_limit_is_refused_unread(tmp_path):
    src = hostile.minimal_ods(tmp_path, "_base.ods")
    big = ODS_ERROR_CELL + b" " * (MAX_PART_BYTES + 1 - len(ODS_ERROR_CELL))
    bad = _with_parts(tmp_path, "big.ods", {"content.xml": big}, src)
    assert _refused(bad) == ("F005", "content.xml 解压后超过 50 MB")
