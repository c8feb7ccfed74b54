"""Cheap checks on a file before any spreadsheet reader touches it.

Readers fail badly on hostile files: python-calamine aborts the whole process on
a zip bomb, pandas reports an encrypted workbook, a truncated one and random bytes
alike. So each file is first looked at with the standard library only, reading
a few headers and never expanding anything large, and a bad file gets one
catalogue code (F001..F006) with a short Chinese detail. The checks run in order
of cost; the first failure wins.

The file is only ever opened read-only and closed promptly.

Over 300 lines because each container kind (zip, OLE, foreign bytes) has its own few
checks and the limits they share are set in one place at the top.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import olefile

from lingong.discover.old_formats import QUATTRO_STREAMS, old_excel_file
from lingong.ooxml import archive
from lingong.ooxml.archive import ZIP_MAGIC, normalize_member_names, short_name
from lingong.ooxml.limits import (
    MAX_MEMBER_RATIO,
    MAX_MEMBERS,
    MAX_TOTAL_UNPACKED,
    PROLOG_FIRST_READ,
    PROLOG_MAX_READ,
    QUICK_HEAD,
    RATIO_MIN_MEMBER,
)
from lingong.ooxml.namespaces import has_content_types

EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


@dataclass(frozen=True)
class Preflight:
    ok: bool
    code: str | None = None  # catalogue code (lingong.catalogue.issues), None when ok
    found: str = ""  # short Chinese detail for the issue's {found}
    fmt: str | None = None  # "xlsx" (also xlsm/et-as-zip) | "xlsb" | "xls" | "ods" | None
    expected: str = ""  # the limit or form exceeded, for the issue's {expected} (F005)


def _fail(code: str, found: str, fmt: str | None = None, *, expected: str = "") -> Preflight:
    return Preflight(False, code, found, fmt, expected)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def preflight(path: Path, data: bytes | None = None, zf: zipfile.ZipFile | None = None) -> Preflight:
    """Classify ``path`` as a readable spreadsheet container or say why not.

    ``data`` is the file's content when the caller has already read it (the
    checks then make no system call); ``zf`` the zip opened over that content,
    shared with the reader so that the central directory is parsed once."""
    if data is not None:
        if not data:
            return _fail("F001", "0 字节")
        return _classify(io.BytesIO(data), len(data), data[:512], zf)
    path = Path(path)
    try:
        size = path.stat().st_size
        if size == 0:
            return _fail("F001", "0 字节")
        with open(path, "rb") as f:
            return _classify(f, size, f.read(512), None)
    except PermissionError:
        return _fail("F008", "没有读取权限")
    except OSError as e:
        return _fail("F008", f"系统错误 {e.strerror or e}")


def _classify(f, size: int, head: bytes, zf: zipfile.ZipFile | None) -> Preflight:
    if head.startswith(ZIP_MAGIC) or head.startswith(EMPTY_ZIP_MAGIC):
        return _check_zip(f, size, zf)
    if head.startswith(OLE_MAGIC):
        return _check_ole(f, size)
    old = old_excel_file(head)
    if old:  # a spreadsheet, only one no reader here reads: say so, and what to do
        return _fail("F013", old, "xls")
    return _fail("F002", describe_foreign(head))


# ---- not a spreadsheet container: say what it looks like -------------------

_FOREIGN = (
    (b"%PDF", "PDF 文件"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"{\\rtf", "RTF 文档"),
    (b"MIME-Version", "网页存档(MHT)格式"),
)


def describe_foreign(head: bytes) -> str:
    """Name the format of a file that is neither zip nor OLE2, from its first bytes."""
    for magic, name in _FOREIGN:
        if head.startswith(magic):
            return name
    text = head
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if text.startswith(bom):
            text = text[len(bom) :]
            break
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = (
                head[2:]
                .decode("utf-16-le" if head.startswith(b"\xff\xfe") else "utf-16-be", errors="ignore")
                .encode("utf-8")
            )
        except Exception:
            pass
    low = text.lstrip().lower()
    if (
        low.startswith((b"<html", b"<!doctype html", b"<table", b"<head", b"<meta", b"<body", b"<style"))
        or b"<html" in low[:512]
        or b"urn:schemas-microsoft-com:office" in low
    ):
        return "网页(HTML)格式"
    if low.startswith(b"<?xml"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in low or b"<?mso-application" in low:
            return "XML 表格(Excel 2003 XML)格式"
        return "XML 格式"
    if _looks_like_text(text):
        return "文本格式"
    return "无法识别的格式"


def _looks_like_text(b: bytes) -> bool:
    if not b or b"\x00" in b:
        return False
    # gb18030 decodes almost any byte string, so control bytes decide first
    controls = sum(1 for x in b if x < 0x20 and x not in (9, 10, 13))
    if controls > len(b) // 100:
        return False
    for enc in ("utf-8", "gb18030"):
        try:
            s = b.decode(enc)
        except UnicodeDecodeError:
            # the 512-byte window may cut a multi-byte character
            try:
                s = b[:-3].decode(enc)
            except UnicodeDecodeError:
                continue
        printable = sum(1 for ch in s if ch.isprintable() or ch in "\t\r\n")
        return printable >= 0.95 * max(1, len(s))
    return False


# ---- zip containers: xlsx, xlsm, ods ---------------------------------------


def _check_zip(f, size: int, zf: zipfile.ZipFile | None = None) -> Preflight:
    if zf is not None:
        return _check_zip_members(zf, size)
    try:
        zf = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as e:
        return _fail(
            "F003", "压缩结构不完整" if "central directory" in str(e) or "File is not" in str(e) else "压缩结构损坏"
        )
    except NotImplementedError:
        return _fail("F003", "压缩结构损坏")
    with zf:
        return _check_zip_members(zf, size)


def _check_zip_members(zf: zipfile.ZipFile, size: int) -> Preflight:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        return _fail("F005", f"包含 {len(infos)} 个部件", expected=f"{MAX_MEMBERS} 个部件")
    bad_name = normalize_member_names(zf)
    names = {i.filename for i in infos}
    total = 0
    for i in infos:
        if i.header_offset + 30 + i.compress_size > size:
            return _fail("F003", "文件内容不完整")
        if i.flag_bits & 0x1:
            return _fail("F004", "压缩包设置了密码")
        total += i.file_size
        if i.file_size > RATIO_MIN_MEMBER and i.file_size > MAX_MEMBER_RATIO * max(1, i.compress_size):
            return _fail(
                "F005",
                f"部件 {short_name(i.filename)} 解压后 {_mb(i.file_size)}，压缩比 {i.file_size // max(1, i.compress_size)}",
                expected=f"压缩比 {MAX_MEMBER_RATIO}",
            )
    if total > MAX_TOTAL_UNPACKED:
        return _fail("F005", f"解压后共 {_mb(total)}", expected=_mb(MAX_TOTAL_UNPACKED))
    fmt = _zip_format(zf, names)
    if fmt is None:
        kind = (
            "Word 文档"
            if "word/document.xml" in names
            else "PowerPoint 演示文稿"
            if "ppt/presentation.xml" in names
            else "ODF 文本文档"
            if "content.xml" in names and "mimetype" in names
            else "普通压缩包(zip)"
        )
        return _fail("F002", kind)
    if bad_name:
        return _fail("F003", bad_name, fmt)
    for i in infos:
        if fmt == "ods" and i.filename.startswith(_ODS_UNREAD):
            continue
        if i.filename.lower().endswith((".xml", ".rels", ".vml")) and i.file_size:
            bad = _prolog_problem(zf, i)
            if bad:
                return _fail(*bad, fmt=fmt)
    return Preflight(True, None, "", fmt)


# Parts of an .ods no reader here parses: LibreOffice's Basic and dialog libraries, which
# carry its standard DTD line (<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD…">).
# The DOCTYPE check guards what is parsed; these parts never are (the return copy of an
# .ods is rebuilt from the grids).
_ODS_UNREAD = ("Basic/", "Dialogs/")


def _zip_format(zf: zipfile.ZipFile, names: set[str]) -> str | None:
    if "mimetype" in names:
        try:
            with zf.open("mimetype") as m:
                mt = m.read(200).strip()
        except Exception:
            mt = b""
        if mt == ODS_MIMETYPE:
            return "ods"
        if mt.startswith(b"application/vnd.oasis.opendocument"):
            return None
    opc = has_content_types(names)
    if opc and "xl/workbook.bin" in names:
        return "xlsb"
    if opc and any(n.startswith("xl/") or n.lower().endswith("workbook.xml") for n in names):
        return "xlsx"
    return None


_COMMENT = re.compile(rb"<!--.*?-->", re.S)
_ROOT_START = re.compile(rb"<[A-Za-z_]")


def _root_found(head: bytes) -> bool:
    """Whether ``head`` shows the root element's start, outside any comment. A comment
    still open at the end of ``head`` might hide "<a" in its text and a DOCTYPE after
    it, so that is not decided here: the caller reads on."""
    stripped = _COMMENT.sub(b"", head)
    m = _ROOT_START.search(stripped)
    if m is None:
        return False
    unclosed = stripped.find(b"<!--")
    return unclosed < 0 or unclosed > m.start()


def _prolog_problem(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str, str] | None:
    """Look for a DTD in the part's prolog without expanding anything.

    Office files never carry a DTD; one is how entity bombs (billion laughs) and
    external entities get in. Only the first bytes are decompressed."""
    try:
        head = archive.head(zf.fp, info, QUICK_HEAD)
        if head is not None:
            if b"<!" not in head and _ROOT_START.search(head):
                return None  # the usual Office prolog: no comment, no DOCTYPE, the root in sight
            if b"<!doctype" in head.lower():
                return "F006", f"{short_name(info.filename)} 含 DOCTYPE"
            if _root_found(head):
                return None
        with zf.open(info) as m:
            data = m.read(PROLOG_FIRST_READ)
            while True:
                if b"<!doctype" in data.lower():
                    return "F006", f"{short_name(info.filename)} 含 DOCTYPE"
                if _root_found(data):
                    return None
                if len(data) >= PROLOG_MAX_READ:
                    return "F006", f"{short_name(info.filename)} 开头异常"
                more = m.read(PROLOG_FIRST_READ)
                if not more:
                    return None
                data += more
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        return "F003", f"部件 {short_name(info.filename)} 损坏"
    except NotImplementedError:
        return "F003", f"部件 {short_name(info.filename)} 使用了不支持的压缩方式"
    except RuntimeError:  # zipfile raises it for encrypted members
        return "F004", "压缩包设置了密码"


# ---- OLE2 compound files: .xls (and .et), or an encrypted OOXML -----------
# olefile walks the sector chains and the directory (MS-CFB) with its own bounds:
# every sector index is checked against the file size and a loop ends the walk.

OLE_MINI_CUTOFF = 4096
BIFF_FILEPASS = 0x002F
BIFF_BOF = 0x0809
BOOK_STREAMS = ("Workbook", "Book", "WORKBOOK", "BOOK")


class OleDamaged(ValueError):
    """A compound file whose header, FAT or directory cannot be followed."""


def _open_ole(f) -> olefile.OleFileIO:
    """Any failure of the parser on a hostile file is a damaged file, whatever its type:
    olefile raises OSError for most defects but struct/index errors for some. Strict
    (DEFECT_INCORRECT): a defect olefile could work around, such as the sector indexes
    of calamine's OOM_alloc3.xls, is damage here, so no reader ever opens that file."""
    f.seek(0)
    try:
        return olefile.OleFileIO(f, raise_defects=olefile.DEFECT_INCORRECT)
    except Exception as e:  # noqa: BLE001 - see above
        raise OleDamaged(str(e)) from e


def ole_stream_names(f) -> tuple[olefile.OleFileIO, set[str]]:
    """The open compound file and the names of all its streams and storages, at any depth."""
    ole = _open_ole(f)
    try:
        return ole, {path[-1] for path in ole.listdir(streams=True, storages=True)}
    except Exception as e:  # noqa: BLE001 - a directory olefile cannot list is damaged
        raise OleDamaged(str(e)) from e


def ole_read_stream(f, size: int, candidates: tuple[str, ...], max_bytes: int) -> bytes | None:
    """The first top-level stream of ``candidates`` in a compound file, or None (absent or
    longer than ``max_bytes``)."""
    ole = _open_ole(f)
    try:
        name = next((n for n in candidates if ole.exists(n) and ole.get_type(n) == olefile.STGTY_STREAM), None)
        if name is None or ole.get_size(name) > max_bytes:
            return None
        data = ole.openstream(name).read()
    except Exception as e:  # noqa: BLE001 - a chain olefile cannot follow is damage
        raise OleDamaged(str(e)) from e
    if len(data) < ole.get_size(name):
        raise OleDamaged("stream chain too short")
    return data


def _check_ole(f, size: int) -> Preflight:
    try:
        _ole, names = ole_stream_names(f)
    except OleDamaged:
        return _fail("F003", "文件结构损坏", "xls")
    if "EncryptionInfo" in names or "EncryptedPackage" in names:
        return _fail("F004", "加密的 Excel 文件", "xlsx")
    if not any(n in names for n in BOOK_STREAMS) and any(n in names for n in QUATTRO_STREAMS):
        return _fail("F013", " Quattro Pro 旧版格式", "xls")
    if not any(n in names for n in BOOK_STREAMS):
        kind = (
            "Word 文档(.doc)"
            if "WordDocument" in names
            else "PowerPoint 演示文稿(.ppt)"
            if "PowerPoint Document" in names
            else "不含工作簿的 OLE 文件"
        )
        return _fail("F002", kind)
    try:
        first = _first_book_bytes(f)
    except OleDamaged:
        return _fail("F003", "文件结构损坏", "xls")
    if _biff_has_filepass(first):
        return _fail("F004", "加密的 Excel 文件", "xls")
    return Preflight(True, None, "", "xls")


def _first_book_bytes(f) -> bytes:
    """The start of the workbook stream, enough to see whether FILEPASS follows BOF."""
    ole = _open_ole(f)
    try:
        name = next((n for n in BOOK_STREAMS if ole.exists(n)), None)
        if name is None or ole.get_type(name) != olefile.STGTY_STREAM:
            raise OleDamaged("no workbook stream at the top level")
        return ole.openstream(name).read(OLE_MINI_CUTOFF)
    except OleDamaged:
        raise
    except Exception as e:  # noqa: BLE001
        raise OleDamaged(str(e)) from e


def _biff_has_filepass(data: bytes) -> bool:
    """FILEPASS directly follows the first BOF record of an encrypted workbook."""
    if len(data) < 8:
        return False
    rtype, rlen = struct.unpack_from("<HH", data, 0)
    if rtype not in (BIFF_BOF, 0x0209, 0x0409):
        return False
    pos = 4 + rlen
    for _ in range(8):  # a few records in: some writers put INTERFACEHDR/WRITEACCESS first
        if pos + 4 > len(data):
            return False
        rtype, rlen = struct.unpack_from("<HH", data, pos)
        if rtype == BIFF_FILEPASS:
            return True
        pos += 4 + rlen
    return False
