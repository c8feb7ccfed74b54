"""Writers of hostile input files, for tests and for a larger hostile-input corpus.

Every function takes a folder, writes one file and returns its path. Files are
small on disk and cheap to build: the zip bomb forges nothing, it compresses
zeros, which zlib does at hundreds of MB a second.
"""

from __future__ import annotations

import functools
import os
import random
import re
import struct
import zipfile
from pathlib import Path

import openpyxl


def _write_ods(p: Path, content, manifest) -> Path:
    """An .ods package: mimetype first and stored, as LibreOffice writes it."""
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return p


def _save(wb, path: Path) -> Path:
    wb.save(path)
    return path


def small_workbook(folder: Path, name: str = "ok.xlsx", sheets=("基本信息", "月度指标")) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheets[0]
    for s in sheets[1:]:
        wb.create_sheet(s)
    ws["A1"], ws["B1"] = "项目", "填报内容"
    ws["A2"], ws["B2"] = "驿站编号", "ZD-003"
    return _save(wb, Path(folder) / name)


def empty_file(folder: Path, name: str = "empty.xlsx") -> Path:
    p = Path(folder) / name
    p.write_bytes(b"")
    return p


def random_bytes(folder: Path, name: str = "random.xlsx", size: int = 4096, seed: int = 7) -> Path:
    p = Path(folder) / name
    p.write_bytes(random.Random(seed).randbytes(size))
    return p


def truncated_xlsx(folder: Path, name: str = "truncated.xlsx", keep: float = 0.6) -> Path:
    src = small_workbook(folder, "_full_for_truncation.xlsx")
    data = src.read_bytes()
    src.unlink()
    p = Path(folder) / name
    p.write_bytes(data[: int(len(data) * keep)])
    return p


def zip_bomb(folder: Path, name: str = "bomb.xlsx", unpacked_mb: int = 60) -> Path:
    """A workbook whose sheet part unpacks to ``unpacked_mb`` MB (about 60 KB on disk)."""
    p = Path(folder) / name
    p.write_bytes(_bomb_bytes(unpacked_mb))
    return p


def huge_file(folder: Path, name: str = "huge.xlsx", mb: int = 65) -> Path:
    """A zip-looking file of ``mb`` MB, sparse on disk: past the size any report can have."""
    p = Path(folder) / name
    with open(p, "wb") as f:
        f.write(b"PK\x03\x04")
        f.truncate(mb * 1024 * 1024)
    return p


@functools.lru_cache(maxsize=4)
def _bomb_bytes(unpacked_mb: int) -> bytes:
    # built once per process: compressing 60 MB takes most of a second
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return _build_bomb(Path(tmp), unpacked_mb).read_bytes()


def _build_bomb(folder: Path, unpacked_mb: int) -> Path:
    src = small_workbook(folder, "_base_for_bomb.xlsx")
    p = Path(folder) / "bomb.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                continue
            zout.writestr(info.filename, zin.read(info.filename))
        part = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        part.compress_type = zipfile.ZIP_DEFLATED
        with zout.open(part, "w", force_zip64=True) as m:
            m.write(
                b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main"><sheetData/></worksheet>'
            )
            chunk = b" " * (1 << 20)
            for _ in range(unpacked_mb):
                m.write(chunk)
    src.unlink()
    return p


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
    b'uniqueCount="1"><si><t>&lol9;</t></si></sst>'
)


def billion_laughs(folder: Path, name: str = "laughs.xlsx") -> Path:
    """A workbook whose shared-strings part declares nested entities."""
    src = small_workbook(folder, "_base_for_laughs.xlsx")
    p = Path(folder) / name
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                # point A1 at shared string 0 so a reader would expand it
                data = data.replace(b"<sheetData>", b'<sheetData><row r="9"><c r="A9" t="s"><v>0</v></c></row>', 1)
            zout.writestr(info.filename, data)
        zout.writestr("xl/sharedStrings.xml", BILLION_LAUGHS)
    src.unlink()
    return p


def html_as_xls(folder: Path, name: str = "网页.xls") -> Path:
    p = Path(folder) / name
    p.write_text(
        '<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="utf-8"></head>'
        "<body><table><tr><td>驿站编号</td><td>ZD-003</td></tr></table></body></html>",
        encoding="utf-8",
    )
    return p


def tsv_as_xls(folder: Path, name: str = "导出.xls") -> Path:
    p = Path(folder) / name
    p.write_bytes("项目\t填报内容\n驿站编号\tZD-003\n报送年月\t2023-01\n".encode("gb18030"))
    return p


# ---- a minimal compound-file (OLE2 / MS-CFB) writer ---------------------------


def cfb_bytes(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file holding ``streams`` in the root storage.

    Streams are padded to 4096 bytes so none lives in the mini stream; enough for
    readers that look at directory names and the first sector of a stream."""
    ss = 512
    names = list(streams)
    padded = [streams[n] + b"\0" * max(0, 4096 - len(streams[n])) for n in names]
    n_sectors = [(len(d) + ss - 1) // ss for d in padded]
    n_dir = (len(names) + 1 + 3) // 4
    data_start = 1 + n_dir  # sector 0: FAT, then directory sectors
    total = data_start + sum(n_sectors)
    if total > ss // 4:
        raise ValueError("too much data for a one-sector FAT")
    fat = [0xFFFFFFFF] * (ss // 4)
    fat[0] = 0xFFFFFFFD
    for i in range(n_dir):
        fat[1 + i] = 2 + i if i < n_dir - 1 else 0xFFFFFFFE
    starts, sid = [], data_start
    for n in n_sectors:
        starts.append(sid)
        for k in range(n):
            fat[sid + k] = sid + k + 1 if k < n - 1 else 0xFFFFFFFE
        sid += n

    def entry(name: str, etype: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        e = raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), etype, 1)
        e += struct.pack("<III", 0xFFFFFFFF, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
        e += struct.pack("<IQ", start, size)
        return e

    entries = [entry("Root Entry", 5, 1 if names else 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFE, 0)]
    for i, n in enumerate(names):
        right = i + 2 if i + 1 < len(names) else 0xFFFFFFFF
        entries.append(entry(n, 2, 0xFFFFFFFF, right, starts[i], len(streams[n])))
    directory = b"".join(entries).ljust(n_dir * ss, b"\0")

    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
        + struct.pack("<I", 0)
        + struct.pack("<108I", *([0xFFFFFFFF] * 108))
    )
    assert len(header) == 512
    body = b"".join(d.ljust(n * ss, b"\0") for d, n in zip(padded, n_sectors))
    return header + struct.pack(f"<{ss // 4}I", *fat) + directory + body


def encrypted_ooxml(folder: Path, name: str = "加密.xlsx") -> Path:
    """What Excel writes when a password is set on an .xlsx: an OLE2 container."""
    p = Path(folder) / name
    p.write_bytes(
        cfb_bytes(
            {"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"\0" * 200, "EncryptedPackage": os.urandom(5000)}
        )
    )
    return p


def encrypted_xls(folder: Path, name: str = "加密.xls") -> Path:
    """A BIFF8 workbook stream whose BOF is followed by FILEPASS (RC4 encryption)."""
    bof = struct.pack("<HH", 0x0809, 16) + struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 6)
    filepass = struct.pack("<HH", 0x002F, 54) + b"\x01\x00\x01\x00\x01\x00" + os.urandom(48)
    p = Path(folder) / name
    p.write_bytes(cfb_bytes({"Workbook": bof + filepass + b"\0" * 4096}))
    return p


def word_doc_as_xls(folder: Path, name: str = "说明.xls") -> Path:
    p = Path(folder) / name
    p.write_bytes(cfb_bytes({"WordDocument": b"\0" * 100}))
    return p


def hidden_first_sheet(folder: Path, name: str = "hidden.xlsx") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "填报说明"
    ws["A1"] = "说明"
    ws.sheet_state = "hidden"
    info = wb.create_sheet("基本信息")
    info["A1"], info["B1"] = "项目", "填报内容"
    wb.active = 1
    return _save(wb, Path(folder) / name)


def stray_last_row(folder: Path, name: str = "stray.xlsx", cell: str = "A1048576") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "月度指标"
    ws["A1"], ws["E1"] = "指标代码", "本月数值"
    ws["A2"], ws["E2"] = "A1", 3
    ws[cell] = "x"
    return _save(wb, Path(folder) / name)


def uncached_formula(folder: Path, name: str = "formula.xlsx") -> Path:
    """openpyxl writes formulas without a cached value, like any program that never calculates."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "月度指标"
    ws["A1"], ws["E1"] = "指标代码", "本月数值"
    ws["A2"], ws["E2"] = "A1", 3
    ws["A3"], ws["E3"] = "A2", "=E2-1"
    return _save(wb, Path(folder) / name)


def lock_files(folder: Path) -> list[Path]:
    """The owner files Excel/WPS (~$) and LibreOffice (.~lock.…#) leave next to an open file."""
    out = []
    for n in ("~$东城驿站1月.xlsx", ".~lock.东城驿站1月.xlsx#"):
        p = Path(folder) / n
        p.write_bytes(b"\x06user  " + b"\0" * 50)
        out.append(p)
    return out


ALL_BAD = {
    # generator -> expected preflight code
    empty_file: "F001",
    random_bytes: "F002",
    truncated_xlsx: "F003",
    encrypted_ooxml: "F004",
    encrypted_xls: "F004",
    zip_bomb: "F005",
    billion_laughs: "F006",
    html_as_xls: "F002",
    tsv_as_xls: "F002",
    word_doc_as_xls: "F002",
}


def bad_folder(folder: Path) -> dict[Path, str]:
    """Write every bad file into ``folder``; returns {path: expected code}."""
    return {gen(folder): code for gen, code in ALL_BAD.items()}


def minimal_ods(folder: Path, name: str = "libre.ods", table: str = "月度指标") -> Path:
    """A LibreOffice-style .ods: a value in C5, an error result (#DIV/0!) in D6 and
    a million repeated empty rows, as LibreOffice writes them."""
    content = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" office:version="1.3">
<office:body><office:spreadsheet><table:table table:name="{table}">
<table:table-row table:number-rows-repeated="4"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
<table:table-row><table:table-cell table:number-columns-repeated="2"/><table:table-cell office:value-type="string" calcext:value-type="string"><text:p>指标代码</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16381"/></table:table-row>
<table:table-row><table:table-cell table:number-columns-repeated="2"/><table:table-cell office:value-type="float" office:value="7" calcext:value-type="float"><text:p>7</text:p></table:table-cell><table:table-cell table:formula="of:=1/0" office:value-type="string" office:string-value="" calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16380"/></table:table-row>
<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"""
    manifest = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""
    return _write_ods(Path(folder) / name, content, manifest)


def error_cells(folder: Path, name: str = "errors.xlsx") -> Path:
    """Error values as Excel saves them (t="e", cached text) and a formula with no cached value."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "月度指标"
    ws["A1"], ws["E1"] = "指标代码", "本月数值"
    ws["A2"], ws["E2"] = "A1", "#DIV/0!"  # openpyxl stores these strings as error cells
    ws["A3"], ws["E3"] = "A2", "#N/A"
    ws["A4"], ws["E4"] = "A3", "=1/0"
    return _save(wb, Path(folder) / name)


def biff8_with_errors(folder: Path, name: str = "old.xls", sheet: str = "月度指标") -> Path:
    """A BIFF8 workbook stream with a typed #N/A (BOOLERR) in E2 and a formula whose
    cached result is #DIV/0! in E3: what old Excel saves. Only the records an error
    scan needs; not a complete workbook for other readers."""

    def rec(rtype: int, body: bytes) -> bytes:
        return struct.pack("<HH", rtype, len(body)) + body

    bof = lambda kind: rec(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 6))  # noqa: E731
    eof = rec(0x000A, b"")
    raw = sheet.encode("utf-16-le")
    globals_len = len(bof(5)) + 4 + 8 + len(raw) + len(eof)
    boundsheet = rec(0x0085, struct.pack("<IBBBB", globals_len, 0, 0, len(sheet), 1) + raw)
    boolerr = rec(0x0205, struct.pack("<HHHBB", 1, 4, 15, 0x2A, 1))
    formula = rec(
        0x0006,
        struct.pack("<HHH", 2, 4, 15)
        + bytes([2, 0, 0x07, 0, 0, 0, 0xFF, 0xFF])
        + b"\0\0\0\0\0\0"
        + b"\x03\x00\x1e\x01\x00",
    )
    number_like_error = rec(0x0205, struct.pack("<HHHBB", 3, 4, 15, 1, 0))  # a TRUE boolean, not an error
    stream = bof(5) + boundsheet + eof + bof(0x10) + boolerr + formula + number_like_error + eof
    assert stream.index(bof(0x10)) == globals_len
    p = Path(folder) / name
    p.write_bytes(cfb_bytes({"Workbook": stream + b"\0" * (4096 - len(stream))}))
    return p


def far_cell_ods(folder: Path, name: str = "far.ods") -> Path:
    """An .ods with one value in the very last cell (XFD1048576) after repeated empty rows."""
    src = minimal_ods(folder, "_near.ods")
    with zipfile.ZipFile(src) as z:
        content = z.read("content.xml")
        manifest = z.read("META-INF/manifest.xml")
    src.unlink()
    tail = (
        b'<table:table-row table:number-rows-repeated="1048569"><table:table-cell '
        b'table:number-columns-repeated="16384"/></table:table-row><table:table-row><table:table-cell '
        b'table:number-columns-repeated="16383"/><table:table-cell office:value-type="float" '
        b'office:value="1"><text:p>1</text:p></table:table-cell></table:table-row></table:table>'
    )
    content = re.sub(
        rb'<table:table-row table:number-rows-repeated="1048570">.*?</table:table>', tail, content, flags=re.S
    )
    return _write_ods(Path(folder) / name, content, manifest)
