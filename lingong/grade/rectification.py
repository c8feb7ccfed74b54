"""The rectification rule (assessment-rules.md; docs/rectification.md, whose table is
tested row by row): what one new assessment does to a station's 限期整改 cases.

An open case of period A is decided only by a ``recheck`` of A (cancelling only on
or after the deadline) or by a later half-year or year whose months all come after
A's and whose 考核日期 is on or after the deadline. An assessment sharing a month
with A neither decides it nor starts another for it; a year containing a failed
half-year starts none of its own; a month decides and starts nothing. A 暂定 result
decides nothing (it is not final: a returned month may still be resubmitted); it
leaves the case open. A rerun of a period is a new version of its assessment: the
history undoes what the version it replaces did (history.py), then decides again.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from lingong.model.periods import parse_period
from lingong.model.records import Period, RectificationCase, StationResult
from lingong.words import CANCEL, ENDED, FAIL, ON_NOTICE, RECTIFICATION_STATES
from lingong.words import NO_RECTIFICATION as NONE

STATES = (NONE, *RECTIFICATION_STATES)


def period_order(period: Period) -> str:
    """Sortable position of a period: last month, then length."""
    return f"{period.months[-1]}|{len(period.months):02d}"


def period_months(key: str) -> tuple[str, ...]:
    p = parse_period(key)
    return p.months if p else ()


def is_after(later: Period, key: str) -> bool:
    """All months of ``later`` come after every month of the period ``key``."""
    months = period_months(key)
    return bool(months) and later.months[0] > months[-1]


def _overlaps(period: Period, key: str) -> bool:
    return bool(set(period.months) & set(period_months(key)))


def _decided(case: RectificationCase, state: str, by: str, recheck: bool, on: date) -> RectificationCase:
    """``case`` decided ``state`` by the assessment of ``by`` on ``on``; a 建议取消 is kept as the
    proposal, so that a later 整改结束 can say the proposal is withdrawn."""
    out = replace(case, state=state, decided_by=by, decided_recheck=recheck, decided_on=on)
    if state == CANCEL:
        out = replace(out, proposed_by=by, proposed_recheck=recheck, proposed_on=on)
    return out


def decide(
    period: Period,
    result: StationResult,
    cases: dict[str, RectificationCase],
    *,
    recheck: bool,
    today: date,
    deadline_days: int,
    failed_inside: bool,
) -> tuple[dict[str, RectificationCase], RectificationCase | None]:
    """The rectification rule for one station's new assessment (assessment-rules.md).

    ``cases`` are the station's recorded cases by the period that started them;
    ``failed_inside``: a period inside this one (a half-year of this year) has a
    recorded final 不合格. Returns the cases that changed or began, and the case
    the result shows (None: nothing to show)."""
    changed: dict[str, RectificationCase] = {}
    own = cases.get(period.key)
    decisive = period.kind in ("half", "year") and result.graded
    failed = result.graded and result.final_overall == FAIL
    # A 暂定 result is not final: it starts a case when it fails, but decides none.
    deciding = decisive and not result.provisional
    if decisive:
        new_state = CANCEL if failed else ENDED
        if deciding and recheck and own is not None and own.state in (ON_NOTICE, CANCEL):
            # Before the deadline a failed recheck leaves the station its remaining time.
            if not failed or own.state == CANCEL or today >= own.deadline:
                if new_state != own.state:
                    changed[own.period] = _decided(own, new_state, period.key, True, today)
        for key, case in cases.items():
            if not deciding or key == period.key or case.state not in (ON_NOTICE, CANCEL):
                continue
            if is_after(period, key) and today >= case.deadline and new_state != case.state:
                changed[key] = _decided(case, new_state, period.key, False, today)
        cancelled = any(c.state == CANCEL for c in {**cases, **changed}.values() if is_after(period, c.period))
        overlapping = any(_overlaps(period, k) for k in cases if k != period.key)
        if failed and own is None and not (overlapping or failed_inside or cancelled):
            changed[period.key] = RectificationCase(period.key, today, today + timedelta(days=deadline_days), ON_NOTICE)
    now = {**cases, **changed}
    shown = now.get(period.key)
    if shown is None:
        decided_here = [c for k, c in changed.items() if c.decided_by == period.key]
        still_open = [c for c in now.values() if c.state in (ON_NOTICE, CANCEL)]
        earlier_failure = [c for c in now.values() if _overlaps(period, c.period)] if failed else []
        for candidates in (decided_here, still_open, earlier_failure):
            if candidates:
                shown = candidates[-1]
                break
    return changed, shown
