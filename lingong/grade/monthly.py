"""The month-by-month data behind the grades, built once from the StationResults:
the 月度明细 table (one row per operating station-month) and the monthly totals
per county and city. Pure functions over plain data; the 汇总表, 月度明细.csv and
lingong.frames all read the same rows. Never imports pandas (the run uses it).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from lingong.model.records import StationResult
from lingong.report_template import COUNT, COUNTY_GROUP, INDICATORS, county_order
from lingong.runtime.outfiles import atomic_path
from lingong.runtime.privacy import mask
from lingong.words import ACCEPTED, MONTH_STATUSES

# Statuses of an operating month; 未运营 months are not rows.
ROW_STATUSES = MONTH_STATUSES
FIXED_HEADERS = (COUNTY_GROUP, "驿站编号", "驿站名称", "月份", "报送状态", "来源文件")
TREND_CODES = ("C1", "C2", "C3", "D1", "D2")
CITY = "全市"


def indicator_header(code: str) -> str:
    """``C1 收集审核零工岗位数``: the code a clerk filters by and the name he reads."""
    ind = next(i for i in INDICATORS if i.code == code)
    return f"{ind.code} {ind.name}"


HEADERS = (*FIXED_HEADERS, *(indicator_header(i.code) for i in INDICATORS))


@dataclass(frozen=True)
class MonthRow:
    county: str
    code: str
    name: str
    month: str  # YYYY-MM
    status: str  # 采用 / 缺报 / 退回
    file: str  # the accepted report, or the rejected one; "" for 缺报
    values: dict  # code -> int or bool; empty unless 采用

    def cells(self) -> list:
        """The row as the table shows it: yes/no indicators as 是/否, absent values None."""
        out: list = [self.county, self.code, self.name, self.month, self.status, self.file]
        for ind in INDICATORS:
            v = self.values.get(ind.code)
            if v is None:
                out.append(None)
            elif ind.kind == COUNT:
                out.append(int(v))
            else:
                out.append("是" if v else "否")
        return out


def _ordered(results: list[StationResult]) -> list[StationResult]:
    return sorted(results, key=lambda r: (county_order(r.station.county), r.station.code))


def month_rows(results: list[StationResult]) -> list[MonthRow]:
    """One row per month of the period in which a station operated, in county, station,
    month order. Only 采用 months carry figures: a 缺报 or 退回 month has none to use."""
    rows = []
    for res in _ordered(results):
        st = res.station
        for src in sorted(res.month_sources, key=lambda s: s.month):
            if src.status not in ROW_STATUSES:
                continue
            values = dict(res.monthly.get(src.month, {})) if src.status == ACCEPTED else {}
            rows.append(MonthRow(st.county, st.code, st.name, src.month, src.status, src.file, values))
    return rows


def trend(rows: list[MonthRow], months: tuple[str, ...] | list[str]) -> dict[str, dict[str, dict[str, int]]]:
    """area (全市 first, then each county in order) -> month -> code -> sum of the
    accepted months' values. Every month of the period is present, 0 when nothing was accepted."""
    counties = sorted({r.county for r in rows}, key=county_order)
    out = {a: {m: dict.fromkeys(TREND_CODES, 0) for m in months} for a in (CITY, *counties)}
    for r in rows:
        if r.status != ACCEPTED or r.month not in out[CITY]:
            continue
        for code in TREND_CODES:
            v = r.values.get(code)
            if isinstance(v, int) and not isinstance(v, bool):
                out[CITY][r.month][code] += v
                out[r.county][r.month][code] += v
    return out


def csv_text(value) -> str:
    """A CSV field as Excel should take it: masked, and never a formula (a leading
    = + - @ gets an apostrophe, as Excel's own 'text' prefix)."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    text = mask(value)
    if text[:1] in ("=", "+", "-", "@"):
        text = "'" + text
    return text


def csv_bytes(rows: list[MonthRow]) -> bytes:
    """UTF-8 with a BOM, so Excel opens it in Chinese; CRLF line ends as Excel writes them."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([csv_text(h) for h in HEADERS])
    for r in rows:
        w.writerow([csv_text(v) for v in r.cells()])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def write_csv(path: Path, results: list[StationResult]) -> None:
    """Write 月度明细.csv atomically."""
    data = csv_bytes(month_rows(results))
    with atomic_path(Path(path)) as tmp:
        tmp.write_bytes(data)
