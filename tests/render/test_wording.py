"""Words that say what happened: 缺报 and 退回 months are never "未达标", one cause for every month is said
once, a prorated target says so, and the form, 汇总表, 通报 and mail say the same."""

from __future__ import annotations

import openpyxl

from lingong.grade import city as wording
from lingong.layout import TEMPLATES_DIR
from lingong.mail.drafts import _context
from lingong.render.form import write_form
from lingong.render.form_texts import completion_text, load_text_templates, overall_text
from lingong.render.notice import notice_context
from support.records_factory import good_values, grade_one, half_year, item, requirement, station


def missing_may_returned_june():
    months = {m: v for m, v in half_year().items() if m not in ("2023-05", "2023-06")}
    r, _ = grade_one("2023H1", months, rejected_months=("2023-06",))
    return r


def test_a_missing_and_a_returned_month_say_so_everywhere(tmp_path):
    r = missing_may_returned_june()
    q = requirement(r, "A3_monthly")
    assert wording.failed_months_text(q.failed_months, r) == "5月未报送（缺报），6月报表被退回，未采用"
    texts = load_text_templates(TEMPLATES_DIR)
    form = "\n".join(completion_text(i, r, texts) for i in r.items) + overall_text(r, texts)
    summary = wording.failed_facts(r).text  # the 汇总表's 整改名单 原因
    notice = notice_context(period=r.period, results=[r], issued=None)["provisional"][0]["failed"]  # 暂定
    mail = _context(kind="results", period=r.period, station=r.station, result=r, issues=[], attachments=[], sender="")[
        "result"
    ]["failed_reasons"]
    for text in (form, summary, notice, mail):
        assert "未达标" not in text
        assert "5月未报送（缺报）" in text and "6月报表被退回，未采用" in text
    # In the 通报, the 汇总表 and the mail, the months with no usable report are said once, not per requirement.
    for text in (summary, notice, mail):
        assert text.count("5月未报送（缺报）") == 1
    assert summary == notice == mail


def test_every_month_failing_for_one_cause_is_said_once():
    r, _ = grade_one("2023H1", {m: good_values(G3=False) for m in half_year()})
    q = requirement(r, "G3_monthly")
    assert wording.failed_months_text(q.failed_months, r) == "6个月均未达到"
    r, _ = grade_one("2023H1", {})
    q = requirement(r, "A3_monthly")
    assert wording.failed_months_text(q.failed_months, r) == "6个月均未报送"
    assert wording.months_not_used(r) == "1月、2月、3月、4月、5月、6月未报送（缺报）"


def test_a_prorated_target_says_so(tmp_path):
    st = station("GX-004", start="2023-03")
    r, _ = grade_one("2023H1", {m: v for m, v in half_year().items() if m >= "2023-03"}, st=st)
    c1 = requirement(r, "C1_sum")
    assert c1.prorated and c1.target == 267
    assert not requirement(r, "E1_sum").prorated  # a target "over the period" is not prorated
    texts = load_text_templates(TEMPLATES_DIR)
    assert "（指标 267，按运营4个月折算" in completion_text(item(r, "供求服务"), r, texts)


def test_fixed_texts_never_start_a_line_with_punctuation(tmp_path):
    r = missing_may_returned_june()
    texts = load_text_templates(TEMPLATES_DIR)
    path = tmp_path / "f.xlsx"
    write_form(path, r, rules_label="规则", texts=texts)
    ws = openpyxl.load_workbook(path).worksheets[0]
    for row in ws.iter_rows():
        for c in row:
            for line in str(c.value or "").splitlines():  # an opening mark may start a line, never end one
                assert not line.startswith(("，", "。", "；", "、", "：", "）")), (c.coordinate, line)
                assert not line.endswith(("（", "“")), (c.coordinate, line)
