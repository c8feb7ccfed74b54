"""What the format scanners and the workbook contract share: the size limits, the
error a file cannot be read with, the per-sheet extras a scanner finds beside calamine
(error cells, formulas without a cached value, a cut), and safe ways to take parts out
of a zip package and to parse their XML."""

from __future__ import annotations

import io
import os
import re
import struct
import xml.parsers.expat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from lingong.discover.limits import MAX_FILE_BYTES, MAX_PART_BYTES, MAX_TOTAL_UNPACKED
from lingong.read.labels import sheet_key

MAX_ROWS = 5000  # a stray value in row 1,048,576 must not build a million-row grid
MAX_COLS = 60
# calamine refuses grids over 100 million cells ("Cell limit exceeded")
REASON_FAR_CELLS = "表格使用范围过大，很远的行或列有内容"
CELL_LIMIT = "1 亿个单元格"  # calamine's own bound, named for the F005 message


def _far_cells(msg: str = "") -> "WorkbookError":
    """F005 for calamine's "Cell limit exceeded (N cells requested, max M)"."""
    m = re.search(r"\((\d+) cells requested", msg)
    found = REASON_FAR_CELLS
    if m:
        found = f"{REASON_FAR_CELLS}，需要 {int(m.group(1)) / 1e8:,.0f} 亿个单元格"
    return WorkbookError("F005", found, CELL_LIMIT)


class WorkbookError(Exception):
    """The file cannot be read; ``code``/``found``/``expected`` make the catalogue issue
    (``expected``: the limit exceeded, for F005)."""

    def __init__(self, code: str, found: str, expected: str = ""):
        super().__init__(found)
        self.code = code
        self.found = found
        self.expected = expected
        self.sheet_names: list[str] | None = None  # when known without calamine (read_failures)


def _wants(wanted: set[str] | None, name: str) -> bool:
    if wanted is None:
        return True
    return name in wanted or sheet_key(name) in {sheet_key(w) for w in wanted}


_LIMIT_FILE = f"{MAX_FILE_BYTES // 1024 // 1024} MB"
_LIMIT_PART = f"{MAX_PART_BYTES // 1024 // 1024} MB"


def read_limited(path: Path) -> bytes:
    """The whole file, refusing one too large to be a report before reading it."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > MAX_FILE_BYTES:
            raise WorkbookError("F005", f"文件本身 {size // 1024 // 1024} MB", _LIMIT_FILE)
        data = f.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:  # grew while read
        raise WorkbookError("F005", f"文件本身超过 {MAX_FILE_BYTES // 1024 // 1024} MB", _LIMIT_FILE)
    return data


@dataclass
class _Extras:
    uncached: set[tuple[int, int]] = field(default_factory=set)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    truncated: bool = False


def _read_part(zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > MAX_PART_BYTES:
        raise WorkbookError("F005", f"部件 {name} 解压后超过 {_LIMIT_PART}", _LIMIT_PART)
    return _member(zf, info)


def _elements(data: bytes, local: str) -> list[dict[str, str]]:
    """Attributes (keyed by local name) of every element named ``local`` in a small
    XML part. A bare expat pass: ElementTree via defusedxml cost more than calamine's
    whole read of the file for these three parts. A DOCTYPE or entity is refused."""
    found: list[dict[str, str]] = []

    def start(tag, attrs):
        if tag.rsplit(":", 1)[-1] == local:
            found.append({k.rsplit(":", 1)[-1]: v for k, v in attrs.items()})

    p = _new_parser()
    p.StartElementHandler = start
    try:
        p.Parse(data, True)
    except _NoDTD:
        raise WorkbookError("F006", "文件含 DOCTYPE 或实体声明") from None
    except xml.parsers.expat.ExpatError as e:
        raise WorkbookError("F003", "压缩结构损坏：部件内容不是有效的 XML") from e
    return found


def _office_document(root_rels: bytes | None) -> str:
    if root_rels is not None:
        for rel in _elements(root_rels, "Relationship"):
            if (rel.get("Type") or "").endswith("/officeDocument"):
                return (rel.get("Target") or "xl/workbook.xml").lstrip("/")
    return "xl/workbook.xml"


def _wanted_sheets(zf: zipfile.ZipFile, parts: dict[str, str], wanted):
    """(sheet name, part, bytes) of each wanted sheet, refusing a part too large to inflate."""
    for name, part in parts.items():
        if not _wants(wanted, name):
            continue
        info = zf.getinfo(part)
        if info.file_size > MAX_PART_BYTES:
            raise WorkbookError("F005", f"工作表“{name}”解压后超过 {_LIMIT_PART}", _LIMIT_PART)
        yield name, part, _member(zf, info)


def _member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, inflated straight from the archive: ZipFile.read costs
    ~70 µs a member in Python, several times the inflating, at seven sheets a file.
    Anything unusual (other compression, a damaged header, a bad CRC) goes through
    ZipFile.read, which raises what it always raises."""
    if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) and not info.flag_bits & 0x1:
        try:
            f = zf.fp
            f.seek(info.header_offset)
            local = f.read(30)
            if local[:4] == b"PK\x03\x04":
                name_len, extra_len = struct.unpack_from("<HH", local, 26)
                f.seek(info.header_offset + 30 + name_len + extra_len)
                raw = f.read(info.compress_size)
                if info.compress_type == zipfile.ZIP_STORED:
                    data = raw
                else:
                    d = zlib.decompressobj(-15)
                    data = d.decompress(raw, info.file_size + 1)
                if len(data) == info.file_size and zlib.crc32(data) == info.CRC:
                    return data
        except (OSError, ValueError, zlib.error, struct.error):
            pass
    return zf.read(info)


def _patched_zip(zf: zipfile.ZipFile, patched: dict[str, bytes]) -> io.BytesIO:
    if sum(i.file_size for i in zf.infolist()) > MAX_TOTAL_UNPACKED:
        raise WorkbookError(
            "F005", f"解压后超过 {MAX_TOTAL_UNPACKED // 1024 // 1024} MB", f"{MAX_TOTAL_UNPACKED // 1024 // 1024} MB"
        )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as out:
        for info in zf.infolist():
            out.writestr(info.filename, patched.get(info.filename) or zf.read(info))
    buf.seek(0)
    return buf


class _NoDTD(Exception):
    pass


def _refuse(*_args):
    raise _NoDTD()


def _new_parser():
    p = xml.parsers.expat.ParserCreate()
    p.StartDoctypeDeclHandler = _refuse
    p.EntityDeclHandler = _refuse
    return p


def _feed(p, data: bytes) -> None:
    try:
        for i in range(0, len(data), 1 << 20):
            p.Parse(data[i : i + (1 << 20)], False)
        p.Parse(b"", True)
    except _NoDTD:
        raise WorkbookError("F006", "工作表含 DOCTYPE") from None
