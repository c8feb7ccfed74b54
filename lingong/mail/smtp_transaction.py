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


def send_transaction(smtp: smtplib.SMTP, sender: str, recipients: list[str], wire: bytes) -> dict:
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
        raise DeliveryUnknown(smtp_error_text(e)) from e
    if code != 250:
        _abandon(smtp, code)
        raise smtplib.SMTPDataError(code, resp)
    return refused


def is_permanent(e: smtplib.SMTPResponseException) -> bool:
    return 500 <= int(getattr(e, "smtp_code", 0) or 0) < 600


def smtp_error_text(e: BaseException) -> str:
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        return "；".join(
            f"{a}：{c} {m.decode('utf-8', 'replace') if isinstance(m, bytes) else m}"
            for a, (c, m) in e.recipients.items()
        )
    if isinstance(e, smtplib.SMTPResponseException):
        m = e.smtp_error.decode("utf-8", "replace") if isinstance(e.smtp_error, bytes) else str(e.smtp_error)
        return f"{e.smtp_code} {m}"
    cn = _network_cause(e)
    if cn:
        return cn
    return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__


# OpenSSL's reasons for refusing a server certificate, as the clerk reads them.
_CERT_REASONS = (
    ("expired", "证书已过期"),
    ("not yet valid", "证书尚未生效"),
    ("self-signed", "服务器使用自签名证书"),
    ("self signed", "服务器使用自签名证书"),
    ("hostname mismatch", "证书与服务器地址不符"),
    ("doesn't match", "证书与服务器地址不符"),
    ("unable to get local issuer", "找不到签发该证书的机构"),
    ("revoked", "证书已被吊销"),
)


def _network_cause(e: BaseException) -> str:
    """A TLS or network failure in Chinese, with what to check; "" for anything else."""
    import socket
    import ssl

    if isinstance(e, ssl.SSLCertVerificationError):
        text = f"{e.verify_message or ''} {e}".lower()
        why = next((cn for en, cn in _CERT_REASONS if en in text), "证书无法验证")
        return (
            f"邮件服务器的加密证书验证失败：{why}。请核对服务器地址是否写对；"
            "地址无误时请联系单位网络管理员（证书过期，或网络中有设备拦截了加密连接）"
        )
    if isinstance(e, ssl.SSLError):
        return "与邮件服务器建立加密连接失败（加密方式不匹配）；请核对端口与 security 设置（ssl 通常是 465，starttls 是 587）"
    if isinstance(e, socket.gaierror):
        return "找不到邮件服务器的地址；请核对服务器地址和网络连接"
    if isinstance(e, ConnectionRefusedError):
        return "邮件服务器拒绝连接；请核对服务器地址和端口"
    if isinstance(e, (TimeoutError, socket.timeout)):
        return "连接邮件服务器超时；请检查网络，或稍后再试"
    return ""
