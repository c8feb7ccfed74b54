"""Sending drafts over a real SMTP server on loopback (aiosmtpd, started here):
every message arrives intact, nothing is sent twice, a refused address and a
dropped connection do not keep the other stations from theirs."""
from __future__ import annotations

import socket
import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller

from lingong import mail_send as ms
from tests.test_mail_drafts import write

SEND_TIME = datetime(2023, 7, 6, 10, 0, tzinfo=timezone(timedelta(hours=8)))


class Mailbox:
    """An SMTP handler that keeps what it accepts; it can refuse recipients
    (550) and close the connection in the middle of DATA, once per address."""

    def __init__(self, refuse=(), drop_once=(), greylist_once=()):
        self.refuse = set(refuse)
        self.greylist_once = set(greylist_once)
        self.drop_once = set(drop_once)
        self.dropped: list[str] = []
        self.received: list[tuple[str, list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if address in self.greylist_once:
            self.greylist_once.discard(address)
            return "450 4.2.0 <%s>: Recipient address rejected: Greylisted, try again" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        rcpt = envelope.rcpt_tos[0]
        with self.lock:
            if rcpt in self.drop_once:
                self.drop_once.discard(rcpt)
                self.dropped.append(rcpt)
                server.transport.close()
                return "421 4.4.2 connection dropped"
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 2.0.0 Ok: queued"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    servers = []

    def start(handler: Mailbox) -> ms.SmtpConfig:
        ctl = Controller(handler, hostname="127.0.0.1", port=free_port())
        ctl.start()
        servers.append(ctl)
        return ms.SmtpConfig(host="127.0.0.1", port=ctl.port, security="none", sender="lgyz@suizhou.gov.cn",
                             timeout=10)
    yield start
    for ctl in servers:
        ctl.stop()


def send(drafts, db, config, **kw):
    kw.setdefault("dry_run", False)
    return ms.send_drafts(drafts.folder, db, config, period="2023H1", now=lambda: SEND_TIME,
                          sleep=lambda s: None, run_id="test", **kw)


def test_drafts_arrive_intact_and_a_second_send_sends_nothing(tmp_path, smtp_server):
    drafts = write(tmp_path / "out")
    box = Mailbox()
    config = smtp_server(box)
    db = tmp_path / "history.sqlite"

    first = send(drafts, db, config)
    assert first.count(ms.SENT) == 5 and not first.needs_attention
    assert len(box.received) == 5
    by_rcpt = {rcpt[0]: content for _, rcpt, content in box.received}
    for row in drafts.written:
        content = by_rcpt[row.recipients[0]]
        msg = BytesParser(policy=policy.default).parsebytes(content)
        assert msg["From"] == "lgyz@suizhou.gov.cn" and msg["X-Unsent"] is None
        assert msg["Message-ID"].strip() == row.message_id
        assert msg["Date"].datetime == SEND_TIME
        draft = BytesParser(policy=policy.default).parsebytes(row.eml.read_bytes())
        got = [(p.get_filename(), p.get_content()) for p in msg.iter_attachments()]
        want = [(p.get_filename(), p.get_content()) for p in draft.iter_attachments()]
        assert got == want and got
        # the decoded name is the Chinese file name and the bytes are the file's
        form_name = got[0][0]
        form_file = next(tmp_path.joinpath("out").rglob(form_name))
        assert form_name.endswith("_考核验收表.xlsx") and got[0][1] == form_file.read_bytes()
        assert msg.get_body().get_content() == draft.get_body().get_content()

    log = sqlite3.connect(db).execute("SELECT station, kind, status, attempts, message_id FROM mail_log").fetchall()
    assert sorted((s, k, st, a) for s, k, st, a, _ in log) == sorted(
        (r.station, "results", "sent", 1) for r in drafts.written)

    second = send(drafts, db, config)
    assert second.count(ms.ALREADY_SENT) == 5 and second.count(ms.SENT) == 0
    assert len(box.received) == 5
    text = ms.format_summary(second)
    assert "此前已发送，本次跳过 5 封" in text


def test_refused_address_and_dropped_connection_leave_every_other_station_served(tmp_path, smtp_server):
    drafts = write(tmp_path / "out")
    box = Mailbox(refuse={"gs-002@example.cn"}, drop_once={"sx-003@example.cn"})
    config = smtp_server(box)
    db = tmp_path / "history.sqlite"

    summary = send(drafts, db, config)
    status = {r.station: r for r in summary.rows}
    assert status["GS-002"].status == ms.REFUSED and "550" in status["GS-002"].error
    assert status["GS-002"].attempts == 1          # a refusal is not retried
    assert status["SX-003"].status == ms.SENT and status["SX-003"].attempts == 2
    assert box.dropped == ["sx-003@example.cn"]
    served = sorted(r[1][0] for r in box.received)
    assert served == sorted(f"{r.station.lower()}@example.cn" for r in drafts.written if r.station != "GS-002")
    text = ms.format_summary(summary)
    assert "GS-002 → gs-002@example.cn：收件地址被拒收" in text and "需要人工处理 1 封" in text

    # A later run does not hammer the refused address, and sends nothing twice.
    again = send(drafts, db, config)
    assert {r.station: r.status for r in again.rows}["GS-002"] == ms.REFUSED
    assert again.count(ms.SENT) == 0 and len(box.received) == 4
    rows = dict(sqlite3.connect(db).execute("SELECT station, status FROM mail_log").fetchall())
    assert rows["GS-002"] == "refused" and rows["SX-003"] == "sent"


def test_a_greylisted_address_is_tried_again(tmp_path, smtp_server):
    drafts = write(tmp_path / "out")
    box = Mailbox(greylist_once={"zd-001@example.cn"})
    summary = send(drafts, tmp_path / "h.sqlite", smtp_server(box))
    row = next(r for r in summary.rows if r.station == "ZD-001")
    assert (row.status, row.attempts) == (ms.SENT, 2)
    assert summary.count(ms.SENT) == 5


def test_an_interrupted_run_resumes_without_sending_twice(tmp_path, smtp_server):
    drafts = write(tmp_path / "out")
    box = Mailbox()
    config = smtp_server(box)
    db = tmp_path / "history.sqlite"
    seen = []

    def killed_after_two(line):
        seen.append(line)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        send(drafts, db, config, progress=killed_after_two)
    assert len(box.received) == 2
    resumed = send(drafts, db, config)
    assert resumed.count(ms.ALREADY_SENT) == 2 and resumed.count(ms.SENT) == 3
    rcpts = [r[1][0] for r in box.received]
    assert len(rcpts) == 5 == len(set(rcpts))


def test_retries_are_bounded_when_the_server_keeps_dropping(tmp_path, smtp_server):
    drafts = write(tmp_path / "out")

    class AlwaysDrop(Mailbox):
        async def handle_DATA(self, server, session, envelope):
            if envelope.rcpt_tos[0] == "zd-001@example.cn":
                server.transport.close()
                return "421 bye"
            return await super().handle_DATA(server, session, envelope)

    box = AlwaysDrop()
    config = smtp_server(box)
    summary = send(drafts, tmp_path / "h.sqlite", config, max_attempts=3)
    st = {r.station: r for r in summary.rows}
    assert st["ZD-001"].status == ms.FAILED and st["ZD-001"].attempts == 3
    assert summary.count(ms.SENT) == 4
    attempts = dict(sqlite3.connect(tmp_path / "h.sqlite").execute("SELECT station, attempts FROM mail_log"))
    assert attempts["ZD-001"] == 3


def test_dry_run_sends_and_records_nothing(tmp_path, smtp_server):
    drafts = write(tmp_path / "out")
    box = Mailbox()
    config = smtp_server(box)
    db = tmp_path / "history.sqlite"
    summary = send(drafts, db, config, dry_run=True)
    assert summary.count(ms.WOULD_SEND) == 5 and not box.received and not db.exists()
    text = ms.format_summary(summary)
    assert "试运行" in text and "将发送（试运行） 5 封" in text and "_考核验收表.xlsx" in text


def test_unreachable_server_stops_early_and_says_so(tmp_path):
    drafts = write(tmp_path / "out")
    config = ms.SmtpConfig(host="127.0.0.1", port=free_port(), security="none", sender="a@b.cn", timeout=5)
    calls = []

    def refuse_connect(cfg):
        calls.append(cfg)
        raise ConnectionRefusedError(111, "Connection refused")

    summary = send(drafts, tmp_path / "h.sqlite", config, connect=refuse_connect, max_attempts=2)
    assert len(calls) == 2                      # bounded: not 2 per station
    assert summary.count(ms.NOT_ATTEMPTED) == 4 and summary.count(ms.FAILED) == 1
    assert "无法连接邮件服务器" in ms.format_summary(summary)


def test_drafts_of_another_period_are_not_sent(tmp_path, smtp_server):
    drafts = write(tmp_path / "out")
    box = Mailbox()
    config = smtp_server(box)
    summary = ms.send_drafts(drafts.folder, tmp_path / "h.sqlite", config, period="2023H2", dry_run=False,
                             sleep=lambda s: None)
    assert summary.count(ms.SKIPPED) == 5 and not box.received
    assert "2023H1" in summary.rows[0].error


# ---- configuration: the password never from argv or the repository -------------

def test_config_from_toml_and_environment(tmp_path):
    cfg = tmp_path / "smtp.toml"
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cr3t\n", encoding="utf-8")
    cfg.write_text('[smtp]\nhost = "smtp.qq.com"\nsecurity = "ssl"\nuser = "12345@qq.com"\n'
                   f'password_file = "{secret.as_posix()}"\n', encoding="utf-8")
    c = ms.load_smtp_config(cfg, {})
    assert (c.host, c.port, c.security, c.user, c.sender, c.password) == (
        "smtp.qq.com", 465, "ssl", "12345@qq.com", "12345@qq.com", "s3cr3t")
    assert "s3cr3t" not in repr(c)
    c = ms.load_smtp_config(cfg, {ms.ENV_PASSWORD: "fromenv", ms.ENV_SECURITY: "STARTTLS", ms.ENV_PORT: "2525"})
    assert (c.password, c.security, c.port) == ("fromenv", "starttls", 2525)
    c = ms.load_smtp_config(None, {ms.ENV_HOST: "mail.example.cn", ms.ENV_SECURITY: "starttls"})
    assert (c.host, c.port, c.password) == ("mail.example.cn", 587, "")


@pytest.mark.parametrize("body, message", [
    ('[smtp]\nhost = "x"\npassword = "abc"\n', "密码不能写在配置文件里"),
    ('[smtp]\nhost = "x"\nprot = 25\n', "未知的设置项“prot”"),
    ('[smtp]\nhost = "x"\nsecurity = "tls1.3"\n', "应为 ssl、starttls 或 none"),
    ('[smtp]\nhost = "x"\nport = "abc"\n', "端口号"),
    ('[smtp\nhost = "x"\n', "TOML"),
])
def test_bad_config_says_what_to_change(tmp_path, body, message):
    cfg = tmp_path / "smtp.toml"
    cfg.write_text(body, encoding="utf-8")
    with pytest.raises(ms.SmtpConfigError, match=message):
        ms.load_smtp_config(cfg, {})


def test_password_file_inside_the_program_folder_is_refused(tmp_path):
    inside = ms._REPO_ROOT / "templates" / "rules.toml"   # any file of the checkout
    with pytest.raises(ms.SmtpConfigError, match="程序文件夹内"):
        ms.load_smtp_config(None, {ms.ENV_PASSWORD_FILE: str(inside)})


def test_sending_without_password_for_a_login_is_refused_before_connecting(tmp_path):
    drafts = write(tmp_path / "out")
    config = ms.SmtpConfig(host="smtp.qq.com", port=465, security="ssl", user="1@qq.com", sender="1@qq.com")

    def never(cfg):
        raise AssertionError("must not connect")

    with pytest.raises(ms.SmtpConfigError, match=ms.ENV_PASSWORD):
        ms.send_drafts(drafts.folder, tmp_path / "h.sqlite", config, period="2023H1", dry_run=False, connect=never)
