"""Discovery: what is read, what is passed over and why, and that odd folders cannot stop a run."""

import os

from lingong.discover import walk as discover_mod
from lingong.discover.walk import REASON_HIDDEN, REASON_LOCK, discover, skip_reason, stat_signature
from lingong.layout import RETURNS_FOLDER
from lingong.model.records import KIND_SKIPPED
from lingong.render.return_copy import copy_name
from support import hostile


def _tree(root):
    (root / "曾都区" / "东城").mkdir(parents=True)
    (root / ".git").mkdir()
    hostile.small_workbook(root / "曾都区" / "东城", "东城驿站1月报表(修改版).xlsx")
    hostile.small_workbook(root / "曾都区", "B.XLSX")
    hostile.small_workbook(root, "a.xls")
    hostile.small_workbook(root, "c.ods")
    hostile.small_workbook(root, "wps.et")
    hostile.small_workbook(root / ".git", "hidden-inside.xlsx")
    hostile.lock_files(root / "曾都区" / "东城")
    (root / ".DS_Store").write_bytes(b"\0")
    (root / "说明.docx").write_bytes(b"PK")
    (root / "README").write_text("x")


def test_candidates_sorted_by_relative_path_and_the_rest_listed(tmp_path):
    _tree(tmp_path)
    d = discover(tmp_path)
    assert [rel for _, rel in d.candidates] == [
        "a.xls",
        "c.ods",
        "wps.et",
        "曾都区/B.XLSX",
        "曾都区/东城/东城驿站1月报表(修改版).xlsx",
    ]
    assert all(p.is_absolute() and p.is_file() for p, _ in d.candidates)
    skipped = {o.file: o.reason for o in d.skipped}
    assert skipped["曾都区/东城/~$东城驿站1月.xlsx"] == REASON_LOCK
    assert skipped["曾都区/东城/.~lock.东城驿站1月.xlsx#"] == REASON_LOCK
    assert skipped[".DS_Store"] == REASON_HIDDEN
    assert "docx" in skipped["说明.docx"]
    assert "没有扩展名" in skipped["README"]
    assert ".git/" in skipped
    assert all(o.kind == KIND_SKIPPED for o in d.skipped)
    assert not d.issues


def test_skip_reasons_by_name():
    assert skip_reason("~$报表.xlsx") == REASON_LOCK
    assert skip_reason(".~lock.报表.ods#") == REASON_LOCK
    assert skip_reason("报表.XLSM") is None
    assert "模板" in skip_reason("模板.xltx")
    assert skip_reason("报表.xlsb") is None  # calamine reads Excel's binary workbook
    assert "导出为 .xlsx" in skip_reason("报表.numbers")


def test_symlink_loop_does_not_hang_and_linked_folders_are_not_followed(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    hostile.small_workbook(sub, "r.xlsx")
    os.symlink(tmp_path, sub / "loop")
    os.symlink(sub / "r.xlsx", tmp_path / "link.xlsx")  # a linked file is read like any file
    d = discover(tmp_path)
    assert [rel for _, rel in d.candidates] == ["link.xlsx", "sub/r.xlsx"]
    assert "sub/loop" in {o.file for o in d.skipped}


def test_an_unreadable_folder_is_an_issue_and_the_run_goes_on(tmp_path, monkeypatch):
    (tmp_path / "locked").mkdir()
    hostile.small_workbook(tmp_path, "ok.xlsx")
    real = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(discover_mod.os, "scandir", scandir)
    d = discover(tmp_path)
    assert [rel for _, rel in d.candidates] == ["ok.xlsx"]
    assert [(i.code, i.file, i.found) for i in d.issues] == [("F012", "locked", "没有访问权限")]


def test_stat_signature_changes_when_a_file_grows(tmp_path):
    p = hostile.small_workbook(tmp_path)
    before = stat_signature(p)
    with open(p, "ab") as f:
        f.write(b"more")
    assert stat_signature(p) != before
    assert stat_signature(p)[0] == before[0] + 4


def test_the_output_folder_inside_the_input_is_listed_once_and_not_entered(tmp_path):
    _tree(tmp_path)
    out = tmp_path / "曾都区" / "结果"
    (out / "2023H1" / RETURNS_FOLDER).mkdir(parents=True)
    hostile.small_workbook(out / "2023H1" / RETURNS_FOLDER, copy_name("ZD-001", "2023-03"))
    hostile.small_workbook(tmp_path / "曾都区", "结果2.xlsx")  # a name that starts alike is still read
    d = discover(tmp_path, exclude=out)
    rels = [rel for _, rel in d.candidates]
    assert not any(r.startswith("曾都区/结果/") for r in rels) and "曾都区/结果2.xlsx" in rels
    assert [o.file for o in d.skipped if o.reason == discover_mod.REASON_OUTPUT] == ["曾都区/结果/"]
    assert [o.file for o in d.skipped if o.file.startswith("曾都区/结果/")] == ["曾都区/结果/"]
    # Spelt through "..": the same folder.
    d2 = discover(tmp_path, exclude=tmp_path / "曾都区" / "东城" / ".." / "结果")
    assert [rel for _, rel in d2.candidates] == rels


def test_where_the_output_folder_lies_relative_to_the_input(tmp_path):
    (tmp_path / "in" / "out").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "in", target_is_directory=True)
    inside = discover_mod.output_inside_input
    assert inside(tmp_path / "in", tmp_path / "in") == ""
    assert inside(tmp_path / "in", tmp_path / "link") == ""
    assert inside(tmp_path / "in", tmp_path / "in" / "out") == "out"
    assert inside(tmp_path / "in", tmp_path / "in" / "a" / "b") == "a/b"  # need not exist yet
    assert inside(tmp_path / "in", tmp_path / "elsewhere") is None
    assert inside(tmp_path / "in", tmp_path) is None  # input inside the output (the demo's layout)
    assert inside(tmp_path / "in", tmp_path / "in-2") is None
