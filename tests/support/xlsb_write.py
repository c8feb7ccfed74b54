"""A report as an .xlsb, for tests: no tool here writes one (LibreOffice only reads
.xlsb), so an Excel-written file of the calamine corpus is the shell, with its
workbook record stream, styles and theme kept, and the sheets replaced by ours.

Cells are written as Excel writes them without shared strings: text as BrtCellSt,
numbers as BrtCellReal, booleans as BrtCellBool; a date becomes ISO text (the
reports' readers take dates written as text). tests/read/test_real_world_corpus.py
checks LibreOffice reads what this writes, cell for cell."""

from __future__ import annotations

import datetime as dt
import re
import struct
import zipfile
from pathlib import Path

from lingong.read.scan_xlsb import xlsb_records
from support.xlsb_edit import record

SHELL = Path(__file__).parents[1] / "data" / "calamine-tests" / "files" / "issue_186.xlsb"
ROW_HDR, BEGIN_DATA, END_DATA, WS_DIM, BUNDLE_SH = 0x0000, 0x0091, 0x0092, 0x0094, 0x009C


def _wide(text: str) -> bytes:
    raw = text.encode("utf-16-le")
    return struct.pack("<I", len(raw) // 2) + raw


def _cell(col: int, value) -> bytes | None:
    head = struct.pack("<II", col, 0)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return record(0x0004, head + bytes([value]))
    if isinstance(value, (int, float)):
        return record(0x0005, head + struct.pack("<d", float(value)))
    if isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()
    return record(0x0006, head + _wide(str(value)))


def _sheet(shell: bytes, rows: list[list]) -> bytes:
    recs = [(t, shell[lo:hi], shell[start:hi]) for t, lo, hi, start in xlsb_records(shell)]
    types = [t for t, _, _ in recs]
    begin, end = types.index(BEGIN_DATA), types.index(END_DATA)
    row_hdr = next(body for t, body, _ in recs if t == ROW_HDR)
    width = max((len(r) for r in rows), default=1) or 1
    out = bytearray()
    for t, body, raw in recs[: begin + 1]:
        if t == WS_DIM:
            raw = record(WS_DIM, struct.pack("<IIII", 0, max(len(rows) - 1, 0), 0, width - 1))
        out += raw
    for r, row in enumerate(rows):
        cells = [c for c in (_cell(col, v) for col, v in enumerate(row)) if c]
        if not cells:
            continue
        # rw, then the shell's height and flags, then one column span
        out += record(ROW_HDR, struct.pack("<I", r) + row_hdr[4:13] + struct.pack("<III", 1, 0, width - 1))
        for c in cells:
            out += c
    for _t, _body, raw in recs[end:]:
        out += raw
    return bytes(out)


def write_xlsb(path: Path, sheets: dict[str, list[list]], hidden: frozenset = frozenset()) -> Path:
    with zipfile.ZipFile(SHELL) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    book = parts["xl/workbook.bin"]
    recs = list(xlsb_records(book))
    at = next(i for i, (t, *_x) in enumerate(recs) if t == BUNDLE_SH)
    bundles = b"".join(
        record(BUNDLE_SH, struct.pack("<II", 1 if name in hidden else 0, i + 1) + _wide(f"rIdS{i + 1}") + _wide(name))
        for i, name in enumerate(sheets)
    )
    first, last = recs[at][3], recs[at][2]
    parts["xl/workbook.bin"] = book[:first] + bundles + book[last:]

    shell_sheet = parts.pop("xl/worksheets/sheet1.bin")
    for n in ("xl/worksheets/_rels/sheet1.bin.rels", "xl/worksheets/binaryIndex1.bin"):
        parts.pop(n, None)
    rels = parts["xl/_rels/workbook.bin.rels"].decode()
    rels = re.sub(r'<Relationship [^>]*Target="worksheets/sheet1.bin"/>', "", rels)
    types = parts["[Content_Types].xml"].decode()
    types = re.sub(r'<Override PartName="/xl/worksheets/[^"]*"[^>]*/>', "", types)
    for i, (name, rows) in enumerate(sheets.items(), start=1):
        parts[f"xl/worksheets/sheet{i}.bin"] = _sheet(shell_sheet, rows)
        rels = rels.replace(
            "</Relationships>",
            f'<Relationship Id="rIdS{i}" Type="http://schemas.openxmlformats.org/'
            f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.bin"/>'
            "</Relationships>",
        )
        types = types.replace(
            "</Types>",
            f'<Override PartName="/xl/worksheets/sheet{i}.bin" '
            'ContentType="application/vnd.ms-excel.worksheet"/></Types>',
        )
    parts["xl/_rels/workbook.bin.rels"] = rels.encode()
    parts["[Content_Types].xml"] = types.encode()
    path = Path(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return path


def report_as_xlsb(xlsx: Path, dst: Path) -> Path:
    """The same report, every sheet and cell as calamine reads it, saved as .xlsb."""
    from lingong.read.workbook import read_workbook

    wb = read_workbook(xlsx)
    sheets = {n: wb.sheet(n).rows for n in wb.sheet_names}
    return write_xlsb(dst, sheets, frozenset(n for n in wb.sheet_names if not wb.sheet(n).visible))
