"""驿站编号 as people paste them: invisible format characters (a copy from a web page
or a chat) and full-width forms are removed or folded before any look-up, and the
change is noted as a 提示 — never 驿站不在名册 for a code that looks right."""

from __future__ import annotations

import pytest

from lingong.catalogue.issues import INFO
from lingong.read.labels import norm_code
from support.city import write_registry
from support.report_factory import write_report, write_table
from support.runs import run_on

INVISIBLE = ["\u2060", "\u200c", "\u200d", "\u00ad", "\ufeff", "\u200b", "\u2063", "\u180e"]


@pytest.mark.parametrize("ch", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_format_characters_are_removed_from_codes(ch):
    assert norm_code(f"ZD{ch}-00{ch}1") == "ZD-001"
    assert norm_code(f"{ch}ＺＤ－００１{ch}") == "ZD-001"


@pytest.mark.parametrize("ch", ["\u2060", "\u200c", "\u200d", "\u00ad"], ids=lambda c: f"U+{ord(c):04X}")
def test_a_report_registry_and_decision_with_invisible_characters_find_their_station(tmp_path, ch):
    src = tmp_path / "input"
    src.mkdir()
    write_registry(
        src / "驿站名册.xlsx",
        rows=[(f"ZD-0{ch}01", "东城零工驿站", "曾都区", ""), ("ZD-002", "西城零工驿站", "曾都区", "")],
    )
    for m in range(1, 7):
        write_report(src / f"东城_{m}月.xlsx", station=f"ZD{ch}-001", month=f"2023-{m:02d}")
        write_report(src / f"西城_{m}月.xlsx", station="ＺＤ－００２", name="西城零工驿站", month=f"2023-{m:02d}")
    write_table(
        src / "意见.xlsx",
        "考核组意见",
        ["驿站编号", "考核期", "考核项目", "等次", "理由"],
        [[f"ZD{ch}-001", "2023H1", "宣传推广", "合格", "现场核查"]],
    )
    summary = run_on(src, tmp_path / "out", "2023H1", write_documents=False)

    assert not [i for i in summary.issues + summary.bureau_issues if i.code in ("R001", "D002")]
    by_code = {r.station.code: r for r in summary.results}
    assert set(by_code) == {"ZD-001", "ZD-002"}
    assert not by_code["ZD-001"].missing_months and not by_code["ZD-002"].missing_months
    assert by_code["ZD-001"].items[3].decision is not None  # the decision found its station
    notes = [i for i in summary.issues + summary.bureau_issues if i.code == "N001"]
    assert {i.file for i in notes} == {"驿站名册.xlsx", "意见.xlsx"} | {f"东城_{m}月.xlsx" for m in range(1, 7)} | {
        f"西城_{m}月.xlsx" for m in range(1, 7)
    }
    assert all(i.severity == INFO for i in notes)
    report_note = next(i for i in notes if i.file == "东城_1月.xlsx")
    assert report_note.cell and "[不可见字符]" in report_note.message and "ZD-001" in report_note.message
    assert ch not in report_note.message  # shown as [不可见字符], not carried along
