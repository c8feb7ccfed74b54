"""Whether the packages the program needs are installed: standard library only, so it
runs before any of them is imported.

process.py asks it first: a clerk whose first install was interrupted gets one Chinese
sentence saying what to run, not a ModuleNotFoundError traceback. 运行考核.bat runs it
as ``python -m lingong.install_check`` before every run and installs when it fails
(exit status 1: a package missing or at another version than requirements.txt pins).
RUNTIME is requirements.txt's runtime section (tests/e2e/test_install_check.py keeps
the two equal).
"""

from __future__ import annotations

import sys

MIN_PYTHON = (3, 11)
RUNTIME = {
    "pandas": "3.1.1",
    "openpyxl": "3.1.5",
    "xlsxwriter": "3.3.1",
    "python-calamine": "0.9.1",
    "jinja2": "3.1.6",
    "defusedxml": "0.7.1",
    "tqdm": "4.70.1",
    "docxtpl": "0.20.2",
    "python-docx": "1.2.0",
    "olefile": "0.47",
    "imapclient": "4.1.0",
    "starlette": "1.10.0",
    "uvicorn": "0.55.0",
    "python-multipart": "0.0.34",
    "anyio": "4.16.0",
    "h11": "0.16.0",
    "click": "8.5.1",
    "typing_extensions": "4.16.0",
}


def problems() -> tuple[list[str], list[str]]:
    """(missing distributions, distributions at another version than pinned)."""
    from importlib import metadata

    missing, other = [], []
    for name, pinned in RUNTIME.items():
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        if version != pinned:
            other.append(f"{name} {version}（应为 {pinned}）")
    return missing, other


def python_too_old() -> str | None:
    if sys.version_info >= MIN_PYTHON:
        return None
    have = ".".join(map(str, sys.version_info[:3]))
    need = ".".join(map(str, MIN_PYTHON))
    return f"本程序需要 Python {need} 或更新的版本，当前为 {have}。请从 python.org 安装新版本后重新运行。"


def missing_message(missing: list[str]) -> str:
    return (
        f"缺少运行所需的软件包：{'、'.join(missing)}（可能是第一次安装没有完成）。\n"
        "请在本程序所在的文件夹中运行：\n"
        f"  {sys.executable} -m pip install -r requirements.txt\n"
        "Windows 上也可以直接双击 运行考核.bat，它会自动补装。"
    )


def main() -> int:
    old = python_too_old()
    if old:
        print(old, file=sys.stderr)
        return 2
    missing, other = problems()
    if missing or other:
        print(f"需要安装或更新的软件包：{'、'.join(missing + other)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
