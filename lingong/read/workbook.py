"""Reading a spreadsheet file into plain grids, with calamine.

The contract every reader relies on:
- sheets are selected by name, never by position (a hidden first sheet is common);
  ``has``/``sheet`` also find a sheet whose name only differs by surrounding spaces;
- a grid keeps the file's own coordinates: grid[r][c] is the cell at row r+1,
  column c+1 as Excel shows it (calamine trims leading empty rows/columns unless
  told not to, which would shift every address we report);
- values as calamine gives them: numbers are float for .xlsx/.ods and int or float
  for .xls (an integer-valued cell may arrive as 3 or 3.0: compare by value);
  text is str; empty cells are None; booleans are bool in .xlsx/.xls but 1.0/0.0
  in LibreOffice .ods; a date cell is ``datetime.date`` when its time is
  midnight and ``datetime.datetime`` otherwise, a time-only cell
  ``datetime.time``, a duration (``[h]:mm``) ``datetime.timedelta``;
- an error cell is a CellError, never a blank. calamine itself returns '' for
  error cells in every format, so they are found beside it: in the sheet XML
  of .xlsx and .ods, in the BOOLERR/FORMULA records of a BIFF8 .xls (older
  BIFF5 files: not found), in the BrtCellError/BrtFmlaError records of an
  .xlsb (calamine skips the latter altogether). A text cell typed as "#N/A"
  also reads as CellError;
- a formula cell without a cached value (.xlsx written by a program that never
  calculated) is listed in ``uncached`` so the reader can say so (an .xlsb
  formula record always carries a result; a stale one cannot be told);
- a sheet is cut to MAX_ROWS x MAX_COLS and marked ``truncated``. For .xlsx the
  cut happens before calamine sees the sheet: calamine builds a dense grid up to
  the last used cell, so one stray value in A1048576 costs it 300 MB and one in
  BZ1048576 2.5 GB (beyond 100 million cells it refuses: F005); .xlsb sheets are
  cut the same way, record by record, and .xls ones too (scan_xls.bounded_xls: the
  format's 65536 x 256 is still 500 MB to calamine, which builds every sheet when it
  opens the file); for .ods a far cell is refused by
  calamine's cell limit. The worker's memory cap (parallel.run_isolated) is the
  last line for anything else.

What calamine misses is found by one scanner a format (scan_xlsx, scan_xlsb, scan_xls,
scan_ods). Over 300 lines because this docstring is the contract, and the mapping of
every way a file fails to a catalogue code (read_workbook, read_checked) belongs with it.

Over 300 lines because it is the reading contract above and read_workbook/read_checked,
which apply it; the per-format scanners are in scan_*.py.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

from lingong.discover.preflight import preflight
from lingong.ooxml import safexml
from lingong.ooxml.archive import normalize_member_names
from lingong.ooxml.namespaces import has_content_types
from lingong.read.labels import sheet_key
from lingong.read.read_failures import is_damage, old_ole_version, unsupported

# The limits and WorkbookError are part of this contract.
from lingong.read.scan_base import (  # noqa: F401
    MAX_COLS,
    MAX_FILE_BYTES,
    MAX_PART_BYTES,
    MAX_ROWS,
    Extras,
    WorkbookError,
    far_cells,
    read_limited,
    repacked,
    wants,
)
from lingong.read.scan_ods import ods_extras
from lingong.read.scan_xls import OLE_MAGIC, bounded_xls, scan_xls_errors
from lingong.read.scan_xlsb import xlsb_extras
from lingong.read.scan_xlsx import unopenable_sheets_removed, xlsx_extras
from lingong.read.sheet_names import own_sheet_names


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

    def _resolve(self, name: str) -> str | None:
        if name in self.sheet_names:
            return name
        key = sheet_key(name)
        return next((n for n in self.sheet_names if sheet_key(n) == key), None)

    def has(self, name: str) -> bool:
        return self._resolve(name) is not None

    def sheet(self, name: str) -> Sheet:
        real = self._resolve(name)
        if real is None or real not in self._sheets:
            raise KeyError(name)
        return self._sheets[real]


_ERROR_STRINGS = {
    "#DIV/0!",
    "#N/A",
    "#NAME?",
    "#NULL!",
    "#NUM!",
    "#REF!",
    "#VALUE!",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#UNKNOWN!",
    "#BUSY!",
}


def read_workbook(
    path: Path, wanted: set[str] | None = None, *, data: bytes | None = None, zf: zipfile.ZipFile | None = None
) -> Workbook:
    """Read the sheets named in ``wanted`` (all when None; names compared after
    trimming spaces). Raises WorkbookError on unreadable files; call
    ``preflight`` first for the cheap, safe checks.

    ``data`` is the file's content if already read, ``zf`` the zip over it: a
    worker reads each file once, and the hash, the checks and calamine all see
    that one snapshot."""
    import python_calamine as pc

    path = Path(path)
    if data is None:
        data = read_limited(path)
    head = data[:8]
    if not head:
        raise WorkbookError("F001", "0 字节")
    extras: dict[str, Extras] = {}
    patched_source: io.BytesIO | None = None
    kind = None
    if head.startswith(b"PK"):
        own = zf is None
        try:
            if own:
                zf = zipfile.ZipFile(io.BytesIO(data))
            bad_name = normalize_member_names(zf)
            if bad_name:
                raise WorkbookError("F003", bad_name)
            names = set(zf.namelist())
            # calamine follows "\\" names in an .xlsx but panics on them in an .xlsb
            # ("no entry found for key"): it is given the package with "/" names.
            slashed = any("\\" in i.orig_filename for i in zf.infolist())
            patched: dict[str, bytes] = {}
            try:
                if "xl/workbook.bin" in names:
                    kind = "xlsb"
                    extras, patched = xlsb_extras(zf, wanted)
                elif "xl/workbook.xml" in names or has_content_types(names):
                    kind = "xlsx"
                    extras, patched = xlsx_extras(zf, wanted)
                    patched.update(unopenable_sheets_removed(zf))
                elif "content.xml" in names:
                    kind = "ods"
                    extras = ods_extras(zf, wanted)
            except (ValueError, KeyError, IndexError, struct.error, ParseError):
                # (A damaged member raises BadZipFile or zlib.error, which go on to F003.)
                # Our scanner could not follow a part that calamine may still read (a
                # producer's own layout is not damage): calamine decides, unscanned.
                extras, patched = {}, {}
            if patched or (slashed and kind == "xlsb"):
                patched_source = repacked(zf, patched)
        except WorkbookError:
            raise
        except safexml.Forbidden as e:
            raise WorkbookError("F006", "文件含 DOCTYPE 或实体声明") from e
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError, ParseError, zlib.error) as e:
            raise WorkbookError("F003", _zip_damage(e)) from e
        except (safexml.Malformed, UnicodeDecodeError) as e:
            raise WorkbookError("F003", "工作表内容损坏") from e
        except NotImplementedError as e:
            raise WorkbookError("F003", "使用了不支持的压缩方式") from e
        finally:
            if own and zf is not None:
                zf.close()

    elif head.startswith(OLE_MAGIC):
        kind = "xls"
        try:
            extras = scan_xls_errors(path, wanted, data=data)
        except (ValueError, OSError, IndexError, UnicodeDecodeError):
            extras = {}  # calamine will say what is wrong with the file
        try:
            bounded, cut = bounded_xls(data, MAX_ROWS, MAX_COLS)
        except (ValueError, OSError, IndexError, struct.error):
            bounded, cut = None, set()  # calamine will say what is wrong with the file
        if bounded is not None:
            patched_source = io.BytesIO(bounded)
            for name in cut:
                extras.setdefault(name, Extras()).truncated = True

    try:
        # From memory, by content: an .xlsx named .xls is common, and it costs less than by path.
        wb = pc.CalamineWorkbook.from_filelike(patched_source or io.BytesIO(data))
    except pc.PasswordError as e:
        raise WorkbookError("F004", "文件设置了密码") from e
    except BaseException as e:
        if not _reader_failed(e, pc):
            raise
        msg = str(e)
        if patched_source is None and path.suffix.lower() in _NATIVE_EXTS.get(kind, ()):
            # Sniffing content, calamine says only "Cannot detect file format"; opened by
            # a truthful name it names the real cause.
            try:
                pc.CalamineWorkbook.from_path(str(path)).close()
            except pc.PasswordError as e2:
                raise WorkbookError("F004", "文件设置了密码") from e2
            except OSError:
                pass
            except BaseException as e2:
                if not _reader_failed(e2, pc):
                    raise
                msg = str(e2)
        raise _explain_failure(path, head, msg, data) from e
    try:
        return _read_sheets(wb, path, wanted, extras, pc)
    finally:
        wb.close()


def _reader_failed(e: BaseException, pc) -> bool:
    """calamine's own errors, and its Rust panics: pyo3 raises PanicException, a
    BaseException, for a file calamine's code did not expect (a bug of the reader on
    that file, never of the run)."""
    return isinstance(e, pc.CalamineError) or type(e).__name__ == "PanicException"


def _zip_damage(e: Exception) -> str:
    """The clerk's words for what broke inside the package (no Python exception names)."""
    if isinstance(e, KeyError):
        return "压缩结构损坏：缺少必需的部件"
    if isinstance(e, (zipfile.BadZipFile, zlib.error, EOFError)):
        return "压缩结构损坏：部件数据与压缩包目录不符"
    if isinstance(e, ParseError):
        return "压缩结构损坏：部件内容不是有效的 XML"
    return "压缩结构损坏"


_NATIVE_EXTS = {"xlsx": (".xlsx", ".xlsm"), "xlsb": (".xlsb",), "ods": (".ods",), "xls": (".xls",)}


def _explain_failure(path: Path, head: bytes, msg: str, data: bytes) -> WorkbookError:
    """calamine says "Cannot detect file format" for an encrypted, a damaged and a
    foreign file alike; the preflight checks tell them apart. A container that is
    whole is not called damaged: an old BIFF version is F013, anything else calamine
    does not support F014, with the sheet names found by our own means
    (``sheet_names``: a workbook that is not a report is then skipped as such)."""
    if "cell limit" in msg.lower():
        return far_cells(msg)
    pf = preflight(path, data=data)
    if not pf.ok and pf.code:
        return WorkbookError(pf.code, pf.found, pf.expected)
    if "password" in msg.lower() or "encrypt" in msg.lower():
        return WorkbookError("F004", "文件设置了密码")
    if not head.startswith((b"PK", OLE_MAGIC)):
        return WorkbookError("F002", "无法识别的格式")
    old = old_ole_version(data) if head.startswith(OLE_MAGIC) else None
    if old:
        err = WorkbookError("F013", old)
    elif is_damage(msg):
        return WorkbookError("F003", "文件内容损坏")
    else:
        err = WorkbookError("F014", unsupported(msg))
    err.sheet_names = own_sheet_names(data)
    return err


def _sheet_failure(name: str, msg: str, names: list[str]) -> WorkbookError:
    if is_damage(msg):
        return WorkbookError("F003", f"工作表“{name}”内容损坏")
    err = WorkbookError("F014", f"工作表“{name}”{unsupported(msg)}")
    err.sheet_names = names
    return err


def _read_sheets(wb, path: Path, wanted, extras, pc) -> Workbook:
    names = list(wb.sheet_names)
    meta = {m.name: m for m in wb.sheets_metadata}
    out = Workbook(path, names)
    for name in names:
        if not wants(wanted, name):
            continue
        m = meta.get(name)
        visible = m is None or m.visible == pc.SheetVisibleEnum.Visible
        if m is not None and m.typ == pc.SheetTypeEnum.ChartSheet:
            # a chart sheet has no cells; calamine fails on one in .xlsb ("failed to fill whole buffer")
            out._sheets[name] = Sheet(name, visible, [])
            continue
        try:
            sh = wb.get_sheet_by_name(name)
            raw = sh.to_python(skip_empty_area=False, nrows=MAX_ROWS)
            end = sh.end
        except pc.PasswordError as e:
            raise WorkbookError("F004", "文件设置了密码") from e
        except OSError as e:  # calamine's I/O errors inside the package: a short or damaged part
            raise WorkbookError("F003", f"工作表“{name}”内容不完整") from e
        except BaseException as e:
            if not _reader_failed(e, pc):
                raise
            if "cell limit" in str(e).lower():
                raise far_cells(str(e)) from e
            raise _sheet_failure(name, str(e), names) from e
        ex = extras.get(name) or Extras()
        truncated = ex.truncated or (end is not None and (end[0] >= MAX_ROWS or end[1] >= MAX_COLS))
        errs = _ERROR_STRINGS
        rows = [
            [
                None if v == "" else (CellError(v) if v in errs else v)
                for v in (row[:MAX_COLS] if len(row) > MAX_COLS else row)
            ]
            for row in raw
        ]
        for (r, c), text in ex.errors.items():
            if r < MAX_ROWS and c < MAX_COLS:
                if r >= len(rows):  # a cell calamine skipped past the end (.xlsb BrtFmlaError)
                    rows.extend([] for _ in range(r + 1 - len(rows)))
                row = rows[r]
                if c >= len(row):
                    row.extend([None] * (c + 1 - len(row)))
                row[c] = CellError(text or "#错误")
        uncached = {(r, c) for r, c in ex.uncached if r < MAX_ROWS and c < MAX_COLS}
        out._sheets[name] = Sheet(name, visible, rows, uncached=uncached, truncated=truncated)
    return out


# ---- the one call a worker makes per file ---------------------------------------


@dataclass
class ReadResult:
    """What became of reading one file. ``code`` is None when ``workbook`` was read;
    otherwise a catalogue code (F001..F008, F007 when the file changed while read)
    and a Chinese ``found`` detail for ``issue(code, found=..., expected=...)``."""

    workbook: Workbook | None
    code: str | None
    found: str
    fmt: str | None
    size: int
    mtime_ns: int
    sha256: str
    expected: str = ""  # the limit a file exceeded (F005)
    # The sheet names found without calamine when calamine could not read the file
    # (F013/F014): a workbook that holds no sheet of ours is skipped, not refused.
    sheet_names: list[str] | None = None


def read_checked(path: Path, wanted: set[str] | None = None) -> ReadResult:
    """Read ``path`` once, then hash, preflight and parse that one snapshot; report a
    file still being copied in (F007).

    Never raises for a bad file; run it under ``parallel.run_isolated`` so that a
    reader crash or runaway costs only this file."""
    import hashlib

    path = Path(path)
    try:
        st0 = os.stat(path)
        data = read_limited(path)
    except WorkbookError as e:
        return ReadResult(None, e.code, e.found, None, st0.st_size, st0.st_mtime_ns, "", e.expected)
    except OSError as e:
        found = "没有读取权限" if isinstance(e, PermissionError) else (e.strerror or type(e).__name__)
        return ReadResult(None, "F008", found, None, 0, 0, "")
    digest = hashlib.sha256(data).hexdigest()
    zf = None
    if data[:4] == b"PK\x03\x04":
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except Exception:  # noqa: BLE001 - preflight opens it again and names the damage
            zf = None
    try:
        pf = preflight(path, data=data, zf=zf)
        wb, code, found, expected = None, pf.code, pf.found, pf.expected
        names = None
        if pf.ok:
            try:
                wb = read_workbook(path, wanted, data=data, zf=zf)
            except WorkbookError as e:
                code, found, expected = e.code, e.found, e.expected
                names = getattr(e, "sheet_names", None)
            except OSError as e:
                code, found = "F008", e.strerror or type(e).__name__
    finally:
        if zf is not None:
            zf.close()
    try:
        st1 = os.stat(path)
        changed = (st1.st_size, st1.st_mtime_ns) != (st0.st_size, st0.st_mtime_ns) or st1.st_size != len(data)
    except OSError:
        changed = True
    if changed:
        return ReadResult(None, "F007", "读取期间文件发生变化", pf.fmt, st0.st_size, st0.st_mtime_ns, "")
    return ReadResult(wb, code, found, pf.fmt, st0.st_size, st0.st_mtime_ns, digest, expected, names)
