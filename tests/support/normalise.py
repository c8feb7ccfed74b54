"""Output files compared as their contents: workbook cells, parsed JSON and mail parts,
without run ids, output paths and zip times."""

from __future__ import annotations

import json
from pathlib import Path

from lingong.read.workbook import read_workbook

VOLATILE = {"run_id", "input_dir"}  # differ between any two runs by design
HASHED_HEADERS = {"Message-ID", "Content-Type", "X-Lingong-Attachments-SHA256"}  # hash the attachments' bytes


def _scrub(obj, swap: dict[str, str]):
    """Drop the volatile keys and put placeholders for the run id and the output folder."""
    if isinstance(obj, dict):
        return {k: _scrub(v, swap) for k, v in obj.items() if k not in VOLATILE}
    if isinstance(obj, (list, tuple)):
        return [_scrub(v, swap) for v in obj]
    if isinstance(obj, str):
        for old, new in swap.items():
            obj = obj.replace(old, new)
    return obj


def _cells(path: Path) -> dict:
    wb = read_workbook(path)
    return {name: wb.sheet(name).rows for name in wb.sheet_names}


def _mail(path: Path) -> list:
    """Headers and parts; an attached workbook by its cells (the Message-ID and the
    boundary hash the attachments' bytes, and openpyxl stamps a return copy's zip
    with the time of writing, in one process as in two)."""
    import email
    import tempfile

    msg = email.message_from_bytes(path.read_bytes())
    out = [sorted((k, v) for k, v in msg.items() if k not in HASHED_HEADERS)]
    for part in msg.walk():
        data = part.get_payload(decode=True)
        if data and part.get_filename() and data.startswith(b"PK"):
            with tempfile.NamedTemporaryFile(suffix=".xlsx") as f:
                f.write(data)
                f.flush()
                data = _cells(Path(f.name))
        out.append((part.get_content_type(), part.get_filename(), data))
    return out


def content(path: Path, swap: dict[str, str]):
    if path.suffix == ".xlsx":
        return _scrub(_cells(path), swap)
    if path.suffix == ".eml":
        return _scrub(_mail(path), swap)
    if path.suffix == ".docx":  # the zip entries carry the time of writing; the parts must agree
        import zipfile

        with zipfile.ZipFile(path) as z:
            return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}
    if path.suffix == ".json":
        return _scrub(json.loads(path.read_text(encoding="utf-8")), swap)
    return path.read_bytes()
