"""The rules' period tags ([at_risk] periods) are one list: what rules.load accepts,
what grading matches a period against and what the 汇总表's 说明 names."""

from __future__ import annotations

import json

import pytest

from lingong.errors import RulesError
from lingong.model.periods import PERIOD_TAGS, parse_period, period_tag
from lingong.render.summary_notes import rule_rows
from lingong.rules.load import load_rules
from support.paths import ROOT
from support.records_factory import grade_one, half_year

DEFAULT_TEXT = (ROOT / "templates" / "rules.toml").read_text(encoding="utf-8")


def rules_with_periods(tmp_path, periods: str):
    path = tmp_path / "rules.toml"
    path.write_text(DEFAULT_TEXT.replace('periods = ["H1"]', f"periods = {periods}"), encoding="utf-8")
    return load_rules(path)


def notes_of(rules) -> dict[str, str]:
    """The 说明 rows for these rules, from the values a record keeps of them (JSON lists)."""
    return dict(rule_rows({"at_risk.periods": json.dumps(list(rules.at_risk_periods))}))


@pytest.mark.parametrize("key,tag", [("2023H1", "H1"), ("2023H2", "H2"), ("2023-03", "month"), ("2023", "year")])
def test_every_period_has_an_accepted_tag(key, tag):
    assert period_tag(parse_period(key)) == tag
    assert tag in PERIOD_TAGS


@pytest.mark.parametrize("tag", list(PERIOD_TAGS))
def test_each_accepted_tag_is_graded_and_named_in_the_notes(tmp_path, tag):
    rules = rules_with_periods(tmp_path, f'["{tag}"]')
    assert rules.at_risk_periods == (tag,)
    notes = notes_of(rules)
    assert notes["全年进度预警"].startswith(f"{PERIOD_TAGS[tag]}考核时")


def test_year_grades_and_shows_in_the_notes(tmp_path):
    rules = rules_with_periods(tmp_path, '["year"]')
    year = {**half_year(), **half_year(half=2)}
    for m in year:
        year[m]["D1"] = 0
    res, _ = grade_one("2023", year, rules=rules)
    assert "D1_sum" in {a.key for a in res.at_risk}
    assert notes_of(rules)["全年进度预警"] == "全年考核时提示按目前进度可能完不成全年要求的驿站"


def test_an_unknown_tag_is_refused(tmp_path):
    with pytest.raises(RulesError, match="periods"):
        rules_with_periods(tmp_path, '["Y"]')
