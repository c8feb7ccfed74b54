"""process.py fetch and send --receipts end to end: settings from the file's [imap] section and
the password from the environment, the mailbox on a loopback dovecot, the receipts sent over a
loopback SMTP server (aiosmtpd) once and only once."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest

from lingong import cli, layout
from support.smtp import smtp_server

pytestmark = pytest.mark.timeout(180)


def _settings(tmp_path, filled, smtp_port: int):
    p = tmp_path / "邮件设置.toml"
    p.write_text(
        f"""[imap]
host = "{filled.config.host}"
port = {filled.config.port}
security = "ssl"
user = "{filled.config.user}"
folders = ["INBOX", "驿站报表"]
ca_file = "{filled.config.ca_file}"

[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
sender = "lgyz@suizhou.gov.cn"
""",
        encoding="utf-8",
    )
    return p


def test_fetch_then_send_receipts(tmp_path, filled, monkeypatch, capsys):
    with smtp_server() as (handler, smtp_port):
        settings = _settings(tmp_path, filled, smtp_port)
        monkeypatch.setenv("LINGONG_IMAP_PASSWORD", filled.config.password)
        base = ["--input", str(filled.input_dir), "--output", str(filled.output), "--quiet"]
        rc = cli.main([*base, "fetch", "--config", str(settings)])
        out = capsys.readouterr().out
        assert rc == 1, out  # a report was returned for correction
        assert "保存了 7 个电子表格" in out
        assert "与此前收到的相同，未重复保存" in out
        assert "回执草稿 7 封" in out
        assert "xicheng@qq.com" in out and "驿站名册中没有的电子邮箱" in out

        rc = cli.main([*base, "fetch", "--config", str(settings)])
        out = capsys.readouterr().out
        assert rc == 0 and "没有新的电子表格" in out and "没有需要写回执的新邮件" in out

        assert cli.main([*base, "send", "--receipts", "--config", str(settings), "--dry-run"]) == 0
        assert "将发送（试运行） 7 封" in capsys.readouterr().out
        assert handler.received == []
        assert cli.main([*base, "send", "--receipts", "--config", str(settings)]) == 0
        out = capsys.readouterr().out
        assert "已发送 7 封" in out
        assert len(handler.received) == 7
        assert cli.main([*base, "send", "--receipts", "--config", str(settings)]) == 0
        assert len(handler.received) == 7  # at most once
    to = sorted(r[0][0] for r in handler.received)
    assert to.count("zd001@example.com") == 3
    msgs = [BytesParser(policy=policy.default).parsebytes(c) for _, c in handler.received]
    assert all(str(m["From"]) == "lgyz@suizhou.gov.cn" for m in msgs)
    assert (filled.output / layout.RECEIPTS_FOLDER).is_dir()


def test_fetch_refuses_a_plain_text_login_unless_allowed(tmp_path, filled, monkeypatch, capsys):
    monkeypatch.setenv("LINGONG_IMAP_HOST", filled.server.host)
    monkeypatch.setenv("LINGONG_IMAP_PORT", str(filled.server.plain_port))
    monkeypatch.setenv("LINGONG_IMAP_SECURITY", "none")
    monkeypatch.setenv("LINGONG_IMAP_USER", filled.config.user)
    monkeypatch.setenv("LINGONG_IMAP_FOLDER", "INBOX,驿站报表")  # a Chinese folder name as typed
    monkeypatch.setenv("LINGONG_IMAP_PASSWORD", filled.config.password)
    base = ["--input", str(filled.input_dir), "--output", str(filled.output), "--quiet", "fetch", "--no-receipts"]
    assert cli.main(base) == 2
    assert "明文" in capsys.readouterr().err
    assert cli.main([*base, "--allow-plaintext-login"]) == 0
    captured = capsys.readouterr()
    assert "警告" in captured.err and "保存了 7 个电子表格" in captured.out


def test_fetch_over_starttls(tmp_path, filled, monkeypatch, capsys):
    monkeypatch.setenv("LINGONG_IMAP_PORT", str(filled.server.plain_port))
    monkeypatch.setenv("LINGONG_IMAP_SECURITY", "starttls")
    monkeypatch.setenv("LINGONG_IMAP_PASSWORD", filled.config.password)
    settings = _settings(tmp_path, filled, 25)
    args = ["--input", str(filled.input_dir), "--output", str(filled.output), "--quiet", "fetch", "--no-receipts"]
    assert cli.main([*args, "--config", str(settings)]) == 0, capsys.readouterr()
    assert "保存了 7 个电子表格" in capsys.readouterr().out
