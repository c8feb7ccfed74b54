"""The 考核验收表: wording of the form, completion text from the editable template, the
evidence sheet, print set-up, safe names, text-only cells, masking, golden cells."""

from __future__ import annotations

import zipfile

import jinja2
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lingong import errors
from lingong.layout import FORM_SUFFIX
from lingong.model.records import Decision
from lingong.render import cell_text, form_texts
from lingong.render import form as fw
from lingong.render.textfit import text_lines
from support import golden
from support import results_factory as rf
from support.paths import (
    GOLDEN,  # noqa: E402
    ROOT,  # noqa: E402
)

RULES = "templates/考核规则.toml（sha256 3f2a9c1e）"


@pytest.fixture(scope="module")
def texts():
    return form_texts.load_text_templates(ROOT / "templates")


def write(tmp_path, result, texts, name="form.xlsx"):
    path = tmp_path / name
    fw.write_form(path, result, rules_label=RULES, texts=texts)
    return path


def form_sheet(path):
    return openpyxl.load_workbook(path)[fw.FORM_SHEET]


def flat(text: str) -> str:
    """A form cell's text without its line breaks: the writer breaks lines itself where they
    wrap (so no line starts with a closing mark), and a test asks for the words."""
    return text.replace("\n", "")


def full_texts(path) -> dict[str, str]:
    """The evidence sheet's 完成情况（全文）: label -> text, {} when the form had room for them."""
    ev = openpyxl.load_workbook(path)[fw.EVIDENCE_SHEET]
    rows = [(ev.cell(r, 1).value, ev.cell(r, 3).value) for r in range(1, ev.max_row + 1)]
    start = next((i for i, (a, _) in enumerate(rows) if a == "考核验收表完成情况（全文）"), None)
    return {} if start is None else {a: b for a, b in rows[start + 1 :] if a}


# ---- the form's layout and wording ---------------------------------------------------


def test_form_has_title_identity_header_six_rows_summary_and_signatures(tmp_path, texts):
    ws = form_sheet(write(tmp_path, rf.failing(), texts))
    assert ws["A1"].value == "随州市零工驿站2023年上半年运维考核验收表（暂定）"
    ident = ws["A2"].value
    for part in (
        "被考核单位：随县厉山镇零工驿站",
        "驿站编号：SX-003",
        "所属县（市、区）：随县",
        "考核期：2023年上半年",
    ):
        assert part in ident
    assert [ws.cell(3, c).value for c in range(1, 7)] == list(fw.HEADER)
    assert [ws.cell(r, 2).value for r in range(4, 10)] == list(rf.NAMES)
    assert [ws.cell(r, 1).value for r in range(4, 10)] == ["1", "2", "3", "4", "5", "6"]
    assert flat(ws["C6"].value).startswith("1.零工岗位信息收集")
    assert "随县零工驿站小程序" in flat(ws["D5"].value)  # 任务指标 2.2 names the station's own county
    assert (ws["A10"].value, ws["A11"].value) == ("暂定", "考核验收情况")
    assert ws["A12"].value.startswith("考核领导小组签字：") and ws["A12"].value.endswith("年　　月　　日")
    assert ws["D12"].value.startswith("被考核单位签字：") and ws["D12"].value.endswith("年　　月　　日")
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:F1", "A2:F2", "A10:B10", "C10:F10", "A11:B11", "C11:F11", "A12:C12", "D12:F12"} <= merged


def test_opinion_ticks_final_grade_only(tmp_path, texts):
    ws = form_sheet(write(tmp_path, rf.failing(), texts))
    for r, item in zip(range(4, 10), rf.failing().items):
        boxes = ws.cell(r, 6).value.split("\n")[:3]
        assert boxes == [("☑" if g == item.final else "□") + g for g in fw.GRADE_BOXES]
    assert fw.grade_boxes("优秀") == "☑优秀 □合格 □不合格"


def test_decision_is_ticked_and_computed_grade_noted(tmp_path, texts):
    result = rf.passing_with_decision()
    path = write(tmp_path, result, texts)
    ws = form_sheet(path)
    opinion = ws["F6"].value  # 供求服务: computed 合格, group decided 优秀
    assert flat(opinion) == "☑优秀□合格□不合格（考核组改定）" and opinion.startswith("☑优秀\n□合格\n□不合格\n")
    # The decision and its reason beside it, in the wide 完成情况 column, and in full on the evidence sheet.
    assert "考核组意见：优秀（计算结果：合格），理由：驿站承办全市春风行动专场" in flat(ws["E6"].value)
    assert "\n考核组意见：优秀（计算结果：合格），理由：驿站承办全市春风行动专场" in full_texts(path)["3 供求服务"]
    summary = flat(ws["C10"].value)
    assert summary.startswith("综合等次：合格（计算结果：优秀；考核组意见：合格，理由：投诉核实中")


def test_completion_names_figures_targets_and_failed_months(tmp_path, texts):
    result = rf.failing()
    path = write(tmp_path, result, texts)
    ws = form_sheet(path)
    # Too long for one page in full: the form gives the figures against their targets ...
    supply = flat(ws["E6"].value)
    assert "收集岗位255个（指标400，未完成）" in supply
    assert "求职登记210人次（指标360，未完成）" in supply
    assert "人岗匹配33人（指标50，未完成）" in supply
    promo = flat(ws["E7"].value)
    # Feb D2=0 is the item's own; Mar/May 缺报 and Apr 退回 the form says once, in its 暂定 row.
    assert "就业政策宣传每月：2月未达到" in promo and "缺报、退回月份的月度要求未达到" in promo
    assert "3月" not in promo and "未达标" not in promo
    assert "被核实投诉4次（上限3，超出）" in flat(ws["E9"].value)
    # ... and the evidence sheet every month and why.
    full = full_texts(path)
    assert "收集岗位 255个（指标 400，未完成）" in full["3 供求服务"]
    assert "就业政策宣传每月：2月未达到，3月、5月未报送（缺报），4月报表被退回，未采用" in full["4 宣传推广"]
    assert "被核实投诉 4次（上限 3，超出）" in full["6 服务效能"]
    good = write(tmp_path, rf.excellent(), texts, "good.xlsx")
    good = full_texts(good).get("3 供求服务") or flat(form_sheet(good)["E6"].value)
    assert "（指标 400，完成" in good and "%）" in good and "未完成" not in good


def test_overall_lists_missing_months_provisional_rectification_and_risks(tmp_path, texts):
    path = write(tmp_path, rf.failing(), texts)
    ws = form_sheet(path)
    # 暂定 shows: in the title, and a row of its own saying which months and what makes it final.
    assert ws["A1"].value == "随州市零工驿站2023年上半年运维考核验收表（暂定）"
    assert (ws["A10"].value, flat(ws["C10"].value)) == (
        "暂定",
        "本结果为暂定：3月、5月未报送（缺报），4月报表被退回，未采用。驿站按退回副本修改（或补报）并重新报送后复查，"
        "复查结果为最终等次",
    )
    brief = flat(ws["C11"].value)
    assert brief.startswith("综合等次：不合格（暂定）")
    assert "3月、5月未报送（缺报），4月报表被退回，未采用" in brief
    assert "不合格项目：驿站运维、线上平台、供求服务、宣传推广、服务效能" in brief
    # The risks come last: where the page has no room left, the form points to the evidence sheet.
    assert "预警 2 项，见佐证数据" in brief or (
        brief.endswith(fw.form_page.MORE) and "预警" in full_texts(path)["考核验收情况"]
    )
    assert (
        "限期整改：2023年上半年考核（2023年7月5日）不合格，整改期限2023年8月4日；由2023年上半年复查"
        "或2023年下半年考核决定"
    ) in brief
    text = full_texts(path)["考核验收情况"]
    assert text.startswith("综合等次：不合格（暂定）")
    assert "3月、5月未报送（缺报），当月各项月度要求均按未达到计" in text
    assert "4月报表被退回，未采用" in text
    assert "暂定：" not in text  # said once, in the form's own 暂定 row
    # Which assessment started the rectification, its deadline and what decides it.
    assert (
        "限期整改：2023年上半年考核（2023年7月5日）不合格，整改期限2023年8月4日；由2023年上半年复查"
        "或2023年下半年考核决定"
    ) in text
    assert "还需宣传推广 7 次" in text and "还需就业政策宣传 8 次" in text
    assert "被核实投诉按 2023年1月至6月 累计" in text


def test_station_opened_in_april_is_assessed_on_three_months(tmp_path, texts):
    path = write(tmp_path, rf.opened_in_april(), texts)
    ws = form_sheet(path)
    assert "2023年4月至2023年6月" in flat(ws["A2"].value)
    assert "收集岗位264个（指标200，按运营3个月折算）" in flat(ws["E6"].value)  # 400 prorated to 3 of 6 months
    ev = openpyxl.load_workbook(path)[fw.EVIDENCE_SHEET]
    assert [ev.cell(3, c).value for c in range(5, 10)] == ["4月", "5月", "6月", "合计", "指标"]
    months = {ev.cell(r, 1).value: ev.cell(r, 3).value for r in range(30, 40) if ev.cell(r, 1).value}
    assert months["2023年1月"] == "未运营" and months["2023年4月"] == "采用"


# ---- the evidence sheet ----------------------------------------------------------------


def test_evidence_sheet_has_every_indicator_by_month_with_sums_targets_and_sources(tmp_path, texts):
    result = rf.failing()
    ev = openpyxl.load_workbook(write(tmp_path, result, texts))[fw.EVIDENCE_SHEET]
    header = [ev.cell(3, c).value for c in range(1, 13)]
    assert header == [
        "指标代码",
        "考核项目",
        "指标名称",
        "单位",
        "1月",
        "2月",
        "3月",
        "4月",
        "5月",
        "6月",
        "合计",
        "指标",
    ]
    rows = {ev.cell(r, 1).value: [ev.cell(r, c).value for c in range(1, 13)] for r in range(4, 32)}
    assert list(rows) == [i.code for i in rf.INDICATORS]
    c1 = rows["C1"]
    assert c1[4:10] == [85, 85, "缺报", "退回", "缺报", 85]
    assert c1[10] == 255 and c1[11] == "≥400；优秀≥480"
    assert rows["G3"][4:11] == ["是", "是", "缺报", "退回", "缺报", "否", "2个月为是"]
    assert rows["G1"][11] == "每月达标；优秀每月达标"
    sources = [[ev.cell(r, c).value for c in (1, 3, 4)] for r in range(34, 40)]
    assert sources[2] == ["2023年3月", "缺报", "未收到报表"]
    assert sources[3] == ["2023年4月", "退回", "随县/SX-003_2023-04.xlsx"]


def test_evidence_names_the_file_that_won_a_resubmission(tmp_path, texts):
    ev = openpyxl.load_workbook(write(tmp_path, rf.passing_with_decision(), texts))[fw.EVIDENCE_SHEET]
    texts_ = [ev.cell(r, 4).value or "" for r in range(34, 40)]
    status = [ev.cell(r, 3).value for r in range(34, 40)]
    assert status[2] == "重报（采用最后一份）"
    assert texts_[2] == "广水市/GS-002_2023-03_更正.xlsx\n被替代：广水市/GS-002_2023-03.xlsx"


# ---- print set-up and row heights ---------------------------------------------------------


def test_print_setup_is_a4_portrait_at_readable_scale_repeated_titles(tmp_path, texts):
    wb = openpyxl.load_workbook(write(tmp_path, rf.failing(), texts))
    ws = wb[fw.FORM_SHEET]
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
    # A fixed scale, never fit-to-page: a long form goes on to a second page instead of shrinking.
    assert not ws.sheet_properties.pageSetUpPr.fitToPage
    assert 85 <= int(ws.page_setup.scale or 100) <= 100
    assert ws.print_title_rows == "$1:$3"
    # One page, whatever the evidence sheet after it adds to a workbook's page count.
    assert "第 1 页 共 1 页" in ws.oddFooter.center.text
    assert "第 &P 页 共 &N 页" in wb[fw.EVIDENCE_SHEET].oddFooter.center.text
    ev = wb[fw.EVIDENCE_SHEET]
    assert not ev.sheet_properties.pageSetUpPr.fitToPage and int(ev.page_setup.scale or 100) >= 85
    assert ev.freeze_panes == "D4"
    fonts = {ws.cell(r, c).font.name for r in range(2, 12) for c in range(1, 7) if ws.cell(r, c).value}
    assert fonts == {"宋体"}


def test_row_heights_fit_the_wrapped_text(tmp_path, texts):
    ws = form_sheet(write(tmp_path, rf.failing(), texts))
    for r in range(4, 10):
        height = ws.row_dimensions[r].height
        for c, width in enumerate(fw.FORM_WIDTHS, 1):
            lines = text_lines(ws.cell(r, c).value, width)
            assert height >= lines * fw.BODY_PT * 1.2, (r, c, lines, height)
    assert ws.row_dimensions[10].height >= text_lines(ws["C10"].value, sum(fw.FORM_WIDTHS[2:])) * 12


# ---- templates -------------------------------------------------------------------------------


def test_bureau_can_edit_the_completion_wording(tmp_path, texts):
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / form_texts.OVERALL_TEMPLATE).write_text(
        (ROOT / "templates" / form_texts.OVERALL_TEMPLATE).read_text("utf-8"), "utf-8"
    )
    (folder / form_texts.COMPLETION_TEMPLATE).write_text(
        "{% for r in pass_reqs %}{{ r.label }}={{ r.figure }}/{{ r.target }}{% if not loop.last %}，{% endif %}"
        "{% endfor %}",
        "utf-8",
    )
    mine = form_texts.load_text_templates(folder)
    # On a form with room for it, and on the evidence sheet of one without.
    ws = form_sheet(write(tmp_path, rf.excellent(), mine))
    assert flat(ws["E6"].value) == "收集岗位=591/400，求职登记=501/360，人岗匹配=69/50"
    full = full_texts(write(tmp_path, rf.failing(), mine, "failing.xlsx"))
    assert full["3 供求服务"] == "收集岗位=255/400，求职登记=210/360，人岗匹配=33/50"


@pytest.mark.parametrize(
    "body, words",
    [
        ("{{ no_such_variable }}", "不存在的变量"),
        ("{% for r in pass_reqs %}", "第 1 行写法有误"),
    ],
)
def test_broken_template_is_reported_in_chinese(tmp_path, body, words):
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / form_texts.OVERALL_TEMPLATE).write_text("综合等次：{{ final }}", "utf-8")
    (folder / form_texts.COMPLETION_TEMPLATE).write_text(body, "utf-8")
    with pytest.raises(errors.TextTemplateError, match=words):
        t = form_texts.load_text_templates(folder)
        fw.write_form(tmp_path / "x.xlsx", rf.failing(), rules_label=RULES, texts=t)
    assert not (tmp_path / "x.xlsx").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~tmp")]


def test_missing_template_is_reported(tmp_path):
    with pytest.raises(errors.TextTemplateError, match="找不到文本模板"):
        form_texts.load_text_templates(tmp_path)


# ---- safety: names, formulas, links, personal data ---------------------------------------


def test_hostile_station_gets_a_safe_file_name_inside_the_output(tmp_path):
    path = fw.form_path(tmp_path, rf.hostile())
    assert path.parent == (tmp_path / "曾都区").resolve()
    assert path.name.endswith(FORM_SUFFIX) and path.name.startswith("ZD-005_")
    assert "/" not in path.name and ".." not in path.name


@pytest.mark.parametrize(
    "county, name",
    [
        ("../../etc", "东城"),
        ("CON", "NUL"),
        ("曾都区", "名" * 300),
        ("曾都区／西城", "东城∕西城\x00"),
        ("", ""),
        (".", ".."),
    ],
)
def test_form_path_stays_inside_for_any_text(tmp_path, county, name):
    r = rf.make_result(code="ZD-009", name=name, county=county)
    path = fw.form_path(tmp_path, r)
    assert tmp_path.resolve() in path.parents
    assert len(path.name.encode()) < 255 and path.name.endswith(FORM_SUFFIX)
    assert path.parent.parent == tmp_path.resolve()
    assert path.parent.name.split(".")[0].upper() not in {"CON", "NUL"}


@settings(max_examples=200, deadline=None)
@given(code=st.text(max_size=30), name=st.text(max_size=400), county=st.text(max_size=40))
def test_form_path_is_always_one_file_inside_its_county_folder(tmp_path_factory, code, name, county):
    out = tmp_path_factory.getbasetemp() / "names"
    r = rf.make_result(code=code, name=name, county=county)
    path = fw.form_path(out, r)
    assert path.parent.parent == out.resolve()
    assert path.name.endswith(FORM_SUFFIX) and len(path.name.encode()) < 255
    assert not any(ch in path.name for ch in '/\\\x00:*?"<>|')


@given(st.text())
def test_clean_leaves_no_control_characters(text):
    out = cell_text.clean(text)
    assert not any(ord(ch) < 32 and ch != "\n" for ch in out)


def _formula_or_link_cells(path):
    bad = []
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        bad += [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
        bad += [c.coordinate for row in ws.iter_rows() for c in row if c.hyperlink]
    with zipfile.ZipFile(path) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    assert "<f>" not in xml and "<hyperlink" not in xml
    return bad


def test_station_text_never_becomes_a_formula_or_link(tmp_path, texts):
    result = rf.hostile()
    path = write(tmp_path, result, texts)
    assert _formula_or_link_cells(path) == []
    ws = form_sheet(path)
    assert '被考核单位：=HYPERLINK("x")/../东城' in flat(ws["A2"].value)
    assert "理由：=1+1http://evil.example/x" in flat(ws["E5"].value)
    ev = openpyxl.load_workbook(path)[fw.EVIDENCE_SHEET]
    assert ev["A1"].value.startswith('佐证数据：=HYPERLINK("x")/../东城')


def test_personal_numbers_in_station_text_are_masked(tmp_path, texts):
    r = rf.make_result(
        code="ZD-010",
        name="东城驿站 13812345678",
        decisions=(Decision("ZD-010", "2023H1", "宣传推广", "合格", "负责人420302199001011234已说明", "x!A2"),),
    )
    path = write(tmp_path, r, texts)
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/sharedStrings.xml").decode("utf-8")
    assert "13812345678" not in xml and "420302199001011234" not in xml
    assert "138****5678" in xml and "420302********1234" in xml


# ---- reproducible output ---------------------------------------------------------------------


def test_same_result_gives_identical_files(tmp_path, texts):
    a = write(tmp_path, rf.failing(), texts, "a.xlsx")
    b = write(tmp_path, rf.failing(), texts, "b.xlsx")
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("scenario", ["failing", "passing_with_decision", "opened_in_april", "hostile"])
def test_form_matches_golden_cells(tmp_path, texts, scenario):
    path = write(tmp_path, getattr(rf, scenario)(), texts)
    golden.check_workbook(path, GOLDEN / f"form_{scenario}.json")


@pytest.mark.parametrize(
    "body",
    [
        "{{ item.__class__.__init__.__globals__ }}",
        "{{ pct.__globals__['os'].environ }}",
        "{{ item.__class__.__mro__[1].__subclasses__() }}",
    ],
)
def test_a_template_cannot_reach_into_the_program(tmp_path, monkeypatch, body):
    """The bureau edits these files: {{ x.__init__.__globals__ }} once printed the whole
    environment, SMTP password included, into every form that mail then attached."""
    monkeypatch.setenv("LINGONG_SMTP_PASSWORD", "s3cret-pass")
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / form_texts.OVERALL_TEMPLATE).write_text("综合等次：{{ final }}", "utf-8")
    (folder / form_texts.COMPLETION_TEMPLATE).write_text(body, "utf-8")
    with pytest.raises(errors.TextTemplateError) as e:
        fw.write_form(
            tmp_path / "x.xlsx", rf.failing(), rules_label=RULES, texts=form_texts.load_text_templates(folder)
        )
    assert "s3cret-pass" not in str(e.value)
    assert not (tmp_path / "x.xlsx").exists()


# ---- the sandbox's short way and the 完成情况 cache ----------------------------------------


def _reference_sandbox():
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)


@pytest.mark.parametrize("obj", [rf.passing_with_decision().items[0], rf.failing().items[1].requirements[0]])
def test_record_sandbox_answers_as_the_immutable_sandbox(texts, obj):
    """The short way for record fields gives what the sandbox's own check would, for
    fields and for everything else (private, dunder, missing names)."""
    ours, reference = texts.completion.environment, _reference_sandbox()
    names = [*form_texts._RECORD_FIELDS[type(obj)], "__class__", "__dict__", "_fields", "missing", "__init__"]
    for name in names:
        a, b = ours.getattr(obj, name), reference.getattr(obj, name)
        assert type(a) is type(b), name
        if not isinstance(a, jinja2.Undefined):
            assert a == b, name


def test_cached_completion_is_the_rendered_one(texts):
    results = [*rf.all_results(), rf.failing(), rf.opened_in_april()]
    fresh = [[form_texts._completion_text(i, r, texts) for i in r.items] for r in results if r.graded]
    form_texts._COMPLETIONS.clear()
    cached = [[form_texts.completion_text(i, r, texts) for i in r.items] for r in results if r.graded]
    again = [[form_texts.completion_text(i, r, texts) for i in r.items] for r in results if r.graded]
    assert cached == fresh and again == fresh
    assert form_texts._COMPLETIONS


def test_completion_cache_tells_values_that_hash_alike_apart(tmp_path):
    import dataclasses

    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / form_texts.OVERALL_TEMPLATE).write_text("{{ final }}", "utf-8")
    (folder / form_texts.COMPLETION_TEMPLATE).write_text("{% for r in pass_reqs %}{{ r.figure }};{% endfor %}", "utf-8")
    mine = form_texts.load_text_templates(folder)
    result = rf.failing()
    item = result.items[0]
    first = item.requirements[0]
    as_int = dataclasses.replace(item, requirements=(dataclasses.replace(first, figure=1), *item.requirements[1:]))
    as_bool = dataclasses.replace(item, requirements=(dataclasses.replace(first, figure=True), *item.requirements[1:]))
    assert hash(as_int) == hash(as_bool)
    assert form_texts.completion_text(as_int, result, mine).startswith("1;")
    assert form_texts.completion_text(as_bool, result, mine).startswith("True;")


@pytest.mark.parametrize(
    "body, cacheable",
    [
        ("{{ item.name }}", True),
        ("{{ lipsum(1) }}", False),
        ("{% set c = cycler('a', 'b') %}{{ c.next() }}", True),
        ("{{ [1, 2, 3] | random }}", False),
        ("{% for r in pass_reqs %}{{ r.label }}{% endfor %}{{ lipsum }}", False),
        ('{% include "part.j2" %}', False),
    ],
)
def test_only_templates_that_depend_on_their_context_alone_are_cached(tmp_path, body, cacheable):
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / form_texts.OVERALL_TEMPLATE).write_text("{{ final }}", "utf-8")
    (folder / form_texts.COMPLETION_TEMPLATE).write_text(body, "utf-8")
    (folder / "part.j2").write_text("{{ item.name }}", "utf-8")
    assert form_texts.load_text_templates(folder).completion_cacheable is cacheable


# ---- one page, whatever the station's texts ------------------------------------------------

LONG_REASON = "经联合考核组现场核实，" + "驿站台账与报表数字不一致，负责人当场说明了原因并补交了材料；" * 8


@pytest.mark.parametrize("failing_months", [False, True])
def test_form_rows_fit_one_page_with_a_decision_on_every_item(tmp_path, texts, failing_months):
    from lingong.render import form_page

    items = [*rf.NAMES, "综合"]
    decisions = tuple(
        Decision("ZD-001", "2023H1", item, "合格", f"{item}：{LONG_REASON}", f"考核组意见.xlsx!A{n}")
        for n, item in enumerate(items, 2)
    )
    result = rf.make_result(
        name="东城街道零工驿站" * 12,
        decisions=decisions,
        rejected={"2023-04": "曾都区/ZD-001_2023-04.xlsx"} if failing_months else None,
    )
    path = write(tmp_path, result, texts)
    ws = form_sheet(path)
    heights = [ws.row_dimensions[r].height or 15 for r in range(1, ws.max_row + 1)]
    assert sum(heights) <= form_page.HEIGHT_PT
    assert ws.print_area and int(ws.page_setup.scale) >= 85
    assert ws.cell(ws.max_row - 1, 1).value.startswith("考核领导小组签字")
    # What the form had no room for is on the evidence sheet, whole.
    full = full_texts(path)
    assert all(LONG_REASON.rstrip("；") in full[f"{n} {name}"] for n, name in enumerate(rf.NAMES, 1))
    assert LONG_REASON in full["考核验收情况"]


def test_a_form_that_fits_says_everything_on_the_form(tmp_path, texts):
    path = tmp_path / "fits.xlsx"
    fw.write_form(path, rf.excellent(), rules_label="随州市零工驿站运维考核（暂行）2023版", texts=texts)
    assert full_texts(path) == {}
    ws = form_sheet(path)
    assert "（指标 400，完成" in flat(ws["E6"].value) and "优秀条件：" in flat(ws["E6"].value)
    assert "考核规则：随州市零工驿站运维考核（暂行）2023版" in ws.cell(ws.max_row, 1).value


def test_failed_items_say_what_passing_needs_and_met_thresholds_show_their_figure(tmp_path, texts):
    failing = full_texts(write(tmp_path, rf.failing(), texts))
    assert "优秀条件" not in failing["3 供求服务"] and "未完成" in failing["3 供求服务"]
    good = write(tmp_path, rf.excellent(), texts, "good.xlsx")
    good = full_texts(good).get("3 供求服务") or flat(form_sheet(good)["E6"].value)
    assert "收集岗位≥480个，已达到（591）" in good


def test_evidence_says_the_complaint_limits_in_words_of_the_period(tmp_path, texts):
    ev = openpyxl.load_workbook(write(tmp_path, rf.failing(), texts))[fw.EVIDENCE_SHEET]
    target = next(ev.cell(r, 12).value for r in range(4, 32) if ev.cell(r, 1).value == "G5")
    assert target == "年初至6月≤3；优秀无被核实投诉"
