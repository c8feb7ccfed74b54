"""Behaviours the suite used to let change unnoticed; each test here fails if the named one is broken."""

from __future__ import annotations

import dataclasses

from lingong import layout
from lingong.grade.grading import item_grade
from lingong.layout import TEMPLATES_DIR
from lingong.model.records import RequirementResult
from lingong.render.form_texts import load_text_templates, overall_text
from lingong.rules import load as rules_mod
from lingong.rules import model
from support import results_factory as rf
from support.records_factory import decision, grade_one, half_year, requirement, station
from support.registry_rows import registry, row


def test_form_overall_lists_the_final_not_the_computed_failed_items():
    # 供求服务 computed 不合格, decided 合格 by the group; 宣传推广 is the final failure.
    r = rf.failing()
    items = []
    for it in r.items:
        if it.name == "驿站运维":
            it = dataclasses.replace(
                it,
                computed="不合格",
                decision=decision(r.station.code, "2023H1", it.name, "合格", "现场核查"),
                final="合格",
            )
        items.append(it)
    r = dataclasses.replace(r, items=tuple(items))
    text = overall_text(r, load_text_templates(TEMPLATES_DIR))
    failed_line = next(line for line in text.splitlines() if line.startswith("不合格项目："))
    assert "驿站运维" not in failed_line
    assert failed_line == "不合格项目：" + "、".join(i.name for i in r.items if i.final == "不合格") + "。"


def test_an_item_without_excellent_requirements_is_never_excellent():
    met = RequirementResult("x", "要求", "sum", "合格", "C1", "个", 10, 1, True)
    assert item_grade((met,)) == "合格"
    assert item_grade((met, dataclasses.replace(met, level="优秀"))) == "优秀"


def test_the_half_year_share_of_a_yearly_target_is_rounded_up(tmp_path):
    text = layout.DEFAULT_RULES.read_text(encoding="utf-8")
    marker = 'key = "D1_sum"\nlevel = "合格"\nkind = "sum_min"\ncodes = ["D1"]\ntarget = 12'
    assert marker in text
    path = tmp_path / "rules.toml"
    path.write_text(text.replace(marker, marker[:-2] + "13"), encoding="utf-8")
    rules = rules_mod.load_rules(path)
    d1 = rules.requirement("D1_sum")
    assert model.prorated_target(d1, 6, rules) == 7  # 13 a year: 6.5 a half-year, up
    assert model._target_values(d1)["D1_sum.half_year"] == 7
    # Six promotions in a half-year fall short of a yearly 13.
    r, _ = grade_one("2023H1", half_year(), rules=rules)
    q = requirement(r, "D1_sum")
    assert (q.figure, q.target, q.met) == (6, 7, False)


def test_a_station_stopped_in_the_month_it_started_operates_that_month(tmp_path):
    stations, issues = registry(tmp_path, [row(start="2023-05", end="2023-05")])
    assert issues == []
    st = stations["ZD-001"]
    assert (st.start_month, st.end_month) == ("2023-05", "2023-05")
    r, _ = grade_one("2023H1", half_year(), st=station("ZD-001", start="2023-05", end="2023-05"))
    assert r.active_months == ("2023-05",)
