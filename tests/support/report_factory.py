"""Write realistic filled LGYZ-M-1 report workbooks for tests.

``write_report(path, values={"C1": "１２"})`` writes a plausible passing month with
C1 typed in full-width digits. Any value is written as given: strings starting
with "=" become formulas without a cached value (as a program writes them),
True/False become TRUE/FALSE cells, dates become date cells. Knobs for the
messiness stations produce: ``offset_rows``/``offset_cols`` move every table,
``messy=True`` inserts blank and note rows and retypes labels with other
brackets, colons and spaces.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl

from lingong import report_template
from lingong.read.values import id_check_digit

DEFAULT_VALUES: dict[str, object] = {
    "A1": 3,
    "A2": 3,
    "A3": "是",
    "A4": "是",
    "A5": 4,
    "B1": 30,
    "B2": "是",
    "B3": "是",
    "B4": 20,
    "C1": 3,
    "C2": 4,
    "C3": 2,
    "C4": 15,
    "D1": 2,
    "D2": 1,
    "D3": 1,
    "E1": 5,
    "E2": 1,
    "E3": 6,
    "E4": 1,
    "F1": 1,
    "F2": 1,
    "F3": 0,
    "G1": 2,
    "G2": 1,
    "G3": "是",
    "G4": "是",
    "G5": 0,
}
OMIT = object()  # a value in ``values``/``info_overrides`` that removes the row


def valid_id(seed: int = 1, birth: str = "19900101") -> str:
    """A GB 11643-valid 身份证号 from 随州 (4213xx)."""
    first17 = f"421302{birth}{seed % 1000:03d}"
    return first17 + id_check_digit(first17)


def _day(month: str, day: int) -> date:
    y, m = map(int, month.split("-"))
    return date(y, m, min(day, 28))


def sample_details(values: dict, month: str) -> dict[str, list[dict]]:
    """Detail rows that agree with the count figures of ``values``."""

    def n(code):
        v = values.get(code, 0)
        return v if isinstance(v, int) and not isinstance(v, bool) else 0

    jobs = [
        {
            "用工单位": f"随州市第{i + 1}建筑公司",
            "岗位名称": "钢筋工",
            "工种": "建筑",
            "需求人数": 5,
            "薪酬待遇": "250元/天",
            "联系电话": f"1380722{i:04d}",
            "登记日期": _day(month, 3 + i),
        }
        for i in range(n("C1"))
    ]
    seekers = [
        {
            "姓名": f"张{i}",
            "性别": "男" if i % 2 else "女",
            "身份证号": valid_id(i + 1),
            "联系电话": f"1397222{i:04d}",
            "求职工种": "搬运",
            "职业资格等级": "无",
            "登记日期": _day(month, 5 + i),
        }
        for i in range(n("C2"))
    ]
    matches = [
        {
            "姓名": f"张{i}",
            "身份证号": valid_id(i + 1),
            "用工单位": "随州市第1建筑公司",
            "岗位名称": "钢筋工",
            "匹配方式": "现场",
            "上岗日期": _day(month, 10 + i),
        }
        for i in range(n("C3"))
    ]
    promo = []
    for code, kind in (("D1", "驿站推广"), ("D2", "政策宣传"), ("D3", "媒体报道")):
        promo += [
            {
                "日期": _day(month, 6 + i),
                "类别": kind,
                "形式": "线上" if i % 2 else "户外",
                "主题": "零工驿站进社区",
                "覆盖人数": 100,
            }
            for i in range(n(code))
        ]
    complaints = [
        {"日期": _day(month, 20), "投诉事由": "服务态度", "是否核实": "是", "处理结果": "已整改"}
        for _ in range(n("G5"))
    ]
    return {"岗位信息": jobs, "求职登记": seekers, "人岗匹配": matches, "宣传活动": promo, "投诉记录": complaints}


def _put(ws, row: int, col: int, value) -> None:
    """Write at 1-based (row, col); a string starting with '=' stays a formula."""
    if value is OMIT:
        return
    ws.cell(row=row, column=col, value=value)


def write_table(path, sheet: str, header, rows, *, title: str | None = None, header_row: int = 1):
    """One sheet as a clerk lays out a list: an optional title in A1, the header at
    ``header_row``, one row per record below it. Returns ``path``."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.cell(1, 1, title)
    for j, h in enumerate(header):
        ws.cell(header_row, j + 1, h)
    for i, values in enumerate(rows):
        for j, v in enumerate(values):
            ws.cell(header_row + 1 + i, j + 1, v)
    wb.save(path)
    return path


def write_report(
    path,
    *,
    station: str = "ZD-001",
    name: str = "东城零工驿站",
    county: str = "曾都区",
    month: object = "2023-03",
    values: dict | None = None,
    details: dict[str, list[dict]] | None = None,
    fill_date: object = None,
    version: str = "LGYZ-M-1",
    info_overrides: dict | None = None,
    offset_rows: int = 0,
    offset_cols: int = 0,
    messy: bool = False,
    extra_indicator_rows: tuple = (),
    sheets: tuple[str, ...] | None = None,
) -> Path:
    """Write a filled report and return its path.

    values: code -> raw cell value, merged over DEFAULT_VALUES (OMIT drops the row).
    details: sheet name -> list of {column label: value}; None writes empty detail sheets.
    info_overrides: InfoField key or label -> raw value (OMIT drops the row).
    extra_indicator_rows: (code, value) rows appended to 月度指标 (unknown or duplicate codes).
    sheets: which sheets to write (default: all of the template).
    """
    path = Path(path)
    month_s = month if isinstance(month, str) else "2023-03"
    vals = dict(DEFAULT_VALUES)
    vals.update(values or {})
    if fill_date is None:
        y, m = map(int, month_s.split("-")) if len(month_s) == 7 and month_s[4] == "-" else (2023, 3)
        fill_date = date(y + (m == 12), m % 12 + 1, 3)
    info = {
        "version": version,
        "station": station,
        "name": name,
        "county": county,
        "month": month,
        "hotline": "0722-3201234",
        "filler": "李四",
        "filler_phone": "13872201234",
        "fill_date": fill_date,
    }
    by_label = {f.label: f.key for f in report_template.INFO_FIELDS}
    for k, v in (info_overrides or {}).items():
        info[by_label.get(k, k)] = v
    wanted = sheets or (
        report_template.SHEET_HELP,
        report_template.SHEET_INFO,
        report_template.SHEET_INDICATORS,
        *report_template.DETAIL_BY_NAME,
    )

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    r0, c0 = offset_rows, offset_cols

    if report_template.SHEET_HELP in wanted:
        ws = wb.create_sheet(report_template.SHEET_HELP)
        ws["A1"] = "填报说明：请按月填写，数值填阿拉伯数字，是/否从下拉框选择。"

    if report_template.SHEET_INFO in wanted:
        ws = wb.create_sheet(report_template.SHEET_INFO)
        _put(ws, r0 + 1, c0 + 1, "零工驿站月度运维报表（基本信息）")
        _put(ws, r0 + 2, c0 + 1, " 项 目 " if messy else "项目")
        _put(ws, r0 + 2, c0 + 2, "填报内容")
        _put(ws, r0 + 2, c0 + 3, "说明")
        row = r0 + 3
        for f in report_template.INFO_FIELDS:
            if info.get(f.key) is OMIT:
                continue
            label = f.label
            if messy:
                label = label.replace("（", "(").replace("）", ")") + "：" if "（" in label else f" {label}:"
                if f.key == "hotline":
                    row += 1  # a blank row a station inserted
            _put(ws, row, c0 + 1, label)
            _put(ws, row, c0 + 2, info.get(f.key))
            _put(ws, row, c0 + 3, f.note)
            row += 1

    if report_template.SHEET_INDICATORS in wanted:
        ws = wb.create_sheet(report_template.SHEET_INDICATORS)
        _put(ws, r0 + 1, c0 + 1, "零工驿站月度运维报表（月度指标）")
        for j, h in enumerate(report_template.INDICATOR_HEADER):
            _put(ws, r0 + 2, c0 + 1 + j, f" {h} " if messy and j == 4 else h)
        row = r0 + 3
        for ind in report_template.INDICATORS:
            if vals.get(ind.code) is OMIT:
                continue
            if messy and ind.code == "C1":
                _put(ws, row, c0 + 1, "注：以下为供求服务指标")
                row += 2  # a note and a blank row
            for j, v in enumerate((ind.code, ind.item, ind.name, ind.unit, vals.get(ind.code), None)):
                _put(ws, row, c0 + 1 + j, v)
            row += 1
        for code, v in extra_indicator_rows:
            _put(ws, row, c0 + 1, code)
            _put(ws, row, c0 + 5, v)
            row += 1

    for spec in report_template.DETAIL_SHEETS:
        if spec.name not in wanted:
            continue
        ws = wb.create_sheet(spec.name)
        for j, col in enumerate(spec.columns):
            _put(ws, r0 + 1, c0 + 1 + j, col.label)
        for i, rec in enumerate((details or {}).get(spec.name, [])):
            for j, col in enumerate(spec.columns):
                v = rec.get(col.label, i + 1 if col.label == "序号" else None)
                _put(ws, r0 + 2 + i, c0 + 1 + j, v)
    wb.save(path)
    return path
