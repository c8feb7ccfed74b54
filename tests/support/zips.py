"""Zip packages built in memory from their parts, for the tests of what reads them."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path


def package(parts: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip holding ``parts`` (name -> content), in that order."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def package_file(path: Path, names: list[str] | tuple[str, ...]) -> Path:
    """A zip at ``path`` whose parts ``names`` each hold a one-element XML document."""
    Path(path).write_bytes(package({n: "<a/>" for n in names}))
    return Path(path)
