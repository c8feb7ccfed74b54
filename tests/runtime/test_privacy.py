"""Personal numbers never leave the program unmasked.

IDs and mobile numbers are planted the way people write them — with separators,
+86 / 0086, full-width digits — in detail sheets, 备注, complaint texts, a count
cell, file and folder names, a station name and a 考核组意见 理由. The whole job
runs, mail drafts and 通报 included, and every output is searched for the full
numbers: unzipped workbooks and documents, decoded mail parts and attachments,
JSON, the console. The documented exceptions: the station's own sheets inside its
own 退回 copy, and the history database (it never leaves the machine).
"""

from __future__ import annotations

import email
import io
import json
import re
import subprocess
import sys
import unicodedata
import zipfile
from email import policy
from pathlib import Path

import openpyxl
import pytest

from lingong.layout import HISTORY_DB_NAME, RETURNS_FOLDER, RUN_RECORD_NAME
from lingong.runtime.privacy import mask
from support.city import write_registry
from support.paths import ROOT  # noqa: E402
from support.report_factory import sample_details, valid_id, write_report, write_table

ID1, ID2, ID3, ID4 = (
    valid_id(s, b) for s, b in ((11, "19900307"), (22, "19851212"), (33, "20010101"), (44, "19770707"))
)
MOBILES = [f"1391234{i:04d}" for i in range(1, 10)]
# The ways the second round found numbers written that the mask missed: spaced dashes,
# slashes, a Latin prefix, zero-width characters inside. Each is planted in every place
# a number is planted above, with a number of its own.
ID5, ID6 = (valid_id(s, b) for s, b in ((55, "19900101"), (66, "19880808")))
FORM_MOBILES = [f"1390722{i:04d}" for i in range(1031, 1035)]


def _forms(sep_ok: bool = True) -> str:
    """One text holding every new form (``sep_ok``: "/" may appear; not in a file name)."""
    a, b, c, d = FORM_MOBILES
    zw = "\u200b"
    parts = [
        f"{a[:3]} - {a[3:7]} - {a[7:]}",
        f"TEL{c}",
        f"ID{ID5}",
        f"{d[:3]}{zw}{d[3:7]}{zw}{d[7:]}",
        f"{ID6[:6]}\u2060{ID6[6:14]}\ufeff{ID6[14:]}",
    ]
    if sep_ok:
        parts.append(f"{b[:3]}/{b[3:7]}/{b[7:]}")
    return "，".join(parts)


PLANTED = [ID1, ID2, ID3, ID4, ID5, ID6, *MOBILES, *FORM_MOBILES]
WEST = f"西城零工驿站（{_forms()}）"


def _spaced(n: str) -> str:
    return f"{n[:6]} {n[6:14]} {n[14:]}"


def _dashed(n: str) -> str:
    return f"{n[:6]}-{n[6:14]}-{n[14:]}"


def _fullwidth(n: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in n)


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    base = tmp_path_factory.mktemp("privacy")
    src = base / "input"
    folder = src / f"张三{MOBILES[0]}的报表{_forms(sep_ok=False)}"
    folder.mkdir(parents=True)
    write_registry(
        src / "驿站名册.xlsx",
        rows=[
            ("ZD-001", f"东城零工驿站（联系{MOBILES[1]}）", "曾都区", "zd001@example.com"),
            ("ZD-002", WEST, "曾都区", "zd002@example.com"),
        ],
    )
    for m in range(1, 7):
        values = {"C2": 2}
        details = sample_details({**values, "C1": 3, "C3": 2, "D1": 2, "D2": 1, "D3": 1}, f"2023-{m:02d}")
        seekers = details["求职登记"]
        seekers[0]["身份证号"] = _spaced(ID1)
        seekers[0]["联系电话"] = f"+86 {MOBILES[2][:3]}-{MOBILES[2][3:7]}-{MOBILES[2][7:]}"
        seekers[1]["身份证号"] = ID1[:-1] + ("0" if ID1[-1] != "0" else "1")  # wrong check digit: V010 quotes it
        seekers[1]["联系电话"] = f"TEL{FORM_MOBILES[2]}"
        for job_row, phone in zip(details["岗位信息"], (FORM_MOBILES[0], FORM_MOBILES[1], FORM_MOBILES[3])):
            job_row["联系电话"] = f"{phone[:3]} - {phone[3:7]} - {phone[7:]}"
        details["岗位信息"][1]["联系电话"] = f"{FORM_MOBILES[1][:3]}/{FORM_MOBILES[1][3:7]}/{FORM_MOBILES[1][7:]}"
        details["岗位信息"][2]["联系电话"] = "\u200b".join(
            (FORM_MOBILES[3][:3], FORM_MOBILES[3][3:7], FORM_MOBILES[3][7:])
        )
        details["人岗匹配"][0]["身份证号"] = f"ID{ID5}"
        details["人岗匹配"][1]["身份证号"] = f"{ID6[:6]}\u2060{ID6[6:14]}\ufeff{ID6[14:]}"
        details["投诉记录"] = [
            {
                "日期": f"2023-{m:02d}-05",
                "投诉事由": f"求职者李四（电话{_fullwidth(MOBILES[3])}，身份证{_dashed(ID2)}；{_forms()}）投诉未及时回访",
                "是否核实": "否",
                "处理结果": "已回访",
            }
        ]
        name = f"张三{MOBILES[4]}_{ID3}_{_forms(sep_ok=False)}_东城{m}月.xlsx" if m == 1 else f"东城{m}月.xlsx"
        path = write_report(
            folder / name,
            station="ZD-001",
            name=f"东城零工驿站（联系{MOBILES[1]}）",
            month=f"2023-{m:02d}",
            values=values,
            details=details,
        )
        _remark(path, "C2", f"联系人王五 {MOBILES[5][:3]} {MOBILES[5][3:7]} {MOBILES[5][7:]}；{_forms()}")
        forms = _forms().split("，")
        write_report(
            # the one report sent back: numbers in its name reach its 问题清单 (文件, header)
            src / (f"西城{m}月_{_forms(sep_ok=False)}.xlsx" if m == 2 else f"西城{m}月.xlsx"),
            station="ZD-002",
            name=WEST,
            month=f"2023-{m:02d}",
            values={"C1": MOBILES[6], "D1": forms[0], "D2": forms[1], "D3": forms[2], "E1": forms[3], "E2": forms[5]}
            if m == 2
            else {"C1": 3},
        )  # phones typed into count cells
    write_table(
        src / "考核组意见.xlsx",
        "考核组意见",
        ["驿站编号", "考核期", "考核项目", "等次", "理由"],
        [
            [
                "ZD-001",
                "2023H1",
                "服务效能",
                "合格",
                f"经核实投诉不实（投诉人赵六 0086{MOBILES[7]}，身份证{ID4}，备用 {MOBILES[8]}；{_forms()}）",
            ]
        ],
    )
    out = base / "output"
    console = ""
    for sub in ([], ["mail"]):  # the assessment, then its mail (from the record)
        proc = _run(sub, src, out)
        assert proc.returncode in (0, 1), proc.stderr[-3000:]
        console += proc.stdout + proc.stderr
    return {"src": src, "out": out, "console": console}


def _run(sub, src, out):
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "process.py"),
            *sub,
            "--input",
            str(src),
            "--output",
            str(out),
            "--period",
            "2023H1",
            "--quiet",
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=280,
        env={**__import__("os").environ, "SOURCE_DATE_EPOCH": "1700000000"},
    )


def _remark(path: Path, code: str, text: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["月度指标"]
    for row in ws.iter_rows():
        if row[0].value == code:
            row[5].value = text
    wb.save(path)


_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\uff0d.\u00b7+/\u200b-\u200f\u2060\ufeff]")


def _leaks(text: str) -> list[str]:
    """Planted numbers found in ``text``, however they are written there."""
    flat = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    return [n for n in PLANTED if n in flat]


def _xlsx_texts(data: bytes, own_sheets_exempt: bool) -> list[tuple[str, str]]:
    """(where, text) of a workbook: every part, or for a 退回 copy the parts the
    program added (问题清单, the notes) — the station's own sheets are the exception."""
    if not own_sheets_exempt:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return [(n, z.read(n).decode("utf-8", "replace")) for n in z.namelist()]
    wb = openpyxl.load_workbook(io.BytesIO(data))
    out = []
    for ws in wb.worksheets:
        if ws.title == "问题清单":  # its printed header names the report file
            for hf in (ws.oddHeader, ws.evenHeader, ws.firstHeader, ws.oddFooter):
                out += [("问题清单 页眉页脚", p.text or "") for p in (hf.left, hf.center, hf.right)]
        for row in ws.iter_rows():
            for c in row:
                if ws.title == "问题清单" and c.value is not None:
                    out.append((f"问题清单!{c.coordinate}", str(c.value)))
                if c.comment is not None:
                    out.append((f"{ws.title}!{c.coordinate} 批注", c.comment.text))
    return out


def _texts(path: Path, rel: str) -> list[tuple[str, str]]:
    data = path.read_bytes()
    if path.suffix in (".xlsx", ".docx"):
        return [(f"{rel}:{w}", t) for w, t in _xlsx_texts(data, "退回修改/" in rel and path.suffix == ".xlsx")]
    if path.suffix == ".eml":
        msg = email.message_from_bytes(data, policy=policy.default)
        out = [(f"{rel}:{k}", str(v)) for k, v in msg.items() if k.lower() != "to"]
        for part in msg.walk():
            if part.is_multipart():
                continue
            name = part.get_filename() or ""
            out.append((f"{rel}:附件名", name))
            payload = part.get_payload(decode=True) or b""
            if name.endswith(".xlsx"):
                out += [(f"{rel}:{name}:{w}", t) for w, t in _xlsx_texts(payload, "退回" in name)]
            else:
                out.append((f"{rel}:{part.get_content_type()}", payload.decode("utf-8", "replace")))
        return out
    return [(rel, data.decode("utf-8", "replace"))]


@pytest.mark.timeout(600)
def test_no_output_holds_a_personal_number(job):
    out = job["out"]
    files = [p for p in out.rglob("*") if p.is_file() and not p.name.startswith(HISTORY_DB_NAME)]
    kinds = {p.suffix for p in files}
    assert {".xlsx", ".json", ".eml", ".docx", ".csv"} <= kinds
    assert any(RETURNS_FOLDER in p.parts for p in files), "the test needs a 退回 copy"
    leaks = []
    for p in files:
        rel = p.relative_to(out).as_posix()
        leaks += [(rel, n) for n in _leaks(rel)]
        for where, text in _texts(p, rel):
            leaks += [(where, n) for n in _leaks(text)]
    leaks += [("控制台", n) for n in _leaks(job["console"])]
    assert leaks == []


def test_analysts_frames_hold_no_personal_number(job):
    """lingong.frames reads the outputs back into pandas: what it shows is what was written."""
    from lingong.frames import load

    frames = load(job["out"] / "2023H1")
    texts = [df.to_csv() for df in (frames.stations, frames.items, frames.monthly_wide, frames.issues)]
    assert len(frames.issues) and _leaks("\n".join(texts)) == []


def test_the_planted_numbers_reached_the_run(job):
    """The search above means something only if the numbers were read and quoted."""
    record = json.loads((job["out"] / "2023H1" / RUN_RECORD_NAME).read_text(encoding="utf-8"))
    files = " ".join(f["file"] for f in record["input_files"])
    assert "139****0001" in files and "139****0005" in files  # folder and file name, masked
    report = (job["out"] / "2023H1").glob("*校验报告*.xlsx")
    assert list(report)
    assert any("退回" in p.name for p in (job["out"] / "2023H1" / RETURNS_FOLDER).iterdir())


def test_the_station_gets_its_own_numbers_back_in_its_return_copy(job):
    """The documented exception: a 退回 copy's own sheets are the station's workbook."""
    [copy] = list((job["out"] / "2023H1" / RETURNS_FOLDER).iterdir())
    wb = openpyxl.load_workbook(copy)
    cells = [
        str(c.value)
        for ws in wb.worksheets
        if ws.title != "问题清单"
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    ]
    assert MOBILES[6] in " ".join(cells)


@pytest.mark.parametrize(
    "typed,shown",
    [
        ("+86 139-1234-5678", "+86139****5678"),
        ("008613912345678", "0086139****5678"),
        ("１３９１２３４５６７８", "139****5678"),
        ("139 1234 5678", "139****5678"),
        ("421302 19900307 1234", "421302********1234"),
        ("421302-19900307-1234", "421302********1234"),
        ("42130219900307123X", "421302********123X"),
        ("421302900307123", "421302*****7123"),
        ("张三13912345678_4213…_西城2月", "张三139****5678_4213…_西城2月"),
        ("共 3 人，139 1234 5678", "共 3 人，139****5678"),
        ("139 - 0722 - 1031", "139****1031"),
        ("139/0722/1014", "139****1014"),
        ("TEL13907221033", "TEL139****1033"),
        ("Tel: 139 0722 1033", "Tel: 139****1033"),
        ("ID421303199001011035", "ID421303********1035"),
        ("139\u200b0722\u200b1031", "139****1031"),
        ("电话\ufeff139\u2060-0722-1031", "电话\ufeff139****1031"),
    ],
)
def test_the_mask_finds_numbers_as_people_write_them(typed, shown):
    assert mask(typed) == shown


@pytest.mark.parametrize(
    "text",
    [
        "sha256 2a04401d13912345678ff",
        "ZD13912345678",
        "hotel13912345678",
        "1/2/3/4/5/6/7/8/9/10/11",
        "13912345678901",
        "4213021990030712345",
        "2023-07-10",
        "1,234,567.89",
        "0722-3201234",
        "报送年月 2023-03，填报日期 2023-04-03",
    ],
)
def test_the_mask_leaves_codes_hashes_longer_runs_and_dates_alone(text):
    assert mask(text) == text


def test_the_console_is_masked_too(tmp_path, capsys):
    """A message quoting a path: the clerk's console is a way out like any file."""
    from lingong.cli import main

    code = main(["--input", str(tmp_path / f"张三{MOBILES[0]}的报表"), "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "139****0001" in err and MOBILES[0] not in err


@pytest.mark.timeout(120)
def test_history_command_masks_the_station_name(job):
    """process.py history reads the name from results.json and prints it: masked, in Chinese."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "process.py"), "history", "--station", "ZD-001", "--output", str(job["out"])],
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert proc.returncode == 0, proc.stderr
    assert "驿站 ZD-001 东城零工驿站(联系139****0002)（曾都区）" in proc.stdout and "2023年上半年" in proc.stdout
    assert _leaks(proc.stdout) == []


@pytest.mark.parametrize("stamp", [{}, {"t": "2023-07-10 08:00:00"}])
@pytest.mark.parametrize("indent", [None, 1])
@pytest.mark.parametrize(
    "text", ["联系人：\n13912345678", "备注\t421302199003071234", '"13912345678"', "时间 08:00，13912345678"]
)
def test_json_outputs_mask_a_number_after_an_escaped_character(text, indent, stamp):
    """In the JSON text "\\n13912345678" the number follows a letter: the search that
    lets a file without numbers through must not be fooled by that (nor by a time
    stamp, which looks like a number and is not masked)."""
    from lingong.runtime.privacy import dumps_masked

    out = json.loads(dumps_masked({"k": [text], **stamp}, ensure_ascii=False, indent=indent))
    assert out == {"k": [mask(text)], **stamp}
    assert mask(text) != text
