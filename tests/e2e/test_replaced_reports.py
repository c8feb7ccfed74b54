"""A report with errors that the station replaced by a later, accepted report is history: listed
as 已被替代 (by which file), never a to-do, no return copy, nothing asked of it in a mail."""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from pathlib import Path

import openpyxl
import pytest

from lingong.catalogue.issues import ERROR
from lingong.demo import build_demo
from lingong.demo.figures import default_report_name
from lingong.demo.scenario import PLANS
from lingong.demo.writers import rel_path
from lingong.digest import digest
from lingong.layout import MAIL_FOLDER, RETURNS_FOLDER
from lingong.report_template import SHEET_INDICATORS, SHEET_INFO
from support.runs import run_on

STATION, MONTH = "GS-004", "2023-02"


@pytest.fixture(scope="module")
def replaced(tmp_path_factory):
    """GS-004 first sent February with a word where a number goes (an error), then the corrected report."""
    root = tmp_path_factory.mktemp("replaced")
    source = root / "input"
    build_demo(source)
    plan = next(p for p in PLANS if p.code == STATION)
    good = source / rel_path(plan, default_report_name(plan, MONTH))
    wb = openpyxl.load_workbook(good)
    for row in wb[SHEET_INFO].iter_rows():
        if row[0].value == "填报日期":
            row[1].value = dt.datetime(2023, 3, 1)  # before the corrected one
    for row in wb[SHEET_INDICATORS].iter_rows():
        if row[0].value == "C1":
            row[4].value = "很多"
    broken = good.with_name(good.stem + "（第一次）.xlsx")
    wb.save(broken)
    summary = run_on(source, root / "out", "2023H1", mail_drafts=True, assessed_on=dt.date(2023, 7, 10), workers=None)
    return summary, broken.relative_to(source).as_posix(), good.relative_to(source).as_posix()


def test_the_replaced_report_is_history_not_a_to_do(replaced):
    summary, broken, good = replaced
    outcome = next(o for o in summary.outcomes if o.file == broken)
    assert outcome.status == "已被替代"
    own = [i for i in summary.issues if i.file == broken]
    assert [i.code for i in own] == ["P004"] and good in own[0].message
    assert not any(i.severity == ERROR for i in own)


def test_no_return_copy_and_the_mail_asks_nothing_of_it(replaced):
    summary, broken, _ = replaced
    copies = [p.name for p in (summary.out_dir / RETURNS_FOLDER).iterdir()]
    assert not any(n.startswith(f"{STATION}_{MONTH}") for n in copies), copies
    mail = next(Path(summary.out_dir / MAIL_FOLDER).glob(f"{STATION}_*.eml"))
    msg = email.message_from_bytes(mail.read_bytes(), policy=policy.default)
    body = msg.get_body(("plain",)).get_content()
    assert "_退回" not in "".join(part.get_filename() or "" for part in msg.iter_attachments())
    assert "退回" not in body and "其中错误 0 条" in body and "已被替代" not in body.split("本份有错误未采用")[0]


def test_the_console_does_not_count_it_among_the_reports_sent_back(replaced):
    summary, _, _ = replaced
    assert "有错误已退回的报表 2 份" in digest(summary)
