"""Attachment names and senders as the stations' mail programs write them.

Chinese mail programs name attachments in three ways: RFC 2047 encoded words, often declared
GB2312 or GBK while holding GBK-only characters (so they are decoded as GB18030, the superset);
RFC 2231 ``filename*=UTF-8''…`` with continuations; and raw 8-bit GBK bytes in the header, which
the standard forbids and Foxmail and old Outlook write anyway (decoded as UTF-8 when they are
UTF-8, else as GB18030). The parser is given the message with ``compat32`` so that the raw bytes
reach us as surrogate escapes rather than as replacement characters."""

from __future__ import annotations

import re
from email.header import decode_header
from email.message import Message
from email.utils import collapse_rfc2231_value, getaddresses

_WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "euc-cn": "gb18030"}
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")


def _charset(name: str | None) -> str:
    c = (name or "").strip().lower()
    return _WIDER.get(c, c or "ascii")


def raw_text(value: str) -> str:
    """A header value that may carry raw 8-bit bytes (as surrogate escapes): UTF-8 when the
    bytes are UTF-8, else GB18030."""
    if not re.search("[\udc80-\udcff]", value):
        return value
    raw = value.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", "replace")


def decode_words(value: str) -> str:
    """RFC 2047 encoded words (also inside quotes, where mail programs put them) as text."""
    value = raw_text(value)
    if not _ENCODED_WORD.search(value):
        return value
    out = []
    try:
        parts = decode_header(value)
    except Exception:  # noqa: BLE001 - a damaged encoded word: show it as written
        return value
    for chunk, charset in parts:
        if isinstance(chunk, str):
            out.append(chunk)
            continue
        try:
            out.append(chunk.decode(_charset(charset)))
        except (LookupError, UnicodeDecodeError):
            out.append(chunk.decode("gb18030", "replace"))
    return "".join(out)


def _param(part: Message, name: str, header: str) -> str | None:
    value = part.get_param(name, None, header)
    if value is None:
        return None
    if isinstance(value, tuple):  # RFC 2231: (charset, language, text of the bytes as latin-1)
        charset, _, text = value
        raw = text.encode("latin-1", "surrogateescape") if isinstance(text, str) else text
        try:
            return raw.decode(_charset(charset))
        except (LookupError, UnicodeDecodeError):
            return raw.decode("gb18030", "replace")
    return decode_words(collapse_rfc2231_value(value).strip())


def attachment_name(part: Message) -> str:
    """The part's file name ("" when it has none): Content-Disposition's filename, else
    Content-Type's name, whichever form it is written in."""
    for key, value in list(part.raw_items()):
        if key.lower() in ("content-disposition", "content-type") and isinstance(value, str):
            if re.search("[\udc80-\udcff]", value):
                # Only the parsed copy in memory changes: the raw bytes read as text once,
                # before the parameter parser turns them into replacement characters.
                part.replace_header(key, raw_text(value))
    for name, header in (("filename", "content-disposition"), ("name", "content-type")):
        got = _param(part, name, header)
        if got:
            return got.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return ""


def sender_address(msg: Message) -> tuple[str, str]:
    """(address in lower case, display name) of the From header; ("", "") when it has none."""
    raw = msg.get_all("From", [])
    pairs = getaddresses([raw_text(str(v)) for v in raw])
    for display, addr in pairs:
        if "@" in addr:
            return addr.strip().lower(), decode_words(display)
    return "", ""


def header_text(msg: Message, name: str) -> str:
    v = msg.get(name)
    return " ".join(decode_words(str(v)).split()) if v is not None else ""


def zip_member_name(info) -> str:
    """A zip member's name: UTF-8 when the zip says so, else the CP437 Python made of the bytes
    is undone and read as GB18030 (zips packed on Chinese Windows)."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("gb18030")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name.replace("\\", "/").rsplit("/", 1)[-1].strip()
