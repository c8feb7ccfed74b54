"""The .xlsx scanner: sheet parts, formulas without values, error cells, and the cut of
a sheet past MAX_ROWS x MAX_COLS before calamine builds its dense grid."""

from __future__ import annotations

import re
import zipfile

from lingong.model.cells import col_index
from lingong.ooxml.limits import PROLOG_BYTES
from lingong.ooxml.relationships import rels_name, resolve
from lingong.read.scan_base import (
    MAX_COLS,
    MAX_ROWS,
    Extras,
    WorkbookError,
    elements,
    office_document,
    read_part,
    wanted_sheets,
)


def xlsx_sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip member of its worksheet XML, via workbook.xml and its rels.

    Files made from one template share these three parts byte for byte, so their
    parse is remembered by content (not by name or checksum: equal bytes, equal
    answer)."""
    names = set(zf.namelist())
    root = read_part(zf, "_rels/.rels") if "_rels/.rels" in names else None
    wb_part = _memo(("root", root), lambda: office_document(root))
    rels_part = rels_name(wb_part)
    rels = read_part(zf, rels_part) if rels_part in names else None
    book = read_part(zf, wb_part)
    pairs = _memo((wb_part, rels, book), lambda: _sheet_targets(wb_part, rels, book))
    return {name: part for name, part in pairs if part in names}


_MEMO: dict[tuple, object] = {}
_MEMO_MAX = 256
_MEMO_KEY_BYTES = 64 * 1024  # a template's parts are a few KB; a hostile 50 MB one is not kept


def _memo(key: tuple, compute):
    try:
        return _MEMO[key]
    except KeyError:
        pass
    value = compute()  # a bad part raises here and is never remembered
    if sum(len(k) for k in key if isinstance(k, bytes)) <= _MEMO_KEY_BYTES:
        if len(_MEMO) >= _MEMO_MAX:
            _MEMO.clear()
        _MEMO[key] = value
    return value


def _sheet_targets(wb_part: str, rels: bytes | None, book: bytes) -> tuple[tuple[str, str], ...]:
    targets: dict[str, str] = {}
    if rels is not None:
        for rel in elements(rels, "Relationship"):
            targets[rel.get("Id") or ""] = resolve(wb_part, rel.get("Target") or "")
    return tuple(
        (el.get("name", ""), targets[el.get("id") or ""])
        for el in elements(book, "sheet")
        if targets.get(el.get("id") or "")
    )


_R_PAIR = re.compile(rb' r="([A-Z]{0,3})([0-9]{1,7})"')
_MAYBE_FAR = re.compile(rb' r="(?:[A-Z]{2}|[A-Z]?[0-9]{4})')
_R_PAIR_SQ = re.compile(rb" r='([A-Z]{0,3})([0-9]{1,7})'")


def sheet_extent(data: bytes) -> tuple[int, int]:
    """An upper bound (row, column), 1-based, of the rows and cells a worksheet
    part declares: exact when a reference past row 999 or column Z exists,
    otherwise (999, 26) from one cheap search, which settles the usual case."""
    if not _MAYBE_FAR.search(data) and b" r='" not in data:
        return 999, 26
    pairs = set(_R_PAIR.findall(data))
    if b" r='" in data:
        pairs.update(_R_PAIR_SQ.findall(data))
    max_row = max(map(int, {r for _, r in pairs}), default=0)
    max_col = max((col_index(c) + 1 for c in {c for c, _ in pairs if c}), default=0)
    return max_row, max_col


def xlsx_extras(zf: zipfile.ZipFile, wanted) -> tuple[dict[str, Extras], dict[str, bytes]]:
    extras: dict[str, Extras] = {}
    patched: dict[str, bytes] = {}
    for name, part, data in wanted_sheets(zf, xlsx_sheet_parts(zf), wanted):
        ex = Extras()
        max_row, max_col = sheet_extent(data)
        if max_row > MAX_ROWS or max_col > MAX_COLS:
            ex.truncated = True
            data = trim_sheet_xml(data, MAX_ROWS, MAX_COLS)
            patched[part] = data
        if data.find(b"<!", 0, PROLOG_BYTES) >= 0 and b"<!DOCTYPE" in data[:PROLOG_BYTES].upper():
            raise WorkbookError("F006", "工作表含 DOCTYPE")
        if _may_hold_formula_or_error(data):
            _scan_cells(data, ex)
        extras[name] = ex
    return extras, patched


_ROW_EL = re.compile(rb"<(?P<p>(?:\w+:)?)row\b(?P<a>[^>]*?)(?:/>|>.*?</(?P=p)row\s*>)", re.S)
_CELL_EL = re.compile(rb"<(?P<p>(?:\w+:)?)c\b(?P<a>[^>]*?)(?:/>|>.*?</(?P=p)c\s*>)", re.S)
_R_ATTR = re.compile(rb"\br\s*=\s*[\"']([A-Z]{0,3})([0-9]{1,7})[\"']")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*/>")


def trim_sheet_xml(data: bytes, max_rows: int, max_cols: int) -> bytes:
    """Drop rows past ``max_rows`` and cells past ``max_cols`` from a worksheet part."""

    def row_sub(m):
        r = _R_ATTR.search(m.group("a"))
        if r and int(r.group(2)) > max_rows:
            return b""
        return _CELL_EL.sub(cell_sub, m.group(0))

    def cell_sub(m):
        r = _R_ATTR.search(m.group("a"))
        if r and r.group(1) and (col_index(r.group(1)) >= max_cols or int(r.group(2)) > max_rows):
            return b""
        return m.group(0)

    data = _DIMENSION.sub(b"", data)
    return _ROW_EL.sub(row_sub, data)


_PROBES = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/", b't="e"', b"t='e'")
_CELL_START = re.compile(rb"<(?P<p>(?:\w+:)?)c\b(?P<a>[^>]*?)(?P<empty>/?)>")
_T_ATTR = re.compile(rb"\bt\s*=\s*[\"'](\w+)[\"']")
_V_EL = re.compile(rb"<(?:\w+:)?v\s*(?:/>|>(.*?)</(?:\w+:)?v\s*>)", re.S)
_F_EL = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _may_hold_formula_or_error(data: bytes) -> bool:
    """Cheap test before _scan_cells, over the cell data only: every sheet of our
    template carries data validations after ``sheetData``, whose ``<formula1>``
    would pass a bare ``<f`` test. Searched with bounds, nothing is copied."""
    lo, hi = data.find(b"sheetData"), data.rfind(b"sheetData")
    if lo < 0 or hi <= lo:
        lo, hi = 0, len(data)
    # One byte first: a formula tag needs an "f", and cell data (upper-case references,
    # numbers, shared-string indices) seldom has one.
    if data.find(b"f", lo, hi) < 0 and data.find(b't="e"', lo, hi) < 0 and data.find(b"t='e'", lo, hi) < 0:
        return False
    return any(data.find(p, lo, hi) >= 0 for p in _PROBES)


def _scan_cells(data: bytes, ex: Extras) -> None:
    """Formulas with no cached value, and error cells, found without parsing the
    whole sheet: only the cells around a ``<f`` or ``t="e"`` are looked at.

    Cells are located by their ``r`` reference; Excel, WPS, LibreOffice and every
    library we know write it (it is optional in the standard; a cell without
    one is skipped here and read as calamine gives it)."""
    seen: set[int] = set()
    hits = []
    for probe in _PROBES:
        i = data.find(probe)
        while i >= 0:
            hits.append(i + (1 if probe[0] == 58 else 0))  # ":f" -> point at the "f" tag's prefix end
            i = data.find(probe, i + 1)
    for pos in sorted(hits):
        m = _cell_start_before(data, pos + 1)
        if m is None or m.start() in seen:
            continue
        seen.add(m.start())
        ref = _R_ATTR.search(m.group("a"))
        if not ref or not ref.group(1):
            continue
        cell = (int(ref.group(2)) - 1, col_index(ref.group(1)))
        t = _T_ATTR.search(m.group("a"))
        t = t.group(1).decode("ascii") if t else None
        if m.group("empty"):
            continue
        close = b"</" + m.group("p") + b"c>"
        end = data.find(close, m.end())
        if end < 0:
            continue
        body = data[m.end() : end]
        v = _V_EL.search(body)
        vtext = None if v is None else _unescape((v.group(1) or b"").decode("utf-8", "replace"))
        if t == "e":
            ex.errors[cell] = (vtext or "").strip()
        elif _F_EL.search(body) and (vtext is None or (vtext == "" and t not in ("str", "inlineStr"))):
            ex.uncached.add(cell)


def _cell_start_before(data: bytes, pos: int):
    """The ``<c ...>`` tag that encloses ``pos`` (a formula is the cell's first child)."""
    i = pos
    for _ in range(8):
        i = data.rfind(b"<", 0, i)
        if i < 0 or data.startswith(b"</", i):
            return None
        m = _CELL_START.match(data, i)
        if m:
            return m
    return None


def _unescape(s: str) -> str:
    if "&" not in s:
        return s
    import html

    return html.unescape(s)


_SHEET_EL = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?/>")
_REL_ID = re.compile(rb"\b\w+:id\s*=\s*[\"']([^\"']*)[\"']")
_OPENABLE = ("/worksheet", "/chartsheet", "/dialogsheet")


def unopenable_sheets_removed(zf: zipfile.ZipFile) -> dict[str, bytes]:
    """{workbook part: its XML without the sheets calamine cannot open}, or {} when all can be.

    calamine refuses a whole workbook for one sheet it does not know: an Excel 4.0
    macro sheet ("Unrecognized sheet type"), a sheet entry without a relationship id.
    Those sheets are never ours to read; without their entries calamine reads the rest
    (the return copy is made from the original file, with every sheet)."""
    names = set(zf.namelist())
    root = read_part(zf, "_rels/.rels") if "_rels/.rels" in names else None
    wb_part = _memo(("root", root), lambda: office_document(root))
    if wb_part not in names:
        return {}
    rels_part = rels_name(wb_part)
    rels = read_part(zf, rels_part) if rels_part in names else None
    book = read_part(zf, wb_part)
    cleaned = _memo(("openable", rels, book), lambda: _without_unopenable(rels, book))
    return {wb_part: cleaned} if cleaned is not None else {}


def _without_unopenable(rels: bytes | None, book: bytes) -> bytes | None:
    types = {r.get("Id") or "": r.get("Type") or "" for r in elements(rels, "Relationship")} if rels else {}

    def keep(m: re.Match) -> bytes:
        rid = _REL_ID.search(m.group(0))
        ok = rid is not None and types.get(rid.group(1).decode("utf-8", "replace"), "").endswith(_OPENABLE)
        return m.group(0) if ok else b""

    out, n = _SHEET_EL.subn(keep, book)
    return out if out != book and n and _SHEET_EL.search(out) else None
