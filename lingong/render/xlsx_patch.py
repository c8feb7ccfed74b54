"""Patch a station's .xlsx/.xlsm package in place of rebuilding it (issue 15).

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

Each part is edited by lingong.ooxml, one module a part: checked first with the hardened
parser the reader uses (no DOCTYPE, no entities), then edited as text where a tokenizer of
the checked text locates the elements, so that prefixes, namespaces and ``mc:Ignorable``
lists stay as the station's program wrote them. Here are the marks and the list sheet, and
the order of the edits, whose ids depend on each other. Anything the package does not
understand raises ``Unpatchable`` and the caller falls back to the old openpyxl copy.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from lingong.model.cells import col_letter, split_address
from lingong.ooxml import markup, worksheet
from lingong.ooxml.comments import SheetNotes
from lingong.ooxml.content_types import ContentTypes
from lingong.ooxml.markup import Unpatchable
from lingong.ooxml.namespaces import (
    CT_WORKSHEET,
    MAIN_NS,
    REL_NS,
    RT_OFFICE_DOCUMENT,
    RT_SHEETS,
    RT_STYLES,
    RT_WORKSHEET,
)
from lingong.ooxml.package import Package, check_xml
from lingong.ooxml.relationships import Rels, rels_name, resolve
from lingong.ooxml.shared_strings import SharedStrings
from lingong.ooxml.styles import Styles
from lingong.ooxml.workbook import BookXml
from lingong.render import print_layout
from lingong.runtime import outfiles

__all__ = ["ListCell", "ListSheet", "Mark", "Unpatchable", "patch"]

# A cheap look at a sheet's bytes before parsing it: clear_tab_selected has work to do there.
_SELECTED = re.compile(rb"""tabSelected\s*=\s*["'](1|true)""")


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


# ---- the whole patch ------------------------------------------------------------------------


def _marked_cells(xml: str, p: str, group: list[Mark]) -> tuple[dict[tuple[int, int], Mark], dict]:
    """The cells the marks of one sheet colour (a mark inside a merged range goes to its first
    cell; the first mark of a cell, the worst, gives its fill) and the notes of each."""
    merged = worksheet.merged_ranges(xml, p)
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
    return cells, texts


def patch(data: bytes, marks: list[Mark], spec: ListSheet) -> tuple[bytes, int]:
    """The package ``data`` with ``marks`` and the list sheet added; and how many cells were marked."""
    pkg = Package(data)
    ctypes = ContentTypes(pkg)
    root_rels = Rels(pkg, "")
    docs = root_rels.targets(RT_OFFICE_DOCUMENT)
    if not docs:
        raise Unpatchable("no officeDocument")
    book = docs[0][1]
    book_rels = Rels(pkg, book)
    wb = BookXml(pkg.text(book))
    sheets = wb.sheets()
    if not sheets or any(s.rid is None for s in sheets):
        raise Unpatchable("sheets without ids")
    styles_found = book_rels.targets(RT_STYLES)
    styles = Styles(pkg, styles_found[0][1] if styles_found else None, outfiles.FONT)

    # A copy that was returned before and sent back: its old list goes.
    old_index = next((i for i, s in enumerate(sheets) if s.name == spec.name), None)
    if old_index is not None:
        old = sheets.pop(old_index)
        rel = book_rels.by_id(old.rid)
        if rel is not None:
            part = resolve(book, rel.get("Target", ""))
            pkg.remove(part)
            pkg.remove(rels_name(part))
            ctypes.drop(part)
            book_rels.drop(old.rid)
        wb.drop(old)

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
    for entry in sheets:
        rel = book_rels.by_id(entry.rid)
        if rel is None or rel.get("Type") not in RT_SHEETS or rel.get("TargetMode") == "External":
            continue
        part = resolve(book, rel.get("Target", ""))
        if not pkg.has(part):
            continue
        # Only worksheets have cells to mark; a chart sheet that was active is deselected too.
        is_worksheet = rel.get("Type") == RT_WORKSHEET
        group = by_sheet.get(entry.name, []) if is_worksheet else []
        if not group and not _SELECTED.search(pkg.read(part)):
            continue  # a sheet neither marked nor selected is not even parsed
        xml = pkg.text(part)
        p = markup.root_prefix(xml, *(("worksheet",) if is_worksheet else ("chartsheet", "dialogsheet")))
        new = worksheet.clear_tab_selected(xml, p)
        cells, texts = _marked_cells(xml, p, group) if group else ({}, {})
        if cells:
            new = worksheet.style_cells(new, p, cells, lambda s, mk: styles.marked(s, mk.fill))
            notes = SheetNotes(pkg, ctypes, part, new, p, spec.author, outfiles.FONT)
            new = notes.add([(r, c, "\n".join(t)) for (r, c), t in texts.items()])
            marked += len(cells)
        if new != xml:
            pkg.put(part, new)

    # The list sheet: a new part, first in the book and the active one.
    sst = SharedStrings(pkg, book, book_rels, ctypes)
    list_part = pkg.free_name(posixpath.join(posixpath.dirname(book), "worksheets", "sheet{}.xml"))
    pkg.put(list_part, list_sheet_xml(spec, styles, sst))
    ctypes.override(list_part, CT_WORKSHEET)
    wb.put_first(spec.name, book_rels.add(RT_WORKSHEET, list_part))
    # Defined names belong to a sheet by its position: shift them, drop the old list's.
    wb.move_local_names(new_index)
    if spec.freeze_row > 1:
        wb.print_titles(spec.name, spec.freeze_row - 1)
    wb.open_on_first()
    pkg.put(book, wb.xml)

    styles.save()
    sst.save()
    book_rels.save()
    ctypes.save()
    for name, part_data in pkg.edited().items():
        if not name.lower().endswith(".vml"):
            check_xml(part_data, name)
    return pkg.save(), marked
