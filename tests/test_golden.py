"""The golden comparison itself (tests/support/golden.py): a changed document fails, a missing
golden file is written and still fails, and only LINGONG_UPDATE_GOLDEN=1 rewrites one."""

from __future__ import annotations

import openpyxl
import pytest

from support import golden


@pytest.fixture(autouse=True)
def not_updating(monkeypatch):
    monkeypatch.delenv(golden.UPDATE_ENV, raising=False)


def test_a_changed_text_fails_and_names_the_line(tmp_path):
    want = tmp_path / "doc.txt"
    with pytest.raises(AssertionError, match="was missing and has been written"):
        golden.check_text("一、考核结果\n整改期限2023年8月4日", want)
    golden.check_text("一、考核结果\n整改期限2023年8月4日", want)
    with pytest.raises(AssertionError, match=r"(?s)-整改期限2023年8月4日.*\+整改期限2023年8月9日"):
        golden.check_text("一、考核结果\n整改期限2023年8月9日", want)


def test_a_changed_cell_fails_and_names_the_cell(tmp_path):
    def book(value):
        wb = openpyxl.Workbook()
        wb.active.title = "汇总"
        wb.active["B2"] = value
        path = tmp_path / f"{value}.xlsx"
        wb.save(path)
        return path

    want = tmp_path / "book.json"
    with pytest.raises(AssertionError, match="was missing"):
        golden.check_workbook(book("合格"), want)
    golden.check_workbook(book("合格"), want)
    with pytest.raises(AssertionError, match="B2"):
        golden.check_workbook(book("优秀"), want)


def test_only_the_update_switch_rewrites_a_golden_file(tmp_path, monkeypatch):
    want = tmp_path / "doc.txt"
    want.write_text("旧\n", encoding="utf-8")
    monkeypatch.setenv(golden.UPDATE_ENV, "1")
    golden.check_text("新", want)
    assert want.read_text(encoding="utf-8") == "新\n"
