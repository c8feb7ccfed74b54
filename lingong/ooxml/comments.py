"""A worksheet's notes: its comments part and the VML drawing that shows them, made, or
merged into the sheet's own (a note of the station's on a marked cell stays, ours follows)."""

from __future__ import annotations

import re

from lingong.model.cells import col_letter, split_address
from lingong.ooxml import markup, vml
from lingong.ooxml.content_types import ContentTypes
from lingong.ooxml.markup import Element, Unpatchable
from lingong.ooxml.namespaces import CT_COMMENTS, CT_VML, MAIN_NS, REL_NS, RT_COMMENTS, RT_VML
from lingong.ooxml.package import Package
from lingong.ooxml.relationships import Rels, resolve
from lingong.ooxml.worksheet import AFTER_LEGACY


def _run(p: str, text: str, font_name: str) -> str:
    return (
        f'<{p}r><{p}rPr><{p}sz val="9"/><{p}rFont val="{font_name}"/><{p}family val="3"/>'
        f'<{p}charset val="134"/></{p}rPr>{markup.text_element(text, p)}</{p}r>'
    )


def _comment(p: str, ref: str, author_id: int, text: str, font_name: str) -> str:
    return f'<{p}comment ref="{ref}" authorId="{author_id}"><{p}text>{_run(p, text, font_name)}</{p}text></{p}comment>'


class SheetNotes:
    """The notes of one worksheet: its comments part and VML drawing, made or merged into.
    Our notes are signed ``author`` and written in ``font_name``."""

    def __init__(
        self, pkg: Package, ctypes: ContentTypes, sheet_part: str, sheet_xml: str, p: str, author: str, font_name: str
    ):
        self.pkg, self.ctypes, self.sheet_part, self.p, self.author = pkg, ctypes, sheet_part, p, author
        self.font_name = font_name
        self.rels = Rels(pkg, sheet_part)
        self.sheet_xml = sheet_xml
        comments = self.rels.targets(RT_COMMENTS)
        self.comments_part = comments[0][1] if comments else None
        self.vml_part = None
        self.legacy_rid = None
        top = markup.root(sheet_xml)
        self.insert_at = top.body_end  # where a <legacyDrawing> of ours goes
        self.legacy_tag = None
        after_data = False
        for el in markup.children(sheet_xml, top):
            if el.name == f"{p}sheetData":
                after_data = True
            elif not after_data:
                continue
            elif el.local == "legacyDrawing":
                self._own_drawing(el)
            elif el.local in AFTER_LEGACY and self.insert_at == top.body_end:
                self.insert_at = el.start
        if not after_data:
            raise Unpatchable("no sheetData")

    def _own_drawing(self, el: Element) -> None:
        self.legacy_tag = tag = el.head(self.sheet_xml)
        rid = next((v for k, v in markup.attrs(tag).items() if k.endswith(":id")), None)
        rel = self.rels.by_id(rid or "")
        if rel is None or rel.get("TargetMode") == "External":
            raise Unpatchable("legacyDrawing without its part")
        self.vml_part = resolve(self.sheet_part, rel.get("Target", ""))
        self.legacy_rid = rid

    def add(self, notes: list[tuple[int, int, str]]) -> str:
        """Add the notes (row, col, text); returns the sheet XML, changed when it had no drawing."""
        if self.comments_part:
            xml = self.pkg.text(self.comments_part)
        else:
            self.comments_part = self.pkg.free_name("xl/comments{}.xml")
            xml = (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="{MAIN_NS}">'
                "<authors></authors><commentList></commentList></comments>"
            )
            self.rels.add(RT_COMMENTS, self.comments_part)
            self.ctypes.override(self.comments_part, CT_COMMENTS)
        cp = markup.root_prefix(xml, "comments")
        authors = [a.text(xml) for a in markup.child_of(xml, f"{cp}authors", f"{cp}author")]
        esc_author = markup.esc(self.author)
        author_id = next((i for i, a in enumerate(authors) if re.sub(r"<[^>]*>", "", a) == esc_author), None)
        if author_id is None:
            xml = markup.insert_into(xml, f"{cp}authors", f"<{cp}author>{esc_author}</{cp}author>")
            author_id = len(authors)
        existing: dict[tuple[int, int], Element] = {}
        for el in markup.child_of(xml, f"{cp}commentList", f"{cp}comment"):
            rc = split_address(markup.get_attr(el.head(xml), "ref") or "")
            if rc:
                existing[rc] = el
        new_comments, new_shapes, merged = [], [], []
        for r, c, text in sorted(notes):
            if (r, c) in existing:
                merged.append(((r, c), text))
            else:
                new_comments.append(_comment(cp, f"{col_letter(c - 1)}{r}", author_id, text, self.font_name))
                new_shapes.append((r - 1, c - 1, text))
        for rc, text in sorted(merged, key=lambda t: existing[t[0]].start, reverse=True):
            xml = self._merged(xml, cp, existing[rc], text)
        if new_comments:
            xml = markup.insert_into(xml, f"{cp}commentList", "".join(new_comments))
        self.pkg.put(self.comments_part, xml)
        sheet_xml = self.sheet_xml
        if new_shapes:
            sheet_xml = self._shapes(new_shapes)
        self.rels.save()
        return sheet_xml

    def _merged(self, xml: str, cp: str, comment: Element, text: str) -> str:
        """``xml`` with our ``text`` added to the station's own note ``comment`` as one more run."""
        body = markup.children(xml, comment, f"{cp}text")
        if not body:
            return xml
        runs = markup.children(xml, body[0])
        run = _run(cp, "\n" + text, self.font_name)
        # runs come before any phonetic runs (rPh) and properties
        ph = next((el.start for el in runs if el.name in (f"{cp}rPh", f"{cp}phoneticPr")), body[0].body_end)
        xml = xml[:ph] + run + xml[ph:]
        if runs and runs[0].name == f"{cp}t":  # a plain <t>: made a run, runs cannot follow it otherwise
            t = runs[0]
            xml = xml[: body[0].head_end] + f"<{cp}r>" + xml[body[0].head_end : t.end] + f"</{cp}r>" + xml[t.end :]
        return xml

    def _shapes(self, shapes: list[tuple[int, int, str]]) -> str:
        sheet_xml = self.sheet_xml
        if self.vml_part:
            drawing = self.pkg.read(self.vml_part).decode("utf-8", "replace")
            self.pkg.put(self.vml_part, vml.with_shapes(drawing, shapes))
            return sheet_xml
        self.vml_part = self.pkg.free_name("xl/drawings/vmlDrawing{}.vml")
        self.pkg.put(self.vml_part, vml.new_drawing(shapes, vml.blocks_in_use(self.pkg)))
        self.ctypes.default("vml", CT_VML)
        rid = self.rels.add(RT_VML, self.vml_part)
        rp = markup.ns_prefix(sheet_xml, REL_NS)
        attr = f'{rp}:id="{rid}"' if rp else f'xmlns:r="{REL_NS}" r:id="{rid}"'
        tag = f"<{self.p}legacyDrawing {attr}/>"
        return sheet_xml[: self.insert_at] + tag + sheet_xml[self.insert_at :]
