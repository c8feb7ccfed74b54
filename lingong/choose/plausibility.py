"""Figures no station can have reported: above the rules' monthly maximum.

A count of 1e300 or 2^63 parses as a whole number, but summed it would turn a
不合格 into a 合格 and put a 301-digit integer into results.json. Runs in the main
process after reading (the workers read without the rules): a pure function of a
report and the rules, giving V018 errors that send the report back.
"""

from __future__ import annotations

from lingong.catalogue.issues import issue
from lingong.model.records import Issue, ReportRecord
from lingong.report_template import INDICATOR_BY_CODE
from lingong.rules.model import Rules


def implausible(rec: ReportRecord, rules: Rules) -> list[tuple[str, Issue]]:
    """(indicator code, V018 error) for each figure above the rules' monthly maximum."""
    found = []
    for code, value in sorted(rec.values.items()):
        if isinstance(value, bool):
            continue
        limit = rules.monthly_max(code)
        if limit is None or value <= limit:
            continue
        sheet, _, cell = rec.cells.get(code, "").partition("!")
        what = f"{rec.cells.get(code, code)}（{code} {INDICATOR_BY_CODE[code].name}）"
        found.append(
            (
                code,
                issue(
                    "V018",
                    station=rec.station,
                    month=rec.month or "",
                    file=rec.file,
                    sheet=sheet,
                    cell=cell,
                    found=_short(value),
                    expected=limit,
                    what=what,
                ),
            )
        )
    return found


def drop_implausible(rec: ReportRecord, rules: Rules) -> None:
    """Add the V018 errors to ``rec`` and take the figures out of it, so that no later
    step (sums, results.json) ever holds them."""
    for code, problem in implausible(rec, rules):
        del rec.values[code]
        rec.issues.append(problem)


def _short(value: int) -> str:
    """A huge figure as a person can read it: 1e300 is not shown with 301 digits."""
    s = str(value)
    return s if len(s) <= 20 else f"{s[:3]}…（共 {len(s)} 位数字）"
