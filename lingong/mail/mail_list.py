"""The 邮件清单 workbook: one row per station, whether its draft was written and why not."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lingong.render import print_layout, textfit
from lingong.report_template import COUNTY_COLUMN
from lingong.runtime import outfiles


@dataclass(frozen=True)
class DraftRow:
    station: str
    name: str
    county: str
    recipients: tuple[str, ...]
    subject: str
    attachments: tuple[str, ...]  # names as the station sees them
    status: str  # one of STATUS_*, possibly with a detail
    eml: Path | None = None
    message_id: str = ""
    issue_count: int = 0
    address_as_typed: str = ""

    @property
    def written(self) -> bool:
        return self.eml is not None


LIST_COLUMNS = (
    "驿站编号",
    "驿站名称",
    COUNTY_COLUMN,
    "电子邮箱",
    "邮件主题",
    "附件",
    "状态",
    "邮件文件",
    "校验问题数",
)


def write_mail_list(path: Path, rows: list[DraftRow], *, title: str = "随州市零工驿站邮件清单") -> None:
    """The list a clerk checks before sending; ``title`` heads every printed page."""
    with outfiles.atomic_path(path) as tmp:
        wb = outfiles.new_xlsxwriter(tmp)
        ws = wb.add_worksheet("邮件清单")
        head = wb.add_format(
            {
                "bold": True,
                "bg_color": "#DDEBF7",
                "border": 1,
                "text_wrap": True,
                "font_name": outfiles.FONT,
                "valign": "vcenter",
            }
        )
        cell = wb.add_format({"border": 1, "text_wrap": True, "font_name": outfiles.FONT, "valign": "top"})
        warn = wb.add_format(
            {"border": 1, "text_wrap": True, "font_name": outfiles.FONT, "valign": "top", "font_color": "#C00000"}
        )
        widths = (10, 18, 16, 24, 34, 36, 26, 24, 8)
        for c, (column, w) in enumerate(zip(LIST_COLUMNS, widths)):
            ws.write_string(0, c, column, head)
            ws.set_column(c, c, w)
        for r, row in enumerate(rows, 1):
            values = (
                row.station,
                row.name,
                row.county,
                "；".join(row.recipients) or row.address_as_typed,
                row.subject,
                "\n".join(row.attachments),
                row.status,
                row.eml.name if row.eml else "",
                str(row.issue_count),
            )
            for c, v in enumerate(values):
                ws.write_string(r, c, v, cell if row.written or c != 6 else warn)
            ws.set_row(r, textfit.row_height(zip(values, widths), 10))
        ws.set_row(0, textfit.row_height(zip(LIST_COLUMNS, widths), 10))
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(rows), 1), len(LIST_COLUMNS) - 1)
        # 编号 and 名称 repeat beside the mail's subject, attachments and status on their page.
        print_layout.setup(ws, widths, title, repeat=(0, 0), keep=2)
        wb.close()
