"""A small run's results with forms and return copies on disk, and its mail drafts."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path

from lingong.layout import HISTORY_DB_NAME, RETURNS_FOLDER
from lingong.mail import drafts as md
from lingong.model.periods import make_period
from lingong.render.return_copy import copy_name
from support import results_factory as rf

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
RUN_DATE = datetime(2023, 7, 5, 9, 30, tzinfo=timezone(timedelta(hours=8)))
SENDER = "lgyz_kaohe@suizhou.gov.cn"
# Bytes a careless encoder would damage: NUL, bare CR/LF, high bytes, a "From " line.
FORM_BYTES = b"PK\x03\x04" + bytes(range(256)) * 30 + b"\r\nFrom x\n.\r\n"


def form_bytes(code: str) -> bytes:
    return FORM_BYTES + code.encode()


def make_run(out: Path, *, emails: dict[str, str] | None = None):
    """Results, stations and issues of a small run with its forms and one return copy on disk."""
    results = rf.all_results()
    stations = rf.stations(results)
    emails = emails if emails is not None else {}
    for code, st in list(stations.items()):
        stations[code] = dataclasses.replace(st, email=emails.get(code, f"{code.lower()}@example.cn"))
    for r in results:
        p = md._form_path(out, r)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(form_bytes(r.station.code))
    (out / RETURNS_FOLDER).mkdir(parents=True, exist_ok=True)
    (out / RETURNS_FOLDER / copy_name("SX-003", "2023-04")).write_bytes(b"return-copy" + bytes(range(200)))
    (out / RETURNS_FOLDER / copy_name("SX-003", "2023-09")).write_bytes(b"another period")
    return results, stations, rf.sample_issues()


def record_period(out: Path, results) -> None:
    """The assessment these drafts are about, recorded in the history beside ``out`` (a period's
    folder): ``send`` sends the drafts of a recorded assessment only."""
    from lingong.grade.history import record_assessment
    from lingong.layout import HISTORY_DB_NAME
    from lingong.rules.load import load_rules

    record_assessment(
        out.parent / HISTORY_DB_NAME,
        run_id=f"drafts-{out.name}",
        started_at=RUN_DATE,
        tool_version="test",
        rules=load_rules(),
        input_files=[],
        period=make_period("half", 2023, 1),
        results=results,
        recheck=False,
        today=RUN_DATE.date(),
        folder=out.name,
    )


def write(out: Path, **kw):
    results, stations, issues = make_run(out, emails=kw.pop("emails", None))
    if kw.pop("record", True) and out.name == "2023H1" and not (out.parent / HISTORY_DB_NAME).exists():
        record_period(out, results)
    # What the run wrote; the September copy on disk is another period's and is not among them.
    kw.setdefault("return_copies", {"SX-003": [out / RETURNS_FOLDER / copy_name("SX-003", "2023-04")]})
    return md.write_drafts(
        out,
        period=make_period("half", 2023, 1),
        results=results,
        stations=stations,
        issues=issues,
        templates_dir=kw.pop("templates_dir", TEMPLATES),
        sender=SENDER,
        date_header=RUN_DATE,
        **kw,
    )
