"""Reading templates/rules.toml (load_rules) and checking it against the shape this program knows: every key by name,
type and range, each failure a RulesError naming the file, the section and the key.
Long because it is the whole shape of templates/rules.toml, table by table."""

from __future__ import annotations

import hashlib
import math
import tomllib
from fractions import Fraction
from pathlib import Path

from lingong.errors import RulesError
from lingong.layout import DEFAULT_RULES
from lingong.model.filenames import display_path
from lingong.model.periods import PERIOD_TAGS
from lingong.report_template import COUNT, INDICATOR_BY_CODE, INDICATORS, ITEMS
from lingong.rules import placeholders
from lingong.rules.model import (
    AT_RISK_FIELDS,
    KINDS,
    LEVELS,
    PERS,
    ROUNDINGS,
    Item,
    Requirement,
    Rules,
    target_placeholders,
)
from lingong.words import PASS


class _Checker:
    def __init__(self, path: Path):
        self.path = path

    def fail(self, section: str, key: str, problem: str) -> RulesError:
        where = f"[{section}]" if section else "顶层"
        k = f" 的键“{key}”" if key else ""
        return RulesError(
            f"规则文件 {self.path} 中 {where}{k}{problem}。请改正规则文件后重新运行，或用 --rules 指定另一个规则文件。"
        )

    def table(self, data: dict, section: str, allowed: dict[str, tuple], required: tuple[str, ...]) -> dict:
        for key in data:
            if key not in allowed:
                known = "、".join(allowed)
                raise self.fail(section, key, f"无法识别（可能拼写有误；可用的键：{known}）")
        for key in required:
            if key not in data:
                # A section a newer version added: the clerk's older file lacks it, the default has it.
                where = f"（可从默认规则文件 {display_path(DEFAULT_RULES)} 复制这一节）" if not section else ""
                raise self.fail(section, key, f"缺失，必须填写{where}")
        for key, value in data.items():
            types = allowed[key]
            # bool is an int in Python; a threshold written as true is still wrong.
            ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
            if not ok:
                want = "、".join(_TYPE_NAMES.get(t, t.__name__) for t in types)
                raise self.fail(section, key, f"类型不对：写的是 {value!r}，应为{want}")
        return data

    def choice(self, section: str, key: str, value, choices) -> None:
        if value not in choices:
            raise self.fail(section, key, f"取值“{value}”不可用，应为 {' / '.join(map(str, choices))} 之一")

    def at_least(self, section: str, key: str, value, low) -> None:
        if value < low:
            raise self.fail(section, key, f"取值 {value} 不可能，应不小于 {low}")

    def between(self, section: str, key: str, value, low, high) -> None:
        """A number in [low, high]; nan and inf never are."""
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(section, key, f"取值 {value} 不是有效的数，应在 {low} 到 {high} 之间")
        if not low <= value <= high:
            raise self.fail(section, key, f"取值 {value} 超出允许范围，应在 {low} 到 {high} 之间")

    def text(self, section: str, key: str, value: str, max_len: int, *, empty: bool = False) -> None:
        if not empty and not value.strip():
            raise self.fail(section, key, "不能为空")
        if len(value) > max_len:
            raise self.fail(section, key, f"过长（{len(value)} 个字符），应不超过 {max_len} 个字符")

    def placeholders(self, section: str, key: str, text: str, allowed) -> None:
        try:
            placeholders.check(text, allowed)
        except placeholders.PlaceholderError as e:
            raise self.fail(section, key, f"中{e}") from None


_TYPE_NAMES = {int: "整数", float: "小数", str: "文字", bool: "true/false", list: "列表", dict: "表"}

_TOP = {
    "meta": (dict,),
    "targets": (dict,),
    "overall": (dict,),
    "rectification": (dict,),
    "at_risk": (dict,),
    "county_short": (dict,),
    "plausible_max": (dict,),
    "outliers": (dict,),
    "items": (list,),
}
COUNT_CODES = tuple(i.code for i in INDICATORS if i.kind == COUNT)
_META = {"name": (str,), "version": (str,), "source": (str,)}
_TARGETS = {"prorate_rounding": (str,), "excellent_ratio": (int, float), "ratio_rounding": (str,)}
_OVERALL = {"fail_items": (int,), "excellent_items": (int,)}
_RECT = {"deadline_days": (int,)}
# The ranges every number of the file must keep (a wider one is a typo, or an attack on the run).
DEADLINE_DAYS = (1, 365)
RATIO_RANGE = (1, 10)
TARGET_RANGE = (0, 1_000_000)
MONTHLY_RANGE = (0, 10_000)
PLAUSIBLE_RANGE = (1, 1_000_000)
ITEM_NUMBER_RANGE = (1, 99)
SHORT_TEXT, LONG_TEXT = 100, 2000
_AT_RISK = {"periods": (list,), "text": (str,)}
_OUTLIERS = {"min": (int,), "factor": (int,)}
OUTLIER_FACTOR_RANGE = (2, 1000)
_ITEM = {
    "number": (int,),
    "name": (str,),
    "content": (str,),
    "target_text": (str,),
    "graded": (bool,),
    "requirements": (list,),
}
_REQ = {
    "key": (str,),
    "level": (str,),
    "kind": (str,),
    "codes": (list,),
    "clause": (str,),
    "label": (str,),
    "unit": (str,),
    "min": (int,),
    "target": (int,),
    "per": (str,),
    "compare_to": (list,),
    "max": (int,),
    "of": (str,),
    "ratio": (int, float),
}
# Which keys each kind needs (besides the common ones) and which it must not have.
_KIND_KEYS = {
    "monthly_yes": (),
    "monthly_min": ("min",),
    "sum_min": ("target", "per"),
    "sum_compare": ("compare_to",),
    "ytd_max": ("max",),
    "sum_ratio": ("of",),
}
_KIND_OPTIONAL = {"sum_ratio": ("ratio",)}
_KIND_SPECIFIC = ("min", "target", "per", "compare_to", "max", "of", "ratio")


def build(raw: dict, path: Path, sha: str) -> Rules:
    """The Rules of a parsed rules file, every key checked by name, type and range."""
    c = _Checker(path)
    c.table(raw, "", _TOP, tuple(_TOP))
    meta = c.table(raw["meta"], "meta", _META, ("name", "version"))
    for key, value in meta.items():
        c.text("meta", key, value, SHORT_TEXT if key != "source" else LONG_TEXT)
    targets = c.table(raw["targets"], "targets", _TARGETS, tuple(_TARGETS))
    c.choice("targets", "prorate_rounding", targets["prorate_rounding"], ROUNDINGS)
    c.choice("targets", "ratio_rounding", targets["ratio_rounding"], ROUNDINGS)
    c.between("targets", "excellent_ratio", targets["excellent_ratio"], *RATIO_RANGE)
    # Through str() so 1.2 is exactly 6/5, not the binary float near it.
    ratio = Fraction(str(targets["excellent_ratio"]))
    overall = c.table(raw["overall"], "overall", _OVERALL, tuple(_OVERALL))
    c.between("overall", "fail_items", overall["fail_items"], 1, len(ITEMS))
    c.between("overall", "excellent_items", overall["excellent_items"], 0, len(ITEMS))
    rect = c.table(raw["rectification"], "rectification", _RECT, tuple(_RECT))
    c.between("rectification", "deadline_days", rect["deadline_days"], *DEADLINE_DAYS)
    at_risk = c.table(raw["at_risk"], "at_risk", _AT_RISK, tuple(_AT_RISK))
    for p in at_risk["periods"]:
        c.choice("at_risk", "periods", p, tuple(PERIOD_TAGS))
    c.text("at_risk", "text", at_risk["text"], SHORT_TEXT)
    c.placeholders("at_risk", "text", at_risk["text"], AT_RISK_FIELDS)
    county_short = raw["county_short"]
    for k, v in county_short.items():
        if not isinstance(v, str) or not v.strip():
            raise c.fail("county_short", k, f"应为非空文字，写的是 {v!r}")
        c.text("county_short", k, v, SHORT_TEXT)
    plausible = _plausible_max(c, raw["plausible_max"])
    outliers = c.table(raw["outliers"], "outliers", _OUTLIERS, tuple(_OUTLIERS))
    c.between("outliers", "min", outliers["min"], *PLAUSIBLE_RANGE)
    c.between("outliers", "factor", outliers["factor"], *OUTLIER_FACTOR_RANGE)

    items = []
    keys: dict[str, Requirement] = {}
    numbers = set()
    for n, it in enumerate(raw["items"], 1):
        sec = f"items 第 {n} 项"
        if not isinstance(it, dict):
            raise c.fail(sec, "", "应为 [[items]] 表")
        c.table(it, sec, _ITEM, ("number", "name", "content", "target_text", "requirements"))
        sec = f"items 第 {n} 项（{it['name']}）"
        if it["number"] in numbers:
            raise c.fail(sec, "number", f"编号 {it['number']} 重复")
        numbers.add(it["number"])
        c.between(sec, "number", it["number"], *ITEM_NUMBER_RANGE)
        c.text(sec, "name", it["name"], SHORT_TEXT)
        c.text(sec, "content", it["content"], LONG_TEXT)
        c.text(sec, "target_text", it["target_text"], LONG_TEXT)
        graded = it.get("graded", True)
        if graded and it["name"] not in ITEMS and it["number"] <= len(ITEMS):
            raise c.fail(sec, "name", f"“{it['name']}”不是考核验收表的项目（{'、'.join(ITEMS)}）")
        reqs = []
        for m, rq in enumerate(it["requirements"], 1):
            rsec = f"{sec} 第 {m} 条要求"
            if not isinstance(rq, dict):
                raise c.fail(rsec, "", "应为 [[items.requirements]] 表")
            reqs.append(_requirement(c, rsec, rq, ratio, keys))
        if graded and not any(r.level == PASS for r in reqs):
            raise c.fail(sec, "requirements", "没有任何“合格”要求")
        items.append(Item(it["number"], it["name"], it["content"], it["target_text"], tuple(reqs), graded))

    names = [i.name for i in items if i.graded]
    if sorted(names) != sorted(set(names)):
        raise c.fail("items", "name", "考核项目名称重复")
    for i, it in enumerate(items, 1):
        for r in it.requirements:
            if r.kind == "sum_ratio":
                base = keys.get(r.of)
                if base is None or base.kind != "sum_min":
                    raise c.fail(
                        f"items 第 {i} 项（{it.name}）", "of", f"“{r.of}”应为同一文件中一条 sum_min 要求的 key"
                    )
    if overall["excellent_items"] > len(names):
        raise c.fail(
            "overall", "excellent_items", f"取值 {overall['excellent_items']} 不可能，只有 {len(names)} 个参评项目"
        )

    rules = Rules(
        path=path,
        sha256=sha,
        name=meta["name"],
        version=meta["version"],
        prorate_rounding=targets["prorate_rounding"],
        excellent_ratio=ratio,
        ratio_rounding=targets["ratio_rounding"],
        fail_items=overall["fail_items"],
        excellent_items=overall["excellent_items"],
        deadline_days=rect["deadline_days"],
        at_risk_periods=tuple(at_risk["periods"]),
        at_risk_text=at_risk["text"],
        county_short=tuple(county_short.items()),
        items=tuple(items),
        raw=raw,
        plausible_max=plausible,
        outlier_min=outliers["min"],
        outlier_factor=outliers["factor"],
    )
    # Every 任务指标 placeholder must be on the allow-list: a typo, or an attempt to reach
    # into the program, fails at load, before anything is written.
    allowed = target_placeholders(items)
    for i, it in enumerate(items, 1):
        c.placeholders(f"items 第 {i} 项（{it.name}）", "target_text", it.target_text, allowed)
    return rules


def _plausible_max(c: _Checker, table: dict) -> tuple[tuple[str, int], ...]:
    """Every count indicator's largest believable monthly figure (a report above it is
    sent back as 数值不合理: an extra 0, an ID number typed into the wrong cell)."""
    for code, value in table.items():
        if code not in COUNT_CODES:
            raise c.fail("plausible_max", code, f"不是计数指标的代码（可用：{'、'.join(COUNT_CODES)}）")
        if isinstance(value, bool) or not isinstance(value, int):
            raise c.fail("plausible_max", code, f"类型不对：写的是 {value!r}，应为整数")
        c.between("plausible_max", code, value, *PLAUSIBLE_RANGE)
    for code in COUNT_CODES:
        if code not in table:
            raise c.fail("plausible_max", code, "缺失：每个计数指标都要有每月上限")
    return tuple((code, table[code]) for code in COUNT_CODES)


def _codes(c: _Checker, sec: str, key: str, value: list) -> tuple[str, ...]:
    if not value:
        raise c.fail(sec, key, "不能为空列表")
    for code in value:
        if not isinstance(code, str) or code not in INDICATOR_BY_CODE:
            raise c.fail(sec, key, f"中的“{code}”不是月度指标代码（A1…G5）")
    return tuple(value)


def _requirement(c: _Checker, sec: str, rq: dict, ratio: Fraction, keys: dict) -> Requirement:
    if isinstance(rq.get("key"), str):
        sec = f"{sec}（{rq['key']}）"
    c.table(rq, sec, _REQ, ("key", "level", "kind", "clause", "label", "unit"))
    if rq["key"] in keys:
        raise c.fail(sec, "key", f"“{rq['key']}”与另一条要求重复")
    if not rq["key"].isidentifier():
        raise c.fail(sec, "key", f"“{rq['key']}”只能由字母、数字和下划线组成")
    c.choice(sec, "level", rq["level"], LEVELS)
    kind = rq["kind"]
    c.choice(sec, "kind", kind, KINDS)
    allowed_specific = set(_KIND_KEYS[kind]) | set(_KIND_OPTIONAL.get(kind, ()))
    for k in _KIND_SPECIFIC:
        if k in rq and k not in allowed_specific:
            raise c.fail(sec, k, f"不适用于 {kind} 要求（该类要求需要：{'、'.join(_KIND_KEYS[kind]) or '无'}）")
    for k in _KIND_KEYS[kind]:
        if k not in rq:
            raise c.fail(sec, k, f"缺失，{kind} 要求必须填写")
    if kind == "sum_ratio":
        if "codes" in rq:
            raise c.fail(sec, "codes", "不适用于 sum_ratio 要求（合计取自 of 所指的要求）")
        codes: tuple[str, ...] = ()
    else:
        if "codes" not in rq:
            raise c.fail(sec, "codes", "缺失，必须填写")
        codes = _codes(c, sec, "codes", rq["codes"])
    if kind == "monthly_yes":
        for code in codes:
            if INDICATOR_BY_CODE[code].kind != "yesno":
                raise c.fail(sec, "codes", f"中的 {code} 不是“是/否”指标，应使用 monthly_min")
    elif kind != "sum_ratio":
        for code in codes + tuple(rq.get("compare_to", ())):
            if INDICATOR_BY_CODE.get(code) and INDICATOR_BY_CODE[code].kind != "count":
                raise c.fail(sec, "codes", f"中的 {code} 是“是/否”指标，不能求和或比较大小")
    if kind == "ytd_max" and codes != ("G5",):
        raise c.fail(sec, "codes", "ytd_max（按自然年累计）只适用于投诉次数 G5")
    if "min" in rq:
        c.between(sec, "min", rq["min"], *MONTHLY_RANGE)
    if "target" in rq:
        c.between(sec, "target", rq["target"], *TARGET_RANGE)
    if "max" in rq:
        c.between(sec, "max", rq["max"], *MONTHLY_RANGE)
    if "per" in rq:
        c.choice(sec, "per", rq["per"], PERS)
    for key in ("clause", "label", "unit"):
        c.text(sec, key, rq[key], SHORT_TEXT, empty=key == "unit")
    r_ratio = None
    if "ratio" in rq:
        c.between(sec, "ratio", rq["ratio"], *RATIO_RANGE)
        r_ratio = Fraction(str(rq["ratio"]))
    compare_to = _codes(c, sec, "compare_to", rq["compare_to"]) if "compare_to" in rq else ()
    req = Requirement(
        key=rq["key"],
        level=rq["level"],
        kind=kind,
        codes=codes,
        clause=rq["clause"],
        label=rq["label"],
        unit=rq["unit"],
        min=rq.get("min"),
        target=rq.get("target"),
        per=rq.get("per", ""),
        compare_to=compare_to,
        max=rq.get("max"),
        of=rq.get("of", ""),
        ratio=r_ratio,
    )
    keys[req.key] = req
    return req


def load_rules(path: Path | str | None = None) -> Rules:
    """Read and check the rules file; raise RulesError naming file, section and key."""
    path = Path(path) if path is not None else DEFAULT_RULES
    try:
        data_bytes = path.read_bytes()
    except OSError as e:
        raise RulesError(
            f"无法读取规则文件 {path}（{e.strerror or e}）。请检查路径，或用 --rules 指定规则文件。"
        ) from e
    try:
        raw = tomllib.loads(data_bytes.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise RulesError(f"规则文件 {path} 不是 UTF-8 编码的文本。请用记事本等另存为 UTF-8 后重新运行。") from e
    except tomllib.TOMLDecodeError as e:
        raise RulesError(f"规则文件 {path} 格式有误（{e}）。请对照默认规则文件改正后重新运行。") from e
    return build(raw, path, hashlib.sha256(data_bytes).hexdigest())
