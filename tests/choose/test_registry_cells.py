"""R001-R003 are about one 基本信息 cell: they name it, so the return copy marks it."""

from __future__ import annotations

from lingong.choose.selection import select_reports
from lingong.model.records import ReportRecord, Station
from lingong.rules.load import load_rules

RULES = load_rules()  # the default rules file: its [outliers] thresholds


def _rec(station: str, **kw) -> ReportRecord:
    cells = {"info:station": "基本信息!C4", "info:name": "基本信息!C5", "info:county": "基本信息!C6"}
    return ReportRecord(f"东城/{station}_2023-05.xlsx", "0" * 64, 0.0, station, "2023-05", cells=cells, **kw)


def test_station_not_in_registry_names_the_station_code_cell():
    sel = select_reports([_rec("ZD-099")], {"ZD-001": Station("ZD-001", "东城驿站", "曾都区")}, RULES)
    (r001,) = [i for i in sel.issues if i.code == "R001"]
    assert (r001.sheet, r001.cell, r001.found) == ("基本信息", "C4", "ZD-099")


def test_name_and_county_that_differ_name_their_cells():
    st = {"ZD-001": Station("ZD-001", "东城驿站", "曾都区")}
    sel = select_reports([_rec("ZD-001", name="东城 驿站站", county="随县")], st, RULES)
    where = {i.code: (i.sheet, i.cell) for i in sel.issues}
    assert where["R002"] == ("基本信息", "C5") and where["R003"] == ("基本信息", "C6")
