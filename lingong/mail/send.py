"""Sending the drafts written by mail/drafts over SMTP, at most once each.

Sending is its own command and never the default. The history database (table
mail_log, keyed by station, kind and the draft's Message-ID) gets a 'sending'
row committed before each SMTP transaction and 'sent' committed after the
server's acceptance, so a run killed half-way resumes where it stopped. A
message still 'sending' on resume may or may not have been delivered (the
server can accept it just before the process dies): it is listed as 状态不明
and sent again only when the clerk asks (``resend_unknown``). The same holds
when the connection breaks after the whole message went out but before the
server answered. A connection that fails before that point is reopened and the
message retried a bounded number of times; a refused address is recorded and
not retried; one station's failure never stops the others.

Credentials go only over TLS (ssl, or starttls that the server must offer; it
never falls back to plain text); logging in over a plain connection needs
``allow_plaintext_login``. The password comes only from the environment or a
secret file, never from the command line or the repository. Recipients are
read back from the draft and must each be one checked address (lingong.read.addresses).

The settings and the connection are in smtp_config.py, one transaction in
smtp_transaction.py, the log and the summary in send_log.py; their names are also
imported from here (cli, tests). Over 300 lines because send_drafts is one loop:
the order of its log writes around each transaction is the at-most-once guarantee.
"""

from __future__ import annotations

import smtplib
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.parser import BytesParser
from email.utils import format_datetime
from pathlib import Path
from typing import Callable

from lingong.errors import SmtpConfigError
from lingong.mail.mime import H_ATTACHMENTS, H_KIND, H_PERIOD, H_STATION, MAIL_POLICY
from lingong.mail.send_log import (
    ALREADY_SENT,
    FAILED,
    LOG_FAILED,
    LOG_REFUSED,
    LOG_SENDING,
    LOG_SENT,
    NOT_ATTEMPTED,
    REFUSED,
    RESEND_OPTION,
    SENT,
    SKIPPED,
    STATUS_LABELS,
    UNKNOWN,
    WOULD_SEND,
    SendRow,
    SendSummary,
    connect_send_log,
    format_summary,
    log_rows,
    record_send,
)
from lingong.mail.smtp_config import (
    ENV_HOST,
    ENV_PASSWORD,
    ENV_PASSWORD_FILE,
    ENV_PORT,
    ENV_SECURITY,
    ENV_SENDER,
    ENV_USER,
    PLAINTEXT_OPTION,
    SmtpConfig,
    TlsUnavailable,
    check_login_security,
    load_smtp_config,
    smtp_connect,
)
from lingong.mail.smtp_transaction import DeliveryUnknown, is_permanent, send_transaction, smtp_error_text
from lingong.read.addresses import is_bare_address
from lingong.runtime import privacy

# The sending command's names, one module to import them from (cli, tests).
__all__ = [
    "ALREADY_SENT",
    "ENV_HOST",
    "ENV_PASSWORD",
    "ENV_PASSWORD_FILE",
    "ENV_PORT",
    "ENV_SECURITY",
    "ENV_SENDER",
    "ENV_USER",
    "FAILED",
    "NOT_ATTEMPTED",
    "PLAINTEXT_OPTION",
    "REFUSED",
    "RESEND_OPTION",
    "SENT",
    "SKIPPED",
    "STATUS_LABELS",
    "UNKNOWN",
    "WOULD_SEND",
    "SendRow",
    "SendSummary",
    "SmtpConfig",
    "SmtpConfigError",
    "TlsUnavailable",
    "check_login_security",
    "format_summary",
    "load_smtp_config",
    "send_drafts",
    "smtp_connect",
]


@dataclass
class _Draft:
    path: Path
    msg: object
    station: str
    period: str
    kind: str
    message_id: str
    att_hash: str
    recipients: tuple[str, ...]
    subject: str
    attachments: tuple[str, ...]
    bad_recipients: str = ""


def _recipients(msg) -> tuple[tuple[str, ...], str]:
    """The draft's To addresses, and why they cannot be used ("" when they can).

    A draft holds one checked address (mail/drafts); a draft edited by hand or
    written by an older version with a second address, a name, a Cc or a Bcc is
    refused rather than sent to whoever it names."""
    to = msg.get_all("To", [])
    addresses = tuple(a for h in to for a in getattr(h, "addresses", ()))
    found = tuple(a.addr_spec for a in addresses)
    if not to:
        return (), ""
    extra = [h for h in ("Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc") if msg.get(h) is not None]
    if extra:
        return found, f"草稿中有 {'、'.join(extra)} 收件人"
    if len(to) != 1 or len(addresses) != 1:
        return found, f"草稿的收件人应为一个地址，现为 {len(addresses)} 个（{'、'.join(found)}）"
    bare = addresses[0].addr_spec
    raw = [str(v).strip() for k, v in msg.raw_items() if k.lower() == "to"]
    if to[0].defects or raw != [bare] or not is_bare_address(bare):
        return found, f"草稿的收件人“{privacy.mask(str(to[0]))}”不是一个单纯的电子邮箱地址"
    return found, ""


def _load_draft(path: Path) -> _Draft:
    msg = BytesParser(policy=MAIL_POLICY).parsebytes(path.read_bytes())
    recipients, bad_recipients = _recipients(msg)
    return _Draft(
        path=path,
        msg=msg,
        station=str(msg.get(H_STATION, "")).strip(),
        period=str(msg.get(H_PERIOD, "")).strip(),
        kind=str(msg.get(H_KIND, "results")).strip(),
        message_id=str(msg.get("Message-ID", "")).strip(),
        att_hash=str(msg.get(H_ATTACHMENTS, "")).strip(),
        recipients=recipients,
        bad_recipients=bad_recipients,
        subject=str(msg.get("Subject", "")),
        attachments=tuple(p.get_filename() or "" for p in msg.iter_attachments()),
    )


def _wire_bytes(d: _Draft, sender: str, now: datetime) -> bytes:
    msg = d.msg
    for h in ("X-Unsent", "From", "Date", "Bcc"):
        del msg[h]
    msg["From"] = sender
    msg["Date"] = format_datetime(now)
    return msg.as_bytes(policy=MAIL_POLICY)


def send_drafts(
    drafts_dir: Path,
    db_path: Path,
    config: SmtpConfig,
    *,
    period: str,
    dry_run: bool,
    max_attempts: int = 3,
    connect: Callable[[SmtpConfig], smtplib.SMTP] = smtp_connect,
    run_id: str = "",
    now: Callable[[], datetime] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[str], None] | None = None,
    retry_refused: bool = False,
    resend_unknown: bool = False,
) -> SendSummary:
    """Send every .eml in ``drafts_dir`` that mail_log does not show as sent.

    ``connect`` opens a logged-in SMTP connection (tests pass their own); ``sleep``
    waits between retries (1 s, 2 s, ...). An address refused with 5xx in an
    earlier run is not tried again unless ``retry_refused`` (or the registry's
    address changed); a message whose delivery is unknown (left 'sending') is
    not sent again unless ``resend_unknown``. Nothing is sent, and nothing
    recorded, when ``dry_run``."""
    now = now or (lambda: datetime.now(timezone.utc).astimezone())
    max_attempts = max(1, int(max_attempts))
    drafts_dir = Path(drafts_dir)
    paths = sorted(drafts_dir.glob("*.eml")) if drafts_dir.is_dir() else []
    if not dry_run:
        if not config.host:
            raise SmtpConfigError(
                f"没有设置邮件服务器地址：请在邮件配置文件 [smtp] 中写 host，或设置环境变量 {ENV_HOST}"
            )
        if not config.sender:
            raise SmtpConfigError(f"没有设置发件人：请在邮件配置文件 [smtp] 中写 sender，或设置环境变量 {ENV_SENDER}")
        if config.user and not config.password:
            raise SmtpConfigError(
                f"没有找到邮箱密码：请设置环境变量 {ENV_PASSWORD}，或把密码存入程序文件夹以外的文件"
                f"并用环境变量 {ENV_PASSWORD_FILE} 指向它（不接受命令行参数）"
            )
        check_login_security(config)
    run_id = run_id or "send-" + now().strftime("%Y%m%dT%H%M%S")
    con = None
    if not dry_run or Path(db_path).exists():
        con = connect_send_log(Path(db_path))
    rows: list[SendRow] = []
    smtp = None
    fatal = ""
    connect_failures = 0

    def drop():
        nonlocal smtp
        if smtp is not None:
            try:
                smtp.quit()
            except Exception:  # noqa: BLE001 - the connection is gone either way
                try:
                    smtp.close()
                except Exception:  # noqa: BLE001
                    pass
        smtp = None

    try:
        for path in paths:
            try:
                d = _load_draft(path)
            except Exception as e:  # noqa: BLE001 - a damaged draft must not stop the others
                rows.append(
                    SendRow(
                        path.stem,
                        (),
                        "",
                        (),
                        SKIPPED,
                        error=f"草稿无法读取（{smtp_error_text(e)}），请重新生成",
                        eml=path.name,
                    )
                )
                continue
            base = dict(
                station=d.station or path.stem,
                recipients=d.recipients,
                subject=d.subject,
                attachments=d.attachments,
                message_id=d.message_id,
                eml=path.name,
            )
            if d.period != period:
                rows.append(
                    SendRow(status=SKIPPED, error=f"草稿属于考核期 {d.period or '未知'}，本次发送的是 {period}", **base)
                )
                continue
            if d.kind not in ("results", "templates", "receipts"):
                rows.append(SendRow(status=SKIPPED, error=f"草稿类型“{d.kind}”无法识别，请重新生成草稿", **base))
                continue
            if d.bad_recipients:
                rows.append(
                    SendRow(
                        status=SKIPPED,
                        error=f"{d.bad_recipients}，未发送；请核对驿站名册中的电子邮箱后重新生成草稿",
                        **base,
                    )
                )
                continue
            if not d.recipients or not d.message_id:
                rows.append(SendRow(status=SKIPPED, error="草稿缺少收件人或 Message-ID，请重新生成草稿", **base))
                continue
            recipient = ", ".join(d.recipients)
            history = log_rows(con, d.station, d.kind, d.message_id)
            tries = max((h[2] or 0 for h in history), default=0)
            if any(h[0] == LOG_SENT for h in history):
                rows.append(SendRow(status=ALREADY_SENT, attempts=tries, **base))
                continue
            unknown = [h for h in history if h[0] == LOG_SENDING]
            if unknown and not resend_unknown:
                rows.append(
                    SendRow(
                        status=UNKNOWN,
                        attempts=tries,
                        error=(
                            f"上次发送（{unknown[0][3][:19].replace('T', ' ')}）在对方服务器确认之前中断，无法确定驿站是否已收到，"
                            "未自动重发"
                        ),
                        **base,
                    )
                )
                continue
            if not retry_refused and any(h[0] == LOG_REFUSED and h[1] == recipient for h in history):
                rows.append(
                    SendRow(
                        status=REFUSED,
                        attempts=tries,
                        error="此前已被对方服务器拒收，未再发送；请核对驿站名册中的电子邮箱后重新生成草稿",
                        **base,
                    )
                )
                continue
            if fatal:
                rows.append(SendRow(status=NOT_ATTEMPTED, error=fatal, **base))
                continue
            if dry_run:
                rows.append(SendRow(status=WOULD_SEND, **base))
                continue

            status, error, attempts = FAILED, "", 0
            log = dict(
                run_id=run_id,
                period=period,
                station=d.station,
                kind=d.kind,
                recipient=recipient,
                message_id=d.message_id,
                att_hash=d.att_hash,
            )
            while attempts < max_attempts:
                attempts += 1
                stamp = now()
                began = False  # 'sending' committed: what follows finishes this attempt's row
                try:
                    if smtp is None:
                        smtp = connect(config)
                        connect_failures = 0
                    record_send(con, **log, status=LOG_SENDING, error="", now=stamp.isoformat())
                    began = True
                    refused = send_transaction(
                        smtp, config.sender, list(d.recipients), _wire_bytes(d, config.sender, stamp)
                    )
                    status = SENT
                    error = (
                        ("部分地址被拒收：" + "；".join(f"{a}：{c}" for a, (c, _) in refused.items()))
                        if refused
                        else ""
                    )
                except DeliveryUnknown as e:
                    status = UNKNOWN
                    error = f"邮件已全部发出，但等待服务器确认时连接中断（{e}），无法确定驿站是否已收到，未自动重发"
                    drop()
                except TlsUnavailable as e:
                    status, error, fatal = FAILED, str(e), str(e)
                    drop()
                except (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused) as e:
                    status, error = FAILED, smtp_error_text(e)
                    fatal = f"邮件服务器拒绝了登录或发件人（{error}）；请检查用户名、授权码和发件人设置，其余邮件未发送"
                    drop()
                except smtplib.SMTPRecipientsRefused as e:
                    status, error = REFUSED, smtp_error_text(e)
                    if all(400 <= c < 500 for c, _ in e.recipients.values()):
                        status = FAILED  # 4xx: mailbox busy or greylisting, worth another try
                        if any(c == 421 for c, _ in e.recipients.values()):
                            drop()  # the server closed the line: the retry needs a new one
                except smtplib.SMTPResponseException as e:
                    status, error = FAILED, smtp_error_text(e)
                    if smtp is None:
                        connect_failures += 1
                    if is_permanent(e) and smtp is not None:  # a 5xx will be refused again: do not retry
                        record_send(
                            con, **log, status=LOG_FAILED, error=error, now=stamp.isoformat(), new_attempt=not began
                        )
                        break
                    drop()
                except (smtplib.SMTPException, OSError) as e:
                    # Dropped connection, timeout, refused connection before the message's end:
                    # it cannot have been delivered, so reconnect and retry.
                    status, error = FAILED, smtp_error_text(e)
                    if smtp is None:
                        connect_failures += 1
                    drop()
                if status == UNKNOWN:
                    # The row stays 'sending': a later run lists it exactly like one killed here.
                    record_send(con, **log, status=LOG_SENDING, error=error, now=stamp.isoformat(), new_attempt=False)
                    break
                record_send(
                    con,
                    **log,
                    status={SENT: LOG_SENT, REFUSED: LOG_REFUSED}.get(status, LOG_FAILED),
                    error=error,
                    now=stamp.isoformat(),
                    new_attempt=not began,
                )
                if status in (SENT, REFUSED) or fatal:
                    break
                if connect_failures >= max_attempts:
                    fatal = f"连续 {connect_failures} 次无法连接邮件服务器（{error}）；请检查网络和服务器设置，其余邮件未发送"
                    break
                if attempts < max_attempts:
                    sleep(float(2 ** (attempts - 1)))
            rows.append(SendRow(status=status, attempts=tries + attempts, error=error, **base))
            if progress:
                progress(f"{d.station} {recipient}：{STATUS_LABELS[status]}")
    finally:
        drop()
        if con is not None:
            con.close()
    return SendSummary(period=period, dry_run=dry_run, rows=tuple(rows), fatal=fatal)
