"""Words the documents share: a rectification case and the rules' title. The form, the
汇总表, the 通报 and the mails all take these texts from here (and why a station failed
from grade/city), so a station reads the same sentence wherever it looks."""

from __future__ import annotations

from lingong.model.periods import date_cn, make_period, parse_period
from lingong.model.records import RectificationCase, StationResult
from lingong.spec.vocab import ENDED, ON_NOTICE


def _label(period_key: str) -> str:
    p = parse_period(period_key)
    return p.label if p else period_key


def next_decider(period_key: str) -> str:
    """The first later assessment whose months all come after ``period_key``'s."""
    p = parse_period(period_key)
    if p is None:
        return ""
    if p.kind == "half" and p.key.endswith("H1"):
        return make_period("half", p.year, 2).label
    return make_period("half", p.year + 1, 1).label


def case_origin(case: RectificationCase) -> str:
    return f"{_label(case.period)}考核（{date_cn(case.started_on)}）不合格"


def rectification_text(result: StationResult, *, with_state: bool = True) -> str:
    """One sentence: which assessment started the rectification, its deadline,
    and what will decide it (or what decided it). "" when there is none.
    ``with_state=False`` leaves out the leading "限期整改：" for a list that already says it."""
    case = result.case
    if not result.rectification:
        return ""
    if case is None:  # a result not recorded in the history (a document written from bare results)
        text = result.rectification + (f"：整改期限{date_cn(result.deadline)}" if result.deadline else "")
        return text if with_state else text.partition("：")[2]
    origin = case_origin(case)
    own = case.period == result.period.key
    if case.state == ON_NOTICE:
        text = (
            f"限期整改：{origin}，整改期限{date_cn(case.deadline)}；由{_label(case.period)}复查"
            f"或{next_decider(case.period)}考核决定，整改后仍不合格的建议取消"
        )
    else:
        how = "复查" if case.decided_recheck else "考核"
        decider = f"{_label(case.decided_by)}{how}（{date_cn(case.decided_on)}）"
        if case.state == ENDED:
            text = f"整改结束：{origin}，经{decider}达到合格"
        else:
            text = f"建议取消：{origin}，整改期限{date_cn(case.deadline)}，{decider}仍不合格"
    if not own and set(result.period.months) & set(parse_period(case.period).months):
        text += f"。本期包含{_label(case.period)}的月份，不另行限期整改"
        if case.state == ON_NOTICE:
            text += "，仍按上述期限整改"
    return text if with_state else text.split("：", 1)[1]


def rules_title(name: str, version: str) -> str:
    """How outputs name the rules: their meta name and version, e.g.
    随州市零工驿站运维考核（暂行）2023版 (the file and its hash are in 运行记录.json)."""
    version = str(version).strip()
    return f"{name}{version}" + ("" if not version or version.endswith("版") else "版")
