"""County tallies and failed-item facts, computed once in grade/city for every document."""

from __future__ import annotations

from lingong.grade.city import city_tally, failed_facts, failed_item_names
from lingong.render.notice import notice_context
from lingong.render.summary import _tally_row
from lingong.words import EXCELLENT, FAIL, NO_COUNTY, PASS
from support.records_factory import excellent_values, good_values, grade_one, half_year, station


def _city():
    excellent, _ = grade_one("2023H1", half_year(base=excellent_values()), st=station("ZD-001"))
    passed, _ = grade_one("2023H1", half_year(), st=station("ZD-002"))
    failed, _ = grade_one(
        "2023H1", {m: good_values(G3=False) for m in half_year()}, st=station("SX-001", county="随县")
    )
    unnamed, _ = grade_one("2023H1", half_year(), st=station("XX-001", county=""))
    silent, _ = grade_one("2023H1", {}, st=station("SX-002", county="随县", start="2023-09"))  # not operating
    return [excellent, passed, failed, unnamed, silent]


def test_grades_per_county_in_the_citys_order_with_a_total():
    results = _city()
    assert [r.final_overall for r in results[:3]] == [EXCELLENT, PASS, FAIL]
    tally = city_tally(results)
    assert [t.county for t in tally.counties] == ["曾都区", "随县", NO_COUNTY]
    zd, sx, blank = tally.counties
    assert (zd.graded, zd.excellent, zd.passed, zd.failed) == (2, 1, 1, 0)
    assert (sx.stations, sx.graded, sx.failed, sx.not_graded) == (2, 1, 1, 1)
    assert blank.passed == 1
    total = tally.total
    assert (total.stations, total.graded, total.grades) == (5, 4, (1, 2, 1))
    assert total.shares == (0.25, 0.5, 0.25)


def test_the_summary_and_the_notice_render_the_same_tally():
    results = _city()
    tally = city_tally(results)
    rows = {row[0]: row for row in map(_tally_row, tally.counties)}
    notice = notice_context(period=results[0].period, results=results, issued=None)
    for c in notice["counties"]:
        row = rows[c["county"]]
        assert (c["total"], c["excellent"], c["passed"], c["failed"]) == tuple(row[1:5])
    assert notice["county_total"]["total"] == _tally_row(tally.total)[1] == 4
    assert notice["not_graded_count"] == 1


def test_failed_facts_say_why_only_for_a_station_that_failed():
    excellent, passed, failed, *_ = _city()
    assert failed_facts(passed).text == "" and failed_facts(passed).names == ()
    facts = failed_facts(failed)
    assert facts.names == failed_item_names(failed) and facts.names
    assert all(name in facts.text for name in facts.names)
