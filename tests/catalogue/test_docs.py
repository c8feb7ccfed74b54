"""The docs that are generated from data must match that data."""

import re

from lingong.catalogue import doc as catalogue_doc
from lingong.catalogue.issues import CATALOGUE, ERROR, INFO, WARNING, issue


def test_issue_code_page_is_current():
    assert catalogue_doc.DOC.read_text(encoding="utf-8") == catalogue_doc.render(), (
        "run: python -m lingong.catalogue.doc"
    )


def test_catalogue_is_well_formed():
    for code, t in CATALOGUE.items():
        assert re.fullmatch(r"[A-Z]\d{3}", code) and t.code == code
        assert t.severity in (ERROR, WARNING, INFO)
        # every message renders with the standard fields and is Chinese
        i = issue(code, found="x", expected="y", what="某项", sheet="表", month="2023-01")
        assert i.message and re.search(r"[\u4e00-\u9fff]", i.message + i.hint)
