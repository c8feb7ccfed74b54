"""The before/after comparison names each differing cell, and nothing that differs by design."""

from __future__ import annotations

import json

import openpyxl

from lingong.layout import RUN_RECORD_NAME
from tools.compare_outputs import compare


def _tree(root, run_id: str, cell: str, date: str):
    period = root / "2023"
    period.mkdir(parents=True)
    record = {"run_id": run_id, "input_dir": str(root / "in"), "started_at": date, "exit_code": 0}
    (period / RUN_RECORD_NAME).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    wb = openpyxl.Workbook()
    wb.active.title = "县区统计"
    wb.active["A1"] = cell
    wb.active["B1"] = f"运行编号 {run_id}"
    wb.save(period / "汇总表.xlsx")
    (root / "说明.txt").write_text(f"输出在 {root}，{date} 生成\n", encoding="utf-8")


def test_run_ids_paths_and_times_are_not_differences(tmp_path):
    _tree(tmp_path / "a", "aaaaaaaaaaaa", "曾都区", "2026-12-01 15:12:03")
    _tree(tmp_path / "b", "bbbbbbbbbbbb", "曾都区", "2026-12-01 15:13:44")
    assert compare(tmp_path / "a", tmp_path / "b") == []


def test_a_changed_cell_and_a_missing_file_are_named(tmp_path):
    _tree(tmp_path / "a", "aaaaaaaaaaaa", "", "2026-12-01 15:12:03")
    _tree(tmp_path / "b", "bbbbbbbbbbbb", "未填县区", "2026-12-01 15:12:03")
    (tmp_path / "a" / "2023" / "旧.csv").write_text("x\n", encoding="utf-8")
    lines = compare(tmp_path / "a", tmp_path / "b")
    assert "2023/旧.csv: only before" in lines
    assert any(line.startswith("2023/汇总表.xlsx['县区统计'][0][0]") and "未填县区" in line for line in lines), lines
    assert len(lines) == 2
