"""The 通报 draft (policy 四(二): 结果分为优秀、合格、不合格三个等次，并予以通报).

The bureau edits 通报 in Word or WPS, so the wording lives in a .docx template
with docxtpl (Jinja) tags that a clerk can edit around; this module only
supplies the facts: counts per grade and county, the 优秀 list, the 不合格 list
with the failed items and the 限期整改 deadline, 建议取消, and a results table.
``build_notice_template`` writes the default template, so it is reproducible
from code; rendering never computes a grade.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from lingong.errors import NoticeTemplateError  # noqa: F401 - also imported from here
from lingong.layout import NOTICE_NAME, TEMPLATES_DIR  # noqa: F401 - NOTICE_NAME is part of this module's interface
from lingong.model.records import Period, StationResult
from lingong.render.wording import date_cn, failed_items_text, months_not_used, rectification_text
from lingong.runtime import outfiles
from lingong.spec.template import GRADES, county_order

TEMPLATE_NAME = "通报模板.docx"
ISSUER = "随州市零工驿站运维考核小组"

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
BODY_FONT = "仿宋_GB2312"
TABLE_FONT = "宋体"


def _check_name(period: Period) -> str:
    return {"half": "半年检查", "year": "年终考评"}.get(period.kind, "考核")


def _failed_items(r: StationResult) -> str:
    """不合格 items with the requirements they missed (the wording every document shares)."""
    return failed_items_text(r)


def _remark(r: StationResult) -> str:
    bits = []
    if r.provisional:
        bits.append("暂定")
    if unused := months_not_used(r):
        bits.append(unused)
    if r.rectification == "限期整改":
        bits.append(f"限期整改至{date_cn(r.deadline)}" if r.deadline else "限期整改")
    elif r.rectification:
        bits.append(r.rectification)
    if r.overall_decision is not None:
        bits.append(f"考核组认定（计算结果{r.computed_overall}）")
    return "；".join(bits)


def notice_context(*, period: Period, results: list[StationResult], issued: date | None) -> dict:
    """Everything the template shows, as plain strings and lists (testable without Word)."""
    m = outfiles.mask_text
    graded = sorted((r for r in results if r.graded), key=lambda r: (county_order(r.station.county), r.station.code))
    not_graded = [r for r in results if not r.graded]
    counts = Counter(r.final_overall for r in graded)
    by_county: dict[str, list[StationResult]] = {}
    for r in graded:
        by_county.setdefault(r.station.county or "未填县区", []).append(r)

    county_rows = []
    for county in sorted(by_county, key=county_order):
        rs = by_county[county]
        c = Counter(r.final_overall for r in rs)
        county_rows.append(
            {
                "county": county,
                "total": len(rs),
                "excellent": c["优秀"],
                "passed": c["合格"],
                "failed": c["不合格"],
                "provisional": sum(r.provisional for r in rs),
            }
        )
    excellent = [
        {"county": county, "names": "、".join(m(r.station.name) for r in rs if r.final_overall == "优秀")}
        for county, rs in sorted(by_county.items(), key=lambda kv: county_order(kv[0]))
        if any(r.final_overall == "优秀" for r in rs)
    ]
    cancel = [r for r in graded if r.rectification == "建议取消"]
    failing = [r for r in graded if r.final_overall == "不合格" and r.rectification != "建议取消" and not r.provisional]
    provisional = [r for r in graded if r.provisional and r.rectification != "建议取消"]

    def station(r: StationResult) -> dict:
        return {
            "code": m(r.station.code),
            "name": m(r.station.name),
            "county": r.station.county,
            "failed": m(_failed_items(r)),
            "deadline": date_cn(r.deadline) if r.deadline else "",
            "rectification": m(rectification_text(r)),
            "grade": r.final_overall,
            "unused": months_not_used(r),
            "case": m(rectification_text(r, with_state=False)),
            # s.failed has brackets of its own: after the case, never inside another pair.
            "cancel_reason": m(
                "，".join(
                    t
                    for t in (
                        rectification_text(r, with_state=False),
                        _failed_items(r) and f"不合格项目为{_failed_items(r)}",
                    )
                    if t
                )
            ),
            "provisional": r.provisional,
        }

    rows = [
        {
            "no": i,
            "county": r.station.county,
            "code": m(r.station.code),
            "name": m(r.station.name),
            "grade": r.final_overall + ("（暂定）" if r.provisional else ""),
            "failed": "、".join(it.name for it in r.items if it.final == "不合格"),
            "remark": m(_remark(r)),
        }
        for i, r in enumerate(graded, 1)
    ]
    return {
        "title": f"关于{period.label}全市零工驿站运维考核结果的通报",
        "period_label": period.label,
        "period_key": period.key,
        "check_name": _check_name(period),
        "total": len(graded),
        "counts": {"excellent": counts["优秀"], "passed": counts["合格"], "failed": counts["不合格"]},
        "grades": list(GRADES),
        "provisional_count": sum(r.provisional for r in graded),
        "not_graded_count": len(not_graded),
        "counties": county_rows,
        "county_total": {
            "total": len(graded),
            "excellent": counts["优秀"],
            "passed": counts["合格"],
            "failed": counts["不合格"],
        },
        "excellent": excellent,
        "failing": [station(r) for r in failing],
        "cancel": [station(r) for r in cancel],
        "provisional": [station(r) for r in provisional],
        "rows": rows,
        "issuer": ISSUER,
        "issued": date_cn(issued) or "　　年　　月　　日",
        "assessed_on": date_cn(next((r.assessed_on for r in results if r.assessed_on), None)),
    }


def write_notice(
    path: Path, *, period: Period, results: list[StationResult], template: Path, issued: date | None = None
) -> Path:
    """Render ``template`` (a docxtpl .docx) to ``path`` (normally 通报（草稿）.docx)."""
    import jinja2
    from docxtpl import DocxTemplate
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from lingong.spec.template_errors import explain

    template = Path(template)
    if not template.is_file():
        raise NoticeTemplateError(f"找不到通报模板 {template}；可运行程序重新生成默认模板")
    from lingong.runtime.privacy import mask_json

    ctx = mask_json(notice_context(period=period, results=results, issued=issued))
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
    _drop_styles_with_effects(tpl.docx)  # a template written before this fix still has it
    with outfiles.atomic_path(Path(path)) as tmp:
        tpl.save(str(tmp))
        outfiles.fix_zip_timestamps(tmp)  # two runs, one file
    return Path(path)


# ---- the default template -----------------------------------------------------------


def _set_font(run, name: str, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), name)


def _para(doc, text: str, *, font=BODY_FONT, size=16, bold=False, align=None, indent=True, space_after=0):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(space_after)
    fmt.line_spacing = Pt(28)  # 公文: 每页 22 行左右
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if align == "center":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif align == "right":
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _set_font(p.add_run(text), font, size, bold)
    return p


def _tag(doc, text: str):
    """A paragraph holding only a docxtpl control tag ({%p ... %}); it disappears when rendered."""
    return _para(doc, text, indent=False)


def _cell(cell, text: str, *, bold=False, size=12, align="center"):
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    p = cell.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER if align == "center" else WD_ALIGN_PARAGRAPH.LEFT
    p.paragraph_format.space_after = Pt(0)
    _set_font(p.add_run(text), TABLE_FONT, size, bold)


def _table(
    doc,
    headers: list[str],
    cells: list[str],
    widths_cm: list[float],
    *,
    loop: str,
    total: list[str] | None = None,
    left: tuple[int, ...] = (),
    size: float = 12,
):
    """A table: header row, the docxtpl ``{%tr for %}`` row, one row of fields, ``{%tr endfor %}``."""
    from docx.oxml import OxmlElement
    from docx.shared import Cm

    t = doc.add_table(rows=0, cols=len(headers))
    t.style = "Table Grid"
    t.autofit = False
    rows = [
        headers,
        [f"{{%tr {loop} %}}"] + [""] * (len(headers) - 1),
        cells,
        ["{%tr endfor %}"] + [""] * (len(headers) - 1),
    ]
    if total:
        rows.append(total)
    for r, values in enumerate(rows):
        row = t.add_row()
        if r == 0:  # repeat the header on every page
            tr_pr = row._tr.get_or_add_trPr()
            # No w:val: the schema allows on/off only, and absent means on.
            tr_pr.append(OxmlElement("w:tblHeader"))
        for c, v in enumerate(values):
            _cell(
                row.cells[c],
                v,
                bold=(r == 0 or (total is not None and r == 4)),
                size=size,
                align="left" if (r == 2 and c in left) else "center",
            )
    # Word reads the cell widths, LibreOffice the grid: set both.
    for c, w in enumerate(widths_cm):
        t.columns[c].width = Cm(w)
    for row in t.rows:
        for c, w in enumerate(widths_cm):
            row.cells[c].width = Cm(w)
    return t


CELL_PAD_PT = 16.0  # Word's default cell margins (0.19 cm a side) and the font's own side bearings


def _text_pt(text: str, font_pt: float) -> float:
    from lingong.render.textfit import _wide

    return max((sum(font_pt if _wide(ch) else font_pt * 0.6 for ch in line) for line in text.split("\n")), default=0.0)


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
            _set_font(para.add_run(text), BODY_FONT, 12)
            if field:
                para._p.append(
                    parse_xml(
                        f'<w:fldSimple {nsdecls("w")} w:instr=" {field} "><w:r><w:rPr>'
                        f'<w:rFonts w:ascii="{BODY_FONT}" w:hAnsi="{BODY_FONT}" w:eastAsia="{BODY_FONT}"/>'
                        '<w:sz w:val="24"/></w:rPr><w:t>1</w:t></w:r></w:fldSimple>'
                    )
                )


def _drop_styles_with_effects(doc) -> None:
    """Remove word/stylesWithEffects.xml, which python-docx's base document carries and
    never updates: once styles.xml has the header, footer and font settings it no longer
    matches, and Word may report the file as unreadable content. The part is optional
    (Word 2010 writes it for itself); styles.xml holds every style."""
    part = doc.part
    for rid, rel in list(part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            del part.rels[rid]  # no XML refers to it by rId: the part goes with its relationship


def build_notice_template(path: Path) -> Path:
    """Write the default 通报模板.docx (docxtpl tags inside) to ``path``."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)  # A4
    sec.top_margin, sec.bottom_margin = Cm(3.7), Cm(3.5)  # GB/T 9704 公文版心
    sec.left_margin, sec.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)

    _para(doc, "（草稿）", font=HEADING_FONT, size=12, indent=False, align="right")
    _para(doc, "{{ title }}", font=TITLE_FONT, size=22, align="center", indent=False, space_after=16)
    _para(doc, "各县、市、区就业局（中心）：", indent=False)
    _para(
        doc,
        "根据《随州市零工驿站运维考核（暂行）办法》（以下简称《办法》），市、县就业部门组成联合考核组，"
        "{% if assessed_on %}于{{ assessed_on }}{% endif %}对全市{{ total }}个零工驿站{{ period_label }}运维情况进行了{{ check_name }}。现将考核结果通报如下：",
    )
    _para(doc, "一、考核结果", font=HEADING_FONT)
    _para(
        doc,
        "本次共考核零工驿站{{ total }}个，其中优秀{{ counts.excellent }}个、合格{{ counts.passed }}个、"
        "不合格{{ counts.failed }}个。{% if provisional_count %}其中{{ provisional_count }}个驿站有报表因错误被退回，"
        "考核结果暂定，待重新报送后确定。{% endif %}{% if not_graded_count %}另有{{ not_graded_count }}个驿站"
        "本期未运营，未参加考核。{% endif %}各县（市、区）情况如下：",
    )
    _table(
        doc,
        ["县（市、区）", "考核驿站数", "优秀", "合格", "不合格"],
        ["{{ c.county }}", "{{ c.total }}", "{{ c.excellent }}", "{{ c.passed }}", "{{ c.failed }}"],
        [4.6, 2.9, 2.6, 2.6, 2.6],
        loop="for c in counties",
        total=[
            "合计",
            "{{ county_total.total }}",
            "{{ county_total.excellent }}",
            "{{ county_total.passed }}",
            "{{ county_total.failed }}",
        ],
    )
    _tag(doc, "{%p if provisional %}")
    _para(doc, "以下驿站有报表被退回或未报送，考核结果暂定，待驿站重新报送、复查后确定：")
    _tag(doc, "{%p for s in provisional %}")
    _para(
        doc,
        "{{ loop.index }}. {{ s.name }}（{{ s.county }}，{{ s.code }}）：暂定{{ s.grade }}；"
        "{% if s.grade == '不合格' %}{{ s.failed }}未达到考核要求{% else %}{{ s.unused }}{% endif %}"
        "{% if s.rectification %}。{{ s.rectification }}{% endif %}。",
    )
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{%p endif %}")
    _para(doc, "二、优秀零工驿站", font=HEADING_FONT)
    _tag(doc, "{%p if excellent %}")
    _tag(doc, "{%p for e in excellent %}")
    _para(doc, "{{ e.county }}：{{ e.names }}。")
    _tag(doc, "{%p endfor %}")
    _para(doc, "希望以上驿站再接再厉，充分发挥示范带动作用。")
    _tag(doc, "{%p else %}")
    _para(doc, "本期无考核等次为优秀的零工驿站。")
    _tag(doc, "{%p endif %}")
    _para(doc, "三、不合格零工驿站及整改要求", font=HEADING_FONT)
    _tag(doc, "{%p if failing %}")
    _tag(doc, "{%p for s in failing %}")
    _para(
        doc,
        "{{ loop.index }}. {{ s.name }}（{{ s.county }}，{{ s.code }}）{% if s.provisional %}（结果暂定）{% endif %}："
        "{{ s.failed }}未达到考核要求{% if s.rectification %}。{{ s.rectification }}。"
        "{% else %}，限期于{{ s.deadline or '规定期限' }}前完成整改。{% endif %}",
    )
    _tag(doc, "{%p endfor %}")
    _para(
        doc,
        "根据《办法》“对不合格的要求限期整改，整改后仍不合格的取消”的规定，请以上驿站对照考核验收表逐项整改，"
        "整改情况报所在县（市、区）就业部门，由其组织复核；整改后仍不合格的，予以取消。",
    )
    _tag(doc, "{%p elif not provisional %}")
    _para(doc, "本期无考核等次为不合格的零工驿站。")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p if cancel %}")
    _para(doc, "四、建议取消的零工驿站", font=HEADING_FONT)
    _tag(doc, "{%p for s in cancel %}")
    _para(
        doc,
        "{{ loop.index }}. {{ s.name }}（{{ s.county }}，{{ s.code }}）：{% if s.cancel_reason %}{{ s.cancel_reason }}，"
        "{% endif %}建议取消其零工驿站资格。",
    )
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{%p endif %}")
    _para(doc, "{% if cancel %}五{% else %}四{% endif %}、工作要求", font=HEADING_FONT)
    _para(
        doc,
        "各县（市、区）就业部门要加强对辖区零工驿站的日常指导和督促，按月收集、审核驿站报表，"
        "督促不合格驿站按期完成整改；各零工驿站要对照考核指标查漏补缺，及时、准确报送统计报表，"
        "不断提升零工就业服务质量。",
    )
    _para(doc, "附件：{{ period_label }}零工驿站运维考核结果一览表")
    _para(doc, "", indent=False)
    _para(doc, "{{ issuer }}", align="right", indent=False)
    _para(doc, "{{ issued }}", align="right", indent=False)

    doc.add_page_break()
    _para(doc, "附件", font=HEADING_FONT, indent=False)
    _para(
        doc,
        "{{ period_label }}零工驿站运维考核结果一览表",
        font=TITLE_FONT,
        size=18,
        align="center",
        indent=False,
        space_after=8,
    )
    _table(
        doc,
        ["序号", "县（市、区）", "驿站编号", "驿站名称", "综合等次", "未达标项目", "备注"],
        [
            "{{ r.no }}",
            "{{ r.county }}",
            "{{ r.code }}",
            "{{ r.name }}",
            "{{ r.grade }}",
            "{{ r.failed }}",
            "{{ r.remark }}",
        ],
        [1.2, 2.0, 1.9, 3.4, 1.7, 2.8, 2.6],
        loop="for r in rows",
        left=(3, 5, 6),
        size=10.5,
    )
    props = doc.core_properties
    props.created = props.modified = outfiles.FIXED_TIMESTAMP
    props.author = "零工驿站考核工具"
    props.title = "零工驿站运维考核结果通报模板"
    _drop_styles_with_effects(doc)
    with outfiles.atomic_path(Path(path)) as tmp:
        doc.save(str(tmp))
    return Path(path)


if __name__ == "__main__":  # python -m lingong.render.notice: regenerate templates/通报模板.docx
    out = build_notice_template(TEMPLATES_DIR / TEMPLATE_NAME)
    print(f"已生成 {out}")
