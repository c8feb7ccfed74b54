"""Words the documents share: a rectification case and the rules' title. The form, the
汇总表, the 通报 and the mails all take these texts from here (and why a station failed
from grade/city), so a station reads the same sentence wherever it looks."""

from __future__ import annotations

from lingong.model.periods import date_cn, make_period, parse_period
from lingong.model.records import Earlier, RectificationCase, StationResult
from lingong.words import CANCEL, ENDED, ON_NOTICE


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
        text += _provisional_open(result, case)
    else:
        how = "复查" if case.decided_recheck else "考核"
        decider = f"{_label(case.decided_by)}{how}（{date_cn(case.decided_on)}）"
        if case.state == ENDED and case.withdrawn:
            text = f"整改结束：{origin}，{withdrawn_text(case)}"
        elif case.state == ENDED:
            text = f"整改结束：{origin}，经{decider}达到合格"
        else:
            text = f"建议取消：{origin}，整改期限{date_cn(case.deadline)}，{decider}仍不合格"
    if not own and set(result.period.months) & set(parse_period(case.period).months):
        text += f"。本期包含{_label(case.period)}的月份，不另行限期整改"
        if case.state == ON_NOTICE:
            text += "，仍按上述期限整改"
    return text if with_state else text.split("：", 1)[1]


def withdrawn_text(case: RectificationCase) -> str:
    """The proposal to cancel withdrawn, and why: 2023年上半年复查（…）仍不合格、建议取消；经2023年下半年考核
    （…）达到合格，撤回取消建议."""
    proposer = f"{_label(case.proposed_by)}{'复查' if case.proposed_recheck else '考核'}（{date_cn(case.proposed_on)}）"
    decider = f"{_label(case.decided_by)}{'复查' if case.decided_recheck else '考核'}（{date_cn(case.decided_on)}）"
    return f"{proposer}仍不合格、建议取消；经{decider}达到合格，撤回取消建议"


def _provisional_open(result: StationResult, case: RectificationCase) -> str:
    """An open case this assessment would have decided, left open because its result is 暂定."""
    if not result.provisional or result.assessed_on is None:
        return ""
    own_recheck = result.earlier is not None and case.period == result.period.key
    p = parse_period(case.period)
    later = p is not None and result.period.months[0] > p.months[-1] and result.assessed_on >= case.deadline
    if own_recheck or later:
        return "；本期结果为暂定，整改待结果确定后决定"
    return ""


def earlier_text(e: Earlier) -> str:
    """What the assessment a recheck follows said: 2023年上半年考核（2023年7月10日）：不合格，不合格项目：宣传推广；
    限期整改，期限2023年8月9日."""
    text = f"{_label(e.period)}{e.kind}（{date_cn(e.assessed_on)}）：{e.final_overall}" + (
        "（暂定）" if e.provisional else ""
    )
    if e.failed_items:
        text += f"，不合格项目：{'、'.join(e.failed_items)}"
    if e.rectification:
        text += f"；{e.rectification}" + (
            f"，期限{date_cn(e.deadline)}" if e.rectification == ON_NOTICE and e.deadline else ""
        )
    return text


def recheck_decision(result: StationResult) -> str:
    """What a recheck decided for a station: 整改结束 / 仍限期整改（期限…） / 建议取消."""
    if result.rectification == ENDED:
        return "整改结束" + ("，撤回取消建议" if result.case and result.case.withdrawn else "")
    if result.rectification == CANCEL:
        return "仍不合格，建议取消"
    if result.rectification == ON_NOTICE:
        return f"仍限期整改（期限{date_cn(result.deadline)}）" + ("，结果暂定" if result.provisional else "")
    return result.rectification or "—"


def rules_title(name: str, version: str) -> str:
    """How outputs name the rules: their meta name and version, e.g.
    随州市零工驿站运维考核（暂行）2023版 (the file and its hash are in 运行记录.json)."""
    version = str(version).strip()
    return f"{name}{version}" + ("" if not version or version.endswith("版") else "版")
