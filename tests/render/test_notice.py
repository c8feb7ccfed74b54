"""The 通报 draft: counts per grade and county, the 优秀 and 不合格 lists with
failed items and deadline, 建议取消, a results table; it opens in LibreOffice."""

from __future__ import annotations

import dataclasses
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Emu

from lingong import errors, layout
from lingong.model.periods import make_period
from lingong.render import notice, notice_style, notice_template
from support import golden
from support import results_factory as rf
from support.paths import GOLDEN
from support.render_tools import convert

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / notice_style.TEMPLATE_NAME
H1 = make_period("half", 2023, 1)


def scenario():
    """The factory's five stations, one of them 不合格 again after rectification (建议取消),
    one not operating in the period, and a name with XML-breaking characters."""
    res = rf.all_results()
    res[3] = dataclasses.replace(res[3], final_overall="不合格", rectification="建议取消", deadline=None)
    res.append(
        dataclasses.replace(
            rf.excellent(),
            graded=False,
            station=dataclasses.replace(rf.excellent().station, code="DHS-9", county="大洪山风景名胜区"),
        )
    )
    res[0] = dataclasses.replace(res[0], station=dataclasses.replace(res[0].station, name="东城<街道>&零工驿站"))
    return res


def doc_text(path: Path) -> tuple[str, list[list[list[str]]]]:
    d = Document(str(path))
    return "\n".join(p.text for p in d.paragraphs), [[[c.text for c in r.cells] for r in t.rows] for t in d.tables]


def test_default_template_is_reproducible(tmp_path):
    a = notice_template.build_notice_template(tmp_path / "a.docx")
    text, tables = doc_text(a)
    assert "{{ title }}" in text and "{%p for g in failing_groups %}" in text
    assert TEMPLATE.is_file(), "run: python -m lingong.render.notice_template"
    assert doc_text(TEMPLATE) == (text, tables), (
        "templates/通报模板.docx is stale: run python -m lingong.render.notice_template"
    )


def test_notice_has_counts_lists_deadline_and_table(tmp_path):
    out = notice.write_notice(
        tmp_path / layout.NOTICE_NAME, period=H1, results=scenario(), template=TEMPLATE, issued=date(2023, 7, 10)
    )
    text, tables = doc_text(out)
    assert "关于2023年上半年全市零工驿站运维考核结果的通报" in text
    assert "半年检查" in text
    assert "本次共考核零工驿站5个，其中优秀2个、合格1个、不合格2个" in text
    assert "另有1个驿站本期未运营" in text and "有报表因错误被退回" in text
    # "各县（市、区）情况如下：" is followed by the counties' table, not by another list.
    assert "未参加考核。各县（市、区）情况如下：\n以下1个驿站有报表因错误被退回" in text
    assert "{{" not in text and "{%" not in text
    # per county, in the order of the counties, with a total
    counts = tables[0]
    assert counts[0] == ["县（市、区）", "考核驿站数", "优秀", "合格", "不合格"]
    assert counts[1:] == [
        ["曾都区", "2", "2", "0", "0"],
        ["随县", "1", "0", "0", "1"],
        ["广水市", "1", "0", "1", "0"],
        ["随州高新区", "1", "0", "0", "1"],
        ["合计", "5", "2", "1", "2"],
    ]
    # 优秀 list (escaped name intact), 不合格 with failed items and the deadline, 建议取消
    assert '曾都区：东城<街道>&零工驿站、=HYPERLINK("x")/../东城。' in text
    # SX-003's result is 暂定: part 一 says so and why (the report sent back; a 缺报 month makes nothing 暂定) ...
    provisional = next(line for line in text.splitlines() if line.startswith("1. 随县厉山镇零工驿站"))
    assert provisional == "1. 随县厉山镇零工驿站（随县，SX-003）：暂定不合格；4月报表被退回，未采用，不合格项目见下文。"
    assert text.index("考核结果暂定，待驿站按退回副本修改并重新报送、复查后确定") < text.index("二、优秀零工驿站")
    assert "被退回或未报送" not in text
    # ... and part 三 lists it with the other 不合格 stations, its rectification said once for the group.
    part3 = text[text.index("三、不合格零工驿站及整改要求") : text.index("四、建议取消的零工驿站")]
    failing = next(line for line in part3.splitlines() if line.startswith("1. "))
    assert failing.startswith(
        "1. 随县厉山镇零工驿站（随县，SX-003）（结果暂定）：3月、5月未报送（缺报），4月报表被退回"
    )
    assert "人岗匹配33人，未达到指标50人" in failing and "被核实投诉4次，超过上限3次" in failing
    assert (
        "以上驿站限期整改：2023年上半年考核（2023年7月5日）不合格，整改期限2023年8月4日；由2023年上半年复查"
    ) in part3
    assert "请限期整改的驿站对照考核验收表逐项整改" in part3
    assert "本期无考核等次为不合格的零工驿站" not in text
    assert "四、建议取消的零工驿站" in text and "高新区淅河镇零工驿站（随州高新区，GX-004）" in text
    assert "建议取消其零工驿站资格" in text and "五、工作要求" in text
    assert "随州市零工驿站运维考核小组\n2023年7月10日\n" in text
    # results table: one row a graded station
    rows = tables[1]
    assert rows[0] == ["序号", "县（市、区）", "驿站编号", "驿站名称", "综合等次", "未达标项目", "备注"]
    assert [r[2] for r in rows[1:]] == ["ZD-001", "ZD-005", "SX-003", "GS-002", "GX-004"]
    sx = rows[3]
    assert sx[4] == "不合格（暂定）" and "供求服务" in sx[5] and "限期整改至2023年8月4日" in sx[6]
    assert "考核组认定（计算结果" in rows[4][6]


def test_the_notice_matches_its_golden_text(tmp_path):
    """The whole 通报 as a reader sees it: a change of what it says fails here until the golden
    file is regenerated (tests/golden/README.md)."""
    out = notice.write_notice(
        tmp_path / layout.NOTICE_NAME, period=H1, results=scenario(), template=TEMPLATE, issued=date(2023, 7, 10)
    )
    golden.check_text(golden.docx_text(out), GOLDEN / "notice.txt")


def test_without_failures_or_excellence_the_sections_say_so(tmp_path):
    only = [rf.passing_with_decision()]
    out = notice.write_notice(tmp_path / "n.docx", period=H1, results=only, template=TEMPLATE, issued=None)
    text, _ = doc_text(out)
    assert "本期无考核等次为优秀的零工驿站" in text and "本期无考核等次为不合格的零工驿站" in text
    assert "建议取消" not in text and "四、工作要求" in text
    assert "年　　月　　日" in text


def test_when_every_failing_station_is_proposed_for_cancellation_part_three_says_so(tmp_path):
    cancelled = dataclasses.replace(rf.failing(), rectification="建议取消", deadline=None, provisional=False)
    out = notice.write_notice(
        tmp_path / "n.docx", period=H1, results=[rf.excellent(), cancelled], template=TEMPLATE, issued=None
    )
    text, _ = doc_text(out)
    part3 = text[text.index("三、不合格零工驿站及整改要求") : text.index("四、建议取消的零工驿站")]
    assert part3.strip().endswith("除下文建议取消的驿站外，本期无其他考核等次为不合格的零工驿站。")
    assert "本期无考核等次为不合格的零工驿站" not in text  # that would deny the station listed under 四
    # months not used are said as such, never as a 不合格项目
    assert "；3月、5月未报送（缺报），4月报表被退回，未采用；不合格项目为驿站运维、线上平台、供求服务（" in text
    assert "不合格项目为3月" not in text


def test_year_title_and_check_name():
    ctx = notice.notice_context(period=make_period("year", 2023), results=[], issued=None)
    assert ctx["title"] == "关于2023年度全市零工驿站运维考核结果的通报" and ctx["check_name"] == "年终考评"
    again = notice.notice_context(period=H1, results=[], issued=None, recheck=True)
    assert again["check_name"] == "整改复查"  # the recheck's notice does not call itself the half-year check


def test_a_broken_template_names_itself(tmp_path):
    bad = tmp_path / "通报模板.docx"
    shutil.copy(TEMPLATE, bad)
    from docx import Document as D

    d = D(str(bad))
    d.add_paragraph("{{ totl }}")
    d.save(str(bad))
    with pytest.raises(errors.NoticeTemplateError, match="通报模板.docx.*不存在的变量"):
        notice.write_notice(tmp_path / "n.docx", period=H1, results=scenario(), template=bad)
    assert not (tmp_path / "n.docx").exists()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_notice_converts_to_pdf_with_libreoffice(tmp_path):
    out = notice.write_notice(
        tmp_path / layout.NOTICE_NAME, period=H1, results=scenario(), template=TEMPLATE, issued=date(2023, 7, 10)
    )
    convert([out], tmp_path, timeout=180)
    pdf = out.with_suffix(".pdf")
    assert pdf.is_file()
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
    assert data.startswith(b"%PDF") and pages >= 3  # two of text, one of the results table


@pytest.mark.timeout(120)
def test_the_notice_and_its_template_pass_openxml_audit(tmp_path):
    """Independent schema and Office-repair checks (openxml-audit): the header row's
    w:tblHeader had w:val="true" (allowed: on/off), and python-docx's stale
    stylesWithEffects.xml disagreed with styles.xml, which Word may call unreadable."""
    import zipfile

    from openxml_audit import OpenXmlValidator, ValidationSeverity

    out = notice.write_notice(
        tmp_path / layout.NOTICE_NAME, period=H1, results=scenario(), template=TEMPLATE, issued=date(2023, 7, 10)
    )
    for path in (TEMPLATE, out):
        result = OpenXmlValidator().validate(str(path))
        errors = [f"{e.part_uri} {e.path}: {e.description}" for e in result.errors]
        assert not [e for e, x in zip(errors, result.errors) if x.severity == ValidationSeverity.ERROR], errors
        assert "word/stylesWithEffects.xml" not in zipfile.ZipFile(path).namelist()
    assert b"w:tblHeader/>" in zipfile.ZipFile(out).read("word/document.xml")


def _nested_bracket(text: str) -> str:
    depth = 0
    for n, ch in enumerate(text):
        if ch == "（":
            depth += 1
            if depth == 2:
                return text[max(0, n - 20) : n + 20]
        elif ch == "）":
            depth = max(0, depth - 1)
    return ""


def test_no_generated_sentence_nests_full_width_brackets(tmp_path):
    assert _nested_bracket("（服务效能（宣传推广少于 3 次））")  # the check catches what it is for
    res = scenario()
    out = notice.write_notice(
        tmp_path / layout.NOTICE_NAME, period=H1, results=res, template=TEMPLATE, issued=date(2023, 7, 10)
    )
    text, tables = doc_text(out)
    assert "不合格项目为" in text  # the 建议取消 station's failed items are there, outside brackets
    for line in text.splitlines() + [c for t in tables for r in t for c in r]:
        assert not _nested_bracket(line), line
        assert "：，" not in line and "，，" not in line, line


def test_attachment_table_columns_fit_their_longest_short_entry(tmp_path):
    """县区, 驿站编号 and 综合等次 never wrap ("随州高新/区", "GS-/001", "不合格（暂/定）" did):
    each column is as wide as its longest entry needs; the long ones share the rest."""
    res = scenario()
    res[2] = dataclasses.replace(res[2], provisional=True)
    out = notice.write_notice(
        tmp_path / layout.NOTICE_NAME, period=H1, results=res, template=TEMPLATE, issued=date(2023, 7, 10)
    )
    doc = Document(str(out))
    table = doc.tables[-1]
    heads = [c.text for c in table.rows[0].cells]
    assert heads[:5] == ["序号", "县（市、区）", "驿站编号", "驿站名称", "综合等次"]
    widths = [c.width.pt for c in table.columns]
    # The attachment is a landscape section of its own: the table spans its text width.
    last = doc.sections[-1]
    assert last.page_width > last.page_height and doc.sections[0].page_width < doc.sections[0].page_height
    assert abs(sum(widths) - Emu(last.page_width - last.left_margin - last.right_margin).pt) < 1
    # ... so a station's name, its failed items and the remark get a line of 9 characters or more
    for c in (3, 5, 6):
        assert widths[c] >= notice._text_pt("白云湖社区零工驿站", 10.5) + notice.CELL_PAD_PT, (heads[c], widths)
    entries = {c: [r.cells[c].text for r in table.rows[1:]] for c in (0, 1, 2, 4)}
    assert "随州高新区" in entries[1] and any("（暂定）" in e for e in entries[4])
    for c, texts in entries.items():
        for text in texts:
            assert notice._text_pt(text, 10.5) + notice.CELL_PAD_PT <= widths[c] + 0.01, (heads[c], text, widths)


def _on_notice(r, origin="2023H1"):
    from lingong.model.records import RectificationCase

    case = RectificationCase(origin, date(2023, 7, 10), date(2023, 8, 9), "限期整改")
    return dataclasses.replace(r, rectification="限期整改", deadline=case.deadline, case=case, provisional=False)


def test_a_group_of_stations_under_rectification_is_told_once(tmp_path):
    names = [f"第{i}零工驿站" for i in range(1, 6)]
    res = [
        _on_notice(
            dataclasses.replace(
                rf.failing(), station=dataclasses.replace(rf.failing().station, code=f"SX-0{i}", name=n)
            )
        )
        for i, n in enumerate(names, 1)
    ]
    text, _ = doc_text(notice.write_notice(tmp_path / "n.docx", period=H1, results=res, template=TEMPLATE))
    part3 = text[text.index("三、不合格零工驿站及整改要求") : text.index("四、工作要求")]
    assert part3.count("整改期限2023年8月9日") == 1 and part3.count("由2023年上半年复查或") == 1
    assert all(f"{n}（随县，SX-0{i}）" in part3 for i, n in enumerate(names, 1))


def test_stations_whose_rectification_ended_are_not_asked_to_rectify(tmp_path):
    from lingong.model.records import RectificationCase

    ended = RectificationCase(
        "2023H1", date(2023, 7, 10), date(2023, 8, 9), "整改结束", "2023H2", False, date(2024, 1, 12)
    )
    r = dataclasses.replace(
        rf.failing(), period=make_period("year", 2023), rectification="整改结束", case=ended, provisional=False
    )
    text, _ = doc_text(notice.write_notice(tmp_path / "n.docx", period=r.period, results=[r], template=TEMPLATE))
    part3 = text[text.index("三、不合格零工驿站及整改要求") : text.index("四、工作要求")]
    assert "整改结束" in part3 and "逐项整改" not in part3 and "予以取消" not in part3


def test_a_failure_by_decision_reads_as_the_groups_decision(tmp_path):
    from lingong.model.records import Decision

    d = Decision("ZD-001", "2023H1", "服务效能", "不合格", "违反办法三(三)10", "x!A2")
    r = rf.make_result(decisions=(d,))
    assert r.final_overall == "不合格"
    text, _ = doc_text(notice.write_notice(tmp_path / "n.docx", period=H1, results=[r], template=TEMPLATE))
    assert "服务效能（考核组认定不合格，理由：违反办法三(三)10）" in text
    assert "10未达到" not in text and "）未达到考核要求" not in text
