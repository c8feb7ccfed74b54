"""How every sheet we lay out prints: A4, the title in the page header, 第 N 页 共 M 页 at the
foot, the table's header rows on every page, and a print scale of at least 85 %.

A sheet too wide for one page at 85 % is not shrunk further: its columns are split into
groups printed one after the other (manual column breaks), each group repeating the
identifying columns (驿站编号、名称…) on its left, and balanced so no page carries an orphan
column. Three writers use this: xlsxwriter sheets (``setup``), openpyxl sheets
(``setup_openpyxl``) and the hand-written 问题清单 XML of a patched 退回 copy (``sheet_xml``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lingong.runtime.outfiles import FONT

MIN_SCALE = 85  # below this 10 pt text prints under 8.5 pt: hard to read on paper
PAPER_A4 = 9  # the spreadsheet paper code
A4_IN = (8.27, 11.69)
MARGIN_SIDE = 0.4
MARGIN_TOP = 0.7  # room for the page header above the table
MARGIN_BOTTOM = 0.7
MARGIN_HEADER = 0.3
# A one-page form (height_pt given) gets the page's full height: its signatures stay on it.
FORM_MARGIN, FORM_HEADER = 0.5, 0.2
FOOTER = f'&C&"{FONT},Regular"&9第 &P 页 共 &N 页'
_PX_PER_IN = 96
# A column's width is counted in digits of the workbook's default font. Excel's digit is 7 px;
# LibreOffice, without Calibri's metric twin, measures our default (10 pt 宋体) at 8.5 px and a
# station's Calibri 11 at about 9.7 px (measured from rendered pages). Planning with the wider digit keeps every column group on
# its page in all of them.
DIGIT_PX = 8.6
STATION_DIGIT_PX = 9.8  # a sheet added to a station's workbook, whose default font we do not set


def column_px(width: float, digit: float = DIGIT_PX) -> float:
    """Pixels of a column ``width`` character units wide (plus the 5 px of cell padding)."""
    return width * 12 if width < 1 else width * digit + 5


def printable_px(landscape: bool) -> float:
    """Printable width of an A4 page at 100 %, in pixels, less 2 % for the rounding of column
    widths to whole pixels and twips, which adds up over many columns."""
    return ((A4_IN[1] if landscape else A4_IN[0]) - 2 * MARGIN_SIDE) * _PX_PER_IN * 0.98


def printable_pt(landscape: bool, top: float = MARGIN_TOP, bottom: float = MARGIN_BOTTOM) -> float:
    """Printable height of an A4 page at 100 %, in points."""
    return ((A4_IN[0] if landscape else A4_IN[1]) - top - bottom) * 72


@dataclass(frozen=True)
class Layout:
    landscape: bool
    scale: int  # percent, MIN_SCALE..100
    breaks: tuple[int, ...] = ()  # first column of every column group after the first
    keep: int = 0  # leading columns repeated on every group's pages


def _groups(px: list[int], keep: int, avail: float, forced: frozenset[int]) -> list[int] | None:
    """Greedy column groups fitting ``avail`` pixels: the first column of each group after the
    first, or None when one column (with the kept ones) is wider than a page."""
    fixed = sum(px[:keep])
    starts, used = [], fixed
    for c in range(keep, len(px)):
        if c in forced and used > fixed:
            starts.append(c)
            used = fixed
        if used + px[c] > avail and used > fixed:
            starts.append(c)
            used = fixed
        if fixed + px[c] > avail:
            return None
        used += px[c]
    return starts


def _balanced(px: list[int], keep: int, avail: float, forced: frozenset[int]) -> list[int]:
    """The same number of groups as at ``avail``, each as narrow as it can be: the last page
    gets its fair share of columns instead of one left over."""
    starts = _groups(px, keep, avail, forced)
    lo, hi = max(px[keep:], default=0) + sum(px[:keep]), avail
    while hi - lo > 1:
        mid = (lo + hi) / 2
        trial = _groups(px, keep, mid, forced)
        if trial is not None and len(trial) == len(starts):
            hi = mid
        else:
            lo = mid
    return _groups(px, keep, hi, forced) or starts


def _one_way(
    px: list[int], landscape: bool, keep: int, forced: frozenset[int], height_pt: float | None
) -> tuple[int, int, list[int]] | None:
    """(groups, scale, breaks) for one orientation, or None when it cannot print at MIN_SCALE."""
    width = printable_px(landscape)
    total = sum(px)
    if not forced and total * MIN_SCALE / 100 <= width:
        scale = min(100, math.floor(width / total * 100)) if total else 100
        if height_pt:  # a one-page form: as large as still fits the page, if that is readable
            fit = math.floor(printable_pt(landscape, FORM_MARGIN, FORM_MARGIN) / height_pt * 100)
            if fit >= MIN_SCALE:
                scale = min(scale, fit)
        return 1, scale, []
    # From 100 % down, the first scale reaching the fewest groups: the largest print with
    # that few pages across; then the groups are balanced at it.
    best = None
    for scale in range(100, MIN_SCALE - 1, -1):
        starts = _groups(px, keep, width * 100 / scale, forced)
        if starts is not None and (best is None or len(starts) < len(best[0])):
            best = (starts, scale)
    if best is None:
        return None
    starts, scale = best
    return len(starts) + 1, scale, _balanced(px, keep, width * 100 / scale, forced)


def plan(
    widths,
    *,
    keep: int = 0,
    breaks=(),
    orientation: str | None = None,
    height_pt: float | None = None,
    digit: float = DIGIT_PX,
) -> Layout:
    """Orientation, scale and column groups for columns of ``widths`` (Excel units).

    ``keep``: identifying leading columns repeated on every column group; ``breaks``: columns
    that must start a group (a chart beside a table); ``orientation``: "portrait" or
    "landscape" to decide it, else the one printing fewer groups at the larger scale
    (portrait on a tie); ``height_pt``: the sheet's height, when it should fit one page if
    that keeps the scale at MIN_SCALE or more."""
    px = [column_px(w, digit) for w in widths]
    forced = frozenset(b for b in breaks if 0 < b < len(px))
    keep = keep if keep < len(px) else 0
    choices = []
    for landscape in (False, True):
        if orientation and orientation != ("landscape" if landscape else "portrait"):
            continue
        kept = keep
        got = _one_way(px, landscape, kept, forced, height_pt)
        if got is None and kept:  # the kept columns leave no room: groups without them
            kept = 0
            got = _one_way(px, landscape, kept, forced, height_pt)
        if got is not None:
            # Fewer groups, then larger print; a split table reads better across a wide page.
            choices.append((got[0], -got[1], landscape != (got[0] > 1), kept, landscape, got))
    if not choices:  # a single column wider than a landscape page: print it at MIN_SCALE
        return Layout(True, MIN_SCALE)
    *_, kept, landscape, (groups, scale, starts) = min(choices)
    return Layout(landscape, scale, tuple(starts), kept if groups > 1 else 0)


def header(title: str) -> str:
    """Page header text: the title (with its period) centred. Excel allows 255 characters."""
    text = title.replace("&", "&&")
    if len(text) > 200:
        text = text[:199] + "…"
    return f'&C&"{FONT},Bold"&10{text}'


def setup(
    ws,
    widths,
    title: str,
    *,
    repeat=None,
    keep: int = 0,
    breaks=(),
    orientation: str | None = None,
    height_pt: float | None = None,
) -> Layout:
    """Page setup of an xlsxwriter worksheet whose columns have ``widths``; ``repeat`` = (first,
    last) header rows printed on every page."""
    lay = plan(widths, keep=keep, breaks=breaks, orientation=orientation, height_pt=height_pt)
    ws.set_paper(PAPER_A4)
    if lay.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    top, head = (FORM_MARGIN, FORM_HEADER) if height_pt else (MARGIN_TOP, MARGIN_HEADER)
    ws.set_margins(left=MARGIN_SIDE, right=MARGIN_SIDE, top=top, bottom=top if height_pt else MARGIN_BOTTOM)
    ws.set_print_scale(lay.scale)
    ws.set_header(header(title), {"margin": head})
    ws.set_footer(FOOTER, {"margin": head})
    if repeat is not None:
        ws.repeat_rows(*repeat)
    if lay.breaks:
        ws.set_v_pagebreaks(list(lay.breaks))
        ws.print_across()  # the column groups of the same rows print one after the other
        if lay.keep:
            ws.repeat_columns(0, lay.keep - 1)
    return lay


def setup_openpyxl(ws, widths, title: str, *, repeat=None, digit: float = STATION_DIGIT_PX) -> Layout:
    """The same page setup for an openpyxl worksheet; ``repeat`` rows are 1-based."""
    from openpyxl.worksheet.pagebreak import Break, ColBreak

    lay = plan(widths, digit=digit)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if lay.landscape else "portrait"
    ws.page_setup.scale = lay.scale
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    m = ws.page_margins
    m.left = m.right = MARGIN_SIDE
    m.top, m.bottom, m.header, m.footer = MARGIN_TOP, MARGIN_BOTTOM, MARGIN_HEADER, MARGIN_HEADER
    ws.oddHeader.center.text = header(title)[2:]
    ws.oddFooter.center.text = FOOTER[2:]
    if repeat is not None:
        ws.print_title_rows = f"{repeat[0]}:{repeat[1]}"
    if lay.breaks:
        ws.page_setup.pageOrder = "overThenDown"
        ws.col_breaks = ColBreak()
        for c in lay.breaks:
            ws.col_breaks.append(Break(id=c))
    return lay


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


ACROSS = ' pageOrder="overThenDown"'


def sheet_xml(widths, title: str, digit: float = STATION_DIGIT_PX) -> tuple[str, str]:
    """For a worksheet written as XML: the sheetPr page setup flag and the elements that
    follow sheetData (margins, setup, header/footer, column breaks), in schema order."""
    lay = plan(widths, digit=digit)
    breaks = ""
    if lay.breaks:
        brk = "".join(f'<brk id="{c}" max="1048575" man="1"/>' for c in lay.breaks)
        breaks = f'<colBreaks count="{len(lay.breaks)}" manualBreakCount="{len(lay.breaks)}">{brk}</colBreaks>'
    tail = (
        f'<pageMargins left="{MARGIN_SIDE}" right="{MARGIN_SIDE}" top="{MARGIN_TOP}" bottom="{MARGIN_BOTTOM}"'
        f' header="{MARGIN_HEADER}" footer="{MARGIN_HEADER}"/>'
        f'<pageSetup paperSize="{PAPER_A4}" scale="{lay.scale}"'
        f"{ACROSS if lay.breaks else ''}"
        f' orientation="{"landscape" if lay.landscape else "portrait"}"/>'
        f"<headerFooter><oddHeader>{_xml_text(header(title))}</oddHeader>"
        f"<oddFooter>{_xml_text(FOOTER)}</oddFooter></headerFooter>{breaks}"
    )
    return '<pageSetUpPr fitToPage="0"/>', tail
