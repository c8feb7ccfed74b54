"""Valid workbooks from any producer are read, or refused for their true reason.

Files of each kind the public corpora showed refused for the wrong reason, made by
code: a dense .xls (a value in IV65536), what calamine cannot open in a workbook that
is no report, an .ods carrying a Basic macro library, Excel 2.x-4.0 files, an .xlsx
with lower-case [content_types].xml and backslash names.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest

from lingong.read.files import isolated_failure, read_one
from lingong.runtime.parallel import run_isolated
from support import corpus
from support.foreign_workbooks import (
    MACRO_SHEET,
    biff8,
    macro_sheet_edit,
    mulrk,
    number,
    old_excel,
    record,
    rezip,
    without_rel_id_edit,
)
from support.hostile import cfb_bytes

HAVE_SOFFICE = shutil.which("soffice") is not None


def _read_isolated(paths: list[Path]):
    """read_one for each path in a worker with the run's memory cap, as a run reads."""
    items = [(str(p), p.name) for p in paths]
    out = []
    for item, ok, value in run_isolated(read_one, items, workers=1, mem_limit_mb=1024, timeout_s=60):
        out.append((ok, value if ok else isolated_failure(item, value)))
    return out


# ---- a dense grid is read within the memory cap --------------------------------


def test_a_far_cell_in_an_xls_is_cut_before_calamine_builds_the_grid(tmp_path):
    from lingong.read.workbook import MAX_COLS, read_workbook

    p = tmp_path / "dense.xls"
    cells = number(0, 0, 1.0) + mulrk(1, MAX_COLS - 2, [7, 8, 9, 10]) + number(65535, 255, 2.0)
    p.write_bytes(biff8({"月度指标": cells, "其他": number(0, 0, 5.0) + number(3, 2, 6.0)}))
    wb = read_workbook(p)
    s = wb.sheet("月度指标")
    assert s.truncated and len(s.rows) == 2 and len(s.rows[1]) == MAX_COLS
    assert s.rows[0][0] == 1 and s.rows[1][MAX_COLS - 2 :] == [7, 8]  # the MULRK entries inside the bounds
    other = wb.sheet("其他")
    assert not other.truncated and other.cell(3, 2) == 6


@pytest.mark.skipif(not HAVE_SOFFICE, reason="LibreOffice not installed")
@pytest.mark.timeout(180)
def test_a_report_saved_as_xls_with_a_value_in_iv65536_is_read_not_killed(tmp_path):
    """A 41 KB .xls whose used range is A1:IV65536 killed its worker (calamine's dense grid)."""
    from lingong import report_template

    src = corpus.report(tmp_path, "ZD-001", "东城零工驿站")

    def far(wb):
        wb[report_template.SHEET_HELP]["IV65536"] = "末尾"

    corpus.edit(src, far)
    xls = corpus._soffice_convert(src, "xls")
    [(ok, res)] = _read_isolated([xls])
    assert ok, res.outcome.reason
    assert res.outcome.kind == "report" and res.report.station == "ZD-001"


# ---- what calamine cannot open is not "damaged" -------------------------------


def _foreign(tmp_path: Path) -> Path:
    """A workbook that is no report: one sheet named Data."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.active["A1"] = 1
    p = tmp_path / "foreign.xlsx"
    wb.save(p)
    return p


@pytest.mark.timeout(120)
@pytest.mark.parametrize("edit", [macro_sheet_edit, without_rel_id_edit])
def test_a_report_with_a_sheet_calamine_does_not_know_is_read(tmp_path, edit):
    src = corpus.report(tmp_path, "ZD-001", "东城零工驿站", "src.xlsx")
    add = {"xl/macrosheets/sheet1.xml": MACRO_SHEET} if edit is macro_sheet_edit else None
    report = rezip(src, tmp_path / "报表.xlsx", edit=edit, add=add)
    foreign = rezip(_foreign(tmp_path), tmp_path / "别的.xlsx", edit=edit, add=add)
    [(ok1, rep), (ok2, other)] = _read_isolated([report, foreign])
    assert ok1 and rep.outcome.kind == "report" and rep.report.station == "ZD-001", rep.outcome.reason
    assert ok2 and other.outcome.kind == "skipped", other.outcome.reason


@pytest.mark.timeout(120)
def test_an_xlsb_with_backslash_part_names_is_read_without_a_panic(tmp_path):
    from support.xlsb_write import report_as_xlsb

    xlsb = report_as_xlsb(corpus.report(tmp_path, "ZD-001", "东城零工驿站", "src.xlsx"), tmp_path / "src.xlsb")
    slashed = rezip(xlsb, tmp_path / "报表.xlsb", rename=lambda n: n.replace("/", "\\"))
    [(ok, res)] = _read_isolated([slashed])
    assert ok and res.outcome.kind == "report" and res.report.station == "ZD-001", res.outcome.reason


def test_a_reader_panic_is_a_chinese_reason_not_panic_text(tmp_path, monkeypatch):
    """calamine's Rust panics (pyo3's PanicException, a BaseException) are a reader's
    failure on one file: said in Chinese, not as "PanicException: no entry found for key"."""
    from lingong.read import workbook
    from support.xlsb_write import report_as_xlsb

    xlsb = report_as_xlsb(corpus.report(tmp_path, "ZD-001", "东城零工驿站", "src.xlsx"), tmp_path / "src.xlsb")
    slashed = rezip(xlsb, tmp_path / "报表.xlsb", rename=lambda n: n.replace("/", "\\"))
    monkeypatch.setattr(workbook, "repacked", lambda zf, patched: None)  # calamine sees the "\\" names
    with pytest.raises(workbook.WorkbookError) as e:
        workbook.read_workbook(slashed)
    assert e.value.code == "F014" and "Panic" not in e.value.found and "key" not in e.value.found
    assert "月度指标" in (e.value.sheet_names or [])


def test_an_xlsx_with_lower_case_content_types_and_backslashes_is_a_workbook(tmp_path):
    src = corpus.report(tmp_path, "ZD-001", "东城零工驿站", "src.xlsx")

    def rename(n: str) -> str:
        return ("[content_types].xml" if n == "[Content_Types].xml" else n).replace("/", "\\")

    [(ok, res)] = _read_isolated([rezip(src, tmp_path / "报表.xlsx", rename=rename)])
    assert ok and res.outcome.kind == "report", res.outcome.reason


def test_an_ods_with_a_basic_macro_library_is_not_unsafe(tmp_path):
    """LibreOffice writes its DTD line into Basic/*.xml, parts no reader here parses."""
    from support.hostile import minimal_ods

    dtd = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD '
        b'OfficeDocument 1.0//EN" "library.dtd">\n<library:library xmlns:library="http://openoffice.org/2000/library"'
        b' library:name="Standard"/>'
    )
    ods = rezip(
        minimal_ods(tmp_path, "src.ods"),
        tmp_path / "宏.ods",
        add={"Basic/script-lc.xml": dtd, "Basic/Standard/script-lb.xml": dtd},
    )
    [(ok, res)] = _read_isolated([ods])
    assert ok and res.outcome.kind == "report", res.outcome.reason
    # the same line in content.xml, which is parsed, is still refused
    bad = rezip(
        ods,
        tmp_path / "坏.ods",
        edit=lambda n, d: d.replace(b"?>", b"?>" + dtd.split(b"\n")[1], 1) if n == "content.xml" else d,
    )
    [(_, res)] = _read_isolated([bad])
    assert res.outcome.kind == "rejected" and "DOCTYPE" in res.outcome.reason


@pytest.mark.parametrize("version,shown", [(2, "2.x"), (3, "3.0"), (4, "4.0")])
def test_an_excel_2_to_4_file_is_named_as_an_old_format_with_what_to_do(tmp_path, version, shown):
    p = tmp_path / f"旧{version}.xls"
    p.write_bytes(old_excel(version))
    [(ok, res)] = _read_isolated([p])
    [iss] = res.issues
    assert ok and iss.code == "F013" and f"Excel {shown}" in iss.message and "旧" in iss.message
    assert "另存为 .xlsx" in iss.hint and "不是 Excel" not in iss.message


def test_an_old_biff5_xls_calamine_fails_on_is_an_old_format_not_damage(tmp_path):
    from lingong.read.workbook import _explain_failure

    p = tmp_path / "excel95.xls"
    bof = record(0x0809, struct.pack("<HHHH", 0x0500, 0x0005, 0x0DBB, 0x07CC))
    p.write_bytes(cfb_bytes({"Book": bof + record(0x000A, b"") + b"\0" * 4100}))
    err = _explain_failure(p, p.read_bytes()[:8], "Unrecognized sheet type", p.read_bytes())
    assert err.code == "F013" and "Excel 5.0/95" in err.found


@pytest.mark.parametrize(
    "msg,code",
    [
        ("Unrecognized sheet type: 7", "F014"),
        ("Xlsx error: Relationship not found rId4", "F014"),
        ("Zip error: invalid Zip archive: Invalid checksum", "F003"),
    ],
)
def test_calamine_failures_on_a_whole_package_are_damage_only_when_the_container_is(tmp_path, msg, code):
    from lingong.read.workbook import _explain_failure

    p = corpus.report(tmp_path, "ZD-001", "东城零工驿站")
    err = _explain_failure(p, p.read_bytes()[:8], msg, p.read_bytes())
    assert err.code == code and not set(msg.split()) & set(err.found.split()), err.found  # no English
    if code == "F014":
        assert "月度指标" in err.sheet_names


def test_a_package_our_scanner_cannot_follow_is_left_to_calamine_not_called_damaged(tmp_path, monkeypatch):
    """The scanners look for error cells and far cells; one that cannot follow a
    producer's layout (an .xlsb record it does not expect) is no sign of damage."""
    from lingong.read import workbook
    from support.xlsb_write import report_as_xlsb

    xlsb = report_as_xlsb(corpus.report(tmp_path, "ZD-001", "东城零工驿站", "src.xlsx"), tmp_path / "报表.xlsb")

    def cannot(zf, wanted):
        raise ValueError("string")

    monkeypatch.setattr(workbook, "xlsb_extras", cannot)
    wb = workbook.read_workbook(xlsb)
    assert wb.has("月度指标") and wb.sheet("月度指标").rows


# ---- the public corpora, all through the reading workers ------------------------

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"
# file -> the code it gets: the only files of the corpora no reader here may open.
# Damage (F003) is said of a container that is broken, and only of these.
REFUSED = {
    "OOM_alloc3.xls": "F003",  # FAT points past the end of the file
    "issue252.xlsx": "F003",  # a part longer than its declared size
    "issue_594_dos.ods": "F005",  # 17 billion repeated cells
    "too_small.xls": "F002",  # 68 bytes of text
    "malformed-quotes.xls": "F002",  # a CSV text named .xls
}


@pytest.mark.timeout(600)
def test_the_public_corpora_are_read_by_workers_none_killed_none_called_damaged_wrongly():
    roots = [SHARED] if SHARED.is_dir() else []
    roots.append(Path(__file__).resolve().parents[1] / "data")
    files = [p for r in roots for p in sorted(r.rglob("*")) if p.is_file()]
    files = [p for p in files if p.name not in ("README.md", "LICENSE", "LICENSE-MIT.md")]
    if not SHARED.is_dir():
        print(f"公共测试语料 {SHARED} 不在，只读了 tests/data")  # loud: -s shows it, the count below too
    assert len(files) > (900 if SHARED.is_dir() else 100)
    items = [(str(p), p.name) for p in files]
    died, damaged, seen = [], [], 0
    for item, ok, value in run_isolated(read_one, items, workers=2, mem_limit_mb=1024, timeout_s=60):
        seen += 1
        res = value if ok else isolated_failure(item, value)
        assert res.outcome.file == item[1] and res.outcome.sha256
        if not ok:
            died.append((item[1], value))
        codes = [i.code for i in res.issues]
        if "F003" in codes and REFUSED.get(item[1]) != "F003":
            damaged.append((item[1], res.outcome.reason))
        assert "Error" not in res.outcome.reason and "Panic" not in res.outcome.reason, res.outcome.reason
    assert seen == len(files) and died == [] and damaged == []


def test_quattro_and_lotus_files_are_named_as_old_formats(tmp_path):
    quattro = tmp_path / "季度.xls"
    quattro.write_bytes(cfb_bytes({"NativeContent_MAIN": b"\0" * 5000}))
    lotus = tmp_path / "台账.xls"
    lotus.write_bytes(b"\x00\x00\x02\x00\x06\x04\x06\x00" + b"\0" * 100)
    [(_, q), (_, lo)] = _read_isolated([quattro, lotus])
    assert [i.code for i in q.issues] == ["F013"] and "Quattro Pro" in q.issues[0].message
    assert [i.code for i in lo.issues] == ["F013"] and "Lotus 1-2-3" in lo.issues[0].message
