"""Why a reader could not read a workbook, in the clerk's words: damaged, an old
format, or content the reader does not support in a file that is not damaged.

calamine's messages are English and one kind of failure covers several causes, so
"文件已损坏" was said of files Excel and LibreOffice open. Only a message naming a
broken container (zip, CRC, a short stream) is damage here; an old BIFF version is
said as such (F013, with what to do); anything else is content the reader does not
support (F014). No English text reaches the clerk.
"""

from __future__ import annotations

import io
import struct

# BOF record types of the Excel 2.x-4.0 formats, written as plain files (no OLE container).
_OLD_BOF = {0x0009: "2.x", 0x0209: "3.0", 0x0409: "4.0"}
_BOF_KINDS = {0x0010, 0x0020, 0x0040, 0x0100}  # worksheet, chart, macro sheet, BIFF4 workbook
# BIFF version word of the first BOF in an OLE workbook stream; 0x0600 is BIFF8 (Excel 97+).
_OLE_VERSIONS = {0x0500: "5.0/95", 0x0400: "4.0", 0x0300: "3.0", 0x0200: "2.x"}

_DAMAGE_WORDS = (
    "invalid zip",
    "zip error",
    "crc",
    "checksum",
    "unexpected eof",
    "failed to fill whole buffer",
    "end of file",
    "truncated",
    "invalid sector",
    "not a cfb",
)


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
    if rtype not in _OLD_BOF or rlen not in (4, 6, 8, 16):
        return None
    kind = struct.unpack_from("<H", head, 6)[0]  # the BOF's sheet kind, after its version word
    if kind not in _BOF_KINDS:
        return None
    return f" Excel {_OLD_BOF[rtype]} 旧版格式"


def old_ole_version(data: bytes) -> str | None:
    """' Excel 5.0/95 旧版格式' for an OLE workbook whose stream is older than BIFF8, else None."""
    from lingong.discover.preflight import BOOK_STREAMS, OleDamaged, ole_read_stream

    try:
        stream = ole_read_stream(io.BytesIO(data), len(data), BOOK_STREAMS, len(data))
    except OleDamaged:
        return None
    if not stream or len(stream) < 6:
        return None
    rtype, _rlen, version = struct.unpack_from("<HHH", stream, 0)
    if rtype == 0x0809 and version in _OLE_VERSIONS:
        return f" Excel {_OLE_VERSIONS[version]} 旧版格式"
    if rtype in _OLD_BOF:
        return f" Excel {_OLD_BOF[rtype]} 旧版格式"
    return None


def is_damage(msg: str) -> bool:
    low = msg.lower()
    return any(w in low for w in _DAMAGE_WORDS)


def unsupported(msg: str) -> str:
    """What in the file the reader does not support, in Chinese, from its message."""
    low = msg.lower()
    if "sheet type" in low or "macrosheet" in low or "macro sheet" in low:
        return "含 Excel 4.0 宏表等本工具不支持的工作表类型"
    if "relationship" in low or "rid" in low or "no entry found for key" in low or "not found" in low:
        return "文件内部的部件引用方式本工具不支持"
    if "external" in low:
        return "含本工具不支持的外部引用"
    if "codepage" in low or "encoding" in low or "utf" in low:
        return "文字编码本工具不支持"
    return "表格读取组件无法解析其中的部分内容"
