"""The 通报 of a recheck (整改复查): only the stations it decided, each with the earlier result
beside the recheck's and what the recheck decided (整改结束 / 仍限期整改 / 建议取消), a
withdrawn proposal to cancel said as such.

Its default template 复查通报模板.docx is written from code, as the assessment's 通报 is
(``python -m lingong.render.recheck_notice`` regenerates it); the bureau may edit it.
"""

from __future__ import annotations

from pathlib import Path

from lingong.grade.city import failed_facts
from lingong.layout import TEMPLATES_DIR
from lingong.model.records import Earlier, StationResult
from lingong.render.notice_style import HEADING_FONT, ISSUER, drop_styles_with_effects
from lingong.render.notice_template import add_table_of, new_notice, paragraph, tag_paragraph
from lingong.render.wording import date_cn, earlier_text, recheck_decision, rectification_text
from lingong.report_template import county_order
from lingong.runtime import outfiles, privacy
from lingong.words import CANCEL, ENDED, ON_NOTICE

RECHECK_TEMPLATE_NAME = "复查通报模板.docx"


def recheck_context(*, period, results: list[StationResult], assessed_on, issued=None) -> dict:
    """Everything the recheck's 通报 shows, as plain strings and lists (testable without Word)."""
    m = privacy.mask
    rows = sorted(results, key=lambda r: (county_order(r.station.county), r.station.code))
    earlier_on = next((r.earlier.assessed_on for r in rows if r.earlier and r.earlier.kind == "考核"), None)

    def station(r: StationResult) -> dict:
        e: Earlier | None = r.earlier
        return {
            "code": m(r.station.code),
            "name": m(r.station.name),
            "county": r.station.county,
            "before": m(earlier_text(e)) if e else "",
            "grade": r.final_overall,
            "decision": recheck_decision(r),
            "failed": m(failed_facts(r).text),
            "text": m(rectification_text(r, with_state=False)),
            "withdrawn": bool(r.case and r.case.withdrawn),
        }

    entries = [station(r) for r in rows]
    return {
        "title": f"关于{period.label}零工驿站整改复查结果的通报",
        "period_label": period.label,
        "period_key": period.key,
        "check_name": "整改复查",
        "assessed_on": date_cn(assessed_on),
        "earlier_on": date_cn(earlier_on),
        "total": len(rows),
        "ended": [s for s, r in zip(entries, rows) if r.rectification == ENDED],
        "cancel": [s for s, r in zip(entries, rows) if r.rectification == CANCEL],
        "open": [s for s, r in zip(entries, rows) if r.rectification == ON_NOTICE],
        "rows": [dict(s, no=i) for i, s in enumerate(entries, 1)],
        "issuer": ISSUER,
        "issued": date_cn(issued) or "　　年　　月　　日",
    }


def template_path(templates_dir: Path) -> Path:
    """The bureau's recheck template, else the bundled default."""
    own = Path(templates_dir) / RECHECK_TEMPLATE_NAME
    return own if own.is_file() else TEMPLATES_DIR / RECHECK_TEMPLATE_NAME


def build_recheck_template(path: Path) -> Path:
    """Write the default 复查通报模板.docx (docxtpl tags inside) to ``path``."""

    doc = new_notice()
    paragraph(
        doc,
        "根据《随州市零工驿站运维考核（暂行）办法》“对不合格的要求限期整改，整改后仍不合格的取消”的规定，"
        "联合考核组于{{ assessed_on }}对{{ period_label }}考核{% if earlier_on %}（{{ earlier_on }}）{% endif %}"
        "中限期整改的{{ total }}个零工驿站进行了{{ check_name }}。现将复查结果通报如下：",
    )
    paragraph(doc, "一、复查结果", font=HEADING_FONT)
    paragraph(
        doc,
        "本次复查零工驿站{{ total }}个，其中整改结束{{ ended | length }}个、仍在整改期限内{{ open | length }}个、"
        "建议取消{{ cancel | length }}个。各驿站原考核结果和复查结果如下：",
    )
    add_table_of(
        doc,
        ["序号", "驿站", "原考核结果", "复查结果", "复查结论"],
        [
            "{{ r.no }}",
            "{{ r.name }}（{{ r.county }}，{{ r.code }}）",
            "{{ r.before }}",
            "{{ r.grade }}",
            "{{ r.decision }}",
        ],
        [1.4, 4.4, 4.8, 2.2, 3.2],
        loop="for r in rows",
        left=(1, 2, 4),
        size=10.5,
    )
    paragraph(doc, "二、整改结束的零工驿站", font=HEADING_FONT)
    tag_paragraph(doc, "{%p if ended %}")
    tag_paragraph(doc, "{%p for s in ended %}")
    paragraph(doc, "{{ loop.index }}. {{ s.name }}（{{ s.county }}，{{ s.code }}）：{{ s.text }}。")
    tag_paragraph(doc, "{%p endfor %}")
    tag_paragraph(doc, "{%p else %}")
    paragraph(doc, "本次复查无整改结束的零工驿站。")
    tag_paragraph(doc, "{%p endif %}")
    tag_paragraph(doc, "{%p if open %}")
    paragraph(doc, "三、仍在整改期限内的零工驿站", font=HEADING_FONT)
    tag_paragraph(doc, "{%p for s in open %}")
    paragraph(doc, "{{ loop.index }}. {{ s.name }}（{{ s.county }}，{{ s.code }}）：{{ s.failed }}。{{ s.text }}。")
    tag_paragraph(doc, "{%p endfor %}")
    tag_paragraph(doc, "{%p endif %}")
    tag_paragraph(doc, "{%p if cancel %}")
    paragraph(doc, "{% if open %}四{% else %}三{% endif %}、建议取消的零工驿站", font=HEADING_FONT)
    tag_paragraph(doc, "{%p for s in cancel %}")
    paragraph(
        doc,
        "{{ loop.index }}. {{ s.name }}（{{ s.county }}，{{ s.code }}）：{{ s.text }}；{{ s.failed }}，建议取消其零工驿站资格。",
    )
    tag_paragraph(doc, "{%p endfor %}")
    tag_paragraph(doc, "{%p endif %}")
    paragraph(doc, "", indent=False)
    paragraph(doc, "{{ issuer }}", align="right", indent=False)
    paragraph(doc, "{{ issued }}", align="right", indent=False)
    props = doc.core_properties
    props.created = props.modified = outfiles.FIXED_TIMESTAMP
    props.author = "零工驿站考核工具"
    props.title = "零工驿站整改复查结果通报模板"
    drop_styles_with_effects(doc)
    with outfiles.atomic_path(Path(path)) as tmp:
        doc.save(str(tmp))
        outfiles.fix_zip_timestamps(tmp)
    return Path(path)


if __name__ == "__main__":  # python -m lingong.render.recheck_notice: regenerate templates/复查通报模板.docx
    print(f"已生成 {build_recheck_template(TEMPLATES_DIR / RECHECK_TEMPLATE_NAME)}")
