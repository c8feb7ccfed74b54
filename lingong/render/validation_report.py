"""The 校验报告 (随州市零工驿站<period>校验报告.xlsx): every validation issue of a run, one row each, sorted so a clerk
can cut out each station's rows and send them on (outputs.md §3).

Just over 300 lines: three sheets and the issue-row helpers the return copy's 问题清单 shares."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from lingong.catalogue.issues import ERROR, INFO, WARNING, sort_key
from lingong.model.periods import month_text
from lingong.model.records import (
    KIND_DECISIONS,
    KIND_REGISTRY,
    KIND_REJECTED,
    KIND_REPORT,
    KIND_SKIPPED,
    KIND_UNSTABLE,
    FileOutcome,
    Issue,
    Station,
)
from lingong.render import print_layout, textfit
from lingong.render.wording import date_cn
from lingong.report_template import COUNTIES, COUNTY_COLUMN, COUNTY_GROUP, county_order
from lingong.runtime import outfiles, privacy
from lingong.words import KIND_LABELS

COLUMNS: tuple[tuple[str, int], ...] = (
    ("严重程度", 8),
    (COUNTY_COLUMN, 16),  # 大洪山风景名胜区 on one line
    ("驿站编号", 10),
    ("驿站名称", 18),
    ("月份", 10),
    ("文件", 22),
    ("工作表", 10),
    ("单元格", 7),
    ("问题代码", 8),
    ("问题", 34),
    ("发现", 16),
    ("应为", 14),
    ("处理建议", 26),
)
SEVERITY_COLOURS = {ERROR: "#FFC7CE", WARNING: "#FFEB9C", INFO: "#DDEBF7"}
UNKNOWN_COUNTY = "（未识别驿站）"


def row_height(texts, widths, line_height: float = 13.5) -> float:
    """The compact rows of a list: ``line_height`` points a line, no padding."""
    return textfit.row_height(zip(texts, widths), 10, minimum=line_height, line_pt=line_height, pad=0)


def issue_sort_key(i: Issue, stations: dict[str, Station]) -> tuple:
    return sort_key(i, stations)


def sorted_issues(issues: list[Issue], stations: dict[str, Station]) -> list[Issue]:
    return sorted(issues, key=lambda i: issue_sort_key(i, stations))


def issue_cells(i: Issue) -> tuple[str, ...]:
    """Where and what an issue is, masked: sheet, cell, code, message, found, expected, hint
    (the 校验报告's columns and the return copy's 问题清单 end alike)."""
    mask = privacy.mask
    return (i.sheet, i.cell, i.code, mask(i.message), mask(i.found), mask(i.expected), mask(i.hint))


def county_shown(code: str, stations: dict[str, Station]) -> str:
    """The 县区 of an issue's row: its station's county, else why there is none."""
    st = stations.get(code)
    return st.county if st else (UNKNOWN_COUNTY if not code else "（不在名册）")


def _row(i: Issue, stations: dict[str, Station]) -> list[str]:
    st = stations.get(i.station)
    return [
        i.severity,
        county_shown(i.station, stations),
        i.station,
        st.name if st else "",
        month_text(i.month),
        i.file,
        *issue_cells(i),
    ]


def _formats(wb) -> dict:
    base = {"font_name": outfiles.FONT, "font_size": 10, "valign": "top", "text_wrap": True, "border": 1}
    fmts = {
        "title": wb.add_format({"font_name": outfiles.FONT, "bold": True, "font_size": 12}),
        "header": wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "align": "center"}),
        "cell": wb.add_format(base),
        "plain": wb.add_format({"font_name": outfiles.FONT, "font_size": 10}),
        "num": wb.add_format({**base, "text_wrap": False}),
    }
    for sev, colour in SEVERITY_COLOURS.items():
        fmts[sev] = wb.add_format({**base, "bg_color": colour, "bold": sev == ERROR})
    return fmts


BUREAU_SHEET = "名册与考核组意见问题"


def _month_order(text: str) -> tuple:
    """Natural order of names with numbers in them: 1月 … 9月, 10月 … 12月, not 10月, 11月, 12月, 1月."""
    return tuple((0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.findall(r"\d+|\D+", text or ""))


def _print_setup(ws, title: str, widths, *, repeat=(0, 0), keep: int = 0) -> None:
    """A4 pages at >= 85 % with the title and period on every page, 第 N 页 共 M 页 at the
    foot and the header row repeated (lingong.render.print_layout)."""
    print_layout.setup(ws, widths, title, repeat=repeat, keep=keep)


def _write_issues(
    wb, fmt, issues: list[Issue], stations: dict[str, Station], name: str = "校验问题", title: str = ""
) -> None:
    ws = wb.add_worksheet(name)
    # The sheet name tells 校验问题 from 名册与考核组意见问题 on paper; the columns that say
    # whose problem it is repeat beside 问题 … 处理建议 when the row is split across pages.
    _print_setup(ws, f"{title}　{name}" if title else name, [w for _, w in COLUMNS], keep=3)
    for c, (label, width) in enumerate(COLUMNS):
        ws.set_column(c, c, width)
        ws.write_string(0, c, label, fmt["header"])
    widths = [w for _, w in COLUMNS]
    for r, i in enumerate(sorted_issues(issues, stations), start=1):
        texts = _row(i, stations)
        ws.set_row(r, row_height(texts, widths))
        for c, text in enumerate(texts):
            cell_fmt = fmt.get(text, fmt["cell"]) if c == 0 else fmt["cell"]
            if text:
                # write_string: text from a station never becomes a formula or a link.
                ws.write_string(r, c, text, cell_fmt)
            else:
                ws.write_blank(r, c, None, cell_fmt)
    ws.autofilter(0, 0, max(len(issues), 1), len(COLUMNS) - 1)
    ws.freeze_panes(1, 0)


def _write_summary(
    wb,
    fmt,
    issues: list[Issue],
    stations: dict[str, Station],
    outcomes: list[FileOutcome],
    outside: int = 0,
    title: str = "",
    assessed_on=None,
) -> None:
    ws = wb.add_worksheet("汇总")
    _print_setup(ws, f"{title}　汇总" if title else "汇总", (14, 12, 30, 10, 10, 10, 10, 30), repeat=None)
    for c, w in enumerate((14, 12, 30, 10, 10, 10, 10, 30)):
        ws.set_column(c, c, w)
    r = 0
    ws.write_string(r, 0, title or "校验问题汇总", fmt["title"])
    if assessed_on:
        r += 1
        ws.write_string(r, 0, f"考核日期：{date_cn(assessed_on)}", fmt["plain"])
    r += 2
    ws.write_string(r, 0, "按县区", fmt["title"])
    r += 1
    for c, label in enumerate((COUNTY_GROUP, ERROR, WARNING, INFO, "合计")):
        ws.write_string(r, c, label, fmt["header"])
    per_county: dict[str, Counter] = {}
    for i in issues:
        county = county_shown(i.station, stations)
        per_county.setdefault(county, Counter())[i.severity] += 1
    for county in sorted(per_county, key=lambda c: county_order(c) if c in COUNTIES else (len(COUNTIES) + 1, c)):
        r += 1
        counts = per_county[county]
        ws.write_string(r, 0, county, fmt["cell"])
        for c, sev in enumerate((ERROR, WARNING, INFO), start=1):
            ws.write_number(r, c, counts.get(sev, 0), fmt["num"])
        ws.write_number(r, 4, sum(counts.values()), fmt["num"])
    r += 2
    ws.write_string(r, 0, "按严重程度", fmt["title"])
    r += 1
    by_sev = Counter(i.severity for i in issues)
    for c, label in enumerate(("严重程度", "问题数")):
        ws.write_string(r, c, label, fmt["header"])
    for sev in (ERROR, WARNING, INFO):
        r += 1
        ws.write_string(r, 0, sev, fmt[sev])
        ws.write_number(r, 1, by_sev.get(sev, 0), fmt["num"])
    r += 1
    ws.write_string(r, 0, "合计", fmt["cell"])
    ws.write_number(r, 1, len(issues), fmt["num"])

    r += 2
    ws.write_string(r, 0, "按驿站", fmt["title"])
    r += 1
    for c, label in enumerate((COUNTY_COLUMN, "驿站编号", "驿站名称", ERROR, WARNING, INFO, "合计")):
        ws.write_string(r, c, label, fmt["header"])
    per_station: dict[str, Counter] = {}
    for i in issues:
        per_station.setdefault(i.station, Counter())[i.severity] += 1
    order = sorted(
        per_station,
        key=lambda code: (
            county_order(stations[code].county) if code in stations else (len(COUNTIES) + 1, ""),
            code or "\uffff",
        ),
    )
    for code in order:
        r += 1
        st = stations.get(code)
        counts = per_station[code]
        for c, text in enumerate((county_shown(code, stations), code, st.name if st else "")):
            ws.write_string(r, c, text, fmt["cell"])
        for c, sev in enumerate((ERROR, WARNING, INFO), start=3):
            ws.write_number(r, c, counts.get(sev, 0), fmt["num"])
        ws.write_number(r, 6, sum(counts.values()), fmt["num"])

    r += 2
    ws.write_string(r, 0, "输入文件", fmt["title"])
    r += 1
    kinds = Counter(o.kind for o in outcomes)
    ws.write_string(
        r,
        0,
        "；".join(
            f"{KIND_LABELS.get(k, k)} {n} 个"
            for k, n in sorted(
                kinds.items(), key=lambda kv: list(KIND_LABELS).index(kv[0]) if kv[0] in KIND_LABELS else 99
            )
        )
        + (f"；另有{OUT_OF_PERIOD}的报表 {outside} 个，见同名工作表" if outside else "")
        or "没有输入文件",
        fmt["plain"],
    )
    r += 1
    for c, label in enumerate(("文件类别", "驿站编号", "文件", "月份", "状态")):
        ws.write_string(r, c, label, fmt["header"])
    ws.merge_range(r, 5, r, 7, "", fmt["header"])
    ws.write_string(r, 5, "原因及处理", fmt["header"])
    kind_rank = {
        k: n
        for n, k in enumerate((KIND_REJECTED, KIND_UNSTABLE, KIND_REPORT, KIND_REGISTRY, KIND_DECISIONS, KIND_SKIPPED))
    }
    for o in sorted(outcomes, key=lambda o: (kind_rank.get(o.kind, 9), _month_order(o.file))):
        r += 1
        texts = (KIND_LABELS.get(o.kind, o.kind), o.station, o.file, month_text(o.month), o.status)
        for c, text in enumerate(texts):
            ws.write_string(r, c, text, fmt["cell"])
        ws.merge_range(r, 5, r, 7, "", fmt["cell"])
        reason = privacy.mask(o.reason)
        ws.write_string(r, 5, reason, fmt["cell"])
        ws.set_row(r, row_height((*texts, reason), (14, 12, 30, 10, 10, 50)))


OUT_OF_PERIOD = "考核期外（本次未使用）"


def _write_out_of_period(wb, fmt, outside: list[FileOutcome], stations: dict[str, Station], title: str = "") -> None:
    """Reports of months this period does not use: listed, never checked here."""
    ws = wb.add_worksheet(OUT_OF_PERIOD)
    widths = (14, 12, 24, 40, 10)
    _print_setup(ws, f"{title}　{OUT_OF_PERIOD}" if title else OUT_OF_PERIOD, widths, repeat=(1, 1))
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.write_string(
        0,
        0,
        f"{OUT_OF_PERIOD}的报表 {len(outside)} 份：本次考核不使用，也不在本报告中校验；在考核它们所在月份时处理",
        fmt["title"],
    )
    for c, label in enumerate((COUNTY_COLUMN, "驿站编号", "驿站名称", "文件", "月份")):
        ws.write_string(1, c, label, fmt["header"])
    r = 1

    def order(o: FileOutcome) -> tuple:
        st = stations.get(o.station)
        return (county_order(st.county) if st else (len(COUNTIES) + 1, ""), o.station, o.month, _month_order(o.file))

    for o in sorted(outside, key=order):
        r += 1
        st = stations.get(o.station)
        texts = (st.county if st else "", o.station, st.name if st else "", o.file, month_text(o.month))
        for c, text in enumerate(texts):
            ws.write_string(r, c, text, fmt["cell"])
        ws.set_row(r, row_height(texts, widths))
    ws.freeze_panes(2, 0)
    ws.autofilter(1, 0, max(r, 1), 4)


def write_validation_report(
    path: Path,
    issues: list[Issue],
    stations: dict[str, Station],
    outcomes: list[FileOutcome],
    bureau_issues: list[Issue] = (),
    period_label: str = "",
    assessed_on=None,
) -> None:
    """Write the 校验报告 (sheets 校验问题, 名册与考核组意见问题 when there are any, 汇总 and
    考核期外（本次未使用） when there are any) to ``path`` atomically."""
    outside = [o for o in outcomes if o.status == OUT_OF_PERIOD]
    title = f"随州市零工驿站{period_label}报表校验报告" if period_label else ""
    with outfiles.atomic_path(Path(path)) as tmp:
        wb = outfiles.new_xlsxwriter(tmp)
        fmt = _formats(wb)
        _write_issues(wb, fmt, issues, stations, title=title)
        if bureau_issues:
            # The bureau's own files: for the clerk, kept apart from what is filtered and sent to stations.
            _write_issues(wb, fmt, list(bureau_issues), stations, BUREAU_SHEET, title=title)
        _write_summary(
            wb,
            fmt,
            issues,
            stations,
            [o for o in outcomes if o.status != OUT_OF_PERIOD],
            len(outside),
            title=title,
            assessed_on=assessed_on,
        )
        if outside:
            _write_out_of_period(wb, fmt, outside, stations, title=title)
        wb.close()
