"""The sheet names of a workbook calamine cannot open, read by our own means.

A workbook from another producer (an Excel 4.0 macro sheet, a sheet without a
relationship id, an old BIFF5 file) can stop calamine before it lists a single
sheet. Its names still tell what the file is: one without a report, registry or
decision sheet is skipped as not a report, like any other such workbook, rather
than refused as unreadable. Each lister reads only the part that names the sheets
and returns None when that part cannot be found or parsed.
"""

from __future__ import annotations

import io
import re
import zipfile
from html import unescape

from lingong.discover.limits import MAX_XLS_STREAM
from lingong.discover.preflight import BOOK_STREAMS, ole_read_stream
from lingong.ooxml.archive import normalize_member_names
from lingong.ooxml.limits import MAX_PART_BYTES
from lingong.read.scan_base import elements, office_document, read_part
from lingong.read.scan_xls import OLE_MAGIC, sheet_names_by_offset
from lingong.read.scan_xlsb import XLSB_BUNDLE_SH, wide_string, xlsb_records

_ODS_TABLE = re.compile(rb"<table:table\b[^>]*?\btable:name=\"([^\"]*)\"")


def own_sheet_names(data: bytes, zf: zipfile.ZipFile | None = None) -> list[str] | None:
    """The names of the sheets in ``data`` (any supported container), or None."""
    try:
        if data[:4] == b"PK\x03\x04":
            if zf is None:
                with zipfile.ZipFile(io.BytesIO(data)) as z:
                    return _zip_names(z)
            return _zip_names(zf)
        if data[:8] == OLE_MAGIC:
            return _xls_names(data)
    except Exception:  # noqa: BLE001 - a part that cannot be parsed leaves the names unknown
        return None
    return None


def _zip_names(zf: zipfile.ZipFile) -> list[str] | None:
    normalize_member_names(zf)  # "xl\\workbook.bin" is xl/workbook.bin, as for the readers
    names = set(zf.namelist())
    if "xl/workbook.bin" in names:
        book = read_part(zf, "xl/workbook.bin")
        out = []
        for rtype, lo, hi, _ in xlsb_records(book):
            if rtype == XLSB_BUNDLE_SH and hi - lo >= 16:
                _rel, pos = wide_string(book, lo + 8, hi)
                name, _ = wide_string(book, pos, hi)
                if name is not None:
                    out.append(name)
        return out
    if "content.xml" in names:
        info = zf.getinfo("content.xml")
        if info.file_size > MAX_PART_BYTES:
            return None
        return [unescape(m.decode("utf-8", "replace")) for m in _ODS_TABLE.findall(zf.read(info))]
    root = read_part(zf, "_rels/.rels") if "_rels/.rels" in names else None
    part = office_document(root)
    if part not in names:
        return None
    return [el.get("name", "") for el in elements(read_part(zf, part), "sheet")]


def _xls_names(data: bytes) -> list[str] | None:
    stream = ole_read_stream(io.BytesIO(data), len(data), BOOK_STREAMS, MAX_XLS_STREAM)
    if not stream:
        return None
    return list(sheet_names_by_offset(stream).values())
