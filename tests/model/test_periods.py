import pytest

from lingong.model.periods import months_between, months_in_year_through, parse_period


@pytest.mark.parametrize(
    "text,key,label,n",
    [
        ("2023-03", "2023-03", "2023年3月", 1),
        ("2023-3", "2023-03", "2023年3月", 1),
        ("2023年3月", "2023-03", "2023年3月", 1),
        ("2023H1", "2023H1", "2023年上半年", 6),
        ("2023h2", "2023H2", "2023年下半年", 6),
        ("2023年上半年", "2023H1", "2023年上半年", 6),
        ("2023年下半年", "2023H2", "2023年下半年", 6),
        ("2023年度", "2023", "2023年度", 12),
        ("2023", "2023", "2023年度", 12),
        (2023, "2023", "2023年度", 12),
        (2023.0, "2023", "2023年度", 12),
        (" ２０２３Ｈ１ ", "2023H1", "2023年上半年", 6),
    ],
)
def test_period_forms(text, key, label, n):
    p = parse_period(text)
    assert (p.key, p.label, len(p.months)) == (key, label, n)


@pytest.mark.parametrize("text", ["2023-13", "2023H3", "23H1", "上半年", "", "2023-00", "1899", None])
def test_period_rejects(text):
    assert parse_period(text) is None


def test_half_units_and_ytd():
    assert parse_period("2023").half_units == 2.0
    assert parse_period("2023H2").half_units == 1.0
    assert months_in_year_through(parse_period("2023H2"))[0] == "2023-01"
    assert months_in_year_through(parse_period("2023-03")) == ("2023-01", "2023-02", "2023-03")
    assert months_between("2023-11", "2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]


def test_period_option_parses_once_and_refuses_in_chinese():
    import pytest

    from lingong.errors import FatalInput
    from lingong.model.periods import period_option

    p = period_option("2023年上半年")
    assert p.key == "2023H1" and period_option(p) is p  # a Period passes through unchanged
    assert period_option(None) is None and period_option("") is None
    with pytest.raises(FatalInput, match="考核期“2023Q3”无法识别，请写成 2023H1、2023H2、2023 或 2023-03"):
        period_option("2023Q3")
