"""What the format scanners and the workbook contract share: the size limits, the
error a file cannot be read with, the per-sheet extras a scanner finds beside calamine
(error cells, formulas without a cached value, a cut), and the parts of a zip package
taken out and parsed (by lingong.ooxml) with each refusal said in the clerk's words."""

from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lingong.discover.limits import MAX_FILE_BYTES
from lingong.ooxml import archive, safexml
from lingong.ooxml.limits import MAX_PART_BYTES, MAX_TOTAL_UNPACKED
from lingong.ooxml.relationships import office_document as office_document_of
from lingong.read.labels import sheet_key

MAX_ROWS = 5000  # a stray value in row 1,048,576 must not build a million-row grid
MAX_COLS = 60
# calamine refuses grids over 100 million cells ("Cell limit exceeded")
REASON_FAR_CELLS = "表格使用范围过大，很远的行或列有内容"
CELL_LIMIT = "1 亿个单元格"  # calamine's own bound, named for the F005 message


def far_cells(msg: str = "") -> "WorkbookError":
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


def wants(wanted: set[str] | None, name: str) -> bool:
    if wanted is None:
        return True
    return name in wanted or sheet_key(name) in {sheet_key(w) for w in wanted}


_LIMIT_FILE = f"{MAX_FILE_BYTES // 1024 // 1024} MB"
LIMIT_PART = f"{MAX_PART_BYTES // 1024 // 1024} MB"


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
class Extras:
    uncached: set[tuple[int, int]] = field(default_factory=set)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    truncated: bool = False


def read_part(zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > MAX_PART_BYTES:
        raise WorkbookError("F005", f"部件 {name} 解压后超过 {LIMIT_PART}", LIMIT_PART)
    return archive.inflate(zf, info)


def elements(data: bytes, local: str) -> list[dict[str, str]]:
    """safexml.elements of a small part, its refusals as WorkbookError (never a ValueError,
    which would leave the file to calamine unscanned)."""
    try:
        return safexml.elements(data, local)
    except safexml.Forbidden:
        raise WorkbookError("F006", "文件含 DOCTYPE 或实体声明") from None
    except safexml.Malformed as e:
        raise WorkbookError("F003", "压缩结构损坏：部件内容不是有效的 XML") from e


def office_document(root_rels: bytes | None) -> str:
    """The workbook part the package's own relationships name (xl/workbook.xml without them)."""
    found = office_document_of(elements(root_rels, "Relationship")) if root_rels is not None else None
    return found or "xl/workbook.xml"


def wanted_sheets(zf: zipfile.ZipFile, parts: dict[str, str], wanted):
    """(sheet name, part, bytes) of each wanted sheet, refusing a part too large to inflate."""
    for name, part in parts.items():
        if not wants(wanted, name):
            continue
        info = zf.getinfo(part)
        if info.file_size > MAX_PART_BYTES:
            raise WorkbookError("F005", f"工作表“{name}”解压后超过 {LIMIT_PART}", LIMIT_PART)
        yield name, part, archive.inflate(zf, info)


def repacked(zf: zipfile.ZipFile, patched: dict[str, bytes]) -> io.BytesIO:
    """The package for calamine with the ``patched`` parts, refused when it would inflate
    past the bound of a whole package."""
    if sum(i.file_size for i in zf.infolist()) > MAX_TOTAL_UNPACKED:
        raise WorkbookError(
            "F005", f"解压后超过 {MAX_TOTAL_UNPACKED // 1024 // 1024} MB", f"{MAX_TOTAL_UNPACKED // 1024 // 1024} MB"
        )
    return archive.repacked(zf, patched)


def feed(p, data: bytes) -> None:
    """safexml.feed of a sheet, a DOCTYPE refused as F006 (a damaged sheet raises Malformed,
    which read_workbook says is damage)."""
    try:
        safexml.feed(p, data)
    except safexml.Forbidden:
        raise WorkbookError("F006", "工作表含 DOCTYPE") from None
