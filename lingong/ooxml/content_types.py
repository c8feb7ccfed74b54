"""[Content_Types].xml, added to and taken from as text."""

from __future__ import annotations

from lingong.ooxml import markup
from lingong.ooxml.namespaces import CONTENT_TYPES
from lingong.ooxml.package import Package


class ContentTypes:
    NAME = CONTENT_TYPES

    def __init__(self, pkg: Package):
        self.pkg = pkg
        self.xml = pkg.text(self.NAME)
        self.prefix = markup.root_prefix(self.xml, "Types")
        self.dirty = False

    def _entries(self, local: str) -> list[markup.Element]:
        return markup.child_of(self.xml, f"{self.prefix}Types", f"{self.prefix}{local}")

    def override(self, part: str, ctype: str) -> None:
        p = self.prefix
        entry = f'<{p}Override PartName="/{markup.esc_attr(part)}" ContentType="{ctype}"/>'
        self.xml = markup.insert_into(self.xml, f"{p}Types", entry)
        self.dirty = True

    def default(self, ext: str, ctype: str) -> None:
        for el in self._entries("Default"):
            if (markup.get_attr(el.head(self.xml), "Extension") or "").lower() == ext:
                return
        p = self.prefix
        entry = f'<{p}Default Extension="{ext}" ContentType="{ctype}"/>'
        self.xml = markup.insert_into(self.xml, f"{p}Types", entry, first=True)
        self.dirty = True

    def drop(self, part: str) -> None:
        for el in self._entries("Override"):
            if markup.unescape(markup.get_attr(el.head(self.xml), "PartName") or "").lower() == f"/{part}".lower():
                self.xml = markup.without(self.xml, el)
                self.dirty = True
                return

    def save(self) -> None:
        if self.dirty:
            self.pkg.put(self.NAME, self.xml)
