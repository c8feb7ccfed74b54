"""Problems in the bureau's own files (驿站名册, 考核组意见) are the clerk's: listed for the clerk, never in a
station's rows of the 校验报告, its mail or a return copy."""

from __future__ import annotations

import email
from datetime import date
from email import policy

import openpyxl
import pytest

from lingong.digest import digest
from lingong.layout import MAIL_FOLDER, RETURNS_FOLDER, validation_report_name
from support.city import write_city
from support.report_factory import write_table
from support.runs import run_on


@pytest.fixture
def city(tmp_path):
    src = write_city(tmp_path / "input")
    write_table(
        src / "考核组意见.xlsx",
        "考核组意见",
        ["驿站编号", "考核期", "考核项目", "等次", "理由"],
        [
            ["GS-001", "2023H1", "宣传推广", "优秀", None],  # no reason: D001
            ["ZD-001", "2023H1", "服务效能", "优秀", "现场核查"],  # two rows, one item: D007
            ["ZD-001", "2023年上半年", "服务效能", "不合格", "复核"],
        ],
    )
    return src


@pytest.mark.timeout(300)
def test_bureau_file_issues_go_to_the_clerk_only(tmp_path, city):
    out = tmp_path / "out"
    summary = run_on(city, out, "2023H1", assessed_on=date(2023, 7, 10), mail_drafts=True)
    assert sorted(i.code for i in summary.bureau_issues) == ["D001", "D007"]
    assert not [i for i in summary.issues if i.code.startswith("D")]
    # Neither of the two conflicting rows was applied.
    zd = {r.station.code: r for r in summary.results}["ZD-001"]
    assert all(i.decision is None for i in zd.items)

    wb = openpyxl.load_workbook(out / "2023H1" / validation_report_name("2023年上半年"))
    station_rows = ["|".join(str(c.value) for c in r) for r in wb["校验问题"].iter_rows()]
    assert not any("考核组意见" in r for r in station_rows)
    clerk_rows = ["|".join(str(c.value) for c in r) for r in wb["名册与考核组意见问题"].iter_rows()]
    assert any("没有填写理由" in r for r in clerk_rows) and any("两条均未采用" in r for r in clerk_rows)

    text = digest(summary)
    assert "驿站名册和考核组意见的问题 2 条" in text and "考核组意见第 2 行没有填写理由" in text

    for code in ("GS-001", "ZD-001"):
        eml = next((out / "2023H1" / MAIL_FOLDER).glob(f"{code}_*.eml"))
        body = email.message_from_bytes(eml.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
        # No decision was applied: none is said (the rechecks' "记入考核组意见" is not one).
        assert "理由" not in body and "考核组意见：" not in body and "考核组确认" not in body
    assert not (out / "2023H1" / RETURNS_FOLDER).exists() or not any((out / "2023H1" / RETURNS_FOLDER).iterdir())
