"""Output names a Windows PC can open: no reserved device names, no trailing dots or
spaces, no forbidden characters, whole paths under 240 characters (MAX_PATH is 260)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lingong.mail.drafts import write_drafts
from lingong.model.records import Station
from lingong.render import form as fw
from lingong.render.blank_template import write_blank_templates
from lingong.render.return_copy import copy_name
from lingong.runtime.outfiles import MAX_PATH_CHARS, file_name, safe_component
from support import results_factory as rf
from support.paths import ROOT  # noqa: E402

# Written out here rather than imported: the test must not share a typo with the code.
RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    "COM1",
    "COM2",
    "COM3",
    "COM4",
    "COM5",
    "COM6",
    "COM7",
    "COM8",
    "COM9",
    "LPT1",
    "LPT2",
    "LPT3",
    "LPT4",
    "LPT5",
    "LPT6",
    "LPT7",
    "LPT8",
    "LPT9",
}


def windows_problem(component: str) -> str:
    """Why Windows would refuse or misread this file or folder name ("" when it is fine)."""
    if not component:
        return "empty"
    bad = [ch for ch in component if ch in '<>:"/\\|?*' or ord(ch) < 32]
    if bad:
        return f"forbidden characters {bad!r}"
    if component[-1] in " .":
        return "ends with a dot or a space"
    if component.split(".")[0].rstrip(" ").upper() in RESERVED:
        return "reserved device name"
    if len(component) > 255:
        return "longer than 255 characters"
    return ""


def path_units(p: Path) -> int:
    return len(str(p).encode("utf-16-le")) // 2


@pytest.mark.parametrize(
    "raw",
    [
        "CON",
        "con.xlsx",
        "CON .xlsx",
        "Com1.tar.gz",
        "LPT9",
        "lpt5 ",
        "ＣＯＮ",
        "COM¹",
        "nul.",
        "AUX  ",
        "prn...",
        "PRN.考核验收表.xlsx",
        "驿站 .",
        "驿站. . .",
        "驿站\u3000",
        'a<b>c:d"e|f?g*h',
        "tab\there",
        "x\x7fy",
        "  .  ",
    ],
)
def test_a_name_windows_refuses_is_made_safe(raw):
    assert windows_problem(safe_component(raw)) == ""


@pytest.mark.parametrize("raw", ["CONSOLE", "COM10", "LPT", "NULL.xlsx", "CON_东城.xlsx", "AUX驿站"])
def test_names_that_only_look_reserved_are_left_alone(raw):
    assert safe_component(raw) == raw


@settings(max_examples=300, deadline=None)
@given(stem=st.text(max_size=200), suffix=st.sampled_from(["_考核验收表.xlsx", ".eml", "_退回.xlsx"]))
def test_every_file_name_is_valid_on_windows(stem, suffix):
    assert windows_problem(safe_component(stem)) == ""
    name = file_name(stem, suffix)
    assert windows_problem(name) == "" and name.endswith(suffix)


def test_reserved_station_names_become_safe_names_in_every_output(tmp_path):
    r = rf.make_result(code="COM1", name="CON", county="AUX")
    form = fw.form_path(tmp_path, r)
    assert windows_problem(form.parent.name) == "" and windows_problem(form.name) == ""
    assert form.parent.name == "_AUX" and form.name.endswith("_考核验收表.xlsx")
    assert windows_problem(copy_name("LPT1", "2023-03")) == ""

    stations = {"NUL": Station("NUL", "PRN.", "CON", email="nul@example.com")}
    paths = write_blank_templates(stations, "2023-07", tmp_path / "模板")
    assert [windows_problem(p.name) for p in paths] == [""]
    drafts = write_drafts(
        tmp_path / "模板",
        period=rf.make_result().period,
        results=[],
        stations=stations,
        issues=[],
        templates_dir=ROOT / "templates",
        kind="templates",
        blank_templates={"NUL": paths[0]},
    )
    emls = [row.eml for row in drafts.rows if row.eml]
    assert len(emls) == 1 and windows_problem(emls[0].name) == ""


# ---- the whole path -------------------------------------------------------------------


def deep_folder(base: Path, total: int) -> Path:
    """A folder under ``base`` whose resolved path is ``total`` characters long."""
    folder = base.resolve()
    while (need := total - path_units(folder) - 1) > 0:
        folder = folder / ("长" * min(need, 60))  # a file system allows 255 bytes a name
    assert path_units(folder) == total
    return folder


def test_a_long_output_folder_cuts_the_station_name_not_the_suffix(tmp_path):
    out = deep_folder(tmp_path, 200)
    long_name = "随州市曾都区东城街道办事处白云湖社区第一零工驿站（原东城街道人力资源和社会保障服务中心）"
    a = fw.form_path(out, rf.make_result(code="ZD-001", name=long_name, county="曾都区"))
    b = fw.form_path(out, rf.make_result(code="ZD-002", name=long_name, county="曾都区"))
    for p in (a, b):
        assert path_units(p) <= MAX_PATH_CHARS, (path_units(p), p)
        assert p.name.endswith("_考核验收表.xlsx") and "~" in p.name
        assert p.parent == (out / "曾都区").resolve()
    assert a.name.startswith("ZD-001_随州市") and b.name.startswith("ZD-002_随州市")
    assert a != b
    # Two runs name the file alike: mail drafts find the form again by the same function.
    assert fw.form_path(out, rf.make_result(code="ZD-001", name=long_name, county="曾都区")) == a


def test_a_short_path_keeps_its_whole_name(tmp_path):
    p = fw.form_path(tmp_path, rf.make_result(code="ZD-001", name="东城街道零工驿站", county="曾都区"))
    assert p.name == "ZD-001_东城街道零工驿站_考核验收表.xlsx"


def test_two_long_names_sharing_their_start_stay_apart(tmp_path):
    folder = deep_folder(tmp_path, 200)
    start = "东城零工驿站" * 10
    names = {file_name(start + tail, "_退回.xlsx", folder=folder) for tail in ("甲", "乙", "丙")}
    assert len(names) == 3
    assert all(path_units(folder / n) <= MAX_PATH_CHARS and n.endswith("_退回.xlsx") for n in names)


def test_a_blank_template_in_a_deep_folder_keeps_its_month(tmp_path):
    out = deep_folder(tmp_path, 190)
    out.mkdir(parents=True)
    st_ = {"ZD-001": Station("ZD-001", "白云湖社区第一零工驿站" * 4, "曾都区")}
    [p] = write_blank_templates(st_, "2023-07", out)
    assert p.name.startswith("ZD-001_白云湖") and p.name.endswith("_2023年7月_月度运维报表.xlsx")
    assert path_units(p) <= MAX_PATH_CHARS and p.is_file()


@settings(max_examples=200, deadline=None)
@given(
    stem=st.text(min_size=1, max_size=120),
    depth=st.integers(min_value=0, max_value=180),
    suffix=st.sampled_from(["_考核验收表.xlsx", ".eml", "_2023年7月_月度运维报表.xlsx"]),
)
def test_any_name_fits_the_path_budget_when_the_folder_leaves_room(tmp_path_factory, stem, depth, suffix):
    base = tmp_path_factory.getbasetemp() / "budget"
    folder = base.resolve() / ("x" * depth) if depth else base.resolve()
    name = file_name(stem, suffix, folder=folder)
    assert name.endswith(suffix) and windows_problem(name) == ""
    if path_units(folder) + 1 + len(suffix) + 8 + 7 <= MAX_PATH_CHARS:
        assert path_units(folder / name) <= MAX_PATH_CHARS
