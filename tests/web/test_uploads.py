"""Files dropped on the page: stored under the input folder without ever losing one, read at once."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from lingong.web import board_routes, uploads
from support.mailbox import gbk_zip
from support.web import make_client


@pytest.fixture
def city(demo_input, tmp_path):
    """A copy of the demo city with one accepted report taken out (the station "has not sent it")."""
    inp = tmp_path / "input"
    shutil.copytree(demo_input, inp)
    client = make_client(inp, tmp_path / "out")
    b = client.get("/api/board").json()
    st, i = next(
        (st, i) for c in b["counties"] for st in c["stations"] for i, s in enumerate(st["cells"][:10]) if s == "已采用"
    )
    held = tmp_path / "held" / Path(st["files"][i]).name
    held.parent.mkdir()
    (inp / st["files"][i]).rename(held)
    return client, inp, st["code"], i, held


def _cell(client, code: str, i: int) -> str:
    b = client.get("/api/board").json()
    return next(s for c in b["counties"] for s in c["stations"] if s["code"] == code)["cells"][i]


def _files(inp: Path) -> dict[str, bytes]:
    return {p.relative_to(inp).as_posix(): p.read_bytes() for p in inp.rglob("*") if p.is_file()}


def test_a_dropped_report_is_stored_read_and_shown_at_once(city):
    client, inp, code, i, held = city
    assert _cell(client, code, i) == "缺报"
    before = _files(inp)
    r = client.post("/api/files", files=[("files", (held.name, held.read_bytes()))])
    assert r.status_code == 200, r.text
    (f,) = r.json()["files"]
    assert f["outcome"] == uploads.STORED and f["file"] == f"网页上传/2023-12/{held.name}"
    assert f["verdict"]["status"] == "采用" and f["verdict"]["station"] == code
    assert (inp / f["file"]).read_bytes() == held.read_bytes()
    after = _files(inp)
    assert {k: v for k, v in after.items() if k in before} == before  # nothing else changed
    assert set(after) - set(before) == {f["file"]}
    assert _cell(client, code, i) == "已采用"


def test_the_same_content_again_is_recognised_and_not_stored_twice(city):
    client, inp, _, _, held = city
    client.post("/api/files", files=[("files", (held.name, held.read_bytes()))])
    before = _files(inp)
    r = client.post("/api/files", files=[("files", ("另一个名字.xlsx", held.read_bytes()))]).json()
    (f,) = r["files"]
    assert f["outcome"] == uploads.SAME and f["file"] == f"网页上传/2023-12/{held.name}"
    assert f["verdict"]["status"] == "采用"
    assert _files(inp) == before
    # a file already in the clerk's own folders is recognised too
    existing = next(p for p in inp.rglob("*.xlsx") if "网页上传" not in p.parts)
    (f,) = client.post("/api/files", files=[("files", ("x.xlsx", existing.read_bytes()))]).json()["files"]
    assert f["outcome"] == uploads.SAME and f["file"] == existing.relative_to(inp).as_posix()


def test_a_different_file_under_a_taken_name_is_kept_beside_it(city):
    client, inp, _, _, held = city
    buf = io.BytesIO(held.read_bytes())
    with zipfile.ZipFile(buf, "a") as z:
        z.comment = b"resent"  # the same report saved again: other bytes, another file
    client.post("/api/files", files=[("files", (held.name, held.read_bytes()))])
    (f,) = client.post("/api/files", files=[("files", (held.name, buf.getvalue()))]).json()["files"]
    stem = Path(held.name).stem
    assert f["outcome"] == uploads.STORED and f["file"] == f"网页上传/2023-12/{stem}（第2版）.xlsx"
    assert (inp / "网页上传/2023-12" / held.name).read_bytes() == held.read_bytes()


def test_a_zip_from_chinese_windows_is_unpacked_with_its_gbk_names(city):
    client, inp, code, i, held = city
    readme = b"not a report"
    data = gbk_zip({"三月报表/" + held.name: held.read_bytes(), "说明.txt": readme})
    r = client.post("/api/files", files=[("files", ("曾都区报表.zip", data))]).json()["files"]
    stored = [f for f in r if f["outcome"] == uploads.STORED]
    assert [f["file"] for f in stored] == [f"网页上传/2023-12/曾都区报表_{held.name}"]
    assert stored[0]["name"] == f"曾都区报表.zip/{held.name}"
    assert any(f["name"].endswith("说明.txt") and f["outcome"] == uploads.REFUSED for f in r)
    assert _cell(client, code, i) == "已采用"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../逃出去.xlsx", "逃出去.xlsx"),
        ("C:\\Users\\科员\\桌面\\报表.xlsx", "报表.xlsx"),
        ("CON.xlsx", None),
        ('a<b>:"|?*.xlsx', None),
        ("报表.XLSX", "报表.xlsx"),
    ],
)
def test_hostile_names_stay_inside_the_upload_folder(city, name, expected):
    client, inp, _, _, held = city
    (f,) = client.post("/api/files", files=[("files", (name, held.read_bytes()))]).json()["files"]
    assert f["outcome"] == uploads.STORED
    path = (inp / f["file"]).resolve()
    assert path.parent == (inp / "网页上传" / "2023-12").resolve()
    if expected:
        assert path.name == expected
    assert path.suffix == ".xlsx" and path.stem.upper() not in ("CON", "")


def test_what_is_not_a_spreadsheet_is_refused_and_not_stored(city):
    client, inp, _, _, _ = city
    before = _files(inp)
    files = [
        ("files", ("通知.docx", b"PK\x03\x04word")),
        ("files", ("照片.jpg", b"\xff\xd8\xff")),
        ("files", ("坏的.zip", b"PK not a zip")),
    ]
    r = client.post("/api/files", files=files).json()["files"]
    assert [f["outcome"] for f in r] == [uploads.REFUSED] * 3
    assert all(f["note"] for f in r)
    assert _files(inp) == before


def test_a_zip_bomb_stops_at_the_size_limit(city, monkeypatch):
    client, inp, _, _, _ = city
    monkeypatch.setattr(uploads, "MAX_FILE_BYTES", 1_000_000)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("炸弹.xlsx", b"\0" * 5_000_000)  # 5 MB of zeros packs into a few KB
    raw = bytearray(buf.getvalue())
    (f,) = client.post("/api/files", files=[("files", ("报表.zip", bytes(raw)))]).json()["files"]
    assert f["outcome"] == uploads.REFUSED and "太大" in f["note"]
    assert not (inp / "网页上传").exists() or not any((inp / "网页上传").rglob("*.xlsx"))


def test_too_much_at_once_is_refused_in_chinese(city, monkeypatch):
    client, _, _, _, held = city
    monkeypatch.setattr(board_routes, "MAX_REQUEST_BYTES", 1000)
    r = client.post("/api/files", files=[("files", (held.name, held.read_bytes()))])
    assert r.status_code == 413 and "分几次上传" in r.json()["error"]
    monkeypatch.setattr(uploads, "MAX_FILES", 3)
    r = client.post("/api/files", files=[("files", (f"{n}.xlsx", b"x")) for n in range(5)])
    assert r.status_code == 400 and "最多上传 3 个文件" in r.json()["error"]


def test_a_post_without_files_is_said(city):
    client, _, _, _, _ = city
    r = client.post("/api/files", data={"x": "1"})
    assert r.status_code == 400 and "没有文件" in r.json()["error"]


def test_no_temporary_file_is_left_behind(city):
    client, inp, _, _, held = city
    client.post("/api/files", files=[("files", (held.name, held.read_bytes()))])
    assert not [p for p in (inp / "网页上传").rglob("*") if p.name.startswith("~$")]
    assert os.listdir(inp / "网页上传" / "2023-12") == [held.name]


def test_a_phone_number_in_a_file_name_never_reaches_the_page_and_the_file_still_opens(city):
    client, inp, code, i, held = city
    phone = "13812345678"
    r = client.post("/api/files", files=[("files", (f"{phone}_报表.xlsx", held.read_bytes()))])
    assert phone not in r.text
    (f,) = r.json()["files"]
    assert (inp / "网页上传/2023-12").is_dir()
    board = client.get("/api/board")
    assert phone not in board.text
    v = client.get("/api/report", params={"file": f["file"]})
    assert v.status_code == 200 and v.json()["station"] == code and phone not in v.text
