"""results.json: the period's results for other programs, schema version "1".

The schema is documented in docs/results-schema.md; change it only by bumping
SCHEMA_VERSION and documenting the difference. Every figure can be traced: each
requirement lists, per month, the file and cell each value was read from.
"""

from __future__ import annotations

from pathlib import Path

from lingong.catalogue.issues import sort_key
from lingong.model.filenames import display_path
from lingong.model.records import Decision, Issue, Period, RequirementResult, Station, StationResult
from lingong.render.validation_report import county_shown
from lingong.rules.model import Rules
from lingong.runtime.outfiles import atomic_path
from lingong.runtime.privacy import dumps_masked

SCHEMA_ID = "lingong-results"
SCHEMA_VERSION = "1"


def _decision(d: Decision | None) -> dict | None:
    if d is None:
        return None
    return {"grade": d.grade, "reason": d.reason, "source": d.source}


def _codes_of(req: RequirementResult) -> list[str]:
    text = req.code.replace("≥", "+")
    return [c for c in text.split("+") if c]


def _sources(req: RequirementResult, res: StationResult) -> list[dict]:
    """Per month, the file and cell of each code a requirement used."""
    codes = _codes_of(req)
    if req.kind == "ytd_max":
        months = sorted(res.complaints_by_month)
    else:
        months = [m for m in res.active_months if m in res.monthly]
    out = []
    for m in months:
        tr = res.trace.get(m, {})
        values = res.monthly.get(m)
        if values is None and req.kind == "ytd_max":
            values = {"G5": res.complaints_by_month.get(m)}
        out.append(
            {
                "month": m,
                "file": tr.get("file", ""),
                "values": {c: {"value": (values or {}).get(c), "cell": tr.get("cells", {}).get(c, "")} for c in codes},
            }
        )
    return out


def _requirement(req: RequirementResult, res: StationResult) -> dict:
    return {
        "key": req.key,
        "label": req.label,
        "kind": req.kind,
        "level": req.level,
        "codes": req.code,
        "unit": req.unit,
        "figure": req.figure,
        "target": req.target,
        "met": req.met,
        "failed_months": list(req.failed_months),
        "clause": req.clause,
        "note": req.note,
        "sources": _sources(req, res),
    }


def station_dict(res: StationResult) -> dict:
    st = res.station
    return {
        "code": st.code,
        "name": st.name,
        "county": st.county,
        "registry_status": st.status,
        "start_month": st.start_month,
        "end_month": st.end_month,
        "graded": res.graded,
        "active_months": list(res.active_months),
        "months": [
            {"month": s.month, "status": s.status, "file": s.file, "superseded": list(s.superseded)}
            for s in res.month_sources
        ],
        "missing_months": list(res.missing_months),
        "rejected_months": list(res.rejected_months),
        "provisional": res.provisional,
        "sums": dict(sorted(res.sums.items())),
        "items": [
            {
                "number": it.number,
                "name": it.name,
                "computed": it.computed,
                "decision": _decision(it.decision),
                "final": it.final,
                "requirements": [_requirement(r, res) for r in it.requirements],
            }
            for it in res.items
        ],
        "overall": {
            "computed": res.computed_overall,
            "decision": _decision(res.overall_decision),
            "final": res.final_overall,
        },
        "complaints": {
            "year_to_date": res.complaints_ytd,
            "by_month": dict(sorted(res.complaints_by_month.items())),
            "note": res.complaints_note,
        },
        "rectification": {"state": res.rectification, "deadline": res.deadline.isoformat() if res.deadline else None},
        "at_risk": [
            {
                "key": a.key,
                "label": a.label,
                "figure": a.figure,
                "year_target": a.year_target,
                "needed": a.needed,
                "months_left": a.months_left,
                "text": a.text,
            }
            for a in res.at_risk
        ],
    }


def issue_fields(i: Issue) -> dict:
    """What an issue says, wherever it is shown as data (results.json, the web page's verdicts)."""
    return {
        "severity": i.severity,
        "code": i.code,
        "sheet": i.sheet,
        "cell": i.cell,
        "message": i.message,
        "found": i.found,
        "expected": i.expected,
        "hint": i.hint,
    }


def issue_dict(i: Issue, stations: dict[str, Station]) -> dict:
    """One row of the 校验报告's 校验问题 sheet as data: the month as its key (2023-03), the
    县区 as the report shows it (the station's, or why there is none)."""
    st = stations.get(i.station)
    return {
        **issue_fields(i),
        "station": i.station,
        "county": county_shown(i.station, stations),
        "name": st.name if st else "",
        "month": i.month,
        "file": i.file,
    }


def issue_dicts(issues: list[Issue], stations: dict[str, Station]) -> list[dict]:
    """The issues in the 校验报告's order."""
    return [issue_dict(i, stations) for i in sorted(issues, key=lambda i: sort_key(i, stations))]


def results_dict(period: Period, results: list[StationResult], rules: Rules, run_info: dict) -> dict:
    """The document without its issues (write_results adds them, one a line)."""
    return {
        "schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "period": {"key": period.key, "kind": period.kind, "label": period.label, "months": list(period.months)},
        "run": dict(run_info),
        "rules": {
            "path": display_path(rules.path),
            "sha256": rules.sha256,
            "name": rules.name,
            "version": rules.version,
        },
        "stations": [station_dict(r) for r in results],
    }


def write_results(
    path: Path,
    period: Period,
    results: list[StationResult],
    rules: Rules,
    run_info: dict,
    issues: list[Issue] = (),
    stations: dict[str, Station] | None = None,
) -> None:
    """Write results.json atomically (a killed run never leaves half a file).

    Indented at the top, one compact line per station and per issue, written one by one:
    json's indented encoder is pure Python (seconds per 100 stations), and the whole
    document as one object would hold every trace of a province in memory at once."""
    head = results_dict(period, [], rules, run_info)
    del head["stations"]
    text = dumps_masked(head, ensure_ascii=False, indent=1, default=str)
    with atomic_path(Path(path)) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text[:-2] + ',\n "stations": [')
        _write_lines(f, (station_dict(res) for res in results))
        f.write(',\n "issues": [')
        _write_lines(f, issue_dicts(list(issues), stations or {}))
        f.write("\n}\n")


def _write_lines(f, objects) -> None:
    """The items of an array, one compact line each, and its closing bracket."""
    n = 0
    for n, obj in enumerate(objects, start=1):
        f.write(",\n  " if n > 1 else "\n  ")
        f.write(dumps_masked(obj, ensure_ascii=False, default=str))
    f.write("\n ]" if n else "]")
