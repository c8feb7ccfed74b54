"""The command clerks run. Parses arguments, calls lingong, prints, sets the exit status.

0: finished, no report had an error; 1: finished, some station data had errors
(all outputs still written); 2: wrong usage, unreadable rules file or registry,
the output folder held by another run (runlock) or the same as the input folder.
A clerk never sees a traceback unless --debug is given.

Just over 300 lines because build_parser is the whole Chinese help of every sub-command;
the sub-commands besides a run are in commands.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lingong import __version__, commands, layout
from lingong.discover.walk import output_inside_input
from lingong.errors import EXIT_USAGE, FatalInput, LingongError
from lingong.model.filenames import display_name
from lingong.model.periods import PERIOD_FORMS, date_cn, period_option
from lingong.run_checks import refuse_same_folder
from lingong.runtime.clock import today_china
from lingong.runtime.outfiles import OutputLocked
from lingong.runtime.privacy import mask
from lingong.runtime.runlock import RunLock


class ChineseHelpFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    def __init__(self, *a, **kw):
        kw.setdefault("formatter_class", ChineseHelpFormatter)
        kw.setdefault("add_help", False)
        super().__init__(*a, **kw)
        self._positionals.title = "子命令"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message):
        self.print_usage(sys.stderr)
        sys.stderr.write(f"参数有误：{chinese_error(message)}\n请运行 python process.py --help 查看用法。\n")
        sys.exit(EXIT_USAGE)


# argparse's own messages (Python 3.11 and later), as a clerk reads them.
_ARGPARSE_ZH = (
    (r"the following arguments are required: (.+)", "缺少必填的选项 {0}"),
    (r"unrecognized arguments: (.+)", "不认识的参数 {0}"),
    (r"argument (\S+): expected one argument", "选项 {0} 后面要写一个值"),
    (r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)", "选项 {0} 的值 {1} 不可用，可选：{2}"),
    (r"argument (\S+): invalid (\S+) value: (.+)", "选项 {0} 的值 {2} 格式不对"),
    (r"argument (\S+): not allowed with argument (\S+)", "选项 {0} 不能与 {1} 同时使用"),
    (r"ambiguous option: (\S+) could match (.+)", "选项 {0} 不明确，可能是 {1}"),
    (r"argument (\S+): ignored explicit argument (.+)", "选项 {0} 不需要值（写了 {1}）"),
    # Last: our own type checks (--date, --workers) already say in Chinese what is wrong.
    (r"argument (\S+): (.+)", "选项 {0}：{1}"),
)


def chinese_error(message: str) -> str:
    """argparse's English message in Chinese; a message of ours (already Chinese) as it is."""
    import re

    for pattern, text in _ARGPARSE_ZH:
        if m := re.fullmatch(pattern, message.strip()):
            return text.format(*m.groups())
    return message


def _common(p: argparse.ArgumentParser, *, period_help: str = f"考核期：{PERIOD_FORMS}", sub: bool = False) -> None:
    """The options every command takes. On a sub-command they default to "not typed" (SUPPRESS),
    so that an option typed before the sub-command keeps its value: ``--output O history`` and
    ``history --output O`` mean the same."""

    def d(value):
        return argparse.SUPPRESS if sub else value

    p.add_argument(
        "--input", type=Path, default=d(layout.DEFAULT_INPUT), help="报表所在文件夹（含子文件夹），默认 input/"
    )
    p.add_argument("--output", type=Path, default=d(None), help="输出文件夹，默认 output/（演示时为 output/demo/）")
    p.add_argument("--period", default=d(None), help=period_help)
    p.add_argument(
        "--rules", type=Path, default=d(layout.DEFAULT_RULES), help="考核规则文件，默认 templates/rules.toml"
    )
    p.add_argument(
        "--workers",
        type=workers_option,
        default=d(None),
        help="并行读取的进程数（正整数，超过 CPU 核数时按核数），默认按 CPU 核数",
    )
    p.add_argument(
        "--demo", action="store_true", default=d(False), help="用内置的随州市样例数据演示全部流程（不读写 input/）"
    )
    p.add_argument("--quiet", action="store_true", default=d(False), help="不显示进度条")
    p.add_argument("--debug", action="store_true", default=d(False), help="出错时显示程序调用栈（供开发人员排查）")


FUTURE_DAYS = 31  # a 考核日期 further ahead than this is a typo (2032 for 2023), not a plan


def workers_option(text: str) -> int:
    """--workers: a whole number from 1; more than the CPU cores is the number of cores
    (reading is CPU work: more processes only cost memory)."""
    import os

    try:
        n = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"进程数应为正整数，收到“{text}”") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"进程数应为正整数（至少 1），收到 {n}")
    return min(n, os.cpu_count() or 1)


def _assessment_date(text: str):
    """--date: the 考核日期, YYYY-MM-DD: a real day, not far in the future."""
    from datetime import date, timedelta

    try:
        on = date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"考核日期“{text}”无法识别，请写成 2023-07-10 这样的年-月-日") from None

    today = today_china()
    if on > today + timedelta(days=FUTURE_DAYS):
        raise argparse.ArgumentTypeError(
            f"考核日期“{text}”在今天（{date_cn(today)}）之后 {FUTURE_DAYS} 天以上，不可能是考核的日期，请检查 --date"
        )
    if on.year < 2000:
        raise argparse.ArgumentTypeError(f"考核日期“{text}”太早，请检查 --date")
    return on


def _date_option(p: argparse.ArgumentParser, *, sub: bool = False) -> None:
    p.add_argument(
        "--date",
        type=_assessment_date,
        default=argparse.SUPPRESS if sub else None,
        metavar="YYYY-MM-DD",
        help="考核日期（联合考核组考核的日期，整改期限从这天起算），默认今天（北京时间）；"
        "重新考核同一考核期时默认沿用上一版的考核日期",
    )
    p.add_argument(
        "--new-history",
        action="store_true",
        default=argparse.SUPPRESS if sub else False,
        help="输出文件夹中已有考核过的考核期但没有考核历史时，明确从头开始新的考核历史（已有的文件移到“旧版本”）",
    )


def _assessment_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--assessment",
        default="",
        metavar="考核|复查|复查YYYY-MM-DD|编号",
        help="写哪一次已记录的考核：考核（本期的考核）、复查（最近的复查）、复查2023-08-15 或记录编号；"
        "默认本期最近的一次",
    )


def _since(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{text}”无法识别，请写成 2023-07-01 这样的年-月-日") from None


def _fetch_parser(sub) -> None:
    fe = sub.add_parser(
        "fetch",
        help="从单位邮箱（IMAP）收取驿站报送的报表，存入 input/收件/，并为每封来信写回执草稿",
        description="读取单位邮箱（只读：不标为已读，不移动、不删除邮件），把附件中的电子表格（含压缩包中的）"
        "存入输入文件夹的 收件/<收到的年月>/，文件名为“发件地址_原文件名”；同一附件只存一次，中断后再次运行从中断处继续。"
        "随后立即校验收到的报表，为每封来信在输出文件夹的 回执/<今天>/ 写回执草稿（已采用，或退回并附退回副本，"
        "或附件不是月报），用 send --receipts 发送。收信设置来自配置文件的 [imap] 小节或环境变量 LINGONG_IMAP_*，"
        "密码（QQ、163 邮箱为授权码）只从环境变量 LINGONG_IMAP_PASSWORD 或 LINGONG_IMAP_PASSWORD_FILE 指定的文件读取。",
    )
    _common(fe, sub=True)
    fe.add_argument("--config", type=Path, default=None, help="邮件配置文件（TOML，[imap] 小节），也可用环境变量")
    fe.add_argument(
        "--since",
        type=_since,
        default=None,
        metavar="YYYY-MM-DD",
        help="只收这一天及以后收到的邮件（第一次收信时有用）",
    )
    fe.add_argument("--no-receipts", action="store_true", help="只收信，不写回执草稿")
    fe.add_argument(
        "--allow-plaintext-login",
        action="store_true",
        help="允许在不加密的连接（security = none）上登录邮箱，密码将以明文传送；只用于本机或可信内网的服务器",
    )


def _port(text: str) -> int:
    try:
        n = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"端口应为 1–65535 的整数，收到“{text}”") from None
    if not 0 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"端口应为 1–65535 的整数，收到 {n}")
    return n


def _serve_parser(sub) -> None:
    sv = sub.add_parser(
        "serve",
        help="打开考核网页：在浏览器中查看报送情况、上传报表、运行考核、下载结果、发送邮件",
        description="在本机启动考核网页（只有本机能访问），并在浏览器中打开。控制台显示带访问令牌的地址，"
        "请不要把它发给别人。用完后点网页上的“退出”结束。",
    )
    _common(sv, sub=True)
    sv.add_argument("--port", type=_port, default=0, help="网页使用的端口，默认自动选择一个空闲端口")
    sv.add_argument("--no-browser", action="store_true", help="不自动打开浏览器（只在控制台显示地址）")
    sv.add_argument(
        "--config",
        type=Path,
        default=None,
        help="邮件配置文件（TOML）：发送邮件的 [smtp] 和收信的 [imap]，同 send、fetch 的 --config",
    )


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="python process.py",
        description="随州市零工驿站运维考核工具：读取各驿站月度报表，校验、评定等次，"
        "生成考核验收表、汇总表、校验报告和邮件草稿。",
    )
    p.add_argument("--version", action="version", version=f"零工驿站考核 {__version__}", help="显示版本号")
    _common(p)
    _date_option(p)
    sub = p.add_subparsers(
        dest="command", metavar="{serve,template,recheck,mail,send,history,fetch}", parser_class=Parser
    )

    t = sub.add_parser(
        "template",
        help="为名册中运营的驿站生成预填的空白月报模板",
        description="为驿站名册中当月运营的每个驿站生成一份预填基本信息的空白月度报表模板。",
    )
    _common(t, sub=True)
    t.add_argument("--month", required=True, help="报送年月，如 2023-07")

    r = sub.add_parser(
        "recheck",
        help="整改后复查：重新评定某考核期",
        description="驿站整改并重新报送后，复查同一考核期：合格及以上结束整改，仍不合格则建议取消。",
    )
    _common(r, sub=True)
    _date_option(r, sub=True)

    m = sub.add_parser(
        "mail",
        help="按已记录的考核生成发给各驿站的邮件草稿（.eml）和通报草稿，不发送",
        description="按考核历史中已记录的考核（默认考核期最近的一次）为每个驿站生成邮件草稿（附考核验收表、"
        "退回副本）和通报草稿，写在那次考核的文件夹里。不重新读取报表、不重新评定。",
    )
    _common(m, sub=True)
    _assessment_option(m)
    m.add_argument("--templates", action="store_true", help="改为发送下月预填空白模板的邮件草稿")
    m.add_argument("--month", default=None, help="与 --templates 一起使用：模板的报送年月，如 2023-07")

    s = sub.add_parser(
        "send",
        help="通过 SMTP 发送已生成的邮件草稿（须明确执行，默认不发送）",
        description="发送 mail 命令生成的邮件草稿。SMTP 设置来自配置文件或环境变量，"
        "密码只从环境变量 LINGONG_SMTP_PASSWORD 或 LINGONG_SMTP_PASSWORD_FILE 指定的文件读取。",
    )
    _common(s, sub=True)
    _assessment_option(s)
    s.add_argument("--config", type=Path, default=None, help="SMTP 配置文件（TOML），也可用环境变量 LINGONG_SMTP_*")
    s.add_argument("--dry-run", action="store_true", help="只显示将发送给谁，不实际发送")
    s.add_argument("--templates", action="store_true", help="发送空白模板邮件草稿（与 --month 一起使用）")
    s.add_argument("--month", default=None, help="与 --templates 一起使用：模板的报送年月，如 2023-07")
    s.add_argument("--receipts", action="store_true", help="发送 fetch 写的回执草稿（输出文件夹的 回执/ 中尚未发送的）")
    s.add_argument(
        "--resend-unknown",
        action="store_true",
        help="重新发送“状态不明”的邮件（上次发送在服务器确认前中断，驿站可能已收到）；请先向驿站核实没有收到再使用",
    )
    s.add_argument(
        "--allow-plaintext-login",
        action="store_true",
        help="允许在不加密的连接（security = none）上登录邮箱，密码将以明文传送；"
        "只在邮件服务器位于本机或可信内网且不支持加密时使用，会显示警告",
    )
    _fetch_parser(sub)
    _serve_parser(sub)
    h = sub.add_parser(
        "history",
        help="查看一个驿站在历次考核中的等次和整改情况",
        description="从输出文件夹中的考核历史数据库读出一个驿站历次考核的最终等次、不合格项目和整改情况"
        "（只读，不改变任何文件）。",
    )
    _common(h, sub=True)
    h.add_argument("--station", required=True, help="驿站编号，如 ZD-001")
    return p


def _console_never_fails() -> None:
    """A Windows console or a redirected output in the ANSI code page (GBK) cannot show
    every character (☑, a station's rare name): show a substitute rather than stop."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):  # not a text stream we own (tests capture output)
            pass


class _MaskedConsole:
    """The console is a way out too: every line printed passes ``privacy.mask``
    (a file name with a phone number in it, a 理由 quoting an ID)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):

        return self._stream.write(mask(text))

    def __getattr__(self, name):
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> int:
    _console_never_fails()
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _MaskedConsole(out), _MaskedConsole(err)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = out, err


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command not in (None, "recheck") and (args.date is not None or args.new_history):
        # Typed before a sub-command that has no such option: refused, never silently dropped.
        what = "--date" if args.date is not None else "--new-history"
        parser.error(
            f"{args.command} 不使用 {what}"
            + ("（邮件和发送写的是已记录的考核，考核日期是记录中的日期）" if args.command in ("mail", "send") else "")
        )
    try:
        return _dispatch(args, sys.argv[1:] if argv is None else argv)
    except KeyboardInterrupt:
        print("\n已中断。已写完的文件完整可用，未写完的文件不会留下。", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place that turns failures into a clerk's message
        if args.debug:
            raise
        if isinstance(exc, LingongError):
            print(f"{exc.prefix}{exc}", file=sys.stderr)
            return exc.exit_status

        if isinstance(exc, OutputLocked):  # outside a step that goes on past it: the run stopped there
            print(f"{exc.strerror}", file=sys.stderr)
            return EXIT_USAGE
        if isinstance(exc, OSError):
            print(
                f"写入或读取文件失败：{exc.strerror or exc}（{getattr(exc, 'filename', '') or ''}）。"
                "请检查磁盘空间和输出文件夹权限后重新运行。",
                file=sys.stderr,
            )
            return EXIT_USAGE
        print(
            f"程序内部错误：{type(exc).__name__}: {exc}\n请加 --debug 重新运行，并把输出发给维护人员。", file=sys.stderr
        )
        return EXIT_USAGE


def _output_root(args) -> Path:
    if args.output is not None:
        return args.output
    return layout.DEFAULT_OUTPUT / (layout.DEMO_FOLDER if args.demo else "")


def _input_dir(args, out_root: Path) -> Path:
    if not args.demo:
        return args.input
    from lingong.demo import build_demo  # the demo city's writers: only --demo loads them

    sample = out_root / layout.SAMPLE_INPUT_FOLDER
    build_demo(sample)
    return sample


def _dispatch(args, argv: list[str]) -> int:
    """Every command writes into the output folder (the demo its sample input too),
    so each holds it for its whole length: one run per output folder."""
    args.period = period_option(getattr(args, "period", None))

    out_root = _output_root(args)
    if args.command == "history":  # only reads: no lock, never waits for a run
        return commands.history(args, out_root)
    if args.command == "serve":  # each of the page's runs holds the lock, not the page
        if not args.demo:
            _check_folders(args.input, out_root)
        return commands.serve(args, out_root, lambda: _input_dir(args, out_root))
    if args.command != "send" and not args.demo:
        _check_folders(args.input, out_root)

    # Arguments may hold a folder name in GBK bytes: the lock file is text others read.
    with RunLock(out_root, command=" ".join(["process.py", *(display_name(a) for a in argv)])):
        return _dispatch_locked(args, out_root)


def _check_folders(input_dir: Path, out_root: Path) -> None:

    refuse_same_folder(input_dir, out_root)
    if output_inside_input(input_dir, out_root):
        print(f"输出文件夹 {out_root} 在输入文件夹 {input_dir} 之内：读取报表时跳过它，不会把以前生成的文件当作报表。")


def _dispatch_locked(args, out_root: Path) -> int:
    if args.command == "template":
        return commands.templates(args, out_root, _input_dir(args, out_root))
    if args.command == "send":
        return commands.send(args, out_root)
    if args.command == "fetch":
        return commands.fetch(args, out_root)

    if args.demo and not args.period:
        from lingong.demo import start_cycle  # the demo city's writers: only --demo loads them

        try:
            start_cycle(out_root / layout.SAMPLE_INPUT_FOLDER, out_root, layout.HISTORY_DB_NAME)
        except FileExistsError:
            raise FatalInput(
                f"输出文件夹 {out_root} 中已有正式考核的历史，演示不能写在这里；请用 --output 指定一个新的文件夹"
            ) from None
    if args.command == "mail" and not args.templates:
        return commands.mail(args, out_root)  # from the record: no input read, nothing graded
    input_dir = _input_dir(args, out_root)
    if args.command == "mail" and args.templates:
        return commands.templates(args, out_root, input_dir, mail=True)

    return commands.assess(args, out_root, input_dir)
