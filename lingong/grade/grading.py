"""Grading: aggregated figures + rules -> a result object. Nothing else.

Pure functions; every threshold comes from ``rules``. The documents render the
StationResult and compute nothing.

Choices where the spec is silent:
- A monthly requirement's ``figure`` is the number of active months it held;
  its ``target`` is None (the months that failed are in ``failed_months``).
- An item is 不合格 when any 合格 requirement fails, 优秀 when additionally
  every 优秀 requirement holds (an item with no 优秀 requirement tops at 合格).
- 暂定 (provisional): an active month of the period has only rejected files.
  A rejected file later replaced by an accepted report does not make the result
  暂定 (the spec: "marked 暂定 until the station resubmits").
- At-risk warnings are computed at the periods named in the rules'
  ``[at_risk] periods`` (default H1, the half-year check): for every 合格 sum
  requirement with a half-year or yearly target, the year's target prorated to
  the station's operating months of the year is compared with the pace so far.
- Decisions: the last decision for a (station, period, item) wins; the overall
  result is recomputed from the final item grades unless 综合 is decided.

Over 300 lines because a requirement, an item, a station and a period are graded here in
that order, with the at-risk pace beside them: the spec's grading read in one place.
"""

from __future__ import annotations

from dataclasses import replace

from lingong.catalogue.issues import issue
from lingong.choose.period import assessed
from lingong.grade.aggregate import Aggregate, aggregate
from lingong.model.periods import active_months, make_period, month_label, period_tag, ytd_span
from lingong.model.records import (
    AtRisk,
    Decision,
    Issue,
    ItemResult,
    Period,
    ReportRecord,
    RequirementResult,
    Station,
    StationResult,
)
from lingong.report_template import OVERALL_ITEM, county_order
from lingong.rules.model import (
    Requirement,
    Rules,
    prorated_target,
    ratio_target,
    render_at_risk_text,
    render_target_text,
)
from lingong.words import EXCELLENT, FAIL, PASS

_KIND_OF = {
    "monthly_yes": "monthly",
    "monthly_min": "monthly",
    "sum_min": "sum",
    "sum_ratio": "sum",
    "sum_compare": "compare",
    "ytd_max": "ytd_max",
}


def _code_text(codes: tuple[str, ...]) -> str:
    return "+".join(codes)


def _month_holds(req: Requirement, values: dict | None) -> bool:
    if values is None:  # 缺报 or rejected: fails every monthly requirement
        return False
    if req.kind == "monthly_yes":
        return all(values.get(c) is True for c in req.codes)
    total = 0
    for c in req.codes:
        v = values.get(c)
        if not isinstance(v, int) or isinstance(v, bool):
            return False
        total += v
    return total >= (req.min or 0)


def _period_sum(agg: Aggregate, codes: tuple[str, ...]) -> int:
    return sum(agg.sums.get(c, 0) for c in codes)


def ytd_label(label: str, period) -> str:
    """A year-to-date label ("全年被核实投诉") says the months it counts (年初至6月被核实投诉)."""
    return label.replace("全年", ytd_span(period), 1)


def evaluate(req: Requirement, agg: Aggregate, rules: Rules) -> RequirementResult:
    """One requirement against one station's aggregate."""
    n_active = len(agg.active_months)
    kind = _KIND_OF[req.kind]
    failed: tuple[str, ...] = ()
    note = ""
    codes = req.codes
    full = len(agg.period.months)
    prorated = False
    if req.kind in ("monthly_yes", "monthly_min"):
        failed = tuple(m for m in agg.active_months if not _month_holds(req, agg.monthly.get(m)))
        figure, target, met = n_active - len(failed), None, not failed
    elif req.kind == "sum_min":
        figure = _period_sum(agg, codes)
        target = prorated_target(req, n_active, rules)
        met = figure >= target
        prorated = target != prorated_target(req, full, rules)
    elif req.kind == "sum_ratio":
        base = rules.requirement(req.of)
        codes = base.codes
        figure = _period_sum(agg, codes)
        target = ratio_target(prorated_target(base, n_active, rules), req, rules)
        met = figure >= target
        prorated = target != ratio_target(prorated_target(base, full, rules), req, rules)
    elif req.kind == "sum_compare":
        figure = _period_sum(agg, codes)
        target = _period_sum(agg, req.compare_to)
        met = figure >= target
        codes = codes + req.compare_to
    else:  # ytd_max
        figure = agg.complaints_ytd  # rules allow ytd_max on G5 only
        target = req.max
        met = figure <= target
        note = agg.complaints_note
        # The months the complaints were in: a second half-year failed on complaints of the
        # first must say so, or the station looks for them in its own months.
        failed = () if met else tuple(m for m, v in sorted(agg.complaints_by_month.items()) if v)
        label = ytd_label(req.label, agg.period)
    code_text = (
        f"{_code_text(req.codes)}≥{_code_text(req.compare_to)}" if req.kind == "sum_compare" else _code_text(codes)
    )
    return RequirementResult(
        key=req.key,
        label=label if req.kind == "ytd_max" else req.label,
        kind=kind,
        level=req.level,
        code=code_text,
        unit=req.unit,
        figure=figure,
        target=target,
        met=met,
        failed_months=failed,
        clause=req.clause,
        note=note,
        prorated=prorated,
    )


def item_grade(requirements: tuple[RequirementResult, ...]) -> str:
    if not all(r.met for r in requirements if r.level == PASS):
        return FAIL
    excellent = [r for r in requirements if r.level == EXCELLENT]
    return EXCELLENT if excellent and all(r.met for r in excellent) else PASS


def overall_grade(item_grades: list[str], rules: Rules) -> str:
    """综合等次 from the item grades, by the rules' [overall] section."""
    if sum(g == FAIL for g in item_grades) >= rules.fail_items:
        return FAIL
    if sum(g == EXCELLENT for g in item_grades) >= rules.excellent_items:
        return EXCELLENT
    return PASS


def _decisions_for(station: str, period: Period, decisions: list[Decision]) -> dict[str, Decision]:
    chosen: dict[str, Decision] = {}
    for d in decisions:
        if d.station == station and d.period == period.key:
            chosen[d.item] = d  # one per item: conflicting rows were dropped (D007)
    return chosen


def grade_station(agg: Aggregate, rules: Rules, decisions: list[Decision]) -> StationResult:
    """Grade one station. Rectification and deadline are filled by history."""
    st = agg.station
    base = dict(
        station=st,
        period=agg.period,
        active_months=agg.active_months,
        month_sources=agg.month_sources,
        missing_months=agg.missing_months,
        rejected_months=agg.rejected_months,
        monthly=agg.monthly,
        sums=agg.sums,
        provisional=agg.provisional,
        complaints_ytd=agg.complaints_ytd,
        complaints_note=agg.complaints_note,
        trace=agg.trace,
        complaints_by_month=agg.complaints_by_month,
    )
    if not agg.graded:
        return StationResult(
            graded=False, items=(), computed_overall="", overall_decision=None, final_overall="", **base
        )
    chosen = _decisions_for(st.code, agg.period, decisions)
    items = []
    for it in rules.graded_items:
        reqs = tuple(evaluate(r, agg, rules) for r in it.requirements)
        computed = item_grade(reqs)
        dec = chosen.get(it.name)
        items.append(
            ItemResult(
                number=it.number,
                name=it.name,
                content=it.content,
                target_text=render_target_text(it, rules, st.county),
                requirements=reqs,
                computed=computed,
                decision=dec,
                final=dec.grade if dec else computed,
            )
        )
    computed_overall = overall_grade([i.computed for i in items], rules)
    overall_dec = chosen.get(OVERALL_ITEM)
    final_overall = overall_dec.grade if overall_dec else overall_grade([i.final for i in items], rules)
    return StationResult(
        graded=True,
        items=tuple(items),
        computed_overall=computed_overall,
        overall_decision=overall_dec,
        final_overall=final_overall,
        **base,
    )


# ---- at-risk warnings ---------------------------------------------------------


def at_risk(agg: Aggregate, rules: Rules) -> tuple[AtRisk, ...]:
    """Stations on course to miss a yearly target, with what is still needed.

    The year's target is prorated to the station's operating months of the
    year; the station is at risk when its figure so far is below that target's
    share for the months elapsed (a linear pace).
    """
    if not agg.graded or period_tag(agg.period) not in rules.at_risk_periods:
        return ()
    year = make_period("year", agg.period.year)
    year_active = active_months(year, agg.station)
    elapsed = [m for m in year_active if m <= agg.period.months[-1]]
    if not elapsed:
        return ()
    months_left = len(year_active) - len(elapsed)
    out = []
    for it in rules.graded_items:
        for req in it.requirements:
            if req.level != PASS or req.kind != "sum_min" or req.per not in ("half_year", "year"):
                continue
            year_target = prorated_target(req, len(year_active), rules)
            figure = sum(agg.sums.get(c, 0) for c in req.codes)
            # figure / elapsed < year_target / year_active, in integers
            if figure * len(year_active) >= year_target * len(elapsed):
                continue
            # The same figures make the record and its sentence (rules' at_risk_text).
            facts = dict(
                label=req.label,
                figure=figure,
                year_target=year_target,
                needed=year_target - figure,
                months_left=months_left,
            )
            text = render_at_risk_text(rules, unit=req.unit, **facts)
            out.append(AtRisk(station=agg.station.code, key=req.key, text=text, **facts))
    return tuple(out)


# ---- a whole period -------------------------------------------------------------


def station_sort_key(st: Station) -> tuple:
    return (county_order(st.county), st.code)


def assess(
    period: Period,
    stations: dict[str, Station],
    accepted: dict[tuple[str, str], ReportRecord],
    rejected: dict[tuple[str, str], list[ReportRecord]],
    decisions: list[Decision],
    rules: Rules,
) -> tuple[list[StationResult], list[Issue]]:
    """Grade every assessed station of the registry for ``period``.

    ``accepted`` / ``rejected`` are keyed by (station code, month) and may hold
    any month (other months of the year feed the year-to-date complaints).
    """
    by_station_acc: dict[str, dict[str, ReportRecord]] = {}
    for (code, month), rec in accepted.items():
        by_station_acc.setdefault(code, {})[month] = rec
    by_station_rej: dict[str, dict[str, list[str]]] = {}
    for (code, month), recs in rejected.items():
        files = sorted(r.file for r in recs)
        if files:
            by_station_rej.setdefault(code, {})[month] = files

    results: list[StationResult] = []
    for st in sorted(stations.values(), key=station_sort_key):
        if not assessed(st):
            continue
        recs = by_station_acc.get(st.code, {})
        in_period = {m: r for m, r in recs.items() if m in period.months and st.operates_in(m)}
        same_year = {m: r for m, r in recs.items() if m.startswith(f"{period.year:04d}-")}
        agg = aggregate(
            period,
            st,
            accepted={m: r.values for m, r in in_period.items()},
            accepted_files={m: r.file for m, r in in_period.items()},
            rejected_files=by_station_rej.get(st.code, {}),
            all_year_values={m: r.values for m, r in same_year.items()},
            accepted_cells={m: r.cells for m, r in in_period.items()},
            all_year_files={m: r.file for m, r in same_year.items()},
            all_year_cells={m: r.cells for m, r in same_year.items()},
        )
        res = grade_station(agg, rules, decisions)
        risks = at_risk(agg, rules)
        if risks:
            res = replace(res, at_risk=risks)
        results.append(res)

    graded = {r.station.code for r in results if r.graded}
    issues = []
    for d in decisions:
        if d.period == period.key and d.station not in graded:
            file, sep, cell = d.source.rpartition("!")
            if not sep:
                file, cell = d.source, ""
            issues.append(
                issue(
                    "D006",
                    station=d.station,
                    file=file,
                    sheet="考核组意见",
                    cell=cell,
                    found=d.station,
                    expected=period.key,
                )
            )
    # 缺报 goes into the validation report too, so a clerk sending a station its rows
    # also tells it which months to submit.
    for r in results:
        for m in r.missing_months:
            issues.append(issue("P003", station=r.station.code, month=m, expected=f"{month_label(m)}的月报"))
    return results, issues
