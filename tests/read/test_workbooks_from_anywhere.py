"""Valid workbooks from any producer are read, or refused for their true reason.

Files of each kind the public corpora showed refused for the wrong reason, made by
code: a dense .xls (a value in IV65536), what calamine cannot open in a workbook that
is no report, an .ods carrying a Basic macro library, Excel 2.x-4.0 files, an .xlsx
with lower-case [content_types].xml and backslash names.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest

from lingong.read.files import isolated_failure, read_one
from lingong.runtime.parallel import run_isolated
from support import corpus
from support.hostile import cfb_bytes

HAVE_SOFFICE = shutil.which("soffice") is not None


def _read_isolated(paths: list[Path]):
    """read_one for each path in a worker with the run's memory cap, as a run reads."""
    items = [(str(p), p.name) for p in paths]
    out = []
    for item, ok, value in run_isolated(read_one, items, workers=1, mem_limit_mb=1024, timeout_s=60):
        out.append((ok, value if ok else isolated_failure(item, value)))
    return out


def _rec(rtype: int, body: bytes) -> bytes:
    return struct.pack("<HH", rtype, len(body)) + body


def biff8(sheets: dict[str, bytes], *, kinds: dict[str, int] | None = None) -> bytes:
    """A BIFF8 .xls holding ``sheets`` (name -> cell records), enough for calamine."""
    bof = lambda kind: _rec(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 6))  # noqa: E731
    eof = _rec(0x000A, b"")
    kinds = kinds or {}

    def boundsheet(name: str, offset: int) -> bytes:
        raw = name.encode("utf-16-le")
        return _rec(0x0085, struct.pack("<IBBBB", offset, 0, kinds.get(name, 0), len(name), 1) + raw)

    globals_len = len(bof(5)) + sum(len(boundsheet(n, 0)) for n in sheets) + len(eof)
    offsets, pos = {}, globals_len
    for name, cells in sheets.items():
        offsets[name] = pos
        pos += len(bof(0x10)) + len(cells) + len(eof)
    stream = bof(5) + b"".join(boundsheet(n, offsets[n]) for n in sheets) + eof
    stream += b"".join(bof(0x10) + cells + eof for cells in sheets.values())
    # padded past the 4096-byte mini-stream cutoff: cfb_bytes stores streams in full sectors
    return cfb_bytes({"Workbook": stream + b"\0" * max(0, 4100 - len(stream))})


def number(r: int, c: int, v: float) -> bytes:
    return _rec(0x0203, struct.pack("<HHHd", r, c, 15, v))


def mulrk(r: int, first: int, values: list[int]) -> bytes:
    body = struct.pack("<HH", r, first)
    body += b"".join(struct.pack("<Hi", 15, (v << 2) | 2) for v in values)  # integer RKs
    return _rec(0x00BD, body + struct.pack("<H", first + len(values) - 1))


# ---- a dense grid is read within the memory cap --------------------------------


def test_a_far_cell_in_an_xls_is_cut_before_calamine_builds_the_grid(tmp_path):
    from lingong.read.workbook import MAX_COLS, read_workbook

    p = tmp_path / "dense.xls"
    cells = number(0, 0, 1.0) + mulrk(1, MAX_COLS - 2, [7, 8, 9, 10]) + number(65535, 255, 2.0)
    p.write_bytes(biff8({"月度指标": cells, "其他": number(0, 0, 5.0) + number(3, 2, 6.0)}))
    wb = read_workbook(p)
    s = wb.sheet("月度指标")
    assert s.truncated and len(s.rows) == 2 and len(s.rows[1]) == MAX_COLS
    assert s.rows[0][0] == 1 and s.rows[1][MAX_COLS - 2 :] == [7, 8]  # the MULRK entries inside the bounds
    other = wb.sheet("其他")
    assert not other.truncated and other.cell(3, 2) == 6


@pytest.mark.skipif(not HAVE_SOFFICE, reason="LibreOffice not installed")
@pytest.mark.timeout(180)
def test_a_report_saved_as_xls_with_a_value_in_iv65536_is_read_not_killed(tmp_path):
    """A 41 KB .xls whose used range is A1:IV65536 killed its worker (calamine's dense grid)."""
    from lingong.spec import template as ts

    src = corpus.report(tmp_path, "ZD-001", "东城零工驿站")

    def far(wb):
        wb[ts.SHEET_HELP]["IV65536"] = "末尾"

    corpus.edit(src, far)
    xls = corpus._soffice_convert(src, "xls")
    [(ok, res)] = _read_isolated([xls])
    assert ok, res.outcome.reason
    assert res.outcome.kind == "report" and res.report.station == "ZD-001"
