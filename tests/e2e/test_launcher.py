"""运行考核.bat, the clerks' double-click launcher on Windows: pure ASCII with CRLF line
ends (cmd.exe reads a batch file in the ANSI code page, line by line), and a thin call of
the very command the tests run: process.py on input/ and output/ beside it."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from lingong.cli import build_parser
from lingong.demo import build_demo
from lingong.layout import RUN_RECORD_NAME
from support.paths import ROOT  # noqa: E402

LAUNCHER = ROOT / "运行考核.bat"


def _lines() -> list[str]:
    """The launcher's commands, comments left out."""
    lines = LAUNCHER.read_bytes().decode("ascii").split("\r\n")
    return [ln for ln in lines if not ln.strip().lower().startswith(("rem ", "::"))]


def _command() -> list[str]:
    """The arguments the launcher gives process.py (without %* and the interpreter)."""
    [line] = [ln for ln in _lines() if re.search(r"\bprocess\.py\b", ln)]
    args = shlex.split(line.replace("\\", "/"))
    i = args.index("process.py")
    assert args[i - 1] == ".venv/Scripts/python.exe"  # the venv the README's Windows commands make
    return [a for a in args[i + 1 :] if a not in ("%*", "%CMD%")]


def test_the_launcher_is_ascii_with_crlf_line_ends():
    data = LAUNCHER.read_bytes()
    data.decode("ascii")
    assert b"\n" not in data.replace(b"\r\n", b"")  # no bare LF: cmd.exe misreads labels after one
    assert b"\r" not in data.replace(b"\r\n", b"")
    assert data.endswith(b"\r\n")


def test_the_launcher_waits_for_a_key_and_keeps_the_exit_status():
    lines = [ln.strip().lower() for ln in _lines()]
    run = next(i for i, ln in enumerate(lines) if "process.py" in ln)
    assert "pause" in lines[run:]  # the clerk reads the summary before the window closes
    assert "set rc=%errorlevel%" in lines[run + 1] and "exit /b %rc%" in lines
    assert 'cd /d "%~dp0"' in lines  # input\ and output\ beside the launcher, wherever it is started from


def test_double_clicked_without_arguments_the_launcher_opens_the_web_page():
    lines = [ln.strip().lower() for ln in _lines()]
    run = next(i for i, ln in enumerate(lines) if "process.py" in ln)
    assert lines[run - 2 : run] == ["set cmd=", 'if "%~1"=="" set cmd=serve']
    assert "%cmd% %*" in lines[run]
    args = build_parser().parse_args([*_command(), "serve"])
    assert args.command == "serve" and (args.input, args.output) == (Path("input"), Path("output"))
    assert not args.no_browser and args.port == 0


def test_the_launcher_calls_process_py_on_input_and_output():
    args = build_parser().parse_args(_command())
    assert args.command is None and not args.demo
    assert (args.input, args.output) == (Path("input"), Path("output"))
    assert (ROOT / "input").is_dir() and (ROOT / "output").is_dir()


@pytest.mark.timeout(300)
def test_the_launchers_command_assesses_the_input_folder_beside_it(tmp_path):
    """The launcher's arguments, run as it runs them (from the folder it sits in)."""
    home = tmp_path / "考核工具"
    home.mkdir()
    (home / "process.py").write_bytes((ROOT / "process.py").read_bytes())
    for name in ("lingong", "templates"):
        os.symlink(ROOT / name, home / name)
    build_demo(home / "input", workers=1)
    (home / "output").mkdir()
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    proc = subprocess.run(
        [sys.executable, "process.py", *_command(), "--period", "2023H1", "--quiet"],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    record = json.loads((home / "output" / "2023H1" / RUN_RECORD_NAME).read_text(encoding="utf-8"))
    assert record["input_files"] and "考核期：2023年上半年" in proc.stdout
