"""Facts about the city's stations that every document shows: why a station failed (its
不合格 items, each with what it missed) and the per-county tallies of grades, 缺报 and 暂定.

Computed here once, from the graded results; the console digest, the 汇总表, the 通报 and
the mails only render them, so a station and a county read the same in each of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lingong.model.periods import months_short
from lingong.model.records import StationResult
from lingong.report_template import county_order
from lingong.words import EXCELLENT, FAIL, GRADES, NO_COUNTY, ON_NOTICE, PASS

# ---- why a requirement failed --------------------------------------------------------


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
            return f"{n}个月的报表均{returned_words(result, all_months=True)}"
    parts = []
    if data:
        parts.append(f"{months_short(data)}未达到")
    if missing:
        parts.append(f"{months_short(missing)}未报送（缺报）")
    if returned:
        parts.append(f"{months_short(returned)}{returned_words(result)}")
    return "，".join(parts)


def returned_words(result: StationResult, *, all_months: bool = False) -> str:
    """A month whose reports were all returned: 报表被退回，未采用 — or, at a recheck on or after the
    deadline, 退回后未在整改期限内重新报送 (it counts as not submitted; the result is final)."""
    if getattr(result, "returns_lapsed", False):
        return "退回后未在整改期限内重新报送"
    return "被退回，未采用" if all_months else "报表被退回，未采用"


def prorated_note(result: StationResult) -> str:
    """ "按运营4个月折算" when the station operated only part of the period."""
    n = len(result.active_months)
    return f"按运营{n}个月折算" if 0 < n < len(result.period.months) else ""


def shortfall(q, result: StationResult) -> str:
    """Why one requirement is not met, e.g. 服务制度、流程已建立：5月未报送（缺报）."""
    if q.kind == "monthly":
        return f"{q.label}：{failed_months_text(q.failed_months, result)}"
    if q.kind == "ytd_max":
        # The months said without brackets: the text often sits inside an item's own.
        when = f"，投诉在{months_short(q.failed_months)}" if q.failed_months else ""
        return f"{q.label}{q.figure}{q.unit}，超过上限{q.target}{q.unit}{when}"
    note = prorated_note(result) if getattr(q, "prorated", False) else ""
    return f"{q.label}{q.figure}{q.unit}，未达到指标{q.target}{q.unit}" + (f"（{note}）" if note else "")


def months_not_used(result: StationResult) -> str:
    """The months with no usable report, said once for the whole station."""
    parts = []
    if result.missing_months:
        parts.append(f"{months_short(result.missing_months)}未报送（缺报）")
    if result.rejected_months:
        parts.append(f"{months_short(result.rejected_months)}{returned_words(result)}")
    return "，".join(parts)


def failed_items_text(result: StationResult, *, with_unused: bool = True) -> str:
    """The 不合格 items with what they missed, for the 通报, the 整改名单 and the mails.
    A month with no usable report fails every monthly requirement: it is said once,
    before the items, not under each requirement. ``with_unused=False`` leaves that
    sentence out, for a text (the mail, a 建议取消 entry) that says it on its own."""
    unused = set(result.missing_months) | set(result.rejected_months)
    parts = []
    for it in result.items:
        if it.final != FAIL:
            continue
        if it.decision is not None and it.computed != FAIL:
            parts.append(f"{it.name}（考核组认定不合格，理由：{it.decision.reason}）")
            continue
        missed = []
        for q in it.requirements:
            if q.level != PASS or q.met:
                continue
            if q.kind == "monthly":
                own = [m for m in q.failed_months if m not in unused]
                if own:
                    missed.append(f"{q.label}：{failed_months_text(own, result)}")
            else:
                missed.append(shortfall(q, result))
        parts.append(f"{it.name}（{'；'.join(missed)}）" if missed else it.name)
    if not parts and result.overall_decision is not None:
        parts.append(f"考核组认定综合等次不合格，理由：{result.overall_decision.reason}")
    text = "、".join(parts) or "综合等次不合格"
    unused_text = months_not_used(result) if with_unused else ""
    return f"{unused_text}；{text}" if unused_text else text


def how_decided(result: StationResult) -> str:
    """How each 不合格 item of a station under rectification is decided: one that failed only on
    months with no usable report by the corrected (or late) report; one that fell short on the
    station's own figures, or by the group's decision, by the joint group's recheck of the
    station's work, recorded as a 考核组意见 (a resubmitted report cannot undo a month gone by).
    "" when the station is not under rectification."""
    if result.rectification != ON_NOTICE:
        return ""
    unused = set(result.missing_months) | set(result.rejected_months)
    data, work = [], []
    for it in result.items:
        if it.final != FAIL:
            continue
        own = (it.decision is not None and it.computed != FAIL) or any(
            not q.met and q.level == PASS and (q.kind != "monthly" or any(m not in unused for m in q.failed_months))
            for q in it.requirements
        )
        (work if own else data).append(it.name)
    parts = []
    if data:
        fix = []
        if result.missing_months:
            fix.append(f"补报{months_short(result.missing_months)}")
        if result.rejected_months:
            fix.append(f"按退回副本更正{months_short(result.rejected_months)}")
        parts.append(f"{'、'.join(data)}：驿站{'、'.join(fix)}的报表并重新报送后，复查时重新计算")
    if work:
        parts.append(f"{'、'.join(work)}：由联合考核组复查驿站的整改情况，复查结论记入考核组意见")
    return "；".join(parts)


def provisional_text(result: StationResult) -> str:
    """Why a result is 暂定 and what makes it final."""
    unused = months_not_used(result) or "本期有报表被退回"
    return f"本结果为暂定：{unused}。驿站按退回副本修改（或补报）并重新报送后复查，复查结果为最终等次"


def failed_item_names(result: StationResult) -> tuple[str, ...]:
    """The items whose final grade is 不合格, in the template's order."""
    return tuple(it.name for it in result.items if it.final == FAIL)


@dataclass(frozen=True)
class FailedFacts:
    """Why a station is 不合格, as every document says it ("" and () for a station that is not)."""

    names: tuple[str, ...]  # the 不合格 items
    text: str  # the items with what they missed (failed_items_text)
    items: str  # the same without the months not used, for a text that says those on its own
    unused: str  # the months with no usable report (months_not_used), whatever the grade


def failed_facts(result: StationResult) -> FailedFacts:
    failed = result.final_overall == FAIL
    return FailedFacts(
        names=failed_item_names(result),
        text=failed_items_text(result) if failed else "",
        items=failed_items_text(result, with_unused=False) if failed else "",
        unused=months_not_used(result),
    )


# ---- per county --------------------------------------------------------------------


@dataclass(frozen=True)
class CountyTally:
    """One county area's stations in the period (or the city's, as ``county="合计"``)."""

    county: str
    stations: int  # every station of the county in the period
    graded: int  # those with an operating month (the others are not graded)
    grades: tuple[int, ...]  # graded stations per grade, in GRADES order
    missing_stations: int  # graded stations with a 缺报 month
    missing_months: int  # their 缺报 months
    provisional: int  # 暂定 results

    @property
    def excellent(self) -> int:
        return self.grades[GRADES.index(EXCELLENT)]

    @property
    def passed(self) -> int:
        return self.grades[GRADES.index(PASS)]

    @property
    def failed(self) -> int:
        return self.grades[GRADES.index(FAIL)]

    @property
    def not_graded(self) -> int:
        return self.stations - self.graded

    @property
    def shares(self) -> tuple[float, ...]:
        return tuple(c / self.graded if self.graded else 0.0 for c in self.grades)


def county_of(result: StationResult) -> str:
    return result.station.county or NO_COUNTY


def _tally(county: str, results: list[StationResult]) -> CountyTally:
    graded = [r for r in results if r.graded]
    return CountyTally(
        county=county,
        stations=len(results),
        graded=len(graded),
        grades=tuple(sum(r.final_overall == g for r in graded) for g in GRADES),
        missing_stations=sum(1 for r in graded if r.missing_months),
        missing_months=sum(len(r.missing_months) for r in graded),
        provisional=sum(1 for r in graded if r.provisional),
    )


@dataclass(frozen=True)
class CityTally:
    counties: tuple[CountyTally, ...]  # in the city's order of its county areas
    total: CountyTally


def city_tally(results: Iterable[StationResult]) -> CityTally:
    """Per county and for the whole city, over every result of the period."""
    results = list(results)
    by: dict[str, list[StationResult]] = {}
    for r in results:
        by.setdefault(county_of(r), []).append(r)
    counties = tuple(_tally(c, by[c]) for c in sorted(by, key=county_order))
    return CityTally(counties=counties, total=_tally("合计", results))
