"""The zip beneath a package: members inflated straight from the archive, entry names read
the way calamine reads them, a package repacked with some parts replaced.

Nothing here checks a size against a limit: each caller holds its members to
lingong.ooxml.limits and says in its own words what was too large.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

from lingong.ooxml.namespaces import has_content_types

ZIP_MAGIC = b"PK\x03\x04"


def _data_start(f, info: zipfile.ZipInfo) -> int | None:
    """Where a member's compressed bytes begin, from its local header (None when the header
    is not where the central directory says)."""
    f.seek(info.header_offset)
    local = f.read(30)
    if len(local) < 30 or local[:4] != ZIP_MAGIC:
        return None
    name_len, extra_len = struct.unpack_from("<HH", local, 26)
    return info.header_offset + 30 + name_len + extra_len


def inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, inflated straight from the archive: ZipFile.read costs
    ~70 µs a member in Python, several times the inflating, at seven sheets a file.
    Anything unusual (other compression, a damaged header, a bad CRC) goes through
    ZipFile.read, which raises what it always raises."""
    if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) and not info.flag_bits & 0x1:
        try:
            f = zf.fp
            start = _data_start(f, info)
            if start is not None:
                f.seek(start)
                raw = f.read(info.compress_size)
                if info.compress_type == zipfile.ZIP_STORED:
                    data = raw
                else:
                    data = zlib.decompressobj(-15).decompress(raw, info.file_size + 1)
                if len(data) == info.file_size and zlib.crc32(data) == info.CRC:
                    return data
        except (OSError, ValueError, zlib.error, struct.error):
            pass
    return zf.read(info)


def head(f, info: zipfile.ZipInfo, size: int) -> bytes | None:
    """The first ``size`` bytes of a member, straight from the file ``f``: about ten times
    cheaper than ZipFile.open, which matters at ~15 parts per file. None for a compression
    this does not inflate; BadZipFile when the local header is not there."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    start = _data_start(f, info)
    if start is None:
        raise zipfile.BadZipFile("local header")
    f.seek(start)
    # An Office prolog is a hundred bytes; a longer one goes the slow way, which reads on.
    raw = f.read(min(info.compress_size, 4 * size))  # a dynamic Huffman table comes first
    if info.compress_type == zipfile.ZIP_STORED:
        return raw[:size]
    return zlib.decompressobj(-15).decompress(raw, size)


def short_name(name: str) -> str:
    """A member's name as a clerk's message quotes it: its end, when long."""
    return name if len(name) <= 40 else "…" + name[-39:]


_DRIVE = re.compile(r"^[A-Za-z]:")


def normalize_member_names(zf: zipfile.ZipFile) -> str | None:
    """Read entry names written with backslashes (``xl\\workbook.xml``), as some
    Chinese exporters write them, the way calamine does: as "/".

    The open ZipFile is renamed in place (``orig_filename`` keeps the name the
    local header is checked against), so every later lookup sees one spelling.
    Returns a Chinese detail when the names cannot be trusted: two entries for
    one part (``xl/workbook.xml`` beside ``xl\\workbook.xml``, or one name twice;
    which one a reader takes is then a matter of chance) or a name that leaves
    the package (``..``, an absolute path, a drive letter). Idempotent."""
    infos = zf.infolist()
    slashed = any("\\" in i.filename for i in infos)
    # OPC part names compare without regard to case; ODF names do not.
    fold = has_content_types(i.filename.replace("\\", "/") for i in infos)
    seen: set[str] = set()
    problem = None
    for i in infos:
        name = i.filename.replace("\\", "/")
        key = name.lower() if fold else name
        if key in seen and problem is None:
            problem = f"压缩包中部件 {short_name(name)} 出现了两次，无法确定应读取哪一个"
        seen.add(key)
        if (name.startswith("/") or _DRIVE.match(name) or ".." in name.split("/")) and problem is None:
            problem = f"部件名称 {short_name(name)} 指向压缩包之外"
    if slashed:
        for i in infos:
            i.filename = i.filename.replace("\\", "/")
        zf.NameToInfo = {i.filename: i for i in infos}
    return problem


def repacked(zf: zipfile.ZipFile, replaced: dict[str, bytes]) -> io.BytesIO:
    """The package again, stored (nothing to inflate twice), with the members named in
    ``replaced`` given those bytes, under the names the ZipFile now gives its members
    (normalize_member_names writes them with "/")."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as out:
        for info in zf.infolist():
            out.writestr(info.filename, replaced.get(info.filename) or zf.read(info))
    buf.seek(0)
    return buf
