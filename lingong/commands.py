"""The sub-commands besides an assessment run: template, mail --templates, send and
history. cli.py parses the arguments and calls these; each returns the exit status."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

from lingong import layout
from lingong.errors import EXIT_USAGE, FatalInput
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


def _registry(args, out_root: Path, input_dir: Path) -> tuple[dict, str]:
    """The stations of the newest registry in the input folder, and its file."""
    from lingong.discover.walk import discover
    from lingong.pipeline import pick_registry, read_files

    disc = discover(input_dir, exclude=out_root)
    results = read_files(disc.candidates, workers=args.workers or 1, progress=not args.quiet, cache_dir=out_root)
    stations, reg_file, _ = pick_registry(results)
    return stations, reg_file


def templates(args, out_root: Path, input_dir: Path, *, mail: bool = False) -> int:
    """template: a blank monthly report for every station of the registry;
    mail --templates (``mail``): the same, each with a draft to its station."""
    from lingong.render.blank_template import write_blank_templates
    from lingong.runtime.outfiles import locked_outputs

    needs = "发送空白模板需要 --month" if mail else "生成空白模板需要 --month"
    month = _month(args, f"{needs}，例如 --month 2023-07")
    stations, reg_file = _registry(args, out_root, input_dir)
    dest = layout.blank_templates_dir(out_root, month)
    with locked_outputs() as locked:
        paths = write_blank_templates(stations, month, dest)
        drafts = _template_drafts(stations, month, paths, dest) if mail else None
    print(f"已按驿站名册（{reg_file}）生成 {len(paths) - len(locked)} 份 {month} 月度报表模板：{dest}")
    if drafts is not None:
        from lingong.mail.drafts import format_drafts_summary

        print(format_drafts_summary(drafts))
    return _tell_locked(locked)


def _template_drafts(stations: dict, month: str, paths: list[Path], dest: Path):
    from lingong.mail.drafts import write_drafts
    from lingong.model.periods import make_period

    y, m = map(int, month.split("-"))
    return write_drafts(
        dest,
        period=make_period("month", y, m),
        results=[],
        stations=stations,
        issues=[],
        templates_dir=layout.TEMPLATES_DIR,
        kind="templates",
        blank_templates={p.name.split("_", 1)[0]: p for p in paths},
    )


def history(args, out_root: Path) -> int:
    """history: one station's recorded assessments (reads only)."""
    from lingong.grade.history_view import station_report
    from lingong.pipeline import HISTORY_DB

    code = args.station.strip().upper()
    if not (out_root / HISTORY_DB).is_file():
        print(
            f"输出文件夹 {out_root} 中没有考核历史（{HISTORY_DB}）。请先运行考核，或用 --output 指定考核结果所在的文件夹。",
            file=sys.stderr,
        )
        return EXIT_USAGE
    text = station_report(out_root, HISTORY_DB, code)
    if text is None:
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


def send(args, out_root: Path) -> int:
    """send: the drafts of a period (or of a month's blank templates) over SMTP."""
    from lingong.mail.send import SmtpConfigError, check_login_security, format_summary, load_smtp_config, send_drafts
    from lingong.pipeline import HISTORY_DB
    from lingong.runtime.outfiles import inside

    if args.templates:
        month = _month(args, "发送空白模板邮件需要 --month，例如 --month 2023-07")
        key = month
        drafts = inside(out_root, *layout.blank_templates_parts(month), *layout.drafts_parts(templates=True))
        make = f"python process.py mail --templates --month {month}"
    else:
        if not args.period:
            raise FatalInput("发送邮件需要指定考核期，例如 --period 2023H1")
        # The folder `mail` wrote is named by the period's key, however the clerk typed it.
        key, drafts = args.period.key, inside(out_root, args.period.key, *layout.drafts_parts())
        make = f"python process.py mail --period {key}"
    if not drafts.is_dir():
        raise FatalInput(f"没有找到邮件草稿：{drafts}。请先运行 {make}")
    config = replace(load_smtp_config(args.config, os.environ), allow_plaintext_login=args.allow_plaintext_login)
    try:
        warning = check_login_security(config)  # refuses a plain-text login unless allowed
    except SmtpConfigError as e:
        if not args.dry_run:
            raise
        warning = f"提示：试运行照常列出邮件，但正式发送时会停止——{e}"
    if warning:
        print(warning, file=sys.stderr)
    summary = send_drafts(
        drafts, out_root / HISTORY_DB, config, period=key, dry_run=args.dry_run, resend_unknown=args.resend_unknown
    )
    print(format_summary(summary))
    return EXIT_DATA if summary.needs_attention else EXIT_OK
