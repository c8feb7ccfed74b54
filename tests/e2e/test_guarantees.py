"""The properties every run promises (spec/outputs.md, "Properties of every run"),
each checked on whole runs of the command as a clerk runs it:

- inputs unchanged, byte for byte, mtime included;
- crash safety: SIGKILL at random points never leaves a half-written output, the
  history database stays sound, and the next run gives the uninterrupted results;
- a full disk or a read-only output folder gives a message and exit status 2,
  no traceback and no partial file;
- determinism: two runs give the same grades, cells and (where the libraries
  allow) bytes;
- no formula injection, no unmasked personal data, no file outside the output folder.

LINGONG_CRASH_KILLS (default 8) sets how many times the crash test kills a run.
"""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
import os
import random
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from lingong import cli, report_template
from lingong.demo import build_demo
from lingong.layout import (
    MAIL_FOLDER,
    RECORD_CARD_NAME,
    RESULTS_JSON_NAME,
    RETURNS_FOLDER,
    RUN_RECORD_NAME,
    summary_name,
)
from lingong.read.workbook import read_workbook
from lingong.runtime import outfiles
from lingong.runtime.runlock import LOCK_NAME
from support import corpus
from support.paths import ROOT  # noqa: E402
from support.report_factory import DEFAULT_VALUES, sample_details, valid_id

PROCESS = str(ROOT / "process.py")
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}  # one "today" for every run: deadlines agree
PERIOD = "2023H1"
KILLS = int(os.environ.get("LINGONG_CRASH_KILLS", "8"))
SEED = 20230605
BOUND_S = 300
TMP_PREFIX = ".~tmp-"
OUTPUT_SUFFIXES = (".xlsx", ".xlsm", ".docx", ".json", ".eml", ".sqlite3", ".pdf", ".csv")


def command(src: Path, out: Path, *extra: str, period: str = PERIOD, sub: str = "") -> list[str]:
    """The assessment (``sub`` "": writes every document of it) or a sub-command such as mail."""
    return [
        sys.executable,
        PROCESS,
        *([sub] if sub else []),
        "--input",
        str(src),
        "--output",
        str(out),
        "--period",
        period,
        "--quiet",
        "--workers",
        "2",
        *extra,
    ]


# Fault injection for the crash test: writes under the output folder go out in small
# pieces with a pause between them, so that a kill at a random moment often lands in the
# middle of a file (unslowed, a file takes microseconds to write and kills rarely hit one).
# Nothing else changes: the same process.py runs, with the same code.
SLOW_WRITES = r"""
import builtins, io, os, runpy, sys, time
_open, OUT = io.open, os.environ["LINGONG_TEST_SLOW_OUT"]

class SlowFile:
    def __init__(self, f):
        self._f = f
    def write(self, b):
        n = 0
        for i in range(0, len(b), 8192):
            n += self._f.write(b[i:i + 8192])
            self._f.flush()
            time.sleep(0.001)
        return n
    def __getattr__(self, name):
        return getattr(self._f, name)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self._f.__exit__(*exc)

def slow_open(file, mode="r", *a, **kw):
    f = _open(file, mode, *a, **kw)
    if any(m in mode for m in "wax+") and os.path.abspath(str(file)).startswith(OUT):
        return SlowFile(f)
    return f

builtins.open = io.open = slow_open
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run_cli(src: Path, out: Path, **kw) -> subprocess.CompletedProcess:
    """The assessment, then its mail (written from the record): every output a clerk gets."""
    first = subprocess.run(command(src, out, **kw), env=ENV, capture_output=True, text=True, timeout=BOUND_S)
    if first.returncode not in (0, 1):
        return first
    kw.pop("sub", None)
    mail = subprocess.run(command(src, out, sub="mail", **kw), env=ENV, capture_output=True, text=True, timeout=BOUND_S)
    code = first.returncode if mail.returncode in (0, 1) else mail.returncode
    return subprocess.CompletedProcess(first.args, code, first.stdout + mail.stdout, first.stderr + mail.stderr)


# ---- checking an output folder ------------------------------------------------------


def _eml_defects(msg) -> list:
    out = list(msg.defects)
    for part in msg.walk():
        out.extend(part.defects)
    return out


def check_file(p: Path) -> None:
    """Raise AssertionError unless ``p`` is a complete file of its kind."""
    ext = p.suffix.lower()
    if ext in (".xlsx", ".xlsm", ".docx"):
        with zipfile.ZipFile(p) as z:
            assert z.testzip() is None, p
            names = set(z.namelist())
        assert "[Content_Types].xml" in names, p
        if ext != ".docx":
            wb = read_workbook(p)
            assert wb.sheet_names, p
        else:
            assert "word/document.xml" in names, p
    elif ext == ".json":
        json.loads(p.read_text(encoding="utf-8"))
    elif ext == ".eml":
        msg = email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        assert msg["To"] is not None or msg["Subject"] is not None, p
        assert not _eml_defects(msg), (p, _eml_defects(msg))
    elif ext == ".csv":  # 月度明细.csv: the header and whole rows, each as long as the header
        from lingong.grade.monthly import HEADERS

        text = p.read_bytes().decode("utf-8-sig")
        assert text.endswith("\r\n"), p
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == list(HEADERS) and all(len(r) == len(HEADERS) for r in rows), p
    elif ext == ".sqlite3":
        conn = sqlite3.connect(p)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", p
        finally:
            conn.close()
    else:
        raise AssertionError(f"unexpected output file {p}")


def check_outputs(root: Path) -> list[Path]:
    """Every file that looks finished is complete; returns the leftover temp files.

    A temp file must be unmistakable: hidden (".~tmp-") and not ending in an output
    suffix, so neither a clerk's file manager nor a "*.eml" glob takes it for one."""
    temps = []
    for p in sorted(root.rglob("*")):
        if p.is_dir() or p.name.endswith(("-wal", "-shm", "-journal")):
            continue
        if p.name == LOCK_NAME:  # a killed run cannot remove its run lock; the next run takes it over
            assert json.loads(p.read_text(encoding="utf-8"))["pid"] > 0, p
            continue
        if p.name.startswith(TMP_PREFIX):
            assert not p.name.lower().endswith(OUTPUT_SUFFIXES), f"temp file looks like an output: {p}"
            temps.append(p)
            continue
        check_file(p)
    return temps


def finished_files(root: Path) -> set[str]:
    """The current version's files (a killed run that was recorded left its version in 旧版本/)."""
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file()
        and not p.name.startswith(TMP_PREFIX)
        and not p.name.endswith(("-wal", "-shm"))
        and "旧版本" not in p.relative_to(root).parts
    }


def results_without_run_identity(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in ("run_id", "started_at", "version"):  # a run killed after recording left an earlier version
        data["run"].pop(key, None)
    return data


# ---- the demo city, run once uninterrupted --------------------------------------------


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    base = tmp_path_factory.mktemp("city")
    src = base / "input"
    build_demo(src)
    before = corpus.snapshot(src)
    ref = run_cli(src, base / "reference")
    after = corpus.snapshot(src)
    assert ref.returncode == 1, ref.stderr  # the demo plants errors
    return {
        "base": base,
        "src": src,
        "before": before,
        "after": after,
        "reference": base / "reference",
    }


def test_inputs_unchanged_byte_for_byte_mtime_included(city):
    assert city["after"] == city["before"]
    assert len(city["before"]) > 250


def test_crash_safety_sigkill_at_random_points(city, tmp_path):
    """Kill the command at seeded random moments, again and again on the same output
    folder; after each kill every finished-looking file is complete and the history
    database passes integrity_check; then one full run gives the uninterrupted results."""
    rng = random.Random(SEED)
    out = tmp_path / "out"

    def slow_run(folder: Path) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-c", SLOW_WRITES, *command(city["src"], folder)[1:]],
            env={**ENV, "LINGONG_TEST_SLOW_OUT": str(folder.absolute())},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    # The kills are spread over the time of the run they interrupt: the slowed assessment
    # on a folder it has already written once (later runs reuse the read cache, so they are
    # faster than the reference run, which also includes the mail and a cold cache).
    scratch = tmp_path / "timing"
    for _ in range(2):
        t0 = time.monotonic()
        assert slow_run(scratch).wait(timeout=BOUND_S) in (0, 1)
        duration = time.monotonic() - t0
    log = []
    for k in range(KILLS):
        # one seeded random point in each of KILLS equal slices of an uninterrupted run's time
        delay = 0.2 + (duration * 1.2 - 0.2) * (k + rng.random()) / KILLS
        started = time.time()
        proc = slow_run(out)
        try:
            proc.wait(timeout=delay)
            killed = False
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            killed = True
        try:  # reading workers notice their parent is gone; make sure none outlives the test
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        temps = check_outputs(out) if out.exists() else []
        fresh = (
            sum(1 for p in out.rglob("*") if p.is_file() and p.stat().st_mtime >= started - 1) if out.exists() else 0
        )
        log.append((round(delay, 2), killed, fresh, len(temps)))
    print(
        "\nkills (delay s, killed, files written by that run, leftover temps):",
        log,
        sorted(p.name for p in out.rglob(TMP_PREFIX + "*")),
    )
    assert sum(1 for _, killed, _, _ in log if killed) >= max(1, KILLS // 2)

    final = run_cli(city["src"], out)
    assert final.returncode == 1, final.stderr
    check_outputs(out)
    ref = city["reference"]
    assert results_without_run_identity(out / PERIOD / RESULTS_JSON_NAME) == results_without_run_identity(
        ref / PERIOD / RESULTS_JSON_NAME
    )
    assert finished_files(out) == finished_files(ref)


# ---- full disk, read-only folder ----------------------------------------------------------


def _file_size_limit(limit: int):
    def pre():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return pre


@pytest.mark.parametrize("limit_kb", [4, 400])
def test_a_full_disk_gives_a_message_and_status_2_and_no_partial_file(city, tmp_path, limit_kb):
    """RLIMIT_FSIZE makes the kernel refuse writes past a size, as a full disk does: at 4 KB
    the history database cannot grow, at 400 KB results.json cannot be written."""
    if limit_kb == 400:  # the case needs a results.json bigger than the limit (the demo's is ~900 KB)
        assert (city["reference"] / PERIOD / RESULTS_JSON_NAME).stat().st_size > limit_kb * 1024
    out = tmp_path / "out"
    p = subprocess.run(
        command(city["src"], out),
        env=ENV,
        capture_output=True,
        text=True,
        timeout=BOUND_S,
        preexec_fn=_file_size_limit(limit_kb * 1024),
    )
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr and "程序内部错误" not in p.stderr, p.stderr
    assert "磁盘空间" in p.stderr and "改名" not in p.stderr, p.stderr  # not "rename the damaged database"
    assert str(out) in p.stderr, p.stderr  # names the file that could not be written
    assert not re.search(r"[A-Za-z]+ [a-z/]+ [a-z]+", p.stderr), p.stderr  # in Chinese, not an English strerror
    assert check_outputs(out) == []  # no temp left, every finished-looking file complete


def _refuse_writes_under(root: Path):
    """A read-only folder as the kernel shows it to a non-root user (root ignores modes)."""
    real_mkstemp, real_mkdir = outfiles.tempfile.mkstemp, os.mkdir
    root = str(root)

    def mkstemp(*a, dir=None, **kw):
        if dir is not None and str(dir).startswith(root):
            raise PermissionError(13, "Permission denied", str(dir))
        return real_mkstemp(*a, dir=dir, **kw)

    def mkdir(path, *a, **kw):
        if str(path).startswith(root):
            raise PermissionError(13, "Permission denied", str(path))
        return real_mkdir(path, *a, **kw)

    return mkstemp, mkdir


def test_a_read_only_output_folder_gives_a_message_and_status_2(city, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    (out / PERIOD).mkdir(parents=True)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", ENV["SOURCE_DATE_EPOCH"])
    if os.geteuid() != 0:
        for d in (out / PERIOD, out):
            d.chmod(0o555)
    else:
        mkstemp, mkdir = _refuse_writes_under(out / PERIOD)
        monkeypatch.setattr(outfiles.tempfile, "mkstemp", mkstemp)
        monkeypatch.setattr(os, "mkdir", mkdir)
    try:
        code = cli.main(
            ["--input", str(city["src"]), "--output", str(out), "--period", PERIOD, "--quiet", "--workers", "1"]
        )
    finally:
        for d in (out, out / PERIOD):
            d.chmod(0o755)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and "程序内部错误" not in err, err
    assert "写入权限" in err, err
    assert [p for p in (out / PERIOD).rglob("*") if p.is_file()] == []


# ---- determinism -------------------------------------------------------------------------


def _cells(data: bytes, run_id: str = "") -> dict:
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".xlsx") as f:
        f.write(data)
        f.flush()
        wb = read_workbook(Path(f.name))
        return {
            n: [["<run-id>" if v == run_id else v for v in row] for row in wb.sheet(n).rows] for n in wb.sheet_names
        }


def _run_id(out: Path) -> str:
    return json.loads((out / PERIOD / RESULTS_JSON_NAME).read_text(encoding="utf-8"))["run"]["run_id"]


def _mail_content(p: Path) -> tuple:
    """A draft as its reader sees it: headers (but the ids derived from attachment bytes),
    text parts, and attachments (workbooks by their cells)."""
    msg = email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
    headers = [
        (k, str(v))
        for k, v in msg.items()
        if k != "Message-ID" and not k.startswith("X-Lingong-Attachments") and not k.startswith("Content-Type")
    ]
    parts = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        data = part.get_payload(decode=True)
        name = part.get_filename()
        parts.append((name, _cells(data) if name and name.endswith(".xlsx") else data))
    return headers, parts


def _byte_differences(ref: Path, again: Path) -> list[str]:
    ids = {ref: _run_id(ref), again: _run_id(again)}
    differ = []
    for rel in sorted(finished_files(ref)):
        a, b = ref / rel, again / rel
        if rel.endswith(".sqlite3") or a.read_bytes() == b.read_bytes():
            continue  # the history database holds every run's id by design
        differ.append(rel)
        if rel.endswith((".xlsx", ".xlsm")):
            assert _cells(a.read_bytes(), ids[ref]) == _cells(b.read_bytes(), ids[again]), rel
        elif rel.endswith(".eml"):
            assert _mail_content(a) == _mail_content(b), rel
        else:

            def norm(root, path):
                text = path.read_text(encoding="utf-8")
                return text.replace(ids[root], "<run-id>").replace(str(root), "<out>")

            assert norm(ref, a) == norm(again, b), rel
    return differ


@pytest.fixture(scope="module")
def second_run(city):
    again = city["base"] / "again"
    p = run_cli(city["src"], again)
    assert p.returncode == 1, p.stderr
    return again


# Files whose bytes may differ between runs: the run's own identity (its id in results.json,
# 运行记录.json and the summary's 说明 sheet; where it wrote, in 运行记录.json).
RUN_IDENTITY = {
    f"{PERIOD}/{RECORD_CARD_NAME}",
    f"{PERIOD}/{RESULTS_JSON_NAME}",
    f"{PERIOD}/{RUN_RECORD_NAME}",
    f"{PERIOD}/{summary_name('2023年上半年')}",
}


def test_two_runs_give_identical_grades_cells_and_files(city, second_run):
    ref, again = city["reference"], second_run
    assert results_without_run_identity(again / PERIOD / RESULTS_JSON_NAME) == results_without_run_identity(
        ref / PERIOD / RESULTS_JSON_NAME
    )
    assert finished_files(ref) == finished_files(again)
    differ = _byte_differences(ref, again)  # asserts same cells / same mail content for each
    # Return copies and the mails carrying them included: every file but the run's identity is byte-identical.
    assert [rel for rel in differ if rel not in RUN_IDENTITY] == []


def test_return_copies_and_the_mails_carrying_them_are_byte_identical(city, second_run):
    differ = _byte_differences(city["reference"], second_run)
    assert [rel for rel in differ if rel not in RUN_IDENTITY] == []


# ---- what stations type: formulas, personal data, paths --------------------------------------

PAYLOADS = ("=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", '=HYPERLINK("http://evil.example/","点我")')
HTML_PAYLOAD = "<script>alert('驿站')</script>"
PHONES = ("13912345678", "15071234567")


def _hostile_city(src: Path) -> dict:
    """Three stations whose reports carry formula text, HTML, personal data in wrong places
    and path-like text, each with an error so it shows up in every output (validation
    report, return copy, mail body)."""
    src.mkdir(parents=True)
    stations = [("ZD-001", "东城零工驿站"), ("ZD-002", "西城零工驿站"), ("ZD-003", "南郊零工驿站")]
    corpus.write_registry(src / "驿站名册.xlsx", stations)
    ids, phones = [], list(PHONES)
    for i, (code, name) in enumerate(stations):
        values = dict(DEFAULT_VALUES, C2=3)
        details = sample_details(values, "2023-03")
        for k, row in enumerate(details["求职登记"]):
            row["身份证号"] = valid_id(100 * i + k + 7)
            ids.append(row["身份证号"])
            phones.append(row["联系电话"])
        details["求职登记"][0]["身份证号"] = details["求职登记"][0]["身份证号"][:-1] + "0"  # V010 quotes it
        ids.append(details["求职登记"][0]["身份证号"])
        details["求职登记"][1]["姓名"] = PHONES[0]  # a phone typed into the name column
        details["人岗匹配"][0]["身份证号"] = int(valid_id(100 * i + 55)[:17] + "0") if i == 0 else valid_id(9)
        ids.append(str(details["人岗匹配"][0]["身份证号"]))
        details["岗位信息"][0]["薪酬待遇"] = f"面议，联系 {PHONES[1]}"
        # personal numbers where a check quotes the cell back: an ID as a date (V012),
        # a phone as 性别 (V016); the validation report, return copy and mail repeat them
        details["求职登记"][2]["登记日期"] = valid_id(100 * i + 77)
        ids.append(details["求职登记"][2]["登记日期"])
        details["求职登记"][2]["性别"] = PHONES[1]
        values["C4"] = "十五"  # V002: makes the report an error one (return copy, mail rows)
        path = src / f"{PAYLOADS[i].replace('/', '_')}_{code}.xlsx"  # station-chosen file name
        corpus.report(
            src,
            code,
            name,
            path.name,
            values=values,
            details=details,
            info_overrides={"填报人": PAYLOADS[(i + 1) % len(PAYLOADS)], "联系电话": "13872201234"},
        )
        phones.append("13872201234")

        def inject(wb, i=i):
            info = wb[report_template.SHEET_INFO]
            for row in info.iter_rows():
                for c in row:
                    if c.value == "驿站名称":
                        corpus.set_text(info, c.row, c.column + 1, PAYLOADS[i] + HTML_PAYLOAD + f"联系{PHONES[0]}")
                    if c.value == "所属县（市、区）":
                        corpus.set_text(info, c.row, c.column + 1, "../../../../tmp/逃逸/..\\..\\x")
            ind = wb[report_template.SHEET_INDICATORS]
            for r in range(3, ind.max_row + 1):
                corpus.set_text(ind, r, 6, PAYLOADS[(i + r) % len(PAYLOADS)])  # 备注
            jobs = wb["岗位信息"]
            for r in range(2, jobs.max_row + 1):
                corpus.set_text(jobs, r, 2, PAYLOADS[r % len(PAYLOADS)])

        corpus.edit(path, inject)
    # a report whose station code is a path: it is not in the registry and gets a return copy
    corpus.report(src, "../../../逃逸", "逃逸驿站", "stray.xlsx", month="../../2023-03")
    return {"ids": sorted(set(ids)), "phones": sorted(set(phones))}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    planted = _hostile_city(base / "input")
    p = run_cli(base / "input", base / "output", period="2023-03")
    assert p.returncode == 1, p.stderr
    assert "Traceback" not in p.stderr
    return {"base": base, "out": base / "output", "planted": planted}


def _output_files(out: Path) -> list[Path]:
    return [p for p in sorted(out.rglob("*")) if p.is_file()]


def _formula_cells(p: Path) -> list[str]:
    found = []
    with zipfile.ZipFile(p) as z:
        for n in z.namelist():
            if n.startswith("xl/worksheets/") and n.endswith(".xml"):
                found += [f"{n}: {m}" for m in re.findall(rb"<(?:\w+:)?f[ >].*?</(?:\w+:)?f>|<(?:\w+:)?f/>", z.read(n))]
    return found


def _xlsx_texts(data: bytes) -> list[str]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_station_text_never_becomes_a_formula(hostile_run):
    out = hostile_run["out"]
    workbooks = [p for p in _output_files(out) if p.suffix in (".xlsx", ".xlsm")]
    assert any(RETURNS_FOLDER in p.parts for p in workbooks)
    seen = set()
    for p in workbooks:
        assert _formula_cells(p) == [], p
        for text in _xlsx_texts(p.read_bytes()):
            seen.update(x for x in PAYLOADS if x in text)
    assert seen == set(PAYLOADS)  # they were written, as text


def test_station_text_is_harmless_in_every_email(hostile_run):
    """Drafts are plain text, so =1+1 in a body is only text; attached workbooks hold no formula
    (the return copy attached is the station's own workbook with its text kept as text)."""
    emls = [p for p in _output_files(hostile_run["out"]) if p.suffix == ".eml"]
    assert emls
    bodies = ""
    for p in emls:
        msg = email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        bodies += msg.get_body(("plain",)).get_content()
        for part in msg.walk():
            ctype = part.get_content_type()
            if ctype == "text/html":
                assert "<script" not in part.get_content().lower(), p
            elif part.get_filename() and part.get_filename().endswith((".xlsx", ".xlsm")):
                data = part.get_payload(decode=True)
                with zipfile.ZipFile(io.BytesIO(data)) as z:
                    for n in z.namelist():
                        if n.startswith("xl/worksheets/"):
                            assert not re.search(rb"<(?:\w+:)?f[ >/]", z.read(n)), (p, n)
        for header in ("Subject", "To", "From"):
            assert "\n" not in str(msg[header] or ""), (p, header)
    assert PAYLOADS[0] in bodies  # the station's own text is quoted back, as text


def _texts_of(p: Path) -> list[tuple[str, str]]:
    """(where, text) for everything readable in an output file, unzipped and decoded."""
    data = p.read_bytes()
    if p.suffix == ".sqlite3":
        conn = sqlite3.connect(p)
        try:
            rows = []
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'"):
                rows += [(f"{p}:{table}", repr(r)) for r in conn.execute(f'SELECT * FROM "{table}"')]
            return rows
        finally:
            conn.close()
    if p.suffix == ".eml":
        msg = email.message_from_bytes(data, policy=email.policy.default)
        out = [(f"{p}:headers", str(msg.items()))]
        for part in msg.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True) or b""
            name = part.get_filename() or part.get_content_type()
            out += _texts_of_bytes(f"{p}:{name}", payload, is_return_copy="退回" in name)
        return out
    return _texts_of_bytes(str(p), data, is_return_copy=RETURNS_FOLDER in p.parts)


def _texts_of_bytes(where: str, data: bytes, is_return_copy: bool) -> list[tuple[str, str]]:
    if data[:2] != b"PK":
        return [(where, data.decode("utf-8", "replace"))]
    if is_return_copy:
        # The station's own workbook goes back to the station that typed it: its own sheets
        # keep their data (masking would destroy it). What the tool adds must be masked:
        # the 问题清单 sheet and the comments.
        wb = openpyxl.load_workbook(io.BytesIO(data))
        out = [(f"{where}:问题清单", str(c.value)) for row in wb["问题清单"].iter_rows() for c in row if c.value]
        out += [
            (f"{where}:{ws.title}!{c.coordinate} comment", c.comment.text)
            for ws in wb.worksheets
            for row in ws.iter_rows()
            for c in row
            if c.comment
        ]
        return out
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(f"{where}:{n}", z.read(n).decode("utf-8", "replace")) for n in z.namelist()]


def test_no_id_number_or_phone_appears_unmasked_in_any_output(hostile_run):
    planted = hostile_run["planted"]
    files = _output_files(hostile_run["out"])
    assert any(p.suffix == ".eml" for p in files) and any(RETURNS_FOLDER in p.parts for p in files)
    leaks = []
    for p in files:
        for where, text in _texts_of(p):
            leaks += [(where, v) for v in planted["ids"] + planted["phones"] if v in text]
    assert leaks == []


def test_no_station_text_puts_a_file_outside_the_output_folder(hostile_run):
    base, out = hostile_run["base"], hostile_run["out"]
    assert sorted(p.name for p in base.iterdir()) == ["input", "output"]
    assert not Path("/tmp/逃逸").exists()
    real_out = out.resolve()
    for p in out.rglob("*"):
        assert real_out in p.resolve().parents
        assert ".." not in p.relative_to(out).parts
    returns = sorted(p.name for p in (out / "2023-03" / RETURNS_FOLDER).iterdir())
    assert len(returns) == 4 and all("/" not in n and not n.startswith(".") for n in returns), returns


# ---- the one place every writer goes through ------------------------------------------------


@pytest.mark.parametrize(
    "wrap",
    [lambda e: e, lambda e: __import__("xlsxwriter").exceptions.FileCreateError(e)],
    ids=["OSError", "xlsxwriter FileCreateError"],
)
def test_a_refused_write_leaves_no_file_and_names_the_output_in_chinese(tmp_path, wrap):
    final = tmp_path / "县区" / "校验报告.xlsx"
    with pytest.raises(OSError) as caught:
        with outfiles.atomic_path(final) as tmp:
            tmp.write_bytes(b"PK half")
            raise wrap(OSError(28, "No space left on device"))
    assert (caught.value.strerror, caught.value.filename) == ("磁盘空间不足", str(final))
    assert list(final.parent.iterdir()) == []


def test_an_unrelated_error_inside_a_write_is_not_dressed_up_as_a_full_disk(tmp_path):
    with pytest.raises(FileNotFoundError):
        with outfiles.atomic_path(tmp_path / "a.json"):
            raise FileNotFoundError(2, "No such file or directory", "templates/x.docx")
    assert list(tmp_path.iterdir()) == []


def test_zip_timestamps_are_pinned(tmp_path):
    p = tmp_path / "a.docx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr(
            "docProps/core.xml",
            '<cp:coreProperties><dcterms:modified xsi:type="dcterms:W3CDTF">'
            "2026-11-28T02:11:08Z</dcterms:modified></cp:coreProperties>",
        )
        z.writestr("word/document.xml", "<w:document/>")
    outfiles.fix_zip_timestamps(p)
    with zipfile.ZipFile(p) as z:
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        assert b"2000-01-01T00:00:00Z" in z.read("docProps/core.xml")


def test_remove_temps_clears_what_a_killed_writer_left_and_nothing_else(tmp_path):
    sub = tmp_path / "2023H1" / MAIL_FOLDER
    sub.mkdir(parents=True)
    keep = [sub / "ZD-001_东城.eml", tmp_path / "2023H1" / RESULTS_JSON_NAME, sub / ".~tmp-notes.txt"]
    for p in keep:
        p.write_text("x")
    pid = os.fork()
    if pid == 0:  # a writer killed inside atomic_path: no cleanup runs
        with outfiles.atomic_path(sub / "ZD-002_西城.eml") as tmp:
            tmp.write_bytes(b"MIME-Version: 1.0\r\nhalf")
            os._exit(0)
    os.waitpid(pid, 0)
    [left] = [p for p in sub.iterdir() if p.name.startswith(".~tmp-eml-")]
    assert not left.name.endswith(".eml")
    assert outfiles.remove_temps(tmp_path) == [left]
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == sorted(keep)


def test_a_failed_run_leaves_no_temp_file(city, tmp_path):
    """Document writers run in workers; when one fails (disk full) the others may be stopped
    mid-file. The run clears every temp file of the period folder, a stale one included."""
    out = tmp_path / "out"
    (out / PERIOD).mkdir(parents=True)
    stale = out / PERIOD / ".~tmp-xlsx-left-by-a-killed-run.part"
    stale.write_bytes(b"PK")
    p = subprocess.run(
        command(city["src"], out),
        env=ENV,
        capture_output=True,
        text=True,
        timeout=BOUND_S,
        preexec_fn=_file_size_limit(400 * 1024),
    )
    assert p.returncode == 2, p.stderr
    assert check_outputs(out) == []
