"""The prolog check reads only the start of each part, yet a DOCTYPE hidden behind a
long comment (whose text looks like an element) is still found."""

from __future__ import annotations

import zipfile

import pytest

from lingong.discover.preflight import preflight


def _xlsx(tmp_path, sheet: str):
    p = tmp_path / "报表.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return p


@pytest.mark.parametrize("comment_bytes", [10, 1500, 6000, 30000])
def test_doctype_after_a_long_comment_is_refused(tmp_path, comment_bytes):
    sheet = (
        '<?xml version="1.0"?><!-- ' + "<a>" * (comment_bytes // 3) + " -->"
        '<!DOCTYPE x [<!ENTITY e "boom">]><worksheet>&e;</worksheet>'
    )
    pf = preflight(_xlsx(tmp_path, sheet))
    assert (pf.ok, pf.code) == (False, "F006")


def test_a_long_comment_inside_the_sheet_is_fine(tmp_path):
    sheet = '<?xml version="1.0"?><worksheet><!-- ' + "<a>" * 3000 + " --><sheetData/></worksheet>"
    assert preflight(_xlsx(tmp_path, sheet)).ok
