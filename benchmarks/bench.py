"""How fast is a run, against the physical floor? ``python -m benchmarks.bench``.

Over 300 lines because the synthetic city (cloned from the demo), the floor, the naive reader and the
project's run are timed in one script, so that one command prints figures measured on the same files.

Builds (once, then reuses) a deterministic synthetic city or province of N
stations × 12 months, then times on the same files, in one run:

- the floor: unzip every worksheet part and the shared strings, tokenise them
  with expat, interpret nothing (one process, then the same over all cores);
- a naive reader: pandas.read_excel(engine="openpyxl") of every sheet;
- the project's full run: what ``process.py --period 2023`` does, end to end
  (interpreter start-up, imports, read, validate, grade, write every document),
  in a fresh process, with the time of each phase and its peak memory.

It prints figures; it asserts nothing (timings are not tests). Beside the run it
times, in one process and one by one, every return copy (退回副本) and a sample of
考核验收表 of the same city, so that the two costs stand side by side.

The province is the demo city (lingong.demo, 25 stations with messy-but-valid,
rejected and damaged files) cloned block by block: in block b ≥ 1 every
station gets a new code (ZD-001 → ZD-00101 …) and name, in the registry, in
the cells of its reports and in the file names, by rewriting the shared-strings
part of each workbook. Cloning costs ~1 ms a file where writing a report anew
costs ~40 ms, so 24,000 reports take seconds to build. About 2.4% of the reports
get a planted error (returned_by_design), so that with the demo's own rejected
reports about 3% are returned, as in real half-years.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

try:
    import resource  # POSIX only: the benchmark's CPU and memory figures
except ImportError:
    resource = None

from lingong.runtime.parallel import start_method

ROOT = Path(__file__).resolve().parent.parent
GEN_VERSION = 2  # bump when the generated files change
# Real half-years see about 3% of reports returned; the demo city has fewer, so this
# share of the other reports gets a planted error (C1 written "十二", as the demo does).
PLANT_PER_MILLE = 24
BLOCK = 25  # stations in one copy of the demo city
MANIFEST = "bench-city.json"
REGISTRY_NAME = "驿站名册（基准测试）.xlsx"
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)


# ---- the synthetic province ----------------------------------------------------


def _block_code(code: str, b: int) -> str:
    if b == 0:
        return code
    prefix, num = code.split("-")
    return f"{prefix}-{b:03d}{num[-2:]}"  # 5 digits: fits the code shape, up to 999 blocks


def _block_name(name: str, b: int) -> str:
    return name if b == 0 else name.replace("零工驿站", f"{b}号零工驿站")


def _mapping(stations: list[tuple[str, str]], b: int) -> list[tuple[str, str]]:
    """(old, new) text replacements for block b: codes and names, longest first."""
    pairs = []
    for code, name in stations:
        pairs.append((code, _block_code(code, b)))
        pairs.append((name, _block_name(name, b)))
    pairs.append(("ZD-009", _block_code("ZD-009", b)))  # the demo's stray station, not in the registry
    pairs.append(("文峰社区零工驿站", _block_name("文峰社区零工驿站", b)))
    return sorted(pairs, key=lambda p: -len(p[0]))


def _xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _sub_cells(data: bytes, pairs: list[tuple[str, str]]) -> bytes:
    """Replace whole text nodes only (``>ZD-001<``), never parts of longer texts."""
    for old, new in pairs:
        o = (">" + _xml_escape(old) + "<").encode()
        if o in data:
            data = data.replace(o, (">" + _xml_escape(new) + "<").encode())
    return data


def _sub_path(rel: str, pairs: list[tuple[str, str]]) -> str:
    for old, new in pairs:
        rel = rel.replace(old, new)
    return rel


def _clone_xlsx(src: bytes, pairs) -> bytes | None:
    import io

    try:
        zin = zipfile.ZipFile(io.BytesIO(src))
        infos = zin.infolist()
    except zipfile.BadZipFile:
        return None
    out = io.BytesIO()
    with zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in infos:
            data = zin.read(info)
            if info.filename.endswith("sharedStrings.xml") or (
                info.filename.startswith("xl/worksheets/") and b"inlineStr" in data
            ):
                data = _sub_cells(data, pairs)
            zi = zipfile.ZipInfo(info.filename, _FIXED_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zi, data)
    return out.getvalue()


def returned_by_design(new_rel: str) -> bool:
    """Whether the benchmark plants an error in this report (deterministic, by name)."""
    import zlib

    return (
        new_rel.endswith(".xlsx")
        and not new_rel.rsplit("/", 1)[-1].startswith("~$")
        and zlib.crc32(new_rel.encode()) % 1000 < PLANT_PER_MILLE
    )


def _plant_error(data: bytes) -> bytes:
    """The report with its first whole number in column E of 月度指标 written as "十二"
    (V002, an error: the report is returned); other files as they are."""
    import io
    import re

    from lingong.read.scan_xlsx import xlsx_sheet_parts
    from lingong.report_template import SHEET_INDICATORS

    try:
        zin = zipfile.ZipFile(io.BytesIO(data))
        part = xlsx_sheet_parts(zin).get(SHEET_INDICATORS)
    except Exception:  # noqa: BLE001 - a damaged file stays damaged
        return data
    if part is None:
        return data
    sheet = zin.read(part).decode("utf-8")
    m = re.search(r'<c r="(E\d+)"((?:\s+s="\d+")?)(?:\s+t="n")?><v>\d+</v></c>', sheet)
    if m is None:
        return data
    sheet = (
        sheet[: m.start()]
        + f'<c r="{m.group(1)}"{m.group(2)} t="inlineStr"><is><t>十二</t></is></c>'
        + sheet[m.end() :]
    )
    out = io.BytesIO()
    with zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zi = zipfile.ZipInfo(info.filename, _FIXED_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zi, sheet.encode("utf-8") if info.filename == part else zin.read(info))
    return out.getvalue()


def _write_block(args) -> int:
    dest, proto_files, stations, b = args
    pairs = _mapping(stations, b)
    n = 0
    for rel, data in proto_files:
        new_rel = f"片区{b:03d}/" + _sub_path(rel, pairs)
        target = Path(dest, *new_rel.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        cloned = _clone_xlsx(data, pairs) if rel.endswith(".xlsx") and b > 0 else None
        out = cloned if cloned is not None else data
        if returned_by_design(new_rel):
            out = _plant_error(out)
        target.write_bytes(out)
        n += 1
    return n


def _proto_city(dest: Path) -> Path:
    from lingong.demo import build_demo

    proto = dest / ".demo-city"
    if not (proto / "done").exists():
        shutil.rmtree(proto, ignore_errors=True)
        build_demo(proto)
        (proto / "done").write_text("ok")
    return proto


def _write_registry(path: Path, rows: list[list], header: list) -> None:
    from lingong.report_template import SHEET_REGISTRY
    from lingong.runtime.outfiles import atomic_path, new_xlsxwriter

    with atomic_path(path) as tmp:
        wb = new_xlsxwriter(tmp, mask=False)  # synthetic input, not an output
        ws = wb.add_worksheet(SHEET_REGISTRY)
        for c, text in enumerate(header):
            ws.write_string(0, c, str(text))
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row):
                ws.write_string(r, c, "" if v is None else str(v))
        wb.close()


def build_city(dest: Path, stations: int, *, workers: int = 2) -> dict:
    """Write the synthetic city of about ``stations`` stations (whole copies of the
    25-station demo city) into ``dest``; reuse it when already there."""
    from lingong.demo import DECISIONS_FILE, REGISTRY_FILE
    from lingong.read.workbook import read_workbook
    from lingong.report_template import REGISTRY_COLUMNS, SHEET_REGISTRY

    dest = Path(dest)
    blocks = max(1, -(-stations // BLOCK))
    want = {"version": GEN_VERSION, "blocks": blocks}
    mf = dest / MANIFEST
    if mf.exists():
        have = json.loads(mf.read_text())
        if {k: have.get(k) for k in want} == want:
            return have
    input_dir = dest / "input"
    shutil.rmtree(input_dir, ignore_errors=True)
    input_dir.mkdir(parents=True)
    proto = _proto_city(dest)

    reg = read_workbook(proto / REGISTRY_FILE).sheet(SHEET_REGISTRY).rows
    header, reg_rows = reg[0], [r for r in reg[1:] if r and r[0]]
    keys = [k for k, _ in REGISTRY_COLUMNS]
    ci, ni = keys.index("code"), keys.index("name")
    demo_stations = [(r[ci], r[ni]) for r in reg_rows]

    proto_files = []
    for p in sorted(proto.rglob("*")):
        rel = p.relative_to(proto).as_posix()
        if p.is_file() and rel not in ("done", REGISTRY_FILE, DECISIONS_FILE):
            proto_files.append((rel, p.read_bytes()))
    all_rows = []
    for b in range(blocks):
        for r in reg_rows:
            row = list(r)
            row[ci], row[ni] = _block_code(r[ci], b), _block_name(r[ni], b)
            all_rows.append(row)
    _write_registry(input_dir / REGISTRY_NAME, all_rows, header)
    shutil.copy(proto / DECISIONS_FILE, input_dir / DECISIONS_FILE)

    jobs = [(str(input_dir), proto_files, demo_stations, b) for b in range(blocks)]
    if workers > 1 and blocks > 1:
        import multiprocessing

        with multiprocessing.get_context(start_method()).Pool(workers) as pool:
            n = sum(pool.map(_write_block, jobs, chunksize=1))
    else:
        n = sum(map(_write_block, jobs))
    files = sorted(p for p in input_dir.rglob("*") if p.is_file())
    reports = sum(1 for p in files if p.suffix == ".xlsx" and not p.name.startswith("~$")) - 2
    info = {
        **want,
        "stations": blocks * len(demo_stations),
        "files": len(files),
        "report_files": reports,
        "bytes": sum(p.stat().st_size for p in files),
        "cloned": n,
    }
    mf.write_text(json.dumps(info, ensure_ascii=False, indent=1))
    return info


def input_files(dest: Path) -> list[Path]:
    return sorted(p for p in (Path(dest) / "input").rglob("*") if p.is_file())


# ---- the floor and the naive reader ---------------------------------------------


def _floor_one(path: Path) -> int:
    """Unzip the worksheet parts and shared strings and tokenise them; nothing else."""
    import xml.parsers.expat

    n = 0
    try:
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.startswith("xl/worksheets/sheet") or name == "xl/sharedStrings.xml":
                    p = xml.parsers.expat.ParserCreate()
                    p.Parse(zf.read(name), True)
                    n += 1
    except Exception:  # noqa: BLE001 - a damaged file costs what it costs
        pass
    return n


def _floor_chunk(paths: list[str]) -> int:
    return sum(_floor_one(Path(p)) for p in paths)


def _cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def time_floor(files: list[Path], workers: int = 1) -> tuple[float, float]:
    """(wall seconds, CPU seconds) for the floor over ``files``."""
    if workers <= 1:
        t, c = time.perf_counter(), time.process_time()
        for p in files:
            _floor_one(p)
        return time.perf_counter() - t, time.process_time() - c
    import multiprocessing

    chunks = [[str(p) for p in files[i::workers]] for i in range(workers)]
    t, c = time.perf_counter(), _cpu_children()
    with multiprocessing.get_context(start_method()).Pool(workers) as pool:
        pool.map(_floor_chunk, chunks)
    return time.perf_counter() - t, _cpu_children() - c


def _naive_one(path: Path) -> int:
    import pandas as pd

    try:
        frames = pd.read_excel(path, sheet_name=None, engine="openpyxl", header=None)
    except Exception:  # noqa: BLE001
        return 0
    return sum(len(f) for f in frames.values())


def time_naive(files: list[Path], sample: int) -> tuple[float, float, int]:
    """(wall, CPU) seconds for all files, measured on an evenly spread sample of
    ``sample`` files when there are more and scaled; and the number actually read."""
    import pandas  # noqa: F401 - its import is not part of a per-file rate

    picked = files if len(files) <= sample else [files[i * len(files) // sample] for i in range(sample)]
    t, c = time.perf_counter(), time.process_time()
    for p in picked:
        _naive_one(p)
    scale = len(files) / len(picked)
    return (time.perf_counter() - t) * scale, (time.process_time() - c) * scale, len(picked)


# ---- where the time goes ----------------------------------------------------------

# (what the benchmark calls it, where the code is): the first match of a function's file wins.
AREAS = (
    ("预检", "lingong/discover/"),
    ("扫描错误值/公式", "lingong/read/scan_"),
    ("calamine", "python_calamine"),
    ("calamine", "Calamine"),
    ("calamine", "from_filelike"),
    ("正则", "re.Pattern"),
    ("正则", "/re/"),
    ("值解析", "lingong/read/values.py"),
    ("报表校验", "lingong/read/report.py"),
    ("工作簿", "lingong/read/workbook.py"),
    ("读取其他", "lingong/read/"),
    ("xlsxwriter", "xlsxwriter"),
    ("jinja2 模板", "jinja2"),
    ("验收表", "lingong/render/"),
    ("打码", "lingong/runtime/privacy.py"),
    ("其他本项目", "lingong/"),
    ("解压/XML", "zipfile"),
    ("解压/XML", "zlib"),
    ("解压/XML", "expat"),
)


def _area(filename: str, name: str) -> str:
    where = filename.replace("\\", "/") + ":" + name
    return next((label for label, part in AREAS if part in where), "Python 标准库/其他")


def profile_shares(func, items) -> dict[str, float]:
    """Seconds of own time (cProfile's tottime) by area, calling ``func`` on each item here."""
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    for item in items:
        func(item)
    prof.disable()
    shares: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in pstats.Stats(prof).stats.items():
        area = _area(filename, name)
        shares[area] = shares.get(area, 0.0) + tottime
    return shares


def _shares_text(shares: dict[str, float]) -> str:
    total = sum(shares.values()) or 1.0
    top = sorted(shares.items(), key=lambda kv: -kv[1])
    return "，".join(f"{k} {v / total:.0%}" for k, v in top if v / total >= 0.02)


def profile_reading(files: list[Path], input_dir: Path, sample: int = 200) -> tuple[dict[str, float], int]:
    """Where reading and checking spend their time: read_one over an even sample, in this process."""
    from lingong.read.files import read_one

    picked = files if len(files) <= sample else [files[i * len(files) // sample] for i in range(sample)]
    items = [(str(p), p.relative_to(input_dir).as_posix()) for p in picked]
    return profile_shares(read_one, items), len(items)


# ---- the project's run, in a fresh process ----------------------------------------


def _project_child(input_dir: str, output: str, period: str, workers: int) -> None:
    """Runs in the child: what process.py does, then one JSON line of figures."""
    t0 = time.perf_counter()
    from lingong.digest import digest
    from lingong.model.run import RunOptions
    from lingong.pipeline import run

    t_import = time.perf_counter() - t0
    summary = run(
        RunOptions(input_dir=Path(input_dir), output_root=Path(output), period=period, workers=workers, progress=False)
    )
    digest(summary)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "import": t_import,
                "timings": summary.timings,
                "rss_parent_kb": own,
                "rss_child_kb": kids,
                "exit_code": summary.exit_code,
                "graded": sum(1 for r in summary.results if r.graded),
                "outcomes": len(summary.outcomes),
            },
            ensure_ascii=False,
        )
    )


def _run_child(func: str, input_dir: Path, output: Path, period: str, n: int) -> subprocess.CompletedProcess:
    """``func`` of this module in a fresh interpreter, as process.py would start."""
    cmd = [
        sys.executable,
        "-c",
        f"import sys; from benchmarks.bench import {func} as c; "
        "c(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))",
        str(input_dir),
        str(output),
        period,
        str(n),
    ]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)


def time_project(input_dir: Path, output: Path, period: str, workers: int, *, cold: bool = True) -> dict:
    """The run in a fresh process; ``cold``: into an empty output folder (no read cache)."""
    if cold:
        shutil.rmtree(output, ignore_errors=True)
    t, c = time.perf_counter(), _cpu_children()
    proc = _run_child("_project_child", input_dir, output, period, workers)
    wall, cpu = time.perf_counter() - t, _cpu_children() - c
    if proc.returncode != 0:
        raise SystemExit(f"项目运行失败：\n{proc.stderr[-3000:]}")
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    figures["wall"], figures["cpu"] = wall, cpu
    return figures


def _status_child(input_dir: str, output: str, period: str, workers: int) -> None:
    """Runs in the child: the 报送情况 of the period's year, as the web page asks for it."""
    t0 = time.perf_counter()
    from lingong.reporting_status import reporting_status

    status = reporting_status(Path(input_dir), Path(output), int(period[:4]), workers=workers)
    print(json.dumps({"call": time.perf_counter() - t0, "cells": len(status.cells), "notes": status.notes}))


def time_status(input_dir: Path, output: Path, period: str, workers: int) -> dict:
    """The 报送情况 in a fresh process (start-up included), with the read cache a run left."""
    t = time.perf_counter()
    proc = _run_child("_status_child", input_dir, output, period, workers)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"报送情况失败：\n{proc.stderr[-3000:]}")
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    figures["wall"] = wall
    return figures


def resubmitted(input_dir: Path) -> Path:
    """The report a station sends again: a fixed, readable one of the city."""
    return next(
        p
        for p in sorted((Path(input_dir) / "片区000" / "曾都区").rglob("*.xlsx"))
        if not returned_by_design(p.relative_to(input_dir).as_posix())
    )


def resubmit(path: Path) -> bytes:
    """Write ``path`` again as a station's program would: the same cells in a new package (other
    bytes, other time). Returns the original bytes, for ``restore``."""
    import io

    original = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zi = zipfile.ZipInfo(info.filename, (2024, 1, 2, 3, 4, 6))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zi, zin.read(info))
    path.write_bytes(out.getvalue())
    return original


def _documents_child(input_dir: str, output: str, period: str, forms: int) -> None:
    """Runs in a child: the run without its documents, then each return copy and up to
    ``forms`` 考核验收表 written one by one in this one process, CPU time each."""
    from lingong.catalogue.issues import ERROR
    from lingong.model.records import KIND_REPORT
    from lingong.model.run import RunOptions
    from lingong.pipeline import run
    from lingong.render.form import form_path, write_form
    from lingong.render.form_texts import load_text_templates
    from lingong.render.return_copy import _openpyxl_copy, patched_copy, write_return_copy
    from lingong.render.xlsx_patch import Unpatchable
    from lingong.runtime import xlsx_fast

    summary = run(
        RunOptions(
            input_dir=Path(input_dir),
            output_root=Path(output),
            period=period,
            workers=2,
            progress=False,
            write_documents=False,
        )
    )
    by_file: dict[str, list] = {}
    for i in summary.issues:
        by_file.setdefault(i.file, []).append(i)
    reports = [o.file for o in summary.outcomes if o.kind == KIND_REPORT]
    returned = [f for f in reports if any(i.severity == ERROR for i in by_file.get(f, ()))]
    out = Path(output) / "documents"
    copies, old_way, unpatched = [], [], 0
    for n, rel in enumerate(returned):
        src = Path(input_dir) / rel
        c = time.process_time()
        write_return_copy(src, rel, by_file[rel], out / "退回修改" / f"{n}_退回.xlsx")
        copies.append(time.process_time() - c)
        data = src.read_bytes()
        try:
            patched_copy(data, rel, by_file[rel])
        except Unpatchable:
            unpatched += 1
        # the copy as it was made before issue 15 (openpyxl load and save), for comparison
        c = time.process_time()
        _openpyxl_copy(src, data, src.suffix.lower(), rel, by_file[rel], out / "openpyxl" / f"{n}_退回.xlsx", None)
        old_way.append(time.process_time() - c)
    texts = load_text_templates(ROOT / "templates")
    graded = [r for r in summary.results if r.graded][:forms]

    def time_forms() -> list[float]:
        times = []
        for res in graded:
            c = time.process_time()
            write_form(form_path(out, res), res, rules_label="rules", texts=texts)
            times.append(time.process_time() - c)
        return times

    fast = xlsx_fast.status()
    time_forms()  # once to warm up (templates, fonts, the remembered strings), not timed
    form_times = time_forms()
    # The same forms with xlsxwriter's own classes: what the short ways are worth, or (when an
    # xlsxwriter other than the one they were checked on has switched them off) the same figure.
    os.environ[xlsx_fast.SWITCH] = "0"
    try:
        plain_times = time_forms()
    finally:
        del os.environ[xlsx_fast.SWITCH]
    # Again under the profiler (which slows them), only for where the time goes.
    form_shares = profile_shares(
        lambda res: write_form(form_path(out, res), res, rules_label="rules", texts=texts), graded
    )
    print(
        json.dumps(
            {
                "reports": len(reports),
                "returned": len(returned),
                "copies": copies,
                "forms": form_times,
                "openpyxl": old_way,
                "form_shares": form_shares,
                "unpatched": unpatched,
                "forms_plain": plain_times,
                "xlsx_fast": fast.record(),
            }
        )
    )


def time_documents(input_dir: Path, output: Path, period: str, forms: int) -> dict:
    shutil.rmtree(output, ignore_errors=True)
    proc = _run_child("_documents_child", input_dir, output, period, forms)
    shutil.rmtree(output, ignore_errors=True)
    if proc.returncode != 0:
        raise SystemExit(f"文档计时失败：\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    return (xs[len(xs) // 2] + xs[(len(xs) - 1) // 2]) / 2 if xs else 0.0


# ---- the report --------------------------------------------------------------------


def _rate(n: int, s: float) -> str:
    return f"{n / s:8.0f} 个/秒" if s > 0 else "—"


def bench(
    stations: int, data_dir: Path, *, workers: int, naive_sample: int, keep_output: bool, repeat: int = 3
) -> dict:
    t = time.perf_counter()
    city = build_city(data_dir, stations, workers=workers)
    gen = time.perf_counter() - t
    files = input_files(data_dir)
    n = len(files)
    for p in files:  # warm the page cache so that every contender reads from memory
        p.read_bytes()
    load0 = os.getloadavg()[0]
    out = data_dir / "output"
    # Rounds interleave the contenders, so that a slow spell of the machine (a shared VM
    # varies by a third from minute to minute) touches all of them; each is then
    # reported by its best round, as timeit does.
    import compileall

    compileall.compile_dir(ROOT / "lingong", quiet=1)  # an installed program has its bytecode
    victim = resubmitted(data_dir / "input")
    rounds = []
    for _ in range(max(1, repeat)):
        f1 = time_floor(files, 1)
        fw = time_floor(files, workers) if workers > 1 else f1
        nv = time_naive(files, naive_sample)
        pr = time_project(data_dir / "input", out, "2023", workers)  # cold: no read cache
        st = time_status(data_dir / "input", out, "2023", workers)  # warm: the cache the run left
        original = resubmit(victim)
        try:
            rr = time_project(data_dir / "input", out, "2023", workers, cold=False)
        finally:
            victim.write_bytes(original)  # the city stays as built
        rounds.append((f1, fw, nv, pr, st, rr))
    floor1, floor1_cpu = min(r[0] for r in rounds)
    floorw, floorw_cpu = min(r[1] for r in rounds)
    naive, naive_cpu, naive_n = min(r[2] for r in rounds)
    proj = min((r[3] for r in rounds), key=lambda f: f["wall"])
    status = min((r[4] for r in rounds), key=lambda f: f["wall"])
    rerun = min((r[5] for r in rounds), key=lambda f: f["wall"])
    if not keep_output:
        shutil.rmtree(out, ignore_errors=True)
    wall, cpu = proj["wall"], proj["cpu"]
    rss_mb = max(r[3]["rss_parent_kb"] for r in rounds) / 1024
    kid_mb = max(r[3]["rss_child_kb"] for r in rounds) / 1024
    docs = time_documents(data_dir / "input", data_dir / "output-documents", "2023", forms=60)

    print(
        f"\n=== {city['stations']} 个驿站，{n} 个文件（其中月报 {city['report_files']} 份），"
        f"{city['bytes'] / n / 1024:.1f} KB/个；{workers} 个进程；"
        f"开始时系统负载 {load0:.1f}（{os.cpu_count()} 核） ==="
    )
    print(f"生成数据 {gen:.1f} s（已有则复用）：{data_dir}")
    print(f"{'方式':<30}{'墙钟 s':>9}{'CPU s':>9}{'ms/文件':>9}{'速率':>12}")
    rows = [
        ("下限：解压+expat，1 进程", floor1, floor1_cpu),
        (f"下限：解压+expat，{workers} 进程", floorw, floorw_cpu),
        ("朴素 pandas+openpyxl" + (f"（抽样{naive_n}个折算）" if naive_n < n else ""), naive, naive_cpu),
        ("本项目：全流程，冷（无读取缓存，含启动）", wall, cpu),
        ("本项目：改动 1 份报表后重跑（含启动）", rerun["wall"], rerun["cpu"]),
        ("本项目：全年报送情况，缓存已热（含启动）", status["wall"], 0.0),
    ]
    for label, s, c in rows:
        print(f"{label:<30}{s:9.2f}{c:9.2f}{s * 1000 / n:9.2f}{_rate(n, s):>12}")
    print(
        "本项目各阶段（墙钟）："
        + "，".join(f"{k} {v:.2f}s" for k, v in {"导入": proj["import"], **proj["timings"]}.items())
    )
    startup = wall - proj["timings"]["合计"]
    print(
        f"  启动（解释器+导入+进程外开销）{startup:.2f}s；峰值内存：主进程 {rss_mb:.0f} MB，"
        f"最大的子进程 {kid_mb:.0f} MB（子进程由 fork 产生，与主进程共享的页也计入）"
    )
    print(
        "改动 1 份报表后重跑的各阶段（墙钟）："
        + "，".join(f"{k} {v:.2f}s" for k, v in {"导入": rerun["import"], **rerun["timings"]}.items())
    )
    shares, sampled = profile_reading(files, data_dir / "input")
    print(f"读取校验的时间在哪里（单进程抽样 {sampled} 个文件，cProfile 自身时间）：{_shares_text(shares)}")
    print(f"考核验收表的时间在哪里（{len(docs['forms'])} 份，同上）：{_shares_text(docs['form_shares'])}")
    goal = 2.5 * floor1
    read_cold, read_rerun = proj["timings"].get("读取校验", 0.0), rerun["timings"].get("读取校验", 0.0)
    print(
        f"比值（墙钟）：冷运行/下限 = {wall / floor1:.2f}（目标 ≤ 2.5，即 {goal:.2f}s → "
        f"{'达到' if wall <= goal else '未达到'}）；朴素/冷运行 = {naive / wall:.1f} 倍（目标 ≥ 10 → "
        f"{'达到' if naive / wall >= 10 else '未达到'}）"
    )
    print(
        f"缓存：报送情况 {status['wall']:.2f}s（目标 ≤ 0.5s → {'达到' if status['wall'] <= 0.5 else '未达到'}）；"
        f"重跑的读取校验/冷运行的 = {read_rerun:.2f}/{read_cold:.2f}s = {read_rerun / read_cold:.1%}"
        f"（目标 ≤ 5% → {'达到' if read_rerun <= 0.05 * read_cold else '未达到'}）；"
        f"重跑/冷运行 = {rerun['wall'] / wall:.0%}（目标 ≤ 40% → {'达到' if rerun['wall'] <= 0.4 * wall else '未达到'}）"
    )
    copy_ms, form_ms = _median(docs["copies"]) * 1000, _median(docs["forms"]) * 1000
    share = docs["returned"] / docs["reports"] if docs["reports"] else 0.0
    print(
        f"退回副本：{docs['returned']} 份（占 {docs['reports']} 份月报的 {share:.1%}）；单进程逐份计时（CPU，中位数）："
        f"每份退回副本 {copy_ms:.1f} ms（最慢 {max(docs['copies'], default=0) * 1000:.1f} ms），"
        f"即每秒 {1000 / copy_ms if copy_ms else 0:.0f} 份；每份考核验收表 {form_ms:.1f} ms"
        f"（{len(docs['forms'])} 份）；退回副本/验收表 = {copy_ms / form_ms if form_ms else 0:.2f}"
        f"（目标 ≤ 1）；其中 {docs['unpatched']} 份无法直接修改、改用 openpyxl；"
        f"同样的副本用 openpyxl 整体读写（以前的做法）每份 {_median(docs['openpyxl']) * 1000:.1f} ms"
    )
    fast, plain_ms = docs["xlsx_fast"], _median(docs["forms_plain"]) * 1000
    print(
        "xlsxwriter 快速写入："
        + (f"已启用（xlsxwriter {fast['xlsxwriter']}）" if fast["active"] else f"未启用：{fast['reason']}")
        + f"；每份考核验收表 {form_ms:.1f} ms，用 xlsxwriter 自己的写法 {plain_ms:.1f} ms"
    )
    read_s = proj["timings"].get("读取校验", 0.0)
    if read_s:
        print(
            f"只比读取：本项目的读取校验阶段 {read_s:.2f}s（{workers} 个进程，含校验）"
            f"比朴素读取快 {naive / read_s:.1f} 倍"
        )
    print(
        f"比值（CPU）：本项目/下限 = {cpu / floor1_cpu:.2f}；朴素/本项目 = {naive_cpu / cpu:.1f} 倍；"
        f"本项目 CPU/墙钟 = {cpu / wall:.2f}（{workers} 核满载为 {workers}）"
    )
    if len(rounds) > 1:
        print(
            f"共 {len(rounds)} 轮，上表取各方式最好的一轮；逐轮（下限 / 朴素 / 冷运行 / 重跑 / 报送情况 墙钟 s，同轮比值）："
        )
        for i, (f1, _fw, nv, pr, st, rr) in enumerate(rounds, 1):
            print(
                f"  第 {i} 轮：{f1[0]:.2f} / {nv[0]:.2f} / {pr['wall']:.2f} / {rr['wall']:.2f} / {st['wall']:.2f}；"
                f"冷运行/下限 = {pr['wall'] / f1[0]:.2f}；朴素/冷运行 = {nv[0] / pr['wall']:.1f} 倍；"
                f"重跑读取 {rr['timings'].get('读取校验', 0) / pr['timings'].get('读取校验', 1):.1%}，"
                f"重跑/冷运行 {rr['wall'] / pr['wall']:.0%}"
            )
    return {
        "stations": city["stations"],
        "files": n,
        "floor": floor1,
        "floor_cpu": floor1_cpu,
        "floor_par": floorw,
        "naive": naive,
        "naive_cpu": naive_cpu,
        "project": wall,
        "project_cpu": cpu,
        "status": status["wall"],
        "rerun": rerun["wall"],
        "rerun_read": rerun["timings"].get("读取校验", 0.0),
        "rss_parent_mb": rss_mb,
        "rss_child_mb": kid_mb,
        "phases": proj["timings"],
        "rounds": len(rounds),
        "returned": docs["returned"],
        "reports": docs["reports"],
        "copy_ms": copy_ms,
        "form_ms": form_ms,
        "openpyxl_ms": _median(docs["openpyxl"]) * 1000,
        "form_plain_ms": plain_ms,
        "xlsx_fast": fast,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.bench",
        description="基准测试：在合成的城市/全省报表上比较物理下限、朴素读取与本项目全流程的耗时。",
    )
    ap.add_argument(
        "--stations",
        type=int,
        nargs="+",
        default=[100],
        help="驿站数（可给多个，如 100 500 2000；按 25 个一组复制样例城市）",
    )
    ap.add_argument(
        "--data",
        type=Path,
        default=None,
        help="生成数据的文件夹（默认 bench-data/，已被 git 忽略；不要用 input/ 或 output/）",
    )
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="并行进程数（默认 CPU 核数）")
    ap.add_argument(
        "--naive-sample", type=int, default=1200, help="朴素读取最多实测多少个文件，其余按速率折算（默认 1200）"
    )
    ap.add_argument(
        "--repeat", type=int, default=3, help="轮数：各方式交替测 N 轮，取各自最好的一轮（默认 3；大规模可用 1）"
    )
    ap.add_argument("--keep-output", action="store_true", help="保留本项目的输出文件")
    args = ap.parse_args(argv)
    base = args.data or ROOT / "bench-data"
    for bad in (ROOT / "input", ROOT / "output"):
        if base.resolve() == bad.resolve() or bad.resolve() in base.resolve().parents:
            ap.error("基准数据不能放在 input/ 或 output/ 中")
    results = [
        bench(
            n,
            base / f"{n}",
            workers=args.workers,
            naive_sample=args.naive_sample,
            keep_output=args.keep_output,
            repeat=args.repeat,
        )
        for n in args.stations
    ]
    if len(results) > 1:
        print("\n=== 随文件数的增长 ===")
        print(
            f"{'驿站':>6}{'文件':>8}{'下限 s':>9}{'本项目 s':>10}{'ms/文件':>9}{'比值':>7}"
            f"{'CPU ms/文件':>12}{'CPU比值':>9}{'主进程 MB':>10}"
        )
        for r in results:
            print(
                f"{r['stations']:>6}{r['files']:>8}{r['floor']:>9.2f}{r['project']:>10.2f}"
                f"{r['project'] * 1000 / r['files']:>9.2f}{r['project'] / r['floor']:>7.2f}"
                f"{r['project_cpu'] * 1000 / r['files']:>12.2f}{r['project_cpu'] / r['floor_cpu']:>9.2f}"
                f"{r['rss_parent_mb']:>10.0f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
