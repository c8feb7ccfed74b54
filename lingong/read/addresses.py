"""The registry's 电子邮箱: exactly one bare address per station, or a reason why not.

A registry cell ends up in a To header and in the SMTP envelope, so anything
that could add a second recipient is refused rather than repaired: a CR/LF
(``a@b.c\\r\\nBcc: x@y.z``), a comma or semicolon between two addresses, a
display name with angle brackets (``"x" <x@y.z>``), comments, quotes. The
syntax of the address is the standard library's (``email.headerregistry``);
only the domain's shape (labels of letters, digits and hyphens, at least one
dot) is checked here because RFC 5322 accepts ``abc@qq``.

What stations type harmlessly is accepted: full-width characters (＠, ．),
surrounding spaces, ``mailto:``, and separators at either end (``a@b.cn；``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from email.errors import MessageError
from email.headerregistry import Address

# Separators a registry cell may end with; inside the address they would mean a second one.
_EDGE = " \t,;，；、/"
_SEPARATORS = re.compile(r"[,;，；、/\s]")
_NAME_MARKS = set('<>"()[]')
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_TLD = re.compile(r"^(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$")
EXAMPLE = "zhangsan@163.com"


@dataclass(frozen=True)
class AddressCheck:
    address: str  # the one usable address, "" when none
    problem: str  # why the text cannot be used, in Chinese; "" when usable or empty
    shown: str  # the text as typed, control characters made visible, for messages

    @property
    def empty(self) -> bool:
        return not self.address and not self.problem


def visible(text: str) -> str:
    """The text with line breaks, control and invisible format characters shown, not acted on."""
    s = re.sub(r"\r\n|\r|\n", "（换行）", str(text or ""))
    names = {"Cc": "控制字符", "Cf": "格式字符"}
    return "".join(
        f"（{names[unicodedata.category(ch)]} U+{ord(ch):04X}）"
        if unicodedata.category(ch) in names and ch != "\t"
        else ch
        for ch in s
    )


def _domain_problem(domain: str) -> str:
    labels = domain.split(".")
    if len(labels) < 2:
        return f"域名“{domain}”不完整，应像 163.com、qq.com 这样带点号"
    if not all(_LABEL.match(label) for label in labels) or not _TLD.match(labels[-1]):
        return f"域名“{domain}”不是有效的域名"
    return ""


def check_address(text: object) -> AddressCheck:
    """One registry 电子邮箱 cell -> the address it holds, or the problem with it."""
    raw = "" if text is None else str(text)
    shown = visible(raw.strip())
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t" for ch in raw.strip()):
        return AddressCheck("", "含有换行符或控制字符（可能借此加入其他收件人）", shown)
    s = unicodedata.normalize("NFKC", raw).strip(_EDGE)
    if s[:7].lower() == "mailto:":
        s = s[7:].strip(_EDGE)
    if not s:
        return AddressCheck("", "", shown)
    if any(unicodedata.category(ch) == "Cf" for ch in s):
        return AddressCheck("", "含有看不见的格式字符（如零宽空格），请删除后重新输入", shown)
    if s.count("@") > 1:
        return AddressCheck("", f"填写了 {s.count('@')} 个地址；每个驿站只能填一个电子邮箱", shown)
    if _NAME_MARKS.intersection(s):
        return AddressCheck("", f"含有名称、引号、括号或尖括号；只填写地址本身，如 {EXAMPLE}", shown)
    if _SEPARATORS.search(s):
        return AddressCheck("", "地址中间有空格、逗号、分号或顿号", shown)
    if "@" not in s:
        return AddressCheck("", f"不是电子邮箱地址（没有 @），应像 {EXAMPLE} 这样", shown)
    if not s.isascii():
        return AddressCheck("", "含有汉字或其他非英文字符", shown)
    try:
        parsed = Address(addr_spec=s)
    except (ValueError, MessageError):  # the parser's defects are ValueErrors; HeaderParseError is not
        return AddressCheck("", f"不是有效的电子邮箱地址，应像 {EXAMPLE} 这样", shown)
    if parsed.addr_spec != s or not parsed.username:
        return AddressCheck("", f"不是有效的电子邮箱地址，应像 {EXAMPLE} 这样", shown)
    problem = _domain_problem(parsed.domain)
    if problem:
        return AddressCheck("", problem, shown)
    return AddressCheck(s, "", shown)


def is_bare_address(address: str) -> bool:
    """True when ``address`` is exactly one checked address, as check_address returns it."""
    return bool(address) and check_address(address).address == address
