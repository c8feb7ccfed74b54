"""An output open in Excel/WPS (Windows refuses to replace it) or read-only: the clerk is
told which file and to close it, every other output is still written, exit status 1.

CI runs as root, where chmod stops nothing, so the refusal is simulated where Windows
makes it: os.replace raises PermissionError for the locked file."""

from __future__ import annotations

import errno
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from lingong import cli
from lingong.layout import (
    FORM_SUFFIX,
    MAIL_LIST_NAME,
    RESULTS_JSON_NAME,
    RUN_RECORD_NAME,
    summary_name,
    validation_report_name,
)
from lingong.runtime import outfiles
from lingong.runtime.outfiles import LOCKED_HINT, OutputLocked, atomic_path, locked_outputs, write_bytes_atomic
from support.city import write_city
from support.paths import ROOT  # noqa: E402

PERIOD = "2023H1"
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
FORM = f"ZD-001_东城零工驿站{FORM_SUFFIX}"
SUMMARY = summary_name("2023年上半年")


def refuse_replace(monkeypatch, *names: str, error=None) -> list[str]:
    """os.replace refuses any target whose name is in ``names``; returns the refused targets."""
    real = os.replace
    refused = []

    def replace(src, dst, *a, **kw):
        if Path(dst).name in names:
            refused.append(str(dst))
            raise error or PermissionError(errno.EACCES, "Permission denied", str(dst))
        return real(src, dst, *a, **kw)

    monkeypatch.setattr(outfiles.os, "replace", replace)
    return refused


# ---- atomic_path ------------------------------------------------------------------------


def test_a_locked_target_names_the_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    target = tmp_path / "校验报告.xlsx"
    target.write_bytes(b"old")
    refuse_replace(monkeypatch, target.name)
    with pytest.raises(OutputLocked) as e:
        write_bytes_atomic(target, b"new")
    assert e.value.path == target and str(target) in e.value.strerror and LOCKED_HINT in e.value.strerror
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no temp left beside it


@pytest.mark.parametrize("winerror", [5, 32, 33])
def test_windows_sharing_and_access_errors_count_as_locked(tmp_path, monkeypatch, winerror):
    err = OSError(errno.EBUSY, "The process cannot access the file")
    err.winerror = winerror  # what Windows attaches; Python maps it to an errno of its own
    refuse_replace(monkeypatch, "a.json", error=err)
    with pytest.raises(OutputLocked):
        write_bytes_atomic(tmp_path / "a.json", b"{}")


def test_other_replace_errors_are_not_dressed_up_as_locked(tmp_path, monkeypatch):
    refuse_replace(monkeypatch, "a.json", error=OSError(errno.EXDEV, "Invalid cross-device link"))
    with pytest.raises(OSError) as e:
        write_bytes_atomic(tmp_path / "a.json", b"{}")
    assert not isinstance(e.value, OutputLocked)


def test_inside_locked_outputs_the_file_is_noted_and_the_next_is_written(tmp_path, monkeypatch):
    refuse_replace(monkeypatch, "a.xlsx")
    with locked_outputs() as locked:
        with atomic_path(tmp_path / "a.xlsx") as tmp:
            tmp.write_bytes(b"a")
        write_bytes_atomic(tmp_path / "b.xlsx", b"b")
    assert locked == [tmp_path / "a.xlsx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.xlsx"]
    with pytest.raises(OutputLocked):  # outside the block it is an error again
        write_bytes_atomic(tmp_path / "a.xlsx", b"a")


@pytest.mark.timeout(30)  # starts worker processes
def test_a_worker_process_raises_so_that_its_parent_hears_of_it(tmp_path, monkeypatch):
    """A forked worker inherits the parent's collector but must not swallow the refusal
    into a list only it can see."""
    refuse_replace(monkeypatch, "a.xlsx")
    with locked_outputs() as locked:
        pid = os.fork()
        if pid == 0:  # the child: exit 3 when it raised, as a job in a worker must
            code = 1
            try:
                write_bytes_atomic(tmp_path / "a.xlsx", b"a")
            except OutputLocked:
                code = 3
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 3
    assert locked == []


def test_output_locked_survives_pickling(tmp_path):
    e = pickle.loads(pickle.dumps(OutputLocked(tmp_path / "x.xlsx")))
    assert isinstance(e, OutputLocked) and e.path == tmp_path / "x.xlsx" and LOCKED_HINT in e.strerror


def test_a_lock_outside_a_step_that_goes_on_still_gets_the_clerks_message(tmp_path, monkeypatch, capsys):
    from lingong import pipeline

    def run(opts):
        raise OutputLocked(tmp_path / "汇总表.xlsx")

    monkeypatch.setattr(pipeline, "run", run)
    code = cli.main(["--input", str(tmp_path), "--output", str(tmp_path / "out"), "--period", PERIOD, "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "汇总表.xlsx" in err and LOCKED_HINT in err
    assert "程序内部错误" not in err and "磁盘空间" not in err


# ---- a whole run ---------------------------------------------------------------------------


@pytest.fixture
def clean_city(tmp_path) -> Path:
    """Three stations, six months, no error anywhere: a normal run ends with status 0."""
    return write_city(tmp_path / "input")


def outputs(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(("考核历史", ".~tmp-"))
    }


@pytest.mark.timeout(300)  # starts worker processes
def test_a_locked_form_and_summary_are_named_and_everything_else_is_written(clean_city, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", ENV["SOURCE_DATE_EPOCH"])
    args = ["--input", str(clean_city), "--period", PERIOD, "--quiet", "--workers", "1"]
    ref_out = tmp_path / "reference"
    assert cli.main([*args, "--output", str(ref_out)]) == 0
    capsys.readouterr()

    # The form and the summary cannot be replaced (open in Excel/WPS as the run writes them).
    out = tmp_path / "out"
    refused = refuse_replace(monkeypatch, FORM, SUMMARY)
    code = cli.main([*args, "--output", str(out)])
    printed = capsys.readouterr()

    assert code == 1, printed
    assert len(refused) == 2
    for name in (FORM, SUMMARY):
        line = next(ln for ln in printed.out.splitlines() if name in ln and LOCKED_HINT in ln)
        assert str(out.resolve()) in line or str(out) in line
    assert "Traceback" not in printed.err and "程序内部错误" not in printed.err
    # Every other output is there.
    got, ref = outputs(out), outputs(ref_out)
    assert set(got) == set(ref) - {f"{PERIOD}/曾都区/{FORM}", f"{PERIOD}/{SUMMARY}"}
    record = json.loads(got[f"{PERIOD}/{RUN_RECORD_NAME}"])
    assert record["exit_code"] == 1
    assert [p for p in out.rglob(".~tmp-*")] == []


@pytest.mark.timeout(300)  # starts worker processes
def test_a_rerun_with_last_versions_summary_open_stops_and_changes_nothing(clean_city, tmp_path, monkeypatch, capsys):
    """A rerun keeps the last version's files in 旧版本/: one it cannot move (open in Excel) stops
    it before anything is recorded or written, naming the file (issue 21: never overwritten)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", ENV["SOURCE_DATE_EPOCH"])
    args = ["--input", str(clean_city), "--period", PERIOD, "--quiet", "--workers", "1", "--output", str(tmp_path)]
    assert cli.main(args) == 0
    before = outputs(tmp_path)
    capsys.readouterr()
    refuse_replace(monkeypatch, SUMMARY)
    assert cli.main(args) == 2
    printed = capsys.readouterr()
    assert SUMMARY in printed.err and "Excel/WPS" in printed.err and "上一版的文件没有改动" in printed.err
    assert outputs(tmp_path) == before


@pytest.mark.timeout(300)  # starts worker processes
def test_a_locked_blank_template_is_named_and_the_others_written(clean_city, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    name = "ZD-002_西城零工驿站_2023年7月_月度运维报表.xlsx"
    refuse_replace(monkeypatch, name)
    code = cli.main(
        [
            "template",
            "--month",
            "2023-07",
            "--input",
            str(clean_city),
            "--output",
            str(out),
            "--quiet",
            "--workers",
            "1",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 1
    assert name in printed and LOCKED_HINT in printed and "生成 2 份" in printed
    assert sorted(p.name for p in (out / "空白模板" / "2023-07").iterdir()) == [
        "GS-001_应山零工驿站_2023年7月_月度运维报表.xlsx",
        "ZD-001_东城零工驿站_2023年7月_月度运维报表.xlsx",
    ]


# The clerk's command, unchanged, with os.replace refusing the files named in
# LINGONG_TEST_LOCKED (as Windows does for a workbook open in Excel); the forked
# document workers inherit the refusal.
LOCKED_RUN = r"""
import os, runpy, sys
from lingong.runtime import outfiles
_replace, LOCKED = os.replace, set(os.environ["LINGONG_TEST_LOCKED"].split("|"))

def replace(src, dst, *a, **kw):
    if os.path.basename(dst) in LOCKED:
        raise PermissionError(13, "Permission denied", str(dst))
    return _replace(src, dst, *a, **kw)

outfiles.os.replace = replace
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


@pytest.mark.timeout(300)
def test_locked_outputs_through_the_command_with_document_workers(clean_city, tmp_path):
    out = tmp_path / "out"
    locked = [FORM, validation_report_name("2023年上半年"), MAIL_LIST_NAME]
    p = _locked_run([], clean_city, out, locked)
    assert p.returncode == 1, p.stdout + p.stderr
    mail = _locked_run(["mail"], clean_city, out, locked)  # the mail of the recorded assessment
    assert mail.returncode == 1, mail.stdout + mail.stderr
    assert any(MAIL_LIST_NAME in ln and LOCKED_HINT in ln for ln in mail.stdout.splitlines()), mail.stdout
    p = subprocess.CompletedProcess(p.args, 1, p.stdout + mail.stdout, p.stderr + mail.stderr)
    assert "Traceback" not in p.stderr and "程序内部错误" not in p.stderr, p.stderr
    for name in locked:
        assert any(name in ln and LOCKED_HINT in ln for ln in p.stdout.splitlines()), p.stdout
    written = {q.name for q in out.rglob("*") if q.is_file()}
    assert not written & set(locked)
    assert {
        RESULTS_JSON_NAME,
        RUN_RECORD_NAME,
        SUMMARY,
        f"ZD-002_西城零工驿站{FORM_SUFFIX}",
        f"GS-001_应山零工驿站{FORM_SUFFIX}",
        "GS-001_应山零工驿站.eml",
    } <= written
    assert not [q for q in out.rglob(".~tmp-*")]


def _locked_run(sub, clean_city, out, locked):
    return subprocess.run(
        [
            sys.executable,
            "-c",
            LOCKED_RUN,
            str(ROOT / "process.py"),
            *sub,
            "--input",
            str(clean_city),
            "--output",
            str(out),
            "--period",
            PERIOD,
            "--quiet",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env={**ENV, "LINGONG_TEST_LOCKED": "|".join(locked), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=280,
    )
