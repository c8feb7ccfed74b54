"""The assessment rules as values (Rules, Item, Requirement) and the arithmetic of targets;
rules/load.py reads and checks templates/rules.toml into them.

Every threshold, target, 优秀 condition and the overall rule live in the rules
file (default ``templates/rules.toml``); this module only knows the *shape* of
that file. A misspelt key, a wrong type or an impossible value stops the run
with a Chinese message naming the file, the section and the key, so a clerk who
edits the file sees exactly what to fix (the CLI exits with status 2).

TOML because it is in the standard library (``tomllib``), keeps comments the
bureau can read, and has typed values (an integer stays an integer)."""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from lingong.model.filenames import display_path
from lingong.rules import placeholders
from lingong.words import EXCELLENT, PASS

LEVELS = (PASS, EXCELLENT)
KINDS = ("monthly_yes", "monthly_min", "sum_min", "sum_compare", "ytd_max", "sum_ratio")
PERS = ("half_year", "year", "period")
ROUNDINGS = ("up", "nearest", "down")
# Months a target of each ``per`` is stated for; "period" targets are not prorated.
PER_MONTHS = {"half_year": 6, "year": 12}


@dataclass(frozen=True)
class Requirement:
    key: str
    level: str  # 合格 | 优秀
    kind: str  # one of KINDS
    codes: tuple[str, ...]
    clause: str
    label: str
    unit: str
    min: int | None = None  # monthly_min
    target: int | None = None  # sum_min: target per ``per``
    per: str = ""  # sum_min: half_year | year | period
    compare_to: tuple[str, ...] = ()  # sum_compare
    max: int | None = None  # ytd_max
    of: str = ""  # sum_ratio: key of the requirement whose target is scaled
    ratio: Fraction | None = None  # sum_ratio: overrides [targets] excellent_ratio


@dataclass(frozen=True)
class Item:
    number: int
    name: str
    content: str  # 考核内容, form wording
    target_text: str  # 任务指标 template (str.format), see render_target_text
    requirements: tuple[Requirement, ...]
    graded: bool = True


# eq=False: compared and hashed by identity, so a Rules can key a cache although
# it carries the parsed file as a dict.
@dataclass(frozen=True, eq=False)
class Rules:
    path: Path
    sha256: str
    name: str
    version: str
    prorate_rounding: str
    excellent_ratio: Fraction
    ratio_rounding: str
    fail_items: int
    excellent_items: int
    deadline_days: int
    at_risk_periods: tuple[str, ...]
    at_risk_text: str
    county_short: tuple[tuple[str, str], ...]
    items: tuple[Item, ...]  # every item in the file, graded or not
    plausible_max: tuple[tuple[str, int], ...]  # count indicator -> largest believable monthly figure
    outlier_min: int  # X003: a month's figure at least this ...
    outlier_factor: int  # ... and more than this many times the station's median month
    raw: dict  # the file as parsed, for as_dict()

    @property
    def graded_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.graded)

    def requirement(self, key: str) -> Requirement:
        for item in self.items:
            for r in item.requirements:
                if r.key == key:
                    return r
        raise KeyError(key)

    def as_dict(self) -> dict:
        """The rules as read (for the summary's 说明 sheet and the run record)."""
        return {"path": display_path(self.path), "sha256": self.sha256, **copy.deepcopy(self.raw)}

    def monthly_max(self, code: str) -> int | None:
        return self._monthly_max.get(code)

    # Derived once per Rules (frozen: they cannot go stale); asked per report and per station.
    @functools.cached_property
    def _monthly_max(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c, m in self.plausible_max:
            out.setdefault(c, m)
        return out

    @functools.cached_property
    def _target_values(self) -> dict[str, object]:
        values: dict[str, object] = {}
        for it in self.items:
            for r in it.requirements:
                values.update(_target_values(r))
        return values

    def short_county(self, county: str) -> str:
        for full, short in self.county_short:
            if full == county:
                return short
        # A county the file does not list: drop the administrative suffix.
        for suffix in ("风景名胜区", "区", "市"):
            if county.endswith(suffix) and len(county) > len(suffix) + 1:
                return county[: -len(suffix)]
        return county


# ---- arithmetic of targets (the only place rounding happens) ---------------


def round_fraction(x: Fraction, how: str) -> int:
    if how == "up":
        return math.ceil(x)
    if how == "down":
        return math.floor(x)
    return math.floor(x + Fraction(1, 2))


def prorated_target(req: Requirement, active_months: int, rules: Rules) -> int:
    """Target of a sum_min requirement for a station that operated ``active_months``
    months of the period: ``T × active / months_of_T`` rounded as the rules say."""
    if req.per == "period":
        return int(req.target or 0)
    return round_fraction(Fraction(req.target or 0) * active_months / PER_MONTHS[req.per], rules.prorate_rounding)


def ratio_target(base_target: int, req: Requirement, rules: Rules) -> int:
    """优秀 target of a sum_ratio requirement: a ratio of the already prorated target."""
    ratio = req.ratio if req.ratio is not None else rules.excellent_ratio
    return round_fraction(ratio * base_target, rules.ratio_rounding)


TARGET_ATTRS = ("half_year", "year", "min", "max", "target")
AT_RISK_FIELDS = frozenset({"label", "needed", "unit", "figure", "year_target", "months_left"})


def _target_values(req: Requirement) -> dict[str, object]:
    """What a 任务指标 text may say about one requirement, as ``{key.attr}``."""
    t = req.target
    if req.per == "half_year":
        half, year = t, 2 * t
    elif req.per == "year":
        half, year = ((t + 1) // 2 if t is not None else None), t
    else:
        half = year = t
    values = {"half_year": half, "year": year, "min": req.min, "max": req.max, "target": t}
    return {f"{req.key}.{a}": values[a] for a in TARGET_ATTRS}


def target_placeholders(rules_items) -> frozenset[str]:
    """Every placeholder a 任务指标 text may use: county_short and ``key.attr``."""
    out = {"county_short"}
    for it in rules_items:
        for r in it.requirements:
            out.update(f"{r.key}.{a}" for a in TARGET_ATTRS)
    return frozenset(out)


def render_target_text(item: Item, rules: Rules, county: str) -> str:
    """The form's 任务指标 wording with the rules' targets and the station's county."""
    values: dict[str, object] = {"county_short": rules.short_county(county), **rules._target_values}
    return placeholders.fill(item.target_text, values)


def render_at_risk_text(rules: Rules, **values) -> str:
    return placeholders.fill(rules.at_risk_text, values)


__all__ = [
    "Item",
    "Requirement",
    "Rules",
    "prorated_target",
    "ratio_target",
    "render_at_risk_text",
    "render_target_text",
    "round_fraction",
]
