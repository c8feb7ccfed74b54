"""An assessment is a record (issue 21): the one-year scenario of the spec into one output folder,
as a clerk types it, with ``mail`` after each step. Every earlier assessment's files stay byte for
byte as they were issued after every later command; ``mail`` never reads the reports again; a
recheck has its own folder with only the stations it decides; a rerun is a new version."""

from __future__ import annotations

import email
import hashlib
import json
import os
import shutil
import subprocess
import sys
from email import policy
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from lingong.demo import build_demo, resubmit
from lingong.layout import FORM_SUFFIX, HISTORY_DB_NAME, MAIL_FOLDER, NOTICE_NAME, RECORD_CARD_NAME, RESULTS_JSON_NAME
from support.paths import ROOT

PROCESS = [sys.executable, str(ROOT / "process.py")]


def cli(*args, epoch: str = "1796083200"):  # 2026-12-01: the day the clerk types, never a 考核日期
    env = {**os.environ, "SOURCE_DATE_EPOCH": epoch}
    return subprocess.run([*PROCESS, *args, "--quiet"], capture_output=True, text=True, env=env, timeout=300)


def files_of(folder: Path) -> dict[str, str]:
    """Every file of one assessment's folder (a recheck's own folder and kept old versions are others')."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if p.is_file() and not (rel.parts[0].startswith("复查") or rel.parts[0] == "旧版本"):
            out[rel.as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def body(eml: Path) -> str:
    return email.message_from_bytes(eml.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()


def form_text(path: Path) -> str:
    ws = openpyxl.load_workbook(path).worksheets[0]
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    """The demo city's year into one folder: each command's result and the folders' hashes after it."""
    root = tmp_path_factory.mktemp("year")
    src, out = root / "input", root / "output"
    build_demo(src)
    io = ("--input", str(src), "--output", str(out))
    steps = {}
    kept: dict[str, dict[str, str]] = {}  # folder -> hashes as issued (after its own mail)
    changed: list[str] = []

    def step(name, *args, folder=None):
        p = cli(*args, *io)
        steps[name] = p
        for f, hashes in kept.items():
            if files_of(out / f) != hashes:
                changed.append(f"{name} changed {f}")
        return p

    step("h1", "--period", "2023H1", "--date", "2023-07-10")
    step("h1 mail", "mail", "--period", "2023H1")
    kept["2023H1"] = files_of(out / "2023H1")
    resubmit(src)  # SX-002 corrects its March report and sends it again
    step("recheck", "recheck", "--period", "2023H1", "--date", "2023-08-15")
    step("recheck mail", "mail", "--period", "2023H1")
    kept["2023H1/复查2023-08-15"] = files_of(out / "2023H1" / "复查2023-08-15")
    step("h2", "--period", "2023H2", "--date", "2024-01-12")
    step("h2 mail", "mail", "--period", "2023H2")
    kept["2023H2"] = files_of(out / "2023H2")
    step("year", "--period", "2023", "--date", "2024-01-12")
    step("year mail", "mail", "--period", "2023")
    kept["2023"] = files_of(out / "2023")
    # Later commands about earlier assessments: they rewrite nothing of what was issued.
    step("h1 mail again", "mail", "--period", "2023H1", "--assessment", "考核")
    step("recheck mail again", "mail", "--period", "2023H1")
    return {"out": out, "src": src, "steps": steps, "kept": kept, "changed": changed, "io": io}


@pytest.mark.timeout(900)
def test_every_earlier_assessment_stays_byte_identical_after_every_later_command(year):
    for name, p in year["steps"].items():
        assert p.returncode in (0, 1), (name, p.stderr)
    assert year["changed"] == []
    assert set(year["kept"]) == {"2023H1", "2023H1/复查2023-08-15", "2023H2", "2023"}
    for folder, hashes in year["kept"].items():
        assert files_of(year["out"] / folder) == hashes, folder
        assert any(k.startswith("邮件/") for k in hashes), folder  # the mail of each step is part of it


@pytest.mark.timeout(900)
def test_mail_renders_the_record_and_never_grades(year):
    p = year["steps"]["h1 mail"]
    assert "按考核记录生成邮件，不重新读取报表、不重新评定" in p.stdout
    h1 = year["out"] / "2023H1"
    # The H1 documents speak of H1 only, as of 2023-07-10: no later assessment, no later deadline
    # (the next half-year is named only as what will decide an open rectification).
    for eml in (h1 / MAIL_FOLDER).glob("*.eml"):
        text = body(eml)
        assert "2024年" not in text and "下半年考核（" not in text and "2023年度" not in text, eml.name
        msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        assert msg["Date"].startswith("Mon, 10 Jul 2023"), msg["Date"]  # the 考核日期, not the day mail ran
    for form in h1.glob(f"*/*{FORM_SUFFIX}"):
        text = form_text(form)
        assert "2024年" not in text and "下半年考核（" not in text and "复查（2" not in text, form.name
    record = json.loads((h1 / RECORD_CARD_NAME).read_text(encoding="utf-8"))
    assert (record["kind"], record["period"], record["assessed_on"], record["version"]) == (
        "考核",
        "2023H1",
        "2023-07-10",
        1,
    )


@pytest.mark.timeout(900)
def test_the_recheck_has_its_own_folder_with_only_the_stations_it_decides(year):
    out = year["out"]
    h1 = json.loads((out / "2023H1" / RESULTS_JSON_NAME).read_text(encoding="utf-8"))
    on_notice = {s["code"] for s in h1["stations"] if s["rectification"]["state"] == "限期整改"}
    assert on_notice  # the demo puts stations on notice in H1
    folder = out / "2023H1" / "复查2023-08-15"
    rechecked = json.loads((folder / RESULTS_JSON_NAME).read_text(encoding="utf-8"))
    assert {s["code"] for s in rechecked["stations"]} == on_notice
    assert {f.name.split("_")[0] for f in folder.glob(f"*/*{FORM_SUFFIX}")} == on_notice
    assert {f.name.split("_")[0] for f in (folder / MAIL_FOLDER).glob("*.eml")} <= on_notice
    assert len(list(h1_forms := list((out / "2023H1").glob(f"*/*{FORM_SUFFIX}")))) > len(on_notice)
    assert h1_forms
    # Each form is titled 复查 with its date, the earlier result beside the new one and the decision.
    sx002 = form_text(next(folder.glob(f"*/SX-002_*{FORM_SUFFIX}")))
    assert "整改复查验收表" in sx002 and "复查日期：2023年8月15日" in sx002
    assert "原考核结果" in sx002 and "2023年上半年考核（2023年7月10日）：不合格" in sx002
    assert "复查结论" in sx002 and "整改结束" in sx002
    notice = "\n".join(par.text for par in Document(str(folder / NOTICE_NAME)).paragraphs)
    assert "于2023年8月15日对2023年上半年考核（2023年7月10日）中限期整改的" in notice and "整改复查" in notice
    assert "半年检查" not in notice
    p = year["steps"]["recheck"]
    assert "复查：2023年上半年复查（2023年8月15日）" in p.stdout
    assert f"{len(on_notice)} × 限期整改 →" in p.stdout
    assert "复查采用了考核（2023年7月10日）以后重新报送的报表 1 份：SX-002" in p.stdout


@pytest.mark.timeout(900)
def test_a_returned_month_at_a_recheck_after_the_deadline_is_final_never_provisional(year):
    folder = year["out"] / "2023H1" / "复查2023-08-15"
    for s in json.loads((folder / RESULTS_JSON_NAME).read_text(encoding="utf-8"))["stations"]:
        assert not s["provisional"], s["code"]  # 8-15 is after the deadline 8-09
    gx = next(folder.glob(f"*/GX-002_*{FORM_SUFFIX}"), None)
    if gx is not None:
        assert "退回后未在整改期限内重新报送" in form_text(gx)


@pytest.mark.timeout(900)
def test_mail_after_an_input_change_says_which_and_mails_the_record(year, tmp_path):
    out, src = year["out"], year["src"]
    before = files_of(out / "2023")
    victim = next(src.rglob("*2023年11月*.xlsx"))
    moved = tmp_path / victim.name
    shutil.move(victim, moved)
    try:
        p = cli("mail", "--period", "2023", *year["io"])
    finally:
        shutil.move(moved, victim)
    assert p.returncode in (0, 1), p.stderr
    assert "自这次考核以来有 1 个文件变化" in p.stdout and f"已删除：{victim.relative_to(src).as_posix()}" in p.stdout
    assert "python process.py --period 2023 --date 2024-01-12" in p.stdout
    assert files_of(out / "2023") == before  # what is mailed does not change


def test_mail_before_an_assessment_is_refused_saying_what_to_run(tmp_path):
    src = tmp_path / "input"
    build_demo(src)
    out = tmp_path / "out"
    p = cli("mail", "--period", "2023H2", "--input", str(src), "--output", str(out))
    assert p.returncode == 2
    assert "2023年下半年还没有考核" in p.stderr and "python process.py --period 2023H2 --date" in p.stderr
    assert not (out / "2023H2").exists() and not (out / HISTORY_DB_NAME).exists()
    p = cli("send", "--period", "2023H2", "--dry-run", "--input", str(src), "--output", str(out))
    assert p.returncode == 2 and "还没有考核" in p.stderr
