"""What a run refuses before it reads a thousand files: one folder for input and output, a
考核日期 before its period, a history missing beside assessed periods; and the 考核日期 itself."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lingong import layout
from lingong.discover.walk import output_inside_input
from lingong.errors import FatalInput, HistoryRefused
from lingong.grade.history_plan import runs_of
from lingong.layout import HISTORY_DB_NAME
from lingong.model.periods import date_cn
from lingong.model.records import Period
from lingong.model.run import RunOptions
from lingong.runtime.clock import today_china


def refuse_same_folder(input_dir: Path, output_root: Path) -> None:
    """One folder for input and output would make every run read the last one's
    退回 copies and results as reports."""
    if output_inside_input(input_dir, output_root) == "":
        raise FatalInput(
            f"输入文件夹和输出文件夹是同一个文件夹（{output_root}）：那样下次运行会把本次生成的退回副本、"
            "汇总表当作报表再读一遍。请用 --output 指定另一个文件夹（例如默认的 output/），"
            "或把报表放进单独的文件夹并用 --input 指定它。"
        )


def check_date(period: Period, on: date) -> None:
    """A 考核日期 before its period began is a typo, never an assessment."""
    if on < date.fromisoformat(period.months[0] + "-01"):
        raise FatalInput(
            f"考核日期 {date_cn(on)}（--date {on.isoformat()}）在考核期{period.label}开始之前，请检查 --date"
        )


def history_present(db: Path, output_root: Path, new_history: bool) -> None:
    """A history missing or empty while the folder holds assessed periods would start every clock
    again without a word: refused unless a new history is asked for."""
    if new_history or runs_of(db):
        return
    assessed = sorted(
        {
            p.parent.name
            for name in (layout.RECORD_CARD_NAME, layout.RUN_RECORD_NAME)
            for p in output_root.glob(f"*/{name}")
        }
    )
    if assessed:
        what = "是空的" if db.is_file() else "不存在"
        raise HistoryRefused(
            f"输出文件夹 {output_root} 中已有考核过的考核期（{'、'.join(assessed)}），但考核历史 {db.name} {what}："
            f"这样记录会让整改状态和期限从头开始。请放回原来的 {db.name}（例如从备份恢复）；"
            f"确实要从头开始新的考核历史，请加 --new-history 重新运行。"
        )


def assessment_date(opts: RunOptions, period: Period | None) -> date:
    """--date, else for a rerun of a period the 考核日期 its current version has (a resent
    report does not move the deadlines), else today in China."""
    if opts.assessed_on is not None:
        return opts.assessed_on
    if period is not None and not opts.recheck:
        own = [r for r in runs_of(Path(opts.output_root) / HISTORY_DB_NAME) if r.period == period.key and not r.recheck]
        current = [r for r in own if not r.replaced_by]
        if current:
            return current[-1].assessed_on
    return today_china()
