"""No developer text where clerks look: forms, 汇总表, 通报 and mails name the rules by name and version,
never by file, hash, TOML key, JSON or a path of this machine (those stay in 运行记录.json)."""

from __future__ import annotations

import email
import json
from datetime import date
from email import policy

import openpyxl
import pytest
from docx import Document

from lingong.layout import FORM_SUFFIX, MAIL_FOLDER, NOTICE_NAME, RUN_RECORD_NAME, summary_name
from lingong.rules.load import load_rules
from support.runs import run_on

DEV_TEXT = ("rules.toml", ".toml", "at_risk", "prorate_rounding", "deadline_days", "sha256", '{"', '["')


def workbook_text(path) -> str:
    wb = openpyxl.load_workbook(path)
    return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)


@pytest.mark.timeout(300)
def test_outputs_clerks_read_carry_no_developer_text(tmp_path, city):  # noqa: F811
    out = tmp_path / "out"
    run_on(city, out, "2023H1", assessed_on=date(2023, 7, 10), mail_drafts=True, notice=True)
    h1 = out / "2023H1"
    rules = load_rules()
    texts = {p.name: workbook_text(p) for p in h1.glob(f"*/*{FORM_SUFFIX}")}
    texts["汇总表"] = workbook_text(h1 / summary_name("2023年上半年"))
    texts["通报"] = "\n".join(p.text for p in Document(str(h1 / NOTICE_NAME)).paragraphs)
    for eml in (h1 / MAIL_FOLDER).glob("*.eml"):
        texts[eml.name] = (
            email.message_from_bytes(eml.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
        )
    assert len(texts) >= 5
    for name, text in texts.items():
        for dev in (*DEV_TEXT, rules.sha256[:8], str(tmp_path), str(rules.path.parent)):
            assert dev not in text, (name, dev)
    for name, text in texts.items():
        if "考核验收表" in name:
            assert "考核规则：随州市零工驿站运维考核（暂行）2023版" in text
    assert "随州市零工驿站运维考核（暂行）2023版" in texts["汇总表"]
    # The run record keeps what a developer needs to reproduce the grades.
    record = json.loads((h1 / RUN_RECORD_NAME).read_text(encoding="utf-8"))
    assert record["rules"] == {"path": str(rules.path), "sha256": rules.sha256}
