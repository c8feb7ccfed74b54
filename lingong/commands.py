"""The sub-commands besides an assessment run: template, mail, send and history. cli.py
parses the arguments and calls these; each returns the exit status.

A sub-command's modules are imported inside the functions: ``history`` or ``send`` never loads
the readers, the writers or the web page, so every command starts as fast as the one it is.

``mail`` and ``send`` write about a recorded assessment (lingong/record.py): they never read the
reports again and never grade; a period never assessed is refused with the command to run first."""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import replace
from pathlib import Path

from lingong import api, layout
from lingong.errors import EXIT_USAGE, FatalInput
from lingong.model.periods import date_cn, period_option
from lingong.read.values import parse_month

EXIT_OK, EXIT_DATA = 0, 1


def _month(args, missing: str) -> str:
    """--month as a YYYY-MM key; ``missing`` says what needs it when it is not given."""
    if not args.month:
        raise FatalInput(missing)
    month = parse_month(args.month).value
    if month is None:
        raise FatalInput(f"报送年月“{args.month}”无法识别，请写成 2023-07")
    return month


def templates(args, out_root: Path, input_dir: Path, *, mail: bool = False) -> int:
    """template: a blank monthly report for every station of the registry;
    mail --templates (``mail``): the same, each with a draft to its station."""
    from lingong.mail.drafts import format_drafts_summary  # the mail modules: only a command that mails loads them

    needs = "发送空白模板需要 --month" if mail else "生成空白模板需要 --month"
    month = _month(args, f"{needs}，例如 --month 2023-07")
    got = api.write_templates(input_dir, out_root, month, mail=mail, workers=args.workers, progress=not args.quiet)
    print(
        f"已按驿站名册（{got.registry_file}）生成 {len(got.paths) - len(got.locked)} 份 {month} 月度报表模板：{got.folder}"
    )
    if got.drafts is not None:
        print(format_drafts_summary(got.drafts))
    return _tell_locked(got.locked)


def history(args, out_root: Path) -> int:
    """history: one station's recorded assessments (reads only)."""
    from lingong.read.labels import norm_code  # the readers: only a command that reads loads them

    if not (out_root / layout.HISTORY_DB_NAME).is_file():
        print(
            f"输出文件夹 {out_root} 中没有考核历史（{layout.HISTORY_DB_NAME}）。请先运行考核，或用 --output 指定考核结果所在的文件夹。",
            file=sys.stderr,
        )
        return EXIT_USAGE
    text = api.station_history(out_root, args.station)
    if text is None:
        code = norm_code(args.station)  # folded as the reader folds a typed code: ＺＤ－００４ is ZD-004
        print(
            f"考核历史中没有驿站 {code} 的记录：请核对驿站编号（如 ZD-001），或用 --output 指定考核结果所在的文件夹。",
            file=sys.stderr,
        )
        return EXIT_USAGE
    print(text)
    return EXIT_OK


def _tell_locked(locked: list[Path]) -> int:
    """Outputs left as they were because they are open in Excel/WPS: name them, status 1."""
    from lingong.runtime.outfiles import locked_message

    for p in locked:
        print(locked_message(p))
    return EXIT_DATA if locked else EXIT_OK


def recorded(args, out_root: Path, *, what: str):
    """The recorded assessment ``mail`` / ``send`` write about: the period's latest, or the one
    --assessment names; refused, saying what to run first, when there is none."""
    run = api.recorded_assessment(out_root, args.period, getattr(args, "assessment", ""), what=what)
    if args.period is None:
        print(f"未指定考核期：按考核历史中最近记录的考核（{run.title()}）{what}")
    return run


def mail(args, out_root: Path) -> int:
    """mail: the drafts, 邮件清单 and 通报 of a recorded assessment, from its record."""
    from lingong.mail.drafts import format_drafts_summary  # the mail modules: only a command that mails loads them

    run = recorded(args, out_root, what="生成邮件")
    a = api.load_assessment(out_root, run)
    print(f"{a.kind}：{a.title()}，第{a.version}版（记录编号 {a.id}）：按考核记录生成邮件，不重新读取报表、不重新评定")
    # The folder the assessment read (recorded), else the one given.
    input_dir = Path(run.input_dir) if run.input_dir and Path(run.input_dir).is_dir() else Path(args.input)
    changes = api.changed_inputs(out_root, run, input_dir)
    if changes:
        again = (
            f"python process.py recheck --period {run.period} --date 复查日期"
            if a.recheck
            else f"python process.py --period {run.period} --date {run.assessed_on.isoformat()}"
        )
        print(
            f"注意：输入文件夹 {input_dir} 自这次{a.kind}以来有 {len(changes)} 个文件变化（邮件仍按已记录的结果生成，"
            f"不受影响）："
        )
        for c in changes[:20]:
            print(f"  {c}")
        if len(changes) > 20:
            print(f"  ……其余 {len(changes) - 20} 个")
        print(
            f"如需按新的报表重新{a.kind}，请运行 {again}（作为新的一版，原来的文件移到“旧版本”文件夹）；"
            f"驿站整改后重新报送的，期限到了以后用 recheck 复查。"
        )
    written = api.write_mail(out_root, run.period, run.run_id)
    print(format_drafts_summary(written.drafts))
    if written.notice is not None:
        print(f"通报草稿：{written.notice}")
    return _tell_locked(written.locked)


def send(args, out_root: Path) -> int:
    """send: the drafts of a period (or of a month's blank templates) over SMTP."""
    from lingong.mail.send import format_summary  # the mail modules: only a command that mails loads them

    if getattr(args, "receipts", False):
        return send_receipts(args, out_root)
    if args.templates:
        month = _month(args, "发送空白模板邮件需要 --month，例如 --month 2023-07")
        drafts = api.template_drafts_folder(out_root, month)
        make = f"python process.py mail --templates --month {month}"
        send_them = functools.partial(api.send_template_mail, out_root, month)
    else:
        if not args.period:
            raise FatalInput("发送邮件需要指定考核期，例如 --period 2023H1")
        # The drafts `mail` wrote in the folder of the recorded assessment (the period's latest, or named).
        run = recorded(args, out_root, what="发送邮件")
        drafts = api.drafts_folder(out_root, run)
        make = f"python process.py mail --period {run.period}" + (
            f" --assessment {args.assessment}" if getattr(args, "assessment", "") else ""
        )
        print(f"发送{run.title()}（第{run.version}版）的邮件草稿：{drafts}")
        send_them = functools.partial(api.send_mail, out_root, run.period, run.run_id)
    if not drafts.is_dir():  # said before the mail settings are looked at: the drafts come first
        raise FatalInput(f"没有找到邮件草稿：{drafts}。请先运行 {make}")
    summary = send_them(config=_smtp(args), dry_run=args.dry_run, resend_unknown=args.resend_unknown)
    print(format_summary(summary))
    return EXIT_DATA if summary.needs_attention else EXIT_OK


def _smtp(args):
    from lingong.mail.send import SmtpConfigError, check_login_security, load_smtp_config

    config = replace(load_smtp_config(args.config, os.environ), allow_plaintext_login=args.allow_plaintext_login)
    try:
        warning = check_login_security(config)  # refuses a plain-text login unless allowed
    except SmtpConfigError as e:
        if not args.dry_run:
            raise
        warning = f"提示：试运行照常列出邮件，但正式发送时会停止——{e}"
    if warning:
        print(warning, file=sys.stderr)
    return config


def send_receipts(args, out_root: Path) -> int:
    """send --receipts: every receipt draft fetch wrote and the send log does not show as sent."""
    from lingong.intake.receipts import receipts_key  # the mail modules: only a command that mails loads them
    from lingong.mail.send import format_summary

    code = EXIT_OK
    sent = api.send_receipts(out_root, config=_smtp(args), dry_run=args.dry_run, resend_unknown=args.resend_unknown)
    for day, summary in sent:
        if summary.rows and all(r.status == "already_sent" for r in summary.rows):
            continue  # an earlier day's receipts, all sent: one line a year of days would only hide the news
        print(format_summary(summary).replace(f"考核期 {receipts_key(day)}", f"{day} 的回执"))
        code = max(code, EXIT_DATA if summary.needs_attention else EXIT_OK)
    return code


def fetch(args, out_root: Path) -> int:
    """fetch: the mailbox into the input folder, then a receipt draft to every sender."""
    from lingong import api
    from lingong.errors import LingongError
    from lingong.intake.summary import format_fetch, format_receipts

    config = replace(api.load_imap_config(args.config, os.environ), allow_plaintext_login=args.allow_plaintext_login)

    def progress(stage: str, done: int, total: int) -> None:
        print(f"\r正在收信：第 {done}/{total} 封", end="\n" if done == total else "", file=sys.stderr, flush=True)

    result = api.fetch_mailbox(
        config, Path(args.input), out_root, since=args.since, progress=None if args.quiet else progress
    )
    if result.warning:
        print(result.warning, file=sys.stderr)
    print(format_fetch(result, args.input))
    code = EXIT_DATA if (result.stopped or result.notes) else EXIT_OK
    if args.no_receipts:
        return code
    try:
        receipts = api.write_receipts(Path(args.input), out_root, rules_path=args.rules, workers=args.workers)
    except LingongError as e:
        print(f"回执未生成：{e}（收到的邮件已记下，下次运行 fetch 时补写回执）", file=sys.stderr)
        return e.exit_status
    print(format_receipts(receipts))
    rejected = any(i.returned for x in receipts.receipts for i in x.items)
    return max(code, EXIT_DATA if rejected else EXIT_OK)


def serve(args, out_root: Path, input_dir) -> int:
    """serve: the clerk's page (lingong.web), imported only here so no other command loads it.
    ``input_dir()`` gives the input folder (the demo's is written then: not while a page serves it)."""
    from lingong.web.server import refuse_second
    from lingong.web.server import serve as run_server

    refuse_second(out_root)
    return run_server(
        input_dir(),
        out_root,
        port=args.port,
        open_browser=not args.no_browser,
        rules_path=args.rules,
        mail_config=args.config,
        workers=args.workers,
    )


def assess(args, out_root: Path, input_dir: Path) -> int:
    """The assessment (or recheck) the arguments name through ``api.assess``, its digest printed;
    the demo runs the sample city's year as the bureau does."""
    # (what is done, period, 考核日期, recheck)
    steps = [("", args.period, args.date, args.command == "recheck")]
    if args.demo and not args.period:
        from lingong.demo import CYCLE

        # The demo runs a year as the bureau does: the half-year check in July, the recheck after the
        # deadline, then the second half-year (which decides the rest) and the year-end review; the
        # mail of each is written from its record right after it, as a clerk would.
        steps = list(CYCLE)
    code = 0
    for what, period, assessed_on, recheck in steps:
        args.period = period_option(period)
        if what:
            if recheck:
                from lingong.demo import resubmit

                resubmit(input_dir)
            print(f"==== 演示：{what}，考核日期 {date_cn(assessed_on)} ====")
        summary = api.assess(
            input_dir,
            out_root,
            args.period,
            on=assessed_on,
            recheck=recheck,
            rules_path=args.rules,
            workers=args.workers,
            new_history=args.new_history,
            mail_drafts=args.demo,
            notice=args.demo,
            progress=not args.quiet,  # the bar on a terminal
        )
        print(api.digest(summary))
        print()
        code = max(code, summary.exit_code)
    if args.demo:
        print(f"演示数据在：{input_dir}（每次演示重新生成）")
        if code == EXIT_DATA:
            # The sample city has errors on purpose; the demo itself went as it should.
            print("演示数据中故意放入了有错误的报表；正式运行时遇到这种情况，程序的退出状态为 1。")
            code = EXIT_OK
    return code
