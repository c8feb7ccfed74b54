"""Old spreadsheet formats known by their first bytes: Excel 2.x-4.0 (plain BIFF files),
Lotus 1-2-3 and Quattro Pro. Preflight names them (F013) before any reader is tried;
read/read_failures names an old BIFF stream inside an OLE file."""

from __future__ import annotations

import struct

# BOF record types of the Excel 2.x-4.0 formats, written as plain files (no OLE container).
OLD_BOF = {0x0009: "2.x", 0x0209: "3.0", 0x0409: "4.0"}
_BOF_KINDS = {0x0010, 0x0020, 0x0040, 0x0100}  # worksheet, chart, macro sheet, BIFF4 workbook

# Other old spreadsheet programs' files, by their first record (a BOF of their own).
_OTHER_OLD = (
    (b"\x00\x00\x02\x00\x04\x04", " Lotus 1-2-3 旧版格式（.wks）"),
    (b"\x00\x00\x02\x00\x06\x04", " Lotus 1-2-3 旧版格式（.wk1）"),
    (b"\x00\x00\x1a\x00", " Lotus 1-2-3 旧版格式（.wk3/.wk4）"),
    (b"\x00\x00\x02\x00\x20\x51", " Quattro Pro 旧版格式（.wq1）"),
    (b"\x00\x00\x02\x00\x21\x51", " Quattro Pro 旧版格式（.wq2）"),
)
# Streams of the OLE files of Quattro Pro for Windows (.wb2/.wb3/.qpw).
QUATTRO_STREAMS = ("NativeContent_MAIN", "PerfectOffice_MAIN")


def old_excel_file(head: bytes) -> str | None:
    """' Excel 3.0 旧版格式' for a file starting with an Excel 2.x-4.0 BOF record (or
    another old spreadsheet program's), else None."""
    for magic, name in _OTHER_OLD:
        if head.startswith(magic):
            return name
    if len(head) < 8:
        return None
    rtype, rlen = struct.unpack_from("<HH", head, 0)
    if rtype not in OLD_BOF or rlen not in (4, 6, 8, 16):
        return None
    kind = struct.unpack_from("<H", head, 6)[0]  # the BOF's sheet kind, after its version word
    if kind not in _BOF_KINDS:
        return None
    return f" Excel {OLD_BOF[rtype]} 旧版格式"
