"""Mails as stations' mail programs write them, as bytes to APPEND to a test mailbox: attachment
names in RFC 2047 (GBK), RFC 2231 (UTF-8) and raw 8-bit GBK, a zip packed on Chinese Windows."""

from __future__ import annotations

import base64
import io
import itertools
import zipfile
from email.header import Header

_ids = itertools.count(1)


def _head(sender: str, subject: str, boundary: str, message_id: str | None) -> bytes:
    mid = message_id or f"<fixture-{next(_ids)}@station.example>"
    subj = Header(subject, "gbk").encode()
    return (
        f"From: {sender}\r\nTo: bureau@example.com\r\nSubject: {subj}\r\nMessage-ID: {mid}\r\n"
        f"Date: Mon, 03 Jul 2023 10:00:00 +0800\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n请查收。\r\n"
    ).encode("utf-8")


def _part(disposition: bytes, data: bytes, boundary: str) -> bytes:
    b64 = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return (
        f"--{boundary}\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n".encode()
        + b"Content-Disposition: attachment; "
        + disposition
        + b"\r\n\r\n"
        + b64
    )


def rfc2047_gbk(name: str) -> bytes:
    return b'filename="=?GBK?B?' + base64.b64encode(name.encode("gbk")) + b'?="'


def rfc2231_utf8(name: str) -> bytes:
    from urllib.parse import quote

    return b"filename*=UTF-8''" + quote(name, safe="").encode("ascii")


def raw_gbk(name: str) -> bytes:
    return b'filename="' + name.encode("gbk") + b'"'


def mail(
    sender: str, subject: str, attachments: list[tuple[bytes, bytes]] = (), message_id: str | None = None
) -> bytes:
    """``attachments``: (disposition parameters as one of the functions above writes them, data)."""
    boundary = f"=_fixture_{next(_ids)}"
    out = _head(sender, subject, boundary, message_id)
    for disposition, data in attachments:
        out += _part(disposition, data, boundary)
    return out + f"--{boundary}--\r\n".encode()


def gbk_zip(members: dict[str, bytes]) -> bytes:
    """A zip as Windows' own 'send to compressed folder' makes it on a Chinese PC: names in
    GBK bytes, no UTF-8 flag."""
    buf = io.BytesIO()
    names = {}
    with zipfile.ZipFile(buf, "w") as z:
        for i, (name, data) in enumerate(members.items()):
            gbk = name.encode("gbk")
            # zipfile sets the UTF-8 flag for any non-ASCII name: write a placeholder of the
            # same length and put the GBK bytes in its place (the name is in no checksum).
            placeholder = f"{i}".rjust(len(gbk), "Q").encode("ascii")
            names[placeholder] = gbk
            z.writestr(placeholder.decode("ascii"), data)
    raw = buf.getvalue()
    for placeholder, gbk in names.items():
        raw = raw.replace(placeholder, gbk)
    return raw
