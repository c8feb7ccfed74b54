"""The package and the parts a return copy edits, one by one: what is not edited keeps its
bytes, what is edited stays valid and counted, and a part that cannot be trusted is refused."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from lingong.ooxml import markup, worksheet
from lingong.ooxml.content_types import ContentTypes
from lingong.ooxml.limits import MAX_PART_BYTES
from lingong.ooxml.markup import Unpatchable
from lingong.ooxml.namespaces import CT_SST, MAIN_NS, REL_NS, RT_SST, RT_STYLES
from lingong.ooxml.package import Package, check_xml
from lingong.ooxml.relationships import Rels, rels_name, resolve
from lingong.ooxml.shared_strings import SharedStrings
from lingong.ooxml.styles import Styles
from lingong.ooxml.workbook import BookXml
from support.zips import package

TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="x"/></Types>'
)
BOOK_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{RT_STYLES}" Target="styles.xml"/></Relationships>'
)
STYLES = (
    f'<x:styleSheet xmlns:x="{MAIN_NS}"><x:fonts count="1"><x:font/></x:fonts>'
    '<x:fills count="2"><x:fill/><x:fill/></x:fills>'
    '<x:cellXfs count="2"><x:xf fillId="0"/><x:xf numFmtId="3" fillId="1"><x:alignment/></x:xf></x:cellXfs></x:styleSheet>'
)


def _book() -> Package:
    return Package(
        package(
            {
                "[content_types].xml": TYPES,
                "xl\\_rels\\workbook.xml.rels": BOOK_RELS,
                "xl/styles.xml": STYLES,
                "xl/media/image1.png": b"\x89PNG not touched",
            }
        )
    )


def test_parts_are_found_whatever_their_case_and_slashes_and_the_rest_keeps_its_bytes():
    pkg = _book()
    assert pkg.has("[Content_Types].xml") and pkg.has("xl/_rels/workbook.xml.rels")
    ctypes = ContentTypes(pkg)
    ctypes.override("xl/sharedStrings.xml", CT_SST)
    ctypes.save()
    out = zipfile.ZipFile(io.BytesIO(pkg.save()))
    assert out.namelist() == [
        "[content_types].xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/media/image1.png",
    ]
    assert out.read("xl/media/image1.png") == b"\x89PNG not touched"
    assert out.read("xl/styles.xml") == STYLES.encode()
    assert b'<Override PartName="/xl/sharedStrings.xml"' in out.read("[content_types].xml")


def test_a_part_is_refused_when_hostile_damaged_or_too_large():
    hostile = package({"a.xml": '<!DOCTYPE a [<!ENTITY e "e">]><a>&e;</a>'})
    with pytest.raises(Unpatchable):
        Package(hostile).text("a.xml")
    damaged = bytearray(package({"a.xml": "<a>" + "x" * 5000 + "</a>"}))
    damaged[45] ^= 0xFF
    with pytest.raises(Unpatchable):
        Package(bytes(damaged)).text("a.xml")
    big = package({"a.xml": b"<a>" + b" " * MAX_PART_BYTES + b"</a>"})
    with pytest.raises(Unpatchable, match="too big"):
        Package(big).read("a.xml")
    with pytest.raises(Unpatchable):
        Package(package({"xl/a.xml": "<a/>", "xl\\a.xml": "<a/>"}))  # one part twice
    with pytest.raises(Unpatchable):
        check_xml(b"<a>", "a.xml")


def test_relationships_added_and_dropped_by_id():
    pkg = _book()
    rels = Rels(pkg, "xl/workbook.xml")
    assert rels.name == rels_name("xl/workbook.xml") == "xl/_rels/workbook.xml.rels"
    assert rels.targets(RT_STYLES) == [("rId1", "xl/styles.xml")]
    rid = rels.add(RT_SST, "xl/sharedStrings.xml")
    assert rid == "rId2" and rels.targets(RT_SST) == [("rId2", "xl/sharedStrings.xml")]
    rels.drop("rId1")
    rels.save()
    text = pkg.read(rels.name).decode()
    assert "rId1" not in text and 'Target="sharedStrings.xml"' in text
    assert resolve("xl/worksheets/sheet1.xml", "../drawings/d1.xml") == "xl/drawings/d1.xml"
    assert resolve("xl/workbook.xml", "/xl/styles.xml") == "xl/styles.xml"


def test_content_types_default_once_and_overrides_dropped_by_part():
    pkg = _book()
    ctypes = ContentTypes(pkg)
    ctypes.default("xml", "other")
    assert not ctypes.dirty  # xml has its default already
    ctypes.default("vml", "application/vnd.openxmlformats-officedocument.vmlDrawing")
    ctypes.drop("XL/Workbook.xml")
    assert ctypes.xml.index('Extension="vml"') < ctypes.xml.index('Extension="xml"')
    assert "/xl/workbook.xml" not in ctypes.xml


def test_styles_appended_with_the_ids_there_untouched_and_counted():
    pkg = _book()
    styles = Styles(pkg, "xl/styles.xml", "宋体")
    assert styles.marked(1, "FFC7CE") == 2 and styles.marked(1, "FFC7CE") == 2  # once per (format, fill)
    assert styles.list_xf(10, True, None, False) == 3
    styles.save()
    xml = pkg.read("xl/styles.xml").decode()
    xfs = markup.child_of(xml, "x:cellXfs", "x:xf")
    assert [x.text(xml) for x in xfs[:2]] == [
        '<x:xf fillId="0"/>',
        '<x:xf numFmtId="3" fillId="1"><x:alignment/></x:xf>',
    ]
    assert xfs[2].text(xml) == '<x:xf numFmtId="3" fillId="2" applyFill="1"><x:alignment/></x:xf>'
    assert 'x:fonts count="2"' in xml and 'x:fills count="3"' in xml and 'x:cellXfs count="4"' in xml
    assert '<x:name val="宋体"/>' in xml


def test_shared_strings_made_when_missing_and_counted():
    pkg = _book()
    rels, ctypes = Rels(pkg, "xl/workbook.xml"), ContentTypes(pkg)
    sst = SharedStrings(pkg, "xl/workbook.xml", rels, ctypes)
    assert (sst.add("问题"), sst.add(" x "), sst.add("问题")) == (0, 1, 0)
    sst.save()
    xml = pkg.read("xl/sharedStrings.xml").decode()
    assert 'count="3" uniqueCount="2"' in xml and '<t xml:space="preserve"> x </t>' in xml
    assert rels.targets(RT_SST) == [("rId2", "xl/sharedStrings.xml")] and "/xl/sharedStrings.xml" in ctypes.xml


def test_the_workbook_gets_a_first_sheet_and_its_local_names_follow_their_sheets():
    book = BookXml(
        f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><bookViews><workbookView firstSheet="1" activeTab="1"/></bookViews>'
        '<sheets><sheet name="A" sheetId="4" r:id="rId1"/><sheet name="B&amp;C" sheetId="2" r:id="rId2"/></sheets>'
        '<definedNames><definedName name="x" localSheetId="1">B!A1</definedName>'
        '<definedName name="y" localSheetId="0">A!A1</definedName></definedNames></workbook>'
    )
    sheets = book.sheets()
    assert [(s.name, s.rid) for s in sheets] == [("A", "rId1"), ("B&C", "rId2")]
    book.drop(sheets[0])
    book.put_first("清单", "rId9")
    book.move_local_names(lambda old: None if old == 0 else old)
    book.print_titles("清单", 5)
    book.open_on_first()
    xml = book.xml
    assert '<sheets><sheet name="清单" sheetId="3" xmlns:r' not in xml  # r is bound on the root already
    assert '<sheets><sheet name="清单" sheetId="3" r:id="rId9"/><sheet name="B&amp;C"' in xml
    assert '<definedName name="x" localSheetId="1">' in xml and 'name="y"' not in xml
    assert '<definedName name="_xlnm.Print_Titles" localSheetId="0">\'清单\'!$5:$5</definedName>' in xml
    assert '<workbookView activeTab="0"/>' in xml
    check_xml(xml, "workbook.xml")


def test_cells_and_rows_added_before_the_same_one_keep_their_order():
    xml = '<worksheet><sheetData><row r="2"><c r="D2" s="1"/></row><row r="9"/></sheetData></worksheet>'
    calls = []

    def style_of(old, key):
        calls.append(key)
        return 7

    cells = {(2, 3): "C2", (2, 2): "B2", (5, 1): "A5", (4, 2): "B4", (9, 1): "A9"}
    out = worksheet.style_cells(xml, "", cells, style_of)
    check_xml(out, "sheet.xml")
    assert [int(r) for r in re.findall(r'<row r="(\d+)"', out)] == [2, 4, 5, 9]
    assert re.findall(r'<c r="([A-Z]+\d+)"', out) == ["B2", "C2", "D2", "B4", "A5", "A9"]
    assert calls == ["C2", "B2", "B4", "A5", "A9"]  # the order the styles are made in stays the callers'
