"""pandas DataFrames of a run's outputs, for analysts (docs/analysis.md).

    from lingong.frames import load
    f = load("output/2023H1")          # or the path of its results.json
    f.monthly_wide.groupby(["county", "month"], observed=True)["C1"].sum()

Reads what the run wrote: results.json (stations, items, requirements, issues) and
月度明细.csv (every indicator of every operating station-month); the issues of an output
folder written before results.json held them come from its 校验报告. The run itself never
imports this module: pandas costs half a second to import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lingong import layout
from lingong.grade.monthly import FIXED_HEADERS, ROW_STATUSES
from lingong.model.periods import month_text
from lingong.report_template import COUNT, COUNTIES, COUNTY_COLUMN, INDICATORS, ITEMS
from lingong.words import ACCEPTED, CANCEL, ENDED, EXCELLENT, GRADES, ON_NOTICE, PASS

COUNTY = pd.CategoricalDtype(COUNTIES, ordered=True)
GRADE = pd.CategoricalDtype(GRADES[::-1], ordered=True)  # 不合格 < 合格 < 优秀
STATUS = pd.CategoricalDtype(ROW_STATUSES)
ITEM = pd.CategoricalDtype(ITEMS + ("招聘活动",), ordered=True)
RECTIFICATION = pd.CategoricalDtype((ON_NOTICE, ENDED, CANCEL))
SEVERITY = pd.CategoricalDtype(("错误", "警告", "提示"), ordered=True)
MONTH = pd.PeriodDtype("M")
COUNT_CODES = tuple(i.code for i in INDICATORS if i.kind == COUNT)
YESNO_CODES = tuple(i.code for i in INDICATORS if i.kind != COUNT)
_FIXED = ("county", "station", "name", "month", "status", "file")
_ISSUE_COLUMNS = {
    "严重程度": "severity",
    "县区": "county",  # the 校验报告 of an earlier version
    COUNTY_COLUMN: "county",
    "驿站编号": "station",
    "驿站名称": "name",
    "月份": "month",
    "文件": "file",
    "工作表": "sheet",
    "单元格": "cell",
    "问题代码": "code",
    "问题": "message",
    "发现": "found",
    "应为": "expected",
    "处理建议": "hint",
}


@dataclass(frozen=True)
class Frames:
    period: str  # period key, e.g. 2023H1
    stations: pd.DataFrame
    items: pd.DataFrame
    requirements: pd.DataFrame
    monthly: pd.DataFrame  # long: one row per station, month and count indicator
    monthly_wide: pd.DataFrame  # one row per operating station-month, one column per indicator code
    issues: pd.DataFrame


def load(path) -> Frames:
    """A period's output folder (output/2023H1) or its results.json."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    doc = json.loads((folder / layout.RESULTS_JSON_NAME if path.is_dir() else path).read_text(encoding="utf-8"))
    wide = (
        _monthly_wide(folder / layout.MONTHLY_CSV_NAME)
        if (folder / layout.MONTHLY_CSV_NAME).is_file()
        else _wide_from_sources(doc)
    )
    return Frames(
        doc["period"]["key"],
        _stations(doc),
        _items(doc),
        _requirements(doc),
        _long(wide),
        wide,
        _issues(doc)
        if "issues" in doc
        else _report_issues(folder / layout.validation_report_name(doc["period"]["label"])),
    )


def _int(values) -> pd.Series:
    return pd.Series(values, dtype="Int64")


def _stations(doc) -> pd.DataFrame:
    rows = [
        {
            "station": s["code"],
            "name": s["name"],
            "county": s["county"],
            "registry_status": s["registry_status"],
            "graded": s["graded"],
            "active_months": len(s["active_months"]),
            "missing_months": len(s["missing_months"]),
            "rejected_months": len(s["rejected_months"]),
            "provisional": s["provisional"],
            "computed": s["overall"]["computed"] or None,
            "final": s["overall"]["final"] or None,
            "rectification": s["rectification"]["state"] or None,
            "deadline": s["rectification"]["deadline"],
            "complaints_ytd": s["complaints"]["year_to_date"],
        }
        for s in doc["stations"]
    ]
    df = pd.DataFrame(
        rows,
        columns=[
            "station",
            "name",
            "county",
            "registry_status",
            "graded",
            "active_months",
            "missing_months",
            "rejected_months",
            "provisional",
            "computed",
            "final",
            "rectification",
            "deadline",
            "complaints_ytd",
        ],
    )
    return df.astype(
        {
            "station": "string",
            "name": "string",
            "county": COUNTY,
            "registry_status": "category",
            "graded": "boolean",
            "active_months": "Int64",
            "missing_months": "Int64",
            "rejected_months": "Int64",
            "provisional": "boolean",
            "computed": GRADE,
            "final": GRADE,
            "rectification": RECTIFICATION,
            "deadline": "datetime64[s]",
            "complaints_ytd": "Int64",
        }
    )


def _items(doc) -> pd.DataFrame:
    rows = [
        {
            "station": s["code"],
            "county": s["county"],
            "number": it["number"],
            "item": it["name"],
            "computed": it["computed"],
            "decision": (it["decision"] or {}).get("grade"),
            "final": it["final"],
        }
        for s in doc["stations"]
        for it in s["items"]
    ]
    df = pd.DataFrame(rows, columns=["station", "county", "number", "item", "computed", "decision", "final"])
    return df.astype(
        {
            "station": "string",
            "county": COUNTY,
            "number": "Int64",
            "item": ITEM,
            "computed": GRADE,
            "decision": GRADE,
            "final": GRADE,
        }
    )


def _requirements(doc) -> pd.DataFrame:
    rows = [
        {
            "station": s["code"],
            "county": s["county"],
            "item": it["name"],
            "key": q["key"],
            "label": q["label"],
            "kind": q["kind"],
            "level": q["level"],
            "codes": q["codes"],
            "unit": q["unit"],
            "figure": q["figure"],
            "target": q["target"],
            "met": q["met"],
            "failed_months": list(q["failed_months"]),
        }
        for s in doc["stations"]
        for it in s["items"]
        for q in it["requirements"]
    ]
    cols = [
        "station",
        "county",
        "item",
        "key",
        "label",
        "kind",
        "level",
        "codes",
        "unit",
        "figure",
        "target",
        "met",
        "failed_months",
    ]
    df = pd.DataFrame(rows, columns=cols)
    return df.astype(
        {
            "station": "string",
            "county": COUNTY,
            "item": ITEM,
            "key": "string",
            "label": "string",
            "kind": "category",
            "level": pd.CategoricalDtype((PASS, EXCELLENT)),
            "codes": "string",
            "unit": "string",
            "figure": "Int64",
            "target": "Int64",
            "met": "boolean",
        }
    )


def _unquote(text: str) -> str:
    """月度明细.csv guards texts starting with = + - @ with an apostrophe: take it off."""
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text


def _typed_wide(df: pd.DataFrame) -> pd.DataFrame:
    for code in COUNT_CODES:
        df[code] = pd.to_numeric(df[code].replace("", None), errors="coerce").astype("Int64")
    for code in YESNO_CODES:
        df[code] = df[code].map({"是": True, "否": False}).astype("boolean")
    return df.astype(
        {"county": COUNTY, "station": "string", "name": "string", "status": STATUS, "file": "string"}
    ).assign(month=pd.PeriodIndex(df["month"], freq="M"))


def _monthly_wide(csv_path: Path) -> pd.DataFrame:
    raw = pd.read_csv(csv_path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    if tuple(raw.columns[: len(FIXED_HEADERS)]) != FIXED_HEADERS:
        raise ValueError(f"{csv_path} 的表头不是月度明细的表头：{list(raw.columns[: len(FIXED_HEADERS)])}")
    # Headers are "C1 收集审核零工岗位数": the code is the column name.
    raw.columns = [*_FIXED, *(c.split(" ", 1)[0] for c in raw.columns[len(_FIXED) :])]
    for c in ("county", "station", "name", "file"):
        raw[c] = raw[c].map(_unquote)
    return _typed_wide(raw)


def _wide_from_sources(doc) -> pd.DataFrame:
    """Without 月度明细.csv: the values results.json traces (only the codes some requirement uses)."""
    rows = []
    for s in doc["stations"]:
        values: dict[str, dict] = {}
        for it in s["items"]:
            for q in it["requirements"]:
                if q["kind"] == "ytd_max":
                    continue
                for src in q["sources"]:
                    values.setdefault(src["month"], {}).update({c: v["value"] for c, v in src["values"].items()})
        for m in s["months"]:
            if m["status"] not in ROW_STATUSES:
                continue
            row = {
                "county": s["county"],
                "station": s["code"],
                "name": s["name"],
                "month": m["month"],
                "status": m["status"],
                "file": m["file"],
            }
            for c in (*COUNT_CODES, *YESNO_CODES):
                v = values.get(m["month"], {}).get(c) if m["status"] == ACCEPTED else None
                row[c] = "" if v is None else ("是" if v is True else "否" if v is False else str(v))
            rows.append(row)
    df = pd.DataFrame(rows, columns=[*_FIXED, *(i.code for i in INDICATORS)], dtype=object).fillna("")
    return _typed_wide(df)


def _long(wide: pd.DataFrame) -> pd.DataFrame:
    long = wide.melt(id_vars=list(_FIXED), value_vars=list(COUNT_CODES), var_name="code", value_name="value")
    long["code"] = long["code"].astype(pd.CategoricalDtype(COUNT_CODES, ordered=True))
    return long.sort_values(["county", "station", "month", "code"], kind="stable").reset_index(drop=True)


def _issues(doc) -> pd.DataFrame:
    """The issues results.json holds, as the 校验报告's 校验问题 sheet shows them (the month as 2023年3月)."""
    cols = list(_ISSUE_COLUMNS.values())
    rows = [{**{c: i.get(c, "") for c in cols}, "month": month_text(i.get("month", ""))} for i in doc["issues"]]
    return pd.DataFrame(rows, columns=cols, dtype=object).astype("string").astype({"severity": SEVERITY})


def _report_issues(path: Path) -> pd.DataFrame:
    """An output folder from before results.json held its issues: read from its 校验报告."""
    cols = list(_ISSUE_COLUMNS.values())
    if not path.is_file():
        return pd.DataFrame({c: pd.Series(dtype="string") for c in cols}).astype({"severity": SEVERITY})
    raw = pd.read_excel(path, sheet_name="校验问题", dtype=str, engine="calamine").fillna("")
    df = raw.rename(columns=_ISSUE_COLUMNS)[cols].astype("string")
    return df.astype({"severity": SEVERITY})
