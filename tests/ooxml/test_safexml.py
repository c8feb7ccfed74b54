"""The one hardened parser: hostile XML is refused with defusedxml's exceptions before anything
is expanded or fetched; an Office part goes through."""

from __future__ import annotations

import pytest
from defusedxml import DTDForbidden, EntitiesForbidden

from lingong.ooxml import safexml
from support import hostile

PART = b'<?xml version="1.0" encoding="UTF-8"?><x:sst xmlns:x="urn:main" count="1"><x:si><x:t>\xe5\x90\x8d</x:t></x:si></x:sst>'

HOSTILE = {
    "billion-laughs": hostile.BILLION_LAUGHS,
    "external-entity": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
    "external-dtd": b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://example.invalid/r.dtd"><r/>',
    "parameter-entity": b'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://example.invalid/p"> %p;]><r/>',
    "unparsed-entity": b'<!DOCTYPE r [<!NOTATION n SYSTEM "n"><!ENTITY u SYSTEM "u" NDATA n>]><r/>',
    "plain-doctype": b"<!DOCTYPE r><r/>",
}


@pytest.mark.parametrize("data", HOSTILE.values(), ids=HOSTILE.keys())
def test_every_dtd_is_refused_whichever_way_the_part_is_parsed(data):
    with pytest.raises(safexml.Forbidden) as e:
        safexml.check(data)
    assert isinstance(e.value, (DTDForbidden, EntitiesForbidden))
    with pytest.raises(safexml.Forbidden):
        safexml.elements(data, "r")
    with pytest.raises(safexml.Forbidden):
        safexml.feed(safexml.parser(), data)


def test_an_office_part_goes_through_and_its_elements_are_found_by_local_name():
    safexml.check(PART)
    assert safexml.elements(PART, "sst")[0]["count"] == "1" and len(safexml.elements(PART, "si")) == 1


def test_malformed_xml_is_malformed_not_forbidden():
    for data in (b"<a><b></a>", b"<a", b"\xff\xfe<a/>", b"<a>&undefined;</a>"):
        with pytest.raises(safexml.Malformed):
            safexml.check(data)


def test_a_large_part_is_fed_in_slices_and_a_character_cut_by_a_slice_survives():
    text = "名" * 700_000  # 2.1 MB of three-byte characters: slices of 1 MB cut them
    seen = []
    p = safexml.parser()
    p.CharacterDataHandler = seen.append
    p.buffer_text = True
    safexml.feed(p, f"<r>{text}</r>".encode())
    assert "".join(seen) == text
