import pytest
from hypothesis import given
from hypothesis import strategies as st

from lingong.runtime.outfiles import atomic_path, file_name, inside, safe_component
from lingong.runtime.privacy import mask, mask_id, mask_phone


@pytest.mark.parametrize(
    "raw",
    [
        '=HYPERLINK("x")/../东城',
        "../../etc/passwd",
        "a\x00b",
        "CON",
        "con.txt",
        "LPT1",
        "东城∕西城",
        "东城／西城",
        "东城\\西城",
        "..",
        ".",
        "",
        "   ",
        "名" * 300,
        "a\u202eb",
        "x:y*z?",
        "COM1.xlsx",
    ],
)
def test_safe_component_is_one_harmless_component(raw, tmp_path):
    s = safe_component(raw)
    assert s and "/" not in s and "\\" not in s and "\x00" not in s and ".." not in s
    assert len(s.encode()) <= 150
    assert s.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}
    p = inside(tmp_path, "县", s + "_考核验收表.xlsx")
    assert tmp_path.resolve() in p.parents


@given(stem=st.text(max_size=300), suffix=st.sampled_from(["_考核验收表.xlsx", ".eml", "_退回.xlsx"]))
def test_a_long_or_odd_name_is_cut_before_its_suffix(stem, suffix):
    # "ﯪ" (one character typed) becomes three under NFKC: the cut must come after that
    name = file_name(stem, suffix)
    assert name.endswith(suffix) and len(name.encode()) <= 150
    again = safe_component(name)  # what inside() makes of it
    assert again.endswith(suffix) and len(again.encode()) <= 150


def test_a_name_that_grows_under_nfkc_keeps_its_suffix():
    name = file_name("00000000\x80\x80𢡊" + "ﯪ" * 40 + "𐀀" * 8, "_考核验收表.xlsx")
    assert name.endswith("_考核验收表.xlsx") and len(name.encode()) <= 150


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.xlsx"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError
    assert list(tmp_path.iterdir()) == []
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"whole")
    assert target.read_bytes() == b"whole" and len(list(tmp_path.iterdir())) == 1


def test_masking():
    assert mask_id("42030219900101123X") == "420302********123X"
    assert mask_phone("138 1234 5678") == "138****5678"
    text = mask("身份证 420302199001011234，电话13812345678")
    assert "199001011234" not in text and "12345678" not in text
