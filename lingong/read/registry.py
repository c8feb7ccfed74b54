"""The station registry (驿站名册) -> Station records plus the registry's issues.

Registry problems are the bureau's own errors (R005/R006), never a station's:
a row that names a station is kept where possible so its reports are not all
rejected as 驿站不在名册 because of, say, a mistyped 状态.
"""

from __future__ import annotations

from lingong import report_template
from lingong.catalogue.issues import issue
from lingong.model.cells import a1
from lingong.model.periods import month_label
from lingong.model.records import Issue, Station
from lingong.read.addresses import EXAMPLE, check_address
from lingong.read.labels import code_typed_oddly, find_sheet, loose_label, norm_code, norm_label, norm_text
from lingong.read.values import as_text, parse_month

HEADER_SCAN_ROWS = 60
_LABELS = {
    **{norm_label(lab): key for key, lab in report_template.REGISTRY_COLUMNS},
    **{loose_label(lab): key for key, lab in report_template.REGISTRY_COLUMNS},
}
_LABEL_OF = dict(report_template.REGISTRY_COLUMNS)


def _header(rows) -> tuple[int, dict[str, int]] | None:
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        cols: dict[str, int] = {}
        for c, v in enumerate(row):
            if isinstance(v, str):
                key = _LABELS.get(norm_label(v)) or _LABELS.get(loose_label(v))
                if key and key not in cols:
                    cols[key] = c
        if "code" in cols and len(cols) >= 2:
            return r, cols
    return None


def read_registry(wb, rel: str) -> tuple[dict[str, Station], list[Issue]]:
    """Stations by normalised code, and the registry's issues. An empty dict means
    there is no usable registry (the run stops with exit status 2)."""
    issues: list[Issue] = []
    sheet = find_sheet(wb, report_template.SHEET_REGISTRY)
    if sheet is None:
        return {}, [issue("R004", file=rel)]
    rows = sheet.rows
    hdr = _header(rows)
    if hdr is None:
        return {}, [issue("S006", file=rel, sheet=sheet.name, expected=_LABEL_OF["code"])]
    hr, cols = hdr
    missing = [k for k in report_template.REGISTRY_REQUIRED if k not in cols]
    if missing:
        return {}, [issue("S006", file=rel, sheet=sheet.name, cell=a1(hr, 0), expected=_LABEL_OF[k]) for k in missing]

    stations: dict[str, Station] = {}
    first_row: dict[str, int] = {}
    for r in range(hr + 1, len(rows)):
        row = rows[r]

        def raw(key):
            c = cols.get(key)
            return row[c] if c is not None and c < len(row) else None

        def cell(key):
            return a1(r, cols.get(key, 0))

        def note(issue_code: str, at: str, **kw) -> None:
            issues.append(issue(issue_code, file=rel, sheet=sheet.name, cell=at, **kw))

        if all(raw(k) is None or not as_text(raw(k)) for k in cols):
            continue
        problems: list[tuple[str, str]] = []  # (cell, text)

        def bad(key, text):
            problems.append((cell(key), text))

        code = norm_code(as_text(raw("code")))
        if odd := code_typed_oddly(raw("code")):  # the cell as typed: as_text has folded it
            note("N001", cell("code"), station=code, what=f"驿站名册第 {r + 1} 行的驿站编号", found=odd, expected=code)
        fields = {k: as_text(raw(k)) for k in cols if k not in ("code", "start_month", "end_month")}
        if not code:
            note("R005", cell("code"), what=f"第 {r + 1} 行", found="驿站编号为空，该行未读取")
            continue
        if code in stations:
            note("R006", cell("code"), station=code, found=code, expected=f"第 {first_row[code]} 行")
            continue
        for key in ("name", "county"):
            if not fields.get(key):
                bad(key, f"{_LABEL_OF[key]}为空")
        county = norm_text(fields.get("county", ""))
        if county and county not in report_template.COUNTIES:
            bad("county", f"所属县（市、区）“{county}”不是随州市的县区（{'、'.join(report_template.COUNTIES)}）")
        status = norm_text(fields.get("status", "")) or "运营"
        if status not in report_template.STATION_STATUSES:
            bad("status", f"状态填写了“{status}”，应为 {' / '.join(report_template.STATION_STATUSES)}，已按“运营”读取")
            status = "运营"
        months = {}
        for key in ("start_month", "end_month"):
            v = raw(key)
            if v is None or not as_text(v):
                months[key] = None
                continue
            p = parse_month(v)
            months[key] = p.value
            if p.value is None:
                bad(key, f"{_LABEL_OF[key]}填写了“{as_text(v)}”，无法识别，请写成 2023-07 或 2023年7月")
            elif p.code == "V008":
                bad(
                    key,
                    f"{_LABEL_OF[key]}填写了数字“{as_text(v)}”，已按 {month_label(p.value)}读取"
                    f"（Excel 会把 2023.10 这样的数字存成 2023.1）；请写成 {p.value} 或 {month_label(p.value)} 这样的文字",
                )
        if months["start_month"] and months["end_month"] and months["end_month"] < months["start_month"]:
            bad("end_month", f"停用年月 {months['end_month']} 早于启用年月 {months['start_month']}")
        if "email" in cols:
            # A bad address is held here and in the drafts: it could add a recipient (a Bcc line).
            email = check_address(fields.get("email", ""))
            if email.problem:
                note(
                    "R008",
                    cell("email"),
                    station=code,
                    what=f"第 {r + 1} 行（{code}）",
                    found=f"“{email.shown}”：{email.problem}",
                    expected=f"一个电子邮箱地址，如 {EXAMPLE}",
                )
        for cell_ref, text in problems:
            note("R005", cell_ref, station=code, what=f"第 {r + 1} 行（{code}）", found=text)
        first_row[code] = r + 1
        stations[code] = Station(
            code=code,
            name=fields.get("name", "").strip(),
            county=county,
            builder=fields.get("builder", ""),
            address=fields.get("address", ""),
            leader=fields.get("leader", ""),
            phone=fields.get("phone", ""),
            email=fields.get("email", ""),
            hotline=fields.get("hotline", ""),
            status=status,
            start_month=months["start_month"],
            end_month=months["end_month"],
            source=f"{rel}!A{r + 1}",
        )
    return stations, issues
