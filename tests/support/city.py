"""A small city on disk: the registry and monthly reports of a few stations."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from lingong import report_template
from support.report_factory import write_report

STATIONS = [
    ("ZD-001", "东城零工驿站", "曾都区", "zd001@example.com"),
    ("ZD-002", "西城零工驿站", "曾都区", ""),
    ("GS-001", "应山零工驿站", "广水市", "gs001@example.com"),
]


def write_registry(path: Path, rows=STATIONS) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = report_template.SHEET_REGISTRY
    ws.append([label for _, label in report_template.REGISTRY_COLUMNS])
    for code, name, county, email in rows:
        ws.append(
            [code, name, county, "街道办", "某路 1 号", "张三", "13800000000", email, "0722-1234567", "运营", "", ""]
        )
    wb.save(path)
    return path


def write_city(
    src: Path, months=range(1, 7), values=None, *, stations=STATIONS, broken=(), skip=(), folder: str = ""
) -> Path:
    """The registry and a report for each station and month of 2023 under ``src/folder``:
    ``values(code, month)`` overrides figures, the (code, month) pairs in ``skip`` have no
    report and those in ``broken`` a count typed as 十二."""
    (src / folder).mkdir(parents=True, exist_ok=True)
    write_registry(src / "驿站名册.xlsx", rows=stations)
    for code, name, county, _ in stations:
        for m in months:
            if (code, m) in skip:
                continue
            figures = {"C1": "十二"} if (code, m) in broken else (values(code, m) if values else None)
            write_report(
                src / folder / f"{code}_{m}月.xlsx",
                station=code,
                name=name,
                county=county,
                month=f"2023-{m:02d}",
                values=figures,
            )
    return src
