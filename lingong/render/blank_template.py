"""Writing the monthly report template LGYZ-M-1 (blank, pre-filled or filled).

Over 300 lines because it is every sheet of the template with its data validations; the layout itself
is data in report_template.py.

Everything about the layout comes from ``template_spec``; the reader uses the
same tables, so a template written here is always one the reader understands.
Filled workbooks (``values``/``details``/``info``) are how the demo and the tests
play a station: values keep their Python type so that messy typing ("１２",
"12次", "√") can be planted on purpose.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

from lingong.layout import TEMPLATES_DIR
from lingong.model.periods import month_label
from lingong.model.records import Station
from lingong.render import print_layout
from lingong.render.validation_report import row_height
from lingong.report_template import (
    CODE,
    COUNT,
    COUNTIES,
    DATE,
    DETAIL_SHEETS,
    ID_NUMBER,
    INDICATOR_HEADER,
    INDICATORS,
    INFO_FIELDS,
    INFO_HEADER,
    MONTH,
    PHONE,
    SHEET_HELP,
    SHEET_INDICATORS,
    SHEET_INFO,
    TEMPLATE_VERSION,
    YESNO,
)
from lingong.runtime import outfiles

DETAIL_ROWS = 500  # rows below a detail header that carry validations and formats
BLANK_TEMPLATE_NAME = f"{TEMPLATE_VERSION}_空白模板.xlsx"
OPERATING_STATUSES = ("运营", "整改中")

INFO_NOTE_HEADER = "说明"
HELP_WIDTH = 64

HELP_LINES: tuple[tuple[str, str], ...] = (
    ("title", "零工驿站月度运维报表（模板 " + TEMPLATE_VERSION + "）填报说明"),
    ("head", "一、这份表格是什么"),
    (
        "text",
        "每个零工驿站每月填报一份本表，报送县（市、区）就业部门，作为半年检查和年终考评的依据。"
        "一个文件只填一个驿站、一个月份。",
    ),
    ("head", "二、各工作表的用途"),
    (
        "text",
        "“基本信息”：驿站编号、驿站名称、所属县（市、区）、报送年月等。灰色底的“项目”一列是标签，请不要修改；"
        "只在“填报内容”一列填写。驿站编号和报送年月已预填的，请不要改动。",
    ),
    ("text", "“月度指标”：每行一个指标，只在“本月数值”一列填写本月的数字或“是/否”，需要说明的写在“备注”列。"),
    (
        "text",
        "“岗位信息”“求职登记”“人岗匹配”“宣传活动”“投诉记录”：本月工作的明细记录，是月度指标的依据。"
        "有记录的明细表会与月度指标核对（如岗位信息的行数应等于 C1 收集审核零工岗位数），不一致会提示核对。"
        "明细表可以自行增加行。",
    ),
    ("head", "三、怎样填写"),
    ("text", "数字：只填阿拉伯数字（如 12），不要写“12次”“十二”，不要带单位、空格或小数；没有就填 0，不要空着。"),
    ("text", "是/否：从单元格的下拉框选择“是”或“否”，不要写“√”“有”“Y”等。"),
    ("text", "报送年月：写成 2023-07 或 2023年7月 这样的文字；不要写 2023.10（Excel 会把它存成 2023.1，即 1 月）。"),
    ("text", "日期：写成 2023-07-15 这样的日期，明细记录的日期应在报送月份之内。"),
    (
        "text",
        "电话号码：填 11 位手机号或带区号的座机号。身份证号填 18 位，单元格已设为文本，开头的 0 和末尾的 X 会保留。",
    ),
    ("head", "四、注意事项"),
    (
        "text",
        "请不要修改、删除或重命名工作表，不要修改表头和“项目”“指标代码”等标签文字，不要删除指标行。"
        "表格的保护没有密码，只为防止误改标签。",
    ),
    (
        "text",
        "明细表中的身份证号、电话号码是个人信息，请妥善保管，只通过规定渠道报送，不要转发到群聊。"
        "考核工具生成的所有文件、邮件和屏幕信息中，身份证号和手机号都隐去中间数字（如 139****5678），"
        "无论写在哪一格、文件名还是备注里；只有两处例外：退回给贵站的修改副本中贵站自己的表格（原样退回），"
        "以及对外公布的用工专线电话。",
    ),
    (
        "text",
        "填好后请保存为 .xlsx 格式（Excel 工作簿），文件名可以自定，系统以“基本信息”中的驿站编号和报送年月为准。"
        "同一月份需要更正时，重新报送一份并写上新的填报日期，系统采用填报日期较新的一份。",
    ),
    ("text", "报表有错误时会收到一份“退回修改”副本，出错的单元格已标红并附批注，请在副本上修改后重新报送。"),
)

_INFO_PROMPTS = {
    MONTH: ("报送年月", "请写成 2023-07 或 2023年7月。"),
    CODE: ("驿站编号", "按驿站名册填写，如 ZD-003。"),
    PHONE: ("电话号码", "11 位手机号或带区号的座机号，如 0722-1234567。"),
    DATE: ("日期", "请填写日期，如 2023-08-03。"),
}


def _formats(wb) -> dict:
    base = {"font_name": outfiles.FONT, "font_size": 11, "valign": "vcenter"}

    def f(**kw):
        return wb.add_format({**base, **kw})

    return {
        "title": f(bold=True, font_size=14),
        "head": f(bold=True, font_size=12),
        "text": f(text_wrap=True, valign="top"),
        "header": f(bold=True, bg_color="#D9E1F2", border=1, align="center", text_wrap=True, locked=True),
        "label": f(bg_color="#F2F2F2", border=1, text_wrap=True, locked=True),
        "note": f(font_color="#595959", border=1, text_wrap=True, locked=True),
        "input": f(border=1, locked=False, bg_color="#FFFFF0"),
        "input_text": f(border=1, locked=False, bg_color="#FFFFF0", num_format="@"),
        "input_date": f(border=1, locked=False, bg_color="#FFFFF0", num_format="yyyy-mm-dd"),
        "cell": f(),
        "cell_text": f(num_format="@"),
        "cell_date": f(num_format="yyyy-mm-dd"),
    }


def _yesno_validation(what: str) -> dict:
    return {
        "validate": "list",
        "source": ["是", "否"],
        "input_title": "请选择 是 或 否",
        "input_message": f"{what}：请从下拉框选择“是”或“否”。"[:255],
        "error_title": "只能填“是”或“否”",
        "error_message": "请从下拉框选择“是”或“否”，不要写“√”“有”“Y”等。",
        "error_type": "stop",
    }


def _count_validation(what: str, unit: str) -> dict:
    unit_note = f"（单位：{unit}，不要写单位）" if unit else ""
    return {
        "validate": "integer",
        "criteria": ">=",
        "value": 0,
        "input_title": "请填写非负整数",
        "input_message": f"{what}{unit_note}：只填阿拉伯数字，没有填 0。"[:255],
        "error_title": "应为非负整数",
        "error_message": "请填写 0 或正整数（阿拉伯数字），不要带单位、小数或文字。",
        "error_type": "stop",
    }


def _date_validation(what: str) -> dict:
    return {
        "validate": "date",
        "criteria": "between",
        "minimum": _dt.date(2000, 1, 1),
        "maximum": _dt.date(2100, 12, 31),
        "input_title": "请填写日期",
        "input_message": f"{what}：请填写日期，如 2023-07-15。"[:255],
        "error_title": "日期格式不对",
        "error_message": "请填写 2023-07-15 这样的日期。",
        "error_type": "stop",
    }


def _choice_validation(what: str, choices: tuple[str, ...]) -> dict:
    options = "、".join(choices)
    return {
        "validate": "list",
        "source": list(choices),
        "input_title": "请从下拉框选择",
        "input_message": f"{what}：可选 {options}。"[:255],
        "error_title": "不在可选范围内",
        "error_message": f"请从下拉框选择：{options}。"[:255],
        "error_type": "stop",
    }


def _write_value(ws, row: int, col: int, value, fmt, date_fmt) -> None:
    """Write a value as a station would have typed it; text always stays text."""
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, (_dt.date, _dt.datetime)):
        if not isinstance(value, _dt.datetime):
            value = _dt.datetime(value.year, value.month, value.day)
        ws.write_datetime(row, col, value, date_fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def _write_help(wb, fmt) -> None:
    ws = wb.add_worksheet(SHEET_HELP)
    ws.set_column(0, 0, HELP_WIDTH, fmt["text"])
    for r, (kind, text) in enumerate(HELP_LINES):
        ws.write_string(r, 0, text, fmt[kind])
        if kind == "text":
            ws.set_row(r, row_height([text], [HELP_WIDTH], 15))
        elif kind == "title":
            ws.set_row(r, 24)
    print_layout.setup(ws, [HELP_WIDTH], _page_title(SHEET_HELP))


def _page_title(sheet: str) -> str:
    return f"零工驿站月度运维报表（模板 {TEMPLATE_VERSION}）　{sheet}"


def _info_values(station: Station | None, month: str | None, info: dict | None) -> dict:
    prefill: dict[str, object] = {"version": TEMPLATE_VERSION}
    if station is not None:
        prefill.update(station=station.code, name=station.name, county=station.county)
    if month is not None:
        prefill["month"] = month
    by_label = {f.label: f.key for f in INFO_FIELDS}
    for k, v in (info or {}).items():
        prefill[by_label.get(k, k)] = v
    return prefill


def _write_info(wb, fmt, values: dict) -> None:
    ws = wb.add_worksheet(SHEET_INFO)
    ws.set_column(0, 0, 20)
    ws.set_column(1, 1, 30, fmt["input_text"])
    ws.set_column(2, 2, 40)
    for c, text in enumerate((*INFO_HEADER, INFO_NOTE_HEADER)):
        ws.write_string(0, c, text, fmt["header"])
    for i, field in enumerate(INFO_FIELDS, start=1):
        ws.write_string(i, 0, field.label, fmt["label"])
        ws.write_string(i, 2, field.note, fmt["note"])
        ws.set_row(i, row_height([field.note, field.label], [40, 20], 15))
        value = values.get(field.key)
        if field.kind == DATE:
            _write_value(ws, i, 1, value, fmt["input_date"], fmt["input_date"])
            ws.data_validation(i, 1, i, 1, _date_validation(field.label))
            continue
        # Codes, phones and the month are text: leading zeros and "2023-07" survive.
        _write_value(ws, i, 1, value, fmt["input_text"], fmt["input_date"])
        prompt = _INFO_PROMPTS.get(field.kind)
        if field.key == "county":
            # A warning, not a stop: the registry decides, a new county name must still be typable.
            ws.data_validation(i, 1, i, 1, {**_choice_validation(field.label, COUNTIES), "error_type": "warning"})
        elif prompt:
            ws.data_validation(i, 1, i, 1, {"validate": "any", "input_title": prompt[0], "input_message": prompt[1]})
    ws.freeze_panes(1, 0)
    ws.protect("", {"format_columns": True, "format_rows": True, "format_cells": True})
    print_layout.setup(ws, [20, 30, 40], _page_title(SHEET_INFO), repeat=(0, 0))


def _write_indicators(wb, fmt, values: dict) -> None:
    ws = wb.add_worksheet(SHEET_INDICATORS)
    widths = {"指标代码": 9, "考核项目": 11, "指标名称": 42, "单位": 7, "本月数值": 12, "备注": 30}
    value_col = INDICATOR_HEADER.index("本月数值")
    note_col = INDICATOR_HEADER.index("备注")
    for c, label in enumerate(INDICATOR_HEADER):
        col_fmt = fmt["input"] if c in (value_col, note_col) else None
        ws.set_column(c, c, widths.get(label, 12), col_fmt)
        ws.write_string(0, c, label, fmt["header"])
    for r, ind in enumerate(INDICATORS, start=1):
        for c, text in enumerate((ind.code, ind.item, ind.name, ind.unit)):
            ws.write_string(r, c, text, fmt["label"])
        _write_value(ws, r, value_col, values.get(ind.code), fmt["input"], fmt["input_date"])
        ws.write_blank(r, note_col, None, fmt["input"])
        what = f"{ind.code} {ind.name}"
        rule = _yesno_validation(what) if ind.kind == YESNO else _count_validation(what, ind.unit)
        ws.data_validation(r, value_col, r, value_col, rule)
    ws.freeze_panes(1, 0)
    ws.protect("", {"format_columns": True, "format_rows": True, "format_cells": True})
    print_layout.setup(
        ws, [widths.get(label, 12) for label in INDICATOR_HEADER], _page_title(SHEET_INDICATORS), repeat=(0, 0)
    )


def _write_detail(wb, fmt, sheet, rows: list[dict]) -> None:
    ws = wb.add_worksheet(sheet.name)
    last = max(DETAIL_ROWS, len(rows))
    for c, col in enumerate(sheet.columns):
        if col.kind in (ID_NUMBER, PHONE):
            ws.set_column(c, c, 21 if col.kind == ID_NUMBER else 15, fmt["cell_text"])
        elif col.kind == DATE:
            ws.set_column(c, c, 12, fmt["cell_date"])
        else:
            ws.set_column(c, c, 6 if col.label == "序号" else max(10, 2 * len(col.label) + 4), fmt["cell"])
        ws.write_string(0, c, col.label, fmt["header"])
        if col.choices:
            ws.data_validation(1, c, last, c, _choice_validation(col.label, col.choices))
        elif col.kind == DATE:
            ws.data_validation(1, c, last, c, _date_validation(col.label))
        elif col.kind == COUNT:
            ws.data_validation(1, c, last, c, _count_validation(col.label, ""))
    for r, record in enumerate(rows, start=1):
        for c, col in enumerate(sheet.columns):
            text_fmt = fmt["cell_text"] if col.kind in (ID_NUMBER, PHONE) else fmt["cell"]
            _write_value(ws, r, c, record.get(col.label), text_fmt, fmt["cell_date"])
    ws.freeze_panes(1, 0)
    widths = [
        (21 if col.kind == ID_NUMBER else 15)
        if col.kind in (ID_NUMBER, PHONE)
        else 12
        if col.kind == DATE
        else (6 if col.label == "序号" else max(10, 2 * len(col.label) + 4))
        for col in sheet.columns
    ]
    print_layout.setup(ws, widths, _page_title(sheet.name), repeat=(0, 0), keep=2)


def write_template(
    path: Path,
    *,
    station: Station | None = None,
    month: str | None = None,
    values: dict[str, int | bool | str] | None = None,
    details: dict[str, list[dict]] | None = None,
    info: dict[str, object] | None = None,
) -> None:
    """Write an LGYZ-M-1 workbook to ``path`` (atomically).

    ``station``/``month`` pre-fill 基本信息; ``info`` (keys from INFO_FIELDS, or their
    labels) overrides any 基本信息 value; ``values`` maps indicator codes to what a
    station typed; ``details`` maps a detail sheet name to its records (dicts keyed
    by column label)."""
    details = details or {}
    # A blank template is an output; one with a station's figures stands for its own report.
    filled = bool(values or details or info)
    with outfiles.atomic_path(Path(path)) as tmp:
        wb = outfiles.new_xlsxwriter(tmp, mask=not filled)
        fmt = _formats(wb)
        _write_help(wb, fmt)
        _write_info(wb, fmt, _info_values(station, month, info))
        _write_indicators(wb, fmt, values or {})
        for sheet in DETAIL_SHEETS:
            _write_detail(wb, fmt, sheet, details.get(sheet.name, []))
        wb.get_worksheet_by_name(SHEET_INFO).activate()
        wb.close()


def is_operating(station: Station, month: str) -> bool:
    """Whether a station is expected to report for ``month`` (YYYY-MM)."""
    return station.status in OPERATING_STATUSES and station.operates_in(month)


def blank_template_name(station: Station, month: str, folder: Path | None = None) -> str:
    """`<驿站编号>_<驿站名称>_<YYYY年M月>_月度运维报表.xlsx`, safe on every file system; a name
    too long for ``folder`` loses the end of the station's name, never the month."""
    code = outfiles.clip(outfiles.safe_component(station.code, "无编号"), 30)
    name = outfiles.safe_component(station.name, "未命名驿站")
    return outfiles.file_name(f"{code}_{name}", f"_{month_label(month)}_月度运维报表.xlsx", folder=folder)


def write_blank_templates(registry: dict[str, Station], month: str, out_dir: Path) -> list[Path]:
    """One pre-filled blank template per station operating in ``month``; returns the paths."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month or ""):
        raise ValueError(f"月份“{month}”应写成 2023-07 这样的格式")
    written = []
    for code in sorted(registry):
        station = registry[code]
        if not is_operating(station, month):
            continue
        path = outfiles.inside(Path(out_dir), blank_template_name(station, month, Path(out_dir)))
        write_template(path, station=station, month=month)
        written.append(path)
    return written


def write_blank_template_file(templates_dir: Path | None = None) -> Path:
    """(Re)generate the plain blank template kept in ``templates/``."""
    if templates_dir is None:
        templates_dir = TEMPLATES_DIR
    path = Path(templates_dir) / BLANK_TEMPLATE_NAME
    write_template(path)
    return path


if __name__ == "__main__":  # python -m lingong.render.blank_template
    print(f"已生成空白模板：{write_blank_template_file()}")
