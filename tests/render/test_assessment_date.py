"""考核日期 (--date): deadlines count from it, every document prints it, mail uses the recorded one,
and the default is today in China whatever the server's time zone."""

from __future__ import annotations

import email
import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime
from email import policy
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from lingong.grade import history_plan
from lingong.layout import (
    FORM_SUFFIX,
    HISTORY_DB_NAME,
    MAIL_FOLDER,
    NOTICE_NAME,
    RESULTS_JSON_NAME,
    RUN_RECORD_NAME,
    summary_name,
)
from lingong.runtime.clock import CHINA
from support.paths import ROOT
from support.runs import run_on

PROCESS = [sys.executable, str(ROOT / "process.py")]


def cli(*args, epoch: str | None = None, tz: str = "UTC"):
    env = {**os.environ, "TZ": tz}
    env.pop("SOURCE_DATE_EPOCH", None)
    if epoch:
        env["SOURCE_DATE_EPOCH"] = epoch
    return subprocess.run([*PROCESS, *args], capture_output=True, text=True, env=env, timeout=300)


def station_json(out: Path, code: str) -> dict:
    doc = json.loads((out / RESULTS_JSON_NAME).read_text(encoding="utf-8"))
    return next(s for s in doc["stations"] if s["code"] == code)


@pytest.mark.timeout(600)
def test_date_sets_the_deadline_and_mail_later_uses_the_recorded_date(tmp_path, city):  # noqa: F811
    out = tmp_path / "out"
    # Run in 2026 for an assessment made on 2023-07-10: nothing may count from the day the program runs.
    p = cli(
        "--period",
        "2023H1",
        "--date",
        "2023-07-10",
        "--input",
        str(city),
        "--output",
        str(out),
        "--quiet",
        epoch="1796083200",
    )
    assert p.returncode == 1, p.stderr
    assert "考核日期：2023年7月10日" in p.stdout
    h1 = out / "2023H1"
    gs = station_json(h1, "GS-001")
    assert gs["rectification"] == {"state": "限期整改", "deadline": "2023-08-09"}
    form = openpyxl.load_workbook(next(h1.glob(f"*/GS-001_*{FORM_SUFFIX}"))).worksheets[0]
    assert "考核日期：2023年7月10日" in form["A2"].value
    texts = "\n".join(str(c.value) for row in form.iter_rows() for c in row if c.value)
    assert "整改期限2023年8月9日" in texts and "2026" not in texts
    notes = openpyxl.load_workbook(h1 / summary_name("2023年上半年"))["说明"]
    assert ["考核日期", "2023年7月10日"] in [[c.value for c in row][:2] for row in notes.iter_rows()]
    record = json.loads((h1 / RUN_RECORD_NAME).read_text(encoding="utf-8"))
    assert record["assessed_on"] == "2023-07-10"
    conn = sqlite3.connect(out / HISTORY_DB_NAME)
    assert conn.execute("SELECT assessed_on FROM runs").fetchall() == [("2023-07-10",)]
    conn.close()

    # mail, months later and without --date: the documents still speak of the assessment of 2023-07-10.
    p = cli("mail", "--period", "2023H1", "--input", str(city), "--output", str(out), "--quiet", epoch="1800000000")
    assert p.returncode == 0, p.stderr  # it writes the recorded assessment: nothing is graded
    assert station_json(h1, "GS-001")["rectification"] == {"state": "限期整改", "deadline": "2023-08-09"}
    msg = email.message_from_bytes(next((h1 / MAIL_FOLDER).glob("GS-001_*.eml")).read_bytes(), policy=policy.default)
    body = msg.get_body(("plain",)).get_content()
    assert "考核日期：2023年7月10日" in body and "整改期限2023年8月9日" in body
    # Dated the assessment's 考核日期, not the day mail ran (2027-01-15; issue 21).
    assert msg["Date"] == "Mon, 10 Jul 2023 00:00:00 +0800"
    notice = "\n".join(par.text for par in Document(str(h1 / NOTICE_NAME)).paragraphs)
    assert "于2023年7月10日对全市" in notice


@pytest.mark.timeout(300)
def test_default_date_is_today_in_china(tmp_path, city, monkeypatch):  # noqa: F811
    # 2023-07-09 17:00 UTC is already 2023-07-10 01:00 in China.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1688922000")
    monkeypatch.setenv("TZ", "America/New_York")
    summary = run_on(city, tmp_path / "out", "2023H1")
    assert summary.assessed_on.isoformat() == "2023-07-10"
    assert summary.started_at == datetime(2023, 7, 10, 1, 0, tzinfo=CHINA)
    # written as China's time to the second, and read back as the same value
    assert summary.assessment.started_at == summary.started_at
    assert json.loads((summary.out_dir / RESULTS_JSON_NAME).read_text(encoding="utf-8"))["run"]["started_at"] == (
        "2023-07-10 01:00:00"
    )
    assert history_plan.runs_of(tmp_path / "out" / HISTORY_DB_NAME)[0].started_at == summary.started_at
    gs = {r.station.code: r for r in summary.results}["GS-001"]
    assert gs.deadline.isoformat() == "2023-08-09"


@pytest.mark.timeout(120)
def test_an_impossible_date_is_a_usage_error(tmp_path, city):  # noqa: F811
    p = cli(
        "recheck", "--period", "2023H1", "--date", "2023-02-30", "--input", str(city), "--output", str(tmp_path / "out")
    )
    assert p.returncode == 2
    assert "考核日期“2023-02-30”无法识别" in p.stderr and "Traceback" not in p.stderr
