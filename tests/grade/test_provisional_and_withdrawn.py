"""暂定 ends at the deadline, and a withdrawn proposal to cancel is said (issue 21, points 6 and 7)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from test_rectification import F, P, assess_as, record_assessment

from lingong.grade import history_plan
from lingong.grade.history_query import cases_of
from lingong.layout import HISTORY_DB_NAME
from lingong.render.notice import notice_context
from lingong.render.wording import rectification_text
from support.city import write_city
from support.runs import run_on

D = date.fromisoformat


def record(db, period_key, grade, on, *, recheck=False, provisional=False):
    p, results = assess_as(period_key, grade)
    results = [replace(r, provisional=provisional) for r in results]
    runs = len(history_plan.runs_of(db))
    return record_assessment(
        db,
        run_id=f"r{runs}",
        started_at=datetime.fromisoformat(f"{on}T09:00:00+08:00"),
        tool_version="0.1.0",
        rules=__import__("test_rectification").RULES,
        input_files=[],
        period=p,
        results=results,
        recheck=recheck,
        today=D(on),
    )[0]


@pytest.mark.parametrize("grade", [F, P])
def test_a_provisional_recheck_result_decides_nothing(tmp_path, grade):
    db = tmp_path / "h.sqlite3"
    record(db, "2023H1", F, "2023-07-10")
    r = record(db, "2023H1", grade, "2023-07-20", recheck=True, provisional=True)
    assert (r.rectification, r.deadline) == ("限期整改", D("2023-08-09"))


def test_a_later_half_year_with_a_provisional_result_leaves_the_case_open(tmp_path):
    db = tmp_path / "h.sqlite3"
    record(db, "2023H1", F, "2023-07-10")
    h2 = record(db, "2023H2", F, "2024-01-12", provisional=True)
    assert cases_of(db, "GS-002")["2023H1"].state == "限期整改"  # never 建议取消 on a 暂定 result
    assert h2.rectification == "限期整改"


def test_a_withdrawn_proposal_is_said(tmp_path):
    db = tmp_path / "h.sqlite3"
    record(db, "2023H1", F, "2023-07-10")
    assert record(db, "2023H1", F, "2023-08-20", recheck=True).rectification == "建议取消"
    h2 = record(db, "2023H2", P, "2024-01-12")
    assert h2.rectification == "整改结束" and h2.case.withdrawn
    text = rectification_text(h2)
    assert "2023年上半年复查（2023年8月20日）仍不合格、建议取消" in text
    assert "经2023年下半年考核（2024年1月12日）达到合格，撤回取消建议" in text
    ctx = notice_context(period=h2.period, results=[h2], issued=None)
    assert [w["code"] for w in ctx["withdrawn"]] == ["GS-002"]
    assert "撤回取消建议" in ctx["rows"][0]["remark"]


@pytest.fixture
def city_h1(tmp_path):
    """GS-001's only March report is returned (a count typed as 十二): its H1 result is 暂定 不合格."""
    return write_city(tmp_path / "input", broken=(("GS-001", 3),))


def _assess(src, out, on, *, recheck=False):
    s = run_on(src, out, "2023H1", recheck=recheck, assessed_on=on, write_documents=False)
    return {r.station.code: r for r in s.results}


def test_provisional_until_the_deadline_then_not_submitted(tmp_path, city_h1):
    out = tmp_path / "out"
    first = _assess(city_h1, out, D("2023-07-10"))
    h1 = first["GS-001"]
    assert h1.provisional and h1.rectification == "限期整改"
    early = _assess(city_h1, out, D("2023-07-20"), recheck=True)
    assert set(early) == {c for c, r in first.items() if r.rectification == "限期整改"}  # its stations only
    assert early["GS-001"].provisional and early["GS-001"].rectification == "限期整改"
    assert "本期结果为暂定，整改待结果确定后决定" in rectification_text(early["GS-001"])
    late = _assess(city_h1, out, D("2023-08-15"), recheck=True)["GS-001"]
    assert not late.provisional and late.returns_lapsed
    assert late.rectification == "建议取消"
    from lingong.grade.city import months_not_used

    assert months_not_used(late) == "3月退回后未在整改期限内重新报送"
    assert cases_of(out / HISTORY_DB_NAME, "GS-001")["2023H1"].state == "建议取消"
    # The mail does not ask for a resubmission "before the result is final" the recheck already made.
    from lingong import layout
    from lingong.mail import drafts as md

    ctx = md._context(
        kind="results", period=late.period, station=late.station, result=late, issues=[], attachments=[], sender=""
    )
    body = md.render_mail(md.mail_environment(layout.TEMPLATES_DIR), "邮件正文.j2", ctx)
    assert "3月退回后未在整改期限内重新报送，本次复查已按未报送计。" in body
    assert "请尽快" not in body and "复查后确定最终等次" not in body


def test_the_history_view_says_a_proposal_was_withdrawn(tmp_path):
    from lingong.grade.history_view import station_report

    db = tmp_path / HISTORY_DB_NAME
    record(db, "2023H1", F, "2023-07-10")
    record(db, "2023H1", F, "2023-08-20", recheck=True)
    record(db, "2023H2", P, "2024-01-12")
    text = station_report(tmp_path, HISTORY_DB_NAME, "GS-002")
    assert "2023年下半年考核（2024年1月12日）后整改结束（2023年上半年复查（2023年8月20日）曾建议取消，已撤回）" in text
