"""The rules file: defaults of assessment-rules.md, checked by name, the only home of thresholds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lingong.errors import RulesError
from lingong.layout import DEFAULT_RULES
from lingong.rules.load import load_rules
from lingong.rules.model import render_target_text
from support.records_factory import grade_one, half_year, item, requirement, with_total

DEFAULT_TEXT = DEFAULT_RULES.read_text(encoding="utf-8")
LINGONG = Path(__file__).resolve().parents[2] / "lingong"


def edited(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    assert DEFAULT_TEXT.count(old) >= 1, old
    path = tmp_path / "rules.toml"
    path.write_text(DEFAULT_TEXT.replace(old, new, count), encoding="utf-8")
    return path


def test_defaults_of_the_spec():
    r = load_rules()
    assert r.path == DEFAULT_RULES and len(r.sha256) == 64
    assert [i.name for i in r.graded_items] == ["驿站运维", "线上平台", "供求服务", "宣传推广", "创新服务", "服务效能"]
    assert not next(i for i in r.items if i.name == "招聘活动").graded
    assert (r.fail_items, r.excellent_items, r.deadline_days) == (1, 4, 30)
    assert float(r.excellent_ratio) == 1.2 and r.prorate_rounding == r.ratio_rounding == "up"
    targets = {q.key: (q.target, q.per) for i in r.items for q in i.requirements if q.kind == "sum_min"}
    assert targets["C1_sum"] == (400, "half_year") and targets["C2_sum"] == (360, "half_year")
    assert targets["C3_sum"] == (50, "half_year") and targets["D1_sum"] == (12, "year")
    assert targets["A5_excellent"] == (24, "half_year") and targets["B4_excellent"] == (100, "half_year")
    assert r.requirement("G5_ytd").max == 3 and r.requirement("G5_excellent").max == 0
    assert all(q.clause for i in r.items for q in i.requirements)
    d = r.as_dict()
    assert d["sha256"] == r.sha256 and d["targets"]["excellent_ratio"] == 1.2


def test_target_text_is_the_form_wording_filled_from_the_rules():
    r = load_rules()
    texts = {i.name: render_target_text(i, r, "曾都区") for i in r.items}
    assert "建设维护曾都零工驿站小程序" in texts["线上平台"]
    assert "半年岗位数不少于400" in texts["供求服务"] and "人岗匹配成功半年不少于50人" in texts["供求服务"]
    assert "全年不少于12次，当月不少于1次" in texts["宣传推广"]
    assert "全年被核实投诉不超过3次" in texts["服务效能"]
    assert render_target_text(r.items[1], r, "大洪山风景名胜区").count("大洪山零工驿站小程序") == 1


def test_changing_a_target_in_the_file_changes_grade_and_text(tmp_path):
    path = edited(
        tmp_path,
        'key = "C1_sum"\nlevel = "合格"\nkind = "sum_min"\ncodes = ["C1"]\ntarget = 400',
        'key = "C1_sum"\nlevel = "合格"\nkind = "sum_min"\ncodes = ["C1"]\ntarget = 450',
    )
    rules = load_rules(path)
    res, _ = grade_one("2023H1", with_total(half_year(), "C1", 420), rules=rules)
    assert requirement(res, "C1_sum").target == 450 and not requirement(res, "C1_sum").met
    assert requirement(res, "C1_excellent").target == 540
    assert "半年岗位数不少于450" in item(res, "供求服务").target_text
    assert rules.sha256 != load_rules().sha256


def test_recruitment_item_graded_when_the_file_says_so(tmp_path):
    path = edited(tmp_path, "\ngraded = false\n", "\ngraded = true\n")
    res, _ = grade_one("2023H1", half_year(), rules=load_rules(path))
    assert [i.name for i in res.items][-1] == "招聘活动"
    assert item(res, "招聘活动").computed == "不合格"


BAD_EDITS = [
    # (old text, new text, words the message must contain)
    ("deadline_days = 30", "deadline_day = 30", ["[rectification]", "deadline_day", "无法识别"]),
    ("excellent_items = 4", "excelent_items = 4", ["[overall]", "excelent_items"]),
    ('clause = "附件 3.1"', 'clause = "附件 3.1"\ntarge = 5', ["C1_sum", "targe", "无法识别"]),
    ("target = 400", 'target = "400"', ["C1_sum", "target", "类型不对"]),
    ("deadline_days = 30", "deadline_days = true", ["deadline_days", "类型不对"]),
    ("deadline_days = 30", "deadline_days = 0", ["deadline_days", "超出允许范围", "1 到 365"]),
    ("excellent_ratio = 1.2", "excellent_ratio = 0.8", ["excellent_ratio", "超出允许范围"]),
    ("excellent_items = 4", "excellent_items = 7", ["excellent_items", "超出允许范围"]),
    ("target = 400", "target = -400", ["target", "超出允许范围"]),
    # every number has a range, whatever the type allows (issue 13)
    ("deadline_days = 30", "deadline_days = 999999999", ["[rectification]", "deadline_days", "1 到 365"]),
    ("excellent_ratio = 1.2", "excellent_ratio = nan", ["[targets]", "excellent_ratio", "不是有效的数"]),
    ("excellent_ratio = 1.2", "excellent_ratio = inf", ["excellent_ratio", "不是有效的数"]),
    ("excellent_ratio = 1.2", "excellent_ratio = 1e308", ["excellent_ratio", "超出允许范围"]),
    ("target = 400", "target = 9223372036854775807", ["C1_sum", "target", "超出允许范围"]),
    ("fail_items = 1", "fail_items = 0", ["fail_items", "超出允许范围"]),
    ("C1 = 10000 ", "C1 = 0 ", ["[plausible_max]", "C1", "超出允许范围"]),
    ("C1 = 10000 ", "C1 = 1e300 ", ["[plausible_max]", "C1", "类型不对"]),
    ("C1 = 10000 ", "C9 = 10000 ", ["[plausible_max]", "C9", "不是计数指标"]),
    ("C1 = 10000 ", "", ["[plausible_max]", "C1", "缺失"]),
    ('version = "2023"', 'version = ""', ["[meta]", "version", "不能为空"]),
    # bureau-edited text cannot reach into the program
    ("{C1_sum.half_year}", "{C1_sum.__init__.__globals__}", ["target_text", "__globals__", "无法识别"]),
    ("{C1_sum.half_year}", "{C1_sum.half_year!r}", ["target_text", "不能带"]),
    ("{C1_sum.half_year}", "{C1_sum.half_year:>999999999}", ["target_text", "不能带"]),
    ("{C1_sum.half_year}", "{C1_sum[0]}", ["target_text", "无法识别"]),
    ("{C1_sum.half_year}", "{C1_sum.half_year", ["target_text", "花括号"]),
    ('text = "还需{label} {needed} {unit}"', 'text = "还需{label.__class__}"', ["[at_risk]", "__class__"]),
    ('text = "还需{label} {needed} {unit}"', 'text = "还需{needed:>99999999}"', ["[at_risk]", "不能带"]),
    ('prorate_rounding = "up"', 'prorate_rounding = "ceil"', ["prorate_rounding", "ceil"]),
    ('per = "half_year"', 'per = "month"', ["per", "month"]),
    ('codes = ["C1"]', 'codes = ["C9"]', ["codes", "C9"]),
    ('codes = ["A3"]', 'codes = ["A5"]', ["codes", "A5", "monthly_min"]),
    ('kind = "monthly_yes"', 'kind = "monthly"', ["kind", "monthly"]),
    ('of = "C1_sum"', 'of = "C1_summ"', ["of", "C1_summ"]),
    ("{C1_sum.half_year}", "{C1_sun.half_year}", ["target_text", "C1_sun"]),
    ('key = "C2_sum"', 'key = "C1_sum"', ["C1_sum", "重复"]),
    ("max = 3", "min = 3", ["min", "ytd_max"]),
    ('text = "还需{label} {needed} {unit}"', 'text = "还需{lable}"', ["[at_risk]", "lable"]),
    ("[overall]", "[overal]", ["overal", "无法识别"]),
    ("fail_items = 1\n", "", ["fail_items", "缺失"]),
    ("deadline_days = 30", "deadline_days = = 30", ["格式有误"]),
    ("factor = 10", "factor = 1", ["[outliers]", "factor"]),
    ("min = 50\nfactor", "min = 0\nfactor", ["[outliers]", "min"]),
]


@pytest.mark.parametrize("old,new,words", BAD_EDITS, ids=[f"{b[0][:18]}->{b[1][:18]}" for b in BAD_EDITS])
def test_bad_rules_file_names_file_section_and_key(tmp_path, old, new, words):
    path = edited(tmp_path, old, new)
    with pytest.raises(RulesError) as e:
        load_rules(path)
    msg = str(e.value)
    assert str(path) in msg
    for w in words:
        assert w in msg, (w, msg)


def test_a_rules_file_from_before_a_section_says_where_to_copy_it_from(tmp_path):
    text = DEFAULT_TEXT.replace("[outliers]\n", "").replace("min = 50\nfactor = 10\n", "")
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as e:
        load_rules(path)
    assert "outliers" in str(e.value) and "缺失" in str(e.value) and "templates/rules.toml" in str(e.value)


def test_the_outlier_thresholds_are_the_rules_files(tmp_path):
    """X003 follows [outliers]: a figure 12 times its station's median is a warning at the default
    factor 10 and none at 20."""
    from lingong.choose.selection import select_reports
    from lingong.model.records import Station
    from support.records_factory import good_values, report

    stations = {"ZD-001": Station("ZD-001", "东城街道零工驿站", "曾都区")}
    recs = [report("ZD-001", f"2023-0{m}", good_values(C1=600 if m == 3 else 50)) for m in range(1, 7)]
    codes = lambda rules: [i.code for i in select_reports(recs, stations, rules).issues]  # noqa: E731
    assert "X003" in codes(load_rules())
    assert "X003" not in codes(load_rules(edited(tmp_path, "factor = 10", "factor = 20")))


def test_missing_rules_file(tmp_path):
    with pytest.raises(RulesError, match="无法读取规则文件"):
        load_rules(tmp_path / "nope.toml")


# Numbers that are thresholds of the default rules; none may appear as a literal
# in the grading code (they live in the rules file only).
THRESHOLDS = ("400", "360", "50", "24", "100", "12", "1.2", "30", "120")


@pytest.mark.parametrize(
    "module",
    ["grade/grading.py", "grade/aggregate.py", "grade/history.py", "render/results_json.py", "choose/selection.py"],
)
def test_no_threshold_in_code(module):
    code = (LINGONG / module).read_text(encoding="utf-8")
    code = re.sub(r'""".*?"""', "", code, flags=re.S)  # docstrings may explain
    code = re.sub(r"#.*", "", code)
    numbers = set(re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", code))
    assert not numbers & set(THRESHOLDS), numbers & set(THRESHOLDS)


from hypothesis import given  # noqa: E402
from hypothesis import strategies as hs  # noqa: E402

from lingong.rules.model import prorated_target, ratio_target  # noqa: E402

_DEFAULT = load_rules()


@given(target=hs.integers(0, 10_000), active=hs.integers(0, 12))
def test_prorating_is_exact_integer_ceiling(target, active):
    rules = _DEFAULT
    req = rules.requirement("C1_sum").__class__(**{**rules.requirement("C1_sum").__dict__, "target": target})
    got = prorated_target(req, active, rules)
    assert got == -(-target * active // 6)
    excellent = ratio_target(got, rules.requirement("C1_excellent"), rules)
    assert excellent == -(-got * 6 // 5) and excellent >= got


def test_placeholders_are_filled_by_lookup_never_by_attribute_access():
    from lingong.rules.placeholders import PlaceholderError, fill

    assert (
        fill("半年不少于{C1_sum.half_year}个，{{不是占位符}}", {"C1_sum.half_year": 400})
        == "半年不少于400个，{不是占位符}"
    )
    with pytest.raises(KeyError):
        fill("{C1_sum.__class__}", {"C1_sum.half_year": 400})
    with pytest.raises(PlaceholderError):
        fill("{C1_sum.half_year!r}", {"C1_sum.half_year": 400})
