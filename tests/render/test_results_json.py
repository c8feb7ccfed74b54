"""results.json: versioned schema, every figure traceable to the report cells it came from."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lingong.catalogue.issues import issue
from lingong.grade.grading import assess
from lingong.layout import RESULTS_JSON_NAME
from lingong.model.periods import parse_period
from lingong.render.results_json import SCHEMA_VERSION, write_results
from lingong.rules.load import load_rules
from support.records_factory import GOOD_MONTH, decision, half_year, months, report, station, with_total

RULES = load_rules()
DOC = Path(__file__).resolve().parents[2] / "docs" / "results-schema.md"


_RESULTS: dict = {}
ISSUES = [
    issue("P003", station="ZD-001", month="2023-11", expected="2023年11月的月报"),
    issue("R001", station="XX-009", month="2023-08", file="XX-009_8月.xlsx", found="XX-009"),
    issue("F004", file="坏文件.xlsx"),
    issue(
        "V009",
        station="ZD-001",
        month="2023-08",
        file="ZD-001_8月.xlsx",
        sheet="基本信息",
        cell="B9",
        found="13812345678",
        what="基本信息!B9（联系电话）",
    ),
]


def written_results(path):
    return _RESULTS[path]


@pytest.fixture
def written(tmp_path):
    st = station("ZD-001")
    acc = {}
    for m, v in with_total(half_year(), "G5", 1).items():  # complaint in January
        acc[(st.code, m)] = report(st.code, m, v)
    for m in months(2023, 7, 12):
        acc[(st.code, m)] = report(st.code, m, dict(GOOD_MONTH, G5=1 if m == "2023-08" else 0))
    del acc[(st.code, "2023-10")]
    rej = {(st.code, "2023-10"): [report(st.code, "2023-10", rejected=True)]}
    decs = [decision("ZD-001", "2023H2", "供求服务", "优秀", "岗位质量高")]
    results, _ = assess(parse_period("2023H2"), {st.code: st}, acc, rej, decs, RULES)
    path = tmp_path / "output" / "2023H2" / RESULTS_JSON_NAME
    write_results(
        path,
        parse_period("2023H2"),
        results,
        RULES,
        {"run_id": "r1", "started_at": "2024-01-05T09:00:00+08:00", "tool_version": "0.1.0"},
        ISSUES,
        {st.code: st},
    )
    _RESULTS[path] = results
    return path, acc


def test_schema_header_and_station(written):
    path, _ = written
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema"] == "lingong-results" and data["schema_version"] == SCHEMA_VERSION == "1"
    assert data["period"]["key"] == "2023H2" and data["rules"]["sha256"] == RULES.sha256
    assert data["run"]["run_id"] == "r1"
    (s,) = data["stations"]
    assert s["code"] == "ZD-001" and s["provisional"] is True and s["rejected_months"] == ["2023-10"]
    assert [i["name"] for i in s["items"]][2] == "供求服务"
    item3 = s["items"][2]
    assert item3["decision"]["grade"] == "优秀" and item3["decision"]["source"] == "考核组意见.xlsx!A2"
    assert item3["computed"] != item3["final"] == "优秀"
    assert set(s["overall"]) == {"computed", "decision", "final"}
    assert set(s["rectification"]) == {"state", "deadline"}
    assert not list(path.parent.glob(".~tmp-*"))


def test_issues_are_the_validation_reports_rows_as_data(written):
    path, _ = written
    issues = json.loads(path.read_text(encoding="utf-8"))["issues"]
    # in the 校验报告's order: county (the unknown last), station, month
    assert [(i["code"], i["station"], i["county"], i["name"], i["month"]) for i in issues] == [
        ("V009", "ZD-001", "曾都区", "ZD-001零工驿站", "2023-08"),
        ("P003", "ZD-001", "曾都区", "ZD-001零工驿站", "2023-11"),
        ("R001", "XX-009", "（不在名册）", "", "2023-08"),
        ("F004", "", "（未识别驿站）", "", ""),
    ]
    v009 = issues[0]
    assert (v009["severity"], v009["file"], v009["sheet"], v009["cell"]) == (
        "警告",
        "ZD-001_8月.xlsx",
        "基本信息",
        "B9",
    )
    assert v009["found"] == "138****5678" and "13812345678" not in path.read_text(encoding="utf-8")
    assert v009["message"] and v009["hint"] and set(v009) == set(issues[-1])


def test_every_sum_is_traceable_to_cells(written):
    path, acc = written
    (s,) = json.loads(path.read_text(encoding="utf-8"))["stations"]
    checked = 0
    for it in s["items"]:
        for r in it["requirements"]:
            if r["kind"] in ("sum", "ytd_max"):
                code = r["codes"]
                total = sum(src["values"][code]["value"] for src in r["sources"])
                assert total == r["figure"], r["key"]
                for src in r["sources"]:
                    rec = acc[("ZD-001", src["month"])]
                    assert src["file"] == rec.file
                    assert src["values"][code]["cell"] == rec.cells[code]
                    assert re.fullmatch(r"月度指标!E\d+", src["values"][code]["cell"])
                checked += 1
    assert checked >= 15


def test_complaints_trace_reaches_into_the_first_half(written):
    path, _ = written
    (s,) = json.loads(path.read_text(encoding="utf-8"))["stations"]
    g5 = next(r for it in s["items"] for r in it["requirements"] if r["key"] == "G5_ytd")
    assert g5["figure"] == 2 and s["complaints"]["year_to_date"] == 2
    months_used = {src["month"] for src in g5["sources"] if src["values"]["G5"]["value"]}
    assert months_used == {"2023-01", "2023-08"}


def test_monthly_requirement_lists_failed_month(written):
    path, _ = written
    (s,) = json.loads(path.read_text(encoding="utf-8"))["stations"]
    g3 = next(r for it in s["items"] for r in it["requirements"] if r["key"] == "G3_monthly")
    assert g3["failed_months"] == ["2023-10"] and g3["met"] is False and g3["target"] is None


def test_schema_document_names_every_key(written):
    path, _ = written
    doc = DOC.read_text(encoding="utf-8")
    data = json.loads(path.read_text(encoding="utf-8"))
    keys = set()

    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if not re.fullmatch(r"\d{4}-\d{2}|[A-G]\d", k):  # months and codes are data
                    keys.add(k)
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(data)
    missing = sorted(k for k in keys if f"`{k}`" not in doc)
    assert not missing, missing
    assert "schema_version" in doc and '"1"' in doc


def test_same_input_same_file(written, tmp_path):
    path, _ = written
    again = tmp_path / "again.json"
    write_results(
        again,
        parse_period("2023H2"),
        written_results(path),
        RULES,
        {"run_id": "r1", "started_at": "2024-01-05T09:00:00+08:00", "tool_version": "0.1.0"},
        ISSUES,
        {"ZD-001": written_results(path)[0].station},
    )
    assert again.read_bytes() == path.read_bytes()
    assert "\\u" not in path.read_text(encoding="utf-8")  # Chinese stays readable text
