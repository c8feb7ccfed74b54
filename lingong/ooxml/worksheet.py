"""A worksheet part's edits: the style of given cells (the cells and rows added where the
sheet has none), the tab no longer selected, the merged ranges a mark goes to."""

from __future__ import annotations

from lingong.model.cells import col_letter, split_address
from lingong.ooxml import markup
from lingong.ooxml.markup import Element, Unpatchable

# Top-level worksheet children that come after <legacyDrawing> (ECMA-376 CT_Worksheet).
AFTER_LEGACY = {
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


def sheet_data(xml: str, p: str) -> Element:
    el = markup.find(xml, f"{p}sheetData")
    if el is None:
        raise Unpatchable("no sheetData")
    return el


def merged_ranges(xml: str, p: str) -> list[tuple[int, int, int, int]]:
    """(first row, first column, last row, last column) of each merged range."""
    out = []
    for el in markup.child_of(xml, f"{p}mergeCells", f"{p}mergeCell"):
        ref = markup.get_attr(el.head(xml), "ref") or ""
        a, _, b = ref.partition(":")
        ta, tb = split_address(a), split_address(b or a)
        if ta and tb:
            out.append((ta[0], ta[1], tb[0], tb[1]))
    return out


def _reference(el: Element, xml: str, what: str) -> str:
    ref = markup.get_attr(el.head(xml), "r")
    if ref is None:
        raise Unpatchable(f"{what} without r")
    return ref


def style_cells(xml: str, p: str, cells: dict[tuple[int, int], object], style_of) -> str:
    """Set the ``s`` of each (row, col) to ``style_of(old_s, key)``; add missing cells and rows.
    ``style_of`` is called row by row, and within a row in the order of ``cells``."""
    xml, data = markup.opened(xml, sheet_data(xml, p))
    by_row: dict[int, dict[int, object]] = {}
    for (r, c), key in cells.items():
        by_row.setdefault(r, {})[c] = key
    edits: list[tuple[int, int, int, str]] = []  # (start, end, row, text)
    rows_seen = []
    for row in markup.children(xml, data, f"{p}row"):
        r_attr = _reference(row, xml, "row")
        if not r_attr.isdigit():
            raise Unpatchable("row without r")
        rows_seen.append((int(r_attr), row))
    for r, cols in sorted(by_row.items()):
        hit = next((row for rn, row in rows_seen if rn == r), None)
        if hit is None:
            pos = next((row.start for rn, row in rows_seen if rn > r), data.body_end)
            cells_xml = "".join(f'<{p}c r="{col_letter(c - 1)}{r}" s="{style_of(0, cols[c])}"/>' for c in sorted(cols))
            edits.append((pos, pos, r, f'<{p}row r="{r}">{cells_xml}</{p}row>'))
            continue
        edits.append((hit.start, hit.end, r, _styled_row(hit.text(xml), p, r, cols, style_of)))
    return _applied(xml, edits)


def _applied(xml: str, edits: list[tuple[int, int, int, str]]) -> str:
    """``xml`` with each (start, end, order, text) edit made. From the last to the first, so that
    no edit moves another's place; of two insertions at one place the one later in ``order``
    (a row's number, a cell's column) goes in first, ending up after the other."""
    for a, b, _order, text in sorted(edits, key=lambda t: t[:3], reverse=True):
        xml = xml[:a] + text + xml[b:]
    return xml


def _styled_row(row: str, p: str, r: int, cols: dict[int, object], style_of) -> str:
    """The text of row ``r`` with the cells ``cols`` styled (added where missing)."""
    row, el = markup.opened(row, markup.root(row))
    found: dict[int, Element] = {}
    positions = []
    for cell in markup.children(row, el, f"{p}c"):
        rc = split_address(markup.get_attr(cell.head(row), "r") or "")
        if rc is None:
            raise Unpatchable("cell without r")
        found[rc[1]] = cell
        positions.append((rc[1], cell.start))
    row_edits = []
    for c, key in cols.items():
        if c in found:
            cell = found[c]
            old = markup.get_attr(cell.head(row), "s")
            new_s = style_of(int(old) if old and old.isdigit() else 0, key)
            row_edits.append((cell.start, cell.head_end, c, markup.set_attr(cell.head(row), "s", str(new_s))))
        else:
            pos = next((st for cc, st in positions if cc > c), el.body_end)
            row_edits.append((pos, pos, c, f'<{p}c r="{col_letter(c - 1)}{r}" s="{style_of(0, key)}"/>'))
    grown = any(a == b for a, b, _c, _t in row_edits)
    row = _applied(row, row_edits)
    if grown:  # "spans" is a hint of the row's first and last column; a new cell may fall outside it
        row = markup.set_attr(row[: el.head_end], "spans", None) + row[el.head_end :]
    return row


def clear_tab_selected(xml: str, p: str) -> str:
    """The sheet no longer selected: each of its views without ``tabSelected``."""
    for view in reversed(markup.child_of(xml, f"{p}sheetViews", f"{p}sheetView")):
        xml = markup.with_head(xml, view, markup.set_attr(view.head(xml), "tabSelected", None))
    return xml
