"""The .xlsb scanner: sheet parts, error cells, and the cut of a sheet past
MAX_ROWS x MAX_COLS, record by record."""

from __future__ import annotations

import struct
import zipfile

from lingong.ooxml.relationships import rels_name, resolve
from lingong.read.scan_base import (
    MAX_COLS,
    MAX_ROWS,
    Extras,
    elements,
    office_document,
    read_part,
    wanted_sheets,
)
from lingong.read.scan_xls import BIFF_ERRORS

# ---- .xlsb: sheet parts, error cells, trimming ---------------------------------
# MS-XLSB records: a 1-2 byte type and a 1-4 byte size, 7 bits a byte, then the body.

XLSB_ROW_HDR, XLSB_CELL_ERROR, XLSB_FMLA_ERROR = 0x0000, 0x0003, 0x000B
XLSB_CELLS = range(0x0001, 0x000C)  # BrtCellBlank .. BrtFmlaError: body starts with the column
XLSB_WS_DIM, XLSB_BUNDLE_SH = 0x0094, 0x009C


def xlsb_records(data: bytes):
    """(type, body start, body end, record start) of every record; stops at a cut one."""
    pos, n = 0, len(data)
    while pos < n:
        start = pos
        b = data[pos]
        pos += 1
        rtype = b & 0x7F
        if b & 0x80:
            if pos >= n:
                return
            rtype |= (data[pos] & 0x7F) << 7
            pos += 1
        size = 0
        for k in range(4):
            if pos >= n:
                return
            b = data[pos]
            pos += 1
            size |= (b & 0x7F) << (7 * k)
            if not b & 0x80:
                break
        if pos + size > n:
            return
        yield rtype, pos, pos + size, start
        pos += size


def wide_string(data: bytes, pos: int, end: int) -> tuple[str | None, int]:
    """An XLWideString (u32 count of UTF-16 units, 0xFFFFFFFF for none) and the position after it."""
    if pos + 4 > end:
        raise ValueError("string")
    n = struct.unpack_from("<I", data, pos)[0]
    pos += 4
    if n == 0xFFFFFFFF:
        return None, pos
    if pos + 2 * n > end:
        raise ValueError("string")
    return data[pos : pos + 2 * n].decode("utf-16-le", errors="replace"), pos + 2 * n


def xlsb_sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip member of its binary worksheet, via workbook.bin (BrtBundleSh)
    and its XML rels."""
    names = set(zf.namelist())
    root = read_part(zf, "_rels/.rels") if "_rels/.rels" in names else None
    wb_part = office_document(root) if root is not None else "xl/workbook.bin"
    if not wb_part.endswith(".bin"):
        wb_part = "xl/workbook.bin"
    rels_part = rels_name(wb_part)
    targets: dict[str, str] = {}
    if rels_part in names:
        for rel in elements(read_part(zf, rels_part), "Relationship"):
            targets[rel.get("Id") or ""] = resolve(wb_part, rel.get("Target") or "")
    book = read_part(zf, wb_part)
    out: dict[str, str] = {}
    for rtype, lo, hi, _ in xlsb_records(book):
        if rtype == XLSB_BUNDLE_SH and hi - lo >= 16:
            rel_id, pos = wide_string(book, lo + 8, hi)
            name, _ = wide_string(book, pos, hi)
            part = targets.get(rel_id or "")
            if name is not None and part in names:
                out[name] = part
    return out


def xlsb_extras(zf: zipfile.ZipFile, wanted) -> tuple[dict[str, Extras], dict[str, bytes]]:
    """Error cells of the wanted binary sheets, which calamine reads as '' (BrtCellError)
    or not at all (BrtFmlaError, a formula whose cached result is an error). A formula
    record always carries its cached result, so there is no "uncached" case; whether
    that result is stale cannot be told from the file.

    A sheet with cells past MAX_ROWS x MAX_COLS is rewritten without them (and its
    declared range clipped) before calamine builds its dense grid, as for .xlsx."""
    extras: dict[str, Extras] = {}
    patched: dict[str, bytes] = {}
    for name, part, data in wanted_sheets(zf, xlsb_sheet_parts(zf), wanted):
        ex = Extras()
        row = 0
        far: list[tuple[int, int]] = []  # (record start, record end) of cells to drop
        dim: tuple[int, int] | None = None
        for rtype, lo, hi, start in xlsb_records(data):
            if rtype == XLSB_ROW_HDR and hi - lo >= 4:
                row = struct.unpack_from("<I", data, lo)[0]
            elif rtype in XLSB_CELLS and hi - lo >= 9:
                col = struct.unpack_from("<I", data, lo)[0]
                if row >= MAX_ROWS or col >= MAX_COLS:
                    far.append((start, hi))
                elif rtype in (XLSB_CELL_ERROR, XLSB_FMLA_ERROR):
                    ex.errors[(row, col)] = BIFF_ERRORS.get(data[lo + 8], "#错误")
            elif rtype == XLSB_WS_DIM and hi - lo >= 16:
                dim = (lo, hi)
        if far:
            ex.truncated = True
            patched[part] = _trim_xlsb(data, far, dim)
        extras[name] = ex
    return extras, patched


def _trim_xlsb(data: bytes, far: list[tuple[int, int]], dim: tuple[int, int] | None) -> bytes:
    out = bytearray()
    pos = 0
    for start, end in far:
        out += data[pos:start]
        pos = end
    out += data[pos:]
    if dim is not None and dim[1] <= far[0][0]:  # BrtWsDim precedes the cells: same offset
        lo = dim[0]
        r0, r1, c0, c1 = struct.unpack_from("<IIII", out, lo)
        struct.pack_into(
            "<IIII", out, lo, min(r0, MAX_ROWS - 1), min(r1, MAX_ROWS - 1), min(c0, MAX_COLS - 1), min(c1, MAX_COLS - 1)
        )
    return bytes(out)
