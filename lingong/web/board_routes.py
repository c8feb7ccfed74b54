"""The 报送情况 tab and the uploads: the board of stations × months, one report with its
problems and its return copy, and files dropped onto the page with their verdicts."""

from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from lingong import api
from lingong.model.periods import month_text
from lingong.render.results_json import issue_fields
from lingong.reporting_status import STATUSES, status_grid
from lingong.runtime.privacy import mask
from lingong.verdicts import FileVerdict
from lingong.web import uploads
from lingong.web.respond import (
    Workspace,
    error_response,
    json_response,
    quoted,
    read_verdicts,
    workspace,
)

MAX_REQUEST_BYTES = 256 * 1024 * 1024  # one drop: a city's month is a few MB; a folder of a year some tens


def _verdict(verdicts, file: str):
    """The verdict of a file the page names: by its name, or by its name as the page showed it
    (masked, when the name holds a phone or ID number)."""
    v = verdicts.of(file)
    if v is None:
        v = next((x for x in verdicts.verdicts.values() if mask(x.file) == file), None)
    return v


def verdict_json(v: FileVerdict) -> dict:
    return {
        "file": v.file,
        "kind": v.kind,
        "status": v.status,
        "station": v.station,
        "month": v.month,
        "month_text": month_text(v.month) if v.month else "",
        "reason": v.reason,
        "problems": [issue_fields(i) for i in v.problems],
        "errors": len(v.errors),
        "replaced_by": v.replaced_by,
        "replaces": list(v.replaces),
        "return_copy": f"/api/return-copy?file={quoted(mask(v.file))}" if v.errors and v.kind == "report" else "",
    }


def board(request: Request) -> Response:
    ws = workspace(request)
    got, verdicts = read_verdicts(ws)
    on = ws.today()
    years = sorted({int(v.month[:4]) for v in verdicts.verdicts.values() if v.month[:4].isdigit()})
    wanted = request.query_params.get("year", "")
    if wanted and not (wanted.isdigit() and 2000 <= int(wanted) <= 2100):
        return error_response(f"年份“{wanted}”无法识别，请写成四位数字，例如 2023")
    year = int(wanted) if wanted else (years[-1] if years else on.year)
    grid = status_grid(got.stations, got.selection, year, on)
    counties = []
    by_county: dict[str, list] = {}
    for st in grid.stations:
        by_county.setdefault(st.county or "", []).append(st)
    for county, stations in by_county.items():
        per_month = grid.counties.get(county or "（未填县区）", {}) or grid.counties.get(county, {})
        counties.append(
            {
                "county": county or "（未填县区）",
                "stations": [
                    {
                        "code": st.code,
                        "name": st.name,
                        "cells": [grid.cells[st.code, m] for m in grid.months],
                        "files": [grid.files.get((st.code, m), "") for m in grid.months],
                    }
                    for st in stations
                ],
                "months": [_county_month(per_month.get(m)) for m in grid.months],
            }
        )
    return json_response(
        {
            "year": year,
            "years": sorted(set(years) | {year}),
            "on": on.isoformat(),
            "months": list(grid.months),
            "month_texts": [month_text(m) for m in grid.months],
            "statuses": list(STATUSES),
            "counties": counties,
            "registry_file": got.registry_file,
            "notes": got.notes,
            "other_files": [
                verdict_json(v)
                for v in verdicts.verdicts.values()
                if v.kind != "report" or v.status not in ("采用", "退回")
            ],
        }
    )


def _county_month(cm) -> dict:
    if cm is None:
        return {"counts": {}, "due": 0, "rate": None}
    return {"counts": cm.counts, "due": cm.due, "rate": None if cm.rate is None else round(cm.rate, 4)}


def report(request: Request) -> Response:
    ws = workspace(request)
    file = request.query_params.get("file", "")
    _, verdicts = read_verdicts(ws)
    v = _verdict(verdicts, file)
    if v is None:
        return error_response(f"输入文件夹中没有文件“{file}”", 404)
    return json_response(verdict_json(v))


def return_copy(request: Request) -> Response:
    """The return copy of one report, made afresh into a temporary folder (the input is never
    changed; an assessment's own 退回修改 are downloaded with its documents)."""
    ws = workspace(request)
    file = request.query_params.get("file", "")
    _, verdicts = read_verdicts(ws)
    v = _verdict(verdicts, file)
    tmp = tempfile.mkdtemp(prefix="lingong-return-")
    path = api.write_return_copy(verdicts, v.file, Path(tmp)) if v is not None else None
    if path is None:
        _remove_tree(Path(tmp))
        return error_response(f"“{file}”不是有错误的月报，没有退回修改的文件", 404)
    return FileResponse(path, filename=path.name, background=BackgroundTask(_remove_tree, Path(tmp)))


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


async def post_files(request: Request) -> Response:
    ws = workspace(request)
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        return error_response("上传请求缺少长度信息（Content-Length），请用本页面或常见的上传工具发送", 411)
    if int(length) > MAX_REQUEST_BYTES:
        return error_response(f"一次上传的文件合计超过 {MAX_REQUEST_BYTES // 2**20} MB，请分几次上传", 413)
    try:
        form = await request.form(max_files=uploads.MAX_FILES, max_fields=20)
    except HTTPException as e:  # python-multipart's limits and malformed bodies, said in English
        return error_response(f"上传的内容无法读取（{e.detail}）；一次最多上传 {uploads.MAX_FILES} 个文件", 400)
    try:
        files = []
        for _key, value in form.multi_items():
            if isinstance(value, str):
                continue
            files.append((value.filename or "未命名", await value.read()))
    finally:
        await form.close()
    if not files:
        return error_response("请求中没有文件")
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_store_and_check, ws, files)


def _store_and_check(ws: Workspace, files: list[tuple[str, bytes]]) -> Response:
    stored = uploads.store(files, ws.input_dir, today=ws.today(), exclude=ws.output_root)
    verdicts = None
    if any(s.rel for s in stored):
        _, verdicts = read_verdicts(ws)
    out = []
    for s in stored:
        v = verdicts.of(s.rel) if verdicts is not None and s.rel else None
        out.append(
            {
                "name": s.original,
                "outcome": s.outcome,
                "file": s.rel,
                "note": s.note,
                "verdict": verdict_json(v) if v else None,
            }
        )
    return json_response({"files": out})
