"""fetch against a real IMAP server (dovecot on the loopback, started by the fixture): every
spreadsheet stored once under a name that shows sender and original name, the mailbox left as it
was, a second fetch storing nothing, an interrupted fetch resumed, a reset UIDVALIDITY re-read
without storing twice, and the receipts' texts and attachments."""

from __future__ import annotations

import sqlite3
from datetime import date
from email import policy
from email.parser import BytesParser

import pytest

from lingong import layout
from lingong.intake import fetch as f
from lingong.intake.fetch import fetch_mailbox
from lingong.intake.receipts import write_receipts
from support.intake import CN_FOLDER, mailbox_state

pytestmark = pytest.mark.timeout(180)

MONTH = "收件/2023-07"
EXPECTED = {
    f"{MONTH}/zd001@example.com_东城零工驿站2023年3月报表.xlsx": "zd3",
    f"{MONTH}/gs001@example.com_应山驿站3月月报.xlsx": "gs3",
    f"{MONTH}/zd001@example.com_东城4月.xlsx": "zd4",
    f"{MONTH}/xicheng@qq.com_西城两个月_西城3月.xlsx": "xc3",
    f"{MONTH}/xicheng@qq.com_西城两个月_西城4月.xlsx": "xc4",
    f"{MONTH}/gs001@example.com_人员名单.xlsx": None,
    f"{MONTH}/gs001@example.com_应山4月.xlsx": "gs4",
}


def stored(input_dir) -> dict[str, bytes]:
    root = input_dir / layout.INTAKE_FOLDER
    return {p.relative_to(input_dir).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_fetch_stores_each_spreadsheet_once_and_leaves_the_mailbox_as_it_was(filled):
    before = mailbox_state(filled.server)
    got = fetch_mailbox(filled.config, filled.input_dir, filled.output)
    assert not got.stopped, got.stopped
    files = stored(filled.input_dir)
    assert set(files) == set(EXPECTED)
    for name, label in EXPECTED.items():
        if label:
            assert files[name] == filled.reports[label], name
    assert [a.file for a in got.duplicates] == [f"{MONTH}/zd001@example.com_东城零工驿站2023年3月报表.xlsx"]
    assert {a.name for a in got.attachments(f.NOT_SPREADSHEET)} == {"通知.docx"}
    assert [m.note for m in got.mails if m.note] == ["邮件没有附件"]
    assert {(r.folder, r.mails) for r in got.folders} == {("INBOX", 7), (CN_FOLDER, 1)}
    assert mailbox_state(filled.server) == before  # no \Seen, nothing moved or deleted
    assert all(b"\\Seen" not in flags for _, (n, fl) in before.items() for flags in fl.values())

    again = fetch_mailbox(filled.config, filled.input_dir, filled.output)
    assert again.mails == [] and again.stored == []
    assert stored(filled.input_dir) == files


def test_an_interrupted_fetch_resumes_where_it_stopped(filled):
    seen = []

    def stop_after_three(stage, done, total):
        seen.append(done)
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch_mailbox(filled.config, filled.input_dir, filled.output, progress=stop_after_three)
    assert len(stored(filled.input_dir)) == 3
    rest = fetch_mailbox(filled.config, filled.input_dir, filled.output)
    assert len(rest.mails) == 5  # the four INBOX mails after the third, and the Chinese folder's
    assert set(stored(filled.input_dir)) == set(EXPECTED)


def test_a_changed_uidvalidity_rereads_the_folder_and_stores_nothing_twice(filled):
    fetch_mailbox(filled.config, filled.input_dir, filled.output)
    files = stored(filled.input_dir)
    db = filled.output / layout.HISTORY_DB_NAME
    with sqlite3.connect(db) as con:
        con.execute("UPDATE intake_folders SET uidvalidity = 1, last_uid = 0")
    again = fetch_mailbox(filled.config, filled.input_dir, filled.output)
    assert any("UIDVALIDITY" in n for n in again.notes)
    assert again.mails == [] and stored(filled.input_dir) == files
    assert all(r.reread for r in again.folders)


def test_a_killed_fetch_finds_its_own_file_again(filled):
    """Killed after a file's rename and before its commit: the next fetch takes the file as it
    is and writes no (2) copy."""
    fetch_mailbox(filled.config, filled.input_dir, filled.output)
    files = stored(filled.input_dir)
    db = filled.output / layout.HISTORY_DB_NAME
    with sqlite3.connect(db) as con:
        for t in ("intake_folders", "intake_files", "intake_mails"):
            con.execute(f"DELETE FROM {t}")
    fetch_mailbox(filled.config, filled.input_dir, filled.output)
    assert stored(filled.input_dir) == files


def _drafts(folder):
    out = {}
    for p in sorted(folder.glob("*.eml")):
        msg = BytesParser(policy=policy.default).parsebytes(p.read_bytes())
        out[str(msg["To"])] = out.get(str(msg["To"]), []) + [msg]
    return out


def test_receipts_tell_each_sender_what_became_of_their_report(filled):
    got = fetch_mailbox(filled.config, filled.input_dir, filled.output)
    assert len(got.mails) == 8
    r = write_receipts(filled.input_dir, filled.output, on=date(2023, 7, 3))
    assert r.folder == (filled.output / layout.RECEIPTS_FOLDER / "2023-07-03").resolve()
    assert len(r.written) == 7  # every mail with an attachment; the one without gets none
    drafts = _drafts(r.folder)
    assert set(drafts) == {"zd001@example.com", "gs001@example.com", "xicheng@qq.com"}

    zd = [m.get_body(("plain",)).get_content() for m in drafts["zd001@example.com"]]
    assert any("已收到东城零工驿站2023年3月月报，已采用。" in b for b in zd)
    assert any("已收到东城零工驿站2023年4月月报，已采用。" in b for b in zd)
    assert any("与此前收到的附件内容相同，未重复保存" in b for b in zd)
    subjects = {str(m["Subject"]) for m in drafts["zd001@example.com"]}
    assert "回执：已收到东城零工驿站2023年3月月报" in subjects

    gs = {str(m["Subject"]): m for m in drafts["gs001@example.com"]}
    rejected = gs["回执：应山零工驿站2023年3月月报已收到，需修改后重新报送"]
    body = rejected.get_body(("plain",)).get_content()
    assert "退回修改" in body and "十二" in body
    names = [p.get_filename() for p in rejected.iter_attachments()]
    assert names == ["GS-001_2023-03_退回.xlsx"]
    other = gs["回执：您发来的附件不是月报"].get_body(("plain",)).get_content()
    assert "通知.docx：附件不是月报（不是电子表格），未保存。" in other
    assert "人员名单.xlsx：附件不是月报" in other
    assert any("2023年4月月报，已采用" in m.get_body(("plain",)).get_content() for m in gs.values())

    xc = drafts["xicheng@qq.com"][0]
    body = xc.get_body(("plain",)).get_content()
    assert "西城两个月.zip/西城3月.xlsx：已收到西城零工驿站2023年3月月报，已采用。" in body
    assert "西城两个月.zip/西城4月.xlsx" in body
    unknown = [x for x in r.receipts if x.unknown_sender]
    assert [x.sender for x in unknown] == ["xicheng@qq.com"]
    assert "不在驿站名册中" in unknown[0].note

    assert write_receipts(filled.input_dir, filled.output, on=date(2023, 7, 3)).receipts == []  # each once


def test_since_reads_only_mail_received_from_that_day(filled):
    from lingong import api

    assert fetch_mailbox(filled.config, filled.input_dir, filled.output, since=date(2023, 8, 1)).mails == []
    assert len(fetch_mailbox(filled.config, filled.input_dir, filled.output, since=date(2023, 7, 3)).mails) == 8
    shown = api.fetched_mails(filled.output)
    assert len(shown) == 8 and all(m["receipt"] == "" for m in shown)
    write_receipts(filled.input_dir, filled.output, on=date(2023, 7, 3))
    receipts = [m["receipt"] for m in api.fetched_mails(filled.output)]
    assert sum(r.endswith(".eml") for r in receipts) == 7 and sum(r.startswith("-") for r in receipts) == 1


def test_a_folder_that_does_not_exist_is_named_and_the_others_are_read(filled):
    config = filled.config.__class__(**{**filled.config.__dict__, "folders": ("不存在的文件夹", "INBOX")})
    got = fetch_mailbox(config, filled.input_dir, filled.output)
    assert len(got.notes) == 1 and "不存在的文件夹" in got.notes[0] and "请核对文件夹名称" in got.notes[0]
    assert len(got.mails) == 7


def test_the_same_mail_in_two_folders_is_read_once(filled):
    from support.intake import client_for

    c = client_for(filled.server)
    try:
        c.select_folder("INBOX")
        c.copy([1], CN_FOLDER)  # a mail rule that files a copy
    finally:
        c.logout()
    got = fetch_mailbox(filled.config, filled.input_dir, filled.output)
    assert len(got.mails) == 8 and {(r.folder, r.mails) for r in got.folders} == {("INBOX", 7), (CN_FOLDER, 1)}
