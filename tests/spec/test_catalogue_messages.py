"""Every catalogue message, rendered as the code that raises it fills it, reads as a
whole sentence: no field left empty ("上限 ）", "（）", "“”", "：。").

The fields a code is given are read from its call sites in lingong/ (issue(...),
the readers' add(...), preflight's _fail(...), WorkbookError(...)), together with
the fields each of those fills in for the caller. A message that uses a field no
call site gives is exactly the bug this catches."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from lingong.spec.issues import CATALOGUE, issue
from support.text import EMPTY_SLOT

PACKAGE = Path(__file__).resolve().parents[2] / "lingong"
FIELDS = ("station", "month", "file", "sheet", "cell", "found", "expected", "what")
TYPICAL = {
    "station": "ZD-001",
    "month": "2023-07",
    "file": "东城/ZD-001_2023-07.xlsx",
    "sheet": "月度指标",
    "cell": "E14",
    "found": "十二",
    "expected": "2023-07",
    "what": "月度指标!E14（C1 收集审核零工岗位数）",
}
ALL = frozenset(FIELDS)

# What a producer fills in besides the keywords written at the call site.
IMPLIED = {
    ("report.py", "add"): {"station", "month", "file"},  # _Issues.build
    ("decisions.py", "add"): {"station", "file", "sheet", "cell"},
    ("preflight.py", "_fail"): {"file"},  # reading.read_one
    ("workbook.py", "WorkbookError"): {"file"},
    ("preflight.py", "WorkbookError"): {"file"},
}
POSITIONAL = {"_fail": ("found",), "WorkbookError": ("found", "expected")}  # after the code


def _callee(node: ast.Call) -> str:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def call_sites() -> dict[str, list[tuple[str, frozenset]]]:
    """code -> [(where, fields given)] for every call in lingong/ whose first argument
    is a literal catalogue code. A ``**kwargs`` call counts as giving every field."""
    sites: dict[str, list[tuple[str, frozenset]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value in CATALOGUE
            ):
                continue
            name = _callee(node)
            if name not in ("issue", "add", "_fail", "WorkbookError"):
                continue
            given = set(IMPLIED.get((path.name, name), ()))
            given.update(POSITIONAL.get(name, ())[: len(node.args) - 1])
            for kw in node.keywords:
                given.update(ALL if kw.arg is None else {kw.arg})
            sites.setdefault(node.args[0].value, []).append((f"{path.name}:{node.lineno}", frozenset(given)))
    return sites


SITES = call_sites()


def _render(code: str, given) -> tuple[str, str]:
    i = issue(code, **{k: (TYPICAL[k] if k in given else "") for k in FIELDS})
    return i.message, i.hint


def test_the_scan_finds_the_producers():
    # A scan that found nothing would make the test below pass by default.
    assert len(SITES) >= 0.8 * len(CATALOGUE)
    assert {"F003", "F005", "V001", "S001", "R005", "D001", "P003"} <= SITES.keys()


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_message_as_its_call_sites_fill_it_has_no_empty_field(code):
    cases = SITES.get(code) or [("(no literal call site: all fields)", ALL)]
    for where, given in cases:
        message, hint = _render(code, given)
        for text in (message, hint):
            assert not EMPTY_SLOT.search(text), f"{code} at {where} renders “{text}”"
            assert "{" not in text and "}" not in text


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_message_with_all_fields_filled_reads_whole(code):
    message, hint = _render(code, ALL)
    assert message and hint
    assert not EMPTY_SLOT.search(message) and not EMPTY_SLOT.search(hint), message


def test_the_slot_check_catches_what_it_is_for():
    for bad in (
        "文件异常，解压后过大（x，上限 ）",
        "读取文件时出错：",
        "缺少工作表“”",
        "（）",
        "表格（，上限 5）",
        "读取文件时出错：。",
    ):
        assert EMPTY_SLOT.search(bad), bad
    assert not EMPTY_SLOT.search(_render("F005", {"found", "expected"})[0])
    assert EMPTY_SLOT.search(_render("F005", {"found"})[0])  # the bug this file was written for


def test_no_code_is_defined_twice():
    """CATALOGUE is built by dict comprehension: a second definition of a code would
    silently replace the first (two branches once both took V018)."""
    from pathlib import Path

    import lingong.spec.issues

    codes = re.findall(r'_t\("([A-Z]\d{3})"', Path(lingong.spec.issues.__file__).read_text(encoding="utf-8"))
    assert sorted(codes) == sorted(set(codes))
