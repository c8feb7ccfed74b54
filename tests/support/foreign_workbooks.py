"""Workbooks as other producers write them, built by code: what the public corpora showed
refused for the wrong reason (an Excel 4.0 macro sheet, a sheet entry without a
relationship id, lower-case [content_types].xml, "\\" part names in an .xlsb, a Basic
library in an .ods, Excel 2.x-4.0 and Quattro Pro files, a dense .xls)."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

from support.hostile import cfb_bytes


def rezip(src: Path, dst: Path, rename=lambda n: n, edit=lambda n, d: d, add: dict | None = None) -> Path:
    """``src`` as a new package at ``dst``: entries renamed, edited, some added."""
    data = {}
    with zipfile.ZipFile(src) as zin:
        for i in zin.infolist():
            data[rename(i.filename)] = edit(i.filename, zin.read(i))
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in {**data, **(add or {})}.items():
            z.writestr(n, d)
    return dst


MACRO_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    b' xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData/></xm:macrosheet>'
)


def macro_sheet_edit(name: str, data: bytes) -> bytes:
    """An Excel 4.0 macro sheet (XLM) beside the workbook's own sheets, as Excel saves one
    (the part itself: ``add={"xl/macrosheets/sheet1.xml": MACRO_SHEET}``)."""
    if name == "xl/workbook.xml":
        return data.replace(b"</sheets>", b'<sheet name="Macro1" sheetId="99" r:id="rId99"/></sheets>')
    if name == "xl/_rels/workbook.xml.rels":
        rel = (
            b'<Relationship Id="rId99" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet"'
            b' Target="macrosheets/sheet1.xml"/></Relationships>'
        )
        return data.replace(b"</Relationships>", rel)
    if name == "[Content_Types].xml":
        return data.replace(
            b"</Types>",
            b'<Override PartName="/xl/macrosheets/sheet1.xml"'
            b' ContentType="application/vnd.ms-excel.macrosheet+xml"/></Types>',
        )
    return data


def with_macro_sheet(src: Path, dst: Path) -> Path:
    return rezip(src, dst, edit=macro_sheet_edit, add={"xl/macrosheets/sheet1.xml": MACRO_SHEET})


def without_rel_id_edit(name: str, data: bytes) -> bytes:
    if name == "xl/workbook.xml":
        return data.replace(b"</sheets>", '<sheet name="备用" sheetId="98"/></sheets>'.encode())
    return data


def with_sheet_without_rel_id(src: Path, dst: Path) -> Path:
    return rezip(src, dst, edit=without_rel_id_edit)


def lower_case_content_types(src: Path, dst: Path) -> Path:
    """[content_types].xml in lower case and every name with "\\", as some exporters write them."""

    def rename(n: str) -> str:
        return ("[content_types].xml" if n == "[Content_Types].xml" else n).replace("/", "\\")

    return rezip(src, dst, rename=rename)


def backslash_names(src: Path, dst: Path) -> Path:
    return rezip(src, dst, rename=lambda n: n.replace("/", "\\"))


BASIC_DTD = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD '
    b'OfficeDocument 1.0//EN" "library.dtd">\n<library:library xmlns:library="http://openoffice.org/2000/library"'
    b' library:name="Standard"/>'
)


def with_basic_library(src: Path, dst: Path) -> Path:
    """An .ods carrying a Basic macro library, with LibreOffice's standard DTD line."""
    return rezip(src, dst, add={"Basic/script-lc.xml": BASIC_DTD, "Basic/Standard/script-lb.xml": BASIC_DTD})


def record(rtype: int, body: bytes) -> bytes:
    return struct.pack("<HH", rtype, len(body)) + body


def old_excel(version: int) -> bytes:
    """An Excel 2.x/3.0/4.0 worksheet file: a BOF record, one number, EOF (no OLE container)."""
    bof_type = {2: 0x0009, 3: 0x0209, 4: 0x0409}[version]
    bof = record(bof_type, struct.pack("<HH", 0, 0x0010) + (b"" if version == 2 else b"\0\0"))
    cell = record(0x0003 if version == 2 else 0x0203, struct.pack("<HHBBBd", 0, 0, 0, 0, 0, 1.0))
    return bof + cell + record(0x000A, b"")


def quattro_pro() -> bytes:
    """A Quattro Pro for Windows notebook: an OLE file without an Excel workbook stream."""
    return cfb_bytes({"NativeContent_MAIN": b"\0" * 5000})


def biff8(sheets: dict[str, bytes], *, kinds: dict[str, int] | None = None) -> bytes:
    """A BIFF8 .xls holding ``sheets`` (name -> cell records), enough for calamine."""
    bof = lambda kind: record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 6))  # noqa: E731
    eof = record(0x000A, b"")
    kinds = kinds or {}

    def boundsheet(name: str, offset: int) -> bytes:
        raw = name.encode("utf-16-le")
        return record(0x0085, struct.pack("<IBBBB", offset, 0, kinds.get(name, 0), len(name), 1) + raw)

    globals_len = len(bof(5)) + sum(len(boundsheet(n, 0)) for n in sheets) + len(eof)
    offsets, pos = {}, globals_len
    for name, cells in sheets.items():
        offsets[name] = pos
        pos += len(bof(0x10)) + len(cells) + len(eof)
    stream = bof(5) + b"".join(boundsheet(n, offsets[n]) for n in sheets) + eof
    stream += b"".join(bof(0x10) + cells + eof for cells in sheets.values())
    # padded past the 4096-byte mini-stream cutoff: cfb_bytes stores streams in full sectors
    return cfb_bytes({"Workbook": stream + b"\0" * max(0, 4100 - len(stream))})


def number(r: int, c: int, v: float) -> bytes:
    return record(0x0203, struct.pack("<HHHd", r, c, 15, v))


def mulrk(r: int, first: int, values: list[int]) -> bytes:
    body = struct.pack("<HH", r, first)
    body += b"".join(struct.pack("<Hi", 15, (v << 2) | 2) for v in values)  # integer RKs
    return record(0x00BD, body + struct.pack("<H", first + len(values) - 1))
