"""Sending drafts over a real SMTP server on loopback (aiosmtpd, started here):
every message arrives intact, nothing is sent twice (not even when the sender
is killed between the server's acceptance and the log's commit), a refused
address and a dropped connection do not keep the other stations from theirs,
credentials go only over TLS, and a draft's recipients are checked again."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from lingong import layout
from lingong.layout import FORM_SUFFIX, HISTORY_DB_NAME
from lingong.mail import send as ms
from support.drafts import write
from support.smtp import free_port

SEND_TIME = datetime(2023, 7, 6, 10, 0, tzinfo=timezone(timedelta(hours=8)))


class Mailbox:
    """An SMTP handler that keeps what it accepts; it can refuse recipients
    (550), close the connection before the message (at RCPT), and queue a
    message but lose the connection before its answer, once per address."""

    def __init__(self, refuse=(), drop_once=(), greylist_once=(), lose_reply_once=(), greylist_code="450"):
        self.refuse = set(refuse)
        self.greylist_code = greylist_code
        self.greylist_once = set(greylist_once)
        self.drop_once = set(drop_once)
        self.lose_reply_once = set(lose_reply_once)
        self.dropped: list[str] = []
        self.received: list[tuple[str, list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if address in self.greylist_once:
            self.greylist_once.discard(address)
            return f"{self.greylist_code} 4.2.0 <{address}>: Recipient address rejected: Greylisted, try again"
        with self.lock:
            if address in self.drop_once:
                self.drop_once.discard(address)
                self.dropped.append(address)
                server.transport.close()
                return "421 4.4.2 connection dropped"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        rcpt = envelope.rcpt_tos[0]
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            if rcpt in self.lose_reply_once:
                # Queued, but the client never hears so: it cannot know the message arrived.
                self.lose_reply_once.discard(rcpt)
                server.transport.close()
        return "250 2.0.0 Ok: queued"

    def recipients(self) -> list[str]:
        return [r[1][0] for r in self.received]


@pytest.fixture
def smtp_server():
    servers = []

    def start(handler: Mailbox) -> ms.SmtpConfig:
        ctl = Controller(handler, hostname="127.0.0.1", port=free_port())
        ctl.start()
        servers.append(ctl)
        return ms.SmtpConfig(host="127.0.0.1", port=ctl.port, security="none", sender="lgyz@suizhou.gov.cn", timeout=10)

    yield start
    for ctl in servers:
        ctl.stop()


def send(drafts, db, config, **kw):
    kw.setdefault("dry_run", False)
    return ms.send_drafts(
        drafts.folder, db, config, period="2023H1", now=lambda: SEND_TIME, sleep=lambda s: None, run_id="test", **kw
    )


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
        assert form_name.endswith(FORM_SUFFIX) and got[0][1] == form_file.read_bytes()
        assert msg.get_body().get_content() == draft.get_body().get_content()

    log = sqlite3.connect(db).execute("SELECT station, kind, status, attempts, message_id FROM mail_log").fetchall()
    assert sorted((s, k, st, a) for s, k, st, a, _ in log) == sorted(
        (r.station, "results", "sent", 1) for r in drafts.written
    )

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
    assert status["GS-002"].attempts == 1  # a refusal is not retried
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


@pytest.mark.parametrize("code", ["450", "421"])
def test_a_greylisted_address_is_tried_again(tmp_path, smtp_server, code):
    drafts = write(tmp_path / "out")
    box = Mailbox(greylist_once={"zd-001@example.cn"}, greylist_code=code)
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
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address == "zd-001@example.cn":
                server.transport.close()
                return "421 bye"
            return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

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
    assert "试运行" in text and "将发送（试运行） 5 封" in text and FORM_SUFFIX in text


def test_unreachable_server_stops_early_and_says_so(tmp_path):
    drafts = write(tmp_path / "out")
    config = ms.SmtpConfig(host="127.0.0.1", port=free_port(), security="none", sender="a@b.cn", timeout=5)
    calls = []

    def refuse_connect(cfg):
        calls.append(cfg)
        raise ConnectionRefusedError(111, "Connection refused")

    summary = send(drafts, tmp_path / "h.sqlite", config, connect=refuse_connect, max_attempts=2)
    assert len(calls) == 2  # bounded: not 2 per station
    assert summary.count(ms.NOT_ATTEMPTED) == 4 and summary.count(ms.FAILED) == 1
    assert "无法连接邮件服务器" in ms.format_summary(summary)


def test_drafts_of_another_period_are_not_sent(tmp_path, smtp_server):
    drafts = write(tmp_path / "out")
    box = Mailbox()
    config = smtp_server(box)
    summary = ms.send_drafts(
        drafts.folder, tmp_path / "h.sqlite", config, period="2023H2", dry_run=False, sleep=lambda s: None
    )
    assert summary.count(ms.SKIPPED) == 5 and not box.received
    assert "2023H1" in summary.rows[0].error


# ---- configuration: the password never from argv or the repository -------------


def test_config_from_toml_and_environment(tmp_path):
    cfg = tmp_path / "smtp.toml"
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cr3t\n", encoding="utf-8")
    cfg.write_text(
        '[smtp]\nhost = "smtp.qq.com"\nsecurity = "ssl"\nuser = "12345@qq.com"\n'
        f'password_file = "{secret.as_posix()}"\n',
        encoding="utf-8",
    )
    c = ms.load_smtp_config(cfg, {})
    assert (c.host, c.port, c.security, c.user, c.sender, c.password) == (
        "smtp.qq.com",
        465,
        "ssl",
        "12345@qq.com",
        "12345@qq.com",
        "s3cr3t",
    )
    assert "s3cr3t" not in repr(c)
    c = ms.load_smtp_config(cfg, {ms.ENV_PASSWORD: "fromenv", ms.ENV_SECURITY: "STARTTLS", ms.ENV_PORT: "2525"})
    assert (c.password, c.security, c.port) == ("fromenv", "starttls", 2525)
    c = ms.load_smtp_config(None, {ms.ENV_HOST: "mail.example.cn", ms.ENV_SECURITY: "starttls"})
    assert (c.host, c.port, c.password) == ("mail.example.cn", 587, "")


@pytest.mark.parametrize(
    "body, message",
    [
        ('[smtp]\nhost = "x"\npassword = "abc"\n', "密码不能写在配置文件里"),
        ('[smtp]\nhost = "x"\nprot = 25\n', "未知的设置项“prot”"),
        ('[smtp]\nhost = "x"\nsecurity = "tls1.3"\n', "应为 ssl、starttls 或 none"),
        ('[smtp]\nhost = "x"\nport = "abc"\n', "端口号"),
        ('[smtp\nhost = "x"\n', "TOML"),
    ],
)
def test_bad_config_says_what_to_change(tmp_path, body, message):
    cfg = tmp_path / "smtp.toml"
    cfg.write_text(body, encoding="utf-8")
    with pytest.raises(ms.SmtpConfigError, match=message):
        ms.load_smtp_config(cfg, {})


def test_password_file_inside_the_program_folder_is_refused(tmp_path):
    inside = layout.ROOT / "templates" / "rules.toml"  # any file of the checkout
    with pytest.raises(ms.SmtpConfigError, match="程序文件夹内"):
        ms.load_smtp_config(None, {ms.ENV_PASSWORD_FILE: str(inside)})


def test_sending_without_password_for_a_login_is_refused_before_connecting(tmp_path):
    drafts = write(tmp_path / "out")
    config = ms.SmtpConfig(host="smtp.qq.com", port=465, security="ssl", user="1@qq.com", sender="1@qq.com")

    def never(cfg):
        raise AssertionError("must not connect")

    with pytest.raises(ms.SmtpConfigError, match=ms.ENV_PASSWORD):
        ms.send_drafts(drafts.folder, tmp_path / "h.sqlite", config, period="2023H1", dry_run=False, connect=never)


# ---- at most once: 'sending' before the transaction, 状态不明 on resume ------------

from support.paths import ROOT  # noqa: E402

DRAFT_ORDER = ["GS-002", "GX-004", "SX-003", "ZD-001", "ZD-005"]  # the drafts' file names, sorted


class KillOnAccept(Mailbox):
    """Queues the ``nth`` message, then SIGKILLs the sending process before
    answering 250: the server has the message, the sender's log cannot say so."""

    def __init__(self, nth: int):
        super().__init__()
        self.nth = nth
        self.pid: int | None = None
        self.killed = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            if len(self.received) == self.nth and self.pid and not self.killed.is_set():
                os.kill(self.pid, signal.SIGKILL)
                self.killed.set()
        return "250 2.0.0 Ok: queued"


def run_send(out: Path, port: int, *extra: str, handler: KillOnAccept | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINGONG_SMTP_")}
    env.update(
        {
            ms.ENV_HOST: "127.0.0.1",
            ms.ENV_PORT: str(port),
            ms.ENV_SECURITY: "none",
            ms.ENV_SENDER: "lgyz@suizhou.gov.cn",
            "LINGONG_SMTP_TIMEOUT": "20",
        }
    )
    cmd = [sys.executable, str(ROOT / "process.py"), "send", "--period", "2023H1", "--output", str(out), *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    if handler is not None:
        handler.pid = proc.pid
    try:
        stdout, stderr = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("nth", [1, 3, 5])
def test_killed_between_acceptance_and_commit_nothing_is_sent_twice(tmp_path, smtp_server, nth):
    out = tmp_path / "out"
    drafts = write(out / "2023H1")
    assert sorted(r.station for r in drafts.written) == DRAFT_ORDER
    box = KillOnAccept(nth)
    port = smtp_server(box).port
    victim = DRAFT_ORDER[nth - 1]
    db = out / HISTORY_DB_NAME

    killed = run_send(out, port, handler=box)
    assert box.killed.is_set() and killed.returncode == -signal.SIGKILL, killed.stderr
    assert len(box.received) == nth
    log = dict(sqlite3.connect(db).execute("SELECT station, status FROM mail_log").fetchall())
    assert log == {**{s: "sent" for s in DRAFT_ORDER[: nth - 1]}, victim: "sending"}

    resumed = run_send(out, port)
    assert resumed.returncode == 1, resumed.stderr  # needs attention: the unknown one
    rcpts = box.recipients()
    assert sorted(rcpts) == sorted(f"{s.lower()}@example.cn" for s in DRAFT_ORDER)  # each exactly once
    line = next(x for x in resumed.stdout.splitlines() if x.strip().startswith(victim))
    assert "状态不明" in line and "无法确定驿站是否已收到" in line
    assert "状态不明 1 封" in resumed.stdout and "需要人工处理 1 封" in resumed.stdout
    assert "确认没有收到后加 --resend-unknown 再次运行" in resumed.stdout
    if nth < 5:
        assert f"已发送 {5 - nth} 封" in resumed.stdout
    # still unknown, still not sent, however often it is run
    again = run_send(out, port)
    assert again.returncode == 1 and len(box.received) == 5

    resent = run_send(out, port, "--resend-unknown")
    assert resent.returncode == 0, resent.stdout + resent.stderr
    assert box.recipients().count(f"{victim.lower()}@example.cn") == 2 and len(box.received) == 6
    assert f"{victim} → {victim.lower()}@example.cn：已发送（尝试 2 次）" in resent.stdout
    assert "此前已发送，本次跳过 4 封" in resent.stdout
    assert dict(sqlite3.connect(db).execute("SELECT station, status FROM mail_log").fetchall()) == {
        s: "sent" for s in DRAFT_ORDER
    }
    last = run_send(out, port, "--resend-unknown")
    assert last.returncode == 0 and len(box.received) == 6


def test_lost_answer_after_the_whole_message_is_unknown_not_retried(tmp_path, smtp_server):
    drafts = write(tmp_path / "out")
    box = Mailbox(lose_reply_once={"sx-003@example.cn"})
    config = smtp_server(box)
    db = tmp_path / "history.sqlite"

    first = send(drafts, db, config)
    st = {r.station: r for r in first.rows}
    assert st["SX-003"].status == ms.UNKNOWN and st["SX-003"].attempts == 1
    assert first.count(ms.SENT) == 4 and len(box.received) == 5  # it did arrive, once
    assert [r.station for r in first.needs_attention] == ["SX-003"]
    text = ms.format_summary(first)
    assert "SX-003 → sx-003@example.cn：状态不明" in text and "等待服务器确认时连接中断" in text
    assert "状态不明 1 封" in text and ms.RESEND_OPTION in text
    assert dict(sqlite3.connect(db).execute("SELECT station, status FROM mail_log"))["SX-003"] == "sending"

    dry = send(drafts, db, config, dry_run=True)
    assert {r.station: r.status for r in dry.rows}["SX-003"] == ms.UNKNOWN
    second = send(drafts, db, config)
    assert second.count(ms.UNKNOWN) == 1 and second.count(ms.ALREADY_SENT) == 4 and len(box.received) == 5
    assert "无法确定驿站是否已收到" in {r.station: r for r in second.rows}["SX-003"].error

    third = send(drafts, db, config, resend_unknown=True)
    assert {r.station: r.status for r in third.rows}["SX-003"] == ms.SENT and len(box.received) == 6
    assert not third.needs_attention


def test_a_message_dropped_before_its_end_is_retried_and_counted(tmp_path, smtp_server):
    drafts = write(tmp_path / "out")
    box = Mailbox(drop_once={"zd-001@example.cn"})
    summary = send(drafts, tmp_path / "h.sqlite", smtp_server(box))
    row = {r.station: r for r in summary.rows}["ZD-001"]
    assert (row.status, row.attempts) == (ms.SENT, 2) and box.dropped == ["zd-001@example.cn"]
    assert sorted(box.recipients()) == sorted(f"{s.lower()}@example.cn" for s in DRAFT_ORDER)
    log = (
        sqlite3.connect(tmp_path / "h.sqlite")
        .execute("SELECT status, attempts FROM mail_log WHERE station = 'ZD-001'")
        .fetchall()
    )
    assert log == [("sent", 2)]


def test_a_sending_row_is_on_disk_before_the_server_sees_the_message(tmp_path, smtp_server):
    drafts = write(tmp_path / "out")
    db = tmp_path / "h.sqlite"
    seen = []

    class Peek(Mailbox):
        async def handle_DATA(self, server, session, envelope):
            with sqlite3.connect(db) as c:  # another connection: only committed rows are visible
                seen.append(dict(c.execute("SELECT station, status FROM mail_log").fetchall()))
            return await super().handle_DATA(server, session, envelope)

    send(drafts, db, smtp_server(Peek()))
    assert seen[0] == {"GS-002": "sending"}
    assert seen[2] == {"GS-002": "sent", "GX-004": "sent", "SX-003": "sending"}


# ---- credentials only over TLS -----------------------------------------------------


def test_login_over_plain_text_is_refused_before_connecting(tmp_path):
    drafts = write(tmp_path / "out")
    config = ms.SmtpConfig(
        host="mail.example.cn",
        port=25,
        security="none",
        user="lgyz@suizhou.gov.cn",
        sender="lgyz@suizhou.gov.cn",
        password="s3cr3t",
        source="smtp.toml",
    )

    def never(cfg):
        raise AssertionError("must not connect")

    with pytest.raises(ms.SmtpConfigError) as e:
        ms.send_drafts(drafts.folder, tmp_path / "h.sqlite", config, period="2023H1", dry_run=False, connect=never)
    msg = str(e.value)
    assert "明文" in msg and "security" in msg and "ssl" in msg and "starttls" in msg
    assert ms.PLAINTEXT_OPTION in msg and "smtp.toml" in msg and "s3cr3t" not in msg
    with pytest.raises(ms.SmtpConfigError, match="明文"):  # smtp_connect refuses on its own too
        ms.smtp_connect(config)
    # no user, no password on the wire: plain SMTP stays allowed
    assert ms.check_login_security(ms.SmtpConfig(host="h", port=25, security="none")) == ""


def test_plain_text_login_when_allowed_warns_and_sends(tmp_path, smtp_server):
    from aiosmtpd.smtp import AuthResult

    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((mechanism, auth_data.login, auth_data.password, session.ssl))
        return AuthResult(success=True)

    drafts = write(tmp_path / "out")
    box = Mailbox()
    ctl = Controller(box, hostname="127.0.0.1", port=free_port(), authenticator=authenticator, auth_require_tls=False)
    ctl.start()
    try:
        config = ms.SmtpConfig(
            host="127.0.0.1",
            port=ctl.port,
            security="none",
            user="lgyz@suizhou.gov.cn",
            sender="lgyz@suizhou.gov.cn",
            password="s3cr3t",
            timeout=10,
            allow_plaintext_login=True,
        )
        warning = ms.check_login_security(config)
        assert warning.startswith("警告") and "明文" in warning and "s3cr3t" not in warning
        summary = send(drafts, tmp_path / "h.sqlite", config)
    finally:
        ctl.stop()
    assert summary.count(ms.SENT) == 5
    assert logins and logins[0][1:] == (b"lgyz@suizhou.gov.cn", b"s3cr3t", None)  # what the flag allows


def test_starttls_not_offered_stops_without_falling_back(tmp_path, smtp_server):
    drafts = write(tmp_path / "out")
    box = Mailbox()
    plain = smtp_server(box)  # aiosmtpd without a TLS context does not offer STARTTLS
    config = ms.SmtpConfig(
        host="127.0.0.1",
        port=plain.port,
        security="starttls",
        sender="lgyz@suizhou.gov.cn",
        user="lgyz@suizhou.gov.cn",
        password="s3cr3t",
        timeout=10,
    )
    summary = send(drafts, tmp_path / "h.sqlite", config)
    assert not box.received
    assert summary.count(ms.FAILED) == 1 and summary.count(ms.NOT_ATTEMPTED) == 4
    assert "STARTTLS" in summary.fatal and "不会改用不加密的连接" in summary.fatal
    text = ms.format_summary(summary)
    assert "发送中止" in text and "STARTTLS" in text
    log = sqlite3.connect(tmp_path / "h.sqlite").execute("SELECT status FROM mail_log").fetchall()
    assert log == [("failed",)]  # no 'sending': nothing of the message went out


@pytest.mark.parametrize("flag, code", [((), 2), (("--allow-plaintext-login",), 0)])
def test_cli_refuses_plain_text_login_unless_allowed(tmp_path, smtp_server, monkeypatch, capsys, flag, code):
    from aiosmtpd.smtp import AuthResult

    from lingong import cli

    out = tmp_path / "out"
    write(out / "2023H1")
    box = Mailbox()
    ctl = Controller(
        box,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=lambda *a: AuthResult(success=True),
        auth_require_tls=False,
    )
    ctl.start()
    try:
        for k in [k for k in os.environ if k.startswith("LINGONG_SMTP_")]:
            monkeypatch.delenv(k)
        for k, v in {
            ms.ENV_HOST: "127.0.0.1",
            ms.ENV_PORT: str(ctl.port),
            ms.ENV_SECURITY: "none",
            ms.ENV_USER: "lgyz@suizhou.gov.cn",
            ms.ENV_PASSWORD: "s3cr3t",
        }.items():
            monkeypatch.setenv(k, v)
        rc = cli.main(["send", "--period", "2023H1", "--output", str(out), *flag])
    finally:
        ctl.stop()
    got = capsys.readouterr()
    assert rc == code
    assert "s3cr3t" not in got.out + got.err
    if code == 2:
        assert "无法运行" in got.err and "已拒绝发送" in got.err and "--allow-plaintext-login" in got.err
        assert not box.received
    else:
        assert got.err.startswith("警告") and "明文" in got.err
        assert len(box.received) == 5 and "已发送 5 封" in got.out


# ---- recipients are checked again when sending ------------------------------------


@pytest.mark.parametrize(
    "to, extra, why",
    [
        ("gs-002@example.cn, spy@evil.example", "", "应为一个地址"),
        ('"GS" <gs-002@example.cn>', "", "不是一个单纯的电子邮箱地址"),
        ('"驿站" <gs-002@example.cn>', "", "不是一个单纯的电子邮箱地址"),
        ("gs-002@example.cn,", "", "不是一个单纯的电子邮箱地址"),
        ("gs-002@example.cn", "Bcc: spy@evil.example\r\n", "Bcc"),
        ("gs-002@example.cn", "Cc: spy@evil.example\r\n", "Cc"),
    ],
)
def test_a_draft_edited_to_add_a_recipient_is_not_sent(tmp_path, smtp_server, to, extra, why):
    drafts = write(tmp_path / "out")
    eml = next(r.eml for r in drafts.written if r.station == "GS-002")
    data = eml.read_bytes()
    head, _, rest = data.partition(b"\r\n\r\n")
    head = b"\r\n".join(line if not line.startswith(b"To:") else f"To: {to}".encode() for line in head.split(b"\r\n"))
    eml.write_bytes(head + b"\r\n" + extra.encode() + b"\r\n" + rest if extra else head + b"\r\n\r\n" + rest)
    box = Mailbox()
    summary = send(drafts, tmp_path / "h.sqlite", smtp_server(box))
    row = {r.station: r for r in summary.rows}["GS-002"]
    assert row.status == ms.SKIPPED and why in row.error and "重新生成草稿" in row.error
    assert "spy@evil.example" not in {a for r in box.received for a in r[1]}
    assert summary.count(ms.SENT) == 4


def test_a_dry_run_says_a_plain_text_login_would_be_refused(tmp_path, monkeypatch, capsys):
    from lingong import cli

    out = tmp_path / "out"
    write(out / "2023H1")
    for k in [k for k in os.environ if k.startswith("LINGONG_SMTP_")]:
        monkeypatch.delenv(k)
    for k, v in {
        ms.ENV_HOST: "mail.example.cn",
        ms.ENV_SECURITY: "none",
        ms.ENV_USER: "lgyz@suizhou.gov.cn",
        ms.ENV_PASSWORD: "s3cr3t",
    }.items():
        monkeypatch.setenv(k, v)
    assert cli.main(["send", "--period", "2023H1", "--output", str(out), "--dry-run"]) == 0
    got = capsys.readouterr()
    assert "正式发送时会停止" in got.err and "明文" in got.err and "将发送（试运行） 5 封" in got.out


def test_a_certificate_the_server_cannot_prove_is_said_in_chinese(tmp_path):
    """ssl.SSLCertVerificationError's text ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate
    verify failed: self-signed certificate (_ssl.c:1006)") is no message for a clerk."""
    import ssl

    drafts = write(tmp_path / "out")
    config = ms.SmtpConfig(host="smtp.example.cn", port=465, security="ssl", sender="a@b.cn", timeout=5)

    def bad_certificate(cfg):
        e = ssl.SSLCertVerificationError(
            1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)"
        )
        e.verify_message = "self-signed certificate"
        raise e

    summary = send(drafts, tmp_path / "h.sqlite", config, connect=bad_certificate, max_attempts=1)
    text = ms.format_summary(summary)
    assert "证书验证失败" in text and "自签名" in text and "网络管理员" in text
    assert "CERTIFICATE_VERIFY_FAILED" not in text and "SSLCertVerificationError" not in text


def test_blank_templates_are_mailed_only_after_mail_wrote_them(tmp_path, monkeypatch, capsys):
    """send --templates: first it says which command writes the drafts (before looking at the mail
    settings), then a dry run lists one mail per station with its own month's template."""
    from lingong import cli
    from lingong.demo import build_demo

    build_demo(tmp_path / "in")
    base = ["--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"), "--quiet"]
    for key in [k for k in os.environ if k.startswith("LINGONG_SMTP")]:
        monkeypatch.delenv(key)
    assert cli.main([*base, "send", "--templates", "--month", "2024-01", "--dry-run"]) == 2
    assert "python process.py mail --templates --month 2024-01" in capsys.readouterr().err
    assert cli.main([*base, "mail", "--templates", "--month", "2024-01"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("LINGONG_SMTP_HOST", "smtp.example.com")
    monkeypatch.setenv("LINGONG_SMTP_USER", "u")
    monkeypatch.setenv("LINGONG_SMTP_SENDER", "u@example.com")
    assert cli.main([*base, "send", "--templates", "--month", "2024-01", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "ZD-001 → zd001@example.com：将发送（试运行）" in out
    assert "ZD-001_东城街道零工驿站_2024年1月_月度运维报表.xlsx" in out
