"""Sending the drafts written by mail_drafts over SMTP, at most once each.

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
"""

from __future__ import annotations

import re
import smtplib
import sqlite3
import ssl
import time
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.parser import BytesParser
from email.utils import format_datetime
from pathlib import Path
from typing import Callable, Mapping

from lingong import layout
from lingong.errors import SmtpConfigError  # noqa: F401 - also imported from here
from lingong.mail.drafts import H_ATTACHMENTS, H_KIND, H_PERIOD, H_STATION, MAIL_POLICY
from lingong.read.addresses import is_bare_address
from lingong.runtime import outfiles

ENV_HOST = "LINGONG_SMTP_HOST"
ENV_PORT = "LINGONG_SMTP_PORT"
ENV_SECURITY = "LINGONG_SMTP_SECURITY"
ENV_USER = "LINGONG_SMTP_USER"
ENV_SENDER = "LINGONG_SMTP_SENDER"
ENV_PASSWORD = "LINGONG_SMTP_PASSWORD"
ENV_PASSWORD_FILE = "LINGONG_SMTP_PASSWORD_FILE"

SECURITIES = ("ssl", "starttls", "none")
DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "none": 25}
CONFIG_KEYS = ("host", "port", "security", "user", "sender", "password_file", "timeout")

# SendRow.status
SENT = "sent"
ALREADY_SENT = "already_sent"
REFUSED = "refused"
FAILED = "failed"
WOULD_SEND = "would_send"
SKIPPED = "skipped"
NOT_ATTEMPTED = "not_attempted"
UNKNOWN = "unknown"
STATUS_LABELS = {
    SENT: "已发送",
    ALREADY_SENT: "此前已发送，本次跳过",
    REFUSED: "收件地址被拒收",
    FAILED: "发送失败",
    WOULD_SEND: "将发送（试运行）",
    SKIPPED: "未发送",
    NOT_ATTEMPTED: "未尝试发送",
    UNKNOWN: "状态不明",
}
# mail_log.status; 'sending' is committed before a transaction and outlives it only when
# the outcome is unknown.
LOG_SENDING, LOG_SENT, LOG_FAILED, LOG_REFUSED = "sending", "sent", "failed", "refused"
RESEND_OPTION = "--resend-unknown"
PLAINTEXT_OPTION = "--allow-plaintext-login"

_REPO_ROOT = layout.ROOT


class TlsUnavailable(SmtpConfigError):
    """STARTTLS is configured but the server does not offer it: no fallback to plain text."""


class DeliveryUnknown(smtplib.SMTPException):
    """The whole message went out but the server's answer did not come back."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # ssl | starttls | none
    user: str = ""
    sender: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0
    source: str = ""  # where the settings came from, for messages
    allow_plaintext_login: bool = False  # only from the command line, never from a file


def _read_secret_file(path: Path) -> str:
    p = Path(path).expanduser()
    try:
        resolved = p.resolve()
    except OSError as e:
        raise SmtpConfigError(f"邮箱密码文件 {p} 无法读取（{e}）") from None
    if resolved == _REPO_ROOT or _REPO_ROOT in resolved.parents:
        raise SmtpConfigError(
            f"邮箱密码文件 {p} 在程序文件夹内，可能被提交到代码库；请把它移到程序文件夹以外（例如用户目录）后重新设置"
        )
    try:
        text = resolved.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SmtpConfigError(f"邮箱密码文件 {p} 无法读取（{e}）；请检查路径和权限") from None
    return text.strip("\r\n")


def load_smtp_config(config_path: Path | None, env: Mapping[str, str]) -> SmtpConfig:
    """Settings from a TOML file (section [smtp]) overridden by LINGONG_SMTP_* variables.

    The password is read only from LINGONG_SMTP_PASSWORD or from a secret file
    (LINGONG_SMTP_PASSWORD_FILE or the file's password_file); a ``password``
    key in the file is refused."""
    data: dict = {}
    where = "环境变量"
    if config_path is not None:
        config_path = Path(config_path)
        where = str(config_path)
        try:
            raw = tomllib.loads(config_path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise SmtpConfigError(f"找不到邮件配置文件 {config_path}") from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise SmtpConfigError(f"邮件配置文件 {config_path} 无法读取（{e}）；请按 TOML 格式修改") from None
        data = raw.get("smtp", raw) if isinstance(raw.get("smtp", raw), dict) else {}
        for key in data:
            if key == "password":
                raise SmtpConfigError(
                    f"邮件配置文件 {config_path} 的 [smtp] 中写了 password：密码不能写在配置文件里。"
                    f"请删除该行，改用环境变量 {ENV_PASSWORD}，或把密码单独存入程序文件夹以外的"
                    "文件并用 password_file 指向它"
                )
            if key not in CONFIG_KEYS:
                raise SmtpConfigError(
                    f"邮件配置文件 {config_path} 的 [smtp] 中有未知的设置项“{key}”；"
                    f"可用的设置项：{'、'.join(CONFIG_KEYS)}"
                )

    def pick(key: str, env_key: str, default=""):
        v = env.get(env_key)
        return v if v not in (None, "") else data.get(key, default)

    security = str(pick("security", ENV_SECURITY, "ssl")).strip().lower()
    if security not in SECURITIES:
        raise SmtpConfigError(f"邮件设置 security 为“{security}”（{where}），应为 ssl、starttls 或 none")
    port_raw = pick("port", ENV_PORT, DEFAULT_PORTS[security])
    try:
        port = int(port_raw)
        if not 0 < port < 65536:
            raise ValueError
    except (TypeError, ValueError):
        raise SmtpConfigError(f"邮件设置 port 为“{port_raw}”（{where}），应为 1–65535 的端口号") from None
    try:
        timeout = float(pick("timeout", "LINGONG_SMTP_TIMEOUT", 30))
    except (TypeError, ValueError):
        raise SmtpConfigError(f"邮件设置 timeout 应为秒数（{where}）") from None
    user = str(pick("user", ENV_USER, "")).strip()
    sender = str(pick("sender", ENV_SENDER, "")).strip() or user
    password = env.get(ENV_PASSWORD, "")
    if not password:
        secret = env.get(ENV_PASSWORD_FILE) or data.get("password_file")
        if secret:
            password = _read_secret_file(Path(str(secret)))
    return SmtpConfig(
        host=str(pick("host", ENV_HOST, "")).strip(),
        port=port,
        security=security,
        user=user,
        sender=sender,
        password=password,
        timeout=timeout,
        source=where,
    )


def plaintext_login(config: SmtpConfig) -> bool:
    """True when the settings would send the user name and password over an unencrypted connection."""
    return bool(config.user) and config.security == "none"


def check_login_security(config: SmtpConfig) -> str:
    """Refuse a login over plain text unless allowed; the warning to print when allowed, else ""."""
    if not plaintext_login(config):
        return ""
    user = outfiles.mask_text(config.user)
    if not config.allow_plaintext_login:
        raise SmtpConfigError(
            f"邮件设置 security 为 none（不加密），同时设置了登录用户“{user}”（{config.source}）："
            "用户名和密码会以明文在网络上传送，已拒绝发送。请把 security 改为 ssl（端口 465）或 starttls"
            f"（端口 587），也可用环境变量 {ENV_SECURITY} 设置；只有邮件服务器在本机或可信的内部网络上、"
            f"确实不支持加密时，才可加 {PLAINTEXT_OPTION} 发送"
        )
    return (
        f"警告：邮件服务器 {config.host}:{config.port} 的连接没有加密（security = none），用户“{user}”的密码"
        f"将以明文发送（按 {PLAINTEXT_OPTION} 继续）。请尽快改用 ssl 或 starttls。"
    )


def smtp_connect(config: SmtpConfig) -> smtplib.SMTP:
    """Open, secure and log in; the default ``connect`` of send_drafts."""
    check_login_security(config)
    ctx = ssl.create_default_context()
    if config.security == "ssl":
        smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=ctx)
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        if config.security == "starttls":
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                smtp.close()
                raise TlsUnavailable(
                    f"邮件服务器 {config.host}:{config.port} 没有提供 STARTTLS 加密，已停止发送"
                    "（不会改用不加密的连接）。请核对服务器地址和端口（STARTTLS 通常是 587），"
                    "或改用 security = ssl（端口 465）"
                )
            smtp.starttls(context=ctx)
            smtp.ehlo()
    if config.user:
        smtp.login(config.user, config.password)
    return smtp


# ---- the log ----------------------------------------------------------------------


def _connect_db(db_path: Path) -> sqlite3.Connection:
    from lingong.grade import history

    return history.connect(db_path)


def _log_rows(con: sqlite3.Connection | None, station: str, kind: str, message_id: str) -> list[tuple]:
    """(status, recipient, attempts, updated_at) of a draft's log rows."""
    if con is None:
        return []
    return con.execute(
        "SELECT status, recipient, attempts, updated_at FROM mail_log WHERE station=? AND kind=? AND message_id=?",
        (station, kind, message_id),
    ).fetchall()


def _record(
    con: sqlite3.Connection,
    *,
    run_id: str,
    period: str,
    station: str,
    kind: str,
    recipient: str,
    message_id: str,
    att_hash: str,
    status: str,
    error: str,
    now: str,
    new_attempt: bool = True,
) -> None:
    """One row per draft: attempts add up across runs (``new_attempt``: this call
    starts one); committed at once, so 'sending' is on disk before the
    transaction and 'sent' the moment the server has accepted."""
    try:
        row = con.execute(
            "SELECT rowid, attempts FROM mail_log WHERE station=? AND kind=? AND message_id=? "
            "ORDER BY rowid DESC LIMIT 1",
            (station, kind, message_id),
        ).fetchone()
        if row is None:
            con.execute(
                "INSERT INTO mail_log (run_id, period, station, kind, recipient, message_id, "
                "attachment_sha256, status, attempts, last_error, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (run_id, period, station, kind, recipient, message_id, att_hash, status, 1, error, now),
            )
        else:
            con.execute(
                "UPDATE mail_log SET run_id=?, period=?, recipient=?, attachment_sha256=?, status=?, "
                "attempts=?, last_error=?, updated_at=? WHERE rowid=?",
                (run_id, period, recipient, att_hash, status, (row[1] or 0) + int(new_attempt), error, now, row[0]),
            )
        con.commit()
    except sqlite3.DatabaseError as e:
        from lingong.grade.history import HistoryError

        # Without the log a resumed run could send twice: stop sending rather than go on blind.
        raise HistoryError(
            f"写入邮件发送记录失败（{e}），已停止发送；请检查磁盘空间和输出文件夹的写入权限，"
            "再运行发送命令（已发送的不会重复发送）"
        ) from e


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


# ---- sending ------------------------------------------------------------------------


@dataclass(frozen=True)
class SendRow:
    station: str
    recipients: tuple[str, ...]
    subject: str
    attachments: tuple[str, ...]
    status: str  # SENT, ALREADY_SENT, REFUSED, FAILED, WOULD_SEND, SKIPPED, NOT_ATTEMPTED, UNKNOWN
    attempts: int = 0
    message_id: str = ""
    error: str = ""
    eml: str = ""

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class SendSummary:
    period: str
    dry_run: bool
    rows: tuple[SendRow, ...]
    fatal: str = ""  # why sending stopped early (login refused, server unreachable)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def needs_attention(self) -> tuple[SendRow, ...]:
        return tuple(r for r in self.rows if r.status in (REFUSED, FAILED, SKIPPED, NOT_ATTEMPTED, UNKNOWN))


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

    A draft holds one checked address (mail_drafts); a draft edited by hand or
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
        return found, f"草稿的收件人“{outfiles.mask_text(str(to[0]))}”不是一个单纯的电子邮箱地址"
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
        con = _connect_db(Path(db_path))
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
                        error=f"草稿无法读取（{_err_text(e)}），请重新生成",
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
            if d.kind not in ("results", "templates"):
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
            history = _log_rows(con, d.station, d.kind, d.message_id)
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
                    _record(con, **log, status=LOG_SENDING, error="", now=stamp.isoformat())
                    began = True
                    refused = _transaction(
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
                    status, error = FAILED, _err_text(e)
                    fatal = f"邮件服务器拒绝了登录或发件人（{error}）；请检查用户名、授权码和发件人设置，其余邮件未发送"
                    drop()
                except smtplib.SMTPRecipientsRefused as e:
                    status, error = REFUSED, _err_text(e)
                    if all(400 <= c < 500 for c, _ in e.recipients.values()):
                        status = FAILED  # 4xx: mailbox busy or greylisting, worth another try
                        if any(c == 421 for c, _ in e.recipients.values()):
                            drop()  # the server closed the line: the retry needs a new one
                except smtplib.SMTPResponseException as e:
                    status, error = FAILED, _err_text(e)
                    if smtp is None:
                        connect_failures += 1
                    if _is_permanent(e) and smtp is not None:  # a 5xx will be refused again: do not retry
                        _record(
                            con, **log, status=LOG_FAILED, error=error, now=stamp.isoformat(), new_attempt=not began
                        )
                        break
                    drop()
                except (smtplib.SMTPException, OSError) as e:
                    # Dropped connection, timeout, refused connection before the message's end:
                    # it cannot have been delivered, so reconnect and retry.
                    status, error = FAILED, _err_text(e)
                    if smtp is None:
                        connect_failures += 1
                    drop()
                if status == UNKNOWN:
                    # The row stays 'sending': a later run lists it exactly like one killed here.
                    _record(con, **log, status=LOG_SENDING, error=error, now=stamp.isoformat(), new_attempt=False)
                    break
                _record(
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


def format_summary(summary: SendSummary) -> str:
    """Who got what, in Chinese, for the console."""
    head = "邮件发送试运行（没有发送任何邮件）" if summary.dry_run else "邮件发送结果"
    lines = [f"{head}：考核期 {summary.period}，草稿 {len(summary.rows)} 封"]
    counts = [
        (s, summary.count(s))
        for s in (WOULD_SEND, SENT, ALREADY_SENT, UNKNOWN, REFUSED, FAILED, SKIPPED, NOT_ATTEMPTED)
    ]
    lines.append(
        "  " + "；".join(f"{STATUS_LABELS[s]} {n} 封" for s, n in counts if n)
        if any(n for _, n in counts)
        else "  没有找到邮件草稿，请先生成草稿"
    )
    for r in summary.rows:
        to = "、".join(r.recipients) or "（无收件人）"
        att = f"；附件：{'、'.join(r.attachments)}" if r.attachments and r.status in (SENT, WOULD_SEND) else ""
        tries = f"（尝试 {r.attempts} 次）" if r.attempts > 1 and r.status != ALREADY_SENT else ""
        why = f"：{r.error}" if r.error and r.status != SENT else ""
        lines.append(f"  {r.station} → {to}：{r.label}{tries}{why}{att}")
    if summary.fatal:
        lines.append(f"发送中止：{summary.fatal}")
    unknown = summary.count(UNKNOWN)
    if unknown:
        lines.append(
            f"状态不明 {unknown} 封：发送时在对方服务器确认之前中断，驿站可能已经收到。为避免重复，"
            f"这些邮件不会自动重发；请向驿站核实，确认没有收到后加 {RESEND_OPTION} 再次运行发送命令"
        )
    if summary.needs_attention:
        lines.append(
            f"需要人工处理 {len(summary.needs_attention)} 封；再次运行发送命令只会补发未成功的邮件，"
            "已发送的不会重复发送"
        )
    return "\n".join(lines)
