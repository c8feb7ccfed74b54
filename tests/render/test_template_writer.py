"""The template LGYZ-M-1 as written: layout from template_spec, validations,
protection without a password, pre-filled fields, and a round trip through the reader."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from lingong import report_template
from lingong.model.records import Station
from lingong.read.report import read_report
from lingong.read.workbook import read_workbook
from lingong.render.blank_template import (
    BLANK_TEMPLATE_NAME,
    blank_template_name,
    write_blank_template_file,
    write_blank_templates,
    write_template,
)

STATION = Station("ZD-003", "南郊街道零工驿站", "曾都区", hotline="0722-3456789")


@pytest.fixture(scope="module")
def prefilled(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "t.xlsx"
    write_template(path, station=STATION, month="2023-07")
    return path


def test_sheets_in_order_and_labels_where_spec_says(prefilled):
    wb = read_workbook(prefilled)
    assert wb.sheet_names == [
        report_template.SHEET_HELP,
        report_template.SHEET_INFO,
        report_template.SHEET_INDICATORS,
        *(d.name for d in report_template.DETAIL_SHEETS),
    ]
    info = wb.sheet(report_template.SHEET_INFO).rows
    assert tuple(info[0][:2]) == report_template.INFO_HEADER and info[0][2] == "说明"
    assert [row[0] for row in info[1 : 1 + len(report_template.INFO_FIELDS)]] == [
        f.label for f in report_template.INFO_FIELDS
    ]
    ind = wb.sheet(report_template.SHEET_INDICATORS).rows
    assert tuple(ind[0]) == report_template.INDICATOR_HEADER
    assert [row[0] for row in ind[1:]] == list(report_template.INDICATOR_CODES)
    assert [row[2] for row in ind[1:]] == [i.name for i in report_template.INDICATORS]
    for spec in report_template.DETAIL_SHEETS:
        assert wb.sheet(spec.name).rows[0] == [c.label for c in spec.columns]


def test_prefilled_info_is_text(prefilled):
    info = {row[0]: row[1] for row in read_workbook(prefilled).sheet(report_template.SHEET_INFO).rows[1:]}
    assert info["模板版本"] == report_template.TEMPLATE_VERSION
    assert info["驿站编号"] == "ZD-003"
    assert info["驿站名称"] == "南郊街道零工驿站"
    assert info["所属县（市、区）"] == "曾都区"
    assert info["报送年月"] == "2023-07"  # text, not a date Excel would reformat
    ws = openpyxl.load_workbook(prefilled)[report_template.SHEET_INFO]
    month_row = 2 + [f.key for f in report_template.INFO_FIELDS].index("month")
    assert ws.cell(month_row, 2).data_type == "s"
    assert ws.cell(month_row, 2).number_format == "@"
    county_row = 2 + [f.key for f in report_template.INFO_FIELDS].index("county")
    county_dv = _validations(ws)[f"B{county_row}"]
    assert county_dv.type == "list" and county_dv.formula1 == '"' + ",".join(report_template.COUNTIES) + '"'
    assert county_dv.errorStyle == "warning"
    phone_row = 2 + [f.key for f in report_template.INFO_FIELDS].index("filler_phone")
    assert ws.cell(phone_row, 2).number_format == "@"


def test_protection_without_password_locks_labels_only(prefilled):
    wb = openpyxl.load_workbook(prefilled)
    for name in (report_template.SHEET_INFO, report_template.SHEET_INDICATORS):
        ws = wb[name]
        assert ws.protection.sheet is True
        assert not ws.protection.password
        assert ws.freeze_panes == "A2"
    info, ind = wb[report_template.SHEET_INFO], wb[report_template.SHEET_INDICATORS]
    assert info["A3"].protection.locked and not info["B3"].protection.locked
    value_col = report_template.INDICATOR_HEADER.index(report_template.VALUE_COLUMN) + 1
    for r in range(2, 2 + len(report_template.INDICATORS)):
        assert ind.cell(r, 1).protection.locked
        assert not ind.cell(r, value_col).protection.locked
    for spec in report_template.DETAIL_SHEETS:  # rows must be addable
        assert not wb[spec.name].protection.sheet


def _validations(ws) -> dict[str, object]:
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            out[rng] = dv
    return out


def test_every_indicator_value_cell_has_the_right_validation(prefilled):
    ws = openpyxl.load_workbook(prefilled)[report_template.SHEET_INDICATORS]
    dvs = _validations(ws)
    for r, ind in enumerate(report_template.INDICATORS, start=2):
        dv = dvs[f"E{r}"]
        if ind.kind == report_template.YESNO:
            assert dv.type == "list" and dv.formula1 == '"是,否"'
        else:
            assert dv.type == "whole" and dv.operator == "greaterThanOrEqual" and dv.formula1 == "0"
        assert dv.showErrorMessage and dv.error and dv.prompt
        assert "应为" in dv.errorTitle or "只能" in dv.errorTitle


def test_detail_sheets_have_dropdowns_and_date_checks(prefilled):
    wb = openpyxl.load_workbook(prefilled)
    promo = _validations(wb["宣传活动"])
    assert promo["C2:C501"].formula1 == '"驿站推广,政策宣传,媒体报道"'
    assert promo["D2:D501"].formula1 == '"户外,线上"'
    assert promo["B2:B501"].type == "date"
    complaints = _validations(wb["投诉记录"])
    assert complaints["D2:D501"].formula1 == '"是,否"'
    seekers = wb["求职登记"]
    assert seekers["D2"].number_format == "@" or seekers.column_dimensions["D"].number_format == "@"


def test_help_sheet_tells_a_clerk_what_matters(prefilled):
    text = "\n".join(str(r[0]) for r in read_workbook(prefilled).sheet(report_template.SHEET_HELP).rows if r and r[0])
    for needle in ("基本信息", "月度指标", "是", "不要修改", "身份证号", ".xlsx", "核对"):
        assert needle in text


def test_filled_report_round_trips_through_the_reader(tmp_path):
    values = {
        i.code: (True if i.kind == report_template.YESNO else n + 1) for n, i in enumerate(report_template.INDICATORS)
    }
    values["A2"] = values["A1"]
    values["G5"] = 1
    details = {
        "宣传活动": [
            {
                "序号": 1,
                "日期": dt.date(2023, 7, 3),
                "类别": "驿站推广",
                "形式": "户外",
                "主题": "零工驿站进社区",
                "覆盖人数": 300,
            }
        ]
        * values["D1"]
        + [
            {
                "序号": 2,
                "日期": dt.date(2023, 7, 9),
                "类别": "政策宣传",
                "形式": "线上",
                "主题": "稳就业政策宣讲",
                "覆盖人数": 120,
            }
        ]
        * values["D2"]
        + [
            {
                "序号": 3,
                "日期": dt.date(2023, 7, 9),
                "类别": "媒体报道",
                "形式": "线上",
                "主题": "随州日报报道",
                "覆盖人数": 0,
            }
        ]
        * values["D3"],
        "投诉记录": [
            {
                "序号": 1,
                "日期": dt.date(2023, 7, 20),
                "投诉事由": "咨询电话无人接听",
                "是否核实": "是",
                "处理结果": "已整改",
            }
        ],
    }
    path = tmp_path / "filled.xlsx"
    write_template(
        path,
        station=STATION,
        month="2023-07",
        values=values,
        details=details,
        info={
            "filler": "王芳",
            "filler_phone": "13812345678",
            "fill_date": dt.date(2023, 8, 3),
            "用工专线电话": "0722-3456789",
        },
    )
    rec = read_report(read_workbook(path), "filled.xlsx")
    assert [i for i in rec.issues if i.severity == "错误"] == []
    assert rec.station == "ZD-003" and rec.month == "2023-07"
    assert rec.fill_date == dt.date(2023, 8, 3)
    assert rec.values == values
    assert not [i for i in rec.issues if i.code.startswith("X")]  # details agree with the figures


def test_messy_values_are_written_as_typed(tmp_path):
    path = tmp_path / "messy.xlsx"
    write_template(
        path, station=STATION, month="2023-07", values={"C1": "１２", "A5": "3次", "A3": "√", "C2": "=1+1", "C3": 12.5}
    )
    ws = openpyxl.load_workbook(path)[report_template.SHEET_INDICATORS]
    cells = {ws.cell(r, 1).value: ws.cell(r, 5) for r in range(2, 2 + len(report_template.INDICATORS))}
    assert cells["C1"].value == "１２" and cells["A5"].value == "3次" and cells["A3"].value == "√"
    assert cells["C2"].data_type == "s" and cells["C2"].value == "=1+1"  # never a formula
    assert cells["C3"].value == 12.5


def test_blank_templates_only_for_operating_stations(tmp_path):
    registry = {
        "ZD-001": Station("ZD-001", "东城街道零工驿站", "曾都区"),
        "ZD-006": Station("ZD-006", "何店镇零工驿站", "曾都区", status="整改中"),
        "SX-007": Station("SX-007", "万和镇零工驿站", "随县", status="已取消"),
        "GS-006": Station("GS-006", "陈巷镇零工驿站", "广水市", status="运营", end_month="2023-06"),
        "GX-003": Station("GX-003", "季梁社区零工驿站", "随州高新区", start_month="2023-09"),
        "GX-004": Station("GX-004", "季梁/../社区:驿站", "随州高新区"),
    }
    paths = write_blank_templates(registry, "2023-07", tmp_path / "out")
    names = sorted(p.name for p in paths)
    assert names == sorted(
        [
            "ZD-001_东城街道零工驿站_2023年7月_月度运维报表.xlsx",
            "ZD-006_何店镇零工驿站_2023年7月_月度运维报表.xlsx",
            blank_template_name(registry["GX-004"], "2023-07"),
        ]
    )
    for p in paths:
        assert p.parent == (tmp_path / "out").resolve()
        assert "/" not in p.name and ":" not in p.name
    info = {r[0]: r[1] for r in read_workbook(paths[0]).sheet(report_template.SHEET_INFO).rows[1:]}
    assert info["驿站编号"] in registry and info["报送年月"] == "2023-07"


def test_blank_templates_reject_a_month_that_would_compare_wrongly(tmp_path):
    with pytest.raises(ValueError, match="2023-07"):
        write_blank_templates({"ZD-001": STATION}, "2023-7", tmp_path)


def test_kept_blank_template_matches_the_generator(tmp_path):
    kept = Path(__file__).resolve().parents[2] / "templates" / BLANK_TEMPLATE_NAME
    fresh = write_blank_template_file(tmp_path)
    a, b = read_workbook(kept), read_workbook(fresh)
    assert a.sheet_names == b.sheet_names
    for name in a.sheet_names:
        assert a.sheet(name).rows == b.sheet(name).rows
    info = {r[0]: r[1] for r in b.sheet(report_template.SHEET_INFO).rows[1:]}
    assert info["模板版本"] == report_template.TEMPLATE_VERSION and info["驿站编号"] is None


def _indicator_values():
    from hypothesis import strategies as st

    return st.fixed_dictionaries(
        {
            i.code: (st.booleans() if i.kind == report_template.YESNO else st.integers(min_value=0, max_value=10**6))
            for i in report_template.INDICATORS
        }
    )


def test_round_trip_property(tmp_path_factory):
    from hypothesis import given, settings

    folder = tmp_path_factory.mktemp("roundtrip")

    @settings(max_examples=25, deadline=None)
    @given(values=_indicator_values())
    def check(values):
        path = folder / "r.xlsx"
        write_template(
            path,
            station=STATION,
            month="2023-11",
            values=values,
            info={"fill_date": dt.date(2023, 12, 4), "hotline": "0722-3456789"},
        )
        rec = read_report(read_workbook(path), "r.xlsx")
        assert rec.values == values
        assert rec.month == "2023-11" and rec.station == STATION.code
        assert not [i for i in rec.issues if i.severity == "错误"]

    check()
