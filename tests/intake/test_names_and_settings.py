"""Attachment names in every form Chinese mail programs write them, and the [imap] settings."""

from __future__ import annotations

import base64
from email import policy
from email.parser import BytesParser

import pytest

from lingong.errors import ImapConfigError
from lingong.intake.imap_config import check_config, load_imap_config
from lingong.intake.names import attachment_name, sender_address


def _part(disposition: bytes) -> object:
    raw = b"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; " + disposition + b"\r\n\r\nx"
    return BytesParser(policy=policy.compat32).parsebytes(raw)


@pytest.mark.parametrize(
    "disposition",
    [
        # GB2312 declared, GBK-only character 堃 (as Foxmail writes it): read as GB18030
        b'filename="=?GB2312?B?' + base64.b64encode("堃城驿站3月.xlsx".encode("gbk")) + b'?="',
        # RFC 2231 with continuations
        b"filename*0*=UTF-8''%E5%A0%83%E5%9F%8E; filename*1*=%E9%A9%BF%E7%AB%993%E6%9C%88.xlsx",
        # raw 8-bit GBK, as old Outlook writes it
        b'filename="' + "堃城驿站3月.xlsx".encode("gbk") + b'"',
        # raw 8-bit UTF-8
        b'filename="' + "堃城驿站3月.xlsx".encode("utf-8") + b'"',
        # RFC 2047 split over two words, Q-encoded GB18030
        b'filename="=?gb18030?Q?'
        + "".join(f"={b:02X}" for b in "堃城".encode("gb18030")).encode()
        + b"?= =?gb18030?B?"
        + base64.b64encode("驿站3月.xlsx".encode("gb18030"))
        + b'?="',
    ],
)
def test_attachment_names(disposition):
    assert attachment_name(_part(disposition)) == "堃城驿站3月.xlsx"


def test_a_path_in_the_name_keeps_only_the_file_name():
    assert attachment_name(_part(b'filename="C:\\\\Users\\\\a\\\\3.xlsx"')) == "3.xlsx"


def test_sender_in_gbk():
    raw = b"From: =?GBK?B?" + base64.b64encode("东城".encode("gbk")) + b"?= <ZD001@Example.COM>\r\n\r\n"
    assert sender_address(BytesParser(policy=policy.compat32).parsebytes(raw)) == ("zd001@example.com", "东城")


def test_settings_from_the_file_and_the_environment(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('[imap]\nhost = "imap.qq.com"\nuser = "a@qq.com"\nfolders = ["INBOX", "驿站报表"]\n', encoding="utf-8")
    c = load_imap_config(p, {"LINGONG_IMAP_PASSWORD": "abcdabcdabcdabcd"})
    assert (c.host, c.port, c.security, c.folders) == ("imap.qq.com", 993, "ssl", ("INBOX", "驿站报表"))
    assert "abcd" not in repr(c)
    c = load_imap_config(p, {"LINGONG_IMAP_FOLDER": "报表", "LINGONG_IMAP_SECURITY": "starttls"})
    assert (c.folders, c.port) == (("报表",), 143)
    with pytest.raises(ImapConfigError, match="授权码"):
        check_config(c)  # no password


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[imap]\npassword = "x"\n', "密码不能写在配置文件里"),
        ('[imap]\nhots = "x"\n', "未知的设置项“hots”"),
        ('[imap]\nsecurity = "tls"\n', "应为 ssl、starttls 或 none"),
    ],
)
def test_settings_refused(tmp_path, text, message):
    p = tmp_path / "s.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ImapConfigError, match=message):
        load_imap_config(p, {})
