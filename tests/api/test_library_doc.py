"""docs/library.md's examples run as written: every ``python`` block, in order, in one namespace."""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from support.paths import ROOT

DOC = ROOT / "docs" / "library.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)

pytestmark = pytest.mark.timeout(600)


def test_the_library_doc_has_examples_of_each_function():
    code = "\n".join(BLOCK.findall(DOC.read_text(encoding="utf-8")))
    for name in (
        "reporting_status",
        "check_files",
        "assess",
        "digest",
        "assessments",
        "recorded_assessment",
        "assessment_documents",
        "write_mail",
        "open_rectifications",
        "station_history",
    ):
        assert f"api.{name}(" in code, name


def test_the_library_doc_examples_run(monkeypatch, tmp_path):
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the examples' tempfile.mkdtemp() lands here
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    namespace: dict = {"__name__": "library_doc"}
    printed = io.StringIO()
    for i, block in enumerate(BLOCK.findall(DOC.read_text(encoding="utf-8")), 1):
        with contextlib.redirect_stdout(printed):
            exec(compile(block, f"{DOC.name} block {i}", "exec"), namespace)  # noqa: S102 - our own doc
    text = printed.getvalue()
    assert "考核期：2023年上半年（2023H1）" in text  # the digest
    assert "还没有考核" in text  # the FatalInput's message
    assert str(tmp_path) in str(namespace["work"])
