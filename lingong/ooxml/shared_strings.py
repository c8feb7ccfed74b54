"""sharedStrings.xml: strings appended (the part made when the workbook has none), their
counts kept true."""

from __future__ import annotations

import posixpath

from lingong.ooxml import markup
from lingong.ooxml.content_types import ContentTypes
from lingong.ooxml.namespaces import CT_SST, MAIN_NS, RT_SST
from lingong.ooxml.package import Package
from lingong.ooxml.relationships import Rels


class SharedStrings:
    def __init__(self, pkg: Package, book: str, book_rels: Rels, ctypes: ContentTypes):
        self.pkg = pkg
        found = book_rels.targets(RT_SST)
        if found:
            self.part = found[0][1]
            self.xml = pkg.text(self.part)
        else:
            base = posixpath.dirname(book)
            self.part = posixpath.join(base, "sharedStrings.xml")
            if pkg.has(self.part):
                self.part = pkg.free_name(posixpath.join(base, "sharedStrings{}.xml"))
            self.xml = (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<sst xmlns="{MAIN_NS}" count="0" uniqueCount="0"></sst>'
            )
            book_rels.add(RT_SST, self.part)
            ctypes.override(self.part, CT_SST)
        self.p = markup.root_prefix(self.xml, "sst")
        self.base = markup.count(self.xml, f"{self.p}si")  # an <si> is only ever a child of <sst>
        self.new: list[str] = []
        self.index: dict[str, int] = {}
        self.refs = 0

    def add(self, text: str) -> int:
        """The index of ``text``, added when new; each call is one more reference to it."""
        self.refs += 1
        if text not in self.index:
            self.new.append(f"<{self.p}si>{markup.text_element(text, self.p)}</{self.p}si>")
            self.index[text] = self.base + len(self.new) - 1
        return self.index[text]

    def save(self) -> None:
        if not self.new:
            return
        xml = markup.insert_into(self.xml, f"{self.p}sst", "".join(self.new))
        sst = markup.root(xml)
        tag = sst.head(xml)
        count = markup.get_attr(tag, "count")
        if count is not None:
            tag = markup.set_attr(tag, "count", str((int(count) if count.isdigit() else 0) + self.refs))
        if markup.get_attr(tag, "uniqueCount") is not None:
            tag = markup.set_attr(tag, "uniqueCount", str(self.base + len(self.new)))
        self.pkg.put(self.part, markup.with_head(xml, sst, tag))
