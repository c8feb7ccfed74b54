"""Relationships: where a part's .rels part is, and where a relationship's target points."""

from __future__ import annotations

import posixpath


def rels_name(part: str) -> str:
    """The .rels part of ``part`` ("" for the package's own: _rels/.rels)."""
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def resolve(source_part: str, target: str) -> str:
    """The part a relationship of ``source_part`` points at (``target`` as its Target says)."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target)).lstrip("/")


def relative(source_part: str, target_part: str) -> str:
    return posixpath.relpath(target_part, posixpath.dirname(source_part) or ".")


def office_document(rels: list[dict[str, str]]) -> str | None:
    """The workbook part the package's own relationships (``rels``: their attributes) name;
    a Strict OOXML package's relationship type counts too."""
    for rel in rels:
        if (rel.get("Type") or "").endswith("/officeDocument"):
            return resolve("", rel.get("Target") or "xl/workbook.xml")
    return None
