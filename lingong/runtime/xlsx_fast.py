"""Shorter ways through xlsxwriter's innermost loops, writing the very same bytes.

Every cell of every workbook the program lays out is serialised by xlsxwriter's
``Worksheet._write_cell``, which builds a list of attributes, escapes each one
(an int through a caught TypeError) and formats the element in a helper. For the
three kinds of cell the outputs are made of (a shared string, a number, a blank,
each with its format) the element is a fixed pattern around values that never
need escaping (a cell reference, an xf index, a string index), so it is written
in one step. Every other cell, and any cell without its own format, goes the
library's way.

The patterns are those of the xlsxwriter version named below, checked there
byte for byte (tests/runtime/test_xlsx_fast.py); with any other version the
library's own methods are used unchanged.
"""

from __future__ import annotations

from xlsxwriter import __version__ as XLSXWRITER_VERSION
from xlsxwriter.utility import xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple, Worksheet

CHECKED_VERSION = "3.3.1"
ENABLED = XLSXWRITER_VERSION == CHECKED_VERSION


class FastWorksheet(Worksheet):
    """xlsxwriter's Worksheet with the short ways above (when ENABLED)."""

    if ENABLED:

        def _write_cell(self, row, col, cell):
            kind = type(cell)
            fmt = cell.format
            if fmt is None or (
                kind is not CellStringTuple and kind is not CellNumberTuple and kind is not CellBlankTuple
            ):
                return super()._write_cell(row, col, cell)
            if kind is CellStringTuple and self.constant_memory:
                return super()._write_cell(row, col, cell)
            ref = xl_rowcol_to_cell_fast(row, col)
            xf = fmt._get_xf_index()
            if kind is CellStringTuple:
                # cell.string is the index into the shared strings.
                self.fh.write(f'<c r="{ref}" s="{xf}" t="s"><v>{cell.string}</v></c>')
            elif kind is CellNumberTuple:
                self.fh.write(f'<c r="{ref}" s="{xf}"><v>{cell.number:.16G}</v></c>')
            else:
                self.fh.write(f'<c r="{ref}" s="{xf}"/>')
            return None

        def _escape_attributes(self, attribute):
            # The library returns anything but a string as it is, after a TypeError.
            if not isinstance(attribute, str):
                return attribute
            return super()._escape_attributes(attribute)
