"""Patch a station's .xlsx/.xlsm package in place of rebuilding it (issue 15).

Over 300 lines because every part a mark touches (styles, cells, comments, VML, the list sheet, its
print titles) is edited here as text, and the edits depend on each other's ids; split, the id bookkeeping
would cross modules.

A return copy must be the station's own workbook with marks added, nothing lost.
openpyxl rewrites every part and drops what it does not model (images, charts,
text boxes, VBA, custom XML, extension lists, threaded comments), so the marks
are added to the package directly:

- fills and cell formats appended to ``styles.xml`` (existing style ids untouched);
- the ``s`` attribute of each marked cell (the cell is added when the sheet has none);
- a comments part and its legacy VML drawing per marked sheet (what Excel and WPS
  show as notes), merged into the sheet's own comments and drawing when it has them;
- the list sheet placed first and made active, its text appended to ``sharedStrings.xml``;
- the entries in ``[Content_Types].xml``, ``workbook.xml`` and the rels parts.

What that forces changes too, and nothing else: ``localSheetId`` of defined names
shifted, ``activeTab`` moved to the new sheet and the ``tabSelected`` of the sheet
that was active cleared (else the sheets open grouped). Every other part is copied
byte for byte (entry names written with "\\" are read as "/", as calamine does).

Each part that is changed is first checked with the same hardened expat parser
the reader uses (no DOCTYPE, no entities); the edits themselves are made on the
text, so that prefixes, namespaces and ``mc:Ignorable`` lists stay as the station's
program wrote them. Anything this module does not understand raises
``Unpatchable`` and the caller falls back to the old openpyxl copy.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from lingong.model.cells import col_letter, split_address
from lingong.render import print_layout
from lingong.render.xlsx_package import (
    CT_COMMENTS,
    CT_SST,
    CT_VML,
    CT_WORKSHEET,
    MAIN_NS,
    REL_NS,
    RT_COMMENTS,
    RT_SHEETS,
    RT_SST,
    RT_STYLES,
    RT_VML,
    RT_WORKSHEET,
    VML_NS,
    ContentTypes,
    Package,
    Rels,
    Unpatchable,
    _block,
    _children,
    _count_children,
    _get_attr,
    _insert_into,
    _ns_prefix,
    _recount,
    _rels_name,
    _resolve,
    _root_prefix,
    _set_attr,
    _t,
    _top_level,
    _unescape,
    check_xml,
    esc,
    esc_attr,
)
from lingong.runtime import outfiles

__all__ = ["ListCell", "ListSheet", "Mark", "Unpatchable", "patch"]

# Top-level worksheet children that come after <legacyDrawing> (ECMA-376 CT_Worksheet).
_AFTER_LEGACY = {
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
    "AlternateContent",
}


@dataclass
class Mark:
    sheet: str
    address: str  # A1 style, as the issue names it
    fill: str  # RRGGBB
    text: str  # the note, already masked


@dataclass
class ListCell:
    text: str
    style: str = "body"  # title | plain | header | body | a fill colour RRGGBB (body with that fill)


@dataclass
class ListSheet:
    name: str
    rows: list[tuple[int, list[ListCell], float | None]]  # (row number, cells from column A, height)
    widths: list[float]
    freeze_row: int  # rows above it stay in view
    header_fill: str = "D9E1F2"
    author: str = "零工驿站考核工具"
    title: str = ""  # printed in the page header


# ---- styles -----------------------------------------------------------------------------


class Styles:
    """Fills, fonts and cell formats appended to styles.xml; existing ids untouched."""

    def __init__(self, pkg: Package, part: str | None):
        self.pkg = pkg
        if part is None:
            raise Unpatchable("no styles part")
        self.part = part
        self.xml = pkg.text(part)
        self.p = _root_prefix(self.xml, "styleSheet")
        for need in ("fonts", "fills", "cellXfs"):
            if _block(self.xml, self.p, need) is None:
                raise Unpatchable(f"styles without <{need}>")
        self.xfs = _children(self.xml, self.p, "cellXfs", "xf")
        self.n_fonts = _count_children(self.xml, self.p, "fonts", "font")
        self.n_fills = _count_children(self.xml, self.p, "fills", "fill")
        self.new_fonts: list[str] = []
        self.new_fills: list[str] = []
        self.new_xfs: list[str] = []
        self._fill_ids: dict[str, int] = {}
        self._font_ids: dict[tuple, int] = {}
        self._xf_ids: dict[tuple, int] = {}

    def fill(self, rgb: str) -> int:
        if rgb not in self._fill_ids:
            p = self.p
            self.new_fills.append(
                f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="FF{rgb}"/>'
                f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>'
            )
            self._fill_ids[rgb] = self.n_fills + len(self.new_fills) - 1
        return self._fill_ids[rgb]

    def font(self, size: float, bold: bool) -> int:
        key = (size, bold)
        if key not in self._font_ids:
            p = self.p
            self.new_fonts.append(
                f'<{p}font>{f"<{p}b/>" if bold else ""}<{p}sz val="{size:g}"/>'
                f'<{p}name val="{outfiles.FONT}"/><{p}family val="3"/><{p}charset val="134"/></{p}font>'
            )
            self._font_ids[key] = self.n_fonts + len(self.new_fonts) - 1
        return self._font_ids[key]

    def _xf(self, key: tuple, text: str) -> int:
        if key not in self._xf_ids:
            self.new_xfs.append(text)
            self._xf_ids[key] = len(self.xfs) + len(self.new_xfs) - 1
        return self._xf_ids[key]

    def marked(self, s: int, rgb: str) -> int:
        """The station's cell format ``s`` with its fill replaced by ``rgb``."""
        if not 0 <= s < len(self.xfs):
            s = 0
        if not self.xfs:
            raise Unpatchable("no cell formats")
        fill = self.fill(rgb)
        xf = self.xfs[s]
        head_end = xf.index(">") + 1
        head = xf[:head_end]
        head = _set_attr(head, "fillId", str(fill))
        head = _set_attr(head, "applyFill", "1")
        return self._xf(("mark", s, rgb), head + xf[head_end:])

    def list_xf(self, size: float, bold: bool, rgb: str | None, wrap: bool) -> int:
        p = self.p
        font = self.font(size, bold)
        fill = self.fill(rgb) if rgb else 0
        align = f'<{p}alignment vertical="top" wrapText="1"/>' if wrap else ""
        apply_fill = ' applyFill="1"' if rgb else ""
        apply_align = ' applyAlignment="1"' if wrap else ""
        text = (
            f'<{p}xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="0" xfId="0" applyFont="1"'
            f"{apply_fill}{apply_align}" + (f">{align}</{p}xf>" if align else "/>")
        )
        return self._xf(("list", size, bold, rgb, wrap), text)

    def save(self) -> None:
        if not (self.new_fonts or self.new_fills or self.new_xfs):
            return
        xml = self.xml
        for local, new, child in (
            ("fonts", self.new_fonts, "font"),
            ("fills", self.new_fills, "fill"),
            ("cellXfs", self.new_xfs, "xf"),
        ):
            if new:
                xml = _insert_into(xml, self.p, local, "".join(new))
                xml = _recount(xml, self.p, local, child)
        self.pkg.put(self.part, xml)


# ---- shared strings -----------------------------------------------------------------------


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
        self.p = _root_prefix(self.xml, "sst")
        self.base = len(re.findall(rf"<{re.escape(self.p)}si[\s>/]", self.xml))
        self.new: list[str] = []
        self.index: dict[str, int] = {}
        self.refs = 0

    def add(self, text: str) -> int:
        self.refs += 1
        if text not in self.index:
            self.new.append(f"<{self.p}si>{_t(text, self.p)}</{self.p}si>")
            self.index[text] = self.base + len(self.new) - 1
        return self.index[text]

    def save(self) -> None:
        if not self.new:
            return
        xml = _insert_into(self.xml, self.p, "sst", "".join(self.new))
        m = re.search(rf"<{re.escape(self.p)}sst\b[^>]*>", xml)
        tag = m.group(0)
        count = _get_attr(tag, "count")
        if count is not None:
            tag = _set_attr(tag, "count", str((int(count) if count.isdigit() else 0) + self.refs))
        if _get_attr(tag, "uniqueCount") is not None:
            tag = _set_attr(tag, "uniqueCount", str(self.base + len(self.new)))
        self.pkg.put(self.part, xml[: m.start()] + tag + xml[m.end() :])


# ---- the worksheet edits ------------------------------------------------------------------


def _sheet_data(xml: str, p: str) -> tuple[int, int, int]:
    """(start of <sheetData>, end of its start tag, end of </sheetData>) or the empty form."""
    m = re.search(rf"<{re.escape(p)}sheetData\b[^>]*?(/?)>", xml)
    if m is None:
        raise Unpatchable("no sheetData")
    if m.group(1):
        return m.start(), m.end(), m.end()
    close = xml.find(f"</{p}sheetData>", m.end())
    if close < 0:
        raise Unpatchable("no </sheetData>")
    return m.start(), m.end(), close + len(f"</{p}sheetData>")


def _merged_top_left(xml: str, p: str) -> list[tuple[int, int, int, int]]:
    out = []
    for m in re.finditer(rf"<{re.escape(p)}mergeCell\b[^>]*>", xml):
        ref = _get_attr(m.group(0), "ref") or ""
        a, _, b = ref.partition(":")
        ta, tb = split_address(a), split_address(b or a)
        if ta and tb:
            out.append((ta[0], ta[1], tb[0], tb[1]))
    return out


def style_cells(xml: str, p: str, cells: dict[tuple[int, int], object], style_of) -> str:
    """Set the ``s`` of each (row, col) to ``style_of(old_s, key)``; add missing cells and rows."""
    ds, body_start, de = _sheet_data(xml, p)
    pp = re.escape(p)
    if body_start == de:  # <sheetData/>
        open_tag = xml[ds:body_start][:-2].rstrip() + ">"
        xml = xml[:ds] + open_tag + f"</{p}sheetData>" + xml[de:]
        ds, body_start, de = _sheet_data(xml, p)
    body_end = de - len(f"</{p}sheetData>")
    by_row: dict[int, dict[int, object]] = {}
    for (r, c), key in cells.items():
        by_row.setdefault(r, {})[c] = key
    row_re = re.compile(rf"<{pp}row\b[^>]*?(?:/>|>.*?</{pp}row>)", re.S)
    cell_re = re.compile(rf"<{pp}c\b[^>]*?(?:/>|>.*?</{pp}c>)", re.S)
    edits: list[tuple[int, int, str]] = []
    rows_seen = []
    for m in row_re.finditer(xml, body_start, body_end):
        head = m.group(0)[: m.group(0).index(">") + 1]
        r_attr = _get_attr(head, "r")
        if r_attr is None or not r_attr.isdigit():
            raise Unpatchable("row without r")
        rows_seen.append((int(r_attr), m.start(), m.end()))
    for r, cols in sorted(by_row.items()):
        hit = next(((s, e) for rn, s, e in rows_seen if rn == r), None)
        if hit is None:
            pos = next((s for rn, s, _e in rows_seen if rn > r), body_end)
            cells_xml = "".join(f'<{p}c r="{col_letter(c - 1)}{r}" s="{style_of(0, cols[c])}"/>' for c in sorted(cols))
            edits.append((pos, pos, f'<{p}row r="{r}">{cells_xml}</{p}row>'))
            continue
        s, e = hit
        row = xml[s:e]
        if row.endswith("/>") and not row.endswith(f"</{p}row>"):
            row = row[:-2].rstrip() + f"></{p}row>"
        head_end = row.index(">") + 1
        close = row.rfind(f"</{p}row>")
        found: dict[int, tuple[int, int]] = {}
        positions = []
        for cm in cell_re.finditer(row, head_end, close):
            ctag = cm.group(0)[: cm.group(0).index(">") + 1]
            ref = _get_attr(ctag, "r")
            rc = split_address(ref or "")
            if rc is None:
                raise Unpatchable("cell without r")
            found[rc[1]] = (cm.start(), cm.end())
            positions.append((rc[1], cm.start()))
        row_edits = []
        for c, key in cols.items():
            if c in found:
                cs, _ce = found[c]
                ctag = row[cs : row.index(">", cs) + 1]
                old = _get_attr(ctag, "s")
                new_s = style_of(int(old) if old and old.isdigit() else 0, key)
                row_edits.append((cs, cs + len(ctag), _set_attr(ctag, "s", str(new_s))))
            else:
                pos = next((st for cc, st in positions if cc > c), close)
                row_edits.append((pos, pos, f'<{p}c r="{col_letter(c - 1)}{r}" s="{style_of(0, key)}"/>'))
        grown = any(a == b for a, b, _t in row_edits)
        for a, b, text in sorted(row_edits, key=lambda t: (t[0], t[1]), reverse=True):
            row = row[:a] + text + row[b:]
        if grown:  # "spans" is a hint of the row's first and last column; a new cell may fall outside it
            row = _set_attr(row[: row.index(">") + 1], "spans", None) + row[row.index(">") + 1 :]
        edits.append((s, e, row))
    for a, b, text in sorted(edits, key=lambda t: (t[0], t[1]), reverse=True):
        xml = xml[:a] + text + xml[b:]
    return xml


def clear_tab_selected(xml: str, p: str) -> str:
    def fix(m):
        return _set_attr(m.group(0), "tabSelected", None)

    return re.sub(rf"<{re.escape(p)}sheetView\b[^>]*>", fix, xml)


def _comment_xml(p: str, ref: str, author_id: int, text: str) -> str:
    return (
        f'<{p}comment ref="{ref}" authorId="{author_id}"><{p}text><{p}r><{p}rPr><{p}sz val="9"/>'
        f'<{p}rFont val="{outfiles.FONT}"/><{p}family val="3"/><{p}charset val="134"/></{p}rPr>'
        f"{_t(text, p)}</{p}r></{p}text></{p}comment>"
    )


def _vml_shape(shape_id: int, row0: int, col0: int, text: str) -> str:
    lines = text.count("\n") + 1 + len(text) // 28
    rows = max(3, min(24, lines + 1))
    return (
        f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;'
        f"margin-left:59.25pt;margin-top:1.5pt;width:210pt;height:{min(400, 20 + 15 * lines)}pt;z-index:{shape_id % 1024};"
        'visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
        '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
        '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
        '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
        f"<x:Anchor>{col0 + 1}, 15, {max(0, row0 - 1)}, 10, {col0 + 4}, 15, {max(0, row0 - 1) + rows}, 4</x:Anchor>"
        f"<x:AutoFill>False</x:AutoFill><x:Row>{row0}</x:Row><x:Column>{col0}</x:Column></x:ClientData></v:shape>"
    )


_SHAPETYPE = (
    '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
    '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)


_VML_DECL = "".join(f' xmlns:{k}="{uri}"' for k, uri in VML_NS.items())


def _vml_blocks(pkg: Package) -> set[int]:
    used: set[int] = set()
    for name in list(pkg.names) + list(pkg.added):
        if name.lower().endswith(".vml") and name not in pkg.removed:
            try:
                text = pkg.read(name).decode("utf-8", "replace")
            except Unpatchable:
                continue
            for m in re.finditer(r'<o:idmap\b[^>]*\bdata\s*=\s*"([^"]*)"', text):
                used.update(int(x) for x in re.findall(r"\d+", m.group(1)))
    return used


class SheetNotes:
    """The notes of one worksheet: its comments part and VML drawing, made or merged into."""

    def __init__(self, pkg: Package, ctypes: ContentTypes, sheet_part: str, sheet_xml: str, p: str, author: str):
        self.pkg, self.ctypes, self.sheet_part, self.p, self.author = pkg, ctypes, sheet_part, p, author
        self.rels = Rels(pkg, sheet_part)
        self.sheet_xml = sheet_xml
        comments = self.rels.targets(RT_COMMENTS)
        self.comments_part = comments[0][1] if comments else None
        self.vml_part = None
        self.legacy_rid = None
        ds, _bs, de = _sheet_data(sheet_xml, p)
        root_close = sheet_xml.rfind(f"</{p}worksheet>")
        if root_close < 0:
            raise Unpatchable("no </worksheet>")
        root_open = re.search(rf"<{re.escape(p)}worksheet\b[^>]*>", sheet_xml).end()
        self.insert_at = root_close
        self.legacy_tag = None
        tops = list(_top_level(sheet_xml, root_open, ds)) + list(_top_level(sheet_xml, de, root_close))
        for name, s, _e, tag in tops:
            if s < ds:
                continue
            if name == "legacyDrawing":
                self.legacy_tag = tag
                rid = next(
                    (v for k, v in re.findall(r"""\s([\w:]*id)\s*=\s*["']([^"']*)["']""", tag) if k.endswith(":id")),
                    None,
                )
                rel = self.rels.by_id(rid or "")
                if rel is None or rel.get("TargetMode") == "External":
                    raise Unpatchable("legacyDrawing without its part")
                self.vml_part = _resolve(sheet_part, rel.get("Target", ""))
                self.legacy_rid = rid
            elif name in _AFTER_LEGACY and self.insert_at == root_close:
                self.insert_at = s

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
        cp = _root_prefix(xml, "comments")
        authors = _children(xml, cp, "authors", "author")
        author_id = next((i for i, a in enumerate(authors) if re.sub(r"<[^>]*>", "", a) == esc(self.author)), None)
        if author_id is None:
            xml = _insert_into(xml, cp, "authors", f"<{cp}author>{esc(self.author)}</{cp}author>")
            author_id = len(authors)
        existing = {}
        for m in re.finditer(rf"<{re.escape(cp)}comment\b[^>]*?(?:/>|>.*?</{re.escape(cp)}comment>)", xml, re.S):
            rc = split_address(_get_attr(m.group(0)[: m.group(0).index(">") + 1], "ref") or "")
            if rc:
                existing[rc] = (m.start(), m.end())
        new_comments, new_shapes, merged = [], [], []
        for r, c, text in sorted(notes):
            if (r, c) in existing:
                merged.append(((r, c), text))
            else:
                new_comments.append(_comment_xml(cp, f"{col_letter(c - 1)}{r}", author_id, text))
                new_shapes.append((r - 1, c - 1, text))
        # The station's own note on a marked cell stays; ours follows it as another run.
        for rc, text in sorted(merged, key=lambda t: existing[t[0]][0], reverse=True):
            s, e = existing[rc]
            block = xml[s:e]
            cl = re.escape(cp)
            tm = re.search(rf"<{cl}text\b[^>]*>", block)
            close = block.rfind(f"</{cp}text>")
            if tm is None or close < 0:
                continue
            inner = block[tm.end() : close]
            if re.match(rf"\s*<{cl}t[\s>]", inner):  # a plain <t>: make it a run, runs cannot follow it otherwise
                tend = inner.find(f"</{cp}t>") + len(f"</{cp}t>")
                inner = f"<{cp}r>{inner[:tend]}</{cp}r>" + inner[tend:]
            run = (
                f'<{cp}r><{cp}rPr><{cp}sz val="9"/><{cp}rFont val="{outfiles.FONT}"/><{cp}family val="3"/>'
                f'<{cp}charset val="134"/></{cp}rPr>{_t(chr(10) + text, cp)}</{cp}r>'
            )
            # runs come before any phonetic runs (rPh) and properties
            ph = re.search(rf"<{cl}(rPh|phoneticPr)\b", inner)
            inner = inner[: ph.start()] + run + inner[ph.start() :] if ph else inner + run
            block = block[: tm.end()] + inner + block[close:]
            xml = xml[:s] + block + xml[e:]
        if new_comments:
            xml = _insert_into(xml, cp, "commentList", "".join(new_comments))
        self.pkg.put(self.comments_part, xml)
        sheet_xml = self.sheet_xml
        if new_shapes:
            sheet_xml = self._shapes(new_shapes)
        self.rels.save()
        return sheet_xml

    def _shapes(self, shapes: list[tuple[int, int, str]]) -> str:
        sheet_xml = self.sheet_xml
        if self.vml_part:
            vml = self.pkg.read(self.vml_part).decode("utf-8", "replace")
            # Excel's VML is not always well-formed XML, so it is edited as text. Our shapes
            # use v:, o:, x:; where the drawing binds them otherwise (openpyxl writes ns0:
            # on each element) they are declared on each shape, as openpyxl does.
            local = (
                ""
                if all(
                    re.search(rf'xmlns:{k}\s*=\s*"{re.escape(uri)}"', vml[: vml.find(">", vml.find("<xml")) + 1])
                    for k, uri in VML_NS.items()
                )
                else _VML_DECL
            )
            if "<xml" not in vml:
                raise Unpatchable("VML drawing without <xml>")
            ids = [int(x) for x in re.findall(r"_x0000_s(\d+)", vml)]
            blocks = [
                int(x)
                for m in re.finditer(r'<o:idmap\b[^>]*\bdata\s*=\s*"([^"]*)"', vml)
                for x in re.findall(r"\d+", m.group(1))
            ]
            start = max(ids + [max(blocks or [1]) * 1024]) + 1
            add = "" if 'id="_x0000_t202"' in vml else _SHAPETYPE.replace("<v:shapetype", "<v:shapetype" + local, 1)
            add += "".join(
                _vml_shape(start + i, r, c, t).replace("<v:shape", "<v:shape" + local, 1)
                for i, (r, c, t) in enumerate(shapes)
            )
            close = vml.rfind("</xml>")
            if close < 0:
                raise Unpatchable("VML without </xml>")
            self.pkg.put(self.vml_part, vml[:close] + add + vml[close:])
            return sheet_xml
        used = _vml_blocks(self.pkg)
        n_blocks = -(-len(shapes) // 1023)
        first = 1
        while any(b in used for b in range(first, first + n_blocks)):
            first += 1
        data = ",".join(str(b) for b in range(first, first + n_blocks))
        body = "".join(_vml_shape(first * 1024 + 1 + i, r, c, t) for i, (r, c, t) in enumerate(shapes))
        vml = (
            f'<xml xmlns:v="{VML_NS["v"]}" xmlns:o="{VML_NS["o"]}" xmlns:x="{VML_NS["x"]}">'
            f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{data}"/></o:shapelayout>'
            f"{_SHAPETYPE}{body}</xml>"
        )
        self.vml_part = self.pkg.free_name("xl/drawings/vmlDrawing{}.vml")
        self.pkg.put(self.vml_part, vml)
        self.ctypes.default("vml", CT_VML)
        rid = self.rels.add(RT_VML, self.vml_part)
        rp = _ns_prefix(sheet_xml, REL_NS)
        attr = f'{rp}:id="{rid}"' if rp else f'xmlns:r="{REL_NS}" r:id="{rid}"'
        tag = f"<{self.p}legacyDrawing {attr}/>"
        return sheet_xml[: self.insert_at] + tag + sheet_xml[self.insert_at :]


# ---- the list sheet -------------------------------------------------------------------------


def list_sheet_xml(spec: ListSheet, styles: Styles, sst: SharedStrings) -> str:
    def style(kind: str) -> int:
        if kind == "title":
            return styles.list_xf(12, True, None, False)
        if kind == "plain":
            return styles.list_xf(10, False, None, False)
        if kind == "header":
            return styles.list_xf(10, True, spec.header_fill, True)
        if kind == "body":
            return styles.list_xf(10, False, None, True)
        return styles.list_xf(10, False, kind, True)

    rows = []
    last_col = max((len(cells) for _, cells, _ in spec.rows), default=1)
    last_row = max((r for r, _, _ in spec.rows), default=1)
    for r, cells, height in spec.rows:
        attrs = f' ht="{height:g}" customHeight="1"' if height else ""
        cs = "".join(
            f'<c r="{col_letter(c - 1)}{r}" s="{style(cell.style)}" t="s"><v>{sst.add(cell.text)}</v></c>'
            for c, cell in enumerate(cells, start=1)
            if cell.text != ""
        )
        rows.append(f'<row r="{r}"{attrs}>{cs}</row>')
    cols = "".join(f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>' for i, w in enumerate(spec.widths, 1))
    top = f"A{spec.freeze_row}"
    pane = (
        (
            f'<pane ySplit="{spec.freeze_row - 1}" topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
        )
        if spec.freeze_row > 1
        else ""
    )
    setup_flag, page_xml = print_layout.sheet_xml(spec.widths, spec.title or spec.name)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheetPr>{setup_flag}</sheetPr>'
        f'<dimension ref="A1:{col_letter(last_col - 1)}{last_row}"/>'
        f'<sheetViews><sheetView tabSelected="1" workbookViewId="0">{pane}</sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="13.5"/><cols>{cols}</cols><sheetData>{"".join(rows)}</sheetData>'
        f"{page_xml}</worksheet>"
    )


def _print_titles(book_xml: str, bp: str, spec: ListSheet) -> str:
    """The list's header row printed on every page: a ``_xlnm.Print_Titles`` name of sheet 0."""
    if spec.freeze_row <= 1:
        return book_xml
    quoted = "'" + spec.name.replace("'", "''") + "'"
    row = spec.freeze_row - 1
    name = (
        f'<{bp}definedName name="_xlnm.Print_Titles" localSheetId="0">'
        f"{esc_attr(quoted)}!${row}:${row}</{bp}definedName>"
    )
    if re.search(rf"<{re.escape(bp)}definedNames\b", book_xml):
        return _insert_into(book_xml, bp, "definedNames", name)
    close = book_xml.find(f"</{bp}sheets>")
    if close < 0:
        raise Unpatchable("no </sheets>")
    at = close + len(f"</{bp}sheets>")
    # definedNames follows sheets (and functionGroups / externalReferences, when present).
    for follower in ("functionGroups", "externalReferences"):
        m = re.search(rf"</{re.escape(bp)}{follower}>|<{re.escape(bp)}{follower}\b[^>]*/>", book_xml[at:])
        if m:
            at += m.end()
    return book_xml[:at] + f"<{bp}definedNames>{name}</{bp}definedNames>" + book_xml[at:]


# ---- the whole patch ------------------------------------------------------------------------


def patch(data: bytes, marks: list[Mark], spec: ListSheet) -> tuple[bytes, int]:
    """The package ``data`` with ``marks`` and the list sheet added; and how many cells were marked."""
    pkg = Package(data)
    ctypes = ContentTypes(pkg)
    root_rels = Rels(pkg, "")
    docs = root_rels.targets(REL_NS + "/officeDocument")
    if not docs:
        raise Unpatchable("no officeDocument")
    book = docs[0][1]
    book_rels = Rels(pkg, book)
    book_xml = pkg.text(book)
    bp = _root_prefix(book_xml, "workbook")
    rp = _ns_prefix(book_xml, REL_NS)
    sheets = []  # (name, rid, start tag span)
    span = _block(book_xml, bp, "sheets")
    if span is None:
        raise Unpatchable("no <sheets>")
    for m in re.finditer(rf"<{re.escape(bp)}sheet\b[^>]*?(?:/>|>\s*</{re.escape(bp)}sheet>)", book_xml[: span[1]]):
        if m.start() < span[0]:
            continue
        tag = m.group(0)
        # r:id, whether its prefix is declared on the root or on the element itself
        rid = next((v for k, v in re.findall(r"""\s([\w.-]+:id)\s*=\s*["']([^"']*)["']""", tag)), None)
        name = _unescape(_get_attr(tag, "name") or "")
        sheets.append((name, rid, m.start(), m.end(), tag))
    if not sheets or any(s[1] is None for s in sheets):
        raise Unpatchable("sheets without ids")
    styles_found = book_rels.targets(RT_STYLES)
    styles = Styles(pkg, styles_found[0][1] if styles_found else None)

    # A copy that was returned before and sent back: its old list goes.
    old_index = next((i for i, s in enumerate(sheets) if s[0] == spec.name), None)
    if old_index is not None:
        name, rid, s0, e0, _tag = sheets[old_index]
        rel = book_rels.by_id(rid)
        if rel is not None:
            part = _resolve(book, rel.get("Target", ""))
            pkg.remove(part)
            pkg.remove(_rels_name(part))
            ctypes.drop(part)
            book_rels.drop(rid)
        book_xml = book_xml[:s0] + book_xml[e0:]
        del sheets[old_index]

    def new_index(old: int) -> int | None:
        if old_index is not None:
            if old == old_index:
                return None
            if old > old_index:
                old -= 1
        return old + 1

    marked = 0
    by_sheet: dict[str, list[Mark]] = {}
    for mk in marks:
        by_sheet.setdefault(mk.sheet, []).append(mk)
    for name, rid, *_ in sheets:
        rel = book_rels.by_id(rid)
        if rel is None or rel.get("Type") not in RT_SHEETS or rel.get("TargetMode") == "External":
            continue
        part = _resolve(book, rel.get("Target", ""))
        if not pkg.has(part):
            continue
        # Only worksheets have cells to mark; a chart sheet that was active is deselected too.
        group = by_sheet.get(name, []) if rel.get("Type") == RT_WORKSHEET else []
        raw = pkg.read(part)
        if not group and not re.search(rb"""tabSelected\s*=\s*["'](1|true)""", raw):
            continue
        xml = pkg.text(part)
        p = _root_prefix(xml, "worksheet" if rel.get("Type") == RT_WORKSHEET else r"(?:chartsheet|dialogsheet)")
        new = clear_tab_selected(xml, p)
        if group:
            merged = _merged_top_left(xml, p)
            cells: dict[tuple[int, int], Mark] = {}
            texts: dict[tuple[int, int], list[str]] = {}
            for mk in group:
                rc = split_address(mk.address)
                if rc is None:
                    continue
                for r1, c1, r2, c2 in merged:
                    if r1 <= rc[0] <= r2 and c1 <= rc[1] <= c2:
                        rc = (r1, c1)
                        break
                cells.setdefault(rc, mk)  # the caller orders marks worst first
                texts.setdefault(rc, []).append(mk.text)
            if cells:
                new = style_cells(new, p, cells, lambda s, mk: styles.marked(s, mk.fill))
                notes = SheetNotes(pkg, ctypes, part, new, p, spec.author)
                new = notes.add([(r, c, "\n".join(t)) for (r, c), t in texts.items()])
                marked += len(cells)
        if new != xml:
            pkg.put(part, new)

    # The list sheet: a new part, first in the book and the active one.
    sst = SharedStrings(pkg, book, book_rels, ctypes)
    list_part = pkg.free_name(posixpath.join(posixpath.dirname(book), "worksheets", "sheet{}.xml"))
    pkg.put(list_part, list_sheet_xml(spec, styles, sst))
    ctypes.override(list_part, CT_WORKSHEET)
    list_rid = book_rels.add(RT_WORKSHEET, list_part)
    ids = [int(x) for x in re.findall(r"""\ssheetId\s*=\s*["'](\d+)["']""", book_xml)]
    rattr = f'{rp}:id="{list_rid}"' if rp else f'xmlns:r="{REL_NS}" r:id="{list_rid}"'
    entry = f'<{bp}sheet name="{esc_attr(spec.name)}" sheetId="{max(ids, default=0) + 1}" {rattr}/>'
    book_xml = _insert_into(book_xml, bp, "sheets", entry, first=True)

    # Defined names belong to a sheet by its position: shift them, drop the old list's.
    def fix_name(m):
        whole = m.group(0)
        head = whole[: whole.index(">") + 1]
        old = _get_attr(head, "localSheetId")
        if old is None or not old.isdigit():
            return whole
        n = new_index(int(old))
        if n is None:
            return ""
        return _set_attr(head, "localSheetId", str(n)) + whole[len(head) :]

    pp = re.escape(bp)
    book_xml = re.sub(rf"<{pp}definedName\b[^>]*?(?:/>|>.*?</{pp}definedName>)", fix_name, book_xml, flags=re.S)
    book_xml = _print_titles(book_xml, bp, spec)

    def fix_view(m):
        tag = _set_attr(m.group(0), "activeTab", "0")
        return _set_attr(tag, "firstSheet", None)

    book_xml = re.sub(rf"<{pp}workbookView\b[^>]*>", fix_view, book_xml)
    pkg.put(book, book_xml)

    styles.save()
    sst.save()
    book_rels.save()
    ctypes.save()
    for name in list(pkg.changed) + list(pkg.added):
        if not name.lower().endswith(".vml"):
            check_xml(pkg.changed.get(name) or pkg.added[name], name)
    return pkg.save(), marked
