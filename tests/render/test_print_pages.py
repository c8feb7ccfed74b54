"""The demo's documents as a clerk's printer gives them: rendered with LibreOffice, then read
back page by page from the PDF.

Every page of a sheet we lay out must be printed at 85 % or more (the glyphs of its body text
are measured with ``pdftotext -bbox`` against a 100 % calibration page rendered in the same
call), carry 第 N 页 in its footer, and every text cell of the sheet must be found in the
sheet's pages: a row too short for its wrapped text, or a column pushed off the paper, loses
text there. Which page belongs to which sheet is read from the page header (the sheet's title).
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import openpyxl
import pytest

from lingong.layout import (
    FORM_SUFFIX,
    MAIL_FOLDER,
    MAIL_LIST_NAME,
    NOTICE_NAME,
    RETURNS_FOLDER,
    summary_name,
    validation_report_name,
)
from lingong.render.print_layout import MIN_SCALE
from support.paths import ROOT
from support.render_tools import convert, require_render_tools

CJK = re.compile(r"[\u4e00-\u9fff]")
CAL_PT = 10
# Sheets not held to the rule, by document. None: even 月度明细, a filter table for the screen,
# prints in column groups. The station's own sheets in a 退回 copy are left out by checking
# only its 问题清单 (they print as the station laid them out).
EXEMPT: dict[str, set[str]] = {}


@dataclass
class Page:
    number: int
    height: float
    words: list[tuple[float, float, float, str]] = field(default_factory=list)  # yMin, yMax, xMin, text

    def line(self, top: bool) -> str:
        """The text of the page's top or bottom inch (header or footer), line by line. LibreOffice
        leaves clipped slivers of a chart on the next page in the PDF's text, outside the
        printed area: a zone, not the outermost line."""
        inch = 72
        near = [w for w in self.words if (w[1] <= inch if top else w[0] >= self.height - inch)]
        return "".join(w[3] for w in sorted(near, key=lambda w: (round(w[0]), w[2])))

    def glyph_pt(self) -> float | None:
        """Median height of the CJK words between the header and footer lines."""
        if not self.words:
            return None
        top = min(w[1] for w in self.words)
        bottom = max(w[0] for w in self.words)
        heights = [y1 - y0 for y0, y1, _, t in self.words if y1 > top + 1 and y0 < bottom - 1 and CJK.search(t)]
        return statistics.median(heights) if heights else None


def read_pages(pdf: Path) -> list[Page]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for n, chunk in enumerate(re.split(r"<page ", out)[1:], start=1):
        page = Page(n, float(re.search(r'height="([\d.]+)"', chunk).group(1)))
        for m in re.finditer(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</word>', chunk):
            page.words.append((float(m.group(2)), float(m.group(3)), float(m.group(1)), unescape(m.group(4))))
        pages.append(page)
    return pages


def raw_text(pdf: Path, page: int) -> str:
    """The page's text in drawing order (a cell's lines together), whitespace removed."""
    out = subprocess.run(
        ["pdftotext", "-raw", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return re.sub(r"\s+", "", out)


def header_text(ws) -> str:
    """The header as printed: formatting codes (&C, &"font,style", &10) dropped, && kept as &."""
    parts = []
    for hf in (ws.oddHeader.left, ws.oddHeader.center, ws.oddHeader.right):
        if hf.text:
            parts.append(hf.text)
    text = "".join(parts).replace("&&", "\0")
    text = re.sub(r'&"[^"]*"|&\d+|&[A-Z]', "", text)
    return re.sub(r"\s+", "", text.replace("\0", "&"))


def body_pt(ws) -> float:
    """The font size most text cells of the sheet use."""
    sizes: dict[float, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.strip():
                sz = float(cell.font.sz or 11)
                sizes[sz] = sizes.get(sz, 0) + 1
    return max(sizes, key=lambda s: (sizes[s], -s)) if sizes else 10.0


def _calibration(path: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    fmt = wb.add_format({"font_name": "宋体", "font_size": CAL_PT})
    for r in range(20):
        ws.write_string(r, 0, "随州市零工驿站考核校验报告问题清单", fmt)
    ws.set_paper(9)
    ws.set_print_scale(100)
    wb.close()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    require_render_tools(("soffice", "pdftotext"))
    work = tmp_path_factory.mktemp("print")
    out = work / "demo"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "process.py"), "--demo", "--output", str(out), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (out / "2023").is_dir(), proc.stderr[-2000:]
    year = out / "2023"
    src = work / "src"
    src.mkdir()
    files = {
        "summary": year / summary_name("2023年度"),
        "report": year / validation_report_name("2023年度"),
        "form": next(year.rglob(f"*{FORM_SUFFIX}")),
        "mail": year / MAIL_FOLDER / MAIL_LIST_NAME,
        "notice": year / NOTICE_NAME,
    }
    from lingong.render.blank_template import write_blank_template_file

    files["template"] = write_blank_template_file(work)  # what stations print to fill in by hand
    for n, copy in enumerate(sorted((year / RETURNS_FOLDER).glob("*.xlsx"))):
        files[f"return{n}"] = copy
    assert any(k.startswith("return") for k in files), "the demo returns no report"
    # soffice names each PDF after its file: plain names, so they are found again.
    plain = {k: shutil.copy(p, src / f"{k}{p.suffix}") for k, p in files.items()}
    _calibration(src / "calibration.xlsx")
    convert([*plain.values(), src / "calibration.xlsx"], work / "pdf", timeout=400)
    pdfs = {k: work / "pdf" / f"{k}.pdf" for k in [*plain, "calibration"]}
    cal = [p.glyph_pt() for p in read_pages(pdfs["calibration"])]
    ratio = cal[0] / CAL_PT  # glyph box height per point of font size at 100 %
    return {"sources": plain, "pdfs": pdfs, "ratio": ratio}


@dataclass
class SheetPages:
    sheet: str
    font_pt: float
    pages: list[Page]
    cells: list[str]


def _by_sheet(xlsx: Path, pdf: Path, exempt: set[str], only: set[str] | None = None) -> dict[str, SheetPages]:
    """Pages of every sheet we lay out, found by the page header (the sheet's title)."""
    wb = openpyxl.load_workbook(xlsx)
    wanted = {}
    for ws in wb.worksheets:
        if ws.title in exempt or (only is not None and ws.title not in only):
            continue
        if ws.sheet_state != "visible":
            continue
        head = header_text(ws)
        assert head, f"{xlsx.name} / {ws.title}: no page header (title and period)"
        cells = [
            re.sub(r"\s+", "", c.value)
            for row in ws.iter_rows()
            for c in row
            if isinstance(c.value, str) and c.value.strip()
        ]
        wanted[ws.title] = SheetPages(ws.title, body_pt(ws), [], cells)
    # Exempt sheets are still told apart by their headers, so no page goes unaccounted for.
    heads = {ws.title: header_text(ws) for ws in wb.worksheets if ws.title in wanted or header_text(ws)}
    assert len(set(heads.values())) == len(heads), f"{xlsx.name}: two sheets share a page header {heads}"
    unmatched = []
    for page in read_pages(pdf):
        top = re.sub(r"\s+", "", page.line(top=True))
        match = sorted((t for t, h in heads.items() if h and h in top), key=lambda t: -len(heads[t]))
        if match:
            if match[0] in wanted:
                wanted[match[0]].pages.append(page)
        else:
            unmatched.append(page.number)
    for sp in wanted.values():
        assert sp.pages, f"{xlsx.name} / {sp.sheet}: no printed page carries its header {heads[sp.sheet]!r}"
    # Every page of a workbook we wrote whole is some sheet's (a chart alone on a page too);
    # in a 退回 copy the station's own sheets print as the station laid them out.
    assert only is not None or not unmatched, f"{xlsx.name}: pages {unmatched} carry no sheet's header"
    return wanted


def _check(rendered, key: str, exempt=frozenset(), only=None) -> list[str]:
    xlsx, pdf, ratio = rendered["sources"][key], rendered["pdfs"][key], rendered["ratio"]
    problems = []
    for sp in _by_sheet(xlsx, pdf, set(exempt), only).values():
        text = ""
        for page in sp.pages:
            foot = re.sub(r"\s+", "", page.line(top=False))
            if f"第{page.number}页" not in foot:
                problems.append(f"{sp.sheet} p{page.number}: no page number at the foot ({foot!r})")
            pt = page.glyph_pt()
            if pt is not None:
                scale = pt / ratio / sp.font_pt * 100
                if scale < MIN_SCALE - 1:  # 1 %: glyph boxes are measured to 0.1 pt
                    problems.append(f"{sp.sheet} p{page.number}: printed at {scale:.0f} % of {sp.font_pt:g} pt")
            text += raw_text(pdf, page.number)
        missing = [c for c in sp.cells if c not in text]
        if missing:
            problems.append(f"{sp.sheet}: {len(missing)} cell texts not printed, e.g. {missing[:3]}")
    return problems


@pytest.mark.timeout(600)
@pytest.mark.parametrize("key", ["summary", "report", "form", "mail", "template"])
def test_documents_print_readable_and_whole(rendered, key):
    problems = _check(rendered, key, EXEMPT.get(key, ()))
    assert not problems, "\n".join(problems)


@pytest.mark.timeout(600)
def test_return_copies_problem_list_prints_readable_and_whole(rendered):
    from lingong.render.return_copy import LIST_SHEET

    keys = [k for k in rendered["sources"] if k.startswith("return")]
    problems = [f"{k}: {p}" for k in keys for p in _check(rendered, k, only={LIST_SHEET})]
    assert not problems, "\n".join(problems)


@pytest.mark.timeout(600)
def test_notice_prints_full_size_with_page_numbers(rendered):
    pages = read_pages(rendered["pdfs"]["notice"])
    assert pages
    for page in pages:
        pt = page.glyph_pt()
        # The smallest text of the 通报 is its 附件 table at 10.5 pt (五号).
        assert pt is None or pt / rendered["ratio"] >= 10.5 * MIN_SCALE / 100, (page.number, pt)
        assert f"第{page.number}页" in re.sub(r"\s+", "", page.line(top=False)) or re.search(
            rf"(^|\D){page.number}(\D|$)", page.line(top=False)
        ), (page.number, page.line(top=False))
    # No text of the 通报 is lost on paper: every paragraph and every table cell is in the PDF.
    from docx import Document

    doc = Document(str(rendered["sources"]["notice"]))
    texts = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    # A paragraph may run on over a page break: the footer between its halves is taken out.
    printed = "".join(re.sub(r"第\d+页共\d+页", "", raw_text(rendered["pdfs"]["notice"], p.number)) for p in pages)
    # Full-width quotes are drawn out of reading order (pdftotext puts ” on a line of its own): left out.
    printed = re.sub("[“”‘’]", "", printed)
    missing = [t for t in (re.sub(r"[\s“”‘’]+", "", t) for t in texts) if t and t not in printed]
    assert not missing, missing[:5]


@pytest.mark.timeout(600)
@pytest.mark.parametrize("key", ["summary", "report", "form", "mail"])
def test_every_page_header_names_the_document_and_its_period(rendered, key):
    """A stack of printed pages is sorted by its headers: each says the city's document and the
    period (the 邮件清单's once said its last column's title instead)."""
    wb = openpyxl.load_workbook(rendered["sources"][key])
    heads = {ws.title: header_text(ws) for ws in wb.worksheets if ws.title != "历次考核"}  # 历次: every period
    assert heads and all("2023年度" in h for h in heads.values()), heads
    assert all(h.startswith(("随州市零工驿站", "佐证数据")) for h in heads.values()), heads
