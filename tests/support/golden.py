"""Golden files (tests/golden/): what a document says, kept beside the tests, so that any change
of a document's content fails a test until the golden file is regenerated and the difference
reviewed in the commit (tests/golden/README.md says how).

A workbook is compared by its sheet names, non-empty cell values and merged ranges (never its
bytes, which carry library details); a Word document or a mail by its text, line for line."""

from __future__ import annotations

import difflib
import email.parser
import email.policy
import hashlib
import json
import os
from pathlib import Path

import docx
import openpyxl
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

UPDATE_ENV = "LINGONG_UPDATE_GOLDEN"  # =1: write what the tests got as the new golden files


def _updating(golden_file: Path, text: str) -> bool:
    """Write ``text`` as the golden file when asked to, or when there is none yet (and then fail:
    a golden file nobody looked at proves nothing). True when it was written on request."""
    if os.environ.get(UPDATE_ENV) != "1" and golden_file.exists():
        return False
    golden_file.parent.mkdir(parents=True, exist_ok=True)
    golden_file.write_text(text, encoding="utf-8", newline="\n")
    if os.environ.get(UPDATE_ENV) != "1":
        raise AssertionError(f"golden file {golden_file} was missing and has been written; check it and rerun")
    return True


def check_text(text: str, golden_file) -> None:
    """``text`` is the golden file's, line for line (the message shows a diff)."""
    golden_file = Path(golden_file)
    text = text if text.endswith("\n") else text + "\n"
    if _updating(golden_file, text):
        return
    want = golden_file.read_text(encoding="utf-8")
    if text != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), text.splitlines(True), "golden", "got", n=1))
        raise AssertionError(f"{golden_file.name} differs (regenerate: see tests/golden/README.md):\n{diff}")


def dump_workbook(path) -> dict:
    """Sheet names, every non-empty cell value and the merged ranges: what a golden file
    compares (never the bytes, which carry library details)."""
    wb = openpyxl.load_workbook(path)
    out = {"sheets": wb.sheetnames, "cells": {}, "merged": {}}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None and c.value != "":
                    cells[c.coordinate] = c.value
        out["cells"][ws.title] = cells
        out["merged"][ws.title] = sorted(str(r) for r in ws.merged_cells.ranges)
    return out


def check_workbook(path, golden_file) -> None:
    """A written workbook's cells are the golden JSON's; the message names each differing cell."""
    golden_file = Path(golden_file)
    got = json.loads(json.dumps(dump_workbook(path), ensure_ascii=False))
    if _updating(golden_file, json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True)):
        return
    want = json.loads(golden_file.read_text(encoding="utf-8"))
    assert got["sheets"] == want["sheets"]
    assert got["merged"] == want["merged"]
    for sheet in want["cells"]:
        g, w = got["cells"][sheet], want["cells"][sheet]
        diff = {k: (w.get(k), g.get(k)) for k in sorted(set(g) | set(w)) if g.get(k) != w.get(k)}
        assert not diff, f"{sheet}: cells differ from {golden_file.name} (want, got): {diff}"


def docx_text(path) -> str:
    """A Word document as a reader sees it: its paragraphs and tables in the order they come,
    a table a row a line between rules."""
    d = docx.Document(str(path))
    lines = []
    for child in d.element.body.iterchildren():
        if child.tag == qn("w:p"):
            lines.append(Paragraph(child, d).text)
        elif child.tag == qn("w:tbl"):
            lines.append("---- 表 ----")
            lines.extend(" | ".join(c.text for c in r.cells) for r in Table(child, d).rows)
            lines.append("----")
    return "\n".join(lines)


def eml_text(path) -> str:
    """A mail as its recipient gets it: every header (decoded), the body's text, then each
    attachment's name, type, size and the start of its SHA-256 (the bytes are the documents')."""
    msg = email.parser.BytesParser(policy=email.policy.default).parsebytes(Path(path).read_bytes())
    lines = [f"{k}: {v}" for k, v in msg.items()]
    body = msg.get_body(preferencelist=("plain",)).get_content()
    lines += ["", body.replace("\r\n", "\n").rstrip("\n"), ""]
    for part in msg.iter_attachments():
        data = part.get_content()
        digest = hashlib.sha256(data).hexdigest()[:16]
        lines.append(f"附件：{part.get_filename()}（{part.get_content_type()}，{len(data)} 字节，sha256 {digest}…）")
    return "\n".join(lines)
