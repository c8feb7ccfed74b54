"""The read cache (lingong/read/cache.py): a file read before is not read again, and what
the cache gives is what reading gives, field for field; anything that changes what
reading gives reads again; a damaged, foreign or half-written cache never costs more
than a fresh read."""

from __future__ import annotations

import os
import pickle
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import lingong
from lingong import reading
from lingong.demo import build_demo
from lingong.discover.walk import discover
from lingong.layout import CACHE_NAME
from lingong.model.records import KIND_REPORT
from lingong.read import cache as read_cache
from lingong.read.cache import ReadCache, fingerprint
from support.report_factory import write_report

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_city(tmp_path_factory) -> Path:
    """The demo city: messy-but-valid, returned, damaged, .xls, lock files, registry, decisions."""
    src = tmp_path_factory.mktemp("demo") / "input"
    build_demo(src)
    return src


@pytest.fixture
def city(demo_city, tmp_path) -> Path:
    dest = tmp_path / "input"
    shutil.copytree(demo_city, dest)
    return dest


class Spy:
    """What each read_files call sent to the readers (a file taken from the cache is not among them)."""

    def __init__(self, monkeypatch):
        self.read: list[list[str]] = []
        run_isolated, read_files = reading.run_isolated, reading.read_files

        def spy_run(func, items, **kw):
            items = list(items)
            self.read[-1].extend(rel for _, rel in items)
            return run_isolated(func, items, **kw)

        def spy_read(*a, **kw):
            self.read.append([])
            return read_files(*a, **kw)

        monkeypatch.setattr(reading, "run_isolated", spy_run)
        monkeypatch.setattr(reading, "read_files", spy_read)

    @property
    def last(self) -> list[str]:
        return self.read[-1]


def _read(src: Path, out: Path | None, notes: list | None = None):
    cands = discover(src, exclude=out).candidates if out else discover(src).candidates
    return reading.read_files(cands, workers=1, progress=False, cache_dir=out, notes=notes)


def _by_file(results):
    return {r.outcome.file: r for r in results}


def _reports(results) -> list[str]:
    return [r.outcome.file for r in results if r.outcome.kind == KIND_REPORT and r.grids is None]


def test_a_hit_gives_what_a_fresh_read_gives_in_every_field(city, tmp_path, monkeypatch):
    out = tmp_path / "out"
    fresh = _read(city, None)
    spy = Spy(monkeypatch)
    first = _read(city, out)
    notes: list[str] = []
    second = _read(city, out, notes)
    assert first == fresh
    assert second == fresh  # every field of every result: records, issues, outcomes, times, sources
    assert notes == []
    reports = _reports(fresh)
    assert len(reports) > 250
    assert not set(reports) & set(spy.last)  # none of them read again
    # What is read again every time: the bureau's own files (personal data) and the
    # reports whose cell grids a return copy may need (.xls/.xlsb/.ods).
    again = _by_file(fresh)
    assert spy.last and all(
        again[f].stations is not None
        or again[f].decision_rows is not None
        or again[f].grids is not None
        or again[f].outcome.kind == "unstable"
        for f in spy.last
    ), spy.last


def test_a_changed_report_is_read_again_and_only_it(city, tmp_path, monkeypatch):
    out = tmp_path / "out"
    _read(city, out)
    target = city / "曾都区" / "东城街道零工驿站" / "ZD-001_东城街道零工驿站_2023年3月_月度运维报表.xlsx"
    rel = target.relative_to(city).as_posix()
    write_report(target, station="ZD-001", name="东城街道零工驿站", month="2023-03", values={"C1": 777})
    spy = Spy(monkeypatch)
    again = _read(city, out)
    assert rel in spy.last and not set(_reports(again)) - {rel} & set(spy.last)
    assert _by_file(again)[rel].report.values["C1"] == 777
    assert again == _read(city, None)


def test_a_file_only_touched_is_not_read_again_but_has_its_new_time(city, tmp_path, monkeypatch):
    out = tmp_path / "out"
    _read(city, out)
    target = sorted(city.rglob("*.xlsx"))[5]
    rel = target.relative_to(city).as_posix()
    os.utime(target, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    spy = Spy(monkeypatch)
    again = _read(city, out)
    assert rel not in spy.last
    assert _by_file(again)[rel].outcome.mtime == 1_700_000_000.0
    assert again == _read(city, None)


def test_a_file_changed_as_it_was_read_under_the_same_size_and_time_is_hashed_and_read_again(
    city, tmp_path, monkeypatch
):
    """The racily-clean case: a change within the file system's time granularity of the
    reading keeps the time; the hash tells."""
    out = tmp_path / "out"
    fresh = _read(city, None)
    target = next(city / f for f in _reports(fresh) if not _by_file(fresh)[f].report.has_error)
    rel = target.relative_to(city).as_posix()
    os.utime(target)  # written just now, read at once
    _read(city, out)
    st = target.stat()
    data = bytearray(target.read_bytes())
    data[-30] ^= 0x01  # a byte of the zip's central directory comment/offsets: same size, other content
    target.write_bytes(bytes(data))
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    spy = Spy(monkeypatch)
    again = _read(city, out)
    assert rel in spy.last
    assert again == _read(city, None)


def test_a_file_as_it_was_is_not_opened_and_a_touched_one_is_hashed_once(city, tmp_path, monkeypatch):
    out = tmp_path / "out"
    old = 1_600_000_000_000_000_000  # long before the reading: its stat is enough
    for p in city.rglob("*"):
        if p.is_file():
            os.utime(p, ns=(old, old))
    _read(city, out)
    hashed: list[str] = []
    real = read_cache.file_hash
    monkeypatch.setattr(read_cache, "file_hash", lambda path: hashed.append(path) or real(path))
    assert _read(city, out) == _read(city, None)
    assert hashed == []
    touched = sorted(city.rglob("*.xlsx"))[7]
    os.utime(touched, ns=(old + 10**9, old + 10**9))
    _read(city, out)
    assert hashed == [str(touched)]  # hashed to confirm it is the same file...
    hashed.clear()
    _read(city, out)
    assert hashed == []  # ...and its new time kept for the next run


def _package_copy(tmp_path) -> Path:
    pkg = tmp_path / "pkg" / "lingong"
    shutil.copytree(Path(lingong.__file__).parent, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    return pkg


@pytest.mark.parametrize(
    "edit, changes",
    [
        ("report_template.py", True),  # the template description
        ("catalogue/issues.py", True),  # the validation catalogue: every issue's wording
        ("rules/load.py", True),  # the rules' code
        ("read/values.py", True),  # a reader
        ("discover/preflight.py", True),
        ("render/form.py", False),  # a writer: reading gives the same
        ("grade/grading.py", False),
    ],
)
def test_the_fingerprint_follows_the_readers_template_and_rules_source(tmp_path, monkeypatch, edit, changes):
    pkg = _package_copy(tmp_path)
    monkeypatch.setattr(read_cache, "_PACKAGE", pkg)
    before = fingerprint()
    with open(pkg / edit, "a", encoding="utf-8") as fh:
        fh.write("\n# changed\n")
    assert (fingerprint() != before) is changes


def test_another_version_of_the_reader_reads_everything_again_and_says_so(city, tmp_path, monkeypatch):
    out = tmp_path / "out"
    pkg = _package_copy(tmp_path)
    monkeypatch.setattr(read_cache, "_PACKAGE", pkg)
    _read(city, out)
    (pkg / "report_template.py").write_text(
        (pkg / "report_template.py").read_text(encoding="utf-8") + "\n# LGYZ-M-2\n", encoding="utf-8"
    )
    spy = Spy(monkeypatch)
    notes: list[str] = []
    again = _read(city, out, notes)
    assert set(_reports(again)) <= set(spy.last)
    assert len(notes) == 1 and "另一版本" in notes[0] and "\n" not in notes[0]
    notes.clear()
    _read(city, out, notes)
    assert notes == [] and not set(_reports(again)) & set(spy.last)


def test_a_changed_rules_file_applies_to_reports_from_the_cache(city, tmp_path):
    """The readers do not use rules.toml: its plausible maxima are checked after the cache, on every run."""
    from lingong.choose.plausibility import drop_implausible
    from lingong.layout import DEFAULT_RULES
    from lingong.rules.load import load_rules

    out = tmp_path / "out"
    _read(city, out)
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    tight = tmp_path / "rules.toml"
    tight.write_text(re.sub(r"^((?:C1|C2|D1)\s*=\s*)\d+", r"\g<1>1", text, flags=re.M), encoding="utf-8")
    assert tight.read_text(encoding="utf-8") != text, "rules.toml has no plausible maximum to tighten"
    rules = load_rules(tight)
    codes = []
    for r in _read(city, out):
        if r.report is not None:
            drop_implausible(r.report, rules)
            codes += [i.code for i in r.report.issues]
    assert "V018" in codes


@pytest.mark.parametrize(
    "damage, said",
    [
        (lambda p: p.write_bytes(b"not a database at all" * 100), "已损坏"),
        (lambda p: p.write_bytes(p.read_bytes()[:3000]), "已损坏"),
        (lambda p: _set_meta(p, "format", "something-else"), "不是本程序"),
        (lambda p: _set_meta(p, "input", "/elsewhere/another-city"), "另一个输入文件夹"),
        (lambda p: _set_meta(p, "fingerprint", "0" * 64), "另一版本"),
    ],
)
def test_a_corrupt_or_foreign_cache_is_ignored_rebuilt_and_said_in_one_line(city, tmp_path, damage, said):
    out = tmp_path / "out"
    fresh = _read(city, None)
    _read(city, out)
    damage(out / CACHE_NAME)
    notes: list[str] = []
    assert _read(city, out, notes) == fresh
    assert len(notes) == 1 and said in notes[0] and "\n" not in notes[0], notes
    notes.clear()
    assert _read(city, out, notes) == fresh and notes == []  # rebuilt: the next run uses it
    assert ReadCache(out).hits == 0 and len(ReadCache(out)._entries) > 250


def _set_meta(path: Path, key: str, value: str) -> None:
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key))
    con.close()


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > pwned.txt",))


def test_an_entry_that_would_run_code_is_not_loaded_but_read_again(city, tmp_path, monkeypatch):
    out = tmp_path / "out"
    fresh = _read(city, out)
    con = sqlite3.connect(out / CACHE_NAME)
    with con:
        con.execute("UPDATE entries SET result = ?", (pickle.dumps(_Evil()),))
    con.close()
    monkeypatch.chdir(tmp_path)
    spy = Spy(monkeypatch)
    assert _read(city, out) == fresh
    assert not (tmp_path / "pwned.txt").exists()
    assert set(_reports(fresh)) <= set(spy.last)


def _personal_numbers(src: Path) -> set[str]:
    """Every 身份证号 and mobile number written in the input files (their cells, as text)."""
    from python_calamine import CalamineWorkbook

    found = set()
    for p in src.rglob("*.xls*"):
        try:
            wb = CalamineWorkbook.from_path(str(p))
        except Exception:  # noqa: BLE001 - the damaged ones
            continue
        for name in wb.sheet_names:
            for row in wb.get_sheet_by_name(name).to_python():
                for v in row:
                    for m in re.findall(r"(?<!\d)(?:\d{17}[\dXx]|1[3-9]\d{9})(?!\d)", str(v)):
                        found.add(m)
    return found


def test_the_cache_holds_no_personal_number_of_the_input(city, tmp_path):
    out = tmp_path / "out"
    _read(city, out)
    numbers = _personal_numbers(city)
    assert len(numbers) > 20  # the registry's phones and the detail sheets' 身份证号
    data = (out / CACHE_NAME).read_bytes()
    assert [n for n in numbers if n.encode() in data] == []


def test_a_result_with_a_number_the_mask_would_change_is_not_stored(tmp_path):
    from lingong.catalogue.issues import issue
    from lingong.read.files import read_one

    p = write_report(tmp_path / "ZD-001_2023-03.xlsx")
    r = read_one((str(p), p.name))
    assert read_cache.storable(r)
    quoted = issue("V009", file=p.name, sheet="基本信息", cell="B9", found="13912345678", what="联系电话")
    r.report.issues.append(quoted)
    assert not read_cache.storable(r)
    r.report.issues[-1] = issue("V009", file=p.name, sheet="基本信息", cell="B9", found="139****5678", what="联系电话")
    assert read_cache.storable(r)


# A run's reading in a fresh interpreter: src, out, rounds, entries a transaction.
_CHILD = """
import sys
from pathlib import Path
from lingong import reading
from lingong.discover.walk import discover
from lingong.read import cache
cache.COMMIT_EVERY = int(sys.argv[4])
for _ in range(int(sys.argv[3])):
    cands = discover(Path(sys.argv[1]), exclude=Path(sys.argv[2])).candidates
    reading.read_files(cands, workers=1, progress=False, cache_dir=Path(sys.argv[2]), notes=[])
"""


def _child(src: Path, out: Path, rounds: int, commit_every: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(src), str(out), str(rounds), str(commit_every)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.timeout(240)
def test_two_runs_on_one_folder_write_whole_entries_one_after_the_other(city, tmp_path, monkeypatch):
    out = tmp_path / "out"
    procs = [_child(city, out, 2, 7) for _ in range(2)]  # many small transactions, to overlap
    try:
        errors = [p.communicate(timeout=200)[1] for p in procs]
        assert [p.returncode for p in procs] == [0, 0], errors
        assert errors == ["", ""]  # no "database is locked", no note of a damaged cache
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    con = sqlite3.connect(out / CACHE_NAME)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()
    notes: list[str] = []
    fresh = _read(city, None)
    spy = Spy(monkeypatch)
    assert _read(city, out, notes) == fresh
    assert notes == []
    assert not set(_reports(fresh)) & set(spy.last)


_TORN = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
con.execute("DELETE FROM entries")
con.execute("INSERT INTO entries (rel, fingerprint, result) VALUES ('x', 'y', x'00')")
con.execute("UPDATE meta SET value = 'torn' WHERE key = 'fingerprint'")
print("in transaction", flush=True)
time.sleep(60)
"""


@pytest.mark.timeout(120)
def test_a_run_killed_while_writing_leaves_a_usable_cache(city, tmp_path, monkeypatch):
    out = tmp_path / "out"
    fresh = _read(city, out)
    proc = subprocess.Popen([sys.executable, "-c", _TORN, str(out / CACHE_NAME)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "in transaction"
        os.kill(proc.pid, signal.SIGKILL)  # mid-transaction: its journal is left behind
    finally:
        proc.wait(10)
    notes: list[str] = []
    spy = Spy(monkeypatch)
    assert _read(city, out, notes) == fresh
    assert notes == []  # the torn transaction rolled back: the cache as it was
    assert not set(_reports(fresh)) & set(spy.last)


@pytest.mark.timeout(180)
@pytest.mark.parametrize("after_s", [0.4, 1.0, 1.8])
def test_a_run_killed_at_any_moment_of_its_reading_leaves_a_usable_cache(demo_city, tmp_path, after_s):
    city = tmp_path / "input"
    shutil.copytree(demo_city, city)
    out = tmp_path / "out"
    proc = _child(city, out, 1, 16)
    try:
        time.sleep(after_s)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(10)
    notes: list[str] = []
    assert _read(city, out, notes) == _read(city, None)
    assert notes == []


_IMPORTED = """
import sys
from pathlib import Path
from lingong.read.files import read_one
for p in sorted(Path(sys.argv[1]).rglob("*")):
    if p.is_file():
        read_one((str(p), p.name))
print("\\n".join(m.__file__ for n, m in sys.modules.items() if n.startswith("lingong") and getattr(m, "__file__", None)))
"""


def test_the_fingerprint_covers_every_module_reading_runs(demo_city):
    """A new module the readers import (issue 23 reworks them) is in the fingerprint too."""
    out = subprocess.run(
        [sys.executable, "-c", _IMPORTED, str(demo_city)], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    used = {Path(line).resolve() for line in out.split()}
    covered = set(read_cache.source_files())
    assert used and used <= covered, sorted(map(str, used - covered))
