"""The benchmark's synthetic province is real input: the reader accepts every cloned
report as the station it was cloned for, with the figures of the original.

(The benchmark itself prints timings and is never run as a test.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import bench
from lingong.layout import RETURNS_FOLDER
from lingong.model.records import KIND_REJECTED, KIND_REPORT
from lingong.read.files import read_one
from support.runs import run_on


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("bench")
    bench.build_city(dest, 30, workers=1)  # two copies of the 25-station demo city
    return dest


def test_block_codes_fit_the_code_shape_and_stay_unique():
    codes = {bench._block_code(c, b) for c in ("ZD-001", "DHS-002", "GX-003") for b in range(0, 999)}
    assert len(codes) == 3 * 999
    assert bench._block_code("ZD-001", 0) == "ZD-001"
    assert bench._block_code("DHS-002", 17) == "DHS-01702"


def test_a_cloned_report_reads_as_its_own_station_with_the_originals_figures(city):
    files = bench.input_files(city)
    originals = [p for p in files if "片区000" in p.parts and p.name.startswith("ZD-003_")]
    assert originals

    def clone_of(src):
        return next(
            p
            for p in files
            if "片区001" in p.parts
            and p.name == src.name.replace("ZD-003", "ZD-00103").replace("南郊街道零工驿站", "南郊街道1号零工驿站")
        )

    def planted(p):
        return bench.returned_by_design(p.relative_to(city / "input").as_posix())

    src, clone = next((s, clone_of(s)) for s in sorted(originals) if not planted(s) and not planted(clone_of(s)))
    a = read_one((str(src), src.name)).report
    b = read_one((str(clone), clone.name)).report
    assert (a.station, b.station) == ("ZD-003", "ZD-00103")
    assert b.name == "南郊街道1号零工驿站"
    assert a.month == b.month and a.values == b.values
    assert [i.code for i in a.issues] == [i.code for i in b.issues]


def test_the_whole_province_runs_and_every_station_is_graded(city, tmp_path):
    s = run_on(city / "input", tmp_path, "2023", workers=2)
    graded = [r for r in s.results if r.graded]
    assert len(graded) == 2 * 25  # every station of each copy of the demo city
    assert {r.station.code for r in graded} >= {"ZD-001", "ZD-00101"}
    kinds = [o.kind for o in s.outcomes]
    assert kinds.count(KIND_REJECTED) == 2 * 2  # the demo's damaged files, in each copy
    assert kinds.count(KIND_REPORT) > 2 * 280


@pytest.mark.timeout(300)
def test_about_three_percent_of_the_reports_are_returned(city, tmp_path):
    """The benchmark's city returns reports as often as real half-years do (~3%),
    by planting the demo's own error (C1 "十二") in a fixed share of the reports."""
    from lingong.catalogue.issues import ERROR

    files = bench.input_files(city)
    planted = [p for p in files if bench.returned_by_design(p.relative_to(city / "input").as_posix())]
    assert planted
    for p in planted:
        r = read_one((str(p), p.name))
        if r.report is not None:  # a damaged file picked by chance stays damaged
            assert "V002" in [i.code for i in r.report.issues if i.severity == ERROR], p
    s = run_on(city / "input", tmp_path, "2023", workers=2)
    reports = {o.file for o in s.outcomes if o.kind == KIND_REPORT}
    returned = {i.file for i in s.issues if i.severity == ERROR and i.file in reports}
    assert 0.02 <= len(returned) / len(reports) <= 0.045, (len(returned), len(reports))
    copies = list((s.out_dir / RETURNS_FOLDER).iterdir())
    assert len(copies) == len(returned)


def test_the_resubmitted_report_reads_as_before_from_other_bytes(city, tmp_path):
    """The benchmark's rerun: one station sends a report again (same cells, a new package)."""
    src = bench.resubmitted(city / "input")
    copy = tmp_path / src.name
    copy.write_bytes(src.read_bytes())
    before = read_one((str(copy), copy.name))
    original = bench.resubmit(copy)
    after = read_one((str(copy), copy.name))
    assert original != copy.read_bytes()
    assert after.outcome.sha256 != before.outcome.sha256
    assert (after.report.station, after.report.month, after.report.values) == (
        before.report.station,
        before.report.month,
        before.report.values,
    )
    assert [i.code for i in after.report.issues] == [i.code for i in before.report.issues]
