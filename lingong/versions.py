"""A rerun never overwrites: the files of the version it replaces are kept, as they were, in
<assessment folder>/旧版本/第N版_<考核日期>_生成于<时间>/ before the new version's are written.

Everything in the assessment's folder is that version's (its documents, the mails ``mail``
wrote, whatever a clerk saved beside them), except the folders that are not: 旧版本/ itself and,
in a period's folder, the rechecks' own folders (复查YYYY-MM-DD/). Files of a folder that an
earlier version of the tool wrote (no record) are kept the same way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from lingong import layout
from lingong.errors import FatalInput
from lingong.runtime.clock import now_china


@dataclass
class Moved:
    dest: Path
    moves: list[tuple[Path, Path]] = field(default_factory=list)  # (from, to), in the order done


def _own_entries(folder: Path, *, period_level: bool) -> list[Path]:
    if not folder.is_dir():
        return []
    keep = {layout.OLD_VERSIONS_FOLDER}
    out = []
    for p in sorted(folder.iterdir()):
        if p.name in keep or (period_level and p.is_dir() and p.name.startswith(layout.RECHECK_FOLDER_PREFIX)):
            continue
        out.append(p)
    return out


def version_files(folder: Path) -> list[Path]:
    """Every file of the version whose folder this is (its documents, its mails, what a clerk
    saved beside them), without the kept older versions and the rechecks' folders."""
    out: list[Path] = []
    for p in _own_entries(Path(folder), period_level=True):
        out.extend(sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p])
    return out


def keep_previous(out_root: Path, folder: str, replaces) -> Moved | None:
    """Move the replaced version's files (``replaces``: history.Run, or None for a first version
    whose folder an older tool filled) into the new version's 旧版本/; None if there were none."""
    new = Path(out_root).joinpath(*folder.split("/"))
    src = new
    if replaces is not None and replaces.folder:
        src = Path(out_root).joinpath(*replaces.folder.split("/"))
    entries = _own_entries(src, period_level="/" not in (replaces.folder if replaces and replaces.folder else folder))
    if not entries:
        return None
    if replaces is not None:
        name = layout.old_version_name(replaces.version, replaces.assessed_on, replaces.started_at)
    else:
        name = f"未记录的版本_移动于{now_china():%Y%m%d%H%M%S}"
    dest = new / layout.OLD_VERSIONS_FOLDER / name
    n = 2
    while dest.exists():  # the same version kept once already (a run stopped before it was recorded)
        dest = new / layout.OLD_VERSIONS_FOLDER / f"{name}_{n}"
        n += 1
    moved = Moved(dest)
    try:
        dest.mkdir(parents=True, exist_ok=False)
        for p in entries:
            target = dest / p.name
            os.replace(p, target)
            moved.moves.append((p, target))
        if src != new:  # a recheck's date corrected: its folder's earlier versions go along
            old = src / layout.OLD_VERSIONS_FOLDER
            for p in sorted(old.iterdir()) if old.is_dir() else ():
                target = new / layout.OLD_VERSIONS_FOLDER / p.name
                os.replace(p, target)
                moved.moves.append((p, target))
            for leftover in (old, src):
                try:
                    leftover.rmdir()
                except OSError:
                    pass
    except OSError as e:
        put_back(moved)
        raise FatalInput(
            f"无法把上一版的文件 {getattr(e, 'filename', '') or src} 移到 {dest}（{e.strerror or e}）："
            "可能有文件正在 Excel/WPS 中打开。请关闭后重新运行；上一版的文件没有改动。"
        ) from e
    return moved


def put_back(moved: Moved | None) -> None:
    """Undo ``keep_previous`` (the new version could not be recorded): the old files back in place."""
    if moved is None:
        return
    for src, target in reversed(moved.moves):
        try:
            src.parent.mkdir(parents=True, exist_ok=True)
            os.replace(target, src)
        except OSError:
            pass
    for p in (moved.dest, moved.dest.parent):
        try:
            p.rmdir()
        except OSError:
            pass
