"""The 邮件 and 收信 tabs: mail drafts of a recorded assessment, sending them after the clerk
confirms, and fetching reports from the bureau's mailbox."""

from __future__ import annotations

import os

from starlette.requests import Request
from starlette.responses import Response

from lingong import api, layout
from lingong.errors import LingongError
from lingong.intake.summary import format_fetch, format_receipts
from lingong.mail.drafts import format_drafts_summary
from lingong.mail.send import check_login_security, format_summary, load_smtp_config
from lingong.runtime.runlock import RunLock
from lingong.web.jobs import Job
from lingong.web.respond import (
    LOCK_WAIT_S,
    body_json,
    date_option,
    error_response,
    find_run,
    json_response,
    quoted_path,
    start_job,
    workspace,
)


def mail_list(request: Request) -> Response:
    ws = workspace(request)
    try:
        run = find_run(ws, request.query_params.get("assessment", ""))
    except LookupError:
        return error_response("没有这次考核的记录", 404)
    docs = api.assessment_documents(ws.output_root, run)
    folder = docs.folder / layout.MAIL_FOLDER if docs.folder else None
    drafts = sorted(p.name for p in folder.glob("*.eml")) if folder and folder.is_dir() else []
    return json_response(
        {"assessment": run.run_id, "title": run.title(), "drafts": drafts, "current": not run.replaced_by}
    )


async def post_mail(request: Request) -> Response:
    """{"assessment": id, "action": "write" | "dry-run" | "send", "confirm": true (for send)}"""
    ws = workspace(request)
    doc = await body_json(request)
    try:
        run = find_run(ws, str(doc.get("assessment", "")))
    except LookupError:
        return error_response("没有这次考核的记录", 404)
    action = doc.get("action")
    if action not in ("write", "dry-run", "send"):
        return error_response("action 应为 write、dry-run 或 send")
    if action == "send" and doc.get("confirm") is not True:
        return error_response("发送邮件需要确认（confirm 为 true）")
    title = {"write": "生成邮件草稿", "dry-run": "试发送（不发出）", "send": "发送邮件"}[action] + f"：{run.title()}"

    def work(job: Job) -> None:
        with RunLock(ws.output_root, command=f"网页：{title}", wait_s=LOCK_WAIT_S, say=job.notes.append):
            if action == "write":
                w = api.write_mail(ws.output_root, run.period, run.run_id)
                job.digest = format_drafts_summary(w.drafts) + (f"\n通报草稿：{w.notice.name}" if w.notice else "")
                job.exit_status = 0
                return
            from dataclasses import replace

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

    return start_job(ws, title, work)


def fetches(request: Request) -> Response:
    """The mails the last fetches read, newest first, each with its attachments and receipt."""
    ws = workspace(request)
    mails = api.fetched_mails(ws.output_root, 200)
    receipts = ws.output_root / layout.RECEIPTS_FOLDER
    drafts = {p.name: p for p in receipts.glob("*/*.eml")} if receipts.is_dir() else {}
    for m in mails:
        p = drafts.get(m.get("receipt") or "")
        m["receipt_url"] = "/files/" + quoted_path(p.relative_to(ws.output_root).as_posix()) if p else ""
    return json_response({"mails": mails})


async def post_fetch(request: Request) -> Response:
    """{"since": "YYYY-MM-DD" (optional)}: fetch the mailbox, then a receipt draft for each mail."""
    ws = workspace(request)
    doc = await body_json(request)
    since = date_option(doc.get("since")) if doc.get("since") else None

    def work(job: Job) -> None:

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

    return start_job(ws, "收信并写回执", work)
