"""A station workbook with everything openpyxl drops or rewrites, built by code.

A real LGYZ-M-1 report (template_writer) is given, through openpyxl, a chart,
a defined name (workbook-wide and local to a sheet), a data validation,
conditional formatting, notes on two cells and custom document properties; then,
by editing the zip, an image and a text box in the chart's drawing, a data
validation in an extension list (as Excel writes lists that refer to another
sheet) and, for .xlsm, a vbaProject.bin with its relationship and content types.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

from lingong import report_template
from lingong.model.records import Station
from lingong.render.blank_template import write_template

STATION = Station("GX-002", "白云湖社区零工驿站", "随州高新区")
INDICATORS = "月度指标"
INFO = "基本信息"
# The cell with the station's own note that the return copy marks as well.
NOTED_CELL = f"E{2 + report_template.INDICATOR_CODES.index('C1')}"
OTHER_NOTE_CELL = "F3"
STATION_NOTE = "本月含两场招聘会的岗位"
OTHER_NOTE = "数据来源：驿站台账"
VBA_BYTES = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8  # an OLE header, then opaque bytes

X14_NS = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM_NS = "http://schemas.microsoft.com/office/excel/2006/main"
DV_EXT = (
    f'<extLst><ext uri="{{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}}" xmlns:x14="{X14_NS}">'
    f'<x14:dataValidations count="1" xmlns:xm="{XM_NS}"><x14:dataValidation type="list" allowBlank="1" '
    'showInputMessage="1" showErrorMessage="1"><x14:formula1><xm:f>基本信息!$A$2:$A$4</xm:f></x14:formula1>'
    "<xm:sqref>F2:F6</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>"
)


def png_bytes(w: int = 4, h: int = 3) -> bytes:
    """A small valid RGB PNG, without Pillow."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes((200, 30 * x, 90)) * w for x in range(h))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


_PIC = (
    '<xdr:twoCellAnchor editAs="oneCell"><xdr:from><xdr:col>10</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>20'
    "</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>12</xdr:col><xdr:colOff>0</xdr:colOff>"
    '<xdr:row>24</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="20" '
    'name="驿站照片"/><xdr:cNvPicPr><a:picLocks noChangeAspect="1"/></xdr:cNvPicPr></xdr:nvPicPr><xdr:blipFill>'
    '<a:blip r:embed="rIdPic1"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill><xdr:spPr><a:xfrm><a:off '
    'x="0" y="0"/><a:ext cx="1219200" cy="762000"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
    "</xdr:spPr></xdr:pic><xdr:clientData/></xdr:twoCellAnchor>"
)
_TEXT_BOX = (
    "<xdr:twoCellAnchor><xdr:from><xdr:col>10</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>25</xdr:row>"
    "<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>14</xdr:col><xdr:colOff>0</xdr:colOff>"
    '<xdr:row>28</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to><xdr:sp macro="" textlink=""><xdr:nvSpPr>'
    '<xdr:cNvPr id="21" name="文本框 1"/><xdr:cNvSpPr txBox="1"/></xdr:nvSpPr><xdr:spPr><a:xfrm><a:off '
    'x="0" y="0"/><a:ext cx="2438400" cy="571500"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/>'
    '</a:prstGeom></xdr:spPr><xdr:txBody><a:bodyPr vertOverflow="clip" wrap="square" rtlCol="0" '
    'anchor="t"/><a:lstStyle/><a:p><a:r><a:rPr lang="zh-CN" altLang="en-US" sz="1100"/><a:t>驿站负责人审核：'
    "已核对台账</a:t></a:r></a:p></xdr:txBody></xdr:sp><xdr:clientData/></xdr:twoCellAnchor>"
)


def _openpyxl_extras(path: Path) -> None:
    import openpyxl
    from openpyxl.chart import BarChart, Reference
    from openpyxl.comments import Comment
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.styles import PatternFill
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.load_workbook(path)
    ws = wb[INDICATORS]
    chart = BarChart()
    chart.title = "本月指标"
    chart.add_data(Reference(ws, min_col=5, min_row=1, max_row=8), titles_from_data=True)
    ws.add_chart(chart, "K2")
    wb.defined_names["驿站指标"] = DefinedName("驿站指标", attr_text=f"{INDICATORS}!$E$2:$E$20")
    ws.defined_names["本表合计"] = DefinedName("本表合计", attr_text=f"{INDICATORS}!$E$2")
    dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    dv.add("E2:E20")
    ws.add_data_validation(dv)
    ws.conditional_formatting.add(
        "E2:E20", CellIsRule(operator="greaterThan", formula=["100"], fill=PatternFill("solid", fgColor="FFFF00"))
    )
    ws[NOTED_CELL].comment = Comment(STATION_NOTE, "驿站填报人")
    ws[OTHER_NOTE_CELL].comment = Comment(OTHER_NOTE, "驿站填报人")
    wb.custom_doc_props.append(StringProperty(name="填报单位", value="白云湖社区"))
    wb.active = wb.sheetnames.index(INFO)
    wb.save(path)


_FONT_ORDER = (
    "b",
    "i",
    "strike",
    "condense",
    "extend",
    "outline",
    "shadow",
    "u",
    "vertAlign",
    "sz",
    "color",
    "name",
    "family",
    "charset",
    "scheme",
)


def _excel_font_order(styles: str) -> str:
    """Font children in the order Excel writes them (openpyxl writes its own order,
    which the Open XML SDK validator reports): the source is then as clean as an
    Excel-saved report, so that any finding on the copy is the copy's."""

    def fix(m):
        kids = re.findall(r"<(\w+)\b[^>]*?(?:/>|>.*?</\1>)", m.group(1))
        elems = re.findall(r"<\w+\b[^>]*?(?:/>|>.*?</\w+>)", m.group(1))
        ordered = sorted(zip(kids, elems), key=lambda t: _FONT_ORDER.index(t[0]) if t[0] in _FONT_ORDER else 99)
        return "<font>" + "".join(e for _, e in ordered) + "</font>"

    return re.sub(r"<font>(.*?)</font>", fix, styles)


def _zip_extras(path: Path, macro: bool) -> bytes:
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    book = parts["xl/workbook.xml"].decode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    sheet_file = None
    for m in re.finditer(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', book):
        if m.group(1) == INDICATORS:
            target = re.search(rf'Id="{m.group(2)}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{m.group(2)}"', rels)
            sheet_file = "xl/" + (target.group(1) or target.group(2)).lstrip("/").removeprefix("xl/")
    assert sheet_file, "indicator sheet not found"
    sheet = parts[sheet_file].decode()
    sheet = sheet.replace("</worksheet>", DV_EXT + "</worksheet>")
    parts[sheet_file] = sheet.encode()
    drawing = next(n for n in parts if re.match(r"xl/drawings/drawing\d+\.xml$", n))
    d = parts[drawing].decode()
    decl = (
        '<xdr:twoCellAnchor xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    )
    anchors = (_PIC + _TEXT_BOX).replace("<xdr:twoCellAnchor", decl)
    close = "</xdr:wsDr>" if "</xdr:wsDr>" in d else "</wsDr>"  # openpyxl writes the default namespace
    parts[drawing] = d.replace(close, anchors + close).encode()
    drels = f"xl/drawings/_rels/{drawing.rsplit('/', 1)[1]}.rels"
    parts[drels] = (
        parts[drels]
        .decode()
        .replace(
            "</Relationships>",
            '<Relationship Id="rIdPic1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/image" Target="/xl/media/image1.png"/></Relationships>',
        )
        .encode()
    )
    parts["xl/media/image1.png"] = png_bytes()
    ct = parts["[Content_Types].xml"].decode()
    if 'Extension="png"' not in ct:
        ct = ct.replace("<Default ", '<Default Extension="png" ContentType="image/png"/><Default ', 1)
    if macro:
        ct = ct.replace(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        )
        ct = ct.replace(
            "<Default ", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ', 1
        )
        parts["xl/_rels/workbook.xml.rels"] = rels.replace(
            "</Relationships>",
            '<Relationship Id="rIdVba1" Type="http://schemas.microsoft.com/office/2006/'
            'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
        ).encode()
        parts["xl/vbaProject.bin"] = VBA_BYTES
    parts["[Content_Types].xml"] = ct.encode()
    parts["xl/styles.xml"] = _excel_font_order(parts["xl/styles.xml"].decode()).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(zipfile.ZipInfo(name, (2023, 6, 1, 9, 30, 0)), data, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def build_rich_workbook(path: Path, *, macro: bool = False, values: dict | None = None) -> Path:
    """Write the rich station workbook to ``path`` (.xlsx, or .xlsm with ``macro``)."""
    import datetime as dt

    tmp = path.with_name(path.stem + "-base.xlsx")
    write_template(
        tmp,
        station=STATION,
        month="2023-05",
        values=values or {"C1": "十二", "A5": "3次", "C2": 4},
        details={
            "求职登记": [
                {
                    "序号": 1,
                    "姓名": "王芳",
                    "性别": "女",
                    "身份证号": "421302199001011235",
                    "联系电话": "13812345678",
                    "登记日期": dt.date(2023, 5, 4),
                }
            ]
        },
    )
    _openpyxl_extras(tmp)
    path.write_bytes(_zip_extras(tmp, macro))
    tmp.unlink()
    return path
