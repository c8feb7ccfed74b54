"""A package read from bytes, its parts looked up as OPC wants, edited parts kept aside and
the whole written back with every other part's bytes unchanged.

Parts are looked up by name without regard to case, after entry names written with "\\"
are read as "/" (archive.normalize_member_names, as calamine reads them). A part's text is
only handed out once the hardened parser (safexml) has accepted it.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from lingong.ooxml import safexml
from lingong.ooxml.archive import normalize_member_names
from lingong.ooxml.limits import MAX_PART_BYTES
from lingong.ooxml.markup import Unpatchable

FIXED_DATE = (1980, 1, 1, 0, 0, 0)


def check_xml(data: bytes | str, name: str) -> None:
    """Well-formed, and no DOCTYPE or entity (safexml), or Unpatchable."""
    try:
        safexml.check(data)
    except (safexml.Forbidden, safexml.Malformed) as e:
        raise Unpatchable(f"{name}: {e!r}") from None


def parse_elements(data: bytes | str, local: str) -> list[dict[str, str]]:
    """safexml.elements of a part, or Unpatchable."""
    try:
        return safexml.elements(data.encode("utf-8") if isinstance(data, str) else data, local)
    except (safexml.Forbidden, safexml.Malformed) as e:
        raise Unpatchable(repr(e)) from None


class Package:
    """The zip's parts by (normalised) name, read lazily; what changes is kept aside."""

    def __init__(self, data: bytes):
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError) as e:
            raise Unpatchable(repr(e)) from None
        if normalize_member_names(self.zf):
            raise Unpatchable("member names cannot be trusted")
        self.infos = self.zf.infolist()
        self.names = {i.filename for i in self.infos}
        self.lower = {n.lower(): n for n in self.names}
        self.changed: dict[str, bytes] = {}
        self.added: dict[str, bytes] = {}
        self.removed: set[str] = set()

    def has(self, name: str) -> bool:
        return name.lower() in self.lower or name in self.added

    def read(self, name: str) -> bytes:
        if name in self.changed:
            return self.changed[name]
        if name in self.added:
            return self.added[name]
        real = self.lower.get(name.lower())
        if real is None:
            raise Unpatchable(f"missing part {name}")
        info = self.zf.getinfo(real)
        if info.file_size > MAX_PART_BYTES:
            raise Unpatchable(f"{name} too big")
        return self._member(info)

    def _member(self, info: zipfile.ZipInfo) -> bytes:
        try:
            return self.zf.read(info)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError) as e:
            raise Unpatchable(f"{info.filename}: {e!r}") from None  # damaged, or a compression zipfile lacks

    def text(self, name: str) -> str:
        data = self.read(name)
        check_xml(data, name)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise Unpatchable(f"{name} is not UTF-8") from None

    def put(self, name: str, text: str) -> None:
        data = text.encode("utf-8")
        real = self.lower.get(name.lower())
        if real is not None and real not in self.removed:
            self.changed[real] = data
        else:
            self.added[name] = data

    def remove(self, name: str) -> None:
        real = self.lower.get(name.lower())
        if real is not None:
            self.removed.add(real)
        self.added.pop(name, None)

    def free_name(self, pattern: str) -> str:
        taken = set(self.lower) | {n.lower() for n in self.added}
        n = 1
        while pattern.format(n).lower() in taken:
            n += 1
        return pattern.format(n)

    def edited(self) -> dict[str, bytes]:
        """Every part changed or added, by name."""
        return {**self.changed, **self.added}

    def save(self) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in self.infos:
                name = info.filename
                if name in self.removed:
                    continue
                data = self.changed.get(name)
                if data is None:
                    data = self._member(info)
                zi = zipfile.ZipInfo(name, info.date_time)
                zi.compress_type = (
                    info.compress_type
                    if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
                    else zipfile.ZIP_DEFLATED
                )
                zi.external_attr = info.external_attr
                zout.writestr(zi, data)
            for name, data in self.added.items():
                zi = zipfile.ZipInfo(name, FIXED_DATE)
                zi.compress_type = zipfile.ZIP_DEFLATED
                zout.writestr(zi, data)
        return out.getvalue()
