"""Values as people type them (spec table), labels, cell addresses, phones and IDs."""

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lingong.catalogue.issues import CATALOGUE
from lingong.model.cells import a1, col_letter, ref
from lingong.read.labels import loose_label, norm_code, norm_label
from lingong.read.values import (
    as_text,
    id_check_digit,
    id_check_ok,
    id_lost_digits,
    is_valid_phone,
    parse_count,
    parse_date,
    parse_month,
    parse_yesno,
)
from lingong.read.workbook import CellError

# ---- labels and addresses ----------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "所属县（市、区）",
        "所属县(市、区)",
        " 所属县 ( 市、区 ) ",
        "所属县（市，区）：",
        "所属县[市、区]:",
        "所属县【市、区】",
        "所属县\u3000（市、区）",
        "*所属县（市、区）",
    ],
)
def test_labels_compare_after_normalising(typed):
    assert norm_label(typed) == norm_label("所属县（市、区）")


def test_labels_differ_when_words_differ():
    assert norm_label("驿站名称") != norm_label("驿站编号")
    assert loose_label("所属县(市/区)") == loose_label("所属县（市、区）")


@pytest.mark.parametrize(
    "typed,code",
    [
        ("zd-003", "ZD-003"),
        (" ZD－003 ", "ZD-003"),
        ("ZD—003", "ZD-003"),
        ("ＺＤ-００３", "ZD-003"),
        ("ZD _003", "ZD-003"),
        (None, ""),
    ],
)
def test_station_codes_normalise(typed, code):
    assert norm_code(typed) == code


@pytest.mark.parametrize(
    "row0,col0,text",
    [
        (0, 0, "A1"),
        (13, 4, "E14"),
        (0, 25, "Z1"),
        (2, 26, "AA3"),
        (0, 27, "AB1"),
        (9, 51, "AZ10"),
        (0, 52, "BA1"),
        (0, 701, "ZZ1"),
        (0, 702, "AAA1"),
    ],
)
def test_a1(row0, col0, text):
    assert a1(row0, col0) == text


def test_ref_and_bad_coordinates():
    assert ref("月度指标", 13, 4) == "月度指标!E14"
    assert col_letter(26) == "AA"
    with pytest.raises(ValueError):
        a1(-1, 0)


# ---- counts: every row of the spec table --------------------------------------


@pytest.mark.parametrize("raw,value", [(12, 12), (12.0, 12), (0, 0), (0.0, 0), ("12", 12)])
def test_count_accepted_silently(raw, value):
    p = parse_count(raw, "个")
    assert (p.value, p.code) == (value, None)


@pytest.mark.parametrize(
    "raw,unit,value",
    [
        (" 12 ", "个", 12),
        ("１２", "个", 12),
        ("1,200", "条", 1200),
        ("１，２００", "条", 1200),
        ("12次", "次", 12),
        ("12 人次", "人次", 12),
        ("１２人次", "人次", 12),
        ("12.0", "个", 12),
        ("012", "个", 12),
    ],
)
def test_count_accepted_with_warning(raw, unit, value):
    p = parse_count(raw, unit)
    assert (p.value, p.code, p.read_as) == (value, "V003", str(value))


@pytest.mark.parametrize(
    "raw,unit,code",
    [
        (None, "个", "V001"),
        ("", "个", "V001"),
        ("   ", "个", "V001"),
        (-1, "个", "V002"),
        ("-3", "个", "V002"),
        (12.5, "个", "V002"),
        ("12.5", "个", "V002"),
        ("十二", "个", "V002"),
        ("约12", "个", "V002"),
        ("12个", "次", "V002"),  # another row's unit is not this row's
        ("1,2", "个", "V002"),
        ("12,00", "个", "V002"),
        (True, "个", "V002"),
        (date(2023, 3, 1), "个", "V002"),
        (float("nan"), "个", "V002"),
        ("次", "次", "V002"),
        (CellError("#N/A"), "个", "V002"),
    ],
)
def test_count_errors(raw, unit, code):
    p = parse_count(raw, unit)
    assert p.value is None and p.code == code and CATALOGUE[code].severity == "错误"


@given(st.integers(min_value=0, max_value=10**12))
def test_count_round_trips_every_form(n):
    assert parse_count(n, "个").value == n
    assert parse_count(float(n), "个").value == n if n < 2**53 else True
    assert parse_count(str(n), "个").value == n
    full = str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert parse_count(full, "人次").value == n
    assert parse_count(f"{n}人次", "人次").value == n
    assert parse_count(f" {n} 人次 ", "人次").value == n
    assert parse_count(f"{n:,}", "条").value == n


@given(
    st.one_of(
        st.text(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.none(),
        st.integers(),
        st.booleans(),
        st.dates(),
        st.datetimes(),
    ),
    st.sampled_from(["", "个", "人次"]),
)
def test_parsers_never_raise(raw, unit):
    for p in (parse_count(raw, unit), parse_yesno(raw), parse_month(raw), parse_date(raw)):
        assert p.code is None or p.code in CATALOGUE
        assert p.value is not None or p.code is not None or raw is None or isinstance(raw, str)
    as_text(raw)
    is_valid_phone(raw)
    id_check_ok(raw)


# ---- yes/no ---------------------------------------------------------------------


@pytest.mark.parametrize("raw,value", [("是", True), ("否", False), (" 是 ", True)])
def test_yesno_silent(raw, value):
    assert (parse_yesno(raw).value, parse_yesno(raw).code) == (value, None)


@pytest.mark.parametrize(
    "raw,value",
    [
        ("√", True),
        ("×", False),
        ("✓", True),
        ("✗", False),
        ("Y", True),
        ("N", False),
        ("y", True),
        ("n", False),
        ("yes", True),
        ("no", False),
        ("YES", True),
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        (1.0, True),
        ("1", True),
        ("0", False),
        ("有", True),
        ("无", False),
        ("ｙｅｓ", True),
    ],
)
def test_yesno_with_warning(raw, value):
    p = parse_yesno(raw)
    assert (p.value, p.code, p.read_as) == (value, "V005", "是" if value else "否")


@pytest.mark.parametrize(
    "raw,code",
    [
        (None, "V001"),
        ("", "V001"),
        ("不确定", "V004"),
        ("2", "V004"),
        (2, "V004"),
        ("是否", "V004"),
        (date(2023, 1, 1), "V004"),
        ("x", "V004"),
    ],
)
def test_yesno_errors(raw, code):
    p = parse_yesno(raw)
    assert p.value is None and p.code == code


# ---- months ---------------------------------------------------------------------


def _month_forms(y, m):
    return [
        f"{y}-{m:02d}",
        f"{y}-{m}",
        f"{y}年{m}月",
        f"{y}年{m:02d}月",
        f"{y}/{m}",
        f"{y}.{m}",
        f"{y}{m:02d}",
        f" {y} 年 {m} 月 ",
        f"{y}年{m}月份",
        date(y, m, 1),
        date(y, m, 28),
        datetime(y, m, 15, 9, 30),
        f"{y}-{m:02d}-15",
        f"{y}年{m}月3日",
        float(y * 100 + m),
        float((date(y, m, 10) - date(1899, 12, 30)).days),
    ]  # an Excel date serial


@given(st.integers(2000, 2099), st.integers(1, 12))
def test_parse_month_every_form_every_month(y, m):
    for raw in _month_forms(y, m):
        p = parse_month(raw)
        assert (p.value, p.code) == (f"{y}-{m:02d}", None), raw


@pytest.mark.parametrize(
    "raw,month", [(2023.1, "2023-01"), (2023.12, "2023-12"), (2023.05, "2023-05"), (2023.11, "2023-11")]
)
def test_numeric_month_warns(raw, month):
    p = parse_month(raw)
    assert (p.value, p.code, p.read_as) == (month, "V008", month)


@pytest.mark.parametrize(
    "raw,code",
    [
        (None, "V001"),
        ("", "V001"),
        ("三月", "V007"),
        ("2023-13", "V007"),
        ("2023", "V007"),
        (2023, "V007"),
        (2023.13, "V007"),
        ("1999-01", "V007"),
        (True, "V007"),
        ("2023-02-30", "V007"),
        ("23-3", "V007"),
        (-5.0, "V007"),
    ],
)
def test_month_errors(raw, code):
    assert (parse_month(raw).value, parse_month(raw).code) == (None, code)


# ---- dates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "2023-07-15",
        "2023/7/15",
        "2023.7.15",
        "2023年7月15日",
        "20230715",
        " 2023 年7月15日 ",
        date(2023, 7, 15),
        datetime(2023, 7, 15, 8, 0),
        45122.0,
        20230715.0,
        "2023-07-15 08:30",
    ],
)
def test_dates(raw):
    p = parse_date(raw)
    assert (p.value, p.code) == (date(2023, 7, 15), None)


@pytest.mark.parametrize("raw", ["7月15日", "2023-02-30", "下周", 12.0, True])
def test_bad_dates(raw):
    assert parse_date(raw).code == "V012"


def test_empty_date_is_not_an_error():
    assert parse_date(None).code is None and parse_date(None).value is None


# ---- text, phones, IDs ---------------------------------------------------------


@pytest.mark.parametrize(
    "raw,text",
    [
        (13812345678.0, "13812345678"),
        (13812345678, "13812345678"),
        (7221234567.0, "7221234567"),
        ("０７２２-1234567", "0722-1234567"),
        (" ZD-003 ", "ZD-003"),
        (None, ""),
        (1.5, "1.5"),
        (1e20, "100000000000000000000"),
        (date(2023, 1, 2), "2023-01-02"),
    ],
)
def test_as_text_never_scientific(raw, text):
    assert as_text(raw) == text


@pytest.mark.parametrize(
    "phone",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "0722-1234567",
        "07221234567",
        "0722 12345678",
        "(0722)1234567",
        "027-87654321",
        "400-123-4567",
        "8001234567",
        "+86 13812345678",
        13812345678.0,
        "13812345678/0722-1234567",
        "１３８１２３４５６７８",
    ],
)
def test_valid_phones(phone):
    assert is_valid_phone(phone)


@pytest.mark.parametrize(
    "phone",
    [
        "12345678901",
        "1381234567",
        "138123456789",
        "1234567",
        "3201234",
        "电话",
        "0722-123",
        "10086",
        "",
        None,
        "13812345678/123",
    ],
)
def test_invalid_phones(phone):
    assert not is_valid_phone(phone)


def test_id_check_digit():
    assert id_check_ok("11010519491231002X")
    assert id_check_ok("11010519491231002x")
    assert not id_check_ok("110105194912310021")
    assert not id_check_ok("11010519491231002")  # 17 characters
    assert not id_check_ok("")
    first17 = "42130219900101001"
    assert id_check_ok(first17 + id_check_digit(first17))


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_exactly_one_check_digit_is_right(first17):
    ok = [c for c in "0123456789X" if id_check_ok(first17 + c)]
    assert ok == [id_check_digit(first17)]


def test_id_typed_as_number_lost_digits():
    assert id_lost_digits(4.20302199001011e17)
    assert not id_lost_digits("420302199001011234")
    text = as_text(4.20302199001011e17)
    assert len(text) == 18 and text.isdigit()
