"""Words the documents share: the 考核日期, a rectification case, and why a monthly
requirement failed. The form, the 汇总表, the 通报 and the mails all take these
texts from here, so a station reads the same sentence wherever it looks."""

from __future__ import annotations

from lingong.model.periods import date_cn, make_period, parse_period
from lingong.model.records import RectificationCase, StationResult

ON_NOTICE, ENDED, CANCEL = "限期整改", "整改结束", "建议取消"


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
            f"（驿站整改并重新报送后）或{next_decider(case.period)}考核决定，整改后仍不合格的建议取消"
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


# ---- why a requirement failed --------------------------------------------------------


def _months(months) -> str:
    return "、".join(f"{int(m[5:])}月" for m in months)


def failed_months_text(months, result: StationResult) -> str:
    """The failed months of a monthly requirement by cause: a month with no report is
    未报送（缺报）, one whose reports were all returned 报表被退回，未采用, only the others
    未达到. Said once when every operating month failed for the same cause."""
    months = tuple(months)
    missing = [m for m in months if m in result.missing_months]
    returned = [m for m in months if m in result.rejected_months]
    data = [m for m in months if m not in missing and m not in returned]
    n = len(result.active_months)
    if n > 1 and len(months) == n:
        if len(data) == n:
            return f"{n}个月均未达到"
        if len(missing) == n:
            return f"{n}个月均未报送"
        if len(returned) == n:
            return f"{n}个月的报表均被退回，未采用"
    parts = []
    if data:
        parts.append(f"{_months(data)}未达到")
    if missing:
        parts.append(f"{_months(missing)}未报送（缺报）")
    if returned:
        parts.append(f"{_months(returned)}报表被退回，未采用")
    return "，".join(parts)


def prorated_note(result: StationResult) -> str:
    """ "按运营4个月折算" when the station operated only part of the period."""
    n = len(result.active_months)
    return f"按运营{n}个月折算" if 0 < n < len(result.period.months) else ""


def shortfall(q, result: StationResult) -> str:
    """Why one requirement is not met, e.g. 服务制度、流程已建立：5月未报送（缺报）."""
    if q.kind == "monthly":
        return f"{q.label}：{failed_months_text(q.failed_months, result)}"
    if q.kind == "ytd_max":
        return f"{q.label}{q.figure}{q.unit}，超过上限{q.target}{q.unit}"
    note = prorated_note(result) if getattr(q, "prorated", False) else ""
    return f"{q.label}{q.figure}{q.unit}，未达到指标{q.target}{q.unit}" + (f"（{note}）" if note else "")


def months_not_used(result: StationResult) -> str:
    """The months with no usable report, said once for the whole station."""
    parts = []
    if result.missing_months:
        parts.append(f"{_months(result.missing_months)}未报送（缺报）")
    if result.rejected_months:
        parts.append(f"{_months(result.rejected_months)}报表被退回，未采用")
    return "，".join(parts)


def failed_items_text(result: StationResult, *, with_unused: bool = True) -> str:
    """The 不合格 items with what they missed, for the 通报, the 整改名单 and the mails.
    A month with no usable report fails every monthly requirement: it is said once,
    before the items, not under each requirement. ``with_unused=False`` leaves that
    sentence out, for a text (the mail) that has already said it."""
    unused = set(result.missing_months) | set(result.rejected_months)
    parts = []
    for it in result.items:
        if it.final != "不合格":
            continue
        if it.decision is not None and it.computed != "不合格":
            parts.append(f"{it.name}（考核组意见：{it.decision.reason}）")
            continue
        missed = []
        for q in it.requirements:
            if q.level != "合格" or q.met:
                continue
            if q.kind == "monthly":
                own = [m for m in q.failed_months if m not in unused]
                if own:
                    missed.append(f"{q.label}：{failed_months_text(own, result)}")
            else:
                missed.append(shortfall(q, result))
        parts.append(f"{it.name}（{'；'.join(missed)}）" if missed else it.name)
    if not parts and result.overall_decision is not None:
        parts.append(f"考核组意见：{result.overall_decision.reason}")
    text = "、".join(parts) or "综合等次不合格"
    unused_text = months_not_used(result) if with_unused else ""
    return f"{unused_text}；{text}" if unused_text else text


def provisional_text(result: StationResult) -> str:
    """Why a result is 暂定 and what makes it final."""
    unused = months_not_used(result) or "本期有报表被退回"
    return f"本结果为暂定：{unused}。驿站按退回副本修改（或补报）并重新报送后复查，复查结果为最终等次"
