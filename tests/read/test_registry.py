"""The station registry 驿站名册."""

from datetime import date

import pytest

from lingong.catalogue.issues import CATALOGUE
from support.registry_rows import HEADER, registry, row  # noqa: F401


def test_reads_stations(tmp_path):
    stations, issues = registry(
        tmp_path,
        [
            row(),
            row(" gs－002 ", "广水市十里零工驿站", "广水市", "整改中", "2023-04", "2023年9月"),
            [None] * 12,  # a blank row between stations
            row("SX-003", "随县厉山零工驿站", "随县", "已取消", date(2022, 1, 1), None, phone=13872200003.0),
        ],
    )
    # the full-width "gs－002" is read as GS-002 and noted for the clerk
    assert [(i.code, i.cell, i.found, i.expected) for i in issues] == [("N001", "A5", "gs－002", "GS-002")]
    assert list(stations) == ["ZD-001", "GS-002", "SX-003"]
    gs = stations["GS-002"]
    assert (gs.name, gs.county, gs.status, gs.start_month, gs.end_month) == (
        "广水市十里零工驿站",
        "广水市",
        "整改中",
        "2023-04",
        "2023-09",
    )
    assert gs.source == "名册/名册.xlsx!A5"
    assert stations["SX-003"].phone == "13872200003" and stations["SX-003"].start_month == "2022-01"
    assert stations["ZD-001"].start_month is None and stations["ZD-001"].email == "zd001@example.com"


def test_header_found_anywhere_and_labels_retyped(tmp_path):
    header = [h.replace("（", "(").replace("）", ")") for h in HEADER]
    stations, issues = registry(tmp_path, [row()], title=False, header=header)
    assert issues == [] and stations["ZD-001"].source.endswith("!A2")


def test_empty_status_means_operating(tmp_path):
    stations, issues = registry(tmp_path, [row(status=None)])
    assert issues == [] and stations["ZD-001"].status == "运营"


@pytest.mark.parametrize(
    "bad,problem",
    [
        (dict(status="营业"), "状态填写了“营业”"),
        (dict(county="曾都"), "所属县（市、区）“曾都”不是随州市的县区"),
        (dict(name=None), "驿站名称为空"),
        (dict(start="明年"), "启用年月填写了“明年”，无法识别"),
        (
            dict(start=2023.1),
            "已按 2023年1月读取（Excel 会把 2023.10 这样的数字存成 2023.1）；请写成 2023-01 或 2023年1月",
        ),
        (dict(start=2023.09), "请写成 2023-09 或 2023年9月 这样的文字"),
        (dict(start="2023-06", end="2023-03"), "停用年月 2023-03 早于启用年月 2023-06"),
    ],
)
def test_R005_bad_row_names_row_and_problem(tmp_path, bad, problem):
    stations, issues = registry(tmp_path, [row(), row("ZD-002", **bad)])
    assert len(issues) == 1
    i = issues[0]
    assert i.code == "R005" and i.severity == CATALOGUE["R005"].severity == "错误"
    assert i.message.startswith("驿站名册第 5 行（ZD-002）：") and problem in i.message
    assert "ZD-002" in stations  # kept: its reports are not all 驿站不在名册 for a typo


def test_R005_row_without_code_is_dropped(tmp_path):
    stations, issues = registry(tmp_path, [row(code=None)])
    assert stations == {} and [i.code for i in issues] == ["R005"] and "驿站编号为空" in issues[0].message


def test_R006_duplicate_code(tmp_path):
    stations, issues = registry(tmp_path, [row(), row("zd-001", "另一个驿站")])
    assert [i.code for i in issues] == ["R006"]
    assert issues[0].cell == "A5" and issues[0].expected == "第 4 行"
    assert stations["ZD-001"].name == "东城零工驿站"


def test_R004_no_registry_sheet(tmp_path):
    stations, issues = registry(tmp_path, [row()], sheet="Sheet1")
    assert stations == {} and [i.code for i in issues] == ["R004"]


def test_missing_required_column(tmp_path):
    header = ["驿站编号", "名称", *HEADER[2:]]
    stations, issues = registry(tmp_path, [row()], header=header)
    assert stations == {} and [(i.code, i.expected) for i in issues] == [("S006", "驿站名称")]


@pytest.mark.parametrize(
    "typed, shown, problem",
    [
        ("zd-002@example.com\r\nBcc: spy@evil.example", "zd-002@example.com（换行）Bcc: spy@evil.example", "换行"),
        ("zd-002@example.com, spy@evil.example", "zd-002@example.com, spy@evil.example", "2 个地址"),
        ("zd-002@example.com；spy@evil.example", "zd-002@example.com;spy@evil.example", "2 个地址"),
        ('"东城驿站" <spy@evil.example>', '"东城驿站" <spy@evil.example>', "尖括号"),
        ("zd002@qq", "zd002@qq", "域名“qq”不完整"),
        ("无", "无", "没有 @"),
    ],
)
def test_R008_an_address_that_is_not_one_address_is_a_registry_error(tmp_path, typed, shown, problem):
    stations, issues = registry(tmp_path, [row(), row("ZD-002", "西城零工驿站", email=typed)])
    assert [i.code for i in issues] == ["R008"]
    i = issues[0]
    assert i.severity == CATALOGUE["R008"].severity == "错误"
    assert (i.station, i.file, i.sheet, i.cell) == ("ZD-002", "名册/名册.xlsx", "驿站名册", "H5")
    assert i.message.startswith(f"驿站名册第 5 行（ZD-002）的电子邮箱“{shown}”：") and problem in i.message
    assert "邮件暂不生成、不发送" in i.message and "只填写一个电子邮箱地址" in i.hint
    assert "\r" not in i.message + i.found and "\n" not in i.message + i.found
    assert "ZD-002" in stations  # the station is assessed as usual; only its mail is held


def test_addresses_as_stations_type_them_are_no_issue(tmp_path):
    stations, issues = registry(tmp_path, [row(email=" ZD001＠example.com；"), row("ZD-002", email=None)])
    assert issues == [] and stations["ZD-002"].email == ""
