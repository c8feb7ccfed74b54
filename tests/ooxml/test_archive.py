"""The zip beneath a package: members inflated straight from the archive as ZipFile would,
names read as calamine reads them, a package repacked."""

from __future__ import annotations

import io
import zipfile
import zlib

import pytest

from lingong.ooxml import archive
from lingong.ooxml.archive import normalize_member_names
from support.zips import package, package_file


def test_backslash_names_are_read_as_slashes_and_ambiguous_names_refused(tmp_path):
    ok = package_file(tmp_path / "ok.xlsx", ["[Content_Types].xml", "xl\\workbook.xml", "xl\\worksheets\\sheet1.xml"])
    with zipfile.ZipFile(ok) as z:
        assert normalize_member_names(z) is None
        assert z.namelist() == ["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"]
        assert z.read("xl/workbook.xml") == b"<a/>"  # the local header still matches its own name
        assert normalize_member_names(z) is None  # idempotent
    cases = {
        ("[Content_Types].xml", "xl/workbook.xml", "xl\\workbook.xml"): "出现了两次",
        ("[Content_Types].xml", "xl/workbook.xml", "xl/Workbook.xml"): "出现了两次",  # OPC ignores case
        ("[Content_Types].xml", "xl/workbook.xml", "..\\x.xml"): "压缩包之外",
        ("[Content_Types].xml", "xl/workbook.xml", "C:\\x.xml"): "压缩包之外",
        ("[Content_Types].xml", "xl/workbook.xml", "/etc/x.xml"): "压缩包之外",
    }
    for i, (names, words) in enumerate(cases.items()):
        with zipfile.ZipFile(package_file(tmp_path / f"bad{i}.xlsx", names)) as z:
            assert words in (normalize_member_names(z) or ""), names
    ods = package_file(tmp_path / "a.ods", ["mimetype", "content.xml", "Pictures/a.png", "Pictures/A.png"])
    with zipfile.ZipFile(ods) as z:
        assert normalize_member_names(z) is None  # ODF names are case-sensitive


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2])
def test_inflate_gives_what_zipfile_reads(compression):
    parts = {"a.xml": b"<a/>" * 1000, "empty.xml": b"", "b.bin": bytes(range(256)) * 40}
    with zipfile.ZipFile(io.BytesIO(package(parts, compression))) as z:
        for info in z.infolist():
            assert archive.inflate(z, info) == parts[info.filename] == z.read(info)


def test_a_damaged_member_raises_what_zipfile_raises():
    data = bytearray(package({"a.xml": b"<a>" + b"x" * 5000 + b"</a>"}))
    data[60] ^= 0xFF  # inside the deflated bytes
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("a.xml")
        with pytest.raises((zipfile.BadZipFile, zlib.error)):
            z.read(info)
        with pytest.raises((zipfile.BadZipFile, zlib.error)):
            archive.inflate(z, info)


def test_head_inflates_only_the_start_and_checks_the_local_header():
    with zipfile.ZipFile(
        io.BytesIO(package({"big.xml": b"<?xml version='1.0'?><r>" + b" " * (1 << 20) + b"</r>"}))
    ) as z:
        info = z.getinfo("big.xml")
        assert archive.head(z.fp, info, 32) == b"<?xml version='1.0'?><r>" + b" " * 8
        info.header_offset += 1
        with pytest.raises(zipfile.BadZipFile):
            archive.head(z.fp, info, 32)


def test_repacked_replaces_the_named_parts_and_stores_everything():
    with zipfile.ZipFile(io.BytesIO(package({"a.xml": b"<a/>", "b.xml": b"<b/>"}))) as z:
        out = archive.repacked(z, {"b.xml": b"<c/>"})
    with zipfile.ZipFile(out) as z:
        assert {i.filename: (z.read(i), i.compress_type) for i in z.infolist()} == {
            "a.xml": (b"<a/>", zipfile.ZIP_STORED),
            "b.xml": (b"<c/>", zipfile.ZIP_STORED),
        }
