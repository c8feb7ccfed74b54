"""One SMTP transaction, telling a message certainly not delivered from one whose
delivery is unknown (the connection broke after the whole message went out)."""

from __future__ import annotations

import re
import smtplib


class DeliveryUnknown(smtplib.SMTPException):
    """The whole message went out but the server's answer did not come back."""


def _dot_stuffed(wire: bytes) -> bytes:
    """DATA's transparency (RFC 5321 4.5.2), as smtplib.SMTP.data does it."""
    q = re.sub(rb"(?m)^\.", b"..", wire)
    if not q.endswith(b"\r\n"):
        q += b"\r\n"
    return q + b".\r\n"


def _abandon(smtp: smtplib.SMTP, code: int) -> None:
    """After a refusal, as sendmail does: 421 means the server is closing the line; else RSET."""
    if code == 421:
        smtp.close()
        return
    try:
        smtp.rset()
    except smtplib.SMTPServerDisconnected:  # the refusal is the error to report, not the lost line
        pass


def _transaction(smtp: smtplib.SMTP, sender: str, recipients: list[str], wire: bytes) -> dict:
    """smtplib's sendmail, but telling a failure before the end of the message
    (certainly not delivered: raised as smtplib raises it) from one after it
    (DeliveryUnknown: the server may have queued it)."""
    smtp.ehlo_or_helo_if_needed()
    code, resp = smtp.mail(sender)
    if code != 250:
        _abandon(smtp, code)
        raise smtplib.SMTPSenderRefused(code, resp, sender)
    refused = {}
    for rcpt in recipients:
        code, resp = smtp.rcpt(rcpt)
        if code not in (250, 251):
            refused[rcpt] = (code, resp)
        if code == 421 or len(refused) == len(recipients):
            _abandon(smtp, code)
            raise smtplib.SMTPRecipientsRefused(refused)
    code, resp = smtp.docmd("DATA")
    if code != 354:
        _abandon(smtp, code)
        raise smtplib.SMTPDataError(code, resp)
    smtp.send(_dot_stuffed(wire))
    try:
        code, resp = smtp.getreply()
    except (smtplib.SMTPServerDisconnected, OSError) as e:
        raise DeliveryUnknown(_err_text(e)) from e
    if code != 250:
        _abandon(smtp, code)
        raise smtplib.SMTPDataError(code, resp)
    return refused


def _is_permanent(e: smtplib.SMTPResponseException) -> bool:
    return 500 <= int(getattr(e, "smtp_code", 0) or 0) < 600


def _err_text(e: BaseException) -> str:
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        return "；".join(
            f"{a}：{c} {m.decode('utf-8', 'replace') if isinstance(m, bytes) else m}"
            for a, (c, m) in e.recipients.items()
        )
    if isinstance(e, smtplib.SMTPResponseException):
        m = e.smtp_error.decode("utf-8", "replace") if isinstance(e.smtp_error, bytes) else str(e.smtp_error)
        return f"{e.smtp_code} {m}"
    return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
