"""Input file names in any encoding: GBK bytes from a zip made on Windows and unpacked
on Linux, bytes that are no encoding at all. They are shown as text everywhere and
never stop a run; the file itself is still opened by its real name."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from lingong.discover.walk import discover
from lingong.layout import (
    HISTORY_DB_NAME,
    RESULTS_JSON_NAME,
    RETURN_COPY_SUFFIX,
    RETURNS_FOLDER,
    RUN_RECORD_NAME,
    validation_report_name,
)
from lingong.model.filenames import display_name, display_names, display_path
from lingong.read.workbook import read_workbook
from support.city import write_city
from support.paths import ROOT  # noqa: E402
from support.report_factory import write_report
from support.runs import run_on

PERIOD = "2023H1"


def gbk(text: str) -> bytes:
    return text.encode("gbk")


def os_name(raw: bytes) -> str:
    """The name as os.listdir hands it over on Linux (undecodable bytes as surrogates)."""
    return os.fsdecode(raw)


def bpath(folder: Path, *raw_parts: bytes) -> Path:
    """A path whose last parts are raw bytes, as Path (surrogate-escaped) for our writers."""
    return Path(os.fsdecode(os.path.join(os.fsencode(folder), *raw_parts)))


def utf8_clean(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# ---- the one function that turns an OS name into text --------------------------


def test_a_gbk_name_reads_as_its_chinese():
    assert display_name(os_name(gbk("西城2月") + b".xlsx")) == "西城2月.xlsx"
    assert display_name(os_name(gbk("ZD-002_西城零工驿站_2023年2月") + b".xls")) == "ZD-002_西城零工驿站_2023年2月.xls"
    # 谁 is CB AD in GBK, a valid UTF-8 sequence on its own: the whole name is read back as GBK.
    assert os_name(gbk("谁")) == "\u02ed"
    assert display_name(os_name(gbk("谁报的西城2月") + b".xlsx")) == "谁报的西城2月.xlsx"


def test_a_proper_name_is_left_as_it_is():
    for name in ("西城2月.xlsx", "ZD-001_3月.xlsx", "~$东城.xlsx", "a\u3000b.xlsx"):
        assert display_name(name) == name


@pytest.mark.parametrize("raw", [b"\xff\xfe\x80report.xlsx", b"\x81.xlsx", b"ok-\xa0\xa0-\xff.xlsx"])
def test_bytes_of_no_encoding_become_replacement_characters(raw):
    shown = display_name(os_name(raw))
    assert utf8_clean(shown) and "\ufffd" in shown and shown.endswith(".xlsx")


def test_a_lone_utf16_surrogate_from_windows_is_replaced():
    shown = display_name("a\ud800b.xlsx")
    assert shown == "a\ufffdb.xlsx"


def test_a_whole_path_is_shown_name_by_name():
    # A UTF-8 folder above a GBK one: each part read in its own encoding.
    p = bpath(Path("/tmp/曾都区"), gbk("二月报表"), gbk("西城") + b".xlsx")
    assert display_path(p) == "/tmp/曾都区/二月报表/西城.xlsx"
    assert display_path(Path("/tmp/曾都区/x.xlsx")) == "/tmp/曾都区/x.xlsx"
    # 乗 is 81 5C in GBK: its second byte is a backslash, which must not split the name.
    assert gbk("乗") == b"\x81\\"
    assert display_path(bpath(Path("/tmp"), gbk("乗务员报表"))) == "/tmp/乗务员报表"


def test_names_that_read_alike_stay_apart_and_stable():
    twin_utf8 = "西城2月.xlsx"
    twin_gbk = os_name(gbk("西城2月") + b".xlsx")
    junk_a, junk_b = os_name(b"\xff\xfe.xlsx"), os_name(b"\xfe\xff.xlsx")  # both read as two U+FFFD
    names = [junk_b, twin_gbk, twin_utf8, junk_a, os_name(gbk("东城") + b".xlsx")]
    shown = display_names(names)
    assert shown[twin_utf8] == twin_utf8  # a proper name is never renamed
    assert shown[twin_gbk].startswith("西城2月~") and shown[twin_gbk].endswith(".xlsx")
    assert shown[os_name(gbk("东城") + b".xlsx")] == "东城.xlsx"
    assert len(set(shown.values())) == len(names)
    assert all(utf8_clean(s) for s in shown.values())
    assert display_names(reversed(names)) == shown  # the same names whatever order the folder lists them in


# ---- discovery --------------------------------------------------------------------


def test_discovery_shows_decoded_names_and_keeps_the_real_path(tmp_path):
    folder = bpath(tmp_path, gbk("曾都区"))
    folder.mkdir()
    report = write_report(bpath(tmp_path, gbk("曾都区"), gbk("西城2月") + b".xlsx"), station="ZD-002", month="2023-02")
    bpath(tmp_path, gbk("曾都区"), gbk("说明") + b".txt").write_bytes(b"readme")
    bpath(tmp_path, gbk("曾都区"), gbk("说明.文档")).write_bytes(b"odd extension")
    (tmp_path / "说明.txt").write_text("a UTF-8 twin of the name one folder up")

    d = discover(tmp_path)
    assert [rel for _, rel in d.candidates] == ["曾都区/西城2月.xlsx"]
    real, _ = d.candidates[0]
    assert real == report and real.read_bytes()[:2] == b"PK"
    skipped = {o.file: o.reason for o in d.skipped}
    assert skipped["曾都区/说明.txt"] == "不是表格文件（扩展名 .txt）"
    assert skipped["曾都区/说明.文档"] == "不是表格文件（扩展名 .文档）"
    assert "说明.txt" in skipped
    for o in d.skipped:
        assert utf8_clean(o.file) and utf8_clean(o.reason)


def test_a_gbk_twin_of_a_utf8_name_is_read_as_a_file_of_its_own(tmp_path):
    write_report(tmp_path / "西城2月.xlsx", station="ZD-002", month="2023-02")
    write_report(bpath(tmp_path, gbk("西城2月") + b".xlsx"), station="ZD-002", month="2023-02", values={"C1": 7})
    d = discover(tmp_path)
    shown = [rel for _, rel in d.candidates]
    assert "西城2月.xlsx" in shown and len(shown) == 2 and len(set(shown)) == 2
    assert len({real for real, _ in d.candidates}) == 2


# ---- a whole run ------------------------------------------------------------------


@pytest.fixture
def gbk_city(tmp_path) -> dict:
    """Three stations over 2023H1; ZD-002's February report, its broken March report, a
    note and a damaged workbook sit in a GBK-named folder under GBK names."""
    src = write_city(tmp_path / "input", skip={("ZD-002", 2), ("ZD-002", 3), ("ZD-002", 4)}, folder="曾都区")
    sub = bpath(src, gbk("西城驿站报表"))
    sub.mkdir()
    feb = write_report(
        bpath(sub, gbk("西城2月") + b".xlsx"),
        station="ZD-002",
        name="西城零工驿站",
        county="曾都区",
        month="2023-02",
        values={"C1": 23},
    )
    mar = write_report(
        bpath(sub, gbk("西城3月") + b".xlsx"),
        station="ZD-002",
        name="西城零工驿站",
        county="曾都区",
        month="2023-03",
        values={"C1": "十二"},
    )
    bpath(sub, gbk("说明") + b".txt").write_text("请查收", encoding="gbk")
    # A name in no encoding at all (0xFF starts nothing in GBK or UTF-8): April is still read.
    write_report(
        bpath(sub, b"\xff\xfe-4.xlsx"),
        station="ZD-002",
        name="西城零工驿站",
        county="曾都区",
        month="2023-04",
        values={"C1": 41},
    )
    bpath(sub, b"\xff\xfe" + gbk("损坏") + b".xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    return {"src": src, "feb": feb, "mar": mar, "out": tmp_path / "out"}


FEB, MAR = "西城驿站报表/西城2月.xlsx", "西城驿站报表/西城3月.xlsx"
NOTE = "西城驿站报表/说明.txt"
APR = "西城驿站报表/\ufffd\ufffd-4.xlsx"


@pytest.mark.timeout(300)  # starts worker processes
def test_gbk_names_are_read_graded_and_listed_in_every_output(gbk_city, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    src, out = gbk_city["src"], gbk_city["out"]
    before = {p: p.read_bytes() for p in (gbk_city["feb"], gbk_city["mar"])}
    summary = run_on(src, out, PERIOD)
    assert summary.exit_code == 1  # March has an error: data problem, not a stopped run

    outcomes = {o.file: o for o in summary.outcomes}
    damaged = [f for f in outcomes if f.startswith("西城驿站报表/\ufffd") and f != APR]
    assert len(damaged) == 1 and outcomes[damaged[0]].kind == "rejected"
    assert outcomes[FEB].kind == "report" and outcomes[FEB].status == "采用"
    assert outcomes[MAR].status == "退回"
    assert outcomes[NOTE].kind == "skipped" and ".txt" in outcomes[NOTE].reason

    # Graded by content: February counts (23 jobs collected), it is not 缺报.
    zd2 = next(r for r in summary.results if r.station.code == "ZD-002")
    feb_src = next(s for s in zd2.month_sources if s.month == "2023-02")
    assert (feb_src.status, feb_src.file) == ("采用", FEB)
    assert zd2.monthly["2023-02"]["C1"] == 23
    assert "2023-02" not in zd2.missing_months
    apr = next(s for s in zd2.month_sources if s.month == "2023-04")
    assert (apr.status, apr.file) == ("采用", APR) and zd2.monthly["2023-04"]["C1"] == 41

    p = summary.out_dir
    record = json.loads((p / RUN_RECORD_NAME).read_text(encoding="utf-8"))
    assert {f["file"] for f in record["input_files"]} >= {FEB, MAR, NOTE, damaged[0]}
    results = (p / RESULTS_JSON_NAME).read_text(encoding="utf-8")
    assert FEB in results
    with sqlite3.connect(out / HISTORY_DB_NAME) as conn:
        files = {f for (f,) in conn.execute("SELECT file FROM input_files")}
    assert {FEB, MAR, NOTE, damaged[0]} <= files

    listed = {
        c
        for row in read_workbook(p / validation_report_name("2023年上半年")).sheet("汇总").rows
        for c in row
        if isinstance(c, str)
    }
    assert {FEB, MAR, NOTE, damaged[0]} <= listed
    problems = read_workbook(p / validation_report_name("2023年上半年")).sheet("校验问题").rows
    assert any(MAR in row for row in problems)

    # The return copy was made from the real (GBK-named) file, and the input is untouched.
    copies = list((p / RETURNS_FOLDER).glob(f"ZD-002_2023-03*{RETURN_COPY_SUFFIX}"))
    assert len(copies) == 1 and read_workbook(copies[0]).sheet_names
    assert {q: q.read_bytes() for q in before} == before


@pytest.mark.timeout(300)
def test_a_gbk_named_input_folder_through_the_command(gbk_city, tmp_path):
    """The clerk's command on a folder whose own name is GBK bytes, with reading workers:
    exit 1 for the data error, a digest in Chinese, no traceback."""
    parent = bpath(tmp_path, gbk("二月报表"))
    os.rename(gbk_city["src"], parent)
    out = bpath(tmp_path, gbk("输出"))
    p = subprocess.run(
        [
            sys.executable,
            str(ROOT / "process.py"),
            "--input",
            os.fsencode(parent),
            "--output",
            os.fsencode(out),
            "--period",
            PERIOD,
            "--quiet",
            "--workers",
            "2",
        ],
        capture_output=True,
        timeout=280,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
    )
    stdout, stderr = p.stdout.decode("utf-8"), p.stderr.decode("utf-8", "replace")
    assert p.returncode == 1, stderr
    assert "Traceback" not in stderr and "程序内部错误" not in stderr, stderr
    assert "/输出/2023H1" in stdout  # the output folder shown as text, not as bytes
    record = json.loads((out / PERIOD / RUN_RECORD_NAME).read_text(encoding="utf-8"))
    assert record["input_dir"].endswith("/二月报表")
    assert FEB in {f["file"] for f in record["input_files"]}
