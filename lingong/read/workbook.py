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
  cut the same way, record by record. For .xls the
  format itself bounds the grid (65536 x 256); for .ods a far cell is refused by
  calamine's cell limit. The worker's memory cap (parallel.run_isolated) is the
  last line for anything else.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import struct
import xml.parsers.expat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException

MAX_ROWS = 5000  # a stray value in row 1,048,576 must not build a million-row grid
MAX_COLS = 60
MAX_PART_BYTES = 50 * 1024 * 1024  # same bound as preflight; read_workbook may be called alone
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


def _norm_name(name: str) -> str:
    return str(name).strip().replace("\u3000", "")


@dataclass
class Workbook:
    path: Path
    sheet_names: list[str]
    _sheets: dict[str, Sheet] = field(default_factory=dict)

    def _resolve(self, name: str) -> str | None:
        if name in self.sheet_names:
            return name
        key = _norm_name(name)
        return next((n for n in self.sheet_names if _norm_name(n) == key), None)

    def has(self, name: str) -> bool:
        return self._resolve(name) is not None

    def sheet(self, name: str) -> Sheet:
        real = self._resolve(name)
        if real is None or real not in self._sheets:
            raise KeyError(name)
        return self._sheets[real]


class WorkbookError(Exception):
    """The file cannot be read; ``code``/``found``/``expected`` make the catalogue issue
    (``expected``: the limit exceeded, for F005)."""

    def __init__(self, code: str, found: str, expected: str = ""):
        super().__init__(found)
        self.code = code
        self.found = found
        self.expected = expected


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


def _wants(wanted: set[str] | None, name: str) -> bool:
    if wanted is None:
        return True
    return name in wanted or _norm_name(name) in {_norm_name(w) for w in wanted}


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
    extras: dict[str, _Extras] = {}
    patched_source: io.BytesIO | None = None
    kind = None
    if head.startswith(b"PK"):
        own = zf is None
        try:
            if own:
                zf = zipfile.ZipFile(io.BytesIO(data))
            from lingong.discover.preflight import normalize_member_names

            bad_name = normalize_member_names(zf)
            if bad_name:
                raise WorkbookError("F003", bad_name)
            names = set(zf.namelist())
            if "xl/workbook.bin" in names:
                kind = "xlsb"
                extras, patched = _scan_xlsb(zf, wanted)
                if patched:
                    patched_source = _patched_zip(zf, patched)
            elif "xl/workbook.xml" in names or "[Content_Types].xml" in names:
                kind = "xlsx"
                extras, patched = _scan_xlsx(zf, wanted)
                if patched:
                    patched_source = _patched_zip(zf, patched)
            elif "content.xml" in names:
                kind = "ods"
                extras = _scan_ods(zf, wanted)
        except WorkbookError:
            raise
        except DefusedXmlException as e:
            raise WorkbookError("F006", "文件含 DOCTYPE 或实体声明") from e
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError, ParseError, zlib.error) as e:
            raise WorkbookError("F003", _zip_damage(e)) from e
        except (xml.parsers.expat.ExpatError, UnicodeDecodeError) as e:
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
        # From memory, by content: an .xlsx named .xls is common, and it costs less than by path.
        wb = pc.CalamineWorkbook.from_filelike(patched_source or io.BytesIO(data))
    except pc.PasswordError as e:
        raise WorkbookError("F004", "文件设置了密码") from e
    except pc.CalamineError as e:
        msg = str(e)
        if patched_source is None and path.suffix.lower() in _NATIVE_EXTS.get(kind, ()):
            # Sniffing content, calamine says only "Cannot detect file format"; opened by
            # a truthful name it names the real cause.
            try:
                pc.CalamineWorkbook.from_path(str(path)).close()
            except pc.PasswordError as e2:
                raise WorkbookError("F004", "文件设置了密码") from e2
            except pc.CalamineError as e2:
                msg = str(e2)
            except OSError:
                pass
        raise _explain_failure(path, head, msg) from e
    try:
        return _read_sheets(wb, path, wanted, extras, pc)
    finally:
        wb.close()


def _zip_damage(e: Exception) -> str:
    """The clerk's words for what broke inside the package (no Python exception names)."""
    if isinstance(e, KeyError):
        return "压缩结构损坏：缺少必需的部件"
    if isinstance(e, (zipfile.BadZipFile, zlib.error, EOFError)):
        return "压缩结构损坏：部件数据与压缩包目录不符"
    if isinstance(e, ParseError):
        return "压缩结构损坏：部件内容不是有效的 XML"
    return "压缩结构损坏"


MAX_FILE_BYTES = 64 * 1024 * 1024  # a monthly report is ~20 KB; past the unpacked-size bound of preflight
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


_NATIVE_EXTS = {"xlsx": (".xlsx", ".xlsm"), "xlsb": (".xlsb",), "ods": (".ods",), "xls": (".xls",)}


def _explain_failure(path: Path, head: bytes, msg: str) -> WorkbookError:
    """calamine says "Cannot detect file format" for an encrypted, a damaged and a
    foreign file alike; the preflight checks tell them apart."""
    from lingong.discover.preflight import preflight

    if "cell limit" in msg.lower():
        return _far_cells(msg)
    pf = preflight(path)
    if not pf.ok and pf.code:
        return WorkbookError(pf.code, pf.found, pf.expected)
    if "password" in msg.lower() or "encrypt" in msg.lower():
        return WorkbookError("F004", "文件设置了密码")
    if head.startswith((b"PK", b"\xd0\xcf\x11\xe0")):
        return WorkbookError("F003", "文件内容损坏")
    return WorkbookError("F002", "无法识别的格式")


def _short(msg: str) -> str:
    return msg if len(msg) <= 120 else msg[:120] + "…"


def _read_sheets(wb, path: Path, wanted, extras, pc) -> Workbook:
    names = list(wb.sheet_names)
    meta = {m.name: m for m in wb.sheets_metadata}
    out = Workbook(path, names)
    for name in names:
        if not _wants(wanted, name):
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
        except pc.CalamineError as e:
            if "cell limit" in str(e).lower():
                raise _far_cells(str(e)) from e
            raise WorkbookError("F003", f"工作表“{name}”无法读取：{_short(str(e))}") from e
        except OSError as e:  # calamine's I/O errors inside the package: a short or damaged part
            raise WorkbookError("F003", f"工作表“{name}”内容不完整") from e
        ex = extras.get(name) or _Extras()
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


# ---- .xlsx: sheet parts, formulas without values, error cells, trimming ---------


@dataclass
class _Extras:
    uncached: set[tuple[int, int]] = field(default_factory=set)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    truncated: bool = False


def _xml_root(data: bytes):
    import defusedxml.ElementTree as ET

    return ET.fromstring(data, forbid_dtd=True)


def _read_part(zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > MAX_PART_BYTES:
        raise WorkbookError("F005", f"部件 {name} 解压后超过 {_LIMIT_PART}", _LIMIT_PART)
    return _member(zf, info)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _attr(el, local: str):
    for k, v in el.attrib.items():
        if _local(k) == local:
            return v
    return None


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


def xlsx_sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip member of its worksheet XML, via workbook.xml and its rels.

    Files made from one template share these three parts byte for byte, so their
    parse is remembered by content (not by name or checksum: equal bytes, equal
    answer)."""
    names = set(zf.namelist())
    root = _read_part(zf, "_rels/.rels") if "_rels/.rels" in names else None
    wb_part = _memo(("root", root), lambda: _office_document(root))
    base = posixpath.dirname(wb_part)
    rels_part = posixpath.join(base, "_rels", posixpath.basename(wb_part) + ".rels")
    rels = _read_part(zf, rels_part) if rels_part in names else None
    book = _read_part(zf, wb_part)
    pairs = _memo((wb_part, rels, book), lambda: _sheet_targets(base, rels, book))
    return {name: part for name, part in pairs if part in names}


_MEMO: dict[tuple, object] = {}
_MEMO_MAX = 256
_MEMO_KEY_BYTES = 64 * 1024  # a template's parts are a few KB; a hostile 50 MB one is not kept


def _memo(key: tuple, compute):
    try:
        return _MEMO[key]
    except KeyError:
        pass
    value = compute()  # a bad part raises here and is never remembered
    if sum(len(k) for k in key if isinstance(k, bytes)) <= _MEMO_KEY_BYTES:
        if len(_MEMO) >= _MEMO_MAX:
            _MEMO.clear()
        _MEMO[key] = value
    return value


def _office_document(root_rels: bytes | None) -> str:
    if root_rels is not None:
        for rel in _elements(root_rels, "Relationship"):
            if (rel.get("Type") or "").endswith("/officeDocument"):
                return (rel.get("Target") or "xl/workbook.xml").lstrip("/")
    return "xl/workbook.xml"


def _sheet_targets(base: str, rels: bytes | None, book: bytes) -> tuple[tuple[str, str], ...]:
    targets: dict[str, str] = {}
    if rels is not None:
        for rel in _elements(rels, "Relationship"):
            t = rel.get("Target") or ""
            targets[rel.get("Id") or ""] = (
                t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join(base, t))
            )
    return tuple(
        (el.get("name", ""), targets[el.get("id") or ""])
        for el in _elements(book, "sheet")
        if targets.get(el.get("id") or "")
    )


PROLOG_BYTES = 64 * 1024


_R_PAIR = re.compile(rb' r="([A-Z]{0,3})([0-9]{1,7})"')
_MAYBE_FAR = re.compile(rb' r="(?:[A-Z]{2}|[A-Z]?[0-9]{4})')
_R_PAIR_SQ = re.compile(rb" r='([A-Z]{0,3})([0-9]{1,7})'")


def sheet_extent(data: bytes) -> tuple[int, int]:
    """An upper bound (row, column), 1-based, of the rows and cells a worksheet
    part declares: exact when a reference past row 999 or column Z exists,
    otherwise (999, 26) from one cheap search, which settles the usual case."""
    if not _MAYBE_FAR.search(data) and b" r='" not in data:
        return 999, 26
    pairs = set(_R_PAIR.findall(data))
    if b" r='" in data:
        pairs.update(_R_PAIR_SQ.findall(data))
    max_row = max(map(int, {r for _, r in pairs}), default=0)
    max_col = max((col_index(c) + 1 for c in {c for c, _ in pairs if c}), default=0)
    return max_row, max_col


def col_index(letters: bytes | str) -> int:
    """'A' -> 0, 'AA' -> 26."""
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _wanted_sheets(zf: zipfile.ZipFile, parts: dict[str, str], wanted):
    """(sheet name, part, bytes) of each wanted sheet, refusing a part too large to inflate."""
    for name, part in parts.items():
        if not _wants(wanted, name):
            continue
        info = zf.getinfo(part)
        if info.file_size > MAX_PART_BYTES:
            raise WorkbookError("F005", f"工作表“{name}”解压后超过 {_LIMIT_PART}", _LIMIT_PART)
        yield name, part, _member(zf, info)


def _scan_xlsx(zf: zipfile.ZipFile, wanted) -> tuple[dict[str, _Extras], dict[str, bytes]]:
    extras: dict[str, _Extras] = {}
    patched: dict[str, bytes] = {}
    for name, part, data in _wanted_sheets(zf, xlsx_sheet_parts(zf), wanted):
        ex = _Extras()
        max_row, max_col = sheet_extent(data)
        if max_row > MAX_ROWS or max_col > MAX_COLS:
            ex.truncated = True
            data = trim_sheet_xml(data, MAX_ROWS, MAX_COLS)
            patched[part] = data
        if data.find(b"<!", 0, PROLOG_BYTES) >= 0 and b"<!DOCTYPE" in data[:PROLOG_BYTES].upper():
            raise WorkbookError("F006", "工作表含 DOCTYPE")
        if _may_hold_formula_or_error(data):
            _scan_cells(data, ex)
        extras[name] = ex
    return extras, patched


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


_ROW_EL = re.compile(rb"<(?P<p>(?:\w+:)?)row\b(?P<a>[^>]*?)(?:/>|>.*?</(?P=p)row\s*>)", re.S)
_CELL_EL = re.compile(rb"<(?P<p>(?:\w+:)?)c\b(?P<a>[^>]*?)(?:/>|>.*?</(?P=p)c\s*>)", re.S)
_R_ATTR = re.compile(rb"\br\s*=\s*[\"']([A-Z]{0,3})([0-9]{1,7})[\"']")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*/>")


def trim_sheet_xml(data: bytes, max_rows: int, max_cols: int) -> bytes:
    """Drop rows past ``max_rows`` and cells past ``max_cols`` from a worksheet part."""

    def row_sub(m):
        r = _R_ATTR.search(m.group("a"))
        if r and int(r.group(2)) > max_rows:
            return b""
        return _CELL_EL.sub(cell_sub, m.group(0))

    def cell_sub(m):
        r = _R_ATTR.search(m.group("a"))
        if r and r.group(1) and (col_index(r.group(1)) >= max_cols or int(r.group(2)) > max_rows):
            return b""
        return m.group(0)

    data = _DIMENSION.sub(b"", data)
    return _ROW_EL.sub(row_sub, data)


def _patched_zip(zf: zipfile.ZipFile, patched: dict[str, bytes]) -> io.BytesIO:
    from lingong.discover.preflight import MAX_TOTAL_UNPACKED

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


# literal probes first: a regex that may start at any byte costs more than calamine itself
_PROBES = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/", b't="e"', b"t='e'")
_CELL_START = re.compile(rb"<(?P<p>(?:\w+:)?)c\b(?P<a>[^>]*?)(?P<empty>/?)>")
_T_ATTR = re.compile(rb"\bt\s*=\s*[\"'](\w+)[\"']")
_V_EL = re.compile(rb"<(?:\w+:)?v\s*(?:/>|>(.*?)</(?:\w+:)?v\s*>)", re.S)
_F_EL = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _may_hold_formula_or_error(data: bytes) -> bool:
    """Cheap test before _scan_cells, over the cell data only: every sheet of our
    template carries data validations after ``sheetData``, whose ``<formula1>``
    would pass a bare ``<f`` test. Searched with bounds, nothing is copied."""
    lo, hi = data.find(b"sheetData"), data.rfind(b"sheetData")
    if lo < 0 or hi <= lo:
        lo, hi = 0, len(data)
    if all(data.find(p, lo, hi) < 0 for p in (b"<f", b":f", b't="e"', b"t='e'")):
        return False
    return any(data.find(p, lo, hi) >= 0 for p in _PROBES)


def _scan_cells(data: bytes, ex: _Extras) -> None:
    """Formulas with no cached value, and error cells, found without parsing the
    whole sheet: only the cells around a ``<f`` or ``t="e"`` are looked at.

    Cells are located by their ``r`` reference; Excel, WPS, LibreOffice and every
    library we know write it (it is optional in the standard; a cell without
    one is skipped here and read as calamine gives it)."""
    seen: set[int] = set()
    hits = []
    for probe in _PROBES:
        i = data.find(probe)
        while i >= 0:
            hits.append(i + (1 if probe[0] == 58 else 0))  # ":f" -> point at the "f" tag's prefix end
            i = data.find(probe, i + 1)
    for pos in sorted(hits):
        m = _cell_start_before(data, pos + 1)
        if m is None or m.start() in seen:
            continue
        seen.add(m.start())
        ref = _R_ATTR.search(m.group("a"))
        if not ref or not ref.group(1):
            continue
        cell = (int(ref.group(2)) - 1, col_index(ref.group(1)))
        t = _T_ATTR.search(m.group("a"))
        t = t.group(1).decode("ascii") if t else None
        if m.group("empty"):
            continue
        close = b"</" + m.group("p") + b"c>"
        end = data.find(close, m.end())
        if end < 0:
            continue
        body = data[m.end() : end]
        v = _V_EL.search(body)
        vtext = None if v is None else _unescape((v.group(1) or b"").decode("utf-8", "replace"))
        if t == "e":
            ex.errors[cell] = (vtext or "").strip()
        elif _F_EL.search(body) and (vtext is None or (vtext == "" and t not in ("str", "inlineStr"))):
            ex.uncached.add(cell)


def _cell_start_before(data: bytes, pos: int):
    """The ``<c ...>`` tag that encloses ``pos`` (a formula is the cell's first child)."""
    i = pos
    for _ in range(8):
        i = data.rfind(b"<", 0, i)
        if i < 0 or data.startswith(b"</", i):
            return None
        m = _CELL_START.match(data, i)
        if m:
            return m
    return None


def _unescape(s: str) -> str:
    if "&" not in s:
        return s
    import html

    return html.unescape(s)


# ---- .xls: error cells -------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_XLS_STREAM = 64 * 1024 * 1024
BIFF_ERRORS = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
    0x2B: "#GETTING_DATA",
}


def _biff_records(data: bytes, pos: int):
    n = len(data)
    while pos + 4 <= n:
        rtype, rlen = struct.unpack_from("<HH", data, pos)
        yield rtype, data[pos + 4 : pos + 4 + rlen]
        pos += 4 + rlen
        if rtype == 0x000A:  # EOF of this substream
            return


def scan_xls_errors(path: Path, wanted, data: bytes | None = None) -> dict[str, _Extras]:
    """Error cells of a BIFF8 workbook: calamine reads them as ''. BOOLERR records
    hold typed errors, FORMULA records cached error results."""
    from lingong.discover.preflight import ole_read_stream

    if data is None:
        data = read_limited(Path(path))
    data = ole_read_stream(io.BytesIO(data), len(data), ("Workbook", "Book", "WORKBOOK", "BOOK"), MAX_XLS_STREAM)
    if not data:
        return {}
    records = _biff_records(data, 0)
    first = next(records, None)
    if first is None or first[0] != 0x0809 or len(first[1]) < 2 or struct.unpack_from("<H", first[1], 0)[0] != 0x0600:
        return {}  # not BIFF8 (Excel 95 and older): leave it to calamine
    sheets: list[tuple[str, int]] = []
    for rtype, body in records:
        if rtype == 0x0085 and len(body) >= 8:  # BOUNDSHEET
            offset, _state, kind, cch, high = struct.unpack_from("<IBBBB", body, 0)
            raw = body[8 : 8 + (2 * cch if high & 1 else cch)]
            name = raw.decode("utf-16-le") if high & 1 else raw.decode("latin-1")
            if kind == 0:
                sheets.append((name, offset))
    out: dict[str, _Extras] = {}
    for name, offset in sheets:
        if not _wants(wanted, name) or offset >= len(data):
            continue
        ex = _Extras()
        for rtype, body in _biff_records(data, offset):
            if rtype == 0x0205 and len(body) >= 8 and body[7] == 1:  # BOOLERR holding an error
                r, c = struct.unpack_from("<HH", body, 0)
                ex.errors[(r, c)] = BIFF_ERRORS.get(body[6], "#错误")
            elif rtype == 0x0006 and len(body) >= 14 and body[6] == 2 and body[12:14] == b"\xff\xff":
                r, c = struct.unpack_from("<HH", body, 0)
                ex.errors[(r, c)] = BIFF_ERRORS.get(body[8], "#错误")
        if ex.errors:
            out[name] = ex
    return out


# ---- .xlsb: sheet parts, error cells, trimming ---------------------------------
# MS-XLSB records: a 1-2 byte type and a 1-4 byte size, 7 bits a byte, then the body.

XLSB_ROW_HDR, XLSB_CELL_ERROR, XLSB_FMLA_ERROR = 0x0000, 0x0003, 0x000B
XLSB_CELLS = range(0x0001, 0x000C)  # BrtCellBlank .. BrtFmlaError: body starts with the column
XLSB_WS_DIM, XLSB_BUNDLE_SH = 0x0094, 0x009C


def xlsb_records(data: bytes):
    """(type, body start, body end, record start) of every record; stops at a cut one."""
    pos, n = 0, len(data)
    while pos < n:
        start = pos
        b = data[pos]
        pos += 1
        rtype = b & 0x7F
        if b & 0x80:
            if pos >= n:
                return
            rtype |= (data[pos] & 0x7F) << 7
            pos += 1
        size = 0
        for k in range(4):
            if pos >= n:
                return
            b = data[pos]
            pos += 1
            size |= (b & 0x7F) << (7 * k)
            if not b & 0x80:
                break
        if pos + size > n:
            return
        yield rtype, pos, pos + size, start
        pos += size


def _wide_string(data: bytes, pos: int, end: int) -> tuple[str | None, int]:
    """An XLWideString (u32 count of UTF-16 units, 0xFFFFFFFF for none) and the position after it."""
    if pos + 4 > end:
        raise ValueError("string")
    n = struct.unpack_from("<I", data, pos)[0]
    pos += 4
    if n == 0xFFFFFFFF:
        return None, pos
    if pos + 2 * n > end:
        raise ValueError("string")
    return data[pos : pos + 2 * n].decode("utf-16-le", errors="replace"), pos + 2 * n


def xlsb_sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip member of its binary worksheet, via workbook.bin (BrtBundleSh)
    and its XML rels."""
    names = set(zf.namelist())
    root = _read_part(zf, "_rels/.rels") if "_rels/.rels" in names else None
    wb_part = _office_document(root) if root is not None else "xl/workbook.bin"
    if not wb_part.endswith(".bin"):
        wb_part = "xl/workbook.bin"
    base = posixpath.dirname(wb_part)
    rels_part = posixpath.join(base, "_rels", posixpath.basename(wb_part) + ".rels")
    targets: dict[str, str] = {}
    if rels_part in names:
        for rel in _elements(_read_part(zf, rels_part), "Relationship"):
            t = rel.get("Target") or ""
            targets[rel.get("Id") or ""] = (
                t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join(base, t))
            )
    book = _read_part(zf, wb_part)
    out: dict[str, str] = {}
    for rtype, lo, hi, _ in xlsb_records(book):
        if rtype == XLSB_BUNDLE_SH and hi - lo >= 16:
            rel_id, pos = _wide_string(book, lo + 8, hi)
            name, _ = _wide_string(book, pos, hi)
            part = targets.get(rel_id or "")
            if name is not None and part in names:
                out[name] = part
    return out


def _scan_xlsb(zf: zipfile.ZipFile, wanted) -> tuple[dict[str, _Extras], dict[str, bytes]]:
    """Error cells of the wanted binary sheets, which calamine reads as '' (BrtCellError)
    or not at all (BrtFmlaError, a formula whose cached result is an error). A formula
    record always carries its cached result, so there is no "uncached" case; whether
    that result is stale cannot be told from the file.

    A sheet with cells past MAX_ROWS x MAX_COLS is rewritten without them (and its
    declared range clipped) before calamine builds its dense grid, as for .xlsx."""
    extras: dict[str, _Extras] = {}
    patched: dict[str, bytes] = {}
    for name, part, data in _wanted_sheets(zf, xlsb_sheet_parts(zf), wanted):
        ex = _Extras()
        row = 0
        far: list[tuple[int, int]] = []  # (record start, record end) of cells to drop
        dim: tuple[int, int] | None = None
        for rtype, lo, hi, start in xlsb_records(data):
            if rtype == XLSB_ROW_HDR and hi - lo >= 4:
                row = struct.unpack_from("<I", data, lo)[0]
            elif rtype in XLSB_CELLS and hi - lo >= 9:
                col = struct.unpack_from("<I", data, lo)[0]
                if row >= MAX_ROWS or col >= MAX_COLS:
                    far.append((start, hi))
                elif rtype in (XLSB_CELL_ERROR, XLSB_FMLA_ERROR):
                    ex.errors[(row, col)] = BIFF_ERRORS.get(data[lo + 8], "#错误")
            elif rtype == XLSB_WS_DIM and hi - lo >= 16:
                dim = (lo, hi)
        if far:
            ex.truncated = True
            patched[part] = _trim_xlsb(data, far, dim)
        extras[name] = ex
    return extras, patched


def _trim_xlsb(data: bytes, far: list[tuple[int, int]], dim: tuple[int, int] | None) -> bytes:
    out = bytearray()
    pos = 0
    for start, end in far:
        out += data[pos:start]
        pos = end
    out += data[pos:]
    if dim is not None and dim[1] <= far[0][0]:  # BrtWsDim precedes the cells: same offset
        lo = dim[0]
        r0, r1, c0, c1 = struct.unpack_from("<IIII", out, lo)
        struct.pack_into(
            "<IIII", out, lo, min(r0, MAX_ROWS - 1), min(r1, MAX_ROWS - 1), min(c0, MAX_COLS - 1), min(c1, MAX_COLS - 1)
        )
    return bytes(out)


# ---- .ods: error cells --------------------------------------------------------

_ODS_REPEAT_CAP = MAX_ROWS + 1


def _scan_ods(zf: zipfile.ZipFile, wanted) -> dict[str, _Extras]:
    """LibreOffice saves an error result as value-type error with the text in
    <text:p>; calamine reads it as ''. Only scanned when the file has one."""
    info = zf.getinfo("content.xml")
    if info.file_size > MAX_PART_BYTES:
        raise WorkbookError("F005", f"content.xml 解压后超过 {_LIMIT_PART}", _LIMIT_PART)
    data = zf.read(info)
    if b'value-type="error"' not in data:
        return {}
    extras: dict[str, _Extras] = {}
    st = {"table": None, "row": -1, "col": 0, "err": None, "text": None}

    def start(tag, attrs):
        if tag == "table:table":
            name = attrs.get("table:name", "")
            st["table"] = name if _wants(wanted, name) else None
            st["row"] = -1
        elif st["table"] is None:
            return
        elif tag == "table:table-row":
            st["row"] += 1
            st["col"] = 0
            st["rrep"] = min(int(attrs.get("table:number-rows-repeated", "1") or 1), _ODS_REPEAT_CAP)
        elif tag in ("table:table-cell", "table:covered-table-cell"):
            st["crep"] = min(int(attrs.get("table:number-columns-repeated", "1") or 1), MAX_COLS + 1)
            if attrs.get("calcext:value-type") == "error":
                st["err"], st["text"] = (st["row"], st["col"]), ""

    def end(tag):
        if st["table"] is None:
            return
        if tag in ("table:table-cell", "table:covered-table-cell"):
            if st["err"] is not None:
                r, c = st["err"]
                if r < MAX_ROWS and c < MAX_COLS:
                    extras.setdefault(st["table"], _Extras()).errors[(r, c)] = st["text"].strip()
                st["err"] = None
            st["col"] += st.get("crep", 1)
        elif tag == "table:table-row":
            st["row"] += st.get("rrep", 1) - 1
        elif tag == "table:table":
            st["table"] = None

    def text(s):
        if st["err"] is not None:
            st["text"] += s

    p = _new_parser()
    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, text
    p.buffer_text = True
    _feed(p, data)
    return extras


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


def read_checked(path: Path, wanted: set[str] | None = None) -> ReadResult:
    """Read ``path`` once, then hash, preflight and parse that one snapshot; report a
    file still being copied in (F007).

    Never raises for a bad file; run it under ``parallel.run_isolated`` so that a
    reader crash or runaway costs only this file."""
    import hashlib

    from lingong.discover.preflight import preflight

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
        if pf.ok:
            try:
                wb = read_workbook(path, wanted, data=data, zf=zf)
            except WorkbookError as e:
                code, found, expected = e.code, e.found, e.expected
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
    return ReadResult(wb, code, found, pf.fmt, st0.st_size, st0.st_mtime_ns, digest, expected)
