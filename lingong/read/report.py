"""One monthly report workbook (LGYZ-M-1) -> ReportRecord with its issues.

Pure: grids in, record out; it runs in worker processes without the registry,
so checks that need the registry live in ``selection``. Rows are found by label
or code, never by address, because stations insert rows and move tables.

Over 300 lines because it reads one template top to bottom, a section per sheet
(基本信息, 月度指标, the detail sheets), all sharing the per-file _Issues collector.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from pathlib import PurePath

from lingong import report_template
from lingong.catalogue.issues import issue
from lingong.model.cells import a1, ref
from lingong.model.periods import date_cn, month_label
from lingong.model.records import Issue, ReportRecord
from lingong.read.labels import code_typed_oddly, loose_label, norm_code, norm_label, sheet_key, sheet_lookup
from lingong.read.values import (
    Parsed,
    as_text,
    display,
    id_check_ok,
    id_lost_digits,
    is_valid_phone,
    parse_count,
    parse_date,
    parse_month,
    parse_yesno,
)
from lingong.read.workbook import MAX_ROWS, CellError, Sheet, Workbook
from lingong.runtime.privacy import mask, mask_id, mask_phone

HEADER_SCAN_ROWS = 60  # a header further down than this is not a header
_IND_CODE = re.compile(r"[A-Z]\d{1,2}")
_VERSION = re.compile(r"(LGYZ-M-\d+)((?:\.\d+)*)")
_CODE_SHAPE = re.compile(r"([A-Z]{2,4})[-_]?(\d{2,5})")
_NAME_YEAR_MONTH = re.compile(r"(?<!\d)(20\d{2})\s*[-_.年/]\s*(\d{1,2})(?!\d)")
_NAME_YYYYMM = re.compile(r"(?<!\d)(20\d{2})(0[1-9]|1[0-2])(?!\d)")
_NAME_MONTH = re.compile(r"(?<![\d.])(\d{1,2})\s*月")
_NOTE_PREFIXES = ("注", "说明", "备注", "填表", "合计", "小计", "总计")
_CHECKED_KINDS = {report_template.PHONE, report_template.ID_NUMBER, report_template.DATE}
_NO_PHONE = {"", "无", "暂无", "没有", "/", "-", "--", "无电话"}

_INFO_KEYS = {norm_label(f.label): f.key for f in report_template.INFO_FIELDS}
_INFO_LOOSE = {loose_label(f.label): f.key for f in report_template.INFO_FIELDS}
_INFO_NOTES = {norm_label(f.note) for f in report_template.INFO_FIELDS if f.note}  # the template's own hints
_INFO_HEADER = tuple(norm_label(h) for h in report_template.INFO_HEADER)
_CODE_HDR, _VALUE_HDR, _UNIT_HDR = (
    norm_label(report_template.CODE_COLUMN),
    norm_label(report_template.VALUE_COLUMN),
    norm_label("单位"),
)


class _Issues:
    """Issues are collected before the station and month are known, then stamped."""

    def __init__(self, rel: str):
        self.rel = rel
        self.pending: list[tuple[str, dict]] = []

    def add(self, code: str, **kw) -> None:
        self.pending.append((code, kw))

    def build(self, station: str, month: str) -> list[Issue]:
        # A phone or ID typed into the wrong cell must not leak through "found" either.
        out = []
        for code, kw in self.pending:
            if isinstance(kw.get("found"), str) and any(ch.isdigit() for ch in kw["found"]):
                kw = {**kw, "found": mask(kw["found"])}
            out.append(issue(code, station=station, month=month, file=self.rel, **kw))
        return out


def _get(wb: Workbook, name: str) -> Sheet | None:
    if name not in wb.sheet_names:
        return None
    try:
        return wb.sheet(name)
    except KeyError:  # not loaded: the caller passed ``wanted`` without this sheet
        return None


def _cell(rows: list[list], r: int, c: int):
    if 0 <= r < len(rows) and 0 <= c < len(rows[r]):
        return rows[r][c]
    return None


def _find_header(
    rows: list[list], labels: dict[str, str], need: int | tuple[str, ...]
) -> tuple[int, dict[str, int]] | None:
    """First row holding the wanted header labels. ``labels`` maps a normalised label to
    a key; ``need`` is the keys that must all be present, or how many keys at least.
    Returns (row0, key -> col0)."""
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found: dict[str, int] = {}
        for c, v in enumerate(row):
            if isinstance(v, str):
                key = labels.get(norm_label(v))
                if key is None:
                    key = labels.get(loose_label(v))
                if key is not None and key not in found:
                    found[key] = c
        ok = len(found) >= need if isinstance(need, int) else all(k in found for k in need)
        if ok and found:
            return r, found
    return None


def _special(sheet: Sheet, r: int, c: int, raw, what: str, out: _Issues) -> bool:
    """Report a formula without cached value (V006) or an error cell (V014)."""
    if (r, c) in sheet.uncached:
        out.add("V006", sheet=sheet.name, cell=a1(r, c), found="=…", what=what)
        return True
    if isinstance(raw, CellError):
        out.add("V014", sheet=sheet.name, cell=a1(r, c), found=str(raw), what=what)
        return True
    return False


# ---- 基本信息 -------------------------------------------------------------


def _info_key(v) -> str | None:
    if not isinstance(v, str):
        return None
    return _INFO_KEYS.get(norm_label(v)) or _INFO_LOOSE.get(loose_label(v))


def _locate_info(rows: list[list]) -> dict[str, tuple[int, int]]:
    """field key -> (row0, col0) of its value cell."""
    got: dict[str, tuple[int, int]] = {}
    hdr = _find_header(rows, {_INFO_HEADER[0]: "label", _INFO_HEADER[1]: "value"}, ("label", "value"))
    if hdr:
        hr, cols = hdr
        lc, vc = cols["label"], cols["value"]
        for r in range(hr + 1, len(rows)):
            key = _info_key(_cell(rows, r, lc))
            if key and key not in got:
                got[key] = (r, vc)
    if len(got) < len(report_template.INFO_FIELDS):
        # No header, or labels moved out of the label column: take the next
        # non-empty cell right of the label.
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                key = _info_key(v)
                if key is None or key in got:
                    continue
                vc = next(
                    (
                        k
                        for k in range(c + 1, len(row))
                        if row[k] is not None and not (isinstance(row[k], str) and norm_label(row[k]) in _INFO_NOTES)
                    ),
                    c + 1,
                )
                got[key] = (r, vc)
    return got


def _read_info(sheet: Sheet, rec: ReportRecord, out: _Issues) -> None:
    rows = sheet.rows
    where = _locate_info(rows)
    raw_of = {}
    for f in report_template.INFO_FIELDS:
        if f.key not in where:
            if f.key == "hotline":
                out.add("V013", sheet=sheet.name)
            elif f.required:
                out.add("S003", sheet=sheet.name, expected=f.label)
            continue
        r, c = where[f.key]
        raw = _cell(rows, r, c)
        what = f"{ref(sheet.name, r, c)}（{f.label}）"
        if _special(sheet, r, c, raw, what, out):
            continue
        raw_of[f.key] = (raw, r, c, what)
        # Cross-file checks (R001-R003) name the cell too, so the return copy can mark it.
        rec.cells[f"info:{f.key}"] = ref(sheet.name, r, c)

    def text(key: str) -> str:
        return as_text(raw_of[key][0]) if key in raw_of else ""

    for f in report_template.INFO_FIELDS:
        if f.key not in raw_of or f.key in ("month", "fill_date", "hotline", "filler_phone"):
            continue
        raw, r, c, what = raw_of[f.key]
        if f.required and not as_text(raw):
            out.add("V001", sheet=sheet.name, cell=a1(r, c), what=what)
    rec.station = norm_code(text("station"))
    # as_text has folded the typed text already: look at the cell itself.
    if "station" in raw_of and (odd := code_typed_oddly(raw_of["station"][0])):
        _, r, c, what = raw_of["station"]
        out.add("N001", sheet=sheet.name, cell=a1(r, c), found=odd, expected=rec.station, what=what)
    rec.name = text("name")
    rec.county = text("county")
    rec.version = text("version")
    if "version" in raw_of and rec.version:
        _check_version(rec.version, raw_of["version"], sheet, out)
    if "month" in raw_of:
        raw, r, c, what = raw_of["month"]
        p = parse_month(raw)
        rec.month = p.value
        if p.code == "V001":
            out.add("V001", sheet=sheet.name, cell=a1(r, c), what=what)
        elif p.code:
            out.add(p.code, sheet=sheet.name, cell=a1(r, c), found=display(raw), expected=p.read_as, what=what)
    if "hotline" in raw_of:
        raw, r, c, what = raw_of["hotline"]
        t = as_text(raw)
        if t.replace(" ", "") in _NO_PHONE:
            out.add("V013", sheet=sheet.name, cell=a1(r, c), what=what)
        elif not is_valid_phone(t):
            out.add("V009", sheet=sheet.name, cell=a1(r, c), found=mask_phone(t), what=what)
    if "filler_phone" in raw_of:
        raw, r, c, what = raw_of["filler_phone"]
        t = as_text(raw)
        if t.replace(" ", "") not in _NO_PHONE and not is_valid_phone(t):
            out.add("V009", sheet=sheet.name, cell=a1(r, c), found=mask_phone(t), what=what)
    if "fill_date" in raw_of:
        raw, r, c, what = raw_of["fill_date"]
        p = parse_date(raw)
        rec.fill_date = p.value
        if p.code:
            out.add("V015", sheet=sheet.name, cell=a1(r, c), found=display(raw), what=what)
    if rec.month and rec.fill_date and rec.month > f"{rec.fill_date.year:04d}-{rec.fill_date.month:02d}":
        raw, r, c, _ = raw_of["month"]
        out.add("V019", sheet=sheet.name, cell=a1(r, c), found=display(raw), expected=date_cn(rec.fill_date))
        rec.month = None  # unknown: the file stays in the run's scope and goes back to the station


def _check_version(version: str, located, sheet: Sheet, out: _Issues) -> None:
    _, r, c, _ = located
    v = norm_code(version)
    if v == report_template.TEMPLATE_VERSION:
        return
    m = _VERSION.fullmatch(v)
    if m and m.group(1) == report_template.TEMPLATE_MAJOR:
        if set(m.group(2)) <= {".", "0"}:
            return  # LGYZ-M-1.0 is LGYZ-M-1
        out.add("S009", sheet=sheet.name, cell=a1(r, c), found=version, expected=report_template.TEMPLATE_VERSION)
    else:
        out.add("S002", sheet=sheet.name, cell=a1(r, c), found=version, expected=report_template.TEMPLATE_VERSION)


# ---- 月度指标 -------------------------------------------------------------


def _read_indicators(sheet: Sheet, rec: ReportRecord, out: _Issues) -> None:
    rows = sheet.rows
    hdr = _find_header(rows, {_CODE_HDR: "code", _VALUE_HDR: "value", _UNIT_HDR: "unit"}, ("code", "value"))
    if hdr is None:
        has_code = _find_header(rows, {_CODE_HDR: "code"}, ("code",))
        out.add(
            "S006", sheet=sheet.name, expected=report_template.VALUE_COLUMN if has_code else report_template.CODE_COLUMN
        )
        return
    hr, cols = hdr
    cc, vc, uc = cols["code"], cols["value"], cols.get("unit")
    seen: set[str] = set()
    for r in range(hr + 1, len(rows)):
        raw_code = _cell(rows, r, cc)
        if raw_code is None or isinstance(raw_code, (bool, CellError)):
            continue
        code = norm_code(raw_code)
        if not _IND_CODE.fullmatch(code):
            continue  # notes, blank-ish rows, sub-headers
        ind = report_template.INDICATOR_BY_CODE.get(code)
        if ind is None:
            out.add("S007", sheet=sheet.name, cell=a1(r, cc), found=code)
            continue
        if code in seen:
            out.add("S005", sheet=sheet.name, cell=a1(r, cc), found=code)
            continue
        seen.add(code)
        location = ref(sheet.name, r, vc)
        rec.cells[code] = location
        what = f"{location}（{code} {ind.name}）"
        raw = _cell(rows, r, vc)
        if _special(sheet, r, vc, raw, what, out):
            continue
        if ind.kind == report_template.COUNT:
            p = parse_count(raw, ind.unit)
            if p.code == "V002" and uc is not None and isinstance(raw, str):
                row_unit = as_text(_cell(rows, r, uc))
                if row_unit and row_unit != ind.unit:
                    p = parse_count(raw, row_unit)
        else:
            p = parse_yesno(raw)
        _value_issue(p, raw, sheet.name, a1(r, vc), what, out)
        if p.value is not None:
            rec.values[code] = p.value
    for code in report_template.INDICATOR_CODES:
        if code not in seen:
            out.add("S004", sheet=sheet.name, expected=code)


def _value_issue(p: Parsed, raw, sheet: str, cell: str, what: str, out: _Issues) -> None:
    if p.code is None:
        return
    if p.code == "V001":
        out.add("V001", sheet=sheet, cell=cell, what=what)
    else:
        out.add(p.code, sheet=sheet, cell=cell, found=display(raw), expected=p.read_as, what=what)


# ---- detail sheets -------------------------------------------------------------


def _read_detail(sheet: Sheet, spec: report_template.DetailSheet, rec: ReportRecord, out: _Issues) -> None:
    rows = sheet.rows
    labels = {}
    for col in spec.columns:
        labels[norm_label(col.label)] = col.label
        labels[loose_label(col.label)] = col.label
    hdr = _find_header(rows, labels, 2)
    if hdr is None:
        if any(v is not None for row in rows for v in row):
            out.add("S008", sheet=sheet.name, expected="、".join(c.label for c in spec.columns))
        return
    hr, cols = hdr
    for col in spec.columns:
        if col.label not in cols:
            out.add("S008", sheet=sheet.name, cell=a1(hr, 0), expected=col.label)
    by_label = {c.label: c for c in spec.columns}
    content_cols = [(lab, c) for lab, c in cols.items() if lab != "序号"]
    filters = {fc for _, fc, _ in spec.checks if fc}
    # columns _check_detail_cell looks at; the others (names, free text) only count a record
    checked = {lab for lab, _ in content_cols if by_label[lab].kind in _CHECKED_KINDS or by_label[lab].choices}
    n_records = 0
    filtered: dict[tuple[str, str], int] = {}
    for r in range(hr + 1, len(rows)):
        row = rows[r]
        filled = [(lab, c, row[c]) for lab, c in content_cols if c < len(row) and row[c] is not None]
        if not filled:
            continue
        if len(filled) == 1 and isinstance(filled[0][2], str) and filled[0][2].strip().startswith(_NOTE_PREFIXES):
            continue
        first = _cell(rows, r, cols["序号"]) if "序号" in cols else None
        if isinstance(first, str) and first.strip().startswith(_NOTE_PREFIXES):
            continue
        n_records += 1
        for lab, c, raw in filled:
            if lab in checked:
                _check_detail_cell(
                    sheet, by_label[lab], r, c, raw, rec.month, out, filtered if lab in filters else None
                )
    rec.detail_counts[spec.name] = n_records
    if sheet.truncated:
        # Rows past MAX_ROWS were never read: the count is a lower bound, and saying
        # "有 4999 条记录" of a sheet of 200,000 would be false.
        out.add("S010", sheet=sheet.name, cell=a1(min(len(rows), MAX_ROWS) - 1, 0), expected=str(MAX_ROWS))
    for code, fcol, fval in spec.checks:
        if fcol is None:
            n = n_records
        elif fcol in cols:
            n = filtered.get((fcol, fval), 0)
            rec.detail_counts[f"{spec.name}:{fval}"] = n
        else:
            continue
        if n_records == 0 or code not in rec.values:
            continue
        figure = rec.values[code]
        if isinstance(figure, int) and not isinstance(figure, bool) and figure != n:
            if sheet.truncated and figure > n:
                continue  # the unread rows may hold the difference (S010 says so)
            ind = report_template.INDICATOR_BY_CODE[code]
            what = f"{code} {ind.name}" if fcol is None else f"{code} {ind.name}（只计{fcol}为“{fval}”的记录）"
            out.add("X002", sheet=sheet.name, found=f"至少 {n}" if sheet.truncated else n, expected=figure, what=what)


def _check_detail_cell(
    sheet: Sheet,
    col: report_template.DetailColumn,
    r: int,
    c: int,
    raw,
    month: str | None,
    out: _Issues,
    filtered: dict | None,
) -> None:
    kind = col.kind
    if kind not in _CHECKED_KINDS and not col.choices:
        return
    if isinstance(raw, CellError) or (r, c) in sheet.uncached:
        return  # evidence rows: a broken cell here does not touch the figures

    def what() -> str:  # built only for an issue: this runs for every detail cell
        return f"{ref(sheet.name, r, c)}（{col.label}）"

    if kind == report_template.PHONE:
        t = as_text(raw)
        if t.replace(" ", "") not in _NO_PHONE and not is_valid_phone(t):
            out.add("V009", sheet=sheet.name, cell=a1(r, c), found=mask_phone(t), what=what())
    elif kind == report_template.ID_NUMBER:
        if id_lost_digits(raw):
            out.add("V017", sheet=sheet.name, cell=a1(r, c), found=mask_id(as_text(raw)), what=what())
        else:
            t = as_text(raw).upper().replace(" ", "")
            if not id_check_ok(t):
                out.add("V010", sheet=sheet.name, cell=a1(r, c), found=mask_id(t), what=what())
    elif kind == report_template.DATE:
        p = parse_date(raw)
        if p.code:
            out.add("V012", sheet=sheet.name, cell=a1(r, c), found=display(raw), what=what())
        elif isinstance(p.value, date) and month and f"{p.value.year:04d}-{p.value.month:02d}" != month:
            out.add(
                "V011",
                sheet=sheet.name,
                cell=a1(r, c),
                found=p.value.isoformat(),
                expected=month_label(month),
                what=what(),
            )
    elif col.choices:
        if kind == report_template.YESNO:
            p = parse_yesno(raw)
            value = p.read_as if p.value is not None else None
        else:
            value = norm_label(as_text(raw))
            if value not in col.choices:
                value = None
        if value is None:
            out.add(
                "V016",
                sheet=sheet.name,
                cell=a1(r, c),
                found=display(raw),
                expected=" / ".join(col.choices),
                what=what(),
            )
        elif filtered is not None:
            filtered[(col.label, value)] = filtered.get((col.label, value), 0) + 1


# ---- file name vs content -------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _name_station_pattern(digits: int) -> re.Pattern:
    return re.compile(rf"(?<![A-Z])([A-Z]{{2,4}})[-_ ]?(\d{{{digits}}})(?!\d)")


def _check_file_name(rel: str, rec: ReportRecord, out: _Issues) -> None:
    name = norm_code(PurePath(rel.replace("\\", "/")).stem)
    if rec.station:
        shape = _CODE_SHAPE.fullmatch(rec.station)
        if shape:
            # Only tokens shaped like the station's own code (letters, a dash, as many
            # digits): "WPS2019" or "V2" in a file name is not a station code.
            tokens = _name_station_pattern(len(shape.group(2))).findall(name)
            if tokens and all(f"{a}{d}" != shape.group(1) + shape.group(2) for a, d in tokens):
                a, d = tokens[0]
                out.add("F011", found=f"驿站编号 {a}-{d}", expected=f"驿站编号 {rec.station}")
    if rec.month:
        y, m = int(rec.month[:4]), int(rec.month[5:])
        named = None
        if hit := (_NAME_YEAR_MONTH.search(name) or _NAME_YYYYMM.search(name)):
            ny, nm = int(hit.group(1)), int(hit.group(2))
            if 1 <= nm <= 12:
                named = (ny, nm, f"{ny}年{nm}月")
        elif hit := _NAME_MONTH.search(name):
            nm = int(hit.group(1))
            if 1 <= nm <= 12:
                named = (y, nm, f"{nm}月")
        if named and (named[0], named[1]) != (y, m):
            out.add("F011", found=f"报送年月 {named[2]}", expected=f"报送年月 {month_label(rec.month)}")


# ---- the whole report ----------------------------------------------------------


def read_report(wb: Workbook, rel: str, *, sha256: str = "", mtime: float = 0.0) -> ReportRecord:
    """Read a filled LGYZ-M-1 workbook into a ReportRecord; every problem is an Issue
    in ``record.issues`` (stamped with station, month and ``rel``)."""
    rec = ReportRecord(file=rel, sha256=sha256, mtime=mtime, station="", month=None)
    out = _Issues(rel)
    sheets = sheet_lookup(wb.sheet_names)
    info = _get(wb, sheets.get(sheet_key(report_template.SHEET_INFO), report_template.SHEET_INFO))
    ind = _get(wb, sheets.get(sheet_key(report_template.SHEET_INDICATORS), report_template.SHEET_INDICATORS))
    for wanted, found in ((report_template.SHEET_INFO, info), (report_template.SHEET_INDICATORS, ind)):
        if found is None:
            out.add("S001", expected=wanted)
    if info is not None:
        _read_info(info, rec, out)
    if ind is not None:
        _read_indicators(ind, rec, out)
        a1v, a2v = rec.values.get("A1"), rec.values.get("A2")
        if isinstance(a1v, int) and isinstance(a2v, int) and a2v > a1v:
            cell = rec.cells["A2"].split("!", 1)[1]
            out.add("X001", sheet=ind.name, cell=cell, found=a2v, expected=a1v)
    for spec in report_template.DETAIL_SHEETS:
        name = sheets.get(sheet_key(spec.name))
        if name is not None and (sheet := _get(wb, name)) is not None:
            _read_detail(sheet, spec, rec, out)
    _check_file_name(rel, rec, out)
    rec.issues = out.build(rec.station, rec.month or "")
    return rec
