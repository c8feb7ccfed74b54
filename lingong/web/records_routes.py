"""The 考核 and 考核记录 tabs: the periods and open cases, an assessment or recheck as a job,
the recorded assessments with their documents as issued, a station's history."""

from __future__ import annotations

import os
import tempfile
import zipfile

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from lingong import api, layout
from lingong.choose.period import default_period
from lingong.errors import FatalInput
from lingong.model.periods import make_period, period_option
from lingong.runtime.runlock import RunLock
from lingong.web.jobs import Job
from lingong.web.respond import (
    LOCK_WAIT_S,
    Workspace,
    body_json,
    date_option,
    error_response,
    find_run,
    json_response,
    quoted,
    quoted_path,
    read_verdicts,
    start_job,
    workspace,
)

PRIVATE_SUFFIXES = (".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".sqlite3-journal")


PRIVATE_NAMES = frozenset({layout.LOCK_NAME, layout.CACHE_NAME, layout.WEB_SERVER_FILE_NAME})


def _choices(ws: Workspace) -> dict:
    """The periods one may assess, with the command line's default."""

    got, verdicts = read_verdicts(ws)
    on = ws.today()
    years = sorted({int(v.month[:4]) for v in verdicts.verdicts.values() if v.month[:4].isdigit()}) or [on.year]
    periods = []
    for y in years:
        for kind, n in (("half", 1), ("half", 2), ("year", None)):
            p = make_period(kind, y, n) if n else make_period(kind, y)
            periods.append({"key": p.key, "label": p.label})
    default, why, ok = default_period(got.selection.accepted, got.stations, on)
    return {
        "periods": periods,
        "default": default.key if default is not None and ok else "",
        "why": why,
        "today": on.isoformat(),
    }


def periods(request: Request) -> Response:
    ws = workspace(request)
    doc = _choices(ws)
    doc["open_cases"] = [
        {
            "period": c.period,
            "period_label": period_option(c.period).label,
            "station": c.station,
            "name": c.name,
            "county": c.county,
            "state": c.state,
            "started_on": c.started_on.isoformat(),
            "deadline": c.deadline.isoformat(),
            "failed_items": list(c.failed_items),
            "grade": c.grade,
        }
        for c in api.open_rectifications(ws.output_root)
    ]
    return json_response(doc)


def _run_json(ws: Workspace, run) -> dict:
    docs = api.assessment_documents(ws.output_root, run)
    files = []
    for p in docs.files:
        rel = p.relative_to(ws.output_root).as_posix()
        inner = p.relative_to(docs.folder).as_posix()
        files.append({"name": p.name, "path": inner, "url": "/files/" + quoted_path(rel)})
    parts = sorted({f["path"].split("/")[0] for f in files if "/" in f["path"]})
    return {
        "id": run.run_id,
        "title": run.title(),
        "period": run.period,
        "kind": run.kind,
        "recheck": run.recheck,
        "assessed_on": run.assessed_on.isoformat(),
        "version": run.version,
        "replaced_by": run.replaced_by,
        "folder": docs.folder.relative_to(ws.output_root).as_posix() if docs.folder else "",
        "documents": files,
        "zips": [{"part": part, "url": f"/api/assessments/{run.run_id}/zip?part={quoted(part)}"} for part in parts]
        + ([{"part": "全部", "url": f"/api/assessments/{run.run_id}/zip"}] if files else []),
    }


def list_assessments(request: Request) -> Response:
    ws = workspace(request)
    runs = api.assessments(ws.output_root)
    return json_response({"assessments": [_run_json(ws, r) for r in reversed(runs)]})


def assessment_zip(request: Request) -> Response:
    ws = workspace(request)
    try:
        run = find_run(ws, request.path_params["run_id"])
    except LookupError:
        return error_response("没有这次考核的记录", 404)
    docs = api.assessment_documents(ws.output_root, run)
    part = request.query_params.get("part", "")
    chosen = [p for p in docs.files if not part or p.relative_to(docs.folder).parts[0] == part]
    if not chosen:
        return error_response(f"这次考核没有“{part}”的文件", 404)
    tmp = tempfile.NamedTemporaryFile(prefix="lingong-zip-", suffix=".zip", delete=False)
    with tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for p in chosen:
            # Names in UTF-8 with the zip's UTF-8 flag: Windows 10+, WPS and 7-Zip show them right.
            z.write(p, p.relative_to(docs.folder).as_posix())
    name = f"{run.title()}_{part or '全部文件'}.zip"
    return FileResponse(
        tmp.name, filename=name, media_type="application/zip", background=BackgroundTask(os.unlink, tmp.name)
    )


def output_file(request: Request) -> Response:
    """A file of the output folder, and nothing else: no path outside it, not the history, the
    cache or the lock file."""
    ws = workspace(request)
    rel = request.path_params["path"]
    root = ws.output_root.resolve()
    try:
        path = (root / rel).resolve()
    except (OSError, ValueError):
        return error_response("文件不存在", 404)
    if not path.is_relative_to(root) or path == root:
        return error_response("只能下载输出文件夹中的文件", 403)
    if path.name in PRIVATE_NAMES or path.name.endswith(PRIVATE_SUFFIXES) or path.name.startswith((".~tmp-", "~$")):
        return error_response("这个文件是程序自用的，不能下载", 403)
    if not path.is_file():
        return error_response("文件不存在", 404)
    return FileResponse(path, filename=path.name)


async def post_assessment(request: Request) -> Response:
    ws = workspace(request)
    doc = await body_json(request)
    period = period_option(str(doc.get("period") or "")) if doc.get("period") else None
    on = date_option(doc.get("date"))
    recheck = bool(doc.get("recheck"))
    if recheck and period is None:
        raise FatalInput("复查需要指定考核期，例如 2023H1")
    title = f"{'复查' if recheck else '考核'} {period.label if period else '（默认考核期）'}" + (
        f"，考核日期 {on.isoformat()}" if on else ""
    )

    def work(job: Job) -> None:
        with RunLock(ws.output_root, command=f"网页：{title}", wait_s=LOCK_WAIT_S, say=job.notes.append):
            summary = api.assess(
                ws.input_dir,
                ws.output_root,
                period,
                on=on,
                recheck=recheck,
                rules_path=ws.rules_path,
                workers=ws.workers,
                progress=job.progress,
            )
        job.digest = api.digest(summary, page=True)
        job.exit_status = summary.exit_code
        a = summary.assessment
        job.result = {"assessment": getattr(a, "id", "") if a is not None else ""}

    return start_job(ws, title, work)


def get_job(request: Request) -> Response:
    job = workspace(request).jobs.get(request.path_params["job_id"])
    if job is None:
        return error_response("没有这个任务（服务重启后以前的任务不再显示）", 404)
    return json_response(job.as_json())


def history(request: Request) -> Response:
    ws = workspace(request)
    station = request.query_params.get("station", "").strip()
    if not station:
        return error_response("请写驿站编号，例如 ZD-001")
    text = api.station_history(ws.output_root, station)
    if text is None:
        return error_response(f"考核历史中没有驿站“{station}”", 404)
    return json_response({"station": station, "text": text})
