"""What the 考核验收表 says so that it stays one A4 portrait page, printed at 85 % or more.

The form is what the leader signs: the title, the six items, the summary and both signature
lines on one sheet of paper. Its policy columns (考核内容, 任务指标) are fixed; what a
station's result adds (完成情况, several 考核组意见, 暂定, a long 整改 sentence) varies. When
the full texts would not fit, the form says less, in two steps: first the brief texts (the
figures against their targets, each failure with its months, each decision and its reason),
then, if still too tall, every text cut to the room it has. The full texts then go to the
evidence sheet, which follows on pages of its own.

Pure: texts and heights in, texts out; the writer in render/form lays out exactly the rows
``rows`` describes, so the height planned here is the height printed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from lingong.grade.city import failed_item_names, failed_months_text, how_decided, months_not_used, prorated_note
from lingong.model.periods import months_short
from lingong.model.records import ItemResult, StationResult
from lingong.render import print_layout, textfit
from lingong.render.wording import rectification_text
from lingong.runtime import outfiles
from lingong.words import EXCELLENT, FAIL

# Column widths in Excel character units: one A4 portrait page wide at >= 85 % even where a
# digit is 8.6 px (print_layout.DIGIT_PX), a full page at 100 % in Excel.
WIDTHS = (4, 7, 18, 23, 28, 12)
BODY_PT = 10
IDENT_PT = 10.5
NOTE_PT = 9
TITLE_PT, HEAD_PT, SIGN_PT = 36, 24, 84
# What the rows may add up to (points at 100 %): the page at MIN_SCALE, less what LibreOffice
# takes for the page header and the rounding of row heights to twips (measured: 896 pt fit a
# page, 910 pt did not).
HEIGHT_PT = (
    print_layout.printable_pt(False, print_layout.FORM_MARGIN, print_layout.FORM_MARGIN)
    * 100
    / (print_layout.MIN_SCALE)
    - 20
)
MORE = "…（全文见佐证数据）"
FOOTER = f'&C&"{outfiles.FONT},Regular"&9第 1 页 共 1 页'

SIGN_LEFT = "考核领导小组签字：\n\n\n" + "　" * 10 + "年　　月　　日"
SIGN_RIGHT = "被考核单位签字：\n\n\n" + "　" * 10 + "年　　月　　日"


@dataclass(frozen=True)
class FormText:
    """The texts of one form: the identity line, per item its 完成情况 and 验收意见, the 暂定 note
    ("" when not 暂定) and the 考核验收情况. ``brief``: shortened, the full texts on the evidence sheet."""

    ident: str
    completions: tuple[str, ...]
    opinions: tuple[str, ...]
    provisional: str
    summary: str
    brief: bool = False
    recheck: tuple[tuple[str, str], ...] = ()  # a recheck's (原考核结果 / 复查结果 / 复查结论, text)


@dataclass(frozen=True)
class Row:
    kind: str  # title | ident | head | item | provisional | recheck | summary | sign | note
    cells: tuple[str, ...]
    height: float


def _h(texts_widths, font_pt: float = BODY_PT, minimum: float = 18) -> float:
    return textfit.row_height(texts_widths, font_pt, minimum)


def rows(result: StationResult, text: FormText, title: str, rules_label: str) -> list[Row]:
    """Every row of the form sheet with its height, top to bottom."""
    w, total, wide = WIDTHS, sum(WIDTHS), sum(WIDTHS[2:])
    brk = textfit.break_lines
    ident = brk(text.ident, total, IDENT_PT)
    out = [
        Row("title", (title,), TITLE_PT),
        Row("ident", (ident,), _h([(ident, total)], IDENT_PT, minimum=22)),
        Row("head", (), HEAD_PT),
    ]
    for item, done, opinion in zip(result.items, text.completions, text.opinions):
        texts = (item.content, item.target_text, done, opinion)
        cells = (str(item.number), item.name, *(brk(t, width) for t, width in zip(texts, w[2:])))
        out.append(Row("item", cells, _h(zip(cells, w))))
    if text.provisional:
        said = brk(text.provisional, wide)
        out.append(Row("provisional", (said,), _h([(said, wide)], minimum=30)))
    for label, said in text.recheck:
        said = brk(said, wide)
        out.append(Row("recheck", (label, said), _h([(said, wide)], minimum=24)))
    summary = brk(text.summary, wide)
    out.append(Row("summary", (summary,), _h([(summary, wide)], minimum=48)))
    out.append(Row("sign", (SIGN_LEFT, SIGN_RIGHT), _h([(SIGN_LEFT, sum(w[:3]))], minimum=SIGN_PT)))
    out.append(
        Row("note", (note_text(rules_label, text.brief),), _h([(note_text(rules_label, text.brief), total)], NOTE_PT))
    )
    return out


def note_text(rules_label: str, brief: bool) -> str:
    if brief:  # one line: the rules' name (any length) is on the evidence sheet
        return "完成情况依据各月采用的报表；完成情况全文、逐月数据和考核规则见“佐证数据”工作表。"
    return f"考核规则：{rules_label}。完成情况依据各月采用的报表，逐月数据见“佐证数据”工作表。"


def height(result: StationResult, text: FormText, title: str, rules_label: str) -> float:
    return sum(r.height for r in rows(result, text, title, rules_label))


def fit(result: StationResult, full: FormText, title: str, rules_label: str) -> FormText:
    """``full`` when it fits one page; else the brief texts; else those cut to the room left."""
    if height(result, full, title, rules_label) <= HEIGHT_PT:
        return full
    for how in (True, False):  # how each failure is rechecked is also on the evidence sheet, in full
        short = brief(result, full, how=how)
        if height(result, short, title, rules_label) <= HEIGHT_PT:
            return short
    return _cut(result, short, title, rules_label)


# ---- the brief texts ------------------------------------------------------------------


def _requirement(r, result: StationResult) -> str:
    if r.kind == "monthly":
        return f"{r.label}：{failed_months_text(r.failed_months, result)}"
    if r.kind == "ytd_max":
        when = f"，{months_short(r.failed_months)}有投诉" if r.failed_months else ""
        return f"{r.label}{r.figure}{r.unit}（上限{r.target}{'' if r.met else '，超出'}{when}）"
    scaled = f"，{prorated_note(result)}" if r.prorated and prorated_note(result) else ""
    return f"{r.label}{r.figure}{r.unit}（指标{r.target}{scaled}{'' if r.met else '，未完成'}）"


def brief_completion(item: ItemResult, result: StationResult) -> str:
    """The figures against their targets: every total, the monthly requirements only where a
    month missed, excellence in one phrase (none on an item that failed: passing comes first),
    and a 考核组意见 with its reason."""
    if not result.graded:
        return "本期无运营月份，不参加考核。"
    passing = [r for r in item.requirements if r.level != EXCELLENT]
    # A month with no usable report fails every monthly requirement: the form says those months
    # once (暂定, 考核验收情况); an item names only the months it missed on its own figures.
    unused = set(result.missing_months) | set(result.rejected_months)
    parts, by_unused = [], False
    for r in passing:
        if r.kind != "monthly":
            parts.append(_requirement(r, result))
        elif not r.met:
            own = [m for m in r.failed_months if m not in unused]
            by_unused = by_unused or len(own) < len(r.failed_months)
            if own:
                parts.append(f"{r.label}：{failed_months_text(own, result)}")
    monthly = [r for r in passing if r.kind == "monthly"]
    if monthly and all(r.met for r in monthly):
        parts.insert(0, "每月要求均达标")
    elif by_unused:
        parts.insert(0, "缺报、退回月份的月度要求未达到")
    if any(r.met for r in monthly) and not all(r.met for r in monthly):
        parts.append("其余月度要求均达标")
    text = "；".join(parts) + "。" if parts else ""
    excellent = [r for r in item.requirements if r.level == EXCELLENT]
    if excellent and item.computed != FAIL:
        missed = [r.label for r in excellent if not r.met]
        text += f"优秀条件未达到：{'、'.join(missed)}。" if missed else "优秀条件均已达到。"
    d = item.decision
    if d is not None and d.grade != item.computed:
        text += f"\n考核组意见：{d.grade}（计算结果：{item.computed}），理由：{d.reason}"
    elif d is not None:
        text += f"\n考核组确认：{d.reason}"
    return text


def brief_opinion(opinion: str, item: ItemResult, graded: bool = True) -> str:
    """The ticked boxes alone (the opinion's first three lines): the decision and its reason are
    in the 完成情况 beside them; whether the group changed the grade or confirmed it is the item's."""
    boxes = opinion.split("\n")[:3]
    d = item.decision
    if d is not None and graded:
        boxes.append("（考核组改定）" if d.grade != item.computed else "（考核组确认）")
    return "\n".join(boxes)


def brief_summary(result: StationResult, how: bool = True) -> str:
    """The grade and its decision, the failed items, the months not used and the rectification;
    the counts of months, warnings and notes go to the evidence sheet."""
    if not result.graded:
        return f"{result.period.label}无运营月份，不参加考核。"
    text = f"综合等次：{result.final_overall}{'（暂定）' if result.provisional else ''}"
    d = result.overall_decision
    if d is not None:
        text += f"（计算结果：{result.computed_overall}；考核组意见：{d.grade}，理由：{d.reason}）"
    lines = [text + "。"]
    unused = months_not_used(result)
    if unused:
        lines.append(unused + "。")
    failed = failed_item_names(result)
    if result.final_overall == FAIL and failed:
        lines.append(f"不合格项目：{'、'.join(failed)}。")
    rect = rectification_text(result)
    if rect:
        lines.append(rect + "。")
    if how and how_decided(result):
        lines.append(f"整改与复查：{how_decided(result)}。")
    if result.at_risk:
        lines.append(f"预警 {len(result.at_risk)} 项，见佐证数据。")
    return "\n".join(lines)


def brief(result: StationResult, full: FormText, how: bool = True) -> FormText:
    return replace(
        full,
        completions=tuple(brief_completion(it, result) for it in result.items),
        opinions=tuple(brief_opinion(o, it, result.graded) for o, it in zip(full.opinions, result.items)),
        summary=brief_summary(result, how),
        brief=True,
    )


# ---- cut to the room left -------------------------------------------------------------


def _cut(result: StationResult, short: FormText, title: str, rules_label: str) -> FormText:
    """Every station text at most as tall as its row's fixed policy text (the ident line three
    lines, the 暂定 note two), the summary the rest of the page (at least three lines)."""
    w, wide = WIDTHS, sum(WIDTHS[2:])
    completions, opinions = [], []
    for item, done, opinion in zip(result.items, short.completions, short.opinions):
        room = max(4, textfit.text_lines(item.content, w[2]), textfit.text_lines(item.target_text, w[3]))
        completions.append(textfit.clip_lines(done, w[4], room, tail=MORE))
        opinions.append(textfit.clip_lines(opinion, w[5], room))
    cut = replace(
        short,
        ident=textfit.clip_lines(short.ident, sum(w), 3, IDENT_PT),
        completions=tuple(completions),
        opinions=tuple(opinions),
        provisional=textfit.clip_lines(short.provisional, wide, 2, tail=MORE) if short.provisional else "",
        recheck=tuple((label, textfit.clip_lines(said, wide, 2, tail=MORE)) for label, said in short.recheck),
        summary="",
    )
    left = HEIGHT_PT - height(result, cut, title, rules_label) + 48  # the empty summary's row
    lines = max(3, int((left - 6) // (BODY_PT * 1.4)))
    while True:  # a line break kept off a closing mark may take a line more than the cut counted
        done = replace(cut, summary=textfit.clip_lines(short.summary, wide, lines, tail=MORE))
        if lines <= 3 or height(result, done, title, rules_label) <= HEIGHT_PT:
            return done
        lines -= 1
