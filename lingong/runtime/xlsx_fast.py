"""Shorter ways through xlsxwriter's innermost loops, writing the very same bytes: optional.

Every cell of every workbook the program lays out is serialised by xlsxwriter's
``Worksheet._write_cell``, which builds a list of attributes, escapes each one
(an int through a caught TypeError) and formats the element in a helper. For the
three kinds of cell the outputs are made of (a shared string, a number, a blank,
each with its format) the element is a fixed pattern around values that never
need escaping (a cell reference, an xf index, a string index), so it is written
in one step. Every other cell, and any cell without its own format, goes the
library's way.

A merged range is padded by the library with one formatted blank cell per covered
cell, each written through the full checks; the blanks are stored directly once the
range's corners have passed them (a form merges some 35 ranges, 250 cells).

The shared strings part is written by the library too, but each string's ``<si>``
element is kept once made (it depends on the string alone): the labels and
headings of a document are the same in every one a process writes.

All of it replaces or calls private methods of xlsxwriter, so it is used only where it was
checked, byte for byte (tests/runtime/test_xlsx_fast.py): with the xlsxwriter version named
below, while every method it replaces or calls takes the parameters it takes there and the
cell tuples have their fields. Another version, a changed method, a module moved, or the
environment variable LINGONG_XLSX_FAST=0 switch it off: workbooks are then written by
xlsxwriter's own classes (``classes``), the same bytes, about 2 ms a form slower. ``status``
says which and why, for 运行记录.json and the benchmark. Nothing depends on it: the masking of
every output (xlsx_masking) is put on whichever worksheet class is in use.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from io import StringIO

from xlsxwriter import Workbook
from xlsxwriter import __version__ as XLSXWRITER_VERSION
from xlsxwriter.worksheet import Worksheet

from lingong.runtime.library_hooks import first_changed

try:  # the library's inner modules: an xlsxwriter laid out otherwise leaves the short ways off
    from xlsxwriter.packager import Packager
    from xlsxwriter.sharedstrings import SharedStrings
    from xlsxwriter.utility import xl_range, xl_rowcol_to_cell_fast
    from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple
except ImportError as e:
    _NOT_IMPORTED = f"xlsxwriter 中找不到 {e.name or e}"
else:
    _NOT_IMPORTED = ""

CHECKED_VERSION = "3.3.1"
SWITCH = "LINGONG_XLSX_FAST"  # "0" switches the short ways off


class FastWorksheet(Worksheet):
    """xlsxwriter's Worksheet with the short ways above; written with only when ``status`` allows."""

    def _write_cell(self, row, col, cell):
        kind = type(cell)
        fmt = cell.format
        if fmt is None or (kind is not CellStringTuple and kind is not CellNumberTuple and kind is not CellBlankTuple):
            return super()._write_cell(row, col, cell)
        if kind is CellStringTuple and self.constant_memory:
            return super()._write_cell(row, col, cell)
        ref = xl_rowcol_to_cell_fast(row, col)
        xf = fmt.xf_index
        if xf is None:
            xf = fmt._get_xf_index()
        if kind is CellStringTuple:
            # cell.string is the index into the shared strings.
            self.fh.write(f'<c r="{ref}" s="{xf}" t="s"><v>{cell.string}</v></c>')
        elif kind is CellNumberTuple:
            self.fh.write(f'<c r="{ref}" s="{xf}"><v>{cell.number:.16G}</v></c>')
        else:
            self.fh.write(f'<c r="{ref}" s="{xf}"/>')
        return None

    def merge_range(self, *args, **kwargs):
        # The library's checks and bookkeeping, with the blank cells that cover the merge
        # stored directly: their bounds are those of the corners, checked already. The
        # unusual calls (A1 notation, keywords, one cell, a reversed or overlapping range,
        # no format, constant memory) go the library's way, which warns or raises as it does.
        if (
            kwargs
            or len(args) != 6
            or args[5] is None
            or self.constant_memory
            or not all(type(a) is int for a in args[:4])
            or args[0] > args[2]
            or args[1] > args[3]
            or (args[0] == args[2] and args[1] == args[3])
        ):
            return super().merge_range(*args, **kwargs)
        first_row, first_col, last_row, last_col, data, cell_format = args
        if self._check_dimensions(first_row, first_col) or self._check_dimensions(last_row, last_col):
            return -1
        cells = [(r, c) for r in range(first_row, last_row + 1) for c in range(first_col, last_col + 1)]
        merged, tables = self.merged_cells, self.table_cells
        if any(merged.get(rc) or tables.get(rc) for rc in cells):
            return super().merge_range(*args)
        cell_range = xl_range(first_row, first_col, last_row, last_col)
        for rc in cells:
            merged[rc] = cell_range
        self.merge.append([first_row, first_col, last_row, last_col])
        self._write(first_row, first_col, data, cell_format)
        blank = CellBlankTuple(cell_format)
        table = self.table
        for r, c in cells[1:]:
            table[r][c] = blank
        return 0

    def _escape_attributes(self, attribute):
        # The library returns anything but a string as it is, after a TypeError.
        if not isinstance(attribute, str):
            return attribute
        return super()._escape_attributes(attribute)


# string -> its <si> element; short strings only (the repeated ones), and bounded.
_SI_XML: dict[str, str] = {}
_SI_MAX_CHARS = 256
_SI_MAX_ENTRIES = 16384


if not _NOT_IMPORTED:  # (defined only where the library has what they build on)

    class _RememberingSharedStrings(SharedStrings):
        def _write_si(self, string):
            xml = _SI_XML.get(string)
            if xml is None:
                out, self.fh = self.fh, StringIO()
                try:
                    super()._write_si(string)
                    xml = self.fh.getvalue()
                finally:
                    self.fh = out
                if len(string) <= _SI_MAX_CHARS:
                    if len(_SI_XML) >= _SI_MAX_ENTRIES:
                        _SI_XML.clear()
                    _SI_XML[string] = xml
            self.fh.write(xml)

    class _FastPackager(Packager):
        def _write_shared_strings_file(self):
            # The library's method, with the class above.
            sst = _RememberingSharedStrings()
            sst.string_table = self.workbook.str_table
            if not self.workbook.str_table.count:
                return
            sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
            sst._assemble_xml_file()


class FastWorkbook(Workbook):
    """xlsxwriter's Workbook, packaged with the remembered <si> elements; written with only when
    ``status`` allows."""

    def _get_packager(self):  # the library's documented place to swap the packager
        return _FastPackager()


# What the classes above replace or call, with the parameters each takes in CHECKED_VERSION.
_HOOKS = {
    (Worksheet, "_write_cell"): "self, row, col, cell",
    (Worksheet, "merge_range"): "self, first_row, first_col, last_row, last_col, data, cell_format=",
    (Worksheet, "_check_dimensions"): "self, row, col, ignore_row=, ignore_col=",
    (Worksheet, "_write"): "self, row, col, *args",
    (Worksheet, "_escape_attributes"): "self, attribute",
    (Workbook, "_get_packager"): "self",
}
if not _NOT_IMPORTED:
    _HOOKS.update(
        {
            (SharedStrings, "_write_si"): "self, string",
            (SharedStrings, "_set_xml_writer"): "self, filename",
            (SharedStrings, "_assemble_xml_file"): "self",
            (Packager, "_write_shared_strings_file"): "self",
            (Packager, "_filename"): "self, xml_filename",
        }
    )
    _CELL_FIELDS = {
        CellStringTuple: ("string", "format"),
        CellNumberTuple: ("number", "format"),
        CellBlankTuple: ("format",),
    }


@dataclass(frozen=True)
class Status:
    """Whether workbooks are written the short ways, with which xlsxwriter, and why not."""

    active: bool
    xlsxwriter: str
    reason: str = ""  # why they are off, for a clerk's eyes ("" when on)

    def record(self) -> dict:
        """As 运行记录.json keeps it."""
        out = {"active": self.active, "xlsxwriter": self.xlsxwriter, "checked_against": CHECKED_VERSION}
        return {**out, "reason": self.reason} if self.reason else out


def library_mismatch(version: str = XLSXWRITER_VERSION) -> str:
    """Why the xlsxwriter at hand (``version``, its methods as they are now) is not the one the
    short ways were checked against, in Chinese; "" when it is."""
    if version != CHECKED_VERSION:
        return f"xlsxwriter 为 {version} 版，快速写入只在核对过的 {CHECKED_VERSION} 版上使用"
    if _NOT_IMPORTED:
        return _NOT_IMPORTED
    changed = first_changed(_HOOKS) or next(
        (f"{t.__name__} 的字段" for t, fields in _CELL_FIELDS.items() if t._fields != fields), ""
    )
    return f"xlsxwriter 的 {changed} 与 {CHECKED_VERSION} 版不同" if changed else ""


_CHECKED: dict[tuple, str] = {}  # the methods' identities -> library_mismatch(): checked once per library


def status() -> Status:
    """Whether the short ways are used for the next workbook (the switch is read each time)."""
    if os.environ.get(SWITCH, "").strip() == "0":
        return Status(False, XLSXWRITER_VERSION, f"环境变量 {SWITCH}=0 关闭了快速写入")
    key = tuple(id(getattr(cls, name, None)) for cls, name in _HOOKS)
    if key not in _CHECKED:
        _CHECKED[key] = library_mismatch()
    why = _CHECKED[key]
    return Status(not why, XLSXWRITER_VERSION, why)


def classes() -> tuple[type[Workbook], type[Worksheet]]:
    """The workbook and worksheet classes to write with: the short ways' when ``status`` allows,
    xlsxwriter's own otherwise."""
    return (FastWorkbook, FastWorksheet) if status().active else (Workbook, Worksheet)
