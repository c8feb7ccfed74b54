"""The default 通报模板.docx, written from code so that it is reproducible: the bureau's
wording around docxtpl tags that render/notice.py fills (python -m lingong.render.notice_template
regenerates templates/通报模板.docx)."""

from __future__ import annotations

from pathlib import Path

from lingong.layout import TEMPLATES_DIR
from lingong.render.notice_style import (
    BODY_FONT,
    HEADING_FONT,
    TABLE_FONT,
    TEMPLATE_NAME,
    TITLE_FONT,
    drop_styles_with_effects,
    set_font,
)
from lingong.report_template import COUNTY_GROUP
from lingong.runtime import outfiles
from lingong.words import GRADES


def paragraph(doc, text: str, *, font=BODY_FONT, size=16, bold=False, align=None, indent=True, space_after=0):
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
    set_font(p.add_run(text), font, size, bold)
    return p


def tag_paragraph(doc, text: str):
    """A paragraph holding only a docxtpl control tag ({%p ... %}); it disappears when rendered."""
    return paragraph(doc, text, indent=False)


def _cell(cell, text: str, *, bold=False, size=12, align="center"):
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    p = cell.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER if align == "center" else WD_ALIGN_PARAGRAPH.LEFT
    # A little air above and below: at single spacing the glyphs touched the cell borders.
    p.paragraph_format.space_before = Pt(2)
    p.paragraph_format.space_after = Pt(2)
    set_font(p.add_run(text), TABLE_FONT, size, bold)


def add_table_of(
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


def _withdrawn_block(doc) -> None:
    """Stations whose proposed cancellation this assessment withdrew (they passed): said, with why."""
    tag_paragraph(doc, "{%p if withdrawn %}")
    paragraph(doc, "以下驿站此前被建议取消，本次考核合格，撤回取消建议：")
    tag_paragraph(doc, "{%p for s in withdrawn %}")
    paragraph(doc, "{{ loop.index }}. {{ s.name }}（{{ s.county }}，{{ s.code }}）：{{ s.why }}。")
    tag_paragraph(doc, "{%p endfor %}")
    tag_paragraph(doc, "{%p endif %}")


def new_notice():
    """A 通报's A4 公文 page (GB/T 9704 版心), its body style and its opening lines: 草稿, the
    title (a docxtpl tag) and the addressees. The assessment's and the recheck's 通报 both start so."""
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

    paragraph(doc, "（草稿）", font=HEADING_FONT, size=12, indent=False, align="right")
    paragraph(doc, "{{ title }}", font=TITLE_FONT, size=22, align="center", indent=False, space_after=16)
    paragraph(doc, "各县、市、区就业局（中心）：", indent=False)
    return doc


def build_notice_template(path: Path) -> Path:
    """Write the default 通报模板.docx (docxtpl tags inside) to ``path``."""
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Cm

    doc = new_notice()
    paragraph(
        doc,
        "根据《随州市零工驿站运维考核（暂行）办法》（以下简称《办法》），市、县就业部门组成联合考核组，"
        "{% if assessed_on %}于{{ assessed_on }}{% endif %}对全市{{ total }}个零工驿站{{ period_label }}运维情况进行了{{ check_name }}。现将考核结果通报如下：",
    )
    paragraph(doc, "一、考核结果", font=HEADING_FONT)
    paragraph(
        doc,
        "本次共考核零工驿站{{ total }}个，其中优秀{{ counts.excellent }}个、合格{{ counts.passed }}个、"
        "不合格{{ counts.failed }}个。{% if not_graded_count %}另有{{ not_graded_count }}个驿站"
        "本期未运营，未参加考核。{% endif %}各县（市、区）情况如下：",
    )
    add_table_of(
        doc,
        [COUNTY_GROUP, "考核驿站数", *GRADES],
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
    tag_paragraph(doc, "{%p if provisional %}")
    paragraph(
        doc,
        "以下{{ provisional | length }}个驿站有报表因错误被退回，考核结果暂定，"
        "待驿站按退回副本修改并重新报送、复查后确定：",
    )
    tag_paragraph(doc, "{%p for s in provisional %}")
    paragraph(
        doc,
        "{{ loop.index }}. {{ s.name }}（{{ s.county }}，{{ s.code }}）：暂定{{ s.grade }}；{{ s.returned }}"
        "{% if s.grade == '不合格' %}，不合格项目见下文{% endif %}。",
    )
    tag_paragraph(doc, "{%p endfor %}")
    tag_paragraph(doc, "{%p endif %}")
    paragraph(doc, "二、优秀零工驿站", font=HEADING_FONT)
    tag_paragraph(doc, "{%p if excellent %}")
    tag_paragraph(doc, "{%p for e in excellent %}")
    paragraph(doc, "{{ e.county }}：{{ e.names }}。")
    tag_paragraph(doc, "{%p endfor %}")
    paragraph(doc, "希望以上驿站再接再厉，充分发挥示范带动作用。")
    tag_paragraph(doc, "{%p else %}")
    paragraph(doc, "本期无考核等次为优秀的零工驿站。")
    tag_paragraph(doc, "{%p endif %}")
    paragraph(doc, "三、不合格零工驿站及整改要求", font=HEADING_FONT)
    tag_paragraph(doc, "{%p if failing %}")
    # The stations by their rectification: each group's sentence (deadline, what decides it, or
    # that it ended) said once after its stations, not once a station.
    tag_paragraph(doc, "{%p for g in failing_groups %}")
    tag_paragraph(doc, "{%p for s in g.stations %}")
    paragraph(
        doc,
        "{{ s.no }}. {{ s.name }}（{{ s.county }}，{{ s.code }}）{% if s.provisional %}（结果暂定）{% endif %}："
        "{% if s.unused %}{{ s.unused }}；{% endif %}不合格项目为{{ s.failed_items }}。"
        "{% if s.how %}整改与复查：{{ s.how }}。{% endif %}",
    )
    tag_paragraph(doc, "{%p endfor %}")
    tag_paragraph(doc, "{%p if g.text %}")
    paragraph(doc, "{{ g.text }}。")
    tag_paragraph(doc, "{%p endif %}")
    tag_paragraph(doc, "{%p endfor %}")
    # Asked only of stations still under rectification: one whose rectification ended is not told to rectify.
    tag_paragraph(doc, "{%p if on_notice %}")
    paragraph(
        doc,
        "根据《办法》“对不合格的要求限期整改，整改后仍不合格的取消”的规定，请限期整改的驿站对照考核验收表逐项整改，"
        "整改情况报所在县（市、区）就业部门，由其组织复核；整改后仍不合格的，予以取消。",
    )
    tag_paragraph(doc, "{%p endif %}")
    # Under its heading this part always says something true: stations listed below (建议取消) are
    # named as the exception, never left to a bare heading or a false "无".
    tag_paragraph(doc, "{%p elif cancel %}")
    paragraph(doc, "除下文建议取消的驿站外，本期无其他考核等次为不合格的零工驿站。")
    tag_paragraph(doc, "{%p else %}")
    paragraph(doc, "本期无考核等次为不合格的零工驿站。")
    tag_paragraph(doc, "{%p endif %}")
    tag_paragraph(doc, "{%p if cancel %}")
    paragraph(doc, "四、建议取消的零工驿站", font=HEADING_FONT)
    tag_paragraph(doc, "{%p for s in cancel %}")
    paragraph(
        doc,
        "{{ loop.index }}. {{ s.name }}（{{ s.county }}，{{ s.code }}）{% if s.provisional %}（结果暂定）{% endif %}："
        "{% if s.cancel_reason %}{{ s.cancel_reason }}，"
        "{% endif %}建议取消其零工驿站资格。",
    )
    tag_paragraph(doc, "{%p endfor %}")
    tag_paragraph(doc, "{%p endif %}")
    _withdrawn_block(doc)
    paragraph(doc, "{% if cancel %}五{% else %}四{% endif %}、工作要求", font=HEADING_FONT)
    paragraph(
        doc,
        "各县（市、区）就业部门要加强对辖区零工驿站的日常指导和督促，按月收集、审核驿站报表，"
        "督促不合格驿站按期完成整改；各零工驿站要对照考核指标查漏补缺，及时、准确报送统计报表，"
        "不断提升零工就业服务质量。",
    )
    paragraph(doc, "附件：{{ period_label }}零工驿站运维考核结果一览表")
    paragraph(doc, "", indent=False)
    paragraph(doc, "{{ issuer }}", align="right", indent=False)
    paragraph(doc, "{{ issued }}", align="right", indent=False)

    # The attachment's table has seven columns, four of which must not wrap (县区, 编号, 等次 with
    # 暂定): on a portrait page the names, items and remarks were left five characters a line.
    # A landscape section of its own gives them room, as 公文 attachments with wide tables do.
    att = doc.add_section(WD_SECTION.NEW_PAGE)
    att.orientation = WD_ORIENT.LANDSCAPE
    att.page_width, att.page_height = Cm(29.7), Cm(21.0)
    att.top_margin, att.bottom_margin = Cm(2.8), Cm(2.6)
    att.left_margin, att.right_margin = Cm(2.5), Cm(2.5)
    paragraph(doc, "附件", font=HEADING_FONT, indent=False)
    paragraph(
        doc,
        "{{ period_label }}零工驿站运维考核结果一览表",
        font=TITLE_FONT,
        size=18,
        align="center",
        indent=False,
        space_after=8,
    )
    add_table_of(
        doc,
        ["序号", COUNTY_GROUP, "驿站编号", "驿站名称", "综合等次", "未达标项目", "备注"],
        [
            "{{ r.no }}",
            "{{ r.county }}",
            "{{ r.code }}",
            "{{ r.name }}",
            "{{ r.grade }}",
            "{{ r.failed }}",
            "{{ r.remark }}",
        ],
        [1.4, 3.2, 2.4, 5.2, 2.9, 5.2, 4.4],  # the landscape text width, 24.7 cm
        loop="for r in rows",
        left=(3, 5, 6),
        size=10.5,
    )
    props = doc.core_properties
    props.created = props.modified = outfiles.FIXED_TIMESTAMP
    props.author = "零工驿站考核工具"
    props.title = "零工驿站运维考核结果通报模板"
    drop_styles_with_effects(doc)
    with outfiles.atomic_path(Path(path)) as tmp:
        doc.save(str(tmp))
    return Path(path)


if __name__ == "__main__":  # python -m lingong.render.notice_template: regenerate templates/通报模板.docx
    out = build_notice_template(TEMPLATES_DIR / TEMPLATE_NAME)
    print(f"已生成 {out}")
