"""Opening the mailbox: TLS as configured, LOGIN, then the IMAP ID command where the server
offers it (163 and 126 refuse SELECT with "Unsafe Login" until a client has said who it is).

IMAPClient rather than bare imaplib: it has ID, modified UTF-7 folder names (Chinese folders),
read-only SELECT and parsed FETCH responses, and is maintained."""

from __future__ import annotations

import socket
import ssl

from lingong import __version__
from lingong.errors import MailboxError
from lingong.intake.imap_config import ImapConfig, check_config

QQ_HOSTS = ("qq.com", "foxmail.com")
NETEASE_HOSTS = ("163.com", "126.com", "yeah.net")


def _provider(config: ImapConfig) -> str:
    where = f"{config.host.lower()} {config.user.lower()}"
    if any(h in where for h in QQ_HOSTS):
        return "qq"
    if any(h in where for h in NETEASE_HOSTS):
        return "netease"
    return ""


def login_refused_text(config: ImapConfig, server_text: str) -> str:
    """Why the login failed in the clerk's words, with the provider's 授权码 where it needs one."""
    head = f"收信服务器 {config.host} 拒绝登录账号 {config.user}（服务器回答：{server_text}）。"
    kind = _provider(config)
    if kind == "qq":
        return head + (
            "QQ 邮箱收信要用“授权码”，不是 QQ 密码：登录 QQ 邮箱网页版，打开 设置 → 账号，找到“POP3/IMAP/SMTP/"
            "Exchange/CardDAV/CalDAV服务”，开启 IMAP/SMTP 服务，按提示用手机发短信验证后会显示一串 16 位授权码；"
            "把这串授权码（不是 QQ 密码）设为环境变量 LINGONG_IMAP_PASSWORD 后重新运行 fetch"
        )
    if kind == "netease":
        return head + (
            "网易邮箱（163、126）收信要用“客户端授权密码”：登录网页版，打开 设置 → POP3/SMTP/IMAP，开启 IMAP/SMTP 服务"
            "并按提示设置授权码，把授权码设为环境变量 LINGONG_IMAP_PASSWORD 后重新运行 fetch"
        )
    return head + "请核对账号和密码（有的邮箱要用单独的授权码或客户端专用密码）后重新运行 fetch"


def imap_connect(config: ImapConfig):
    """A logged-in IMAPClient; MailboxError with the clerk's message when that fails."""
    from imapclient import IMAPClient
    from imapclient.exceptions import IMAPClientError, LoginError

    check_config(config)
    ctx = ssl.create_default_context(cafile=config.ca_file or None)
    where = f"{config.host}:{config.port}"
    try:
        client = IMAPClient(
            config.host, port=config.port, ssl=config.security == "ssl", ssl_context=ctx, timeout=config.timeout
        )
    except ssl.SSLError as e:
        raise MailboxError(
            f"与收信服务器 {where} 的加密连接失败（{e}）；请核对端口（SSL 通常为 993）和 security 设置"
        ) from None
    except (OSError, IMAPClientError) as e:
        raise MailboxError(f"无法连接收信服务器 {where}（{e}）；请检查网络、服务器地址和端口") from None
    try:
        client.normalise_times = False  # INTERNALDATE with its zone: the month of receipt is China's
        if config.security == "starttls":
            if not client.has_capability("STARTTLS"):
                raise MailboxError(
                    f"收信服务器 {where} 没有提供 STARTTLS 加密，已停止（不会改用不加密的连接）。"
                    "请核对端口，或改用 security = ssl（端口 993）"
                )
            client.starttls(ctx)
        try:
            client.login(config.user, config.password)
        except LoginError as e:
            raise MailboxError(login_refused_text(config, error_text(e))) from None
        if client.has_capability("ID"):
            try:
                client.id_({"name": "lingong", "version": __version__, "vendor": "lingong"})
            except IMAPClientError:
                pass  # ID is a courtesy where the server does not insist; SELECT says if it does
        return client
    except MailboxError:
        close_quietly(client)
        raise
    except ssl.SSLError as e:
        close_quietly(client)
        raise MailboxError(f"与收信服务器 {where} 建立加密连接失败（{e}）") from None
    except (OSError, socket.timeout, IMAPClientError) as e:
        close_quietly(client)
        raise MailboxError(f"收信服务器 {where} 连接中断（{error_text(e)}）；请稍后重新运行 fetch") from None


def unsafe_login_text(config: ImapConfig, folder: str, server_text: str) -> str:
    return (
        f"收信服务器 {config.host} 拒绝打开文件夹“{folder}”（{server_text}）。网易邮箱（163、126）在客户端没有发送"
        "IMAP ID 命令时这样回答；本程序在服务器提供 ID 时会发送。请在邮箱网页版 设置 → POP3/SMTP/IMAP 中确认已开启"
        " IMAP 服务，稍后重新运行 fetch"
    )


def error_text(e: BaseException) -> str:
    t = e.args[0] if e.args else e
    if isinstance(t, bytes):
        t = t.decode("utf-8", "replace")
    return str(t).strip() or type(e).__name__


def close_quietly(client) -> None:
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the connection is gone either way
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001
            pass
