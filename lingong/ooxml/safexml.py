"""The one hardened XML parser every part of a package goes through, for the reader's scans
and the return copy's checks alike: a bare expat parser with defusedxml's refusals.

Office parts never carry a DTD, and a DTD is how entity bombs (billion laughs) and external
entities get in; so a DOCTYPE itself is refused, which is stricter than defusedxml's default
(a DTD without entities would pass there). Any entity declaration and any external reference
is refused too, should expat ever report one without a DOCTYPE. The refusals raise
defusedxml's own exceptions (``Forbidden``), so that one ``except`` covers this parser and
defusedxml's. A bare expat pass rather than defusedxml's ElementTree: building the tree cost
more than calamine's whole read of a file for the three small parts that name its sheets.
"""

from __future__ import annotations

import xml.parsers.expat

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

Forbidden = DefusedXmlException  # a part with a DOCTYPE, an entity or an external reference
Malformed = xml.parsers.expat.ExpatError  # a part that is not well-formed XML

_CHUNK = 1 << 20  # fed in slices: a 50 MB part is never copied whole once more


def _doctype(name, sysid, pubid, _has_internal_subset):
    raise DTDForbidden(name, sysid, pubid)


def _entity(name, _is_parameter, value, base, sysid, pubid, notation):
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation)


def _unparsed_entity(name, base, sysid, pubid, notation):
    raise EntitiesForbidden(name, None, base, sysid, pubid, notation)


def _external(context, base, sysid, pubid):
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def parser():
    """A new expat parser (no namespace processing: names come as written, prefix and all)
    that raises Forbidden on a DOCTYPE, an entity declaration or an external reference."""
    p = xml.parsers.expat.ParserCreate()
    p.StartDoctypeDeclHandler = _doctype
    p.EntityDeclHandler = _entity
    p.UnparsedEntityDeclHandler = _unparsed_entity
    p.ExternalEntityRefHandler = _external
    return p


def feed(p, data: bytes) -> None:
    """Parse all of ``data`` with ``p`` (from ``parser``); raises Forbidden or Malformed."""
    for i in range(0, len(data), _CHUNK):
        p.Parse(data[i : i + _CHUNK], False)
    p.Parse(b"", True)


def check(data: bytes | str) -> None:
    """Well-formed, with no DOCTYPE or entity; raises Forbidden or Malformed."""
    p = parser()
    p.Parse(data, True)


def elements(data: bytes, local: str) -> list[dict[str, str]]:
    """The attributes (keyed by local name) of every element named ``local``, whatever its
    prefix, in a small part; raises Forbidden or Malformed."""
    found: list[dict[str, str]] = []

    def start(tag, attrs):
        if tag.rsplit(":", 1)[-1] == local:
            found.append({k.rsplit(":", 1)[-1]: v for k, v in attrs.items()})

    p = parser()
    p.StartElementHandler = start
    p.Parse(data, True)
    return found
