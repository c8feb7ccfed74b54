"""Every 考核验收表 of the demo's year, printed by LibreOffice: one A4 portrait page each,
both signature lines on it, the evidence sheet's pages after it.

The year is run as the demo runs it (the half-year check, the recheck after one station
resubmitted, the second half-year, the year), the forms of each step kept before the next one
writes its own, so the recheck's forms and the ones it replaced are all printed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lingong.demo import CYCLE, build_demo, resubmit
from lingong.layout import FORM_SUFFIX
from support.paths import ROOT
from support.render_tools import convert, require_render_tools

pytestmark = pytest.mark.timeout(900)


def _run(*args: str) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "process.py"), *args], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr  # 1: the demo's planted errors


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    require_render_tools()
    work = tmp_path_factory.mktemp("demo-forms")
    source, out, kept = work / "input", work / "out", work / "forms"
    build_demo(source)
    for step, (_, period, assessed_on, recheck) in enumerate(CYCLE):
        if recheck:
            resubmit(source)
        command = ["recheck"] if recheck else []
        _run(*command, "--input", str(source), "--output", str(out), "--period", period, "--date", str(assessed_on))
        forms = sorted((out / period).rglob(f"*{FORM_SUFFIX}"))
        assert forms, f"{period}: no forms written"
        for f in forms:
            # One flat folder per step; the step and the period in the name tell them apart.
            target = kept / f"{step}_{period}_{f.name}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, target)
    files = sorted(kept.iterdir())
    return dict(zip(files, convert(files, work / "pdf", timeout=800)))


def _pages(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    n = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    assert not sizes or all(round(float(w)) < round(float(h)) for w, h in sizes[:1])
    texts = []
    for page in range(1, n + 1):
        out = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        texts.append(re.sub(r"\s+", "", out))
    return texts


def test_every_form_of_the_year_is_one_page_with_both_signatures(printed):
    assert len(printed) >= 4 * 24  # every station of every step
    problems = []
    for xlsx, pdf in printed.items():
        texts = _pages(pdf)
        first = texts[0]
        form_pages = [t for t in texts if not t.startswith("佐证数据")]
        if len(form_pages) != 1:
            problems.append(f"{xlsx.name}: the form takes {len(form_pages)} pages")
        if not ("考核领导小组签字" in first and "被考核单位签字" in first):
            problems.append(f"{xlsx.name}: a signature line is not on page 1")
        if "第1页共1页" not in first:
            problems.append(f"{xlsx.name}: page 1 does not say 第1页共1页")
        if not all(t.startswith("佐证数据") for t in texts[1:]):
            problems.append(f"{xlsx.name}: a page after the form is not the evidence sheet's")
    assert not problems, "\n".join(problems)


def test_a_portrait_a4_page(printed):
    pdf = next(iter(printed.values()))
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "1", str(pdf)], capture_output=True, text=True).stdout
    w, h = re.search(r"Page\s+1 size:\s+([\d.]+) x ([\d.]+)", info).groups()
    assert (round(float(w)), round(float(h))) == (595, 842)


def test_no_printed_line_of_a_form_starts_with_a_closing_mark(printed):
    """As printed, not as estimated: LibreOffice outside a Chinese locale keeps no 避头尾 rule
    of its own, so every "；" or "。" at the head of a line would show here."""
    problems = []
    for xlsx, pdf in printed.items():
        raw = subprocess.run(
            ["pdftotext", "-raw", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        for line in raw.splitlines():
            line = line.strip()
            if line and (line[0] in "，。、；：）！？" or line[-1] == "（"):
                problems.append(f"{xlsx.name}: {line!r}")
    assert not problems, "\n".join(problems[:40])
