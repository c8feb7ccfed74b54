"""The .xls scanner: error cells of a BIFF8 workbook, which calamine reads as ''."""

from __future__ import annotations

import io
import struct
from pathlib import Path

from lingong.read.scan_base import _Extras, _wants, read_limited

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_XLS_STREAM = 64 * 1024 * 1024
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


def scan_xls_errors(path: Path, wanted, data: bytes | None = None) -> dict[str, _Extras]:
    """Error cells of a BIFF8 workbook: calamine reads them as ''. BOOLERR records
    hold typed errors, FORMULA records cached error results."""
    from lingong.discover.preflight import ole_read_stream

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
    out: dict[str, _Extras] = {}
    for name, offset in sheets:
        if not _wants(wanted, name) or offset >= len(data):
            continue
        ex = _Extras()
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
