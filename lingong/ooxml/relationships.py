"""Relationships: where a part's .rels part is, where a relationship's target points, and a
.rels part added to as text."""

from __future__ import annotations

import posixpath

from lingong.ooxml import markup
from lingong.ooxml.namespaces import PKG_REL_NS
from lingong.ooxml.package import Package, parse_elements


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


class Rels:
    """A .rels part, added to by text."""

    def __init__(self, pkg: Package, owner: str):
        self.pkg, self.owner, self.name = pkg, owner, rels_name(owner)
        if pkg.has(self.name):
            self.xml = pkg.text(self.name)
            self.items = parse_elements(self.xml, "Relationship")
        else:
            self.xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL_NS}"></Relationships>'
            self.items = []
        self.prefix = markup.root_prefix(self.xml, "Relationships")
        self.dirty = False

    def targets(self, rel_type: str) -> list[tuple[str, str]]:
        """(Id, part name) of the internal relationships of a type."""
        return [
            (r.get("Id", ""), resolve(self.owner, r.get("Target", "")))
            for r in self.items
            if r.get("Type") == rel_type and r.get("TargetMode") != "External"
        ]

    def by_id(self, rid: str) -> dict[str, str] | None:
        return next((r for r in self.items if r.get("Id") == rid), None)

    def add(self, rel_type: str, part: str) -> str:
        ids = {r.get("Id") for r in self.items}
        n = len(self.items) + 1
        while f"rId{n}" in ids:
            n += 1
        rid = f"rId{n}"
        target = relative(self.owner, part)
        self.items.append({"Id": rid, "Type": rel_type, "Target": target})
        p = self.prefix
        self.xml = markup.insert_into(
            self.xml,
            f"{p}Relationships",
            f'<{p}Relationship Id="{rid}" Type="{rel_type}" Target="{markup.esc_attr(target)}"/>',
        )
        self.dirty = True
        return rid

    def drop(self, rid: str) -> None:
        for el in markup.child_of(self.xml, f"{self.prefix}Relationships", f"{self.prefix}Relationship"):
            if markup.unescape(markup.get_attr(el.head(self.xml), "Id") or "") == rid:
                self.xml = markup.without(self.xml, el)
                break
        self.items = [r for r in self.items if r.get("Id") != rid]
        self.dirty = True

    def save(self) -> None:
        if self.dirty:
            self.pkg.put(self.name, self.xml)
