"""The hostile-input corpus: every kind of bad file a station, a web system or a
shared drive can hand us, each with the outcome the tool must give it.

Built by code (nothing binary is checked in). Every case writes its file(s)
for a station of its own, so one run over the whole corpus folder shows each
outcome apart: ``build_corpus(folder)`` writes the registry and every case and
returns {relative path: Case}. ``docs/bad-input.md`` is the table of these
cases; tests/discover/test_corpus.py checks the table and the code agree.

Outcomes: ``kind`` is the FileOutcome kind the run record shows (report,
rejected, skipped); for a report ``status`` is 采用 (used for grading) or 退回
(has errors, a return copy is written, the month counts as not reported);
``codes`` is exactly the set of issue codes the run raises on that file.
"""

from __future__ import annotations

import html
import os
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

import openpyxl

from lingong import report_template
from support import foreign_workbooks as fw
from support import hostile
from support.report_factory import DEFAULT_VALUES, sample_details, write_report

MONTH = "2023-03"
PERIOD = "2023-03"
COUNTY = "曾都区"
REGISTRY_NAME = "驿站名册.xlsx"

ACCEPTED, RETURNED, NOT_REGISTERED = "采用", "退回", "驿站不在名册"
REPORT, REJECTED, SKIPPED, FOLDER = "report", "rejected", "skipped", "folder"


@dataclass(frozen=True)
class Case:
    id: str
    group: str  # the class of bad input (the docs table groups by it)
    what: str  # the file, in words
    make: Callable[[Path, str, str], list[Path]]  # (folder, station code, station name) -> files to check
    kind: str  # expected FileOutcome.kind (FOLDER: an F012 issue on the folder)
    status: str = ""  # for reports: 采用 / 退回
    codes: frozenset = frozenset()  # exactly the issue codes raised on the file
    does: str = ""  # what the tool does, in words (for the table)


# ---- helpers ------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under ``folder`` (links not followed): sha256, size, mtime_ns and mode."""
    import hashlib

    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for n in dirnames + filenames:
            p = Path(dirpath) / n
            st = p.lstat()
            digest = ""
            if p.is_file() and not p.is_symlink() and os.access(p, os.R_OK):
                digest = hashlib.sha256(p.read_bytes()).hexdigest()
            out[p.relative_to(folder).as_posix()] = (digest, st.st_size, st.st_mtime_ns, st.st_mode)
    return out


def report(folder: Path, code: str, name: str, filename: str | None = None, **kw) -> Path:
    """A clean, passing report for ``code`` with detail rows (names, 身份证号, phones)."""
    values = kw.pop("values", None) or {}
    details = kw.pop("details", None)
    if details is None:
        details = sample_details({**DEFAULT_VALUES, **values}, MONTH)
    path = Path(folder) / (filename or f"{code}_{name}_{MONTH}.xlsx")
    return write_report(
        path,
        station=code,
        name=kw.pop("report_name", name),
        county=COUNTY,
        month=kw.pop("month", MONTH),
        values=values,
        details=details,
        **kw,
    )


def rewrite_zip(path: Path, fn: Callable[[str, bytes], bytes | None], add: dict[str, bytes] | None = None) -> Path:
    """Rewrite every member of a zip through ``fn(name, data)``; None drops the member."""
    src = Path(path).read_bytes()
    import io

    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = fn(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
        for n, data in (add or {}).items():
            zout.writestr(n, data)
    return Path(path)


def sheet_part(path: Path, sheet: str) -> str:
    from lingong.read.scan_xlsx import xlsx_sheet_parts

    with zipfile.ZipFile(path) as z:
        return xlsx_sheet_parts(z)[sheet]


def _cell_of(path: Path, sheet: str, label: str, column_offset: int = 1) -> str:
    """A1 address of the cell right of (or ``column_offset`` right of) the first cell holding ``label``."""
    ws = openpyxl.load_workbook(path)[sheet]
    for row in ws.iter_rows():
        for c in row:
            if c.value == label:
                return ws.cell(row=c.row, column=c.column + column_offset).coordinate
    raise KeyError(label)


_INLINE = re.compile(r'<c r="([A-Z]+\d+)"([^>]*?) t="inlineStr"><is><t>(.*?)</t></is></c>', re.S)


def to_shared_strings(path: Path) -> Path:
    """Turn openpyxl's inline strings into a shared-strings table, as Excel and WPS save."""
    strings: list[str] = []
    index: dict[str, int] = {}

    def cell(m):
        text = m.group(3)
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return f'<c r="{m.group(1)}"{m.group(2)} t="s"><v>{index[text]}</v></c>'

    def fn(name, data):
        if name.startswith("xl/worksheets/"):
            return _INLINE.sub(cell, data.decode("utf-8")).encode("utf-8")
        if name == "[Content_Types].xml":
            return data.replace(
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            )
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(
                b"</Relationships>",
                b'<Relationship Type="http://schemas.openxmlformats.org/'
                b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml" '
                b'Id="rIdSST"/></Relationships>',
            )
        return data

    # first pass collects the strings in sheet order
    with zipfile.ZipFile(path) as z:
        for n in sorted(n for n in z.namelist() if n.startswith("xl/worksheets/")):
            _INLINE.sub(cell, z.read(n).decode("utf-8"))
    sst = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main" count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f'<si><t xml:space="preserve">{s}</t></si>' for s in strings)
        + "</sst>"
    )
    return rewrite_zip(path, fn, add={"xl/sharedStrings.xml": sst.encode("utf-8")})


def patch_sheet(path: Path, sheet: str, fn: Callable[[str], str]) -> Path:
    part = sheet_part(path, sheet)
    return rewrite_zip(path, lambda n, d: fn(d.decode("utf-8")).encode("utf-8") if n == part else d)


def _escape_xml_text(s: str) -> str:
    return html.escape(s, quote=False)


def replace_text(path: Path, sheet: str, old: str, new_xml_text: str) -> Path:
    """Replace the text of the inline string ``old`` with raw XML text (no escaping)."""
    encoded = "".join(f"&#{ord(ch)};" if ord(ch) > 127 else ch for ch in old)

    def fn(xml):
        for variant in (encoded, _escape_xml_text(old)):
            if f"<t>{variant}</t>" in xml:
                return xml.replace(f"<t>{variant}</t>", f'<t xml:space="preserve">{new_xml_text}</t>', 1)
        raise AssertionError(f"text {old!r} not found in {sheet}")

    return patch_sheet(path, sheet, fn)


def edit(path: Path, fn: Callable[[openpyxl.Workbook], None]) -> Path:
    wb = openpyxl.load_workbook(path)
    fn(wb)
    wb.save(path)
    return path


def _one(fn):
    """Adapt a writer that returns one path to the case interface."""

    def make(folder, code, name):
        out = fn(folder, code, name)
        return out if isinstance(out, list) else [out]

    make.__name__ = getattr(fn, "__name__", "make")
    return make


# ---- case writers ---------------------------------------------------------------


def _hostile(gen, name):
    return _one(lambda folder, code, _n: gen(folder, name=f"{code}_{name}"))


def _lock_files(folder, code, name):
    out = []
    for n in (f"~${code}_{name}.xlsx", f".~lock.{code}_{name}.xlsx#"):
        p = Path(folder) / n
        p.write_bytes(b"\x06user  " + b"\0" * 50)
        out.append(p)
    return out


def _xml2003(folder, code, name):
    p = Path(folder) / f"{code}_XML表格.xls"
    p.write_text(
        '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n<Workbook xmlns='
        '"urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="基本信息"><Table><Row><Cell>'
        f'<Data ss:Type="String">{code}</Data></Cell></Row></Table></Worksheet></Workbook>',
        encoding="utf-8",
    )
    return p


def _mht(folder, code, name):
    p = Path(folder) / f"{code}_网页存档.xls"
    p.write_bytes(
        b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="----=_NextPart"\r\n\r\n'
        b'------=_NextPart\r\nContent-Type: text/html; charset="utf-8"\r\n\r\n<html><table><tr><td>'
        + code.encode()
        + b"</td></tr></table></html>\r\n------=_NextPart--\r\n"
    )
    return p


def _csv_gbk(folder, code, name):
    p = Path(folder) / f"{code}_系统导出.xls"
    p.write_bytes(f"驿站编号,驿站名称,报送年月\n{code},{name},{MONTH}\n".encode("gb18030"))
    return p


def _csv_ext(folder, code, name):
    p = Path(folder) / f"{code}_{name}.csv"
    p.write_bytes(f"驿站编号,{code}\n".encode("utf-8-sig"))
    return p


def _zip_not_workbook(folder, code, name):
    p = Path(folder) / f"{code}_{name}.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("报表/说明.txt", "这是一个压缩包")
    return p


def _xlsx_named_xls(folder, code, name):
    return report(folder, code, name, f"{code}_{name}_另存为.xls")


def _xlsx_named_et(folder, code, name):
    return report(folder, code, name, f"{code}_{name}.et")


def _xlsm(folder, code, name):
    p = report(folder, code, name, f"{code}_{name}.xlsm")
    return rewrite_zip(
        p,
        lambda n, d: d.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml") if n == "[Content_Types].xml" else d,
    )


def _shared_strings(folder, code, name):
    return to_shared_strings(report(folder, code, name))


def _no_dimension(folder, code, name):
    p = report(folder, code, name)
    return rewrite_zip(p, lambda n, d: re.sub(rb"<dimension [^>]*/>", b"", d) if n.startswith("xl/worksheets/") else d)


_BARE_STYLES = (
    b'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main"><cellXfs count="0"/></styleSheet>'
)


def _styles_without_default(folder, code, name):
    p = report(folder, code, name)
    return rewrite_zip(p, lambda n, d: _BARE_STYLES if n == "xl/styles.xml" else d)


def _backslash_names(folder, code, name):
    """Entry names as some Chinese exporters write them: xl\\workbook.xml (calamine reads them)."""
    p = report(folder, code, name, f"{code}_{name}_导出.xlsx")
    return _renamed_zip(p, lambda n: n.replace("/", "\\"))


def _duplicate_part(folder, code, name):
    """xl/workbook.xml and xl\\workbook.xml side by side: which one a reader takes is chance."""
    p = report(folder, code, name, f"{code}_{name}_重复部件.xlsx")
    with zipfile.ZipFile(p) as z:
        book = z.read("xl/workbook.xml")
    # the second copy names the sheet differently: the two readings would differ
    return rewrite_zip(
        p, lambda n, d: d, add={"xl\\workbook.xml": book.replace("月度指标".encode(), "三月指标".encode())}
    )


def _escaping_part(folder, code, name):
    p = report(folder, code, name, f"{code}_{name}_越界部件.xlsx")
    return rewrite_zip(p, lambda n, d: d, add={"..\\..\\customXml\\item1.xml": b"<a/>"})


def _renamed_zip(path: Path, rename: Callable[[str], str]) -> Path:
    import io

    src = Path(path).read_bytes()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(rename(info.filename), zin.read(info))
    return Path(path)


def _no_styles_part(folder, code, name):
    p = report(folder, code, name)

    def fn(n, d):
        if n == "xl/styles.xml":
            return None
        if n == "xl/_rels/workbook.xml.rels":
            return re.sub(rb'<Relationship [^>]*Target="styles.xml"[^>]*/>', b"", d)
        if n == "[Content_Types].xml":
            return re.sub(rb'<Override PartName="/xl/styles.xml"[^>]*/>', b"", d)
        return d

    return rewrite_zip(p, fn)


def _no_cell_refs(folder, code, name):
    """Some exporters omit the optional r="A1" on cells and rows."""
    p = report(folder, code, name)
    return rewrite_zip(p, lambda n, d: re.sub(rb' r="[A-Z]*[0-9]+"', b"", d) if n.startswith("xl/worksheets/") else d)


def _libreoffice_ods(folder, code, name):
    return _soffice_convert(report(folder, code, name, f"{code}_{name}_LibreOffice.xlsx"), "ods")


def _old_excel_xls(folder, code, name):
    return _soffice_convert(report(folder, code, name, f"{code}_{name}_Excel97.xlsx"), "xls")


def _soffice_convert(src: Path, fmt: str) -> Path:
    import shutil
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as profile, tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [
                shutil.which("soffice"),
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                fmt,
                "--outdir",
                out,
                str(src),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        made = Path(out) / (src.stem + "." + fmt)
        target = src.with_suffix("." + fmt)
        target.write_bytes(made.read_bytes())
    src.unlink()
    return target


def _stray_far_cell(folder, code, name):
    """One stray value in the last row and one far right (BZ): calamine would build a huge grid."""

    def fn(wb):
        ws = wb[report_template.SHEET_INDICATORS]
        ws["A1048576"] = "x"
        ws["BZ40"] = "y"

    return edit(report(folder, code, name), fn)


def _rename_sheet(old, new):
    def make(folder, code, name):
        return edit(report(folder, code, name), lambda wb: setattr(wb[old], "title", new))

    return _one(make)


def _both_report_sheets_renamed(folder, code, name):
    def fn(wb):
        wb[report_template.SHEET_INFO].title = "Sheet1"
        wb[report_template.SHEET_INDICATORS].title = "Sheet2"

    return edit(report(folder, code, name), fn)


def _reordered(folder, code, name):
    def fn(wb):
        wb._sheets.reverse()
        wb.active = 0

    return edit(report(folder, code, name), fn)


def _hidden_report_sheets(folder, code, name):
    def fn(wb):
        wb[report_template.SHEET_HELP].sheet_state = "visible"
        wb[report_template.SHEET_INFO].sheet_state = "hidden"
        wb[report_template.SHEET_INDICATORS].sheet_state = "veryHidden"
        wb.active = 0

    return edit(report(folder, code, name), fn)


def _hidden_first_sheet(folder, code, name):
    def fn(wb):
        wb[report_template.SHEET_HELP].sheet_state = "hidden"
        wb.active = 1

    return edit(report(folder, code, name), fn)


def _value_column_moved(folder, code, name):
    """A column inserted before 本月数值: the values now sit in column F."""

    def fn(wb):
        ws = wb[report_template.SHEET_INDICATORS]
        ws.insert_cols(5)
        ws.cell(row=2, column=5, value="上月数值")

    return edit(report(folder, code, name), fn)


def _columns_swapped(folder, code, name):
    """本月数值 and 备注 swapped, headers included."""

    def fn(wb):
        ws = wb[report_template.SHEET_INDICATORS]
        for r in range(1, ws.max_row + 1):
            e, f = ws.cell(row=r, column=5), ws.cell(row=r, column=6)
            e.value, f.value = f.value, e.value

    return edit(report(folder, code, name), fn)


def _table_moved(folder, code, name):
    return report(folder, code, name, offset_rows=3, offset_cols=2, messy=True)


def _merged_over_value(folder, code, name):
    """Two value cells merged into one (C1 and C2): the lower value is lost, as in Excel."""
    p = report(folder, code, name)
    addr = _cell_of(p, report_template.SHEET_INDICATORS, "C1", 4)
    col, row = re.match(r"([A-Z]+)(\d+)", addr).groups()
    return edit(p, lambda wb: wb[report_template.SHEET_INDICATORS].merge_cells(f"{addr}:{col}{int(row) + 1}"))


def _merged_label_value(folder, code, name):
    """A 基本信息 value merged with its note cell to the right: the value stays in the first cell."""
    p = report(folder, code, name)
    addr = _cell_of(p, report_template.SHEET_INFO, "驿站名称", 1)
    col, row = re.match(r"([A-Z]+)(\d+)", addr).groups()
    nxt = chr(ord(col) + 1)
    return edit(p, lambda wb: wb[report_template.SHEET_INFO].merge_cells(f"{addr}:{nxt}{row}"))


def _values(values, **kw):
    return _one(lambda folder, code, name: report(folder, code, name, values=values, **kw))


def _cached_formula(folder, code, name):
    """=1+2 in C1 with its cached value 3, as Excel and WPS save a formula."""
    p = report(folder, code, name, values={"C1": "=1+2"})
    return patch_sheet(
        p, report_template.SHEET_INDICATORS, lambda x: x.replace("<f>1+2</f><v></v>", "<f>1+2</f><v>3</v>")
    )


def _huge_string(folder, code, name):
    """A 1 MB note beside a value and a 40,000-character station name (Excel's own limit is 32,767)."""
    p = report(folder, code, name, report_name=name + "很长" * 20000)
    return edit(p, lambda wb: wb[report_template.SHEET_INDICATORS].cell(row=3, column=6, value="备注" * 500_000))


def _control_chars(folder, code, name):
    """Raw control characters in text, which no XML writer should emit but some exporters do."""
    p = report(folder, code, name, info_overrides={"填报人": "李四甲"})
    p = replace_text(p, report_template.SHEET_INFO, "李四甲", "李\x01四\x07\x1b甲")
    return replace_text(p, report_template.SHEET_INFO, name, f"{name}_x0007_")


def _emoji(folder, code, name):
    details = sample_details(dict(DEFAULT_VALUES), MONTH)
    for row in details["求职登记"]:
        row["姓名"] = row["姓名"] + "👷"
    return report(folder, code, name, report_name=name + "🚀", info_overrides={"填报人": "李四😀"}, details=details)


def _long_name(folder, code, name):
    stem = f"{code} 报表 #1 100% 完成 {name} "
    filler = "monthly-report_2023-03 " * 10
    fname = (stem + filler)[: 200 - len(".xlsx")] + ".xlsx"
    assert len(fname) == 200 and len(fname.encode("utf-8")) <= 255
    return report(folder, code, name, fname)


def _unreadable_folder(folder, code, name):
    sub = Path(folder) / "无权限的文件夹"
    sub.mkdir()
    report(sub, code, name)
    sub.chmod(0)
    return [sub]


def _symlink_loop(folder, code, name):
    sub = Path(folder) / "循环"
    sub.mkdir()
    os.symlink("..", sub / "上一级")
    a, b = Path(folder) / f"{code}_甲.xlsx", Path(folder) / f"{code}_乙.xlsx"
    os.symlink(b.name, a)
    os.symlink(a.name, b)
    return [sub / "上一级", a, b]


def _dangling_link(folder, code, name):
    p = Path(folder) / f"{code}_已删除.xlsx"
    os.symlink("不存在的文件.xlsx", p)
    return p


def _only_detail_sheets(folder, code, name):
    return report(folder, code, name, sheets=tuple(d.name for d in report_template.DETAIL_SHEETS))


def _old_template(folder, code, name):
    return report(folder, code, name, version="LGYZ-M-0")


def _wrong_station(folder, code, name):
    return report(folder, "ZD-999", name, f"{code}_{name}_编号填错.xlsx")


FORMULA_TEXTS = {"驿站名称": "=1+1", "填报人": "+cmd|' /C calc'!A0", "用工专线电话": "-2", "联系电话": "@SUM(A1)"}
FORMULA_DETAIL = {"用工单位": '=HYPERLINK("http://evil.example/","点我")', "岗位名称": "@SUM(1+1)*cmd|' /C calc'!A0"}


def set_text(ws, row: int, col: int, text: str) -> None:
    """Store ``text`` as a string cell even when it starts with "=" (as Excel does for a cell
    formatted as text, or typed with a leading apostrophe)."""
    cell = ws.cell(row=row, column=col)
    cell.value = text
    cell.data_type = "s"


def _formula_text(folder, code, name):
    """Text fields typed as =1+1, +cmd, -2, @SUM: text in the file, and it must stay text."""
    details = sample_details(dict(DEFAULT_VALUES), MONTH)
    p = report(folder, code, name, details=details)

    def fn(wb):
        ws = wb[report_template.SHEET_INFO]
        for row in ws.iter_rows():
            for c in row:
                if c.value in FORMULA_TEXTS:
                    set_text(ws, c.row, c.column + 1, FORMULA_TEXTS[c.value])
        jobs = wb["岗位信息"]
        header = {c.value: c.column for c in jobs[1]}
        for r in range(2, jobs.max_row + 1):
            for label, text in FORMULA_DETAIL.items():
                set_text(jobs, r, header[label], text)

    return edit(p, fn)


def _traversal(folder, code, name):
    """Station text that looks like a path: only the registry decides where files go."""
    return report(
        folder,
        code,
        name,
        report_name="../../../../tmp/逃逸/..\\..\\驿站",
        info_overrides={"填报人": "/etc/passwd", "所属县（市、区）": "../曾都区"},
    )


# ---- other producers' workbooks (the public corpora's refusals for the wrong reason) ----


def _foreign(fn, suffix: str = ".xlsx"):
    """A clean report passed through ``fn(src, dst)``."""

    def make(folder, code, name):
        src = report(folder, code, name, f"_{code}_src.xlsx")
        out = fn(src, Path(folder) / f"{code}_{name}_{fn.__name__.strip('_')}{suffix}")
        src.unlink()
        return out

    return _one(make)


def _xlsb_backslash(src: Path, dst: Path) -> Path:
    from support.xlsb_write import report_as_xlsb

    xlsb = report_as_xlsb(src, src.with_suffix(".xlsb"))
    out = fw.backslash_names(xlsb, dst)
    xlsb.unlink()
    return out


def _excel4(folder, code, name):
    p = Path(folder) / f"{code}_{name}_Excel4.xls"
    p.write_bytes(fw.old_excel(4))
    return p


def _quattro(folder, code, name):
    p = Path(folder) / f"{code}_{name}_Quattro.xls"
    p.write_bytes(fw.quattro_pro())
    return p


def _macro_sheet_not_a_report(folder, code, name):
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.active["A1"] = 1
    src = Path(folder) / f"_{code}_data.xlsx"
    wb.save(src)
    out = fw.with_macro_sheet(src, Path(folder) / f"{code}_宏表工具.xlsx")
    src.unlink()
    return out


def _basic_ods(folder, code, name):
    ods = _libreoffice_ods(folder, code, name)
    out = fw.with_basic_library(ods, ods.with_name(f"{code}_{name}_带宏.ods"))
    ods.unlink()
    return out


def _dense_xls(folder, code, name):
    """A value in IV65536 of 填报说明: calamine would build 16.7 million cells."""

    def far(wb):
        wb[report_template.SHEET_HELP]["IV65536"] = "末尾"

    src = edit(report(folder, code, name, f"{code}_{name}_满表.xlsx"), far)
    return _soffice_convert(src, "xls")


CASES: tuple[Case, ...] = (
    # ---- files that are not what they claim (the reading issue's hostile files) ----
    Case(
        "empty",
        "损坏或伪装的文件",
        "0 字节的 .xlsx",
        _hostile(hostile.empty_file, "空.xlsx"),
        REJECTED,
        codes=frozenset({"F001"}),
        does="拒收，F001",
    ),
    Case(
        "random-bytes",
        "损坏或伪装的文件",
        "随机字节，扩展名 .xlsx",
        _hostile(hostile.random_bytes, "乱码.xlsx"),
        REJECTED,
        codes=frozenset({"F002"}),
        does="拒收，F002（无法识别的格式）",
    ),
    Case(
        "truncated",
        "损坏或伪装的文件",
        "传输中断，只有前 60% 的 .xlsx",
        _hostile(hostile.truncated_xlsx, "中断.xlsx"),
        REJECTED,
        codes=frozenset({"F003"}),
        does="拒收，F003",
    ),
    Case(
        "encrypted-xlsx",
        "损坏或伪装的文件",
        "设置了打开密码的 .xlsx（OLE 加密包）",
        _hostile(hostile.encrypted_ooxml, "加密.xlsx"),
        REJECTED,
        codes=frozenset({"F004"}),
        does="拒收，F004",
    ),
    Case(
        "encrypted-xls",
        "损坏或伪装的文件",
        "设置了打开密码的 .xls（BIFF8 FILEPASS）",
        _hostile(hostile.encrypted_xls, "加密.xls"),
        REJECTED,
        codes=frozenset({"F004"}),
        does="拒收，F004",
    ),
    Case(
        "zip-bomb",
        "损坏或伪装的文件",
        "解压后 60 MB 的压缩炸弹",
        _hostile(hostile.zip_bomb, "炸弹.xlsx"),
        REJECTED,
        codes=frozenset({"F005"}),
        does="拒收，F005，不解压",
    ),
    Case(
        "huge-file",
        "损坏或伪装的文件",
        "65 MB 的 .xlsx（远超任何月报）",
        _hostile(hostile.huge_file, "全年导出.xlsx"),
        REJECTED,
        codes=frozenset({"F005"}),
        does="拒收，F005，不读入内存",
    ),
    Case(
        "billion-laughs",
        "损坏或伪装的文件",
        "共享字符串里的实体炸弹（DOCTYPE）",
        _hostile(hostile.billion_laughs, "实体.xlsx"),
        REJECTED,
        codes=frozenset({"F006"}),
        does="拒收，F006，不展开",
    ),
    Case(
        "html-as-xls",
        "网页系统“导出 Excel”",
        ".xls 实为 HTML 表格",
        _hostile(hostile.html_as_xls, "网页.xls"),
        REJECTED,
        codes=frozenset({"F002"}),
        does="拒收，F002（网页(HTML)格式），提示另存为 .xlsx",
    ),
    Case(
        "tsv-as-xls",
        "网页系统“导出 Excel”",
        ".xls 实为制表符分隔文本（GB18030）",
        _hostile(hostile.tsv_as_xls, "导出.xls"),
        REJECTED,
        codes=frozenset({"F002"}),
        does="拒收，F002（文本格式）",
    ),
    Case(
        "csv-as-xls",
        "网页系统“导出 Excel”",
        ".xls 实为逗号分隔文本",
        _one(_csv_gbk),
        REJECTED,
        codes=frozenset({"F002"}),
        does="拒收，F002（文本格式）",
    ),
    Case(
        "xml2003-as-xls",
        "网页系统“导出 Excel”",
        ".xls 实为 Excel 2003 XML 表格",
        _one(_xml2003),
        REJECTED,
        codes=frozenset({"F002"}),
        does="拒收，F002（XML 表格格式）",
    ),
    Case(
        "mht-as-xls",
        "网页系统“导出 Excel”",
        ".xls 实为网页存档（MHT）",
        _one(_mht),
        REJECTED,
        codes=frozenset({"F002"}),
        does="拒收，F002（网页存档格式）",
    ),
    Case(
        "far-cell-ods",
        "损坏或伪装的文件",
        ".ods 在最后一个单元格 XFD1048576 有值",
        _hostile(hostile.far_cell_ods, "远.ods"),
        REJECTED,
        codes=frozenset({"F005"}),
        does="拒收，F005，不展开",
    ),
    Case(
        "biff8-fragment",
        "损坏或伪装的文件",
        "只有错误值记录的残缺 BIFF8 .xls",
        _hostile(hostile.biff8_with_errors, "残缺.xls"),
        REPORT,
        NOT_REGISTERED,
        frozenset({"R001", "S001", "S006"}),
        does="读出月度指标及错误值；缺基本信息，S001/S006，驿站未知 R001，退回",
    ),
    Case(
        "word-as-xls",
        "损坏或伪装的文件",
        ".xls 实为 Word 文档",
        _hostile(hostile.word_doc_as_xls, "说明.xls"),
        REJECTED,
        codes=frozenset({"F002"}),
        does="拒收，F002（Word 文档）",
    ),
    Case(
        "zip-not-workbook",
        "损坏或伪装的文件",
        ".xlsx 实为普通压缩包",
        _one(_zip_not_workbook),
        REJECTED,
        codes=frozenset({"F002"}),
        does="拒收，F002（普通压缩包）",
    ),
    Case("csv-file", "不是表格文件", ".csv 文件", _one(_csv_ext), SKIPPED, does="跳过，运行记录写明原因"),
    Case(
        "lock-files",
        "不是表格文件",
        "Excel/WPS（~$）和 LibreOffice（.~lock.#）的锁定文件",
        _lock_files,
        SKIPPED,
        does="跳过（锁定文件）",
    ),
    # ---- real workbooks as other programs save them ----
    Case(
        "xlsx-named-xls",
        "各软件保存的文件",
        "内容是 .xlsx，扩展名 .xls",
        _one(_xlsx_named_xls),
        REPORT,
        ACCEPTED,
        does="按内容读取，采用",
    ),
    Case(
        "xlsx-named-et",
        "各软件保存的文件",
        "WPS 的 .et 扩展名（内容为 .xlsx）",
        _one(_xlsx_named_et),
        REPORT,
        ACCEPTED,
        does="按内容读取，采用",
    ),
    Case(
        "xlsm", "各软件保存的文件", "启用宏的 .xlsm", _one(_xlsm), REPORT, ACCEPTED, does="读取单元格，不运行宏，采用"
    ),
    Case(
        "shared-strings",
        "各软件保存的文件",
        "共享字符串表（Excel、WPS 的存法）",
        _one(_shared_strings),
        REPORT,
        ACCEPTED,
        does="采用",
    ),
    Case(
        "no-dimension",
        "各软件保存的文件",
        "工作表没有 dimension 元素",
        _one(_no_dimension),
        REPORT,
        ACCEPTED,
        does="采用",
    ),
    Case(
        "styles-no-default",
        "各软件保存的文件",
        "样式表没有默认样式（cellXfs 为空）",
        _one(_styles_without_default),
        REPORT,
        ACCEPTED,
        does="采用",
    ),
    Case(
        "no-styles-part", "各软件保存的文件", "根本没有样式部件", _one(_no_styles_part), REPORT, ACCEPTED, does="采用"
    ),
    Case(
        "backslash-names",
        "各软件保存的文件",
        "压缩包内的部件名用反斜杠（xl\\workbook.xml，某些国产软件导出）",
        _one(_backslash_names),
        REPORT,
        ACCEPTED,
        does="按“/”读取部件名，采用",
    ),
    Case(
        "duplicate-part",
        "损坏或伪装的文件",
        "同一部件出现两次（xl/workbook.xml 与 xl\\workbook.xml）",
        _one(_duplicate_part),
        REJECTED,
        codes=frozenset({"F003"}),
        does="拒收，F003（无法确定应读取哪一个）",
    ),
    Case(
        "escaping-part",
        "损坏或伪装的文件",
        "部件名指向压缩包之外（..\\..\\customXml\\item1.xml）",
        _one(_escaping_part),
        REJECTED,
        codes=frozenset({"F003"}),
        does="拒收，F003",
    ),
    Case(
        "xlsx-macro-sheet",
        "各软件保存的文件",
        "含 Excel 4.0 宏表（XLM）的 .xlsx",
        _foreign(fw.with_macro_sheet),
        REPORT,
        ACCEPTED,
        does="不读宏表，其余照常读取，采用",
    ),
    Case(
        "xlsx-sheet-without-rel-id",
        "各软件保存的文件",
        "workbook.xml 中有一个工作表没有关系编号（r:id）",
        _foreign(fw.with_sheet_without_rel_id),
        REPORT,
        ACCEPTED,
        does="略过该工作表，采用",
    ),
    Case(
        "xlsx-lower-case-content-types",
        "各软件保存的文件",
        "[content_types].xml 为小写、部件名用反斜杠的 .xlsx",
        _foreign(fw.lower_case_content_types),
        REPORT,
        ACCEPTED,
        does="按不区分大小写的部件名读取，采用",
    ),
    Case(
        "xlsb-backslash-names",
        "各软件保存的文件",
        "部件名用反斜杠的 .xlsb",
        _foreign(_xlsb_backslash, ".xlsb"),
        REPORT,
        ACCEPTED,
        does="按“/”读取部件名（不再出现读取组件的崩溃信息），采用",
    ),
    Case(
        "excel4-file",
        "各软件保存的文件",
        "Excel 4.0 格式（BIFF4，无 OLE 容器）",
        _one(_excel4),
        REJECTED,
        codes=frozenset({"F013"}),
        does="拒收，F013（旧版格式，请另存为 .xlsx）",
    ),
    Case(
        "quattro-pro",
        "各软件保存的文件",
        "Quattro Pro 文件，扩展名 .xls",
        _one(_quattro),
        REJECTED,
        codes=frozenset({"F013"}),
        does="拒收，F013（旧版格式，请另存为 .xlsx）",
    ),
    Case(
        "macro-sheet-not-a-report",
        "各软件保存的文件",
        "含宏表、不是报表的工作簿",
        _one(_macro_sheet_not_a_report),
        SKIPPED,
        does="跳过（不是报表），不称损坏",
    ),
    Case(
        "ods-repeated-rows",
        "各软件保存的文件",
        "LibreOffice .ods，百万行重复空行、#DIV/0! 结果，只有月度指标表",
        _hostile(hostile.minimal_ods, "重复行.ods"),
        REPORT,
        NOT_REGISTERED,
        frozenset({"R001", "S001", "S006"}),
        does="不展开重复行；缺基本信息，S001/S006，驿站未知 R001，退回",
    ),
    Case(
        "stray-far-cells",
        "各软件保存的文件",
        "月度指标 A1048576 和 BZ40 各有一个多余的值",
        _one(_stray_far_cell),
        REPORT,
        ACCEPTED,
        does="只读前 5000 行、60 列，采用",
    ),
    Case(
        "no-cell-refs",
        "各软件保存的文件",
        "单元格和行没有 r 属性（某些导出程序）",
        _one(_no_cell_refs),
        REPORT,
        ACCEPTED,
        does="按位置读取，采用",
    ),
    # ---- structure changed by the station ----
    Case(
        "sheet-renamed",
        "工作表被改动",
        "“月度指标”改名为“三月指标”",
        _rename_sheet(report_template.SHEET_INDICATORS, "三月指标"),
        REPORT,
        RETURNED,
        frozenset({"S001"}),
        does="退回，S001 说明缺少哪张表",
    ),
    Case(
        "sheet-name-spaces",
        "工作表被改动",
        "工作表名前后多了空格（“ 月度指标 ”）",
        _rename_sheet(report_template.SHEET_INDICATORS, " 月度指标 "),
        REPORT,
        ACCEPTED,
        does="按去空格后的名称找到，采用",
    ),
    Case(
        "both-sheets-renamed",
        "工作表被改动",
        "“基本信息”“月度指标”都改成 Sheet1、Sheet2",
        _one(_both_report_sheets_renamed),
        SKIPPED,
        does="不认作报表，跳过并写明原因；该月按缺报",
    ),
    Case(
        "sheets-reordered",
        "工作表被改动",
        "工作表顺序倒过来",
        _one(_reordered),
        REPORT,
        ACCEPTED,
        does="按名称找表，采用",
    ),
    Case(
        "sheets-hidden",
        "工作表被改动",
        "“基本信息”隐藏、“月度指标”深度隐藏",
        _one(_hidden_report_sheets),
        REPORT,
        ACCEPTED,
        does="隐藏的表照常读取，采用",
    ),
    Case(
        "hidden-first-sheet",
        "工作表被改动",
        "第一张表（填报说明）隐藏",
        _one(_hidden_first_sheet),
        REPORT,
        ACCEPTED,
        does="采用",
    ),
    Case(
        "value-column-moved",
        "工作表被改动",
        "“本月数值”前插入一列，数值移到 F 列",
        _one(_value_column_moved),
        REPORT,
        ACCEPTED,
        does="按表头找列，采用",
    ),
    Case(
        "columns-swapped",
        "工作表被改动",
        "“本月数值”与“备注”两列互换",
        _one(_columns_swapped),
        REPORT,
        ACCEPTED,
        does="按表头找列，采用",
    ),
    Case(
        "table-moved",
        "工作表被改动",
        "表格整体下移 3 行右移 2 列，插入空行和注释行，标签改用半角括号",
        _one(_table_moved),
        REPORT,
        ACCEPTED,
        does="按标签找行，采用",
    ),
    Case(
        "merged-over-values",
        "工作表被改动",
        "C1、C2 两个数值单元格被合并（C2 的数值丢失）",
        _one(_merged_over_value),
        REPORT,
        RETURNED,
        frozenset({"V001"}),
        does="退回，V001 指出被合并掉的单元格",
    ),
    Case(
        "merged-value-note",
        "工作表被改动",
        "“驿站名称”的值与右侧说明单元格合并",
        _one(_merged_label_value),
        REPORT,
        ACCEPTED,
        does="采用",
    ),
    Case(
        "only-detail-sheets",
        "工作表被改动",
        "只有明细表，没有“基本信息”“月度指标”",
        _one(_only_detail_sheets),
        SKIPPED,
        does="不认作报表，跳过",
    ),
    Case(
        "old-template",
        "工作表被改动",
        "模板版本 LGYZ-M-0",
        _one(_old_template),
        REPORT,
        RETURNED,
        frozenset({"S002"}),
        does="退回，S002",
    ),
    # ---- values as stations type them ----
    Case(
        "numbers-as-text",
        "数值与日期",
        "数值存成文本（“12”）",
        _values({"C1": "12", "C2": "4"}),
        REPORT,
        ACCEPTED,
        does="按数值读取，采用",
    ),
    Case(
        "fullwidth-digits",
        "数值与日期",
        "全角数字“１２”",
        _values({"C1": "１２"}),
        REPORT,
        ACCEPTED,
        frozenset({"V003"}),
        does="采用，V003 警告说明按什么读取",
    ),
    Case(
        "chinese-numeral",
        "数值与日期",
        "中文数字“十二”",
        _values({"C1": "十二"}),
        REPORT,
        RETURNED,
        frozenset({"V002"}),
        does="退回，V002",
    ),
    Case(
        "negative-and-fraction",
        "数值与日期",
        "负数和小数（-2、3.5）",
        _values({"C3": -2, "C4": 3.5}),
        REPORT,
        RETURNED,
        frozenset({"V002"}),
        does="退回，V002",
    ),
    Case(
        "absurd-number",
        "数值与日期",
        "1e300 和布尔值 TRUE 填在数值格",
        _values({"E1": 1e300, "E2": True}),
        REPORT,
        RETURNED,
        frozenset({"V002", "V018"}),
        does="退回，V018 数值不合理（超过规则中的每月上限），V002",
    ),
    Case(
        "number-with-unit",
        "数值与日期",
        "数值带单位（“4个”）",
        _values({"C2": "4个"}),
        REPORT,
        RETURNED,
        frozenset({"V002"}),
        does="退回，V002 请只填数字",
    ),
    Case(
        "month-as-text",
        "数值与日期",
        "报送年月为文本“2023年3月”，填报日期为文本“2023/4/3”",
        _values({}, month="2023年3月", fill_date="2023/4/3"),
        REPORT,
        ACCEPTED,
        does="采用",
    ),
    Case(
        "month-as-date",
        "数值与日期",
        "报送年月为日期单元格",
        _values({}, month=date(2023, 3, 1)),
        REPORT,
        ACCEPTED,
        does="采用",
    ),
    Case(
        "dates-as-serials",
        "数值与日期",
        "填报日期存成序列号数字（45019）",
        _values({}, fill_date=45019),
        REPORT,
        ACCEPTED,
        does="按 Excel 日期序列号读取，采用",
    ),
    Case(
        "month-as-decimal",
        "数值与日期",
        "报送年月为数字 2023.03（Excel 存成 2023.03）",
        _values({}, month=2023.03),
        REPORT,
        ACCEPTED,
        frozenset({"V008"}),
        does="采用，V008 提醒歧义",
    ),
    Case(
        "formula-cached",
        "公式",
        "公式 =1+2，保存了计算结果 3",
        _one(_cached_formula),
        REPORT,
        ACCEPTED,
        does="按计算结果读取，采用",
    ),
    Case(
        "formula-uncached",
        "公式",
        "公式 =1+2，没有保存计算结果（程序生成未计算）",
        _values({"C1": "=1+2"}),
        REPORT,
        RETURNED,
        frozenset({"V006"}),
        does="退回，V006 请打开保存一次",
    ),
    Case(
        "error-value",
        "公式",
        "单元格为错误值 #DIV/0!",
        _values({"C1": "#DIV/0!"}),
        REPORT,
        RETURNED,
        frozenset({"V014"}),
        does="退回，V014",
    ),
    Case(
        "huge-strings",
        "文字内容",
        "1 MB 的备注、4 万字的驿站名称",
        _one(_huge_string),
        REPORT,
        ACCEPTED,
        frozenset({"R002"}),
        does="采用，R002 名称与名册不符；输出照常写出",
    ),
    Case(
        "control-chars",
        "文字内容",
        "文字中有控制字符（\\x01、\\x07、\\x1b、_x0007_）",
        _one(_control_chars),
        REPORT,
        ACCEPTED,
        frozenset({"R002"}),
        does="采用，R002 名称与名册不符；输出照常写出",
    ),
    Case(
        "emoji",
        "文字内容",
        "驿站名称、填报人、明细姓名中有 emoji",
        _one(_emoji),
        REPORT,
        ACCEPTED,
        frozenset({"R002"}),
        does="采用，R002 名称与名册不符",
    ),
    Case(
        "formula-text",
        "文字内容",
        "文字字段填 =1+1、+cmd、-2、@SUM(A1)",
        _one(_formula_text),
        REPORT,
        ACCEPTED,
        frozenset({"R002", "V009"}),
        does="采用；输出中一律为文字，不成为公式",
    ),
    Case(
        "path-text",
        "文字内容",
        "驿站名称、县区、填报人填成路径（../../、\\\\、/etc/passwd）",
        _one(_traversal),
        REPORT,
        ACCEPTED,
        frozenset({"R002", "R003"}),
        does="采用；输出文件名只取名册，不会写到输出文件夹外",
    ),
    Case(
        "unknown-station",
        "文字内容",
        "驿站编号不在名册中（ZD-999）",
        _one(_wrong_station),
        REPORT,
        NOT_REGISTERED,
        frozenset({"R001", "F011"}),
        does="退回，R001",
    ),
    # ---- the folder itself ----
    Case(
        "long-file-name",
        "文件夹与文件名",
        "200 个字符的文件名，含中文、空格、#、%",
        _one(_long_name),
        REPORT,
        ACCEPTED,
        does="采用",
    ),
    Case(
        "unreadable-folder",
        "文件夹与文件名",
        "无法读取的子文件夹",
        _unreadable_folder,
        FOLDER,
        codes=frozenset({"F012"}),
        does="F012 警告，其余文件照常处理",
    ),
    Case(
        "symlink-loop",
        "文件夹与文件名",
        "指向上一级的文件夹链接、互相指向的两个文件链接",
        _symlink_loop,
        SKIPPED,
        does="不跟随文件夹链接；循环的文件链接跳过并写明原因；不会卡住",
    ),
    Case(
        "dangling-link", "文件夹与文件名", "指向已删除文件的链接", _one(_dangling_link), SKIPPED, does="跳过并写明原因"
    ),
)

# LibreOffice makes real .ods and .xls files; the cases run only where it is installed.
SOFFICE_CASES: tuple[Case, ...] = (
    Case(
        "libreoffice-ods",
        "各软件保存的文件",
        "LibreOffice 另存的 .ods",
        _one(_libreoffice_ods),
        REPORT,
        ACCEPTED,
        does="采用",
    ),
    Case(
        "excel97-xls",
        "各软件保存的文件",
        "Excel 97-2003 格式 .xls（BIFF8）",
        _one(_old_excel_xls),
        REPORT,
        ACCEPTED,
        does="采用；退回副本另存为 .xlsx",
    ),
    Case(
        "ods-basic-library",
        "各软件保存的文件",
        "带 Basic 宏库（含 LibreOffice 标准 DTD 行）的 .ods",
        _one(_basic_ods),
        REPORT,
        ACCEPTED,
        does="不解析宏库，采用",
    ),
    Case(
        "dense-xls",
        "各软件保存的文件",
        ".xls 在 IV65536 有值（使用范围 A1:IV65536）",
        _one(_dense_xls),
        REPORT,
        ACCEPTED,
        does="读取前截去远处单元格，不耗尽内存，采用",
    ),
)


def station_for(i: int, case: Case) -> tuple[str, str]:
    return f"ZD-{101 + i:03d}", f"测试{i + 1}号零工驿站"


def write_registry(path: Path, stations: list[tuple[str, str]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = report_template.SHEET_REGISTRY
    ws.append([label for _, label in report_template.REGISTRY_COLUMNS])
    for code, name in stations:
        ws.append(
            [
                code,
                name,
                COUNTY,
                "街道办事处",
                "随州市曾都区某路 1 号",
                "王五",
                "13907220000",
                f"{code.lower()}@example.com",
                "0722-3201234",
                "运营",
                "2023-01",
                "",
            ]
        )
    wb.save(path)
    return path


def build_corpus(folder: Path, cases: tuple[Case, ...] = CASES) -> dict[str, list[Path] | None]:
    """Write the registry and every case into ``folder``; returns {case id: files written}.

    A LibreOffice case whose conversion fails (soffice missing or stuck) maps to None,
    so the caller can skip it rather than lose the whole corpus."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stations = []
    written: dict[str, list[Path] | None] = {}
    optional = {c.id for c in SOFFICE_CASES}
    for i, case in enumerate(cases):
        code, name = station_for(i, case)
        stations.append((code, name))
        try:
            written[case.id] = case.make(folder, code, name)
        except Exception:
            if case.id not in optional:
                raise
            written[case.id] = None
    write_registry(folder / REGISTRY_NAME, stations)
    return written


_OUTCOME_WORDS = {REJECTED: "拒收（无法读取）", SKIPPED: "跳过", FOLDER: "文件夹跳过，运行继续"}


def markdown_table(cases: tuple[Case, ...]) -> str:
    """The table of docs/bad-input.md, generated from the cases so the two cannot drift apart."""
    lines = ["| 类别 | 用例 | 输入 | 结果 | 问题代码 | 工具的处理 |", "|---|---|---|---|---|---|"]
    for c in cases:
        outcome = c.status if c.kind == REPORT else _OUTCOME_WORDS[c.kind]
        codes = "、".join(sorted(c.codes)) or "—"
        what = c.what.replace("|", "\\|")
        lines.append(f"| {c.group} | `{c.id}` | {what} | {outcome} | {codes} | {c.does} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown_table(CASES + SOFFICE_CASES), end="")
