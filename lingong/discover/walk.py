"""Finding the files of a run: every spreadsheet under the input folder, and a
plain list of what was passed over and why.

Nothing here opens a file; it only lists folders and reads metadata, so it is
fast on thousands of files and cannot be upset by their contents.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from lingong.catalogue.issues import issue
from lingong.model.filenames import display_names
from lingong.model.records import KIND_SKIPPED, FileOutcome, Issue

# .et is WPS's own format: an OLE2 (BIFF) or zip workbook that calamine reads by content.
# .xlsb (Excel's binary workbook) is read by calamine too; its return copy is rebuilt as .xlsx.
SPREADSHEET_EXTS = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".et"})
_WINDOWS_HIDDEN = 0x2  # FILE_ATTRIBUTE_HIDDEN: Windows marks hidden files by attribute, not by a dot
MAX_DEPTH = 32  # deeper than any real folder tree; stops pathological nesting

REASON_LOCK = "Excel/WPS/LibreOffice 打开文件时产生的临时锁定文件"
REASON_HIDDEN = "隐藏文件"
REASON_NOT_SHEET = "不是表格文件（扩展名 {ext}）"
REASON_NO_EXT = "不是表格文件（没有扩展名）"
REASON_TEMPLATE_XLTX = "Excel 模板文件（.xltx/.xlt），不是报表"
REASON_NOT_REGULAR = "不是普通文件"
REASON_OUTPUT = "本程序的输出文件夹（--output），不作为输入读取"
# Table-like files a station might send instead of the template: say what to do.
_SPECIAL = {
    ".csv": "CSV 文本文件，未读取；请使用报表模板填写后报送 .xlsx",
    ".numbers": "Numbers 表格，未读取；请导出为 .xlsx 后重新报送",
}


@dataclass
class Discovery:
    # (absolute path as the OS named it, relative posix path as shown): the two differ when
    # a name is not proper text (GBK bytes on Linux); open by the first, show the second.
    candidates: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[FileOutcome] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    excluded: str = ""  # relative path of the output folder inside the input folder, "" when none


def is_lock_name(name: str) -> bool:
    """Owner files: ``~$x.xlsx`` (Excel, WPS) and ``.~lock.x.xlsx#`` (LibreOffice)."""
    return name.startswith("~$") or (name.startswith(".~lock.") and name.endswith("#"))


def skip_reason(name: str) -> str | None:
    """Why a file of this name is not read, or None when it is a candidate."""
    if is_lock_name(name):
        return REASON_LOCK
    if name.startswith("."):
        return REASON_HIDDEN
    ext = os.path.splitext(name)[1].lower()
    if ext in SPREADSHEET_EXTS:
        return None
    if ext in (".xltx", ".xlt", ".xltm"):
        return REASON_TEMPLATE_XLTX
    if ext in _SPECIAL:
        return _SPECIAL[ext]
    if not ext:
        return REASON_NO_EXT
    return REASON_NOT_SHEET.format(ext=ext)


def stat_signature(path: Path) -> tuple[int, int]:
    """(size, mtime_ns): compare before and after reading to catch a file still being copied in."""
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def _real(path: Path) -> str:
    return os.path.normcase(os.path.realpath(path))


def output_inside_input(input_dir: Path, output_dir: Path) -> str | None:
    """Where the output folder lies in the input folder: "" when they are the same
    folder, the relative posix path when it is inside, None when it is elsewhere
    (an input inside the output folder, as the demo's 样例输入, is not a concern)."""
    inp, out = _real(input_dir), _real(output_dir)
    if inp == out or (os.path.exists(inp) and os.path.exists(out) and os.path.samefile(inp, out)):
        return ""
    try:
        rel = os.path.relpath(out, inp)
    except ValueError:  # another drive on Windows
        return None
    if rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
        return None
    return Path(rel).as_posix()


def discover(input_dir: Path, exclude: Path | None = None) -> Discovery:
    """List spreadsheets under ``input_dir`` (recursively, sorted by relative path).

    Hidden folders are not entered; symlinked folders are not followed (a link
    loop cannot hang the run); a folder that cannot be listed is an F012 issue
    and the rest goes on. ``exclude`` (the output folder) is not entered when it
    lies inside: a second run must not read the first one's 退回 copies and
    results as reports; it is listed once as skipped."""
    root = Path(input_dir).absolute()
    out = Discovery()
    skip = output_inside_input(root, exclude) if exclude is not None else None
    out.excluded = os.path.normcase(skip) if skip else ""
    _walk(root, "", out, 0)
    out.candidates.sort(key=lambda t: t[1])
    out.skipped.sort(key=lambda o: o.file)
    return out


def _walk(folder: Path, rel: str, out: Discovery, depth: int) -> None:
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except OSError as e:
        out.issues.append(issue("F012", file=rel or ".", found=_os_reason(e)))
        return
    shown = display_names(e.name for e in entries)
    for entry in entries:
        name = shown[entry.name]
        rel_child = f"{rel}/{name}" if rel else name
        try:
            if entry.is_dir(follow_symlinks=False):
                if out.excluded and os.path.normcase(rel_child) == out.excluded:
                    out.skipped.append(FileOutcome(rel_child + "/", KIND_SKIPPED, REASON_OUTPUT))
                elif name.startswith("."):
                    out.skipped.append(FileOutcome(rel_child + "/", KIND_SKIPPED, "隐藏文件夹，未读取"))
                elif depth >= MAX_DEPTH:
                    out.issues.append(issue("F012", file=rel_child, found="文件夹层级过深"))
                else:
                    _walk(folder / entry.name, rel_child, out, depth + 1)
                continue
            if entry.is_symlink():
                target_is_dir = entry.is_dir(follow_symlinks=True)
                if target_is_dir:
                    out.skipped.append(FileOutcome(rel_child, KIND_SKIPPED, "指向其他文件夹的快捷方式，未读取"))
                    continue
            st = entry.stat(follow_symlinks=True)
        except OSError as e:
            out.skipped.append(FileOutcome(rel_child, KIND_SKIPPED, f"无法读取文件信息（{_os_reason(e)}）"))
            continue
        if not stat.S_ISREG(st.st_mode):
            out.skipped.append(FileOutcome(rel_child, KIND_SKIPPED, REASON_NOT_REGULAR, size=0))
            continue
        reason = skip_reason(name)
        if reason is None and getattr(st, "st_file_attributes", 0) & _WINDOWS_HIDDEN:
            reason = REASON_HIDDEN
        if reason:
            out.skipped.append(FileOutcome(rel_child, KIND_SKIPPED, reason, size=st.st_size, mtime=st.st_mtime))
        else:
            out.candidates.append((folder / entry.name, rel_child))


def _os_reason(e: OSError) -> str:
    # Also said of files (a link to a deleted file), so it names neither file nor folder.
    if isinstance(e, PermissionError):
        return "没有访问权限"
    if isinstance(e, FileNotFoundError):
        return "已不存在（可能是指向已删除文件的快捷方式）"
    if e.errno == errno.ELOOP:
        return "快捷方式循环指向自身"
    return e.strerror or type(e).__name__
