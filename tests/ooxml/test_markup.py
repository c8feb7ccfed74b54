"""Elements are found in a part's text by its tokens, not by searching the text: comments,
CDATA sections and quoted ">" cannot mislead an edit, and the bytes not edited stay."""

from __future__ import annotations

import pytest

from lingong.ooxml import markup
from lingong.ooxml.markup import Unpatchable

TRICKY = (
    '<?xml version="1.0"?>\n<!-- <definedNames><definedName localSheetId="0"/> -->'
    '<x:workbook xmlns:x="urn:main" xmlns:rel="urn:rel">'
    '<x:sheets><x:sheet name="a&gt;b" x:note="s=\'9\' > localSheetId=\'7\'" sheetId="1" rel:id="rId1"/></x:sheets>'
    '<x:definedNames><x:definedName name="n" comment="x>0" localSheetId=\'2\'><![CDATA[</x:definedNames>]]>A1'
    "</x:definedName></x:definedNames></x:workbook>"
)


def test_comments_cdata_and_quoted_brackets_are_not_elements():
    names = markup.child_of(TRICKY, "x:definedNames", "x:definedName")
    assert len(names) == 1
    head = names[0].head(TRICKY)
    assert markup.get_attr(head, "localSheetId") == "2" and markup.get_attr(head, "comment") == "x>0"
    assert names[0].text(TRICKY).endswith("A1</x:definedName>")
    (sheet,) = markup.child_of(TRICKY, "x:sheets", "x:sheet")
    assert markup.attrs(sheet.head(TRICKY))["rel:id"] == "rId1"
    assert markup.get_attr(sheet.head(TRICKY), "s") is None  # only in another attribute's value


def test_root_and_its_namespaces_are_read_past_a_comment_before_it():
    assert markup.root_prefix(TRICKY, "workbook") == "x:"
    assert markup.ns_prefix(TRICKY, "urn:rel") == "rel"
    assert markup.ns_prefix(TRICKY, "urn:none") is None
    with pytest.raises(Unpatchable):
        markup.root_prefix(TRICKY, "worksheet")


@pytest.mark.parametrize(
    "tag,name,value,out",
    [
        ('<c r="A1" s="3"/>', "s", "9", '<c r="A1" s="9"/>'),
        ("<c r='A1'  s = '3' t=\"n\">", "s", "9", '<c r=\'A1\'  s="9" t="n">'),
        ('<c r="A1" s="3"/>', "s", None, '<c r="A1"/>'),
        ('<c r="A1" />', "s", "2", '<c r="A1" s="2"/>'),
        ('<row r="1" spans="1:3">', "spans", None, '<row r="1">'),
        ('<c r="A1" x="s=&quot;1&quot;"/>', "s", "2", '<c r="A1" x="s=&quot;1&quot;" s="2"/>'),
    ],
)
def test_one_attribute_is_set_and_the_rest_of_the_tag_stays(tag, name, value, out):
    assert markup.set_attr(tag, name, value) == out


def test_insert_into_an_element_written_empty_or_not():
    assert markup.insert_into("<r><a/></r>", "a", "<b/>") == "<r><a><b/></a></r>"
    assert markup.insert_into('<r><a k="1" /></r>', "a", "<b/>") == '<r><a k="1"><b/></a></r>'
    assert markup.insert_into("<r><a><c/></a></r>", "a", "<b/>") == "<r><a><c/><b/></a></r>"
    assert markup.insert_into("<r><a><c/></a></r>", "a", "<b/>", first=True) == "<r><a><b/><c/></a></r>"
    with pytest.raises(Unpatchable):
        markup.insert_into("<r/>", "a", "<b/>")


def test_nested_elements_of_one_name_close_where_they_close():
    xml = "<r><a><a/><a>x</a></a><a/></r>"
    outer = markup.find(xml, "a")
    assert outer.text(xml) == "<a><a/><a>x</a></a>"
    assert [e.text(xml) for e in markup.children(xml, markup.root(xml), "a")] == ["<a><a/><a>x</a></a>", "<a/>"]


def test_recount_counts_the_children_not_the_text():
    xml = '<fonts count="1"><font/><!-- <font/> --><font><b/></font></fonts>'
    assert markup.recount(xml, "fonts", "font") == '<fonts count="2"><font/><!-- <font/> --><font><b/></font></fonts>'


def test_text_that_is_not_what_the_parser_accepted_is_refused():
    with pytest.raises(Unpatchable):
        list(markup.tags("<!DOCTYPE r><r/>"))
    with pytest.raises(Unpatchable):
        markup.find("<r><a></r>", "a")


def test_text_for_a_cell_keeps_spaces_and_drops_what_xml_cannot_hold():
    assert markup.text_element(" a\x01<b> ") == '<t xml:space="preserve"> a&lt;b&gt; </t>'
    assert markup.text_element("_x0041_", "x:") == "<x:t>_x005F_x0041_</x:t>"


def _outline(xml: str, el: markup.Element, depth: int = 0) -> list:
    if depth > 3:
        return []
    return [(c, _outline(xml, c, depth + 1)) for c in markup.children(xml, el)]


def test_a_plain_part_searched_directly_gives_what_walking_its_tags_gives(tmp_path):
    """Office's parts have no comment: they are searched at C speed; with a comment after the
    root (which changes no position) every tag is walked. Both find the same elements."""
    import zipfile

    from support.rich_workbook import build_rich_workbook

    with zipfile.ZipFile(build_rich_workbook(tmp_path / "rich.xlsx")) as z:
        parts = {n: z.read(n).decode() for n in z.namelist() if n.endswith((".xml", ".rels"))}
    assert len(parts) > 10
    for name, xml in parts.items():
        walked = xml + "<!-- after the root -->"
        assert markup._plain(xml) and not markup._plain(walked)
        assert _outline(xml, markup.root(xml)) == _outline(walked, markup.root(walked)), name
        for el_name in ("x:row", "row", "c", "sheetData", "xf", "si", "Relationship", "definedName", "Override"):
            assert markup.find(xml, el_name) == markup.find(walked, el_name), (name, el_name)
            assert markup.count(xml, el_name) == markup.count(walked, el_name), (name, el_name)
