"""Compare two output folders file by file, cell by cell, after normalising what differs between
any two runs by design (run ids, output paths, times of writing).

    python -m tools.compare_outputs /tmp/before /tmp/after

prints each file only one side has and each sheet/cell, JSON path, mail part or text line that
differs; exit status 0 when the trees agree, 1 otherwise. The same normalisation is what the
parallel-identical and spawn tests compare with (tests/support/normalise.py re-exports it), so a
refactoring can be checked against a demo run made before it.
"""

from __future__ import annotations

import argparse
import email
import json
import re
import sqlite3
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

from lingong.layout import CACHE_NAME
from lingong.read.workbook import read_workbook

VOLATILE = {"run_id", "input_dir"}  # differ between any two runs by design
HASHED_HEADERS = {"Message-ID", "Content-Type", "X-Lingong-Attachments-SHA256"}  # hash the attachments' bytes
RUN_RECORD = "运行记录.json"


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
    msg = email.message_from_bytes(path.read_bytes())
    out = [sorted((k, v) for k, v in msg.items() if k not in HASHED_HEADERS)]
    for part in msg.walk():
        data = part.get_payload(decode=True)
        if data and part.get_filename() and data.startswith(b"PK"):
            with tempfile.NamedTemporaryFile(suffix=".xlsx") as f:
                f.write(data)
                f.flush()
                data = _cells(Path(f.name))
        elif data and part.get_content_maintype() == "text":
            data = data.decode(part.get_content_charset() or "utf-8", "replace")
        out.append((part.get_content_type(), part.get_filename(), data))
    return out


def _unmtime(obj):
    """An input's mtime, kept so that a later run can tell an unchanged file cheaply, changes
    whenever the inputs are written again (every demo writes them anew)."""
    if isinstance(obj, dict):
        return {k: _unmtime(v) for k, v in obj.items() if k != "mtime"}
    if isinstance(obj, list):
        return [_unmtime(v) for v in obj]
    return obj


def _sqlite(path: Path) -> list[str]:
    """The history database as its SQL dump (the file's pages depend on the order of writes)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        skip = ('INSERT INTO "records"', 'INSERT INTO "input_files"')
        lines = [line for line in con.iterdump() if not line.startswith(skip)]
        try:  # the inputs' mtimes differ whenever the inputs were written again (every demo)
            lines += [
                f"input_files {row}"
                for row in con.execute(
                    "SELECT run_id, file, sha256, kind, status, station, month, reason, size"
                    " FROM input_files ORDER BY rowid"
                )
            ]
        except sqlite3.Error:
            pass
        try:  # an assessment's record: compressed JSON, compared as its text (it holds the run id)
            rows = con.execute("SELECT run_id, body FROM records ORDER BY rowid").fetchall()
        except sqlite3.Error:
            rows = []
        records = [
            f"record {run_id}: {json.dumps(_unmtime(json.loads(zlib.decompress(body))), ensure_ascii=False)}"
            for run_id, body in rows
        ]
        return lines + records
    finally:
        con.close()


def content(path: Path, swap: dict[str, str]):
    if path.suffix in (".xlsx", ".xlsm"):
        try:
            return _scrub(_cells(path), swap)
        except Exception:  # a deliberately broken sample input: compared by its bytes
            return path.read_bytes()
    if path.suffix == ".eml":
        return _scrub(_mail(path), swap)
    if path.suffix == ".docx":  # the zip entries carry the time of writing; the parts must agree
        with zipfile.ZipFile(path) as z:
            return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}
    if path.suffix == ".json":
        return _scrub(json.loads(path.read_text(encoding="utf-8")), swap)
    if path.suffix == ".sqlite3":
        return _scrub(_sqlite(path), swap)
    if path.suffix in (".txt", ".csv", ".md"):
        return _scrub(path.read_text(encoding="utf-8-sig").splitlines(), swap)
    return path.read_bytes()


# --- comparing two trees -------------------------------------------------------------------------

_TIMES = [
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:?\d{2}|Z)?"), "<time>"),
    (re.compile(r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}"), "<time>"),  # a mail's Date:
    (re.compile(r"\b\d+(\.\d+)? ?(s|秒|ms)\b"), "<secs>"),
]


def _run_ids(root: Path) -> dict[str, str]:
    """Each run id to a placeholder numbered in the order of the runs (a demo records four runs in
    its history, three of which leave a run record), and the root itself."""
    swap = {}
    for db in sorted(root.rglob("*.sqlite3")):
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            try:
                ids = [r[0] for r in con.execute("SELECT run_id FROM runs ORDER BY started_at, rowid")]
            finally:
                con.close()
        except sqlite3.Error:
            continue
        for run_id in ids:
            swap.setdefault(run_id, f"<run{len(swap) + 1}>")
    for record in sorted(root.rglob(RUN_RECORD)):
        try:
            run_id = json.loads(record.read_text(encoding="utf-8")).get("run_id")
        except (OSError, ValueError):
            continue
        if run_id:
            swap.setdefault(run_id, "<run>")
    swap[str(root)] = "<out>"
    return swap


def _untime(obj):
    if isinstance(obj, dict):
        return {k: _untime(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_untime(v) for v in obj]
    if isinstance(obj, str):
        for pattern, placeholder in _TIMES:
            obj = pattern.sub(placeholder, obj)
    return obj


def _differences(a, b, where: str, out: list[str], limit: int) -> None:
    """Walk two normalised contents side by side, naming each differing leaf."""
    if len(out) >= limit:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if k not in b:
                out.append(f"{where}[{k!r}]: only before")
            elif k not in a:
                out.append(f"{where}[{k!r}]: only after")
            else:
                _differences(a[k], b[k], f"{where}[{k!r}]", out, limit)
        return
    if isinstance(a, list) and isinstance(b, list):
        for i in range(max(len(a), len(b))):
            if i >= len(b):
                out.append(f"{where}[{i}]: only before: {a[i]!r}")
            elif i >= len(a):
                out.append(f"{where}[{i}]: only after: {b[i]!r}")
            else:
                _differences(a[i], b[i], f"{where}[{i}]", out, limit)
        return
    if a != b:
        if isinstance(a, bytes) and isinstance(b, bytes):
            out.append(f"{where}: bytes differ ({len(a)} → {len(b)})")
        else:
            out.append(f"{where}: {a!r} → {b!r}")


def _files(root: Path) -> dict[str, Path]:
    # The read cache is not an output: its entries carry the input files' times.
    return {
        p.relative_to(root).as_posix(): p
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(CACHE_NAME)
    }


def compare(before: Path, after: Path, limit: int = 200) -> list[str]:
    """Every difference between two output trees, as readable lines."""
    fa, fb = _files(before), _files(after)
    sa, sb = _run_ids(before), _run_ids(after)
    lines = [f"{n}: only before" for n in fa if n not in fb] + [f"{n}: only after" for n in fb if n not in fa]
    for name in (n for n in fa if n in fb):
        a, b = _untime(content(fa[name], sa)), _untime(content(fb[name], sb))
        if a != b:
            found: list[str] = []
            _differences(a, b, name, found, limit)
            lines.extend(found or [f"{name}: differs"])
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--limit", type=int, default=200, help="differences shown per file")
    args = parser.parse_args(argv)
    lines = compare(args.before, args.after, args.limit)
    for line in lines:
        print(line)
    print(f"{len(lines)} difference(s)" if lines else "the two trees agree")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
