"""Rendering tests need LibreOffice and poppler; .ci/run installs both. Where they are truly
missing, the test is skipped loudly (a warning in the summary), never passed in silence."""

from __future__ import annotations

import shutil
import warnings

import pytest

TOOLS = ("soffice", "pdftotext", "pdfinfo")


def require_render_tools(tools=TOOLS) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        msg = f"!!! 渲染测试已跳过：找不到 {', '.join(missing)}（LibreOffice / poppler 未安装）!!!"
        warnings.warn(msg, stacklevel=3)
        pytest.skip(msg)
