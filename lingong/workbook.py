"""Reading a spreadsheet file into plain grids, with calamine.

The contract every reader relies on:
- sheets are selected by name, never by position (a hidden first sheet is common);
- a grid keeps the file's own coordinates: grid[r][c] is the cell at row r+1,
  column c+1 as Excel shows it (calamine trims leading empty rows/columns unless
  told not to, which would shift every address we report);
- numbers arrive as float/int, text as str, empty cells as None, booleans as bool,
  dates as datetime/date; an error cell is a CellError, never a blank;
- a formula cell without a cached value is listed in ``uncached`` so the reader
  can say so instead of reading a silent blank.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

MAX_ROWS = 5000      # a stray value in row 1,048,576 must not build a million-row grid
MAX_COLS = 60


@dataclass(frozen=True)
class CellError:
    text: str  # e.g. "#DIV/0!"

    def __str__(self) -> str:
        return self.text


@dataclass
class Sheet:
    name: str
    visible: bool
    rows: list[list[object]]
    uncached: set[tuple[int, int]] = field(default_factory=set)  # (row0, col0) formula w/o value
    truncated: bool = False

    def cell(self, r: int, c: int):
        if 0 <= r < len(self.rows) and 0 <= c < len(self.rows[r]):
            return self.rows[r][c]
        return None


@dataclass
class Workbook:
    path: Path
    sheet_names: list[str]
    _sheets: dict[str, Sheet] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.sheet_names

    def sheet(self, name: str) -> Sheet:
        return self._sheets[name]


_ERROR_STRINGS = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#GETTING_DATA"}


def _clean(v):
    if v == "":
        return None
    if isinstance(v, str) and v in _ERROR_STRINGS:
        return CellError(v)
    return v


def read_workbook(path: Path, wanted: set[str] | None = None) -> Workbook:
    """Read the sheets named in ``wanted`` (all when None). Raises on unreadable files;
    call ``preflight`` first for a clear reason."""
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(str(path))
    try:
        names = list(wb.sheet_names)
        meta = {m.name: m for m in wb.sheets_metadata}
        out = Workbook(Path(path), names)
        for name in names:
            if wanted is not None and name not in wanted:
                continue
            sh = wb.get_sheet_by_name(name)
            rows = []
            truncated = False
            for i, row in enumerate(sh.to_python(skip_empty_area=False, nrows=MAX_ROWS + 1)):
                if i >= MAX_ROWS:
                    truncated = True
                    break
                if len(row) > MAX_COLS:
                    row = row[:MAX_COLS]
                rows.append([_clean(v) for v in row])
            visible = str(getattr(meta.get(name), "visible", "Visible")).endswith("Visible")
            out._sheets[name] = Sheet(name, visible, rows, truncated=truncated)
        return out
    finally:
        wb.close()
