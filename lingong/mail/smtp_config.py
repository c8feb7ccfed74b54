"""The SMTP settings (file, environment, secret file) and opening a secured, logged-in
connection.

Credentials go only over TLS (ssl, or starttls that the server must offer; it
never falls back to plain text); logging in over a plain connection needs
``allow_plaintext_login``. The password comes only from the environment or a
secret file, never from the command line or the repository.
"""

from __future__ import annotations

import smtplib
import ssl
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from lingong import layout
from lingong.errors import SmtpConfigError
from lingong.runtime import privacy

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


PLAINTEXT_OPTION = "--allow-plaintext-login"


class TlsUnavailable(SmtpConfigError):
    """STARTTLS is configured but the server does not offer it: no fallback to plain text."""


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


def read_secret_file(path: Path) -> str:
    p = Path(path).expanduser()
    try:
        resolved = p.resolve()
    except OSError as e:
        raise SmtpConfigError(f"邮箱密码文件 {p} 无法读取（{e}）") from None
    if resolved == layout.ROOT or layout.ROOT in resolved.parents:
        raise SmtpConfigError(
            f"邮箱密码文件 {p} 在程序文件夹内，可能被提交到代码库；请把它移到程序文件夹以外（例如用户目录）后重新设置"
        )
    try:
        text = resolved.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SmtpConfigError(f"邮箱密码文件 {p} 无法读取（{e}）；请检查路径和权限") from None
    return text.strip("\r\n")


def connection(pick, *, envs, default_ports, default_timeout, what, where, error):
    """The security, port and timeout of a mail server's settings (SMTP's and IMAP's are written
    alike): ``pick(key, env_key, default)`` reads one, ``envs`` names the three variables."""
    env_security, env_port, env_timeout = envs
    security = str(pick("security", env_security, "ssl")).strip().lower()
    if security not in SECURITIES:
        raise error(f"{what} security 为“{security}”（{where}），应为 ssl、starttls 或 none")
    port_raw = pick("port", env_port, default_ports[security])
    try:
        port = int(port_raw)
        if not 0 < port < 65536:
            raise ValueError
    except (TypeError, ValueError):
        raise error(f"{what} port 为“{port_raw}”（{where}），应为 1–65535 的端口号") from None
    try:
        timeout = float(pick("timeout", env_timeout, default_timeout))
    except (TypeError, ValueError):
        raise error(f"{what} timeout 应为秒数（{where}）") from None
    return security, port, timeout


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

    security, port, timeout = connection(
        pick,
        envs=(ENV_SECURITY, ENV_PORT, "LINGONG_SMTP_TIMEOUT"),
        default_ports=DEFAULT_PORTS,
        default_timeout=30,
        what="邮件设置",
        where=where,
        error=SmtpConfigError,
    )
    user = str(pick("user", ENV_USER, "")).strip()
    sender = str(pick("sender", ENV_SENDER, "")).strip() or user
    password = env.get(ENV_PASSWORD, "")
    if not password:
        secret = env.get(ENV_PASSWORD_FILE) or data.get("password_file")
        if secret:
            password = read_secret_file(Path(str(secret)))
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
    user = privacy.mask(config.user)
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
