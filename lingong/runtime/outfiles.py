"""Writing output files safely: atomic renames, safe names, text-only cells, masking.

Every writer goes through here so that the run-level guarantees hold in one place:
no half-written file that looks finished, no station text turned into a path,
a formula or a link, no personal data unmasked.

Over 300 lines because it is the one door every output goes through (names, atomic
writes, locked files, masking): the guarantees stay together so none is bypassed.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from lingong.model.filenames import display_path
from lingong.runtime import privacy

# The font of every workbook and document we lay out (the default font of each workbook
# new_xlsxwriter makes: it sets the unit of every column width the print plan counts in).
FONT = "宋体"
DEFAULT_FONT = {"font_name": FONT, "font_size": 10}

# A fixed document timestamp so identical runs give identical files where the
# library allows (xlsxwriter and openpyxl both write a creation date).
FIXED_TIMESTAMP = _dt.datetime(2000, 1, 1, 0, 0, 0)

# Device names Windows reserves whatever the extension ("CON.xlsx" opens the console);
# COM0/LPT0 and CONIN$/CONOUT$ are on Microsoft's list too.
_WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    "CONIN$",
    "CONOUT$",
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
}
# Characters no file system or mail program should see in a name; look-alike
# slashes and dots count too because some tools fold them to the real thing.
_BAD_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\u2215\u2044\u29f8\uff0f\uff3c\u2216\ufe68\u202e\u200b-\u200f]')
MAX_NAME_BYTES = 150
_UMASK = os.umask(0o022)
os.umask(_UMASK)  # leaves room under the 255-byte limit for prefixes and suffixes


def safe_component(text: str, fallback: str = "未命名") -> str:
    """Make station-typed text usable as one path component on every file system
    (personal numbers masked: names of outputs leave the machine too)."""
    s = _safe_text(text, fallback)
    encoded = s.encode("utf-8")
    if len(encoded) > MAX_NAME_BYTES:
        s = encoded[:MAX_NAME_BYTES].decode("utf-8", "ignore").rstrip(" ._")
    return s


def _safe_text(text: str, fallback: str) -> str:
    """safe_component before its cut to MAX_NAME_BYTES."""
    s = unicodedata.normalize("NFKC", privacy.mask(str(text or "")))
    s = _BAD_CHARS.sub("_", s)
    s = s.replace("..", "_")
    s = re.sub(r"\s+", " ", s).strip(" ._")
    if not s:
        s = fallback
    if s.split(".")[0].rstrip(" ").upper() in _WINDOWS_RESERVED:  # Windows ignores "CON .xlsx"'s space too
        s = "_" + s
    return s


def clip(text: str, max_bytes: int) -> str:
    """``text`` cut to at most ``max_bytes`` of UTF-8, at a character boundary."""
    b = text.encode("utf-8")
    return text if len(b) <= max_bytes else b[:max_bytes].decode("utf-8", "ignore")


def file_name(stem: str, suffix: str, fallback: str = "未命名", folder: Path | None = None) -> str:
    """One safe file name ``stem + suffix`` within MAX_NAME_BYTES: a long stem is cut,
    never the suffix (NFKC can make a name longer than what was typed).

    With ``folder`` (where the file goes) the whole path is kept within MAX_PATH_CHARS
    too, again by cutting the stem: put what must survive (month, kind of document) in
    ``suffix`` and the station's name at the end of ``stem``."""
    room = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    if folder is not None:
        return _fit_path(Path(folder), _safe_text(stem, fallback), suffix, room) + suffix
    return (clip(safe_component(stem, fallback), room).rstrip(" ._") or fallback) + suffix


# Windows cannot open a path over 260 UTF-16 units (MAX_PATH) in Explorer, Excel or WPS;
# 240 leaves room for the "~$" owner file Excel writes beside an open workbook and for a
# copy to a slightly deeper folder.
MAX_PATH_CHARS = 240
_MIN_STEM_CHARS = 8  # below this a name says nothing; a folder that long is over the limit anyway


def _units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2  # an output folder may be GBK bytes


def _fit_path(folder: Path, stem: str, suffix: str, max_bytes: int) -> str:
    """``stem`` cut so that ``folder/stem+suffix`` stays within MAX_PATH_CHARS and the stem
    within ``max_bytes``. A cut stem ends with ``~`` and a digest of the whole stem: two
    long names that share their start still differ, and a name is the same in every run."""
    room = MAX_PATH_CHARS - _units(str(folder.resolve())) - 1 - _units(suffix)
    if _units(stem) <= room and len(stem.encode("utf-8")) <= max_bytes:
        return stem
    tag = "~" + hashlib.sha1(stem.encode("utf-8", "surrogatepass")).hexdigest()[:6]
    keep_units, keep_bytes = room - len(tag), max_bytes - len(tag)
    out, units, size = [], 0, 0
    # At least _MIN_STEM_CHARS units even when the folder is too deep; never more than
    # the room when there is that much (a character outside the BMP is two units).
    keep_units = max(keep_units, _MIN_STEM_CHARS)
    for ch in stem:
        units, size = units + _units(ch), size + len(ch.encode("utf-8"))
        if out and (units > keep_units or size > keep_bytes):
            break
        out.append(ch)
    return "".join(out).rstrip(" ._") + tag


def inside(base: Path, *parts: str) -> Path:
    """Join ``parts`` (each made safe) under ``base`` and check the result stays inside."""
    base_r = Path(base).resolve()
    path = base_r.joinpath(*(safe_component(p) for p in parts))
    resolved = path.resolve()
    if resolved != base_r and base_r not in resolved.parents:
        raise ValueError(f"输出路径越出输出文件夹：{resolved}")
    return resolved


# What a clerk is told when the file system refuses a write (cli prints strerror and filename).
_WRITE_ERRORS = {
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "超出磁盘配额",
    errno.EFBIG: "文件超过系统允许的大小",
    errno.EROFS: "输出文件夹是只读的",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
}


def _os_error_in(exc: BaseException) -> OSError | None:
    """The OSError behind ``exc``: libraries wrap it (xlsxwriter raises FileCreateError(e))."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OSError):
            return exc
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = inner or exc.__cause__ or exc.__context__
        seen += 1
    return None


def write_error(exc: BaseException, final: Path) -> OSError | None:
    """The clerk's OSError for a write the file system refused, or None for anything else
    (left as it is: it is a bug to report, not a full disk)."""
    err = _os_error_in(exc)
    if err is None or err.errno not in _WRITE_ERRORS:
        return None
    return OSError(err.errno, _WRITE_ERRORS[err.errno], str(final))


LOCKED_HINT = "请先在 Excel/WPS 中关闭该文件，再重新运行"
# What Windows says when a file is open elsewhere or read-only: ERROR_ACCESS_DENIED,
# ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION (Python maps them to PermissionError too).
_WINDOWS_LOCKED = {5, 32, 33}


def locked_message(path: Path) -> str:
    """The clerk's sentence for an output that could not be replaced."""
    return f"未能更新 {display_path(path)}：该文件正被其他程序打开或是只读文件，本次结果没有写入它。{LOCKED_HINT}"


class OutputLocked(OSError):
    """``path`` could not be replaced: open in Excel/WPS (Windows refuses to replace an
    open file) or read-only. The new content is dropped; the old file stays as it was."""

    def __init__(self, path):
        self.path = Path(path)
        super().__init__(errno.EACCES, locked_message(self.path), display_path(self.path))

    def __reduce__(self):  # picklable, for a job that raises it in a worker process
        return type(self), (self.path,)


def _is_locked(e: OSError) -> bool:
    return isinstance(e, PermissionError) or getattr(e, "winerror", None) in _WINDOWS_LOCKED


# (pid, list) while locked_outputs() is active in that process; a forked worker inherits
# it but, with another pid, raises instead, so its job fails and is noted when the
# parent runs it again (see documents._run_jobs).
_locked_collector: tuple[int, list] | None = None


@contextlib.contextmanager
def locked_outputs():
    """Within the block an output that cannot be replaced because it is open or read-only
    is not an error: its path is appended to the yielded list and every other output is
    still written. The caller tells the clerk (locked_message) and ends with status 1."""
    global _locked_collector
    outer, found = _locked_collector, []
    _locked_collector = (os.getpid(), found)
    try:
        yield found
    finally:
        _locked_collector = outer


def _noted_as_locked(e: OutputLocked) -> bool:
    c = _locked_collector
    if c is None or c[0] != os.getpid():
        return False
    if e.path not in c[1]:
        c[1].append(e.path)
    return True


@contextlib.contextmanager
def atomic_path(final: Path):
    """Yield a temporary path beside ``final``; rename it into place only on success.

    A write the file system refuses (disk full, read-only folder) leaves no file
    behind and raises OSError with a Chinese strerror and ``final`` as filename,
    whatever library was writing. A ``final`` that cannot be replaced (open in
    Excel/WPS, read-only) raises OutputLocked, or is noted inside locked_outputs()."""
    final = Path(final)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        # The temp name must not match a glob for the real suffix ("*.eml" would pick
        # up a half-written draft left by a killed run), so the suffix goes inside.
        fd, tmp = tempfile.mkstemp(
            prefix=f"{TEMP_PREFIX}{final.suffix.lstrip('.')}-", suffix=TEMP_SUFFIX, dir=final.parent
        )
    except OSError as e:
        clerk = write_error(e, final)
        if clerk is None:
            raise
        raise clerk from e
    tmp_path = Path(tmp)
    try:
        # mkstemp makes 0600 files; outputs go to shared drives, so give them the usual mode.
        try:
            if hasattr(os, "fchmod"):  # not on Windows before Python 3.13, where it has no meaning anyway
                os.fchmod(fd, 0o666 & ~_UMASK)
        finally:
            os.close(fd)
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        try:
            os.replace(tmp_path, final)
        except OSError as e:
            if _is_locked(e):
                raise OutputLocked(final) from e
            raise
    except BaseException as e:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        if isinstance(e, OutputLocked):
            if _noted_as_locked(e):
                return
            raise
        clerk = write_error(e, final) if isinstance(e, Exception) else None
        if clerk is not None:
            raise clerk from e
        raise


TEMP_PREFIX = ".~tmp-"
TEMP_SUFFIX = ".part"


def remove_temps(root: Path) -> list[Path]:
    """Delete the temp files ``atomic_path`` leaves when a run is killed (or a writer
    process is stopped) mid-write, anywhere under ``root``; returns what was removed.

    Safe to call at the start of a run and after a failed one: no finished output
    has this prefix and suffix."""
    removed = []
    root = Path(root)
    if not root.is_dir():
        return removed
    for p in root.rglob(TEMP_PREFIX + "*" + TEMP_SUFFIX):
        with contextlib.suppress(OSError):
            if p.is_file() and not p.is_symlink():
                p.unlink()
                removed.append(p)
    return removed


_MODIFIED = re.compile(rb"(<dcterms:modified\b[^>]*>)[^<]*(</dcterms:modified>)")


def fix_zip_timestamps(path: Path) -> None:
    """Rewrite an OOXML zip (.docx, .xlsx) in place with every member dated
    FIXED_TIMESTAMP and docProps/core.xml's modified date pinned to it too.

    python-docx and openpyxl stamp the wall clock into both; this makes two runs
    give the same bytes. Call it on the temp file, inside ``atomic_path``."""
    import io
    import zipfile

    pinned = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")

    path = Path(path)
    stamp = FIXED_TIMESTAMP.timetuple()[:6]
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(buf, "w") as zout:
        for info in zin.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            data = zin.read(info)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(lambda m: m.group(1) + pinned + m.group(2), data)
            zout.writestr(fixed, data)
    path.write_bytes(buf.getvalue())


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


def new_xlsxwriter(path: Path, *, mask: bool = True):
    """An xlsxwriter Workbook with safe options, a fixed timestamp, and every cell
    text and comment it writes masked (``privacy.mask``, xlsx_masking). ``mask=False`` only for
    workbooks that stand for a station's own input (the demo's and the tests' reports and
    registry), never for an output. Written the short ways of xlsx_fast where they apply."""
    # Imported here, not with this module: the reading workers use this module and never
    # write a workbook, so they never load xlsxwriter.
    from lingong.runtime import xlsx_fast, xlsx_masking

    workbook_class, worksheet_class = xlsx_fast.classes()
    # The default font sets the unit of every column width, so the print plan can trust it;
    # a station's own input (mask=False) keeps the spreadsheet default, as a station's would.
    options = (
        {**xlsxwriter_options(), "default_format_properties": dict(DEFAULT_FONT)} if mask else xlsxwriter_options()
    )
    wb = workbook_class(str(path), options)
    if mask:
        wb.worksheet_class = xlsx_masking.masking(worksheet_class)
    wb.set_properties({"created": FIXED_TIMESTAMP, "author": "零工驿站考核工具"})
    return wb
