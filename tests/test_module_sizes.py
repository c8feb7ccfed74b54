"""A module a new maintainer can read: none over 600 lines, and one over 400 says at its top
why it is one module (a sentence "Over N lines because …" in its docstring)."""

from __future__ import annotations

import ast

import pytest

from support.paths import ROOT

MODULES = sorted((ROOT / "lingong").rglob("*.py"))
LIMIT, EXPLAIN = 600, 400


def _lines(path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("path", [p for p in MODULES if _lines(p) > EXPLAIN], ids=lambda p: str(p.relative_to(ROOT)))
def test_a_long_module_says_why_at_its_top(path):
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    assert "lines because" in doc, f"{path.relative_to(ROOT)}: {_lines(path)} lines and no reason in its docstring"


def test_no_module_is_over_the_limit():
    over = {str(p.relative_to(ROOT)): _lines(p) for p in MODULES if _lines(p) > LIMIT}
    assert not over, f"modules over {LIMIT} lines: {over}"
