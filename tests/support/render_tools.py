"""Rendering tests need LibreOffice and poppler; .ci/run installs both. Where they are truly
missing, the test is skipped loudly (a warning in the summary), never passed in silence."""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

TOOLS = ("soffice", "pdftotext", "pdfinfo")


def require_render_tools(tools=TOOLS) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        msg = f"!!! 渲染测试已跳过：找不到 {', '.join(missing)}（LibreOffice / poppler 未安装）!!!"
        warnings.warn(msg, stacklevel=3)
        pytest.skip(msg)


def convert(files, outdir: Path, *, to: str = "pdf", timeout: float = 300) -> list[Path]:
    """LibreOffice converts ``files`` into ``outdir`` in one call; the converted files, each
    named after its source. A private profile beside ``outdir``: parallel test runs must not
    share LibreOffice's lock."""
    files, outdir = [Path(f) for f in files], Path(outdir)
    profile = (outdir.parent / f"lo-profile-{outdir.name}").as_uri()
    cmd = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", to, "--outdir", str(outdir)]
    proc = subprocess.run([*cmd, *map(str, files)], capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    out = [outdir / f"{f.stem}.{to}" for f in files]
    for p in out:
        assert p.is_file() and p.stat().st_size > 0, f"{p.name}: not written; soffice said {proc.stdout} {proc.stderr}"
    return out
