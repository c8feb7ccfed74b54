"""Row heights: the estimate every writer uses must never cut a wrapped text short."""

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from lingong.render import textfit
from lingong.render.textfit import row_height, text_lines


def _lines_char_by_char(text: str, width_chars: float, font_pt: float) -> int:
    """The definition: words of printable ASCII move whole, every other character
    alone, a word longer than the line is cut anywhere."""
    usable = (width_chars * 7 + 5 - 8) * 0.75
    total = 0
    for para in text.split("\n"):
        line, n = 0.0, 1
        for token in re.findall(r"[!-~]+|.", para, re.S):
            if "!" <= token[0] <= "~":
                w = len(token) * font_pt * 0.55
            else:
                w = font_pt if unicodedata.east_asian_width(token) in "WFA" or token in "☑□" else font_pt * 0.55
            if line + w <= usable:
                line += w
                continue
            if w <= usable:
                n += 1
                line = w
                continue
            for ch in token:
                cw = w / len(token)
                if line + cw > usable:
                    n += 1
                    line = 0.0
                line += cw
        total += n
    return total


def test_every_character_placed_as_a_run_is_as_wide_as_the_font():
    chars = [chr(c) for c in range(0x3000, 0x10000) if re.fullmatch(f"[{textfit.WIDE_RUN}]", chr(c))]
    assert len(chars) > 20000
    assert all(unicodedata.east_asian_width(ch) in "WF" for ch in chars)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("零工驿站报表（），。ab 12_/.-\n·→☑")), max_size=120),
    width=st.sampled_from([1, 2, 5, 6, 9.5, 14, 30, 46]),
    font=st.sampled_from([9, 10, 10.5, 12]),
)
def test_runs_are_placed_as_character_by_character(text, width, font):
    assert text_lines(text, width, font) == _lines_char_by_char(text, width, font)


def test_a_long_file_name_takes_the_lines_it_needs():
    name = "片区001/曾都区/东城街道零工驿站/ZD-001_东城街道零工驿站_2023年3月_月度运维报表.xlsx"
    assert text_lines(name, 30) > text_lines(name, 60) >= 2
    assert text_lines("", 10) == 1 and text_lines("甲\n乙\n丙", 30) == 3
    assert text_lines("零" * 10, 20) == 1 and text_lines("零" * 100, 20) > text_lines("0" * 100, 20)
    assert row_height([(name, 30)], 10) > row_height([("短", 30)], 10)


def test_a_pasted_essay_is_measured_like_any_text():
    essay = ("本月开展宣传活动，发放资料 ZD-001 份。" * 200)[:5000]
    assert text_lines(essay, 46) == _lines_char_by_char(essay, 46, 10) > 100


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("零工驿站报表（），。；、：ab 12%_/.-\n“”☑")), max_size=160),
    width=st.sampled_from([4, 7, 12, 18, 23, 28, 81]),
    font=st.sampled_from([9, 10, 10.5]),
)
def test_broken_lines_each_fit_and_keep_the_rules_where_they_can(text, width, font):
    broken = textfit.break_lines(text, width, font)
    assert broken.replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")
    assert broken.count("\n") >= text.count("\n")
    for para in text.split("\n"):
        lines = textfit.break_lines(para, width, font).split("\n")
        assert all(text_lines(line, width, font) == 1 for line in lines)  # no program wraps them again
        for before, after in zip(lines, lines[1:]):  # each a break the text did not have
            # Kept unless no break in the line before is allowed either ("工.111" before "”").
            if any(not textfit._forbidden(before + after, k) for k in range(1, len(before))):
                assert after[:1] not in textfit.NO_START, (before, after)
                assert before[-1:] not in textfit.NO_END, (before, after)


def test_a_closing_mark_takes_the_character_before_it_down_and_a_number_stays_whole():
    # 11 characters fit a line 23 wide: the 12th, "；", would start the second line.
    assert textfit.break_lines("一二三四五六七八九十壹；贰", 23) == "一二三四五六七八九十\n壹；贰"
    assert textfit.break_lines("一二三四五六七八九十（壹贰", 23) == "一二三四五六七八九十\n（壹贰"
    assert textfit.break_lines("已达到已达到已达到（69）", 23) == "已达到已达到已达到\n（69）"
    assert textfit.break_lines("短句。", 23) == "短句。"
