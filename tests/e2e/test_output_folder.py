"""The output folder as clerks share it: one run at a time (two real concurrent runs of
process.py), stale locks, and input and output folders kept apart."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lingong.layout import HISTORY_DB_NAME, RESULTS_JSON_NAME, RETURNS_FOLDER, RUN_RECORD_NAME, summary_name
from lingong.read.workbook import read_workbook
from lingong.render.return_copy import copy_name
from lingong.runtime.runlock import ENV_WAIT, LOCK_NAME, this_host
from support.paths import ROOT  # noqa: E402

PROCESS = str(ROOT / "process.py")
LIMIT_S = 120

# process.py with a pause at the start of the assessment, after the command took the
# output folder: a run of the small city takes well under a second, too short to be
# sure a second command starts while it runs. Nothing else changes.
PAUSED = r"""
import sys, time
import lingong.pipeline as pipeline
real_run, pause = pipeline.run, float(sys.argv[1])
def run(opts):
    time.sleep(pause)
    return real_run(opts)
pipeline.run = run
from lingong.cli import main
sys.exit(main(sys.argv[2:]))
"""


def args(src: Path, out: Path, *extra: str) -> list[str]:
    return ["--input", str(src), "--output", str(out), "--period", "2023H1", "--quiet", "--workers", "2", *extra]


def cli(*argv: str, wait_s: float | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if wait_s is not None:
        env[ENV_WAIT] = str(wait_s)
    return subprocess.run(
        [sys.executable, PROCESS, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=LIMIT_S
    )


def start_paused(pause_s: float, argv: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", PAUSED, str(pause_s), *argv],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_lock(out: Path, proc: subprocess.Popen) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            doc = json.loads((out / LOCK_NAME).read_text(encoding="utf-8"))
            if doc.get("pid") == proc.pid:
                return doc
        except (FileNotFoundError, ValueError):
            pass
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError("the first run never took the output folder")


def run_ids(out: Path) -> dict[str, object]:
    """The run id as each document of the folder records it."""
    period = out / "2023H1"
    summary = period / summary_name("2023年上半年")
    wb = read_workbook(summary)
    in_summary = {str(v) for n in wb.sheet_names for row in wb.sheet(n).rows for v in row if v is not None}
    conn = sqlite3.connect(out / HISTORY_DB_NAME)
    try:
        history = [r[0] for r in conn.execute("SELECT run_id FROM runs ORDER BY rowid")]
    finally:
        conn.close()
    run = json.loads((period / RESULTS_JSON_NAME).read_text(encoding="utf-8"))["run"]
    # The 汇总表 names no run id (no developer text where clerks look): its 生成时间 tells the run.
    return {
        "results": run["run_id"],
        "started": run["started_at"],
        "record": json.loads((period / RUN_RECORD_NAME).read_text(encoding="utf-8"))["run_id"],
        "summary": in_summary,
        "history": history,
    }


@pytest.mark.timeout(LIMIT_S * 2)
def test_a_second_run_on_a_busy_output_folder_waits_then_exits_2_naming_the_holder(tmp_path, city):  # noqa: F811
    out = tmp_path / "out"
    first = start_paused(6, args(city, out))
    try:
        held = wait_for_lock(out, first)
        t0 = time.monotonic()
        second = cli(*args(city, out), wait_s=1.5)
        waited = time.monotonic() - t0
        assert first.poll() is None  # the holder was still running when the second run gave up
        f_out, f_err = first.communicate(timeout=LIMIT_S)
    finally:
        first.kill()
        first.wait(timeout=LIMIT_S)
    assert second.returncode == 2, second.stderr
    assert waited >= 1.5
    err = second.stderr
    assert "Traceback" not in err
    assert this_host() in err and str(first.pid) in err and held["started"][:19].replace("T", " ") in err
    assert "等待" in err and "--output" in err and "--period 2023H1" in err  # what holds it, and what to do
    assert second.stdout == ""  # wrote nothing, printed no result

    assert first.returncode == 1, f_err  # the holder finished as if alone
    ids = run_ids(out)
    assert ids["history"] == [ids["results"]] == [ids["record"]]  # the folder holds one run's files
    assert ids["started"] in ids["summary"]
    assert not (out / LOCK_NAME).exists()


@pytest.mark.timeout(LIMIT_S * 2)
def test_a_second_run_that_waits_long_enough_runs_after_the_first_and_the_folder_holds_its_files(tmp_path, city):  # noqa: F811
    out = tmp_path / "out"
    first = start_paused(3, args(city, out))
    try:
        wait_for_lock(out, first)
        second = cli("recheck", *args(city, out), wait_s=LIMIT_S / 2)
        f_out, f_err = first.communicate(timeout=LIMIT_S)
    finally:
        first.kill()
        first.wait(timeout=LIMIT_S)
    assert first.returncode == 1, f_err
    assert second.returncode == 1, second.stderr
    assert "等待" in second.stderr and str(first.pid) in second.stderr and "已接管" not in second.stderr
    ids = run_ids(out)
    assert len(ids["history"]) == 2
    # The period's folder holds all of the first run and none of the second: the recheck has its own.
    assert ids["results"] == ids["record"] == ids["history"][0]
    assert ids["started"] in ids["summary"]
    (recheck,) = (out / "2023H1").glob("复查*")
    record = json.loads((recheck / RUN_RECORD_NAME).read_text(encoding="utf-8"))
    assert record["recheck"] is True and record["run_id"] == ids["history"][-1]


@pytest.mark.timeout(LIMIT_S)
def test_the_lock_of_a_killed_run_is_taken_over_with_a_notice(tmp_path, city):  # noqa: F811
    out = tmp_path / "out"
    first = start_paused(60, args(city, out))
    try:
        wait_for_lock(out, first)
    finally:
        first.kill()  # as the task manager or a closed window ends it: no clean-up
        first.wait(timeout=LIMIT_S)
    assert (out / LOCK_NAME).is_file()
    p = cli(*args(city, out), wait_s=0)
    assert p.returncode == 1, p.stderr
    assert "已接管" in p.stderr and str(first.pid) in p.stderr and "已不存在" in p.stderr
    assert not (out / LOCK_NAME).exists()


@pytest.mark.timeout(LIMIT_S)
@pytest.mark.parametrize("age_min,taken", [(2, False), (11, True)])
def test_another_computers_lock_is_respected_until_ten_minutes_without_refresh(
    tmp_path,
    city,
    age_min,  # noqa: F811
    taken,
):
    out = tmp_path / "out"
    out.mkdir()
    then = time.time() - age_min * 60
    lock = out / LOCK_NAME
    lock.write_text(
        json.dumps(
            {
                "pid": 5120,
                "host": "JYJ-PC-07",
                "started": "2026-11-30T09:12:00+08:00",
                "refreshed_epoch": then,
                "command": "process.py",
                "token": "x",
            }
        ),
        encoding="utf-8",
    )
    os.utime(lock, (then, then))
    p = cli(*args(city, out), wait_s=1)
    if taken:
        assert p.returncode == 1, p.stderr
        assert "JYJ-PC-07" in p.stderr and "已接管" in p.stderr
        assert not lock.exists()
    else:
        assert p.returncode == 2 and "Traceback" not in p.stderr
        assert "JYJ-PC-07" in p.stderr and "5120" in p.stderr and "2026-11-30 09:12:00" in p.stderr
        assert lock.is_file() and not (out / "2023H1").exists()


@pytest.mark.timeout(LIMIT_S)
def test_every_command_that_writes_the_output_folder_takes_it(tmp_path, city):  # noqa: F811
    out = tmp_path / "out"
    out.mkdir()
    lock = out / LOCK_NAME
    for sub in (
        ["template", "--month", "2023-07"],
        ["recheck", "--period", "2023H1"],
        ["mail", "--period", "2023H1"],
        ["send", "--period", "2023H1", "--dry-run"],
        ["--demo"],
    ):
        lock.write_text(
            json.dumps(
                {
                    "pid": 5120,
                    "host": "JYJ-PC-07",
                    "started": "2026-11-30T09:12:00+08:00",
                    "refreshed_epoch": time.time(),
                    "token": "x",
                }
            ),
            encoding="utf-8",
        )
        p = cli(*sub, "--input", str(city), "--output", str(out), "--quiet", wait_s=0)
        assert p.returncode == 2 and "JYJ-PC-07" in p.stderr, (sub, p.stderr)
        assert sorted(x.name for x in out.iterdir()) == [LOCK_NAME], sub  # nothing written while refused


# ---- input and output apart ------------------------------------------------------------------------


def tree(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.mark.timeout(LIMIT_S * 2)
def test_an_output_folder_inside_the_input_is_skipped_and_said_once(tmp_path, city):  # noqa: F811
    """The clerk's layout that went wrong: 报表/ with 报表/结果/ as output, run twice. The second
    run must not read the first one's 退回 copies or results.json as reports."""
    out = city / "结果"
    first = cli(*args(city, out))
    assert first.returncode == 1, first.stderr
    assert cli("mail", *args(city, out)).returncode == 0
    files_after_first = tree(out)
    returns = [f for f in files_after_first if f"/{RETURNS_FOLDER}/" in f]
    assert returns == [f"2023H1/{RETURNS_FOLDER}/{copy_name('GS-001', '2023-03')}"]

    second = cli(*args(city, out))  # the same period again: its second version
    assert second.returncode == 1, second.stderr
    said = (second.stdout + second.stderr).count("在输入文件夹")
    assert said == 1, second.stdout  # once, not once per file in it
    assert cli("mail", *args(city, out)).returncode == 0
    # No 退回 copy of a 退回 copy, no new stations: the second version's files are the first's,
    # which are kept as they were in 旧版本/.
    now = tree(out)
    assert [f for f in now if "/旧版本/" not in f] == files_after_first
    (old,) = {f.split("/")[2] for f in now if "/旧版本/" in f}
    assert sorted(f.split("/", 3)[3] for f in now if "/旧版本/" in f) == sorted(
        f.split("/", 1)[1] for f in files_after_first if f.startswith("2023H1/")
    )
    assert old.startswith("第1版_")
    record = json.loads((out / "2023H1" / RUN_RECORD_NAME).read_text(encoding="utf-8"))
    assert not any(f["file"].startswith("结果/") and f["file"] != "结果/" for f in record["input_files"])
    assert [f["reason"] for f in record["input_files"] if f["file"] == "结果/"] == [
        "本程序的输出文件夹（--output），不作为输入读取"
    ]
    assert "校验问题：错误 1 条" in second.stdout  # only GS-001's 十二
    results = json.loads((out / "2023H1" / RESULTS_JSON_NAME).read_text(encoding="utf-8"))
    assert sorted(s["code"] for s in results["stations"]) == ["GS-001", "ZD-001", "ZD-002"]
    assert "驿站不在名册" not in second.stdout + second.stderr


@pytest.mark.timeout(LIMIT_S)
def test_an_output_folder_deep_inside_the_input_given_by_a_relative_path_is_skipped(tmp_path, city):  # noqa: F811
    (city / "归档" / "2023").mkdir(parents=True)
    out = city / "归档" / "2023" / "输出"
    p = subprocess.run(
        [sys.executable, PROCESS, "template", "--month", "2023-07", "--input", ".", "--output", "归档/2023/输出"],
        cwd=city,
        capture_output=True,
        text=True,
        timeout=LIMIT_S,
    )
    assert p.returncode == 0, p.stderr
    assert len(list((out / "空白模板" / "2023-07").glob("*.xlsx"))) == 3
    for _ in range(2):  # blank templates are spreadsheets too: a second run must not take them as reports
        p = cli(*args(city, out))
        assert p.returncode == 1, p.stderr
        record = json.loads((out / "2023H1" / RUN_RECORD_NAME).read_text(encoding="utf-8"))
        assert not any("空白模板" in f["file"] or "退回" in f["file"] for f in record["input_files"])


@pytest.mark.timeout(LIMIT_S)
@pytest.mark.parametrize("spelling", ["same", "trailing-dot", "symlink"])
def test_the_same_folder_for_input_and_output_is_refused_saying_what_to_change(tmp_path, city, spelling):  # noqa: F811
    out = {"same": city, "trailing-dot": city / "曾都区" / "..", "symlink": tmp_path / "link"}[spelling]
    if spelling == "symlink":
        out.symlink_to(city, target_is_directory=True)
    before = tree(city)
    for sub in ([], ["mail"], ["recheck"], ["template", "--month", "2023-07"]):
        p = (
            cli(*sub, *args(city, out))
            if sub[:1] != ["template"]
            else cli(*sub, "--input", str(city), "--output", str(out))
        )
        assert p.returncode == 2, (sub, p.stderr)
        assert "同一个文件夹" in p.stderr and "--output" in p.stderr and "Traceback" not in p.stderr
        assert tree(city) == before  # no lock file, no output in the input folder


@pytest.mark.timeout(LIMIT_S)
def test_an_input_folder_inside_the_output_folder_stays_allowed(tmp_path, city):  # noqa: F811
    out = tmp_path / "out"
    shutil.copytree(city, out / "样例输入")  # the demo's layout
    p = cli(*args(out / "样例输入", out))
    assert p.returncode == 1, p.stderr
    assert "在输入文件夹" not in p.stdout
    assert (out / "2023H1" / RESULTS_JSON_NAME).is_file()
    assert not (out / LOCK_NAME).exists()
