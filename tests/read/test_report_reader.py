"""Reading filled LGYZ-M-1 reports: tidy, messy-but-valid, and every issue the reader emits."""

from datetime import date

import pytest

from lingong import report_template
from lingong.catalogue.issues import CATALOGUE
from lingong.read.report import read_report
from lingong.read.workbook import CellError, Sheet, Workbook, read_workbook
from support.report_factory import DEFAULT_VALUES, OMIT, sample_details, valid_id, write_report


def read(tmp_path, rel="ZD-001_2023-03.xlsx", **kw):
    path = write_report(tmp_path / "report.xlsx", **kw)
    return read_report(read_workbook(path), rel, sha256="abc", mtime=12.5)


def codes(rec):
    return sorted(i.code for i in rec.issues)


def only(rec, code):
    found = [i for i in rec.issues if i.code == code]
    assert len(found) == 1, [(i.code, i.message) for i in rec.issues]
    return found[0]


def test_tidy_report_reads_every_field(tmp_path):
    details = sample_details(DEFAULT_VALUES, "2023-03")
    rec = read(tmp_path, details=details)
    assert rec.issues == []
    assert (rec.station, rec.month, rec.name, rec.county, rec.version) == (
        "ZD-001",
        "2023-03",
        "东城零工驿站",
        "曾都区",
        "LGYZ-M-1",
    )
    assert rec.fill_date == date(2023, 4, 3)
    assert (rec.file, rec.sha256, rec.mtime) == ("ZD-001_2023-03.xlsx", "abc", 12.5)
    assert set(rec.values) == set(report_template.INDICATOR_CODES)
    assert rec.values["C1"] == 3 and rec.values["A3"] is True
    assert rec.cells["A1"] == "月度指标!E3" and rec.cells["G5"] == "月度指标!E30"
    assert rec.detail_counts == {
        "岗位信息": 3,
        "求职登记": 4,
        "人岗匹配": 2,
        "宣传活动": 4,
        "宣传活动:驿站推广": 2,
        "宣传活动:政策宣传": 1,
        "宣传活动:媒体报道": 1,
        "投诉记录": 0,
        "投诉记录:是": 0,
    }
    assert not rec.has_error


def test_messy_but_valid_report(tmp_path):
    """Moved tables, inserted blank/note rows, full-width labels, station-typed values."""
    rec = read(
        tmp_path,
        rel="东城驿站3月报表(修改版).xlsx",
        messy=True,
        offset_rows=5,
        offset_cols=2,
        station=" zd－001 ",
        month="2023年3月",
        values={"C1": "１２", "C2": "4 人次", "B1": "1,200", "A3": "√", "A4": True, "G3": "Y", "E1": 5.0},
        info_overrides={"用工专线电话": "0722 320 1234"},
    )
    assert not rec.has_error, [i.message for i in rec.issues]
    assert rec.station == "ZD-001" and rec.month == "2023-03"
    assert rec.values["C1"] == 12 and rec.values["C2"] == 4 and rec.values["B1"] == 1200
    assert rec.values["A4"] is True and rec.values["E1"] == 5
    assert rec.cells["A1"] == "月度指标!G8" and rec.cells["C1"] == "月度指标!G19"
    assert codes(rec) == ["N001", "V003", "V003", "V003", "V005", "V005", "V005"]  # N001: the full-width dash
    c1 = next(i for i in rec.issues if i.cell == rec.cells["C1"].split("!")[1])
    assert c1.message == "月度指标!G19（C1 收集审核零工岗位数）填写了“１２”，已按 12 读取"
    assert (c1.station, c1.month, c1.file, c1.sheet) == (
        "ZD-001",
        "2023-03",
        "东城驿站3月报表(修改版).xlsx",
        "月度指标",
    )


def test_info_sheet_without_header(tmp_path):
    import openpyxl

    path = write_report(tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["基本信息"]
    ws.delete_rows(1, 2)  # title and header gone
    ws.insert_cols(1)  # labels now in B, a stray note column in A
    ws["A3"] = "说明"
    wb.save(path)
    rec = read_report(read_workbook(path), "r.xlsx")
    assert rec.issues == [] and rec.station == "ZD-001" and rec.month == "2023-03"


@pytest.mark.parametrize(
    "month",
    ["2023-03", "2023-3", "2023年3月", "2023年03月", "2023/3", "2023.3", "202303", date(2023, 3, 1), date(2023, 3, 31)],
)
def test_month_forms_in_a_report(tmp_path, month):
    rec = read(tmp_path, month=month)
    assert rec.month == "2023-03" and rec.issues == []


def test_sheet_names_with_stray_spaces(tmp_path):
    import openpyxl

    path = write_report(tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["月度指标"].title = "月度指标 "
    wb.save(path)
    rec = read_report(read_workbook(path), "r.xlsx")
    assert not rec.has_error and rec.values["C1"] == 3


# ---- every issue code the reader emits ----------------------------------------


def _uncached(tmp_path, code="C1"):
    rec = read(tmp_path)
    path = tmp_path / "report.xlsx"
    wb = read_workbook(path)
    sheet, cell = rec.cells[code].split("!")
    col = ord(cell[0]) - 65
    row = int(cell[1:]) - 1
    wb.sheet(sheet).uncached.add((row, col))
    return read_report(wb, "r.xlsx")


def _error_cell(tmp_path):
    path = write_report(tmp_path / "report.xlsx")
    wb = read_workbook(path)
    rows = wb.sheet("月度指标").rows
    rows[11][4] = CellError("#DIV/0!")
    return read_report(wb, "r.xlsx")


def _details(**sheets):
    d = sample_details(DEFAULT_VALUES, "2023-03")
    d.update(sheets)
    return d


CASES = {
    "S001": (dict(sheets=("基本信息",)), "缺少工作表“月度指标”"),
    "S002": (dict(version="LGYZ-M-2"), "模板版本为“LGYZ-M-2”，应为“LGYZ-M-1”"),
    "S003": (dict(info_overrides={"驿站名称": OMIT}), "基本信息缺少“驿站名称”一行"),
    "S004": (dict(values={"B4": OMIT}), "月度指标缺少代码 B4 的一行"),
    "S005": (dict(extra_indicator_rows=(("C1", 5),)), "月度指标中代码 C1 出现了多次"),
    "S007": (dict(extra_indicator_rows=(("H1", 5),)), "月度指标中有模板没有的代码“H1”，已忽略"),
    "S009": (dict(version="LGYZ-M-1.1"), "模板版本为“LGYZ-M-1.1”，与当前“LGYZ-M-1”小版本不同，仍按当前版本读取"),
    "V001": (dict(values={"C1": None}), "月度指标!E12（C1 收集审核零工岗位数）未填写"),
    "V002": (dict(values={"C1": "十二"}), "月度指标!E12（C1 收集审核零工岗位数）填写了“十二”，应为非负整数"),
    "V003": (dict(values={"C1": "3个"}), "月度指标!E12（C1 收集审核零工岗位数）填写了“3个”，已按 3 读取"),
    "V004": (
        dict(values={"A3": "基本建立"}),
        "月度指标!E5（A3 服务制度、服务流程等规范已建立）填写了“基本建立”，应为“是”或“否”",
    ),
    "V005": (dict(values={"A3": "√"}), "月度指标!E5（A3 服务制度、服务流程等规范已建立）填写了“√”，已按“是”读取"),
    "V007": (dict(month="三月份"), "报送年月填写了“三月份”，无法识别"),
    "V008": (
        dict(month=2023.1, fill_date=date(2023, 2, 3)),
        "报送年月填写了数字“2023.1”，已按 2023-01 读取；Excel 会把 2023.10 存成 2023.1",
    ),
    "V009": (
        dict(info_overrides={"联系电话": "1387220123"}),
        "基本信息!B10（联系电话）填写了“1387****23”，不是有效的电话号码",
    ),
    "V013": (dict(info_overrides={"用工专线电话": None}), "用工专线电话未填写（政策三(一)2 要求对外公布）"),
    "V015": (dict(fill_date="下月初"), "填报日期填写了“下月初”，无法识别"),
    "X001": (dict(values={"A1": 2, "A2": 3}), "按时完成工作任务数 A2=3 大于下达任务数 A1=2"),
    "X002": (
        dict(details=_details(岗位信息=sample_details({"C1": 2}, "2023-03")["岗位信息"])),
        "明细表“岗位信息”有 2 条记录，月度指标 C1 收集审核零工岗位数 为 3",
    ),
    "F011": (
        dict(rel="GS-007_2023年3月.xlsx"),
        "文件名显示为 驿站编号 GS-007，但表内填写的是 驿站编号 ZD-001；以表内内容为准",
    ),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_reader_issue(tmp_path, code):
    kw, message = CASES[code]
    kw = dict(kw)
    rel = kw.pop("rel", "ZD-001_2023-03.xlsx" if code != "V008" else "ZD-001.xlsx")
    rec = read(tmp_path, rel=rel, **kw)
    i = only(rec, code)
    assert i.message == message
    assert i.severity == CATALOGUE[code].severity
    assert i.file == rel and i.station == "ZD-001"
    assert rec.has_error == (CATALOGUE[code].severity == "错误")


def test_S001_neither_part_of_a_pair(tmp_path):
    rec = read(tmp_path, sheets=("月度指标",))
    assert [i.expected for i in rec.issues if i.code == "S001"] == ["基本信息"]
    assert rec.values["C1"] == 3


def test_S006_indicator_header_renamed(tmp_path):
    import openpyxl

    path = write_report(tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["月度指标"]["E2"] = "数值"
    wb.save(path)
    rec = read_report(read_workbook(path), "r.xlsx")
    assert only(rec, "S006").message == "“月度指标”表找不到表头“本月数值”"
    assert "S004" not in codes(rec) and rec.has_error


def test_S008_detail_column_missing(tmp_path):
    import openpyxl

    path = write_report(tmp_path / "r.xlsx", details=sample_details(DEFAULT_VALUES, "2023-03"))
    wb = openpyxl.load_workbook(path)
    wb["岗位信息"]["H1"] = "日期"
    wb.save(path)
    rec = read_report(read_workbook(path), "r.xlsx")
    assert only(rec, "S008").expected == "登记日期" and not rec.has_error


def test_V006_formula_without_cached_value(tmp_path):
    rec = read(tmp_path, values={"C1": "=5+7"})
    i = only(rec, "V006")
    assert i.cell == "E12" and i.message.startswith("月度指标!E12（C1 收集审核零工岗位数）是公式")
    assert "C1" not in rec.values and rec.has_error


def test_V006_injected(tmp_path):
    rec = _uncached(tmp_path, "G5")
    assert only(rec, "V006").cell == "E30" and "G5" not in rec.values


def test_V014_error_cell(tmp_path):
    rec = _error_cell(tmp_path)
    i = only(rec, "V014")
    assert i.message == "月度指标!E12（C1 收集审核零工岗位数）的单元格显示错误值 #DIV/0!" and rec.has_error


def test_V010_V017_ids_masked(tmp_path):
    seekers = sample_details(DEFAULT_VALUES, "2023-03")["求职登记"]
    good = valid_id(7)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    seekers[0]["身份证号"] = bad
    seekers[1]["身份证号"] = float(good)
    rec = read(tmp_path, details=_details(求职登记=seekers))
    v10, v17 = only(rec, "V010"), only(rec, "V017")
    assert v10.cell == "D2" and v10.found == bad[:6] + "********" + bad[-4:]
    assert v17.cell == "D3" and v17.found.startswith(good[:6] + "********")
    for i in rec.issues:
        assert good not in i.message + i.found and bad not in i.message + i.found
    assert not rec.has_error


def test_V009_detail_phone_masked(tmp_path):
    jobs = sample_details(DEFAULT_VALUES, "2023-03")["岗位信息"]
    jobs[2]["联系电话"] = "1380722000"  # one digit short
    jobs[1]["联系电话"] = 13807220001.0  # a number cell, still a phone
    rec = read(tmp_path, details=_details(岗位信息=jobs))
    i = only(rec, "V009")
    assert i.cell == "G4" and "1380722000" not in i.message and i.found == "1380****00"


def test_V011_date_outside_month(tmp_path):
    matches = sample_details(DEFAULT_VALUES, "2023-03")["人岗匹配"]
    matches[0]["上岗日期"] = date(2023, 2, 27)
    rec = read(tmp_path, details=_details(人岗匹配=matches))
    assert only(rec, "V011").message == "人岗匹配!G2（上岗日期）为 2023-02-27，不在报送月份 2023年3月 内"


def test_V012_detail_date_unreadable(tmp_path):
    jobs = sample_details(DEFAULT_VALUES, "2023-03")["岗位信息"]
    jobs[0]["登记日期"] = "三月初"
    rec = read(tmp_path, details=_details(岗位信息=jobs))
    assert only(rec, "V012").cell == "H2"


def test_V016_and_filtered_counts(tmp_path):
    promo = sample_details(DEFAULT_VALUES, "2023-03")["宣传活动"]
    promo[0]["类别"] = "推广"  # not one of the choices
    complaints = [
        {"日期": date(2023, 3, 9), "投诉事由": "态度", "是否核实": "√", "处理结果": "已整改"},
        {"日期": date(2023, 3, 19), "投诉事由": "态度", "是否核实": "否", "处理结果": "不属实"},
        {"日期": date(2023, 3, 20), "投诉事由": "态度", "是否核实": "待查", "处理结果": ""},
    ]
    rec = read(tmp_path, values={"G5": 1}, details=_details(宣传活动=promo, 投诉记录=complaints))
    v16 = sorted((i.sheet, i.found) for i in rec.issues if i.code == "V016")
    assert v16 == [("宣传活动", "推广"), ("投诉记录", "待查")]
    assert rec.detail_counts["宣传活动:驿站推广"] == 1 and rec.detail_counts["投诉记录:是"] == 1
    x2 = only(rec, "X002")  # D1 says 2, one 驿站推广 record left
    assert (x2.found, x2.expected, x2.sheet) == ("1", "2", "宣传活动") and "D1" in x2.message


def test_X002_verified_complaints(tmp_path):
    complaints = [{"日期": date(2023, 3, 9), "投诉事由": "态度", "是否核实": "是", "处理结果": "已整改"}] * 2
    rec = read(tmp_path, values={"G5": 0}, details=_details(投诉记录=complaints))
    i = only(rec, "X002")
    assert (i.found, i.expected) == ("2", "0") and "G5" in i.message


def test_empty_detail_sheets_are_not_cross_checked(tmp_path):
    rec = read(tmp_path, values={"C1": 40})
    assert rec.issues == [] and rec.detail_counts["岗位信息"] == 0


def test_detail_note_rows_are_not_records(tmp_path):
    jobs = sample_details(DEFAULT_VALUES, "2023-03")["岗位信息"]
    jobs.append({"序号": "合计", "需求人数": 15})
    jobs.append({"序号": None, "用工单位": "注：以上为本月新增岗位"})
    jobs.append({"序号": 99})  # a pre-numbered empty row
    rec = read(tmp_path, details=_details(岗位信息=jobs))
    assert rec.detail_counts["岗位信息"] == 3 and rec.issues == []


@pytest.mark.parametrize(
    "rel,ok",
    [
        ("ZD-001_2023-03.xlsx", True),
        ("东城驿站3月报表(修改版).xlsx", True),
        ("zd001 202303.xlsx", True),
        ("ZD-001_2023年4月.xlsx", False),
        ("东城驿站1月报表.xlsx", False),
        ("ZD-002.xlsx", False),
        ("报表V2.xlsx", True),
        ("WPS2019另存ZD001.xlsx", True),
        ("gs_017 三月.xlsx", False),
        ("2023-04/ZD-001_3月.xlsx", True),  # folders are the clerk's, not the station's
    ],
)
def test_file_name_vs_content(tmp_path, rel, ok):
    rec = read(tmp_path, rel=rel)
    assert ("F011" not in codes(rec)) == ok


def test_registry_free_and_pure(tmp_path):
    """Same grid twice, same record; the grid is not modified."""
    path = write_report(tmp_path / "r.xlsx", values={"C1": "１２"})
    wb = read_workbook(path)
    before = [list(r) for r in wb.sheet("月度指标").rows]
    a, b = read_report(wb, "r.xlsx"), read_report(wb, "r.xlsx")
    assert a == b and wb.sheet("月度指标").rows == before


def test_grid_built_in_memory():
    """The reader needs nothing but the Workbook interface."""
    info = [
        ["项目", "填报内容"],
        ["模板版本", "LGYZ-M-1"],
        ["驿站编号", "ZD-009"],
        ["驿站名称", "甲"],
        ["所属县（市、区）", "随县"],
        ["报送年月", "2023-05"],
        ["用工专线电话", "0722-3201234"],
    ]
    ind = [list(report_template.INDICATOR_HEADER)] + [
        [i.code, i.item, i.name, i.unit, 1 if i.kind == report_template.COUNT else "是", None]
        for i in report_template.INDICATORS
    ]
    wb = Workbook(
        path=None,
        sheet_names=["基本信息", "月度指标"],
        _sheets={"基本信息": Sheet("基本信息", True, info), "月度指标": Sheet("月度指标", True, ind)},
    )
    rec = read_report(wb, "x.xlsx")
    assert rec.issues == [] and rec.station == "ZD-009" and rec.values["G5"] == 1


def test_personal_data_in_a_wrong_cell_is_masked(tmp_path):
    rec = read(tmp_path, values={"C2": "13812345678张三"})
    i = only(rec, "V002")
    assert "13812345678" not in i.message and "138****5678" in i.found


def test_round_trip_through_the_template_writer(tmp_path):
    """The blank template the bureau hands out, filled by code, reads back to the same values."""
    from lingong.model.records import Station
    from lingong.render.blank_template import write_template

    values = {c: (v == "是" if isinstance(v, str) else v) for c, v in DEFAULT_VALUES.items()}
    path = tmp_path / "t.xlsx"
    write_template(
        path,
        station=Station("ZD-003", "东城零工驿站", "曾都区"),
        month="2023-03",
        values=values,
        details=sample_details(DEFAULT_VALUES, "2023-03"),
        info={"hotline": "0722-3201234", "fill_date": date(2023, 4, 2)},
    )
    rec = read_report(read_workbook(path), "t.xlsx")
    assert [i.message for i in rec.issues] == []
    assert rec.values == values and rec.station == "ZD-003" and rec.month == "2023-03"
    assert rec.detail_counts["岗位信息"] == DEFAULT_VALUES["C1"]


def test_no_header_empty_value_is_not_read_from_the_hint_column(tmp_path):
    import openpyxl

    path = write_report(tmp_path / "r.xlsx", info_overrides={"驿站名称": None})
    wb = openpyxl.load_workbook(path)
    wb["基本信息"].delete_rows(1, 2)
    wb.save(path)
    rec = read_report(read_workbook(path), "r.xlsx")
    assert rec.name == "" and only(rec, "V001").message == "基本信息!B3（驿站名称）未填写"
