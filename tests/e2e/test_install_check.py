"""The first install repairs itself: the launcher checks the packages before every run
and installs what is missing; process.py, without its packages, says in Chinese what
to run instead of printing a ModuleNotFoundError traceback."""

from __future__ import annotations

import re
import subprocess
import sys
import venv

import pytest

from lingong import install_check
from support.paths import ROOT  # noqa: E402

LAUNCHER = ROOT / "运行考核.bat"


def _pins() -> dict[str, str]:
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    runtime = lines[lines.index("# Runtime") + 1 : next(i for i, ln in enumerate(lines) if ln.startswith("# Tests"))]
    return dict(ln.split("==") for ln in runtime if ln.strip())


def test_the_check_knows_exactly_the_runtime_pins_of_requirements_txt():
    assert install_check.RUNTIME == _pins()


def test_a_missing_or_other_version_package_fails_the_check(monkeypatch, capsys):
    monkeypatch.setattr(install_check, "RUNTIME", {**install_check.RUNTIME, "lingong-no-such-package": "1.0"})
    assert install_check.main() == 1
    assert "lingong-no-such-package" in capsys.readouterr().err
    monkeypatch.setattr(install_check, "RUNTIME", {"openpyxl": "0.0.1"})
    assert install_check.main() == 1
    monkeypatch.setattr(install_check, "RUNTIME", _pins())
    assert install_check.main() == 0


@pytest.mark.timeout(120)
@pytest.mark.parametrize("args", [["--help"], ["--demo", "--output", "out"]])
def test_process_py_without_its_packages_says_what_to_run(tmp_path, args):
    env_dir = tmp_path / "bare"
    venv.create(env_dir, with_pip=False)  # a Python with none of the packages: an interrupted first install
    python = env_dir / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    proc = subprocess.run([str(python), "process.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=100)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "ModuleNotFoundError" not in proc.stderr
    assert "缺少运行所需的软件包" in proc.stderr and "pip install -r requirements.txt" in proc.stderr
    assert "openpyxl" in proc.stderr


def _commands() -> list[str]:
    lines = LAUNCHER.read_bytes().decode("ascii").split("\r\n")
    return [ln.strip() for ln in lines if ln.strip() and not ln.strip().lower().startswith("rem ")]


def test_the_launcher_checks_the_packages_before_every_run_not_only_the_first():
    lines = _commands()
    run = next(i for i, ln in enumerate(lines) if "process.py" in ln)
    check = next(i for i, ln in enumerate(lines) if "-m lingong.install_check" in ln)
    install = next(i for i, ln in enumerate(lines) if "pip install" in ln)
    assert check < install < run
    # the check is on the way to the run whether .venv existed or not
    label = next(i for i, ln in enumerate(lines) if ln.lower() == ":run")
    assert re.search(r"&& goto run$", lines[check]) and check < label < run
    # between the label and the run only the choice of command (serve when double-clicked)
    assert all(re.match(r"(?i)(if .* )?set CMD=", ln) for ln in lines[label + 1 : run]), lines[label:run]
    assert not any(ln.lower().startswith("if not exist") and "pip" in ln for ln in lines)
    # and an old or broken .venv Python is found out and made again
    assert any("sys.version_info < (3, 11)" in ln and ".venv" in ln for ln in lines)
