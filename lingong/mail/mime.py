"""A draft as a MIME message: its headers, its attachments' names and its stable identity.

Chinese attachment names are written twice (as Outlook and Thunderbird do):
RFC 2231 ``filename*`` for programs that follow the standard, RFC 2047
``filename="=?UTF-8?B?...?="`` for those that only know that form (older
Outlook, Foxmail, several web mails). Those headers are folded by hand, so
MAIL_POLICY never refolds them. The same content gives the same bytes and the
same Message-ID on every run: that is how the sender recognises a draft it has
already sent.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import re
import urllib.parse
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from lingong.read.addresses import is_bare_address

MAIL_POLICY = policy.SMTP.clone(refold_source="none")

# Headers the sender reads back; they name what the draft is about.
H_STATION = "X-Lingong-Station"
H_PERIOD = "X-Lingong-Period"
H_KIND = "X-Lingong-Kind"
H_ATTACHMENTS = "X-Lingong-Attachments-SHA256"

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_ENCODED_WORD_BYTES = 39  # 52 base64 characters: the first line of filename="..." stays under 78
_RFC2231_WIDTH = 60


# ---- attachment names: both RFC 2047 and RFC 2231 --------------------------


def rfc2047_words(name: str) -> list[str]:
    """Encoded words, split between characters (a split UTF-8 sequence shows as garbage)."""
    words, cur = [], b""
    for ch in name:
        b = ch.encode("utf-8")
        if cur and len(cur) + len(b) > _ENCODED_WORD_BYTES:
            words.append(cur)
            cur = b""
        cur += b
    words.append(cur)
    return ["=?UTF-8?B?" + base64.b64encode(w).decode("ascii") + "?=" for w in words]


def rfc2231_segments(name: str) -> list[str]:
    """``UTF-8''%E4...`` cut into continuation segments between characters."""
    segs, cur = [], "UTF-8''"
    for ch in name:
        t = urllib.parse.quote(ch, safe="")
        if len(cur) + len(t) > _RFC2231_WIDTH and cur != "UTF-8''":
            segs.append(cur)
            cur = ""
        cur += t
    segs.append(cur)
    return segs


def _plain_ok(name: str) -> bool:
    return name.isascii() and len(name) < 60 and not any(c in name for c in '"\\\r\n')


def _filename_params(param: str, name: str) -> list[str]:
    if _plain_ok(name):
        return [f'{param}="{name}"']
    lines = [f'{param}="' + "\n ".join(rfc2047_words(name)) + '"']
    segs = rfc2231_segments(name)
    if len(segs) == 1:
        lines.append(f"{param}*={segs[0]}")
    else:
        lines.extend(f"{param}*{i}*={s}" for i, s in enumerate(segs))
    return lines


def content_type_for(name: str) -> str:
    low = name.lower()
    if low.endswith(".xlsx"):
        return XLSX_TYPE
    if low.endswith(".docx"):
        return DOCX_TYPE
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def add_attachment(msg: EmailMessage, data: bytes, name: str) -> None:
    """Attach ``data`` under ``name``, the name in both RFC 2231 and RFC 2047 form."""
    ctype = content_type_for(name)
    maintype, subtype = ctype.split("/", 1)
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename="attachment")
    part = list(msg.iter_parts())[-1]
    for h in ("Content-Type", "Content-Disposition", "MIME-Version"):
        del part[h]  # add_attachment gives every part a MIME-Version; only the top needs one
    # Content-Type's "name" carries only the 2047 form: it is what old programs read.
    # The xlsx media type makes this first line 80 characters, exactly as Outlook writes it;
    # folding before the media type would be legal but trips some programs.
    part.set_raw("Content-Type", f"{ctype};\n " + _filename_params("name", name)[0])
    part.set_raw("Content-Disposition", "attachment;\n " + ";\n ".join(_filename_params("filename", name)))


# ---- addresses ----------------------------------------------------------------


def _checked_recipients(recipients: tuple[str, ...]) -> str:
    """The To header for ``recipients``, or ValueError if any is not one checked address.

    write_drafts only passes checked addresses; this guards every other way in."""
    if not recipients or not all(isinstance(a, str) and is_bare_address(a) for a in recipients):
        raise ValueError(f"unchecked recipient address in a mail header: {recipients!r}")
    return ", ".join(recipients)


def attachments_hash(items: list[tuple[str, bytes]]) -> str:
    h = hashlib.sha256()
    for name, data in sorted(items):
        h.update(name.encode("utf-8") + b"\0" + hashlib.sha256(data).hexdigest().encode() + b"\n")
    return h.hexdigest()


def message_id(period: str, station: str, kind: str, attachments_sha256: str, sender: str = "") -> str:
    """Stable Message-ID: the same draft content gives the same id on every run."""
    digest = hashlib.sha256(f"{period}\0{station}\0{kind}\0{attachments_sha256}".encode("utf-8")).hexdigest()
    domain = sender.rsplit("@", 1)[1] if "@" in sender else "lingong.local"
    domain = re.sub(r"[^A-Za-z0-9.\-]", "", domain) or "lingong.local"
    return f"<{digest[:24]}.{period}.{kind[0]}@{domain}>"


def build_message(
    *,
    recipients: tuple[str, ...],
    subject: str,
    body: str,
    attachments: list[tuple[str, bytes]],
    msg_id: str,
    date_header: datetime | None,
    sender: str,
    station: str,
    period: str,
    kind: str,
    attachments_sha256: str,
) -> EmailMessage:
    msg = EmailMessage(policy=MAIL_POLICY)
    if sender:
        msg["From"] = sender
    msg["To"] = _checked_recipients(tuple(recipients))
    if msg["To"].defects or [a.addr_spec for a in msg["To"].addresses] != list(recipients):
        raise ValueError(f"the To header does not hold exactly {recipients!r}")
    msg["Subject"] = subject
    if date_header is not None:
        msg["Date"] = format_datetime(date_header)
    msg["Message-ID"] = msg_id
    msg["X-Unsent"] = "1"  # Outlook opens the .eml as a draft ready to send
    msg[H_STATION] = station
    msg[H_PERIOD] = period
    msg[H_KIND] = kind
    msg[H_ATTACHMENTS] = attachments_sha256
    msg.set_content(body, charset="utf-8", cte="base64")
    for name, data in attachments:
        add_attachment(msg, data, name)
    if msg.is_multipart():
        # A fixed boundary: the same draft must give the same bytes on every run.
        msg.set_boundary("=_lingong_" + hashlib.sha256(msg_id.encode()).hexdigest()[:24])
    return msg
