"""Registry rows and a registry read back, for tests of the registry and of what uses it."""

from lingong.read.registry import read_registry
from lingong.read.workbook import read_workbook
from lingong.report_template import REGISTRY_COLUMNS
from support.report_factory import write_table

HEADER = [label for _, label in REGISTRY_COLUMNS]


def row(code="ZD-001", name="东城零工驿站", county="曾都区", status="运营", start=None, end=None, **kw):
    values = {
        "code": code,
        "name": name,
        "county": county,
        "builder": "东城街道",
        "address": "随州市东城路1号",
        "leader": "王五",
        "phone": "13872200001",
        "email": "zd001@example.com",
        "hotline": "0722-3201234",
        "status": status,
        "start_month": start,
        "end_month": end,
        **kw,
    }
    return [values[k] for k, _ in REGISTRY_COLUMNS]


def registry(tmp_path, rows, *, title=True, header=HEADER, sheet="驿站名册"):
    # with a title: the title, a blank row, then the header
    path = write_table(
        tmp_path / "名册.xlsx",
        sheet,
        header,
        rows,
        title="随州市零工驿站名册（2023年）" if title else None,
        header_row=3 if title else 1,
    )
    return read_registry(read_workbook(path), "名册/名册.xlsx")
