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

from lingong.discover.old_formats import OLD_BOF
from lingong.discover.preflight import BOOK_STREAMS, OleDamaged, ole_read_stream

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


def old_ole_version(data: bytes) -> str | None:
    """' Excel 5.0/95 旧版格式' for an OLE workbook whose stream is older than BIFF8, else None."""
    try:
        stream = ole_read_stream(io.BytesIO(data), len(data), BOOK_STREAMS, len(data))
    except OleDamaged:
        return None
    if not stream or len(stream) < 6:
        return None
    rtype, _rlen, version = struct.unpack_from("<HHH", stream, 0)
    if rtype == 0x0809 and version in _OLE_VERSIONS:
        return f" Excel {_OLE_VERSIONS[version]} 旧版格式"
    if rtype in OLD_BOF:
        return f" Excel {OLD_BOF[rtype]} 旧版格式"
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
