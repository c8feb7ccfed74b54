"""Files dropped on the page, stored in the input folder without ever losing one.

- A file is stored under ``<input>/网页上传/<YYYY-MM>/`` by its own name, made safe for
  every file system (no folders, no reserved or control characters, personal numbers masked).
- Content already in the input folder (anywhere: a clerk's copy, an earlier drop) is
  recognised by its SHA-256 and not stored again; the verdict is that file's.
- A different file under a name already taken is kept beside it as ``名称（第2版）.xlsx``:
  nothing in the input folder is overwritten, moved or deleted.
- A .zip is opened and its spreadsheets stored one by one (``压缩包名_成员名``); names inside
  zips made on Chinese Windows are GBK though the zip says CP437, and are read as such.
- Written to a temporary owner-file name (``~$…``, which the reader skips) and renamed, so an
  assessment running meanwhile never reads half a file.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lingong.discover.limits import MAX_FILE_BYTES
from lingong.discover.walk import SPREADSHEET_EXTS, discover
from lingong.intake.names import zip_member_name
from lingong.runtime.outfiles import safe_component

UPLOAD_FOLDER = "网页上传"
MAX_FILES = 300  # one request: a month of a city is about 100 reports
MAX_ZIP_MEMBERS = 500
MAX_ZIP_TOTAL = 256 * 1024 * 1024  # unpacked bytes of one zip: a bomb stops here
ZIP_EXT = ".zip"
STORED, SAME, REFUSED = "已保存", "内容相同，未重复保存", "未保存"


@dataclass(frozen=True)
class Stored:
    """What became of one dropped file (or one member of a dropped zip)."""

    original: str  # as the browser named it (a zip member: 压缩包/成员)
    outcome: str  # STORED / SAME / REFUSED
    rel: str = ""  # relative to the input folder, "/"-separated: the file that holds the content
    note: str = ""  # why refused, or which file already had it (Chinese)


def clean_name(name: str) -> str:
    """The last component of a browser's file name, safe as a file name (its extension kept)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, ext = os.path.splitext(base)
    ext = ext.lower() if ext.lower() in SPREADSHEET_EXTS | {ZIP_EXT} else safe_component(ext, "")
    return safe_component(stem, "未命名") + ext


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def unpack(name: str, data: bytes) -> tuple[list[tuple[str, str, bytes]], list[Stored]]:
    """A dropped file as (shown name, name to store, bytes) items: a zip's spreadsheets, or the
    file itself.
    The second list: what was refused (not a spreadsheet, too large, a broken zip)."""
    if os.path.splitext(name)[1].lower() != ZIP_EXT:
        return [(name, name, data)], []
    items, refused, total = [], [], 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = [i for i in z.infolist() if not i.is_dir()]
            if len(infos) > MAX_ZIP_MEMBERS:
                return [], [Stored(name, REFUSED, note=f"压缩包中有 {len(infos)} 个文件，超过 {MAX_ZIP_MEMBERS} 个")]
            for info in infos:
                base = zip_member_name(info)
                shown = f"{name}/{base}"
                if base.startswith((".", "~$")) or "__MACOSX" in info.filename:
                    continue  # Mac resource forks and owner files travel in zips unasked
                if os.path.splitext(base)[1].lower() not in SPREADSHEET_EXTS:
                    refused.append(Stored(shown, REFUSED, note="不是表格文件，未保存"))
                    continue
                if info.file_size > MAX_FILE_BYTES or total + info.file_size > MAX_ZIP_TOTAL:
                    refused.append(Stored(shown, REFUSED, note="文件太大（超过 64 MB），不可能是月报，未保存"))
                    continue
                with z.open(info) as fh:
                    body = fh.read(MAX_FILE_BYTES + 1)  # the declared size may lie
                if len(body) > MAX_FILE_BYTES:
                    refused.append(Stored(shown, REFUSED, note="文件太大（超过 64 MB），不可能是月报，未保存"))
                    continue
                total += len(body)
                items.append((shown, f"{os.path.splitext(clean_name(name))[0]}_{base}", body))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, RuntimeError) as e:
        note = "压缩包已加密，请解压后再上传" if "encrypted" in str(e) else "压缩包已损坏或不是 zip 格式，无法打开"
        return [], [Stored(name, REFUSED, note=note)]
    return items, refused


def _known_contents(input_dir: Path, exclude: Path | None) -> dict[int, list[Path]]:
    """The input folder's spreadsheets by size: only a file of the same size can be the same."""
    by_size: dict[int, list[Path]] = {}
    for p, _rel in discover(input_dir, exclude=exclude).candidates:
        try:
            by_size.setdefault(p.stat().st_size, []).append(p)
        except OSError:
            continue
    return by_size


def _rel(input_dir: Path, p: Path) -> str:
    return p.relative_to(input_dir).as_posix()


def _free_path(folder: Path, name: str) -> Path:
    p = folder / name
    stem, ext = os.path.splitext(name)
    n = 2
    while p.exists():
        p = folder / f"{stem}（第{n}版）{ext}"
        n += 1
    return p


def store(files: list[tuple[str, bytes]], input_dir: Path, *, today: date, exclude: Path | None = None) -> list[Stored]:
    """Store dropped ``files`` (browser name, content) under the input folder; one Stored each
    (a zip: one per member). Never overwrites, moves or deletes anything."""
    input_dir = Path(input_dir).absolute()
    folder = input_dir / UPLOAD_FOLDER / f"{today.year:04d}-{today.month:02d}"
    known = _known_contents(input_dir, exclude)
    hashes: dict[Path, str] = {}
    out: list[Stored] = []
    for name, data in files:
        items, refused = unpack(name, data)
        out.extend(refused)
        for shown, item_name, body in items:
            clean = clean_name(item_name)
            if os.path.splitext(clean)[1] not in SPREADSHEET_EXTS:
                out.append(Stored(shown, REFUSED, note="不是表格文件（.xlsx、.xls、.et、.ods 或其压缩包），未保存"))
                continue
            if len(body) > MAX_FILE_BYTES:
                out.append(Stored(shown, REFUSED, note="文件太大（超过 64 MB），不可能是月报，未保存"))
                continue
            digest = _sha(body)
            same = None
            for p in known.get(len(body), ()):
                if p not in hashes:
                    try:
                        hashes[p] = _sha(p.read_bytes())
                    except OSError:
                        hashes[p] = ""
                if hashes[p] == digest:
                    same = p
                    break
            if same is not None:
                out.append(
                    Stored(
                        shown,
                        SAME,
                        rel=_rel(input_dir, same),
                        note=f"输入文件夹中已有内容相同的文件：{_rel(input_dir, same)}",
                    )
                )
                continue
            folder.mkdir(parents=True, exist_ok=True)
            dest = _free_path(folder, clean)
            tmp = folder / f"~${os.getpid()}_{digest[:12]}{os.path.splitext(clean)[1]}"
            try:
                tmp.write_bytes(body)
                while True:
                    try:  # link-then-unlink: never replaces a file that appeared meanwhile
                        os.link(tmp, dest)
                        break
                    except FileExistsError:
                        dest = _free_path(folder, clean)
                    except OSError:  # file systems without hard links (some shares)
                        if dest.exists():
                            dest = _free_path(folder, clean)
                            continue
                        os.replace(tmp, dest)
                        break
            finally:
                tmp.unlink(missing_ok=True)
            known.setdefault(len(body), []).append(dest)
            hashes[dest] = digest
            out.append(Stored(shown, STORED, rel=_rel(input_dir, dest)))
    return out
