"""Writing output files safely: atomic renames, safe names, text-only cells, masking.

Every writer goes through here so that the run-level guarantees hold in one place:
no half-written file that looks finished, no station text turned into a path,
a formula or a link, no personal data unmasked.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import os
import re
import tempfile
import unicodedata
from pathlib import Path

# A fixed document timestamp so identical runs give identical files where the
# library allows (xlsxwriter and openpyxl both write a creation date).
FIXED_TIMESTAMP = _dt.datetime(2000, 1, 1, 0, 0, 0)

_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}
# Characters no file system or mail program should see in a name; look-alike
# slashes and dots count too because some tools fold them to the real thing.
_BAD_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\u2215\u2044\u29f8\uff0f\uff3c\u2216\ufe68\u202e\u200b-\u200f]')
MAX_NAME_BYTES = 150
_UMASK = os.umask(0o022)
os.umask(_UMASK)  # leaves room under the 255-byte limit for prefixes and suffixes


def safe_component(text: str, fallback: str = "未命名") -> str:
    """Make station-typed text usable as one path component on every file system."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    s = _BAD_CHARS.sub("_", s)
    s = s.replace("..", "_")
    s = re.sub(r"\s+", " ", s).strip(" ._")
    if not s:
        s = fallback
    if s.split(".")[0].upper() in _WINDOWS_RESERVED:
        s = "_" + s
    encoded = s.encode("utf-8")
    if len(encoded) > MAX_NAME_BYTES:
        s = encoded[:MAX_NAME_BYTES].decode("utf-8", "ignore").rstrip(" ._")
    return s


def inside(base: Path, *parts: str) -> Path:
    """Join ``parts`` (each made safe) under ``base`` and check the result stays inside."""
    base_r = Path(base).resolve()
    path = base_r.joinpath(*(safe_component(p) for p in parts))
    resolved = path.resolve()
    if resolved != base_r and base_r not in resolved.parents:
        raise ValueError(f"输出路径越出输出文件夹：{resolved}")
    return resolved


@contextlib.contextmanager
def atomic_path(final: Path):
    """Yield a temporary path beside ``final``; rename it into place only on success."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~tmp-", suffix=final.suffix, dir=final.parent)
    # mkstemp makes 0600 files; outputs go to shared drives, so give them the usual mode.
    os.fchmod(fd, 0o666 & ~_UMASK)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, final)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def write_bytes_atomic(final: Path, data: bytes) -> None:
    with atomic_path(final) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(final: Path, text: str) -> None:
    write_bytes_atomic(final, text.encode("utf-8"))


def xlsxwriter_options() -> dict:
    """Options for every xlsxwriter workbook: station text stays text."""
    return {
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "in_memory": True,
    }


def new_xlsxwriter(path: Path):
    """An xlsxwriter Workbook with safe options and a fixed timestamp."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), xlsxwriter_options())
    wb.set_properties({"created": FIXED_TIMESTAMP, "author": "零工驿站考核工具"})
    return wb


def mask_id(value: str) -> str:
    """420302199001011234 -> 420302********1234 (GB 11643 numbers and anything similar)."""
    s = str(value or "").strip()
    if len(s) <= 8:
        return "*" * len(s)
    return s[:6] + "*" * (len(s) - 10) + s[-4:]


def mask_phone(value: str) -> str:
    """13812345678 -> 138****5678; landlines keep area code and last 2 digits."""
    s = str(value or "").strip()
    digits = re.sub(r"\D", "", s)
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    if len(digits) >= 7:
        return digits[:4] + "*" * (len(digits) - 6) + digits[-2:]
    return "*" * len(s)


_ID_RE = re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?!\d)")
_MOBILE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_text(text: str) -> str:
    """Mask any ID or mobile number found inside free text (found/expected fields of issues)."""
    s = _ID_RE.sub(lambda m: m.group(1) + "*" * 8 + m.group(3), str(text))
    return _MOBILE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), s)
