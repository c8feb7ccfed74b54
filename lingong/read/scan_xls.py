"""The .xls scanner: error cells of a BIFF8 workbook, which calamine reads as ''."""

from __future__ import annotations

import io
import struct
from pathlib import Path

from lingong.discover.limits import MAX_XLS_STREAM
from lingong.discover.preflight import BOOK_STREAMS, ole_read_stream
from lingong.read.scan_base import Extras, read_limited, wants

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BIFF_ERRORS = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
    0x2B: "#GETTING_DATA",
}


def _biff_records(data: bytes, pos: int):
    n = len(data)
    while pos + 4 <= n:
        rtype, rlen = struct.unpack_from("<HH", data, pos)
        yield rtype, data[pos + 4 : pos + 4 + rlen]
        pos += 4 + rlen
        if rtype == 0x000A:  # EOF of this substream
            return


def scan_xls_errors(path: Path, wanted, data: bytes | None = None) -> dict[str, Extras]:
    """Error cells of a BIFF8 workbook: calamine reads them as ''. BOOLERR records
    hold typed errors, FORMULA records cached error results."""
    if data is None:
        data = read_limited(Path(path))
    data = ole_read_stream(io.BytesIO(data), len(data), ("Workbook", "Book", "WORKBOOK", "BOOK"), MAX_XLS_STREAM)
    if not data:
        return {}
    records = _biff_records(data, 0)
    first = next(records, None)
    if first is None or first[0] != 0x0809 or len(first[1]) < 2 or struct.unpack_from("<H", first[1], 0)[0] != 0x0600:
        return {}  # not BIFF8 (Excel 95 and older): leave it to calamine
    sheets: list[tuple[str, int]] = []
    for rtype, body in records:
        if rtype == 0x0085 and len(body) >= 8:  # BOUNDSHEET
            offset, _state, kind, cch, high = struct.unpack_from("<IBBBB", body, 0)
            raw = body[8 : 8 + (2 * cch if high & 1 else cch)]
            name = raw.decode("utf-16-le") if high & 1 else raw.decode("latin-1")
            if kind == 0:
                sheets.append((name, offset))
    out: dict[str, Extras] = {}
    for name, offset in sheets:
        if not wants(wanted, name) or offset >= len(data):
            continue
        ex = Extras()
        for rtype, body in _biff_records(data, offset):
            if rtype == 0x0205 and len(body) >= 8 and body[7] == 1:  # BOOLERR holding an error
                r, c = struct.unpack_from("<HH", body, 0)
                ex.errors[(r, c)] = BIFF_ERRORS.get(body[6], "#错误")
            elif rtype == 0x0006 and len(body) >= 14 and body[6] == 2 and body[12:14] == b"\xff\xff":
                r, c = struct.unpack_from("<HH", body, 0)
                ex.errors[(r, c)] = BIFF_ERRORS.get(body[8], "#错误")
        if ex.errors:
            out[name] = ex
    return out


# ---- the cut: no cell beyond MAX_ROWS x MAX_COLS reaches calamine -----------------
# calamine builds every sheet of an .xls as a dense grid when it opens the file, up to
# the farthest cell: one value in IV65536 of a 41 KB file costs it 16.7 million cells
# (over 500 MB, twice that once read) and the worker's memory cap stops it. Records of
# cells past the bounds are retyped in place to a record type no reader knows (the
# stream keeps its length, so the compound file needs no rebuilding); calamine skips
# them like any unknown record.

_IGNORED = 0x7F7F  # not a BIFF record type: readers skip it
_CELL_RECORDS = {
    0x0006,  # FORMULA
    0x0203,  # NUMBER
    0x0204,  # LABEL
    0x0205,  # BOOLERR
    0x027E,  # RK
    0x00FD,  # LABELSST
    0x00D6,  # RSTRING
    0x0201,  # BLANK
    0x0002,  # BIFF2-4 INTEGER, NUMBER, LABEL, BOOLERR (also read by some BIFF5 writers)
    0x0003,
    0x0004,
    0x0005,
    0x0406,  # BIFF4 FORMULA
}
_MULRK = 0x00BD
_STRING = 0x0207  # the cached text of the FORMULA before it
_CONTINUE = 0x003C


def sheet_names_by_offset(data: bytes) -> dict[int, str]:
    """BOF offset of each sheet substream -> sheet name, from BOUNDSHEET (BIFF5 and 8)."""
    records = _biff_records(data, 0)
    first = next(records, None)
    if first is None or first[0] != 0x0809 or len(first[1]) < 2:
        return {}
    biff8 = struct.unpack_from("<H", first[1], 0)[0] == 0x0600
    codec = "cp1252"
    out: dict[int, str] = {}
    for rtype, body in records:
        if rtype == 0x0042 and len(body) >= 2:  # CODEPAGE
            cp = struct.unpack_from("<H", body, 0)[0]
            codec = {1200: "utf-16-le", 0x8000: "mac_roman", 0x8001: "cp1252"}.get(cp, f"cp{cp}")
        elif rtype == 0x0085 and len(body) >= 7:
            offset, cch = struct.unpack_from("<I", body, 0)[0], body[6]
            if biff8 and len(body) >= 8:
                high = body[7] & 1
                raw = body[8 : 8 + (2 * cch if high else cch)]
                out[offset] = raw.decode("utf-16-le" if high else "latin-1", "replace")
            else:
                try:
                    out[offset] = body[7 : 7 + cch].decode(codec)
                except (LookupError, UnicodeDecodeError):
                    out[offset] = body[7 : 7 + cch].decode("latin-1")
    return out


def cut_far_cells(stream: bytes, max_rows: int, max_cols: int) -> tuple[bytes | None, set[str]]:
    """The workbook stream with every cell at row >= max_rows or column >= max_cols
    retyped away, and the names of the sheets that lost cells; (None, set()) when no
    cell is that far."""
    names = sheet_names_by_offset(stream)
    out: bytearray | None = None
    cut: set[str] = set()
    sheet_at = 0
    dropped_last = False
    pos, n = 0, len(stream)
    while pos + 4 <= n:
        rtype, rlen = struct.unpack_from("<HH", stream, pos)
        body = pos + 4
        drop = False
        if rtype == 0x0809:
            sheet_at = pos
        elif rtype in _CELL_RECORDS and rlen >= 4:
            r, c = struct.unpack_from("<HH", stream, body)
            drop = r >= max_rows or c >= max_cols
        elif rtype == _MULRK and rlen >= 12:
            r, first = struct.unpack_from("<HH", stream, body)
            last = first + (rlen - 6) // 6 - 1
            if r >= max_rows or first >= max_cols:
                drop = True
            elif last >= max_cols:
                # Keep the entries inside the bounds; the rest of the record becomes an
                # ignored record of its own (6 bytes an entry, 4 of them its header).
                keep = max_cols - first
                if out is None:
                    out = bytearray(stream)
                struct.pack_into("<HH", out, pos, _MULRK, 6 + 6 * keep)
                struct.pack_into("<H", out, body + 4 + 6 * keep, max_cols - 1)
                rest = body + 6 + 6 * keep
                struct.pack_into("<HH", out, rest, _IGNORED, rlen - (6 + 6 * keep) - 4)
                cut.add(names.get(sheet_at, ""))
        elif rtype in (_STRING, _CONTINUE) and dropped_last:
            drop = True
        if drop:
            if out is None:
                out = bytearray(stream)
            struct.pack_into("<H", out, pos, _IGNORED)
            cut.add(names.get(sheet_at, ""))
        dropped_last = drop or (dropped_last and rtype in (_STRING, _CONTINUE))
        pos = body + rlen
    if out is None:
        return None, set()
    return bytes(out), cut


def bounded_xls(data: bytes, max_rows: int, max_cols: int) -> tuple[bytes | None, set[str]]:
    """The .xls file with its far cells cut (cut_far_cells), or (None, set()) when none
    is beyond the bounds or the file is not one this can rewrite."""
    import olefile

    stream = ole_read_stream(io.BytesIO(data), len(data), BOOK_STREAMS, MAX_XLS_STREAM)
    if not stream:
        return None, set()
    patched, cut = cut_far_cells(stream, max_rows, max_cols)
    if patched is None:
        return None, set()
    buf = io.BytesIO(data)
    ole = olefile.OleFileIO(buf, write_mode=True)
    try:
        name = next(n for n in BOOK_STREAMS if ole.exists(n))
        ole.write_stream(name, patched)
    finally:
        ole.close()
    return buf.getvalue(), cut
