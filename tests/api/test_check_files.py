"""The verdict on each file of an input folder, as the day a report arrives shows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from lingong import api
from lingong.demo import build_demo
from lingong.layout import RETURN_COPY_SUFFIX
from lingong.model.records import KIND_REJECTED, KIND_SKIPPED


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("city")
    build_demo(root / "input")
    return root / "input", root / "output"


def test_every_file_gets_a_verdict(city):
    inp, out = city
    v = api.check_files(inp, out, workers=1)
    on_disk = {p.relative_to(inp).as_posix() for p in inp.rglob("*") if p.is_file()}
    assert set(v.verdicts) == on_disk
    assert v.registry_file.startswith("随州市零工驿站名册")
    kinds = {x.kind for x in v.verdicts.values()}
    assert {KIND_SKIPPED, KIND_REJECTED} <= kinds


def test_a_corrected_report_replaces_the_first_and_says_so(city):
    inp, out = city
    v = api.check_files(inp, out, workers=1)
    corrected = next(x for x in v.verdicts.values() if x.replaces)
    assert corrected.status == "采用"
    for old in corrected.replaces:
        assert v.of(old).status == "已被替代"
        assert v.of(old).replaced_by == corrected.file


def test_a_report_with_errors_is_returned_with_its_copy(city, tmp_path):
    inp, out = city
    v = api.check_files(inp, out, workers=1)
    returned = [x for x in v.verdicts.values() if x.status == "退回"]
    assert returned and all(x.errors for x in returned)
    x = returned[0]
    copy = api.write_return_copy(v, x.file, tmp_path)
    assert copy is not None and copy.is_file() and copy.name.endswith(RETURN_COPY_SUFFIX)
    accepted = next(y for y in v.verdicts.values() if y.status == "采用")
    assert api.write_return_copy(v, accepted.file, tmp_path) is None


def test_nothing_recorded_is_refused_with_what_to_run(city):
    _, out = city
    with pytest.raises(api.FatalInput, match="还没有"):
        api.recorded_assessment(out / "empty", "2023H1")
