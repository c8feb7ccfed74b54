"""The data behind the grades on a whole run (issue 17): the demo's year, then
lingong.frames, the three questions of docs/analysis.md exactly as written, the
历次考核 sheet and ``process.py history``; the run itself never imports pandas."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from lingong import cli
from lingong.frames import load
from lingong.grade.history_view import period_label, recorded
from lingong.grade.monthly import TREND_CODES
from lingong.layout import HISTORY_DB_NAME, RESULTS_JSON_NAME, summary_name
from lingong.layout import MONTHLY_CSV_NAME as CSV_NAME

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "analysis.md"
RUN = (
    "import sys; from lingong.cli import main; code = main(sys.argv[1:]);"
    " print('pandas imported' if 'pandas' in sys.modules else 'pandas not imported'); sys.exit(code)"
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """output/ of the demo's whole year, next to nothing else (the doc's examples read Path("output"))."""
    base = tmp_path_factory.mktemp("analysis")
    out = base / "output"
    proc = subprocess.run(
        [sys.executable, "-c", RUN, "--demo", "--output", str(out), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return base, out, proc.stdout


@pytest.mark.timeout(600)
def test_the_run_never_imports_pandas(demo):
    assert demo[2].rstrip().endswith("pandas not imported")


def _doc_tables() -> dict[str, dict[str, str]]:
    """frame name -> {column: dtype} from the tables under "### `name`" in docs/analysis.md."""
    out: dict[str, dict[str, str]] = {}
    name = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"### `(\w+)`", line)
        if m:
            name = m.group(1)
            out[name] = {}
        elif name and line.startswith("| ") and not line.startswith("| 列") and not line.startswith("|---"):
            cols, dtype = [c.strip() for c in line.strip("|").split("|")][:2]
            for col in cols.split():
                out[name][col] = dtype
    return out


@pytest.mark.timeout(600)
def test_frames_shapes_and_dtypes_as_documented(demo):
    _, out, _ = demo
    f = load(out / "2023H1")
    documented = _doc_tables()
    assert set(documented) == {"stations", "items", "requirements", "monthly_wide", "monthly", "issues"}
    for name, columns in documented.items():
        df = getattr(f, name)
        assert {c: str(t) for c, t in df.dtypes.items()} == columns, name
    doc = json.loads((out / "2023H1" / RESULTS_JSON_NAME).read_text(encoding="utf-8"))
    stations = doc["stations"]
    assert len(f.stations) == len(stations)
    assert len(f.items) == sum(len(s["items"]) for s in stations)
    assert len(f.requirements) == sum(len(it["requirements"]) for s in stations for it in s["items"])
    operating = [(s["code"], m["month"]) for s in stations for m in s["months"] if m["status"] != "未运营"]
    assert len(f.monthly_wide) == len(operating)
    assert len(f.monthly) == len(f.monthly_wide) * f.monthly["code"].nunique()
    assert list(f.stations["county"].cat.categories) == ["曾都区", "随县", "广水市", "随州高新区", "大洪山风景名胜区"]
    assert f.stations["final"].cat.ordered and f.stations["final"].cat.categories.tolist() == ["不合格", "合格", "优秀"]
    # The period sums in results.json are sums of the monthly figures.
    sums = f.monthly_wide.groupby("station")["C1"].sum()
    for s in stations:
        if s["graded"]:
            assert sums.get(s["code"], 0) == s["sums"]["C1"], s["code"]
    # 缺报 and 退回 months: their status and no figures.
    empty = f.monthly_wide[f.monthly_wide["status"] != "采用"]
    assert len(empty) and empty["C1"].isna().all() and empty["A3"].isna().all()
    assert len(f.issues) and set(f.issues["severity"].dropna()) <= {"错误", "警告", "提示"}
    # The same frames from results.json alone (the period's C1, which a requirement traces).
    alone = load(out / "2023H1" / RESULTS_JSON_NAME)
    assert alone.monthly_wide["C1"].sum() == f.monthly_wide["C1"].sum()


@pytest.mark.timeout(600)
def test_analysis_doc_examples_run_as_written(demo, monkeypatch):
    base, out, _ = demo
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 4  # the load example, then the three questions
    monkeypatch.chdir(base)
    ns: dict = {}
    for block in blocks[1:]:
        exec(compile(block, str(DOC), "exec"), ns)
    wide = pd.read_csv(out / "2023H2" / CSV_NAME, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    sx = wide[(wide["县（市、区）"] == "随县") & (wide["报送状态"] == "采用")]
    for month, row in ns["suixian"].iterrows():
        picked = sx[sx["月份"] == str(month)]
        assert row["C1"] == picked["C1 收集审核零工岗位数"].astype(int).sum()
    assert len(ns["suixian"]) == 6
    h1 = json.loads((out / "2023H1" / RESULTS_JSON_NAME).read_text(encoding="utf-8"))
    want: dict[str, set] = {}
    for s in h1["stations"]:
        for it in s["items"]:
            for q in it["requirements"]:
                if q["kind"] == "monthly" and q["level"] == "合格":
                    for m in q["failed_months"]:
                        want.setdefault(m, set()).add(s["code"])
    assert want and {m: set(v) for m, v in ns["below"].items()} == want
    fell = ns["fell"]
    assert len(fell) == 5 and list(fell["C2"]) == sorted(fell["C2"]) and fell["C2"].iloc[0] < 0
    first = ns["first"]
    assert (
        ns["change"].loc[first.index, "C2"] == ns["second"]["C2"].reindex(first.index, fill_value=0) - first["C2"]
    ).all()


@pytest.mark.timeout(600)
@pytest.mark.parametrize("period", ["2023H1", "2023H2", "2023"])
def test_issues_are_read_from_results_json_and_an_older_folder_from_its_report(demo, tmp_path, period):
    """results.json holds the 校验问题 rows as data; a folder written before it did (no "issues")
    gives the same frame from its 校验报告."""
    _, out, _ = demo
    doc = json.loads((out / period / RESULTS_JSON_NAME).read_text(encoding="utf-8"))
    f = load(out / period)
    assert len(doc["issues"]) == len(f.issues) > 0
    older = tmp_path / period
    shutil.copytree(out / period, older)
    del doc["issues"]
    (older / RESULTS_JSON_NAME).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    pd.testing.assert_frame_equal(load(older).issues, f.issues)


@pytest.mark.timeout(600)
def test_summary_trend_and_history_sheets_of_the_year(demo):
    _, out, _ = demo
    wb = openpyxl.load_workbook(out / "2023" / summary_name("2023年度"))
    periods = sorted({h.period for h in recorded(out / HISTORY_DB_NAME)})
    assert periods == ["2023", "2023H1", "2023H2"]
    header = [c.value for c in wb["历次考核"][2]]
    assert header[3::2] == [f"{period_label(p)}最终等次" for p in ("2023H1", "2023H2", "2023")]
    body = {r[1].value: [c.value for c in r] for r in wb["历次考核"].iter_rows(min_row=3)}
    for h in recorded(out / HISTORY_DB_NAME):
        col = 3 + 2 * ["2023H1", "2023H2", "2023"].index(h.period)
        assert body[h.station][col].startswith(h.final or "本期未运营"), (h.station, h.period)
    # 月度趋势's 全市 rows are the sums of the 月度明细's accepted rows.
    f = load(out / "2023")
    city = f.monthly_wide[f.monthly_wide["status"] == "采用"].groupby("month")[list(TREND_CODES)].sum()
    trend = [[c.value for c in r] for r in wb["月度趋势"].iter_rows(min_row=3, max_row=14)]
    assert [r[0] for r in trend] == ["全市"] * 12
    assert [r[2:] for r in trend] == city.astype(int).values.tolist()


@pytest.mark.timeout(600)
def test_history_command(demo, capsys):
    _, out, _ = demo
    assert cli.main(["history", "--station", "gs-003", "--output", str(out)]) == 0
    text = capsys.readouterr().out
    assert "驿站 GS-003" in text and "2023年上半年" in text and "2023年度" in text and "建议取消" in text
    assert "整改记录" in text and "整改结束" in text
    assert cli.main(["history", "--station", "XX-999", "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert "考核历史中没有驿站 XX-999 的记录" in err
    assert cli.main(["history", "--station", "ZD-001", "--output", str(out / "没有")]) == 2
    assert "没有考核历史" in capsys.readouterr().err


@pytest.mark.timeout(600)
def test_history_names_the_station_from_its_record_or_an_older_historys_results_json(demo, tmp_path, capsys):
    """The name and county come from the recorded registry; a history an earlier version wrote has
    no records, and then the newest results.json (in whatever shape that version wrote) names it."""
    _, out, _ = demo
    older = tmp_path / "output"
    older.mkdir()
    shutil.copy(out / HISTORY_DB_NAME, older / HISTORY_DB_NAME)
    for period in ("2023H1", "2023H2", "2023"):
        (older / period).mkdir()
        doc = json.loads((out / period / RESULTS_JSON_NAME).read_text(encoding="utf-8"))
        if period == "2023":
            doc["stations"] = [dict(s, name="改名后的驿站") if s["code"] == "GS-003" else s for s in doc["stations"]]
        del doc["issues"]  # results.json as it was before it held the issues
        (older / period / RESULTS_JSON_NAME).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    os.utime(older / "2023" / RESULTS_JSON_NAME, (2e9, 2e9))  # the newest

    def first_line():
        assert cli.main(["history", "--station", "GS-003", "--output", str(older)]) == 0
        return capsys.readouterr().out.splitlines()[0]

    assert first_line() == "驿站 GS-003 广水街道零工驿站（广水市）的历次考核（3 个考核期）："  # from the record
    with sqlite3.connect(older / HISTORY_DB_NAME) as conn:
        conn.execute("DELETE FROM records")
    conn.close()
    assert first_line() == "驿站 GS-003 改名后的驿站（广水市）的历次考核（3 个考核期）："
    for p in older.glob(f"*/{RESULTS_JSON_NAME}"):
        p.unlink()
    assert first_line() == "驿站 GS-003 的历次考核（3 个考核期）："


@pytest.mark.timeout(600)
def test_history_finds_a_station_typed_full_width_as_the_reader_folds_it(demo, capsys):
    """ＺＤ－００１ or "zd‐001 " is ZD-001 in a report; the history command reads it the same way."""
    _, out, _ = demo
    assert cli.main(["history", "--station", "ＧＳ－００３", "--output", str(out)]) == 0
    wide = capsys.readouterr().out
    assert cli.main(["history", "--station", "gs\u2010003 ", "--output", str(out)]) == 0
    assert capsys.readouterr().out == wide and "驿站 GS-003" in wide
