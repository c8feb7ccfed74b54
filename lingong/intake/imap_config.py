"""The IMAP settings of ``fetch``: the [imap] section of the mail settings file, overridden by
LINGONG_IMAP_* variables, the password only from the environment or a secret file.

As for SMTP, credentials go only over TLS (ssl, or starttls that the server must offer) unless
the clerk typed ``--allow-plaintext-login``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from lingong.errors import ImapConfigError
from lingong.mail.smtp_config import connection, read_secret_file
from lingong.runtime.privacy import mask

ENV_HOST = "LINGONG_IMAP_HOST"
ENV_PORT = "LINGONG_IMAP_PORT"
ENV_SECURITY = "LINGONG_IMAP_SECURITY"
ENV_USER = "LINGONG_IMAP_USER"
ENV_PASSWORD = "LINGONG_IMAP_PASSWORD"
ENV_PASSWORD_FILE = "LINGONG_IMAP_PASSWORD_FILE"
ENV_FOLDER = "LINGONG_IMAP_FOLDER"
ENV_TIMEOUT = "LINGONG_IMAP_TIMEOUT"

DEFAULT_PORTS = {"ssl": 993, "starttls": 143, "none": 143}
CONFIG_KEYS = ("host", "port", "security", "user", "password_file", "folder", "folders", "timeout", "ca_file")
PLAINTEXT_OPTION = "--allow-plaintext-login"


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    security: str  # ssl | starttls | none
    user: str = ""
    password: str = field(default="", repr=False)
    folders: tuple[str, ...] = ("INBOX",)  # as the clerk types them (Chinese), not modified UTF-7
    timeout: float = 60.0
    source: str = ""  # where the settings came from, for messages
    allow_plaintext_login: bool = False  # only from the command line, never from a file
    ca_file: str = ""  # a mail server with its own CA (a government mail system), or a test server

    @property
    def account(self) -> str:
        """Who the fetch state belongs to: another mailbox starts its own UIDs."""
        return f"{self.user}@{self.host}:{self.port}"


def _section(config_path: Path) -> tuple[dict, str]:
    where = str(config_path)
    try:
        raw = tomllib.loads(Path(config_path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ImapConfigError(f"找不到邮件配置文件 {config_path}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ImapConfigError(f"邮件配置文件 {config_path} 无法读取（{e}）；请按 TOML 格式修改") from None
    data = raw.get("imap", {})
    if not isinstance(data, dict):
        raise ImapConfigError(f"邮件配置文件 {config_path} 的 imap 应是一个 [imap] 小节")
    for key in data:
        if key == "password":
            raise ImapConfigError(
                f"邮件配置文件 {config_path} 的 [imap] 中写了 password：密码不能写在配置文件里。"
                f"请删除该行，改用环境变量 {ENV_PASSWORD}，或把密码单独存入程序文件夹以外的"
                "文件并用 password_file 指向它"
            )
        if key not in CONFIG_KEYS:
            raise ImapConfigError(
                f"邮件配置文件 {config_path} 的 [imap] 中有未知的设置项“{key}”；可用的设置项：{'、'.join(CONFIG_KEYS)}"
            )
    return data, where


def load_imap_config(config_path: Path | None, env: Mapping[str, str]) -> ImapConfig:
    """Settings from the TOML file's [imap] section overridden by LINGONG_IMAP_* variables."""
    data, where = _section(config_path) if config_path is not None else ({}, "环境变量")

    def pick(key: str, env_key: str, default=""):
        v = env.get(env_key)
        return v if v not in (None, "") else data.get(key, default)

    security, port, timeout = connection(
        pick,
        envs=(ENV_SECURITY, ENV_PORT, ENV_TIMEOUT),
        default_ports=DEFAULT_PORTS,
        default_timeout=60,
        what="收信设置",
        where=where,
        error=ImapConfigError,
    )
    if env.get(ENV_FOLDER):
        folders = tuple(f.strip() for f in env[ENV_FOLDER].split(",") if f.strip())
    elif "folders" in data:
        folders = tuple(str(f).strip() for f in data["folders"] if str(f).strip())
    else:
        folders = (str(data.get("folder", "INBOX")).strip() or "INBOX",)
    password = env.get(ENV_PASSWORD, "")
    if not password:
        secret = env.get(ENV_PASSWORD_FILE) or data.get("password_file")
        if secret:
            try:
                password = read_secret_file(Path(str(secret)))
            except Exception as e:  # noqa: BLE001 - the SMTP reader's message, as an IMAP settings error
                raise ImapConfigError(str(e)) from None
    return ImapConfig(
        host=str(pick("host", ENV_HOST, "")).strip(),
        port=port,
        security=security,
        user=str(pick("user", ENV_USER, "")).strip(),
        password=password,
        folders=folders or ("INBOX",),
        timeout=timeout,
        source=where,
        ca_file=str(data.get("ca_file", "")).strip(),
    )


def check_config(config: ImapConfig) -> str:
    """Refuse what cannot work (no host, no user or password, a plain-text login not allowed);
    the warning to print for an allowed plain-text login, else ""."""
    if not config.host:
        raise ImapConfigError(f"没有设置收信服务器地址：请在邮件配置文件 [imap] 中写 host，或设置环境变量 {ENV_HOST}")
    if not config.user:
        raise ImapConfigError(f"没有设置收信邮箱账号：请在邮件配置文件 [imap] 中写 user，或设置环境变量 {ENV_USER}")
    if not config.password:
        raise ImapConfigError(
            f"没有找到收信邮箱的密码（QQ 邮箱、163 邮箱为授权码）：请设置环境变量 {ENV_PASSWORD}，"
            f"或把它存入程序文件夹以外的文件并用环境变量 {ENV_PASSWORD_FILE} 指向它（不接受命令行参数）"
        )
    if config.security != "none":
        return ""
    user = mask(config.user)
    if not config.allow_plaintext_login:
        raise ImapConfigError(
            f"收信设置 security 为 none（不加密），同时设置了登录用户“{user}”（{config.source}）："
            "用户名和密码会以明文在网络上传送，已拒绝收信。请把 security 改为 ssl（端口 993）或 starttls"
            f"（端口 143），也可用环境变量 {ENV_SECURITY} 设置；只有邮件服务器在本机或可信的内部网络上、"
            f"确实不支持加密时，才可加 {PLAINTEXT_OPTION}"
        )
    return (
        f"警告：收信服务器 {config.host}:{config.port} 的连接没有加密（security = none），用户“{user}”的密码"
        f"将以明文发送（按 {PLAINTEXT_OPTION} 继续）。请尽快改用 ssl 或 starttls。"
    )
