"""The 完成情况 and 考核验收情况 texts of a form, from the Jinja2 templates the bureau edits in
``templates/``: loaded once, sandboxed, a text rendered once for every station that did the same."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import jinja2
import jinja2.meta
import jinja2.nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from lingong.errors import TextTemplateError
from lingong.grade.city import failed_item_names, failed_months_text, how_decided, prorated_note
from lingong.model.periods import months_short
from lingong.model.records import Decision, ItemResult, RequirementResult, StationResult
from lingong.render.cell_text import clean, pct
from lingong.render.template_errors import explain
from lingong.render.wording import date_cn, rectification_text
from lingong.words import ACCEPTED, EXCELLENT

COMPLETION_TEMPLATE = "完成情况.j2"
OVERALL_TEMPLATE = "考核验收情况.j2"


@dataclass(frozen=True)
class TextTemplates:
    completion: jinja2.Template
    overall: jinja2.Template
    folder: Path
    # Whether a 完成情况 text is a function of its context alone (see completion_text).
    completion_cacheable: bool = False

    def __reduce__(self):
        # Compiled templates cannot be pickled; a spawned document worker loads its own.
        return load_text_templates, (self.folder,)


# The records a text template sees, and their fields: what _RecordSandbox lets through
# without the general check (which would say yes to every one of them, at a cost).
_RECORD_FIELDS = {
    cls: frozenset(f.name for f in dataclasses.fields(cls) if not f.name.startswith("_"))
    for cls in (ItemResult, RequirementResult, Decision)
}


class _RecordSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with a short way to the data fields of the result records.

    ``r.label`` on a frozen record is looked up tens of thousands of times a run; the
    sandbox answers it by trying ``r["label"]``, catching the TypeError, then checking
    that the attribute is not private, internal or a mutating method. For a declared
    field of these dataclasses (plain values, no leading underscore, not a list or dict
    method) that check always passes, so the answer is the same; anything else (methods,
    properties, other types) still goes the sandbox's own way."""

    def getattr(self, obj, attribute):
        fields = _RECORD_FIELDS.get(type(obj))
        if fields is not None and attribute in fields:
            return getattr(obj, attribute)
        return super().getattr(obj, attribute)


# Jinja's built-ins that print something random: a template using one is never cached.
_RANDOM_GLOBALS = frozenset({"lipsum"})


_RANDOM_FILTERS = frozenset({"random"})


def load_text_templates(templates_dir: Path) -> TextTemplates:
    """Load the editable text templates once; reuse the result for every station."""
    folder = Path(templates_dir)
    # Sandboxed: the bureau edits these files, and a template must not reach the program's
    # objects ({{ x.__init__.__globals__ }} would print the environment, SMTP password included).
    env = _RecordSandbox(
        loader=jinja2.FileSystemLoader(str(folder), encoding="utf-8"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["months"] = months_short
    env.filters["pct"] = pct
    loaded = {}
    for name in (COMPLETION_TEMPLATE, OVERALL_TEMPLATE):
        try:
            loaded[name] = env.get_template(name)
        except jinja2.TemplateError as e:
            raise TextTemplateError(explain(e, f"文本模板 {folder / name}")) from None
    return TextTemplates(
        loaded[COMPLETION_TEMPLATE],
        loaded[OVERALL_TEMPLATE],
        folder,
        completion_cacheable=_deterministic(env, COMPLETION_TEMPLATE),
    )


def _deterministic(env: jinja2.Environment, name: str) -> bool:
    """False when the template may print something other than a function of its context:
    it calls a random built-in, or includes, imports or extends another template (which
    is not looked at)."""
    tree = env.parse(env.loader.get_source(env, name)[0])
    if any(True for _ in jinja2.meta.find_referenced_templates(tree)):
        return False
    if any(n.name in _RANDOM_GLOBALS for n in tree.find_all(jinja2.nodes.Name)):
        return False
    return not any(n.name in _RANDOM_FILTERS for n in tree.find_all(jinja2.nodes.Filter))


def _render(template: jinja2.Template, **context) -> str:
    try:
        text = template.render(**context)
    except jinja2.TemplateError as e:
        raise TextTemplateError(explain(e, f"文本模板 {template.filename}", "可用变量见模板开头的说明")) from None
    lines = [ln.rstrip() for ln in text.strip().splitlines()]
    return "\n".join(ln for ln in lines if ln)


# 完成情况 texts already rendered in this process: stations that did the same on an item
# (every monthly requirement met, the same figures) get the same text. Bounded: a worker
# writes a few hundred forms, a clerk's process one city.
_COMPLETIONS: dict[tuple, str] = {}


_COMPLETIONS_MAX = 4096


def completion_text(item: ItemResult, result: StationResult, texts: TextTemplates) -> str:
    if not result.graded:
        return "本期无运营月份，不参加考核。"
    if not texts.completion_cacheable:
        return _completion_text(item, result, texts)
    # Everything the template can see: the item (its repr tells 1 from 1.0 and True, which
    # print differently but hash alike), the counts, and what why() reads of the result.
    key = (
        texts.completion,  # the object itself: an id could be reused by a later load
        repr(item),
        len(result.active_months),
        prorated_note(result),
        result.missing_months,
        result.rejected_months,
    )
    text = _COMPLETIONS.get(key)
    if text is None:
        text = _completion_text(item, result, texts)
        if len(_COMPLETIONS) >= _COMPLETIONS_MAX:
            _COMPLETIONS.clear()
        _COMPLETIONS[key] = text
    return text


def _completion_text(item: ItemResult, result: StationResult, texts: TextTemplates) -> str:
    return clean(
        _render(
            texts.completion,
            item=item,
            pass_reqs=[r for r in item.requirements if r.level != EXCELLENT],
            excellent_reqs=[r for r in item.requirements if r.level == EXCELLENT],
            active_count=len(result.active_months),
            prorated=prorated_note(result),
            why=lambda r: failed_months_text(r.failed_months, result),
        )
    )


def overall_text(result: StationResult, texts: TextTemplates) -> str:
    if not result.graded:
        return f"{result.period.label}无运营月份，不参加考核。"
    accepted = sum(1 for s in result.month_sources if s.status == ACCEPTED)
    return clean(
        _render(
            texts.overall,
            final=result.final_overall,
            computed=result.computed_overall,
            decision=result.overall_decision,
            decided_items=[i.name for i in result.items if i.decision and i.decision.grade != i.computed],
            failed_items=list(failed_item_names(result)),
            provisional=result.provisional,
            missing=result.missing_months,
            rejected=result.rejected_months,
            returns_lapsed=result.returns_lapsed,
            active_count=len(result.active_months),
            accepted_count=accepted,
            rectification=result.rectification,
            deadline=date_cn(result.deadline),
            rectification_text=rectification_text(result),
            how_decided=how_decided(result),
            assessed_on=date_cn(result.assessed_on),
            at_risk=result.at_risk,
            complaints_note=result.complaints_note,
            period_label=result.period.label,
        )
    )
