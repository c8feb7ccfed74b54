"""The clerk's web page: a small JSON API over ``lingong.api`` and the page that uses it.

Every route calls the library the command line calls, so the page writes exactly what
``process.py`` would; long work (an assessment, sending mail) is a job in a thread that holds the
output folder's lock as the command does. Every string sent to the browser goes through the
masker: a 身份证号 or phone number typed into a report never reaches the page unmasked.
The routes are documented for the bureau's IT in docs/web-api.md.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from lingong import api, layout
from lingong.errors import FatalInput, LingongError
from lingong.model.periods import month_text, period_option
from lingong.reporting_status import STATUSES, read_folder, status_grid
from lingong.runtime.clock import today_china
from lingong.runtime.privacy import mask, mask_json
from lingong.runtime.runlock import RunLock
from lingong.verdicts import FileVerdict, verdicts_of
from lingong.web import uploads
from lingong.web.jobs import Busy, Job, Jobs
from lingong.web.security import Guard

STATIC = Path(__file__).parent / "static"
MAX_REQUEST_BYTES = 256 * 1024 * 1024  # one drop: a city's month is a few MB; a folder of a year some tens
LOCK_WAIT_S = 2.0  # a job waits this long for a command holding the folder, then says who holds it
# Never served from the output folder: the history and the cache are the tool's own memory
# (every number unmasked), the lock file names the user and the machine.
PRIVATE_SUFFIXES = (".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".sqlite3-journal")
PRIVATE_NAMES = frozenset({layout.LOCK_NAME, layout.CACHE_NAME, layout.WEB_SERVER_FILE_NAME})


@dataclass
class Workspace:
    """What one server works on."""

    input_dir: Path
    output_root: Path
    rules_path: Path | None = None
    mail_config: Path | None = None  # the mail settings file of send and fetch (--config): [smtp], [imap]
    workers: int | None = None
    jobs: Jobs = field(default_factory=Jobs)
    stop: Callable[[], None] | None = None  # ends the server (set by server.serve)
    today: Callable[[], date] = today_china


def _ws(request: Request) -> Workspace:
    return request.app.state.ws


URL_KEYS = frozenset({"url", "receipt_url", "return_copy"})  # paths of this server, made from masked names


def _masked(obj):
    """Every string masked but this server's own URLs: the masker would read the digits of a
    date folder and a time stamp (回执/2026-12-08/20230703-100000_…) as an ID number."""
    if isinstance(obj, dict):
        return {k: v if k in URL_KEYS and isinstance(v, str) else _masked(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_masked(v) for v in obj]
    return mask_json(obj)


def _json(obj, status: int = 200) -> JSONResponse:
    return JSONResponse(_masked(obj), status_code=status, headers={"cache-control": "no-store"})


def _verdict(verdicts, file: str):
    """The verdict of a file the page names: by its name, or by its name as the page showed it
    (masked, when the name holds a phone or ID number)."""
    v = verdicts.of(file)
    if v is None:
        v = next((x for x in verdicts.verdicts.values() if mask(x.file) == file), None)
    return v


def _error(message: str, status: int = 400) -> JSONResponse:
    return _json({"error": message}, status)


async def _body_json(request: Request) -> dict:
    try:
        doc = json.loads((await request.body()) or b"{}")
    except ValueError:
        raise FatalInput("请求内容不是 JSON") from None
    if not isinstance(doc, dict):
        raise FatalInput("请求内容应为 JSON 对象")
    return doc


# ---- the page ------------------------------------------------------------------------------------


def index(request: Request) -> Response:
    ws = _ws(request)
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    html = html.replace("{{input}}", _html(mask(str(ws.input_dir)))).replace(
        "{{output}}", _html(mask(str(ws.output_root)))
    )
    return Response(html, media_type="text/html; charset=utf-8", headers={"cache-control": "no-store"})


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# ---- 报送情况 and the verdict of each file --------------------------------------------------------


def verdict_json(v: FileVerdict) -> dict:
    return {
        "file": v.file,
        "kind": v.kind,
        "status": v.status,
        "station": v.station,
        "month": v.month,
        "month_text": month_text(v.month) if v.month else "",
        "reason": v.reason,
        "problems": [
            {
                "severity": i.severity,
                "code": i.code,
                "sheet": i.sheet,
                "cell": i.cell,
                "message": i.message,
                "found": i.found,
                "expected": i.expected,
                "hint": i.hint,
            }
            for i in v.problems
        ],
        "errors": len(v.errors),
        "replaced_by": v.replaced_by,
        "replaces": list(v.replaces),
        "return_copy": f"/api/return-copy?file={_q(mask(v.file))}" if v.errors and v.kind == "report" else "",
    }


def _q(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def _read(ws: Workspace):
    got = read_folder(ws.input_dir, ws.output_root, rules_path=ws.rules_path, workers=ws.workers)
    return got, verdicts_of(got, ws.input_dir)


def board(request: Request) -> Response:
    ws = _ws(request)
    got, verdicts = _read(ws)
    on = ws.today()
    years = sorted({int(v.month[:4]) for v in verdicts.verdicts.values() if v.month[:4].isdigit()})
    wanted = request.query_params.get("year", "")
    if wanted and not (wanted.isdigit() and 2000 <= int(wanted) <= 2100):
        return _error(f"年份“{wanted}”无法识别，请写成四位数字，例如 2023")
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
    return _json(
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
    ws = _ws(request)
    file = request.query_params.get("file", "")
    _, verdicts = _read(ws)
    v = _verdict(verdicts, file)
    if v is None:
        return _error(f"输入文件夹中没有文件“{file}”", 404)
    return _json(verdict_json(v))


def return_copy(request: Request) -> Response:
    """The return copy of one report, made afresh into a temporary folder (the input is never
    changed; an assessment's own 退回修改 are downloaded with its documents)."""
    ws = _ws(request)
    file = request.query_params.get("file", "")
    _, verdicts = _read(ws)
    v = _verdict(verdicts, file)
    tmp = tempfile.mkdtemp(prefix="lingong-return-")
    path = api.write_return_copy(verdicts, v.file, Path(tmp)) if v is not None else None
    if path is None:
        _remove_tree(Path(tmp))
        return _error(f"“{file}”不是有错误的月报，没有退回修改的文件", 404)
    return FileResponse(path, filename=path.name, background=BackgroundTask(_remove_tree, Path(tmp)))


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


async def post_files(request: Request) -> Response:
    ws = _ws(request)
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        return _error("上传请求缺少长度信息（Content-Length），请用本页面或常见的上传工具发送", 411)
    if int(length) > MAX_REQUEST_BYTES:
        return _error(f"一次上传的文件合计超过 {MAX_REQUEST_BYTES // 2**20} MB，请分几次上传", 413)
    try:
        form = await request.form(max_files=uploads.MAX_FILES, max_fields=20)
    except HTTPException as e:  # python-multipart's limits and malformed bodies, said in English
        return _error(f"上传的内容无法读取（{e.detail}）；一次最多上传 {uploads.MAX_FILES} 个文件", 400)
    try:
        files = []
        for _key, value in form.multi_items():
            if isinstance(value, str):
                continue
            files.append((value.filename or "未命名", await value.read()))
    finally:
        await form.close()
    if not files:
        return _error("请求中没有文件")
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_store_and_check, ws, files)


def _store_and_check(ws: Workspace, files: list[tuple[str, bytes]]) -> Response:
    stored = uploads.store(files, ws.input_dir, today=ws.today(), exclude=ws.output_root)
    verdicts = None
    if any(s.rel for s in stored):
        _, verdicts = _read(ws)
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
    return _json({"files": out})


# ---- assessments ---------------------------------------------------------------------------------


def _choices(ws: Workspace) -> dict:
    """The periods one may assess, with the command line's default."""
    from lingong.choose.period import default_period
    from lingong.model.periods import make_period

    got, verdicts = _read(ws)
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
    ws = _ws(request)
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
    return _json(doc)


def _run_json(ws: Workspace, run) -> dict:
    docs = api.assessment_documents(ws.output_root, run)
    files = []
    for p in docs.files:
        rel = p.relative_to(ws.output_root).as_posix()
        inner = p.relative_to(docs.folder).as_posix()
        files.append({"name": p.name, "path": inner, "url": "/files/" + _q_path(rel)})
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
        "zips": [{"part": part, "url": f"/api/assessments/{run.run_id}/zip?part={_q(part)}"} for part in parts]
        + ([{"part": "全部", "url": f"/api/assessments/{run.run_id}/zip"}] if files else []),
    }


def _q_path(rel: str) -> str:
    from urllib.parse import quote

    return quote(rel, safe="/")


def list_assessments(request: Request) -> Response:
    ws = _ws(request)
    runs = api.assessments(ws.output_root)
    return _json({"assessments": [_run_json(ws, r) for r in reversed(runs)]})


def _find_run(ws: Workspace, run_id: str):
    for r in api.assessments(ws.output_root):
        if r.run_id == run_id:
            return r
    raise LookupError(run_id)


def assessment_zip(request: Request) -> Response:
    ws = _ws(request)
    try:
        run = _find_run(ws, request.path_params["run_id"])
    except LookupError:
        return _error("没有这次考核的记录", 404)
    docs = api.assessment_documents(ws.output_root, run)
    part = request.query_params.get("part", "")
    chosen = [p for p in docs.files if not part or p.relative_to(docs.folder).parts[0] == part]
    if not chosen:
        return _error(f"这次考核没有“{part}”的文件", 404)
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
    ws = _ws(request)
    rel = request.path_params["path"]
    root = ws.output_root.resolve()
    try:
        path = (root / rel).resolve()
    except (OSError, ValueError):
        return _error("文件不存在", 404)
    if not path.is_relative_to(root) or path == root:
        return _error("只能下载输出文件夹中的文件", 403)
    if path.name in PRIVATE_NAMES or path.name.endswith(PRIVATE_SUFFIXES) or path.name.startswith((".~tmp-", "~$")):
        return _error("这个文件是程序自用的，不能下载", 403)
    if not path.is_file():
        return _error("文件不存在", 404)
    return FileResponse(path, filename=path.name)


async def post_assessment(request: Request) -> Response:
    ws = _ws(request)
    doc = await _body_json(request)
    period = period_option(str(doc.get("period") or "")) if doc.get("period") else None
    on = _date(doc.get("date"))
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

    return _start(ws, title, work)


def _start(ws: Workspace, title: str, work) -> Response:
    try:
        job = ws.jobs.start(title, work)
    except Busy as e:
        return _error(f"正在进行：{e.job.title}。请等它完成后再开始新的操作。", 409)
    return _json(job.as_json(), 202)


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise FatalInput(f"考核日期“{value}”无法识别，请写成 2023-07-10 的格式") from None


def get_job(request: Request) -> Response:
    job = _ws(request).jobs.get(request.path_params["job_id"])
    if job is None:
        return _error("没有这个任务（服务重启后以前的任务不再显示）", 404)
    return _json(job.as_json())


def history(request: Request) -> Response:
    ws = _ws(request)
    station = request.query_params.get("station", "").strip()
    if not station:
        return _error("请写驿站编号，例如 ZD-001")
    text = api.station_history(ws.output_root, station)
    if text is None:
        return _error(f"考核历史中没有驿站“{station}”", 404)
    return _json({"station": station, "text": text})


# ---- mail ----------------------------------------------------------------------------------------


def mail_list(request: Request) -> Response:
    ws = _ws(request)
    try:
        run = _find_run(ws, request.query_params.get("assessment", ""))
    except LookupError:
        return _error("没有这次考核的记录", 404)
    docs = api.assessment_documents(ws.output_root, run)
    folder = docs.folder / layout.MAIL_FOLDER if docs.folder else None
    drafts = sorted(p.name for p in folder.glob("*.eml")) if folder and folder.is_dir() else []
    return _json({"assessment": run.run_id, "title": run.title(), "drafts": drafts, "current": not run.replaced_by})


async def post_mail(request: Request) -> Response:
    """{"assessment": id, "action": "write" | "dry-run" | "send", "confirm": true (for send)}"""
    ws = _ws(request)
    doc = await _body_json(request)
    try:
        run = _find_run(ws, str(doc.get("assessment", "")))
    except LookupError:
        return _error("没有这次考核的记录", 404)
    action = doc.get("action")
    if action not in ("write", "dry-run", "send"):
        return _error("action 应为 write、dry-run 或 send")
    if action == "send" and doc.get("confirm") is not True:
        return _error("发送邮件需要确认（confirm 为 true）")
    title = {"write": "生成邮件草稿", "dry-run": "试发送（不发出）", "send": "发送邮件"}[action] + f"：{run.title()}"

    def work(job: Job) -> None:
        with RunLock(ws.output_root, command=f"网页：{title}", wait_s=LOCK_WAIT_S, say=job.notes.append):
            if action == "write":
                from lingong.mail.drafts import format_drafts_summary

                w = api.write_mail(ws.output_root, run.period, run.run_id)
                job.digest = format_drafts_summary(w.drafts) + (f"\n通报草稿：{w.notice.name}" if w.notice else "")
                job.exit_status = 0
                return
            from dataclasses import replace

            from lingong.mail.send import check_login_security, format_summary, load_smtp_config

            config = replace(load_smtp_config(ws.mail_config, os.environ), allow_plaintext_login=False)
            if action == "send":
                check_login_security(config)
            summary = api.send_mail(
                ws.output_root,
                run.period,
                run.run_id,
                config=config,
                dry_run=action == "dry-run",
                progress=job.notes.append,
            )
            job.digest = format_summary(summary)
            job.exit_status = 1 if summary.needs_attention else 0
            job.result = {
                "rows": [
                    {
                        "station": r.station,
                        "recipients": list(r.recipients),
                        "subject": r.subject,
                        "status": r.label,
                        "error": r.error,
                        "eml": r.eml,
                    }
                    for r in summary.rows
                ],
                "fatal": summary.fatal,
            }

    return _start(ws, title, work)


# ---- reports that arrive by mail ------------------------------------------------------------------


def fetches(request: Request) -> Response:
    """The mails the last fetches read, newest first, each with its attachments and receipt."""
    ws = _ws(request)
    mails = api.fetched_mails(ws.output_root, 200)
    receipts = ws.output_root / layout.RECEIPTS_FOLDER
    drafts = {p.name: p for p in receipts.glob("*/*.eml")} if receipts.is_dir() else {}
    for m in mails:
        p = drafts.get(m.get("receipt") or "")
        m["receipt_url"] = "/files/" + _q_path(p.relative_to(ws.output_root).as_posix()) if p else ""
    return _json({"mails": mails})


async def post_fetch(request: Request) -> Response:
    """{"since": "YYYY-MM-DD" (optional)}: fetch the mailbox, then a receipt draft for each mail."""
    ws = _ws(request)
    doc = await _body_json(request)
    since = _date(doc.get("since")) if doc.get("since") else None

    def work(job: Job) -> None:
        from lingong.intake.summary import format_fetch, format_receipts

        config = api.load_imap_config(ws.mail_config, os.environ)
        with RunLock(ws.output_root, command="网页：收信", wait_s=LOCK_WAIT_S, say=job.notes.append):
            got = api.fetch_mailbox(
                config, ws.input_dir, ws.output_root, since=since, progress=lambda s, d, t: job.progress("收信", d, t)
            )
            text = ([got.warning] if got.warning else []) + [format_fetch(got, ws.input_dir)]
            try:
                receipts = api.write_receipts(
                    ws.input_dir, ws.output_root, rules_path=ws.rules_path, workers=ws.workers
                )
                text.append(format_receipts(receipts))
            except LingongError as e:
                text.append(f"回执未生成：{e}（收到的邮件已记下，下次收信时补写回执）")
        job.digest = "\n".join(text)
        job.exit_status = 1 if (got.stopped or got.notes) else 0

    return _start(ws, "收信并写回执", work)


# ---- the server itself ---------------------------------------------------------------------------


def shutdown(request: Request) -> Response:
    ws = _ws(request)
    running = ws.jobs.running
    if running is not None:
        return _error(f"正在进行：{running.title}。请等它完成后再退出。", 409)
    if ws.stop is not None:
        ws.stop()
    return _json({"stopped": True})


async def _lingong_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, LingongError):
        return _error(f"{exc.prefix}{exc}", 400)
    return _error(str(exc), 400)


def create_app(ws: Workspace, token: str) -> Guard:
    """The page's ASGI application, behind the guard of ``security``."""
    routes = [
        Route("/", index),
        Route("/api/board", board),
        Route("/api/report", report),
        Route("/api/return-copy", return_copy),
        Route("/api/files", post_files, methods=["POST"]),
        Route("/api/periods", periods),
        Route("/api/assessments", list_assessments, methods=["GET"]),
        Route("/api/assessments", post_assessment, methods=["POST"]),
        Route("/api/assessments/{run_id}/zip", assessment_zip),
        Route("/api/jobs/{job_id}", get_job),
        Route("/api/history", history),
        Route("/api/mail", mail_list, methods=["GET"]),
        Route("/api/mail", post_mail, methods=["POST"]),
        Route("/api/fetches", fetches),
        Route("/api/fetch", post_fetch, methods=["POST"]),
        Route("/api/shutdown", shutdown, methods=["POST"]),
        Route("/files/{path:path}", output_file),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={LingongError: _lingong_error})
    app.state.ws = ws
    return Guard(app, token)
