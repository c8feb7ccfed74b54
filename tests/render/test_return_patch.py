"""Return copies patch the station's package: everything it had stays (issue 15).

A station workbook with an image, a chart, a text box, defined names, data
validation (plain and in an extension list), conditional formatting, its own
notes, custom document properties and, as .xlsm, a vbaProject.bin gets a return
copy; every part the marks do not need must come out byte for byte, its notes
must still be there, and the copy must open cleanly: in openpyxl and calamine with
the station's values unchanged, in the Open XML SDK rules of openxml-audit, and in
LibreOffice with the marked cells filled. The demo's return copies are held to the
same, so that a change of the demo's reports is checked too.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from lingong.catalogue.issues import issue
from lingong.layout import (
    FORM_SUFFIX,
    MAIL_LIST_NAME,
    NOTICE_NAME,
    RETURNS_FOLDER,
    summary_name,
    validation_report_name,
)
from lingong.read.workbook import read_workbook
from lingong.render.return_copy import FILLS, LIST_SHEET, write_return_copy
from lingong.render.xlsx_patch import Unpatchable, patch
from support.render_tools import convert, require_render_tools
from support.rich_workbook import (
    INDICATORS,
    INFO,
    NOTED_CELL,
    OTHER_NOTE,
    OTHER_NOTE_CELL,
    STATION_NOTE,
    VBA_BYTES,
    build_rich_workbook,
)

ROOT = Path(__file__).resolve().parents[2]
ID = "421302199001011235"
RED, YELLOW = FILLS["错误"], FILLS["警告"]


def _issues(rel: str):
    return [
        issue("V002", file=rel, sheet=INDICATORS, cell=NOTED_CELL, found="十二", what="C1 收集审核零工岗位数"),
        issue("V003", file=rel, sheet=INDICATORS, cell="E7", found="3次", expected="3", what="A5"),
        issue("V010", file=rel, sheet="求职登记", cell="D2", found=ID, what="求职登记!D2（身份证号）"),
        issue("V001", file=rel, sheet=INFO, cell="B30", what="备注"),  # a cell the sheet does not have
        issue("S004", file=rel, sheet=INDICATORS, expected="F3"),  # whole sheet: only in the list
        issue("V002", file=rel, sheet="不存在的表", cell="A1", found="x"),
    ]


# (sheet, cell, fill) the copy must show: by severity, from the catalogue.
MARKED = [(i.sheet, i.cell, FILLS[i.severity]) for i in _issues("") if i.cell and i.sheet != "不存在的表"]
assert {f for _s, _c, f in MARKED} == {RED, YELLOW}


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    """{"xlsx"|"xlsm": (source, copy)}."""
    work = tmp_path_factory.mktemp("rich")
    out = {}
    for kind in ("xlsx", "xlsm"):
        src = build_rich_workbook(work / f"白云湖社区零工驿站-2023-05.{kind}", macro=kind == "xlsm")
        copy = write_return_copy(
            src, src.name, _issues(src.name), work / RETURNS_FOLDER / f"GX-002_2023-05_{kind}_退回.xlsx"
        )
        out[kind] = (src, copy)
    return out


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _rel_targets(parts: dict[str, bytes], owner: str) -> dict[str, tuple[str, str]]:
    """Id -> (type tail, part) of a part's relationships, read independently of the patcher."""
    rels = parts.get(posixpath.join(posixpath.dirname(owner), "_rels", posixpath.basename(owner) + ".rels"), b"")
    out = {}
    for tag in re.findall(r"<Relationship\b[^>]*>", rels.decode()):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag))
        target = attrs["Target"]
        part = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(posixpath.dirname(owner), target))
        )
        out[attrs["Id"]] = (attrs["Type"].rsplit("/", 1)[-1], part)
    return out


def _sheet_parts(parts: dict[str, bytes]) -> dict[str, str]:
    book = parts["xl/workbook.xml"].decode()
    rels = _rel_targets(parts, "xl/workbook.xml")
    return {
        name: rels[rid][1] for name, rid in re.findall(r'<(?:x:)?sheet\b[^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', book)
    }


@pytest.mark.parametrize("kind", ["xlsx", "xlsm"])
def test_every_part_not_needed_for_the_marks_is_byte_identical(rich, kind):
    src, copy = rich[kind]
    assert copy.suffix == f".{kind}"
    before, after = _parts(src), _parts(copy)
    sheets = _sheet_parts(before)
    marked = {sheets[s] for s, _c, _f in MARKED}
    notes = {
        p for sheet in marked for _t, p in _rel_targets(before, sheet).values() if p.endswith(".vml") or "comment" in p
    }
    was_active = {p for p in sheets.values() if b'tabSelected="1"' in before[p]}
    may_change = (
        {
            "[Content_Types].xml",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "xl/sharedStrings.xml",
        }
        | marked
        | notes
        | was_active
        | {posixpath.join(posixpath.dirname(p), "_rels", posixpath.basename(p) + ".rels") for p in marked}
    )
    kept = [n for n in before if n not in may_change]
    assert {
        "xl/charts/chart1.xml",
        "xl/drawings/drawing1.xml",
        "xl/media/image1.png",
        "docProps/custom.xml",
        "docProps/core.xml",
        "docProps/app.xml",
        "xl/theme/theme1.xml",
    } <= set(kept)
    changed = [n for n in kept if after.get(n) != before[n]]
    assert changed == []
    # The drawing still holds the image and the text box; the sheet keeps its data validation extension.
    assert (
        b"<xdr:pic>" in after["xl/drawings/drawing1.xml"]
        and "驿站负责人审核".encode() in after["xl/drawings/drawing1.xml"]
    )
    indicators = after[sheets[INDICATORS]].decode()
    assert "<x14:dataValidations" in indicators and "<conditionalFormatting" in indicators
    assert "<dataValidations" in indicators and "<drawing " in indicators
    assert indicators.index("<legacyDrawing") < indicators.index("<extLst>")  # schema order kept
    if kind == "xlsm":
        assert after["xl/vbaProject.bin"] == VBA_BYTES
        assert b"macroEnabled.main+xml" in after["[Content_Types].xml"]
    # The parts that changed changed only by additions the marks need.
    old_styles, new_styles = before["xl/styles.xml"].decode(), after["xl/styles.xml"].decode()
    for block in ("fonts", "fills", "cellXfs"):
        old = re.search(rf"<{block}\b[^>]*>(.*)</{block}>", old_styles, re.S).group(1)
        new = re.search(rf"<{block}\b[^>]*>(.*)</{block}>", new_styles, re.S).group(1)
        assert new.startswith(old) and len(new) > len(old)  # existing style ids untouched


@pytest.mark.parametrize("kind", ["xlsx", "xlsm"])
def test_the_stations_own_notes_stay_and_the_marks_are_there(rich, kind):
    src, copy = rich[kind]
    wb = openpyxl.load_workbook(copy, keep_vba=kind == "xlsm")
    assert wb.sheetnames[0] == LIST_SHEET and wb.active.title == LIST_SHEET
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == [LIST_SHEET]  # not grouped
    ws = wb[INDICATORS]
    assert ws[OTHER_NOTE_CELL].comment.text == OTHER_NOTE
    noted = ws[NOTED_CELL].comment.text
    assert noted.startswith(STATION_NOTE) and "应为非负整数" in noted and "请改为阿拉伯数字" in noted
    for sheet, cell, fill in MARKED:
        c = wb[sheet][cell]
        assert c.fill.fgColor.rgb == "FF" + fill, (sheet, cell)
        assert c.comment is not None and c.comment.text
    # The station's own format of a marked cell is kept, only the fill changes.
    src_ws = openpyxl.load_workbook(src)[INDICATORS]
    for attr in ("fontId", "borderId", "numFmtId", "protectionId", "alignmentId"):
        assert getattr(ws["E7"]._style, attr) == getattr(src_ws["E7"]._style, attr), attr
    assert ws["E7"].fill != src_ws["E7"].fill
    assert ws["E8"]._style == src_ws["E8"]._style  # an unmarked neighbour keeps its style id
    id_note = wb["求职登记"]["D2"].comment.text
    assert ID not in id_note and "421302********1235" in id_note  # what the tool adds is masked
    listed = [[c.value for c in row] for row in wb[LIST_SHEET].iter_rows(min_row=6)]
    assert len(listed) == len(_issues(""))
    assert ID not in repr(listed)
    assert wb[LIST_SHEET]["A3"].value.startswith("请直接在本文件中修改")
    # defined names follow their sheets: the local one and the print titles moved up by one
    assert "本表合计" in ws.defined_names and ws.defined_names["本表合计"].attr_text == f"{INDICATORS}!$E$2"
    assert "驿站指标" in wb.defined_names
    assert "_xlnm.Print_Titles" not in wb[LIST_SHEET].defined_names
    assert ws.print_title_rows == "$1:$1"


def _grids_calamine(path: Path, names) -> dict:
    wb = read_workbook(path)
    return {n: wb.sheet(n).rows for n in names}


def _grids_openpyxl(path: Path, names) -> dict:
    wb = openpyxl.load_workbook(path, data_only=False)
    return {n: [[c.value for c in row] for row in wb[n].iter_rows()] for n in names}


def _trim(rows):
    """A cell the patcher adds for a mark is empty: compare without trailing empties."""
    out = [list(r) for r in rows]
    for r in out:
        while r and r[-1] in (None, ""):
            r.pop()
    while out and not out[-1]:
        out.pop()
    return out


@pytest.mark.parametrize("kind", ["xlsx", "xlsm"])
def test_the_stations_values_read_back_unchanged(rich, kind):
    src, copy = rich[kind]
    names = openpyxl.load_workbook(src).sheetnames
    assert openpyxl.load_workbook(copy).sheetnames == [LIST_SHEET, *names]
    for reader in (_grids_calamine, _grids_openpyxl):
        a, b = reader(src, names), reader(copy, names)
        assert {n: _trim(r) for n, r in a.items()} == {n: _trim(r) for n, r in b.items()}, reader.__name__
    assert read_workbook(copy).sheet(LIST_SHEET).rows[0][0].startswith("本报表的问题清单")


def _audit_errors(path: Path, *, warnings: bool = False) -> list[str]:
    from openxml_audit import OpenXmlValidator, ValidationSeverity

    result = OpenXmlValidator().validate(str(path))
    return [
        f"{e.severity.name} {e.part_uri} {e.path}: {e.description}"
        for e in result.errors
        if warnings or e.severity == ValidationSeverity.ERROR
    ]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", ["xlsx", "xlsm"])
def test_openxml_audit_finds_no_error_in_the_copy(rich, kind):
    src, copy = rich[kind]
    assert _audit_errors(src) == []  # the source is clean, so any finding would be the copy's
    assert _audit_errors(copy) == []


def test_a_return_copy_sent_back_and_returned_again_has_one_list(rich, tmp_path):
    _src, first = rich["xlsm"]
    again = write_return_copy(first, first.name, _issues(first.name)[:2], tmp_path / "again_退回.xlsx")
    wb = openpyxl.load_workbook(again, keep_vba=True)
    assert wb.sheetnames.count(LIST_SHEET) == 1 and wb.sheetnames[0] == LIST_SHEET
    assert len(list(wb[LIST_SHEET].iter_rows(min_row=6))) == 2
    assert wb[INDICATORS].defined_names["本表合计"].attr_text == f"{INDICATORS}!$E$2"
    assert wb[INDICATORS].print_title_rows == "$1:$1"
    after = _parts(again)
    assert (
        after["xl/vbaProject.bin"] == VBA_BYTES
        and after["xl/charts/chart1.xml"] == _parts(first)["xl/charts/chart1.xml"]
    )
    assert len([n for n in after if n.startswith("xl/worksheets/sheet")]) == len(_sheet_parts(after))
    assert _audit_errors(again) == []


def test_marks_on_missing_rows_and_cells_keep_row_and_column_order(tmp_path):
    """A mark on an empty cell adds the cell (and its row) where Excel expects it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "基本信息"
    ws["A2"], ws["C2"], ws["A5"] = "驿站名称", "x", "备注"
    src = tmp_path / "sparse.xlsx"
    wb.save(src)
    marks = [issue("V001", sheet="基本信息", cell=c, what=c) for c in ("B2", "D2", "B1", "B3", "B9", "A5")]
    out = write_return_copy(src, "sparse.xlsx", marks, tmp_path / "out.xlsx")
    xml = _parts(out)[_sheet_parts(_parts(out))["基本信息"]].decode()
    refs = re.findall(r'<c r="([A-Z]+)(\d+)"', xml)
    rows = [int(r) for r in re.findall(r'<row r="(\d+)"', xml)]
    assert rows == sorted(rows) and len(rows) == len(set(rows))
    for r in set(rows):
        cols = [c for c, n in refs if int(n) == r]
        assert cols == sorted(cols, key=lambda c: (len(c), c)), (r, cols)
    back = openpyxl.load_workbook(out)["基本信息"]
    for c in ("B2", "D2", "B1", "B3", "B9", "A5"):
        assert back[c].fill.fgColor.rgb == "FF" + RED and back[c].comment is not None
    assert back["A2"].value == "驿站名称" and back["C2"].value == "x" and back["A5"].value == "备注"


def test_a_package_the_patcher_cannot_read_is_copied_the_old_way(tmp_path):
    """Rows without r attributes (allowed, rare): the openpyxl copy is made instead, marks and all."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "月度指标"
    ws["A1"], ws["B2"] = "指标", 3
    src = tmp_path / "norows.xlsx"
    wb.save(src)
    parts = _parts(src)
    parts["xl/worksheets/sheet1.xml"] = re.sub(rb'<row r="\d+"', b"<row", parts["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(src, "w") as z:
        for n, d in parts.items():
            z.writestr(n, d)
    marks = [issue("V002", sheet="月度指标", cell="B2", found="3", what="B2")]
    with pytest.raises(Unpatchable):
        from lingong.render.return_copy import patched_copy

        patched_copy(src.read_bytes(), "norows.xlsx", marks)
    out = write_return_copy(src, "norows.xlsx", marks, tmp_path / "out.xlsx")
    back = openpyxl.load_workbook(out)
    assert back.sheetnames == [LIST_SHEET, "月度指标"] and back["月度指标"]["B2"].comment is not None


def test_hostile_xml_is_refused_not_parsed(tmp_path):
    """The patcher parses with the reader's hardened parser: a DOCTYPE is refused."""
    wb = openpyxl.Workbook()
    wb.active.title = "月度指标"
    src = tmp_path / "dtd.xlsx"
    wb.save(src)
    parts = _parts(src)
    parts["xl/workbook.xml"] = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + re.sub(
        rb"^<\?xml[^>]*\?>", b"", parts["xl/workbook.xml"]
    )
    buf = tmp_path / "dtd2.xlsx"
    with zipfile.ZipFile(buf, "w") as z:
        for n, d in parts.items():
            z.writestr(n, d)
    from lingong.render.return_copy import _list_spec

    with pytest.raises(Unpatchable):
        patch(buf.read_bytes(), [], _list_spec("dtd.xlsx", [], "x"))


# ---- the demo's return copies ---------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_copies(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo15")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "process.py"), "--demo", "--output", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    copies = sorted(p for p in out.rglob("*") if p.is_file() and RETURNS_FOLDER in p.parts)
    assert copies
    return out, copies


def _source_of(out: Path, copy: Path) -> Path:
    rel = openpyxl.load_workbook(copy, read_only=True)[LIST_SHEET]["A2"].value.removeprefix("文件：")
    return out / "样例输入" / rel


@pytest.mark.timeout(400)
def test_every_demo_return_copy_is_clean_and_keeps_the_stations_values(demo_copies):
    out, copies = demo_copies
    for copy in copies:
        src = _source_of(out, copy)
        assert src.exists(), copy
        assert _audit_errors(copy) == [], copy
        names = openpyxl.load_workbook(src).sheetnames
        for reader in (_grids_calamine, _grids_openpyxl):
            a, b = reader(src, names), reader(copy, names)
            assert {n: _trim(r) for n, r in a.items()} == {n: _trim(r) for n, r in b.items()}, (copy, reader)
        before, after = _parts(src), _parts(copy)
        assert before["docProps/core.xml"] == after["docProps/core.xml"]
        assert before["xl/theme/theme1.xml"] == after["xl/theme/theme1.xml"]


# ---- rendering in LibreOffice -------------------------------------------------------------------


@pytest.mark.timeout(600)
def test_libreoffice_opens_every_copy_and_shows_the_marked_cells_filled(rich, demo_copies, tmp_path):
    require_render_tools(("soffice", "pdftotext"))
    out, demo = demo_copies
    inputs = tmp_path / "in"
    inputs.mkdir()
    expected = {}
    for kind, (_src, copy) in rich.items():
        name = f"rich_{kind}{copy.suffix}"
        shutil.copy(copy, inputs / name)
        expected[f"rich_{kind}"] = [(s, c, f) for s, c, f in MARKED]
    for n, copy in enumerate(demo):
        shutil.copy(copy, inputs / f"demo_{n}{copy.suffix}")
        wb = openpyxl.load_workbook(copy)
        rows = wb[LIST_SHEET].iter_rows(min_row=6, values_only=True)
        expected[f"demo_{n}"] = [
            (r[2], r[3], FILLS[r[1]])
            for r in rows
            if r[2] in wb.sheetnames
            and r[3]
            and r[1] in FILLS
            and wb[r[2]][r[3]].fill.fgColor.rgb == "FF" + FILLS[r[1]]
        ]
        assert expected[f"demo_{n}"], copy  # every demo copy has at least one filled cell to look for
    files = sorted(str(p) for p in inputs.iterdir())
    convert(files, tmp_path / "xlsx", to="xlsx")
    convert(files, tmp_path / "pdf")
    for stem, marks in expected.items():
        pdf = tmp_path / "pdf" / f"{stem}.pdf"
        first = subprocess.run(
            ["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True
        ).stdout
        assert "本报表的问题清单" in first, stem  # 问题清单 is the first page
        back = openpyxl.load_workbook(tmp_path / "xlsx" / f"{stem}.xlsx")
        assert back.sheetnames[0] == LIST_SHEET
        for sheet, cell, fill in marks:
            got = back[sheet][cell].fill
            assert got.fill_type == "solid" and got.fgColor.rgb.upper().endswith(fill), (stem, sheet, cell, got)


def _prefixed(xml: bytes) -> bytes:
    """A part written as the Open XML SDK writes it: the main namespace under the prefix x:."""
    text = xml.decode()
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    text = text.replace(f'xmlns="{main}"', f'xmlns:x="{main}"', 1)
    text = re.sub(r"<(/?)([A-Za-z][\w]*)(?=[\s>/])", r"<\1x:\2", text)
    return text.encode()


def test_a_workbook_with_a_prefixed_main_namespace_is_patched_with_that_prefix(rich, tmp_path):
    """.NET programs write <x:worksheet xmlns:x=…>: what the patcher adds uses the same prefix."""
    src, _copy = rich["xlsx"]
    parts = _parts(src)
    for name in list(parts):
        if (
            name == "xl/workbook.xml"
            or name == "xl/styles.xml"
            or re.match(r"xl/worksheets/sheet\d+\.xml$", name)
            or re.match(r"xl/comments/comment\d+\.xml$", name)
        ):
            parts[name] = _prefixed(parts[name])
    assert parts["xl/workbook.xml"].startswith(b"<x:workbook")
    prefixed = tmp_path / "prefixed.xlsx"
    with zipfile.ZipFile(prefixed, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in parts.items():
            z.writestr(n, d)
    from lingong.render.return_copy import patched_copy

    out = tmp_path / "out.xlsx"
    out.write_bytes(patched_copy(prefixed.read_bytes(), "prefixed.xlsx", _issues("prefixed.xlsx")))
    after = _parts(out)
    sheets = _sheet_parts(after)
    assert b"<x:legacyDrawing" in after[sheets["求职登记"]] and b"<legacyDrawing" not in after[sheets["求职登记"]]
    assert b"<x:fill><x:patternFill" in after["xl/styles.xml"]
    assert re.search(rb"<x:sheet name=\"" + LIST_SHEET.encode(), after["xl/workbook.xml"])
    assert _audit_errors(out) == []
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == LIST_SHEET
    for sheet, cell, fill in MARKED:
        assert wb[sheet][cell].fill.fgColor.rgb == "FF" + fill and wb[sheet][cell].comment is not None
    assert wb[INDICATORS][NOTED_CELL].comment.text.startswith(STATION_NOTE)
    names = openpyxl.load_workbook(src).sheetnames
    a, b = _grids_calamine(src, names), _grids_calamine(out, names)
    assert {n: _trim(r) for n, r in a.items()} == {n: _trim(r) for n, r in b.items()}


@pytest.mark.timeout(400)
def test_openxml_audit_finds_no_error_in_any_kind_of_document_the_demo_writes(demo_copies):
    """Forms, 汇总表, 校验报告, 邮件清单, 通报 (and the return copies above), for every period:
    an independent check of the schemas and of what makes Office offer a repair."""
    out, _copies = demo_copies
    written = [
        p for p in out.rglob("*") if p.suffix in (".xlsx", ".docx") and "样例输入" not in p.relative_to(out).parts
    ]
    kinds: dict[str, list[Path]] = {}
    for p in written:
        kind = "form" if p.name.endswith(FORM_SUFFIX) else re.sub(r"\d{4}(年上半年|年下半年|年度)?", "", p.name)
        kinds.setdefault(kind, []).append(p)
    assert {"form", validation_report_name(""), summary_name(""), MAIL_LIST_NAME} <= kinds.keys()
    assert NOTICE_NAME in kinds, sorted(kinds)
    # Every file, every form of every period (74 take ~2 s), and warnings too: none is kept today. (A
    # station's inline strings drew a warning only in a package without shared strings; a return copy
    # always has them, as the 问题清单's text is written there.)
    found = {p.relative_to(out).as_posix(): _audit_errors(p, warnings=True) for p in sorted(written)}
    assert {k: v for k, v in found.items() if v} == {}
    assert len(kinds["form"]) >= 25 * 2, "the demo's forms of at least two periods"
