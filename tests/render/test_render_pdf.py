"""Render the 考核验收表 and the summary with LibreOffice, as a clerk's printer would see them.

Skipped only when soffice or poppler is truly missing, and then loudly: the CI script
installs both.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from lingong.render import form as fw
from lingong.render import form_texts
from lingong.render import summary as sw
from support import results_factory as rf
from support.paths import ROOT  # noqa: E402
from support.render_tools import convert, require_render_tools

A4 = (595, 842)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    require_render_tools()
    work = tmp_path_factory.mktemp("render")
    texts = form_texts.load_text_templates(ROOT / "templates")
    sources = {}
    for key, result in (("failing", rf.failing()), ("decision", rf.passing_with_decision()), ("hostile", rf.hostile())):
        path = fw.form_path(work / "out", result)
        fw.write_form(path, result, rules_label="templates/考核规则.toml", texts=texts)
        # soffice names the PDF after the file; copy to a plain name so the test finds it.
        sources[key] = shutil.copy(path, work / f"{key}.xlsx")
    results = rf.all_results()
    summary = sw.summary_path(work / "out", results[0].period)
    sw.write_summary(
        summary,
        period=results[0].period,
        results=results,
        issues=rf.sample_issues(),
        outcomes=rf.sample_outcomes(),
        stations=rf.stations(results),
        rules_info={"path": "templates/考核规则.toml", "sha256": "0" * 64, "values": {}},
        run_info={"tool_version": "test"},
    )
    sources["summary"] = shutil.copy(summary, work / "summary.xlsx")
    convert(sources.values(), work / "pdf")
    out = {k: work / "pdf" / f"{k}.pdf" for k in sources}
    return out


def page_text(pdf: Path, page: int) -> str:
    out = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return re.sub(r"\s+", "", out)  # wrapped cells break lines anywhere


def pages(pdf: Path) -> list[tuple[int, int]]:
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    return [(round(float(w)), round(float(h))) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]


@pytest.mark.parametrize(
    "key, result", [("failing", rf.failing()), ("decision", rf.passing_with_decision()), ("hostile", rf.hostile())]
)
def test_form_is_a4_portrait_with_title_items_and_ticked_grades(pdfs, key, result):
    pdf = pdfs[key]
    sizes = pages(pdf)
    texts = [page_text(pdf, n) for n in range(1, len(sizes) + 1)]
    # The form is one page, whatever its station's texts; the evidence sheet's pages follow.
    form_pages = next(n for n, t in enumerate(texts) if t.startswith("佐证数据"))
    assert form_pages == 1, texts
    assert all(s == A4 for s in sizes[:form_pages]), sizes
    assert all(s in (A4, A4[::-1]) for s in sizes), sizes
    first = "".join(texts[:form_pages])
    assert "随州市零工驿站2023年上半年运维考核验收表" in first
    for name in rf.NAMES:
        assert name in first
    for item in result.items:
        assert f"☑{item.final}" in first
    assert "考核领导小组签字" in first and "被考核单位签字" in first
    # The last line of the longest cell is there too: nothing was cut at the page end.
    _, said = fw.form_text(result, "templates/考核规则.toml", form_texts.load_text_templates(ROOT / "templates"))
    assert re.sub(r"\s+", "", said.summary.splitlines()[-1]) in first


def test_hostile_name_renders_as_text(pdfs):
    first = page_text(pdfs["hostile"], 1)
    assert '被考核单位：=HYPERLINK("x")/../东城' in first


def test_summary_renders_every_sheet_on_a4(pdfs):
    pdf = pdfs["summary"]
    sizes = pages(pdf)
    assert len(sizes) >= len(sw.SHEETS)
    assert all(s in (A4, A4[::-1]) for s in sizes), sizes
    text = "".join(page_text(pdf, i) for i in range(1, len(sizes) + 1))
    for title in (
        "考核结果",
        "考核县区统计",
        "指标完成情况",
        "报送情况",
        "整改名单",
        "预警",
        "校验问题",
        "考核汇总表说明",
    ):
        assert f"随州市零工驿站2023年上半年{title}" in text
    assert "随县厉山镇零工驿站" in text and "还需宣传推广7次" in text
