"""The clerk's web page: a small JSON API over ``lingong.api`` and the page that uses it.

Every route calls the library the command line calls, so the page writes exactly what
``process.py`` would; long work (an assessment, sending mail) is a job in a thread that holds the
output folder's lock as the command does. Every string sent to the browser goes through the
masker: a 身份证号 or phone number typed into a report never reaches the page unmasked.
The routes are documented for the bureau's IT in docs/web-api.md.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from lingong.errors import LingongError
from lingong.runtime.privacy import mask
from lingong.web.board_routes import board, post_files, report, return_copy
from lingong.web.mail_routes import fetches, mail_list, post_fetch, post_mail
from lingong.web.records_routes import (
    assessment_zip,
    get_job,
    history,
    list_assessments,
    output_file,
    periods,
    post_assessment,
)
from lingong.web.respond import (
    Workspace,
    error_response,
    html_text,
    json_response,
    workspace,
)
from lingong.web.security import Guard

STATIC = Path(__file__).parent / "static"


# ---- the page ------------------------------------------------------------------------------------


def index(request: Request) -> Response:
    ws = workspace(request)
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    html = html.replace("{{input}}", html_text(mask(str(ws.input_dir)))).replace(
        "{{output}}", html_text(mask(str(ws.output_root)))
    )
    return Response(html, media_type="text/html; charset=utf-8", headers={"cache-control": "no-store"})


# ---- 报送情况 and the verdict of each file --------------------------------------------------------


# ---- assessments ---------------------------------------------------------------------------------


# ---- mail ----------------------------------------------------------------------------------------


# ---- reports that arrive by mail ------------------------------------------------------------------


# ---- the server itself ---------------------------------------------------------------------------


def shutdown(request: Request) -> Response:
    ws = workspace(request)
    running = ws.jobs.running
    if running is not None:
        return error_response(f"正在进行：{running.title}。请等它完成后再退出。", 409)
    if ws.stop is not None:
        ws.stop()
    return json_response({"stopped": True})


async def _lingong_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, LingongError):
        return error_response(f"{exc.prefix}{exc}", 400)
    return error_response(str(exc), 400)


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
