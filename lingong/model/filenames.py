"""Input file names as a person can read them, whatever encoding made them.

A zip packed on a Chinese Windows PC and unpacked on Linux leaves names in GBK
bytes; Python hands them over with the undecodable bytes as lone surrogates
("surrogateescape"), which cannot be written to sqlite, JSON or a workbook. The
name shown everywhere (``FileOutcome.file``) is made here, once; the real name
stays with the path used to open the file.
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Iterable

_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED = re.compile("[\udc80-\udcff]")  # what surrogateescape makes of one undecodable byte


def is_clean(name: str) -> bool:
    """True when ``name`` can be written as UTF-8 as it is."""
    return not _SURROGATE.search(name)


def display_name(name: str) -> str:
    """One name from the file system as text: unchanged when it is proper text; else its
    bytes read as GBK (the encoding of Chinese Windows) when they decode, else with U+FFFD
    for what cannot be read."""
    if is_clean(name):
        return name
    if _SURROGATE.search(_ESCAPED.sub("", name)):
        # A lone surrogate that stands for no byte: a broken UTF-16 name (Windows), not bytes.
        return _SURROGATE.sub("\ufffd", name)
    # The name's own bytes again, read as a whole: GBK pairs can look like UTF-8 in part.
    raw = name.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("gbk")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")


def display_path(path: object) -> str:
    """A whole path (input or output folder given on the command line) as text, name by name."""
    text = os.fspath(path) if not isinstance(path, str) else path
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if is_clean(text):
        return text
    # Split only at the system's own separators: "\\" is a GBK trail byte, and on Linux a
    # character of a name.
    seps = "[" + re.escape(os.sep + (os.altsep or "")) + "]"
    parts = re.split(f"({seps})", text)
    return "".join(p if re.fullmatch(seps, p) else display_name(p) for p in parts)


def display_names(names: Iterable[str]) -> dict[str, str]:
    """{real name: shown name} for the entries of one folder, every shown name distinct.

    Two names can read the same once decoded (a GBK copy beside its UTF-8 twin, or two
    names that only differ in unreadable bytes). A proper name keeps its text; a decoded
    one that clashes gets ``~`` and a short digest of its bytes before the extension, so
    it stays the same from run to run and the two files are never taken for one."""
    names = list(names)
    shown = {n: display_name(n) for n in names}
    taken = {s for n, s in shown.items() if is_clean(n)}
    count: dict[str, int] = {}
    for s in shown.values():
        count[s] = count.get(s, 0) + 1
    for n in sorted(names):
        if is_clean(n):
            continue
        s = shown[n]
        if count[s] > 1 or s in taken:
            digest = hashlib.sha1(n.encode("utf-8", "surrogatepass")).hexdigest()
            stem, ext = os.path.splitext(s)
            for width in (6, 12, 40):
                candidate = f"{stem}~{digest[:width]}{ext}"
                if candidate not in taken:
                    break
            s = candidate
        shown[n] = s
        taken.add(s)
    return shown
