"""Small edits to a real .xlsb (Excel-written files of the calamine corpus), for the
cases no tool here can write: an error cell, a formula whose cached result is an
error, a cell in a far row. Each edit rewrites one record of one worksheet part;
everything else of the package is copied as it is."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path
from typing import Callable

from lingong.read.scan_xlsb import xlsb_records, xlsb_sheet_parts


def _varint(n: int, max_bytes: int) -> bytes:
    out = bytearray()
    for _ in range(max_bytes):
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)
    raise ValueError("too large")


def record(rtype: int, body: bytes) -> bytes:
    return _varint(rtype, 2) + _varint(len(body), 4) + body


def _replace_first(data: bytes, want, make: Callable[[bytes], bytes], last: bool = False) -> bytes:
    want = {want} if isinstance(want, int) else set(want)
    hits = [(lo, hi, start) for rtype, lo, hi, start in xlsb_records(data) if rtype in want]
    if not hits:
        raise LookupError(f"no record of types {sorted(want)}")
    lo, hi, start = hits[-1] if last else hits[0]
    return data[:start] + make(data[lo:hi]) + data[hi:]


def fmla_bool_to_error(err: int):
    """BrtFmlaBool -> BrtFmlaError: same layout (cell, value byte, flags, formula)."""
    return lambda data: _replace_first(data, 0x000A, lambda b: record(0x000B, b[:8] + bytes([err]) + b[9:]))


def number_to_error(err: int):
    """The first BrtCellRk or BrtCellReal (cell + number) -> BrtCellError (cell + error byte)."""
    return lambda data: _replace_first(data, (0x0002, 0x0005), lambda b: record(0x0003, b[:8] + bytes([err])))


def move_last_row(row: int):
    """The last BrtRowHdr names ``row`` (0-based): its cells land there."""
    return lambda data: _replace_first(
        data, 0x0000, lambda b: record(0x0000, struct.pack("<I", row) + b[4:]), last=True
    )


def edit_sheet(src: Path, dst: Path, edit: Callable[[bytes], bytes], sheet: str | None = None) -> Path:
    with zipfile.ZipFile(src) as zin:
        parts = xlsb_sheet_parts(zin)
        part = parts[sheet] if sheet else next(iter(parts.values()))
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                data = zin.read(info)
                zout.writestr(info.filename, edit(data) if info.filename == part else data)
    return Path(dst)
