"""Plain data passed between the steps: read -> select -> aggregate -> grade -> render.

Months are strings ``YYYY-MM`` throughout (they sort, print and hash well).
Every record is small and picklable so workers can send it back cheaply.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

# What became of an input file (FileOutcome.kind)
KIND_REPORT = "report"
KIND_REGISTRY = "registry"
KIND_DECISIONS = "decisions"
KIND_SKIPPED = "skipped"  # not ours: lock files, hidden files, other documents
KIND_REJECTED = "rejected"  # meant to be read but cannot be (damaged, encrypted, ...)
KIND_UNSTABLE = "unstable"  # changed while read; left for the next run
OUT_OF_PERIOD = "考核期外（本次未使用）"  # status of a report of a month the period does not use


@dataclass(frozen=True)
class Issue:
    """One finding about the input (a file, a sheet, a cell): catalogue/issues.py builds them."""

    code: str
    severity: str
    station: str
    month: str
    file: str
    sheet: str
    cell: str
    found: str
    expected: str
    hint: str
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Station:
    code: str
    name: str
    county: str
    builder: str = ""
    address: str = ""
    leader: str = ""
    phone: str = ""
    email: str = ""
    hotline: str = ""
    status: str = "运营"
    start_month: str | None = None  # first operating month, None: before any period
    end_month: str | None = None  # last operating month, None: still operating
    source: str = ""  # registry file (relative path) and row, for tracing

    def operates_in(self, month: str) -> bool:
        """Whether ``month`` (YYYY-MM) lies in the registry's 启用年月..停用年月; the status
        (运营, 已取消 …) is a separate question its callers ask."""
        return (not self.start_month or month >= self.start_month) and (not self.end_month or month <= self.end_month)


@dataclass
class ReportRecord:
    """One monthly report file as read. ``values`` holds only cells that parsed."""

    file: str  # path relative to the input folder
    sha256: str
    mtime: float
    station: str  # as typed (normalised to upper case, trimmed)
    month: str | None  # YYYY-MM or None when unreadable
    name: str = ""
    county: str = ""
    fill_date: date | None = None
    version: str = ""
    values: dict[str, int | bool] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)  # code -> "月度指标!E7"
    detail_counts: dict[str, int] = field(default_factory=dict)  # e.g. {"岗位信息": 12, "宣传活动:驿站推广": 2}
    issues: list[Issue] = field(default_factory=list)

    @property
    def has_error(self) -> bool:
        return any(i.severity == "错误" for i in self.issues)


@dataclass(frozen=True)
class FileOutcome:
    file: str  # relative path
    kind: str  # KIND_*
    reason: str = ""  # Chinese, for skipped / rejected / unstable
    sha256: str = ""
    size: int = 0
    mtime: float = 0.0
    station: str = ""
    month: str = ""
    status: str = ""  # for reports: 采用 / 已被替代 / 退回 / 运营期外


@dataclass(frozen=True)
class Decision:
    """One row of 考核组意见 that passed validation."""

    station: str
    period: str  # period key, e.g. 2023H1
    item: str  # one of ITEMS or 综合
    grade: str
    reason: str
    source: str  # "file!A5"


@dataclass(frozen=True)
class Period:
    key: str  # 2023-03 | 2023H1 | 2023H2 | 2023
    kind: str  # month | half | year
    year: int
    months: tuple[str, ...]
    label: str  # 2023年3月 | 2023年上半年 | 2023年下半年 | 2023年度
    half_units: float  # months / 6: how many half-year targets the period holds


@dataclass(frozen=True)
class MonthSource:
    month: str
    status: str  # 采用 / 缺报 / 退回 / 未运营
    file: str = ""  # accepted report's file, or rejected file
    superseded: tuple[str, ...] = ()


# ---- grading results: computed once, rendered by the documents -----------


@dataclass(frozen=True)
class RequirementResult:
    key: str  # stable id from the rules file, e.g. "C1_sum"
    label: str  # e.g. "收集岗位"
    kind: str  # monthly | sum | ytd_max
    level: str  # 合格 or 优秀: which grade this requirement is for
    code: str  # indicator code(s) it is about, e.g. "C1" or "G1+G2"
    unit: str
    figure: int | None  # period sum, count of months met, or YTD count
    target: int | None  # prorated target (sum) / limit (ytd_max); None for monthly
    met: bool
    failed_months: tuple[str, ...] = ()
    clause: str = ""  # source clause, e.g. "附件 3"
    note: str = ""  # e.g. "上半年数据缺失"
    prorated: bool = False  # the target was prorated to the station's operating months


@dataclass(frozen=True)
class ItemResult:
    number: int  # 1..6
    name: str  # 驿站运维 ...
    content: str  # 考核内容 (form wording)
    target_text: str  # 任务指标 (form wording, rendered with the station's county and the rules)
    requirements: tuple[RequirementResult, ...]
    computed: str  # 优秀 / 合格 / 不合格
    decision: Decision | None
    final: str


@dataclass(frozen=True)
class AtRisk:
    station: str
    key: str  # requirement key
    label: str
    figure: int
    year_target: int
    needed: int  # still needed by year end
    months_left: int
    text: str  # e.g. "还需宣传推广 7 次"


@dataclass(frozen=True)
class RectificationCase:
    """One 限期整改 of a station: started by the assessment of ``period``, decided by
    a recheck of that period or by a later assessment (see docs/rectification.md)."""

    period: str  # period key of the assessment that started it, e.g. 2023H1
    started_on: date  # its 考核日期
    deadline: date
    state: str  # 限期整改 | 整改结束 | 建议取消
    decided_by: str = ""  # period key of the assessment that decided it ("" while open)
    decided_recheck: bool = False
    decided_on: date | None = None
    # The assessment that proposed 建议取消, kept when a later one ends the case: the
    # proposal is then withdrawn, and the documents say so (proposed_by "" : never proposed).
    proposed_by: str = ""
    proposed_recheck: bool = False
    proposed_on: date | None = None

    @property
    def withdrawn(self) -> bool:
        """建议取消 was proposed and a later assessment ended the case instead."""
        return bool(self.proposed_by) and self.state == "整改结束"


@dataclass(frozen=True)
class Earlier:
    """What the assessment a recheck follows said of a station: shown beside the recheck's result."""

    kind: str  # 考核 | 复查: the period's assessment or an earlier recheck of it
    period: str  # period key
    assessed_on: date | None
    final_overall: str
    provisional: bool
    failed_items: tuple[str, ...]
    rectification: str
    deadline: date | None = None


@dataclass(frozen=True)
class StationResult:
    station: Station
    period: Period
    graded: bool  # False: no operating month in the period
    active_months: tuple[str, ...]
    month_sources: tuple[MonthSource, ...]
    missing_months: tuple[str, ...]  # 缺报
    rejected_months: tuple[str, ...]  # only a rejected file for that month
    monthly: dict  # month -> {code: value} of accepted reports
    sums: dict  # code -> period sum over accepted months
    items: tuple[ItemResult, ...]
    computed_overall: str
    overall_decision: Decision | None
    final_overall: str
    provisional: bool  # 暂定: a file of the station in the period was rejected
    rectification: str = ""  # "" | 限期整改 | 整改结束 | 建议取消
    deadline: date | None = None
    # Filled by history: the 考核日期 of this assessment, and the rectification case the
    # state above belongs to (it may have been started by another period's assessment).
    assessed_on: date | None = None
    case: "RectificationCase | None" = None
    at_risk: tuple[AtRisk, ...] = ()
    complaints_ytd: int = 0
    complaints_note: str = ""
    # Appended by the grading area: where each figure came from, for results.json.
    # month -> {"file": rel path, "cells": {code: "月度指标!E7"}}; covers the period's
    # accepted months and the year-to-date months used for complaints.
    trace: dict = field(default_factory=dict)
    complaints_by_month: dict = field(default_factory=dict)  # month -> G5 used for complaints_ytd
    # A recheck's result: what the assessment it follows said (None for any other result).
    earlier: "Earlier | None" = None
    # At a recheck on or after the deadline a month whose reports were all returned counts as not
    # submitted ("退回后未在整改期限内重新报送"): the result is final, no longer 暂定.
    returns_lapsed: bool = False
