"""What every route of the page shares: the workspace it serves, JSON that is always masked,
the Chinese error a clerk reads, and the start of a job that holds the output folder."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lingong import api
from lingong.errors import FatalInput
from lingong.reporting_status import read_folder
from lingong.runtime.clock import today_china
from lingong.runtime.privacy import mask_json
from lingong.verdicts import verdicts_of
from lingong.web.jobs import Busy, Jobs

LOCK_WAIT_S = 2.0  # a job waits this long for a command holding the folder, then says who holds it
# Never served from the output folder: the history and the cache are the tool's own memory
# (every number unmasked), the lock file names the user and the machine.


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


def workspace(request: Request) -> Workspace:
    return request.app.state.ws


URL_KEYS = frozenset({"url", "receipt_url", "return_copy"})  # paths of this server, made from masked names


def masked(obj):
    """Every string masked but this server's own URLs: the masker would read the digits of a
    date folder and a time stamp (回执/2026-12-08/20230703-100000_…) as an ID number."""
    if isinstance(obj, dict):
        return {k: v if k in URL_KEYS and isinstance(v, str) else masked(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [masked(v) for v in obj]
    return mask_json(obj)


def json_response(obj, status: int = 200) -> JSONResponse:
    return JSONResponse(masked(obj), status_code=status, headers={"cache-control": "no-store"})


def error_response(message: str, status: int = 400) -> JSONResponse:
    return json_response({"error": message}, status)


async def body_json(request: Request) -> dict:
    try:
        doc = json.loads((await request.body()) or b"{}")
    except ValueError:
        raise FatalInput("请求内容不是 JSON") from None
    if not isinstance(doc, dict):
        raise FatalInput("请求内容应为 JSON 对象")
    return doc


def html_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def quoted(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def start_job(ws: Workspace, title: str, work) -> Response:
    try:
        job = ws.jobs.start(title, work)
    except Busy as e:
        return error_response(f"正在进行：{e.job.title}。请等它完成后再开始新的操作。", 409)
    return json_response(job.as_json(), 202)


def date_option(value) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise FatalInput(f"考核日期“{value}”无法识别，请写成 2023-07-10 的格式") from None


def quoted_path(rel: str) -> str:
    from urllib.parse import quote

    return quote(rel, safe="/")


def find_run(ws: Workspace, run_id: str):
    for r in api.assessments(ws.output_root):
        if r.run_id == run_id:
            return r
    raise LookupError(run_id)


def read_verdicts(ws: Workspace):
    got = read_folder(ws.input_dir, ws.output_root, rules_path=ws.rules_path, workers=ws.workers)
    return got, verdicts_of(got, ws.input_dir)
