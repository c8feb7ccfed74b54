"""Round trip of the template: write it, fill it as a station would, save it in another
program's format, read it back, get the same values. The template is described once
(template_spec) and this is the proof that writer and reader agree on it."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lingong import report_template
from lingong.model.records import Station
from lingong.read.report import read_report
from lingong.read.workbook import read_workbook
from lingong.render.blank_template import write_template
from support.report_factory import sample_details

STATION = Station("SX-004", "草店镇零工驿站", "随县", hotline="0722-4321567")


def plausible_values(rng: random.Random) -> dict:
    v = {}
    for ind in report_template.INDICATORS:
        v[ind.code] = rng.random() < 0.9 if ind.kind == report_template.YESNO else rng.randint(0, 400)
    v["A2"] = min(v["A2"], v["A1"])
    return v


def read_back(path: Path):
    rec = read_report(read_workbook(path), path.name)
    errors = [i for i in rec.issues if i.severity == "错误"]
    assert not errors, errors
    return rec


def _convert(src: Path, fmt: str, tmp: Path) -> Path:
    profile = tmp / "lo-profile"
    out = tmp / fmt
    subprocess.run(
        [
            shutil.which("soffice"),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out / (src.stem + "." + fmt)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), month=st.integers(1, 12))
def test_written_values_read_back_identically(tmp_path, seed, month):
    values = plausible_values(random.Random(seed))
    key = f"2023-{month:02d}"
    path = tmp_path / f"r{seed}-{month}.xlsx"
    write_template(path, station=STATION, month=key, values=values, info={"hotline": STATION.hotline})
    rec = read_back(path)
    assert (rec.station, rec.month, rec.name, rec.county) == (STATION.code, key, STATION.name, STATION.county)
    assert rec.values == values


@pytest.mark.skipif(shutil.which("soffice") is None, reason="!!! LibreOffice 未安装：跳过 .xls/.ods 往返测试 !!!")
def test_libreoffice_xls_and_ods_read_back_identically(tmp_path):
    values = plausible_values(random.Random(7))
    details = sample_details(values, "2023-07")
    src = tmp_path / "SX-004_2023-07.xlsx"
    write_template(
        src,
        station=STATION,
        month="2023-07",
        values=values,
        details=details,
        info={"hotline": STATION.hotline, "fill_date": "2023-08-03"},
    )
    original = read_back(src)
    assert original.values == values
    for fmt in ("xls", "ods"):
        rec = read_back(_convert(src, fmt, tmp_path))
        assert rec.values == values, fmt
        assert rec.cells == original.cells, fmt  # same addresses: nothing trimmed or shifted
        assert rec.detail_counts == original.detail_counts, fmt
        assert (rec.station, rec.month, rec.fill_date) == (original.station, original.month, original.fill_date)
