"""The demo city's scenario: which stations exist, what each one's year is planned
to look like, and what the assessment is expected to make of it (the tests hold the
run to these). ``Planted`` and ``DemoInfo`` describe what a build wrote."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SEED = 20230605  # the date of the policy
YEAR = 2023
MONTHS = tuple(f"{YEAR}-{m:02d}" for m in range(1, 13))
REGISTRY_FILE = "随州市零工驿站名册（2023年）.xlsx"
DECISIONS_FILE = "考核组意见_2023年.xlsx"

# Half-year totals by level: E is designed to reach 优秀 with a margin, P to
# pass without reaching 优秀 (see assessment-rules.md; the rules file holds the
# real thresholds, these are only the demo's choices of figures).
HALF_TOTALS = {
    "E": {
        "A1": 18,
        "A5": 30,
        "B1": 180,
        "B4": 120,
        "C1": 510,
        "C2": 450,
        "C3": 66,
        "C4": 120,
        "D1": 12,
        "D2": 12,
        "D3": 4,
        "E1": 36,
        "E2": 3,
        "E3": 36,
        "E4": 2,
        "F1": 3,
        "F2": 4,
        "F3": 3,
    },
    "P": {
        "A1": 12,
        "A5": 18,
        "B1": 120,
        "B4": 60,
        "C1": 420,
        "C2": 372,
        "C3": 54,
        "C4": 60,
        "D1": 6,
        "D2": 6,
        "D3": 1,
        "E1": 18,
        "E2": 1,
        "E3": 18,
        "E4": 1,
        "F1": 1,
        "F2": 2,
        "F3": 1,
    },
}
STAFF = {"E": (2, 1), "P": (0, 1)}  # (G1 full-time, G2 part-time)
MONTHLY_MIN = {"A1": 1, "B1": 1, "D1": 1, "D2": 1}
ITEM_OF_CODE = {"A": 0, "B": 1, "C": 2, "D": 3, "E": 4, "F": 2, "G": 5}
BUMP_MIN_TOTAL = 50  # only large totals get a per-station bump, small ones sit close to a threshold


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    county: str
    levels: str  # six letters E/P, one per item (驿站运维 … 服务效能)
    status: str = "运营"
    start: str | None = None
    end: str | None = None
    email: bool = True
    hotline: bool = True
    bump: bool = True
    totals: tuple[tuple[int, str, int], ...] = ()  # (half, code, total) overrides
    zero: tuple[tuple[str, str], ...] = ()  # (month, code) forced to 0
    complaints: tuple[tuple[str, int], ...] = ()  # (month, verified complaints)
    at_least: tuple[tuple[str, str, int], ...] = ()  # (month, code, minimum) moved there from other months
    full_details: bool = False
    folder: str = ""  # sub-folder under the county


PLANS: tuple[Plan, ...] = (
    Plan("ZD-001", "东城街道零工驿站", "曾都区", "EEEEEE", full_details=True, folder="东城街道零工驿站"),
    Plan(
        "ZD-002",
        "西城街道零工驿站",
        "曾都区",
        "EEEEEE",
        bump=False,
        folder="西城街道零工驿站",
        at_least=((f"{YEAR}-03", "C1", 80),),
    ),
    Plan("ZD-003", "南郊街道零工驿站", "曾都区", "PPPPPP"),
    Plan("ZD-004", "北郊街道零工驿站", "曾都区", "EEEEPP"),
    Plan("ZD-005", "万店镇零工驿站", "曾都区", "PPPPPP"),
    Plan("ZD-006", "何店镇零工驿站", "曾都区", "PPPPPP", status="整改中", totals=((1, "C1", 380), (2, "C1", 440))),
    Plan("ZD-007", "洛阳镇零工驿站", "曾都区", "EEEEEE", full_details=True),
    # A name typed by someone testing the system: it must stay text and never become a path.
    Plan("ZD-008", '=HYPERLINK("x")/../府河镇零工驿站', "曾都区", "EEPPPP"),
    Plan("SX-001", "厉山镇零工驿站", "随县", "EEEEEE"),
    Plan("SX-002", "高城镇零工驿站", "随县", "EEEEEE", zero=((f"{YEAR}-03", "D1"),)),
    Plan("SX-003", "殷店镇零工驿站", "随县", "PPPPPP"),
    Plan("SX-004", "草店镇零工驿站", "随县", "EEEEEE"),
    Plan("SX-005", "小林镇零工驿站", "随县", "EEEEEP"),
    Plan("SX-006", "淮河镇零工驿站", "随县", "PPPPPP"),
    Plan("SX-007", "万和镇零工驿站", "随县", "PPPPPP", status="已取消"),
    Plan("GS-001", "应山街道零工驿站", "广水市", "EEEEEE"),
    Plan(
        "GS-002",
        "十里街道零工驿站",
        "广水市",
        "EEEEEE",
        complaints=((f"{YEAR}-02", 1), (f"{YEAR}-04", 1), (f"{YEAR}-05", 1), (f"{YEAR}-10", 1)),
    ),
    Plan("GS-003", "广水街道零工驿站", "广水市", "EEEEEE", totals=((1, "C3", 41), (2, "C3", 66))),
    Plan("GS-004", "武胜关镇零工驿站", "广水市", "PPPPPP"),
    Plan("GS-005", "杨寨镇零工驿站", "广水市", "PEPEPE"),
    Plan("GS-006", "陈巷镇零工驿站", "广水市", "PPPPPP", status="已取消", end=f"{YEAR}-08"),
    Plan("GX-001", "淅河镇零工驿站", "随州高新区", "EEEEEE", email=False),
    Plan("GX-002", "白云湖社区零工驿站", "随州高新区", "EEEEEE", folder="白云湖社区"),
    Plan("GX-003", "季梁社区零工驿站", "随州高新区", "EEEEEE", start=f"{YEAR}-04"),
    Plan("DHS-001", "长岗镇零工驿站", "大洪山风景名胜区", "PPPPPP", hotline=False),
    Plan("DHS-002", "大洪山景区零工驿站", "大洪山风景名胜区", "EEEEEE", start=f"{YEAR}-09"),
)

# The intended 综合 (computed, before 考核组意见) under the default rules.
EXPECTED_OVERALL: dict[tuple[str, str], str] = {}
for _code, _h1, _y in (
    ("ZD-001", "优秀", "优秀"),
    ("ZD-002", "优秀", "优秀"),
    ("ZD-003", "合格", "合格"),
    ("ZD-004", "优秀", "优秀"),
    ("ZD-005", "合格", "合格"),
    ("ZD-006", "不合格", "合格"),
    ("ZD-007", "优秀", "优秀"),
    ("ZD-008", "合格", "合格"),
    ("SX-001", "优秀", "优秀"),
    ("SX-002", "不合格", "不合格"),
    ("SX-003", "合格", "合格"),
    ("SX-004", "不合格", "不合格"),
    ("SX-005", "优秀", "优秀"),
    ("SX-006", "合格", "合格"),
    ("GS-001", "优秀", "优秀"),
    ("GS-002", "优秀", "不合格"),
    ("GS-003", "不合格", "优秀"),
    ("GS-004", "合格", "合格"),
    ("GS-005", "合格", "合格"),
    ("GS-006", "合格", "合格"),
    ("GX-001", "优秀", "优秀"),
    ("GX-002", "不合格", "不合格"),
    ("GX-003", "优秀", "优秀"),
    ("DHS-001", "合格", "合格"),
    ("DHS-002", None, "优秀"),
):
    if _h1:
        EXPECTED_OVERALL[(_code, f"{YEAR}H1")] = _h1
    EXPECTED_OVERALL[(_code, str(YEAR))] = _y

# Item grades that differ from what the levels alone say (the designed failures).
EXPECTED_ITEMS: dict[tuple[str, str, str], str] = {
    ("ZD-006", f"{YEAR}H1", "供求服务"): "不合格",
    ("ZD-006", str(YEAR), "供求服务"): "合格",
    ("SX-002", f"{YEAR}H1", "宣传推广"): "不合格",
    ("SX-002", str(YEAR), "宣传推广"): "不合格",
    ("GS-002", f"{YEAR}H1", "服务效能"): "合格",
    ("GS-002", str(YEAR), "服务效能"): "不合格",
    ("GS-003", f"{YEAR}H1", "供求服务"): "不合格",
    ("GS-003", str(YEAR), "供求服务"): "合格",
    ("SX-004", f"{YEAR}H1", "驿站运维"): "不合格",
    ("SX-004", f"{YEAR}H1", "宣传推广"): "不合格",
    ("GX-002", f"{YEAR}H1", "线上平台"): "不合格",
}


@dataclass(frozen=True)
class Planted:
    key: str  # stable id, e.g. "c3_short"
    station: str
    where: str  # a file (relative path), a month or a period
    description: str


@dataclass
class DemoInfo:
    dest: Path
    registry_file: str
    decisions_file: str
    stations: tuple[str, ...]  # every code in the registry
    report_files: tuple[str, ...]  # every file written as a monthly report
    broken_files: tuple[str, ...]  # damaged: cannot be read
    skipped_files: tuple[str, ...]  # lock file and a non-spreadsheet
    planted: tuple[Planted, ...]
    expected_overall: dict[tuple[str, str], str] = field(default_factory=dict)
    expected_items: dict[tuple[str, str, str], str] = field(default_factory=dict)
    values: dict[tuple[str, str], dict[str, int | bool]] = field(default_factory=dict)  # accepted figures

    def planted_by_key(self, key: str) -> list[Planted]:
        return [p for p in self.planted if p.key == key]
