"""The 通报 draft (policy 四(二): 结果分为优秀、合格、不合格三个等次，并予以通报).

The bureau edits 通报 in Word or WPS, so the wording lives in a .docx template
with docxtpl (Jinja) tags that a clerk can edit around; this module only
supplies the facts: counts per grade and county, the 优秀 list, the 不合格 list
with the failed items and the 限期整改 deadline, 建议取消, and a results table.
``notice_template.build_notice_template`` writes the default template, so it is reproducible
from code; rendering never computes a grade.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lingong.errors import NoticeTemplateError
from lingong.grade.city import (
    CountyTally,
    FailedFacts,
    city_tally,
    county_of,
    failed_facts,
    failed_item_names,
    how_decided,
)
from lingong.model.periods import months_short
from lingong.model.records import Period, StationResult
from lingong.render.notice_style import BODY_FONT, ISSUER, TEMPLATE_NAME, drop_styles_with_effects, set_font
from lingong.render.recheck_notice import recheck_context, template_path
from lingong.render.template_errors import explain
from lingong.render.textfit import is_wide
from lingong.render.wording import date_cn, rectification_text, withdrawn_text
from lingong.report_template import county_order
from lingong.runtime import outfiles, privacy
from lingong.runtime.privacy import mask_json
from lingong.words import CANCEL, EXCELLENT, FAIL, GRADES, ON_NOTICE


def _check_name(period: Period, recheck: bool = False) -> str:
    if recheck:  # the period's recheck after the deadline: the notice does not call itself the first check
        return "整改复查"
    return {"half": "半年检查", "year": "年终考评"}.get(period.kind, "考核")


def _cancel_reason(r: StationResult, failed: FailedFacts) -> str:
    """The case, then the months not used, then the items: the items' text has brackets of its
    own, so it comes after the case, never inside another pair; a month is no 考核项目."""
    parts = (rectification_text(r, with_state=False), failed.unused, failed.items and f"不合格项目为{failed.items}")
    return "；".join(t for t in parts if t)


def _remark(r: StationResult) -> str:
    bits = []
    if r.provisional:
        bits.append("暂定")
    if unused := failed_facts(r).unused:
        bits.append(unused)
    if r.rectification == ON_NOTICE:
        bits.append(f"{ON_NOTICE}至{date_cn(r.deadline)}" if r.deadline else ON_NOTICE)
    elif _withdrawn_here(r):
        bits.append(f"{r.rectification}，撤回取消建议")
    elif r.rectification:
        bits.append(r.rectification)
    if r.overall_decision is not None:
        bits.append(f"考核组认定（计算结果{r.computed_overall}）")
    return "；".join(bits)


def _returned(r: StationResult) -> str:
    """Why a result is 暂定: the months whose reports were sent back (a 缺报 month makes nothing 暂定)."""
    months = months_short(r.rejected_months)
    return f"{months}报表被退回，未采用" if months else "本期有报表被退回"


def _groups(failing: list[StationResult], station) -> list[dict]:
    """The 不合格 stations by what their rectification says, each group's sentence said once after
    its stations (ten stations of one check share one deadline and one way of being decided)."""
    groups: dict[str, list] = {}
    for r in failing:
        groups.setdefault(privacy.mask(rectification_text(r)), []).append(r)
    out, n = [], 0
    for text, members in groups.items():
        entries = []
        for r in members:
            n += 1
            entries.append({**station(r), "no": n})
        nos = [e["no"] for e in entries]
        span = f"{nos[0]}至{nos[-1]}" if len(nos) > 2 else "、".join(map(str, nos))
        who = "以上驿站" if len(groups) == 1 else f"以上第{span}个驿站"
        out.append(
            {
                "stations": entries,
                "text": f"{who}{text}" if text else "",
                "on_notice": members[0].rectification == ON_NOTICE,
            }
        )
    return out


def _excellent_in(r: StationResult, county: str) -> bool:
    return r.final_overall == EXCELLENT and county_of(r) == county


def _withdrawn_here(r: StationResult) -> bool:
    """This assessment ended a case whose cancellation had been proposed: the proposal is withdrawn."""
    c = r.case
    return c is not None and c.withdrawn and c.decided_by == r.period.key and c.decided_on == r.assessed_on


def withdrawn_entries(graded: list[StationResult]) -> list[dict]:
    """The 通报's line for each station whose proposed cancellation this assessment withdrew, and why."""
    m = privacy.mask
    return [
        {
            "code": m(r.station.code),
            "name": m(r.station.name),
            "county": r.station.county,
            "why": m(withdrawn_text(r.case)),
        }
        for r in graded
        if _withdrawn_here(r)
    ]


def write_assessment_notice(path: Path, a, templates_dir: Path) -> Path:
    """The 通报 of a recorded assessment (record.Assessment): a recheck's names only the stations
    it decided (render/recheck_notice.py); an assessment's, every graded station."""
    if a.recheck:
        ctx = recheck_context(period=a.period, results=a.results, assessed_on=a.assessed_on)
        return write_notice(
            path, period=a.period, results=a.results, template=template_path(templates_dir), context=ctx
        )
    return write_notice(path, period=a.period, results=a.results, template=Path(templates_dir) / TEMPLATE_NAME)


def notice_context(*, period: Period, results: list[StationResult], issued: date | None, recheck: bool = False) -> dict:
    """Everything the template shows, as plain strings and lists (testable without Word)."""
    m = privacy.mask
    graded = sorted((r for r in results if r.graded), key=lambda r: (county_order(r.station.county), r.station.code))
    tally = city_tally(results)

    def counts(t: CountyTally) -> dict:
        return {"total": t.graded, "excellent": t.excellent, "passed": t.passed, "failed": t.failed}

    county_rows = [{"county": t.county, **counts(t), "provisional": t.provisional} for t in tally.counties if t.graded]
    excellent = [
        {"county": t.county, "names": "、".join(m(r.station.name) for r in graded if _excellent_in(r, t.county))}
        for t in tally.counties
        if t.excellent
    ]
    cancel = [r for r in graded if r.rectification == CANCEL]
    # Part 三 names every 不合格 station not proposed for cancellation, a 暂定 one too (marked so);
    # 暂定 alone (a report sent back) is said in part 一, with what makes the result final.
    failing = [r for r in graded if r.final_overall == FAIL and r.rectification != CANCEL]
    provisional = [r for r in graded if r.provisional and r.rectification != CANCEL]

    def station(r: StationResult) -> dict:
        failed = failed_facts(r)
        return {
            "code": m(r.station.code),
            "name": m(r.station.name),
            "county": r.station.county,
            "failed": m(failed.text),
            "deadline": date_cn(r.deadline) if r.deadline else "",
            "rectification": m(rectification_text(r)),
            "grade": r.final_overall,
            "unused": failed.unused,
            "case": m(rectification_text(r, with_state=False)),
            "cancel_reason": m(_cancel_reason(r, failed)),
            "provisional": r.provisional,
            "failed_items": m(failed.items),
            "how": m(how_decided(r)),
            "returned": _returned(r),
        }

    rows = [
        {
            "no": i,
            "county": r.station.county,
            "code": m(r.station.code),
            "name": m(r.station.name),
            "grade": r.final_overall + ("（暂定）" if r.provisional else ""),
            "failed": "、".join(failed_item_names(r)),
            "remark": m(_remark(r)),
        }
        for i, r in enumerate(graded, 1)
    ]
    return {
        "title": f"关于{period.label}全市零工驿站运维考核结果的通报",
        "period_label": period.label,
        "period_key": period.key,
        "check_name": _check_name(period, recheck),
        "total": tally.total.graded,
        "counts": {k: v for k, v in counts(tally.total).items() if k != "total"},
        "grades": list(GRADES),
        "provisional_count": tally.total.provisional,
        "not_graded_count": tally.total.not_graded,
        "counties": county_rows,
        "county_total": counts(tally.total),
        "excellent": excellent,
        "failing": [station(r) for r in failing],
        "failing_groups": _groups(failing, station),
        "on_notice": any(r.rectification == ON_NOTICE for r in failing),
        "cancel": [station(r) for r in cancel],
        "provisional": [station(r) for r in provisional],
        "rows": rows,
        "withdrawn": withdrawn_entries(graded),
        "issuer": ISSUER,
        "issued": date_cn(issued) or "　　年　　月　　日",
        "assessed_on": date_cn(next((r.assessed_on for r in results if r.assessed_on), None)),
    }


def write_notice(
    path: Path,
    *,
    period: Period,
    results: list[StationResult],
    template: Path,
    issued: date | None = None,
    recheck: bool = False,
    context: dict | None = None,
) -> Path:
    """Render ``template`` (a docxtpl .docx) to ``path`` (normally 通报（草稿）.docx); ``context``:
    what to fill in, when not the assessment's (a recheck's, render/recheck_notice.py)."""
    import jinja2
    from docxtpl import DocxTemplate
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    template = Path(template)
    if not template.is_file():
        raise NoticeTemplateError(f"找不到通报模板 {template}；可运行程序重新生成默认模板")

    if context is None:
        context = notice_context(period=period, results=results, issued=issued, recheck=recheck)
    ctx = mask_json(context)
    try:
        tpl = DocxTemplate(str(template))
        # autoescape: a station name with & or < must not break the document's XML.
        # Sandboxed: the bureau edits the 通报 template (see form_writer.load_text_templates).
        tpl.render(
            ctx,
            jinja_env=ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=True),
            autoescape=True,
        )
    except jinja2.TemplateError as e:
        raise NoticeTemplateError(
            explain(e, f"通报模板 {template.name}", "请对照默认模板修改，标记 {{ }} 与 {% %} 不要拆开改格式")
        ) from None
    except Exception as e:  # noqa: BLE001 - a damaged .docx: say which file
        raise NoticeTemplateError(
            explain(e, f"通报模板 {template.name}", "请用 Word 或 WPS 打开检查，或重新生成默认模板")
        ) from None
    for table in tpl.docx.tables:
        _fit_columns(table)
    _page_numbers(tpl.docx)
    props = tpl.docx.core_properties
    props.created = props.modified = outfiles.FIXED_TIMESTAMP
    props.title = ctx["title"]
    drop_styles_with_effects(tpl.docx)  # a template written before this fix still has it
    with outfiles.atomic_path(Path(path)) as tmp:
        tpl.save(str(tmp))
        outfiles.fix_zip_timestamps(tmp)  # two runs, one file
    return Path(path)


CELL_PAD_PT = 16.0  # Word's default cell margins (0.19 cm a side) and the font's own side bearings


def _text_pt(text: str, font_pt: float) -> float:
    return max(
        (sum(font_pt if is_wide(ch) else font_pt * 0.6 for ch in line) for line in text.split("\n")), default=0.0
    )


def _fit_columns(table, font_pt: float = 10.5) -> None:
    """Widths from the longest entry of each column, within the table's width: short
    columns (县区, 编号, 等次, dates) get all they need so they never wrap; what is left
    is shared by the long ones (名称, 未达标项目, 备注), a shorter one in full first."""
    from docx.shared import Emu, Pt

    rows = table.rows
    if len(rows) < 2:
        return
    n = len(table.columns)
    total = sum(c.width or 0 for c in table.columns)
    if not total or any(len(r.cells) != n for r in rows):
        return  # merged or hand-made tables keep their own widths
    body = rows[1:]
    # A long header may wrap onto two lines ("县（市、区）"); a two-character one ("序号") must not.
    heads = [rows[0].cells[c].text for c in range(n)]
    need = [
        max([_text_pt(r.cells[c].text, font_pt) for r in body] + [_text_pt(h, font_pt) / (1 if len(h) <= 2 else 2)])
        + CELL_PAD_PT
        for c, h in enumerate(heads)
    ]
    avail = Emu(total).pt
    # An entry of up to 8 characters (县区, 编号, 等次 with 暂定, a date) is one word: its column gets
    # its full width. The long columns share what is left in proportion to their longest entry.
    short = [c for c in range(n) if need[c] <= 8 * font_pt + CELL_PAD_PT]
    long_ = [c for c in range(n) if c not in short]
    fixed = sum(need[c] for c in short)
    if not long_ or fixed + len(long_) * 4 * font_pt > avail:
        widths = [need[c] * avail / sum(need) for c in range(n)]
    else:
        left = avail - fixed
        widths = [need[c] for c in range(n)]
        for k, c in enumerate(sorted(long_, key=lambda c: need[c])):  # max-min fair: a shorter one in full
            widths[c] = min(need[c], left / (len(long_) - k))
            left -= widths[c]
        widths = [w * avail / sum(widths) for w in widths]  # any width to spare, spread by size
    for c, w in enumerate(widths):
        table.columns[c].width = Pt(w)
        for r in rows:
            r.cells[c].width = Pt(w)


def _page_numbers(doc) -> None:
    """第 N 页 共 M 页 at the foot of every page, unless the template's footer says something already."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    for sec in doc.sections:
        footer = sec.footer
        if any(p.text.strip() for p in footer.paragraphs) or footer.tables:
            continue
        para = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for text, field in (("第 ", "PAGE"), (" 页 共 ", "NUMPAGES"), (" 页", None)):
            set_font(para.add_run(text), BODY_FONT, 12)
            if field:
                para._p.append(
                    parse_xml(
                        f'<w:fldSimple {nsdecls("w")} w:instr=" {field} "><w:r><w:rPr>'
                        f'<w:rFonts w:ascii="{BODY_FONT}" w:hAnsi="{BODY_FONT}" w:eastAsia="{BODY_FONT}"/>'
                        '<w:sz w:val="24"/></w:rPr><w:t>1</w:t></w:r></w:fldSimple>'
                    )
                )
