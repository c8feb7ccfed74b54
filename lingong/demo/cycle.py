"""The demo's assessment cycle: the year of checks ``process.py --demo`` runs, the
resubmission between them, and starting that year afresh."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from lingong.demo.figures import default_report_name
from lingong.demo.scenario import PLANS, YEAR
from lingong.demo.writers import rel_path
from lingong.model.periods import parse_period
from lingong.report_template import (
    SHEET_INDICATORS,
    SHEET_INFO,
)
from lingong.runtime import outfiles

# ---- the demo's assessment cycle -------------------------------------------------------

# (what the clerk does, period, 考核日期, recheck): the half-year check in July, the recheck after the
# deadline (one station corrected and resubmitted its report), then the second half-year and the year.
CYCLE = (
    ("上半年检查", f"{YEAR}H1", _dt.date(YEAR, 7, 10), False),
    ("整改期满复查（高城镇零工驿站已更正 3 月报表并重新报送）", f"{YEAR}H1", _dt.date(YEAR, 8, 10), True),
    ("下半年检查", f"{YEAR}H2", _dt.date(YEAR + 1, 1, 12), False),
    ("年终考评", str(YEAR), _dt.date(YEAR + 1, 1, 12), False),
)
RESUBMITTED = ("SX-002", f"{YEAR}-03")


def resubmit(dest: Path) -> Path:
    """高城镇零工驿站 (SX-002) was put on 限期整改 for no promotion in March (D1 = 0). It finds the
    promotion it forgot to record and sends March again with a new 填报日期: the newer report is used."""
    import openpyxl

    plan = next(p for p in PLANS if p.code == RESUBMITTED[0])
    src = Path(dest) / rel_path(plan, default_report_name(plan, RESUBMITTED[1]))
    wb = openpyxl.load_workbook(src)
    for row in wb[SHEET_INFO].iter_rows():
        if row[0].value == "填报日期":
            row[1].value = _dt.datetime(YEAR, 7, 28)
    for row in wb[SHEET_INDICATORS].iter_rows():
        if row[0].value == "D1":
            row[4].value = 1
    target = src.with_name(src.stem + "（更正）.xlsx")
    with outfiles.atomic_path(target) as tmp:
        wb.save(tmp)
        outfiles.fix_zip_timestamps(tmp)  # openpyxl stamps the clock: every demo must be the same
    return target


MARKER = "演示输出.txt"


def start_cycle(sample: Path, out_root: Path, history_name: str) -> None:
    """Begin the demo's year afresh: no resubmission yet and no history of an earlier demo, so every
    demo tells the same story. A folder with a real history is never touched (the demo refuses it)."""
    out_root = Path(out_root)
    db = out_root / history_name
    marker = out_root / MARKER
    if db.exists() and not marker.exists():
        raise FileExistsError(db)
    plan = next(p for p in PLANS if p.code == RESUBMITTED[0])
    stale = Path(sample) / rel_path(plan, default_report_name(plan, RESUBMITTED[1]))
    stale.with_name(stale.stem + "（更正）.xlsx").unlink(missing_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    # The last demo's assessments go with its history: the folder shows this year as issued.
    import shutil

    for p in out_root.iterdir() if out_root.is_dir() else ():
        if p.is_dir() and parse_period(p.name) is not None:
            shutil.rmtree(p)
    outfiles.write_text_atomic(marker, "本文件夹由 python process.py --demo 生成，每次演示都会重新开始考核历史。\n")
