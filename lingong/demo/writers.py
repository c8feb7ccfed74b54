"""Writing the demo city: the registry, the 考核组意见, each station's monthly reports
(messy but readable ones, damaged ones, a lock file) and ``build_demo``, which writes
them all.

Over 300 lines because build_demo and _station_files are the scenario's one story of
which file each station sends, told in order.
"""

from __future__ import annotations

import datetime as _dt
import io
import os
import random
import re
import zipfile
from pathlib import Path

from lingong.demo.figures import (
    default_report_name,
    demo_station,
    mobile_number,
    month_figures,
    person_name,
    station_details,
)
from lingong.demo.scenario import (
    DECISIONS_FILE,
    EXPECTED_ITEMS,
    EXPECTED_OVERALL,
    PLANS,
    REGISTRY_FILE,
    SEED,
    YEAR,
    DemoInfo,
    Plan,
    Planted,
)
from lingong.model.records import Station
from lingong.render.blank_template import write_template
from lingong.report_template import (
    DECISION_COLUMNS,
    ITEMS,
    REGISTRY_COLUMNS,
    SHEET_DECISIONS,
    SHEET_INDICATORS,
    SHEET_INFO,
    SHEET_REGISTRY,
)
from lingong.runtime import outfiles
from lingong.runtime.parallel import start_method


def rel_path(plan: Plan, name: str, *sub: str) -> str:
    parts = [plan.county] + ([plan.folder] if plan.folder else []) + list(sub) + [name]
    return "/".join(parts)


def _fixed_zip(path: Path) -> None:
    """openpyxl stamps the zip entries and docProps with the current time: fix both."""
    data = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", data)
            dst.writestr(fixed, data)
    outfiles.write_bytes_atomic(path, out.getvalue())


def _move_tables(path: Path) -> None:
    """What a clerk does in Excel: a note above the indicator table, a blank row in 基本信息."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    for name in (SHEET_INDICATORS, SHEET_INFO):
        wb[name].protection.sheet = False
    ws = wb[SHEET_INDICATORS]
    ws.insert_rows(1, 3)
    ws["A1"] = "万店镇零工驿站 2023年6月 月度指标（站长已审核）"
    ws["A2"] = "注：本月数据含端午节专场招聘会"
    wb[SHEET_INFO].insert_rows(3, 1)
    wb.properties.created = outfiles.FIXED_TIMESTAMP
    wb.properties.modified = outfiles.FIXED_TIMESTAMP
    with outfiles.atomic_path(path) as tmp:
        wb.save(tmp)
    _fixed_zip(path)


def _write_registry(dest: Path, stations: list[Station]) -> None:
    path = dest / REGISTRY_FILE
    with outfiles.atomic_path(path) as tmp:
        wb = outfiles.new_xlsxwriter(tmp, mask=False)  # sample input, not an output
        header = wb.add_format({"bold": True, "font_name": outfiles.FONT, "bg_color": "#D9E1F2", "border": 1})
        cell = wb.add_format({"font_name": outfiles.FONT, "num_format": "@", "border": 1})
        ws = wb.add_worksheet(SHEET_REGISTRY)
        for c, (key, label) in enumerate(REGISTRY_COLUMNS):
            ws.write_string(0, c, label, header)
            ws.set_column(c, c, {"name": 20, "address": 36, "builder": 24, "email": 22}.get(key, 13))
        for r, st in enumerate(stations, start=1):
            for c, (key, _) in enumerate(REGISTRY_COLUMNS):
                value = {"start_month": st.start_month, "end_month": st.end_month}.get(key, getattr(st, key, ""))
                ws.write_string(r, c, value or "", cell)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, len(stations), len(REGISTRY_COLUMNS) - 1)
        wb.close()


DECISION_ROWS = (
    ("ZD-003", "2023年上半年", "宣传推广", "优秀", "上半年承办全区零工驿站宣传月活动，经考核组现场检查评议为优秀"),
    ("SX-002", "2023年度", "综合", "合格", "3月因驿站搬迁未开展户外宣传，已于4月补做并整改到位，经考核组研究评为合格"),
    ("GS-001", "2023H1", "服务效能", "不合格", ""),
)


def _write_decisions(dest: Path) -> None:
    path = dest / DECISIONS_FILE
    with outfiles.atomic_path(path) as tmp:
        wb = outfiles.new_xlsxwriter(tmp, mask=False)  # sample input, not an output
        header = wb.add_format({"bold": True, "font_name": outfiles.FONT, "bg_color": "#D9E1F2", "border": 1})
        cell = wb.add_format({"font_name": outfiles.FONT, "border": 1, "text_wrap": True})
        ws = wb.add_worksheet(SHEET_DECISIONS)
        for c, (_, label) in enumerate(DECISION_COLUMNS):
            ws.write_string(0, c, label, header)
            ws.set_column(c, c, 60 if label == "理由" else 14)
        for r, row in enumerate(DECISION_ROWS, start=1):
            for c, text in enumerate(row):
                ws.write_string(r, c, text, cell)
        wb.close()


def _fill_date(month: str, rng: random.Random) -> _dt.date:
    y, m = map(int, month.split("-"))
    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return _dt.date(y, m, rng.randint(2, 6))


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _station_files(dest: Path, plan: Plan) -> tuple[list[str], list[Planted], dict]:
    """Write one station's monthly reports; returns (files, planted, accepted figures).

    Runs in a worker process: everything it needs comes from ``plan`` and its
    own seeded random generators, so the order of stations does not matter."""
    planted: list[Planted] = []
    reports: list[str] = []
    accepted: dict[tuple[str, str], dict] = {}

    def plant(key, station, where, description):
        planted.append(Planted(key, station, where, description))

    def write(rel: str, st: Station, month: str, values: dict, details: dict, info: dict) -> Path:
        path = dest.joinpath(*rel.split("/"))
        write_template(path, station=st, month=month, values=values, details=details, info=info)
        reports.append(rel)
        return path

    st = demo_station(plan)
    figures = month_figures(plan)
    rng = random.Random(f"{SEED}-{plan.code}-files")
    filler, filler_phone = person_name(rng), mobile_number(rng)
    for month, v in figures.items():
        details = station_details(plan, month, v, rng)
        info = {
            "filler": filler,
            "filler_phone": filler_phone,
            "fill_date": _fill_date(month, rng),
            "hotline": st.hotline,
        }
        values: dict[str, object] = dict(v)
        rel = rel_path(plan, default_report_name(plan, month))
        key = (plan.code, month)

        if plan.code == "SX-004" and month == f"{YEAR}-05":
            plant("missing_month", plan.code, month, "草店镇零工驿站 5 月没有报送（缺报），每月要求在 5 月不达标")
            continue
        if plan.code == "ZD-001" and month == f"{YEAR}-01":
            rel = rel_path(plan, "东城驿站1月报表(修改版).xlsx", "修改")
            plant("renamed_file", plan.code, rel, "文件被改名并放在子文件夹中，驿站和月份以表内“基本信息”为准")
            lock = rel_path(plan, "~$东城驿站1月报表(修改版).xlsx", "修改")
            outfiles.write_bytes_atomic(
                dest.joinpath(*lock.split("/")),
                b"\x08clerk-pc" + b"\x00" * 48 + b"\x08\x00c\x00l\x00e\x00r\x00k" + b"\x20" * 96,
            )
            plant("lock_file", plan.code, lock, "Excel 打开文件时留下的锁文件 ~$…，应悄悄跳过")
        if plan.code == "ZD-002" and month == f"{YEAR}-03":
            old = dict(values, C1=v["C1"] - 40)  # at_least keeps this above 0
            old_rel = rel_path(plan, default_report_name(plan, month))
            write(old_rel, st, month, old, details, dict(info, fill_date=_dt.date(YEAR, 4, 3)))
            rel = rel_path(plan, "西城街道3月报表（更正）.xlsx", "补报")
            info["fill_date"] = _dt.date(YEAR, 4, 10)
            plant(
                "resubmission",
                plan.code,
                rel,
                f"3 月报送两次：{old_rel}（填报日期 2023-04-03，C1 少 40）与更正版（2023-04-10），应采用更正版；"
                "若误用旧版，上半年 C1 合计低于优秀线",
            )
        if plan.code == "ZD-004":
            if month == f"{YEAR}-02":
                values["C1"] = str(v["C1"]).translate(FULLWIDTH)
                plant("fullwidth_digits", plan.code, rel, "C1 用全角数字填写，按数值读取并警告")
            if month == f"{YEAR}-04":
                values["A5"] = f"{v['A5']}次"
                plant("unit_suffix", plan.code, rel, "A5 填写为“N次”，按数值读取并警告")
            if month == f"{YEAR}-05":
                values["C2"] = f" {v['C2']} 人次"
                plant("unit_suffix", plan.code, rel, "C2 填写为“ N 人次”，按数值读取并警告")
        if plan.code == "ZD-005" and month == f"{YEAR}-03":
            for code in ("A3", "A4", "B2", "B3", "G3", "G4"):
                values[code] = "√"
            plant("tick_marks", plan.code, rel, "是/否 全部用 √ 填写，按“是”读取并警告")
        if plan.code == "SX-003" and month == f"{YEAR}-01":
            info["month"] = 2023.1
            plant("numeric_month", plan.code, rel, "报送年月填成数字 2023.1，按 2023年1月读取并提示 2023.10 的歧义")
        if plan.code == "SX-003" and month == f"{YEAR}-02":
            info["month"] = _dt.date(YEAR, 2, 1)
            plant("date_month", plan.code, rel, "报送年月是 Excel 日期，按所在月份读取")
        if plan.code == "SX-006" and month == f"{YEAR}-03":
            info["month"] = "2023年3月"
        if plan.code == "SX-001" and month == f"{YEAR}-04":
            info["month"] = "2023/4"
        if plan.code == "GX-002" and month == f"{YEAR}-05":
            values["C1"] = "十二"
            plant(
                "rejected_only_file",
                plan.code,
                rel,
                "5 月唯一的报表 C1 填了“十二”（错误），整份退回，该月按未报送处理，结果为暂定",
            )
        if plan.code == "GS-004" and month == f"{YEAR}-08":
            rel = rel_path(plan, default_report_name(plan, f"{YEAR}-07").replace(".xlsx", "(1).xlsx"))
            plant("name_mismatch", plan.code, rel, "文件名写的是 7 月，表内是 8 月：警告，以表内为准")
        if plan.code == "ZD-007":
            if month == f"{YEAR}-02" and details.get("求职登记"):
                bad = details["求职登记"][0]["身份证号"]
                wrong = "0" if bad[-1] != "0" else "1"
                details["求职登记"][0]["身份证号"] = bad[:-1] + wrong
                plant("bad_id_check_digit", plan.code, rel, "求职登记第 1 条身份证号校验位错误（警告）")
            if month == f"{YEAR}-04" and details.get("岗位信息"):
                details["岗位信息"][0]["登记日期"] = _dt.date(YEAR, 3, 30)
                plant("date_outside_month", plan.code, rel, "岗位信息第 1 条登记日期在 3 月，不在报送月份内（警告）")
            if month == f"{YEAR}-06":
                details["岗位信息"] = details["岗位信息"][:-3]
                plant("detail_mismatch", plan.code, rel, "岗位信息比 C1 少 3 条（警告，指明两个数）")

        path = write(rel, st, month, values, details, info)
        if plan.code == "ZD-005" and month == f"{YEAR}-06":
            _move_tables(path)
            plant("moved_table", plan.code, rel, "月度指标表下移 3 行并加了说明，基本信息中插入空行")
        if not (plan.code == "GX-002" and month == f"{YEAR}-05"):
            accepted[key] = v

    return reports, planted, accepted


def _map(fn, args: list, workers: int) -> list:
    if workers <= 1:
        return [fn(*a) for a in args]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    try:
        # The start method the run uses too: a Python without fork (Windows) spawns.
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(start_method())) as pool:
            return list(pool.map(fn, *zip(*args)))
    except (OSError, NotImplementedError, RuntimeError):  # no processes here: do it in line
        return [fn(*a) for a in args]


def build_demo(dest: Path, *, workers: int | None = None) -> DemoInfo:
    """Write the sample city into ``dest`` (created if needed; files of a previous
    demo are overwritten, nothing else is touched) and say what was planted.
    ``workers`` processes write the stations' reports (default: up to 2)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    stations = [demo_station(p) for p in PLANS]
    _write_registry(dest, stations)
    _write_decisions(dest)
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    planted: list[Planted] = []
    reports: list[str] = []
    accepted: dict[tuple[str, str], dict] = {}
    for r, p, a in _map(_station_files, [(dest, plan) for plan in PLANS], workers):
        reports += r
        planted += p
        accepted.update(a)

    def plant(key, station, where, description):
        planted.append(Planted(key, station, where, description))

    # A report from a station that is not in the registry.
    stray = Station("ZD-009", "文峰社区零工驿站", "曾都区")
    stray_rel = "曾都区/文峰社区零工驿站2023年6月报表.xlsx"
    stray_values = month_figures(Plan("ZD-009", stray.name, stray.county, "PPPPPP"))[f"{YEAR}-06"]
    write_template(
        dest.joinpath(*stray_rel.split("/")),
        station=stray,
        month=f"{YEAR}-06",
        values=stray_values,
        info={"fill_date": _dt.date(YEAR, 7, 5)},
    )
    reports.append(stray_rel)
    plant("unknown_station", "ZD-009", stray_rel, "驿站编号 ZD-009 不在驿站名册中（错误）")

    # Damaged files: a transfer cut short and random bytes under a spreadsheet name.
    sx3 = next(p for p in PLANS if p.code == "SX-003")
    good = dest.joinpath(*rel_path(sx3, default_report_name(sx3, f"{YEAR}-06")).split("/"))
    data = good.read_bytes()
    truncated = "随县/殷店镇零工驿站2023年6月报表(传输中断).xlsx"
    outfiles.write_bytes_atomic(dest.joinpath(*truncated.split("/")), data[: len(data) * 3 // 5])
    plant("truncated_xlsx", "", truncated, "传输中断、只有前 60% 的 .xlsx（无法读取，列出原因）")
    junk = "广水市/武胜关镇零工驿站2023年9月报表.xls"
    outfiles.write_bytes_atomic(dest.joinpath(*junk.split("/")), random.Random(f"{SEED}-junk").randbytes(4096))
    plant("random_xls", "", junk, "扩展名是 .xls、内容是随机字节（不是表格文件）")
    note = "随县/报送说明.txt"
    outfiles.write_text_atomic(dest.joinpath(*note.split("/")), "各驿站请于每月5日前报送上月报表。\n")

    plant("not_operating_yet", "GX-003", f"{YEAR}H1", "季梁社区零工驿站 2023-04 启用：上半年按 3 个月折算目标")
    plant("opens_late", "DHS-002", f"{YEAR}", "大洪山景区零工驿站 2023-09 启用：上半年不参加考核，全年按 4 个月折算")
    plant("cancelled_with_end", "GS-006", f"{YEAR}", "陈巷镇零工驿站已取消，停用年月 2023-08：全年按 8 个月考核")
    plant("cancelled_no_end", "SX-007", f"{YEAR}", "万和镇零工驿站已取消且无停用年月：不参加考核，无报表")
    plant(
        "rectifying",
        "ZD-006",
        f"{YEAR}H1",
        "何店镇零工驿站状态为整改中，上半年 C1 合计 380 < 400（供求服务不合格），全年 820 合格",
    )
    plant(
        "c3_short",
        "GS-003",
        f"{YEAR}H1",
        "广水街道零工驿站上半年人岗匹配 C3 合计 41 < 50（供求服务不合格），全年 107 合格",
    )
    plant(
        "missing_d1", "SX-002", f"{YEAR}-03", "高城镇零工驿站 3 月 D1=0：宣传推广每月要求不达标（半年与全年均不合格）"
    )
    plant(
        "complaints_4",
        "GS-002",
        f"{YEAR}",
        "十里街道零工驿站全年核实投诉 4 次（上半年 3 次）：上半年服务效能合格，全年不合格",
    )
    plant("three_excellent", "GS-005", f"{YEAR}H1", "杨寨镇零工驿站 3 个单项优秀，不足 4 个：综合合格")
    plant("no_email", "GX-001", "驿站名册", "淅河镇零工驿站名册中没有电子邮箱")
    plant("no_hotline", "DHS-001", "驿站名册", "长岗镇零工驿站没有用工专线电话（每月警告）")
    for r, row in enumerate(DECISION_ROWS, start=2):
        key = "decision_invalid" if not row[4] else ("decision_overall" if row[2] == "综合" else "decision_item")
        plant(
            key,
            row[0],
            f"{DECISIONS_FILE}!A{r}",
            f"考核组意见：{row[1]} {row[2]} {row[3]}" + ("（没有理由，该行无效）" if not row[4] else ""),
        )

    assert set(ITEMS) >= {i for _, _, i in EXPECTED_ITEMS}
    return DemoInfo(
        dest=dest,
        registry_file=REGISTRY_FILE,
        decisions_file=DECISIONS_FILE,
        stations=tuple(s.code for s in stations),
        report_files=tuple(reports),
        broken_files=(truncated, junk),
        skipped_files=(rel_path(PLANS[0], "~$东城驿站1月报表(修改版).xlsx", "修改"), note),
        planted=tuple(planted),
        expected_overall=dict(EXPECTED_OVERALL),
        expected_items=dict(EXPECTED_ITEMS),
        values=accepted,
    )
