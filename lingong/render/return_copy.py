"""The return copy (退回修改): the station's own workbook with every faulty cell
coloured and commented, plus a sheet 问题清单 listing all issues of the file.

The station fixes this copy and sends it back, so it must stay their workbook:
.xlsx/.xlsm are patched as a package (render/xlsx_patch: fills, notes and the list
sheet added, every other part byte for byte; the source is never opened for writing);
a package the patcher does not understand goes through openpyxl as before;
.xls/.xlsb/.ods, which neither can open, are rebuilt from the grids calamine read,
and 问题清单 says so.

Over 300 lines because the three ways (patched, openpyxl, rebuilt) share the 问题清单 rows and marks
defined here; the package editing itself is in render/xlsx_patch.py.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import re
from pathlib import Path

from lingong.catalogue.issues import ERROR, INFO, SEVERITY_ORDER, WARNING
from lingong.discover.preflight import preflight
from lingong.layout import RETURN_COPY_SUFFIX
from lingong.model.cells import split_address
from lingong.model.records import Issue
from lingong.ooxml.archive import normalize_member_names
from lingong.read.workbook import MAX_COLS, MAX_ROWS, WorkbookError, read_workbook
from lingong.render import print_layout
from lingong.render.validation_report import issue_cells, row_height
from lingong.render.xlsx_patch import ListCell, ListSheet, Mark, Unpatchable, patch
from lingong.runtime import outfiles, privacy

LIST_SHEET = "问题清单"
AUTHOR = "零工驿站考核工具"
FILLS = {ERROR: "FFC7CE", WARNING: "FFEB9C", INFO: "DDEBF7"}
LIST_COLUMNS: tuple[tuple[str, int], ...] = (  # narrow by design: one landscape page at >= 85 %
    ("序号", 5),
    ("严重程度", 6),
    ("工作表", 9),
    ("单元格", 7),
    ("问题代码", 6),
    ("问题", 34),
    ("发现", 13),
    ("应为", 11),
    ("处理建议", 26),
)
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def copy_stem(station: str | None) -> str:
    """The station part of a return copy's name."""
    return outfiles.clip(outfiles.safe_component(station or "未知驿站"), 40).rstrip(" ._") or "未知驿站"


def copy_name(station: str | None, month: str | None, n: int | None = None) -> str:
    """<驿站编号>_<YYYY-MM>[_第n份]_退回.xlsx; ``n`` (2, 3 …) tells a second broken file of one month
    apart in words a station reads."""
    return outfiles.file_name(
        f"{copy_stem(station)}_{month or '未知月份'}" + (f"_第{n}份" if n and n > 1 else ""), RETURN_COPY_SUFFIX
    )


def _illegal_re():
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE


def set_text(cell, text: object) -> None:
    """Put text in an openpyxl cell so that it stays text.

    openpyxl turns any string starting with "=" into a formula on assignment;
    forcing the data type afterwards writes it as an inline string instead."""
    value = _illegal_re().sub("", str(text))
    cell.value = value
    cell.data_type = "s"


def _set_value(cell, value) -> None:
    """A value from a calamine grid, written back with its type; text stays text."""
    if value is None:
        return
    if isinstance(value, bool):
        cell.value = value
    elif isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            set_text(cell, str(value))
        else:
            cell.value = value
    elif isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        cell.value = value
        if isinstance(value, _dt.datetime):
            cell.number_format = "yyyy-mm-dd hh:mm" if (value.hour or value.minute) else "yyyy-mm-dd"
        elif isinstance(value, _dt.date):
            cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, _dt.timedelta):
        set_text(cell, str(value))
    else:
        set_text(cell, str(value))


def _sheet_title(name: str, used: set[str]) -> str:
    title = _BAD_SHEET_CHARS.sub("_", name).strip("'")[:31] or "Sheet"
    base, n = title, 1
    while title in used:
        n += 1
        suffix = f"({n})"
        title = base[: 31 - len(suffix)] + suffix
    used.add(title)
    return title


def _rebuild(sheet_rows: dict[str, list[list]]):
    """A fresh workbook holding the grids as read; returns it and a sheet-name map."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    names: dict[str, str] = {}
    used: set[str] = set()
    for name, rows in sheet_rows.items():
        title = _sheet_title(name, used)
        names[name] = title
        ws = wb.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None and value != "":
                    _set_value(ws.cell(row=r, column=c), value)
    return wb, names


def _target_cell(ws, address: str):
    """The cell to mark; for a cell inside a merged range, its top-left cell."""
    rc = split_address(address)
    if rc is None:
        return None
    row, col = rc
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            return ws.cell(row=rng.min_row, column=rng.min_col)
    return ws.cell(row=row, column=col)


def _comment_text(items: list[Issue]) -> str:
    parts = []
    for i in items:
        parts.append(f"【{i.severity}】{privacy.mask(i.message)}\n处理：{privacy.mask(i.hint)}")
    return "\n".join(parts)


def _highlight(wb, names: dict[str, str], issues: list[Issue]) -> int:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    by_cell: dict[tuple[str, str], list[Issue]] = {}
    for i in issues:
        if i.sheet and i.cell:
            by_cell.setdefault((i.sheet, i.cell), []).append(i)
    marked = 0
    for (sheet, address), items in by_cell.items():
        title = names.get(sheet, sheet)
        if title not in wb.sheetnames or title == LIST_SHEET:
            continue
        cell = _target_cell(wb[title], address)
        if cell is None:
            continue
        worst = min(items, key=lambda i: SEVERITY_ORDER.get(i.severity, 9)).severity
        cell.fill = PatternFill("solid", fgColor=FILLS.get(worst, FILLS[WARNING]))
        text = _illegal_re().sub("", _comment_text(items))
        if cell.comment is not None and cell.comment.text:
            text = cell.comment.text.rstrip() + "\n" + text
        lines = text.count("\n") + 1 + len(text) // 28
        cell.comment = Comment(text, AUTHOR, height=min(400, 20 + 15 * lines), width=280)
        marked += 1
    return marked


def _write_list(wb, rel: str, issues: list[Issue], note: str) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    if LIST_SHEET in wb.sheetnames:  # a returned copy sent back and rejected again
        del wb[LIST_SHEET]
    ws = wb.create_sheet(LIST_SHEET, 0)
    font = Font(name=outfiles.FONT, size=10)
    wrap = Alignment(wrap_text=True, vertical="top")
    set_text(ws.cell(row=1, column=1), "本报表的问题清单（标红为错误，标黄为警告，单元格批注有说明）")
    ws.cell(row=1, column=1).font = Font(name=outfiles.FONT, size=12, bold=True)
    set_text(ws.cell(row=2, column=1), f"文件：{privacy.mask(rel)}")
    set_text(ws.cell(row=3, column=1), note)
    for r in (2, 3):
        ws.cell(row=r, column=1).font = font
    header_row = 5
    for c, (label, width) in enumerate(LIST_COLUMNS, start=1):
        cell = ws.cell(row=header_row, column=c)
        set_text(cell, label)
        cell.font = Font(name=outfiles.FONT, size=10, bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        ws.column_dimensions[cell.column_letter].width = width
    ws.row_dimensions[header_row].height = _header_height()
    for n, (i, texts) in enumerate(_list_rows(issues), start=1):
        r = header_row + n
        for c, text in enumerate(texts, start=1):
            cell = ws.cell(row=r, column=c)
            set_text(cell, text)
            cell.font = font
            cell.alignment = wrap
        ws.row_dimensions[r].height = row_height(texts, [w for _, w in LIST_COLUMNS])
        if i.severity in FILLS:
            ws.cell(row=r, column=2).fill = PatternFill("solid", fgColor=FILLS[i.severity])
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    print_layout.setup_openpyxl(ws, [w for _, w in LIST_COLUMNS], list_title(rel), repeat=(header_row, header_row))
    for other in wb.worksheets:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    wb.active = 0


def _slash_names(data: bytes) -> bytes:
    """The package with entry names written with "/": openpyxl looks parts up by exact
    name, and some exporters write ``xl\\workbook.xml`` (calamine reads those). Other
    packages are returned as they are."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zin:
            if not any("\\" in n for n in zin.namelist()) or normalize_member_names(zin):
                return data
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
                for info in zin.infolist():
                    zout.writestr(info.filename, zin.read(info))
            return buf.getvalue()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return data


def _marks(issues: list[Issue]) -> list:
    """One mark per (sheet, cell) named by the issues, worst first, with its note."""
    by_cell: dict[tuple[str, str], list[Issue]] = {}
    for i in issues:
        if i.sheet and i.cell and i.sheet != LIST_SHEET:
            by_cell.setdefault((i.sheet, i.cell), []).append(i)
    marks = []
    for (sheet, address), items in by_cell.items():
        worst = min(items, key=lambda i: SEVERITY_ORDER.get(i.severity, 9)).severity
        marks.append(
            (SEVERITY_ORDER.get(worst, 9), Mark(sheet, address, FILLS.get(worst, FILLS[WARNING]), _comment_text(items)))
        )
    marks.sort(key=lambda t: t[0])
    return [m for _, m in marks]


def _list_rows(issues: list[Issue]) -> list[tuple[Issue, tuple[str, ...]]]:
    """The 问题清单's rows, worst first: (issue, the texts of its LIST_COLUMNS), masked."""
    ordered = sorted(issues, key=lambda i: (SEVERITY_ORDER.get(i.severity, 9), i.sheet, i.cell, i.code))
    return [(i, (str(n), i.severity, *issue_cells(i))) for n, i in enumerate(ordered, start=1)]


def _list_spec(rel: str, issues: list[Issue], note: str):
    """问题清单 as plain rows, the same for the patched and the rebuilt copy."""
    rows = [
        (1, [ListCell("本报表的问题清单（标红为错误，标黄为警告，单元格批注有说明）", "title")], None),
        (2, [ListCell(f"文件：{privacy.mask(rel)}", "plain")], None),
        (3, [ListCell(note, "plain")], None),
        (5, [ListCell(label, "header") for label, _ in LIST_COLUMNS], _header_height()),
    ]
    widths = [w for _, w in LIST_COLUMNS]
    for n, (i, texts) in enumerate(_list_rows(issues), start=1):
        cells = [ListCell(str(t or ""), "body") for t in texts]
        if i.severity in FILLS:
            cells[1].style = FILLS[i.severity]
        rows.append((5 + n, cells, row_height(texts, widths)))
    return ListSheet(LIST_SHEET, rows, widths, freeze_row=6, author=AUTHOR, title=list_title(rel))


def _header_height() -> float:
    """The narrow columns' labels wrap (严重/程度): their row grows with them."""
    return row_height([label for label, _ in LIST_COLUMNS], [w for _, w in LIST_COLUMNS])


def list_title(rel: str) -> str:
    """The page header of the 问题清单: which report it is about (a name can hold a phone)."""
    return f"{LIST_SHEET}：{privacy.mask(Path(rel).name)}"


PATCH_NOTE = "请直接在本文件中修改标出的单元格，保存后重新报送。"
NO_CELL_NOTE = (
    "本报表的问题没有可以标出的单元格（如缺少工作表、删去了指标行）：请按下表“处理”一栏，"
    "用最新模板 LGYZ-M-1 补回缺少的工作表或行（或重新填写）后重新报送。"
)
SOME_CELLS_NOTE = (
    "请直接在本文件中修改标出的单元格；下表中没有单元格的问题（如缺少工作表、删去了指标行）"
    "请按“处理”一栏补回，保存后重新报送。"
)


def patch_note(issues: list[Issue]) -> str:
    """What the station does with this copy: correct the marked cells, or, where a problem has no
    cell to mark (a sheet or a row missing), restore what is missing."""
    errors = [i for i in issues if i.severity == ERROR] or list(issues)
    marked = [bool(i.sheet and i.cell and i.sheet != LIST_SHEET) for i in errors]
    if all(marked):
        return PATCH_NOTE
    return SOME_CELLS_NOTE if any(marked) else NO_CELL_NOTE


def patched_copy(data: bytes, rel: str, issues: list[Issue]) -> bytes:
    """The station's package with the marks and 问题清单 added (lingong.xlsx_patch);
    raises xlsx_patch.Unpatchable for a package it cannot patch safely."""
    copy, _marked = patch(data, _marks(issues), _list_spec(rel, issues, patch_note(issues)))
    return copy


def write_return_copy(
    src: Path, rel: str, issues: list[Issue], out_path: Path, sheet_rows: dict[str, list[list]] | None = None
) -> Path:
    """Write the return copy of ``src`` and return the path written.

    The path is ``out_path``, except that a macro workbook (.xlsm) keeps its
    macros and therefore its extension. .xlsx/.xlsm are patched part by part
    (every part the marks do not need stays byte for byte); a package the patcher
    does not understand is copied through openpyxl as before; other formats are
    rebuilt from the grids."""
    src = Path(src)
    out_path = Path(out_path)
    suffix = src.suffix.lower()
    data = src.read_bytes() if suffix in (".xlsx", ".xlsm") else None
    if data is not None:
        try:
            copy = patched_copy(data, rel, issues)
        except Unpatchable:
            copy = None
        if copy is not None:
            if suffix == ".xlsm":
                out_path = out_path.with_suffix(".xlsm")
            with outfiles.atomic_path(out_path) as tmp:
                Path(tmp).write_bytes(copy)
            return out_path
    return _openpyxl_copy(src, data, suffix, rel, issues, out_path, sheet_rows)


def _every_sheet(src: Path, sheet_rows: dict[str, list[list]] | None):
    """(grids, hidden sheets, sheets cut at the reader's bounds, whether every sheet is
    there) for a copy rebuilt from what calamine reads.

    The report was read for the sheets the assessment needs; the station's copy needs
    all of them (填报说明, its own sheets), so the source is read again whole. When it
    can no longer be read, the grids of the report's reading are what is left."""
    try:
        wb = read_workbook(src, None)
    except (WorkbookError, OSError):
        return sheet_rows or {}, [], [], False
    grids = {n: wb.sheet(n).rows for n in wb.sheet_names if n in wb._sheets}
    hidden = [n for n in grids if not wb.sheet(n).visible]
    if len(hidden) == len(grids):
        hidden = hidden[1:]  # a workbook shows at least one sheet
    return grids, hidden, [n for n in grids if wb.sheet(n).truncated], True


def _format_said(src: Path, suffix: str) -> str:
    """The source's format as the note says it: by content, since a name can lie (an
    .xls renamed .xlsx was "原文件为 .xlsx 格式，本副本已转换为 .xlsx")."""
    fmt = preflight(src).fmt
    real = f".{fmt}" if fmt else suffix or "未知"
    if real == ".xlsx" and suffix in (".xlsx", ".xlsm", ".et"):
        return ".xlsx"
    if suffix and real != suffix:
        return f"{real} 格式（文件名为 {suffix}）"
    return f"{real} 格式"


def _rebuilt_note(said: str, grids: dict, cut: list[str], whole: bool) -> str:
    """What the rebuilt copy kept, exactly: every sheet and row, or which were not."""
    kept = f"全部 {len(grids)} 个工作表" if whole else f"本工具读取的 {len(grids)} 个工作表（原文件的其他工作表未保留）"
    if said == ".xlsx":  # an .xlsx openpyxl could not open: rebuilt, but not converted
        note = f"原文件无法直接加标注，本副本按读取的内容重新生成，保留了{kept}的单元格内容（格式、批注未保留）。"
    else:
        note = f"原文件为 {said}，本副本已转换为 .xlsx，保留了{kept}的单元格内容（格式、批注未保留）。"
    if cut:
        names = "、".join(f"“{n}”" for n in cut)
        note += (
            f"工作表{names}超过 {MAX_ROWS} 行或 {MAX_COLS} 列，本副本只保留了前 {MAX_ROWS} 行、前 {MAX_COLS} 列，"
            "其余内容仍在原文件中。"
        )
    return note + "请在本文件中修改标出的单元格，另存为 .xlsx 后重新报送。"


def _openpyxl_copy(
    src: Path,
    data: bytes | None,
    suffix: str,
    rel: str,
    issues: list[Issue],
    out_path: Path,
    sheet_rows: dict[str, list[list]] | None,
) -> Path:
    from openpyxl import Workbook, load_workbook

    names: dict[str, str] = {}
    wb = None
    note = patch_note(issues)
    if data is not None:
        try:
            wb = load_workbook(io.BytesIO(_slash_names(data)), keep_vba=suffix == ".xlsm")
            if suffix == ".xlsm":
                out_path = out_path.with_suffix(".xlsm")
        except Exception:  # openpyxl is stricter than calamine; fall back to the grids
            wb = None
    if wb is None:
        grids, hidden, cut, whole = _every_sheet(src, sheet_rows)
        if grids:
            wb, names = _rebuild(grids)
            for name in hidden:
                wb[names[name]].sheet_state = "hidden"
            note = privacy.mask(_rebuilt_note(_format_said(src, suffix), grids, cut, whole))
            if out_path.suffix.lower() != ".xlsx":
                out_path = out_path.with_suffix(".xlsx")
    if wb is None:
        wb = Workbook()
        wb.remove(wb.active)
        note = "原文件无法复制出带标注的副本，请对照下表在原报表中修改，另存为 .xlsx 后重新报送。"
        if out_path.suffix.lower() != ".xlsx":
            out_path = out_path.with_suffix(".xlsx")
    _highlight(wb, names, issues)
    _write_list(wb, rel, issues, note)
    with outfiles.atomic_path(out_path) as tmp:
        wb.save(tmp)
        outfiles.fix_zip_timestamps(tmp)  # openpyxl stamps the clock; identical runs, identical files
    return out_path
