"""Every catalogue message, rendered as the code that raises it fills it, reads as a
whole sentence: no field left empty ("上限 ）", "（）", "“”", "：。").

The fields a code is given are read from its call sites in lingong/ (issue(...),
the readers' add(...), the registry's note(...), preflight's _fail(...), WorkbookError(...)), together with
the fields each of those fills in for the caller. A message that uses a field no
call site gives is exactly the bug this catches."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from lingong.catalogue.issues import CATALOGUE, issue
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
    ("registry.py", "note"): {"file", "sheet"},  # a registry row's issue
}
POSITIONAL = {"_fail": ("found",), "WorkbookError": ("found", "expected"), "note": ("cell",)}  # after the code


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
            if name not in ("issue", "add", "_fail", "WorkbookError", "note"):
                continue
            given = set(IMPLIED.get((path.name, name), ()))
            given.update(POSITIONAL.get(name, ())[: len(node.args) - 1])
            for kw in node.keywords:
                given.update(ALL if kw.arg is None else {kw.arg})
            sites.setdefault(node.args[0].value, []).append((f"{path.name}:{node.lineno}", frozenset(given)))
    return sites


SITES = call_sites()


def render_mail(code: str, given) -> tuple[str, str]:
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
        message, hint = render_mail(code, given)
        for text in (message, hint):
            assert not EMPTY_SLOT.search(text), f"{code} at {where} renders “{text}”"
            assert "{" not in text and "}" not in text


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_message_with_all_fields_filled_reads_whole(code):
    message, hint = render_mail(code, ALL)
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
    assert not EMPTY_SLOT.search(render_mail("F005", {"found", "expected"})[0])
    assert EMPTY_SLOT.search(render_mail("F005", {"found"})[0])  # the bug this file was written for


def test_no_code_is_defined_twice():
    """CATALOGUE is built by dict comprehension: a second definition of a code would
    silently replace the first (two branches once both took V018)."""
    from pathlib import Path

    import lingong.catalogue.issues

    codes = re.findall(r'_t\("([A-Z]\d{3})"', Path(lingong.catalogue.issues.__file__).read_text(encoding="utf-8"))
    assert sorted(codes) == sorted(set(codes))


# A typical example per code where the generic one would not be what the code is raised with.
EXAMPLE = {
    "V008": {"found": "2023.1", "expected": "2023-01"},
    "V009": {"what": "基本信息!B9（联系电话）", "found": "138****5678", "cell": "B9", "sheet": "基本信息"},
    "V010": {"what": "岗位信息!F5（身份证号）", "found": "420302********1234", "cell": "F5", "sheet": "岗位信息"},
    "V017": {"what": "岗位信息!F5（身份证号）", "found": "4.20302E+17", "cell": "F5", "sheet": "岗位信息"},
    "P003": {"month": "2023-05", "expected": "2023年5月的月报", "sheet": "", "cell": "", "what": ""},
    "X002": {"what": "C1 收集审核零工岗位数", "sheet": "岗位信息", "cell": "", "found": "11", "expected": "12"},
    "R001": {"found": "ZD-009", "sheet": "基本信息", "cell": "B3", "what": ""},
}
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{4,}")


def _typical(code: str):
    fields = {**TYPICAL, **EXAMPLE.get(code, {})}
    return issue(code, **fields)


def _repeated_phrase(text: str) -> str:
    """The first run of 4 Chinese characters that occurs twice (as in "身份证号）的身份证号")."""
    for run in _CJK_RUN.findall(text):
        for k in range(len(run) - 3):
            piece = run[k : k + 4]
            if text.count(piece) > 1:
                return piece
    return ""


def test_the_repeat_check_catches_what_it_is_for():
    assert _repeated_phrase("岗位信息!F5（身份证号）的身份证号“4203”校验位不正确") == "身份证号"
    assert _repeated_phrase("月度指标!E11：月度指标!E11（C1）未填写") == "月度指标"
    assert not _repeated_phrase("岗位信息!F5（身份证号）填写的“4203”校验位不正确")


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_message_with_a_typical_example_says_each_thing_once(code):
    from lingong.mail.drafts import issue_row

    i = _typical(code)
    assert not EMPTY_SLOT.search(i.message) and not EMPTY_SLOT.search(i.hint), (i.message, i.hint)
    assert "{" not in i.hint and "}" not in i.hint
    assert not _repeated_phrase(i.message), i.message
    # The line a station reads in its mail: month, place, then the message.
    row = issue_row(i)
    line = f"{row['month']} {row['where']}：{row['message']}"
    assert not _repeated_phrase(line), line
    # Every view shows the month beside the message ("2023年5月：2023-05 未收到…" said it twice).
    assert "{month}" not in CATALOGUE[code].message, line


def test_a_station_facing_hint_never_asks_for_a_program_run():
    # R (registry), D (考核组意见) and F007/F012 (the input folder) are the clerk's; the rest go to stations.
    for code, t in CATALOGUE.items():
        if code[0] in "RD" or code in ("F007", "F012"):
            continue
        assert "运行" not in t.hint, f"{code}: {t.hint}"


def test_a_month_example_is_the_reports_own_month():
    i = _typical("V008")
    assert "2023-01" in i.hint and "2023年1月" in i.hint and "2023-10" not in i.hint, i.hint


def test_missing_report_is_a_warning_asking_for_that_months_report():
    i = _typical("P003")
    assert i.severity == "警告"
    assert i.expected == "2023年5月的月报" and "2023年5月的月报" in i.hint
