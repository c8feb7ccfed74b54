"""The look of a 通报 (a .docx of python-docx): the fonts of an official document, the issuer,
and the two helpers every notice and its template use (a run's font, a clean styles part)."""

from __future__ import annotations

from lingong.runtime import outfiles

ISSUER = "随州市零工驿站运维考核小组"


TEMPLATE_NAME = "通报模板.docx"


TITLE_FONT = "方正小标宋简体"


HEADING_FONT = "黑体"


BODY_FONT = "仿宋_GB2312"


TABLE_FONT = outfiles.FONT


def set_font(run, name: str, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), name)


def drop_styles_with_effects(doc) -> None:
    """Remove word/stylesWithEffects.xml, which python-docx's base document carries and
    never updates: once styles.xml has the header, footer and font settings it no longer
    matches, and Word may report the file as unreadable content. The part is optional
    (Word 2010 writes it for itself); styles.xml holds every style."""
    part = doc.part
    for rid, rel in list(part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            del part.rels[rid]  # no XML refers to it by rId: the part goes with its relationship
