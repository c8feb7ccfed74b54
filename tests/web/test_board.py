"""报送情况 and the verdict of one report, as the page shows them: the library's own answers."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest

from lingong import api
from lingong.layout import RETURN_COPY_SUFFIX
from lingong.reporting_status import STATUSES
from support.web import TODAY, make_client


def _tree_hash(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def board(demo_input, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    client = make_client(demo_input, out)
    r = client.get("/api/board")
    assert r.status_code == 200, r.text
    return client, out, r.json()


def test_the_year_is_the_latest_with_reports_and_every_station_of_the_registry_is_a_row(board, demo_input):
    client, out, b = board
    assert b["year"] == 2023 and b["on"] == TODAY.isoformat()
    assert b["months"] == [f"2023-{m:02d}" for m in range(1, 13)]
    assert b["registry_file"].startswith("随州市零工驿站名册")
    rows = [st for c in b["counties"] for st in c["stations"]]
    v = api.check_files(demo_input, out, workers=1)
    assert {st["code"] for st in rows} == set(v.stations)
    for st in rows:
        assert len(st["cells"]) == 12 and set(st["cells"]) <= set(STATUSES)


def test_the_grid_is_the_librarys_reporting_status(board, demo_input):
    client, out, b = board
    status = api.reporting_status(demo_input, out, 2023, on=TODAY, workers=1)
    for c in b["counties"]:
        for st in c["stations"]:
            assert st["cells"] == [status.cells[st["code"], m] for m in status.months]
            assert st["files"] == [status.files.get((st["code"], m), "") for m in status.months]


def test_a_month_not_sent_is_not_due_until_the_5th_and_missing_after(demo_input, tmp_path):
    inp = tmp_path / "input"
    shutil.copytree(demo_input, inp)
    b = make_client(inp, tmp_path / "out").get("/api/board").json()
    st = next(st for c in b["counties"] for st in c["stations"] if st["cells"][11] == "已采用")
    (inp / st["files"][11]).rename(tmp_path / "taken-out.xlsx")  # the station has not sent December yet
    for today, expected in ((date(2023, 12, 20), "未到期"), (date(2024, 1, 5), "未到期"), (date(2024, 1, 6), "缺报")):
        b = make_client(inp, tmp_path / "out", today=today).get("/api/board", params={"year": 2023}).json()
        row = next(s for c in b["counties"] for s in c["stations"] if s["code"] == st["code"])
        assert row["cells"][11] == expected, today
        assert row["files"][11] == ""


def test_each_countys_rate_is_reported_over_due(board):
    _, _, b = board
    for c in b["counties"]:
        for i, m in enumerate(c["months"]):
            column = [st["cells"][i] for st in c["stations"]]
            due = sum(column.count(s) for s in ("已采用", "退回", "缺报"))
            assert m["due"] == due
            assert m["rate"] == (None if not due else round((column.count("已采用") + column.count("退回")) / due, 4))


def test_a_returned_cell_opens_its_problems_and_return_copy_and_the_input_is_untouched(board, demo_input):
    client, _, b = board
    before = _tree_hash(demo_input)
    st, i = next(
        (st, i) for c in b["counties"] for st in c["stations"] for i, s in enumerate(st["cells"]) if s == "退回"
    )
    r = client.get("/api/report", params={"file": st["files"][i]})
    assert r.status_code == 200
    v = r.json()
    assert v["status"] == "退回" and v["station"] == st["code"] and v["errors"] >= 1
    assert all(p["message"] and p["severity"] in ("错误", "警告", "提示") for p in v["problems"])
    assert any(p["sheet"] and p["cell"] for p in v["problems"])  # which sheet and cell, as the 校验报告 says
    copy = client.get(v["return_copy"])
    assert copy.status_code == 200 and copy.content[:2] == b"PK"
    assert copy.headers["content-disposition"].endswith(quote(RETURN_COPY_SUFFIX))  # filename*=utf-8''…
    assert _tree_hash(demo_input) == before


def test_an_accepted_report_has_no_return_copy(board):
    client, _, b = board
    st, i = next(
        (st, i) for c in b["counties"] for st in c["stations"] for i, s in enumerate(st["cells"]) if s == "已采用"
    )
    v = client.get("/api/report", params={"file": st["files"][i]}).json()
    assert v["status"] == "采用" and v["return_copy"] == ""
    assert client.get("/api/return-copy", params={"file": st["files"][i]}).status_code == 404


def test_files_the_grid_does_not_show_are_listed_with_why(board):
    _, _, b = board
    other = {v["file"]: v for v in b["other_files"]}
    assert any(v["kind"] == "rejected" and v["reason"] for v in other.values())
    assert any(v["status"] == "已被替代" and v["replaced_by"] for v in other.values())


def test_an_unknown_file_and_a_bad_year_are_said_in_chinese(board):
    client, _, _ = board
    r = client.get("/api/report", params={"file": "没有这个.xlsx"})
    assert r.status_code == 404 and "没有文件" in r.json()["error"]
    r = client.get("/api/board", params={"year": "二〇二三"})
    assert r.status_code == 400 and "四位数字" in r.json()["error"]


def test_a_folder_without_a_registry_is_the_commands_message(tmp_path):
    (tmp_path / "in").mkdir()
    client = make_client(tmp_path / "in", tmp_path / "out")
    r = client.get("/api/board")
    assert r.status_code == 400 and "驿站名册" in r.json()["error"]
