"""One engine: the page writes exactly what process.py writes for the same assessment."""

from __future__ import annotations

import shutil

import pytest

from lingong import cli
from support.web import assess, make_client, wait
from tools.compare_outputs import compare

pytestmark = pytest.mark.timeout(900)


def test_an_assessment_a_recheck_and_the_mail_made_on_the_page_equal_the_commands(demo_input, tmp_path, capsys):
    inp = tmp_path / "input"
    shutil.copytree(demo_input, inp)
    by_command, by_page = tmp_path / "command", tmp_path / "page"
    base = ["--input", str(inp), "--output", str(by_command), "--quiet"]
    assert cli.main([*base, "--period", "2023H1", "--date", "2023-07-10"]) == 1
    assert cli.main([*base, "mail", "--period", "2023H1"]) == 0
    assert cli.main([*base, "recheck", "--period", "2023H1", "--date", "2023-08-20"]) in (0, 1)
    capsys.readouterr()

    client = make_client(inp, by_page)
    client.get("/api/board")  # the page reads the folder first, as a clerk opening it does
    job = assess(client, {"period": "2023H1", "date": "2023-07-10"})
    assert job["exit_status"] == 1
    w = wait(
        client, client.post("/api/mail", json={"assessment": job["result"]["assessment"], "action": "write"}).json()
    )
    assert w["state"] == "done", w
    re = assess(client, {"period": "2023H1", "date": "2023-08-20", "recheck": True})
    assert re["state"] == "done", re

    assert compare(by_command, by_page) == []
