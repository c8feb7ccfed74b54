"""收信 from the page: the mailbox fetched by the library the command uses, the receipts listed."""

from __future__ import annotations

import pytest

from support.intake import filled  # noqa: F401 - a fixture: a loopback dovecot holding stations' mails
from support.web import make_client, wait

pytestmark = pytest.mark.timeout(300)


def _settings(tmp_path, fx) -> object:
    p = tmp_path / "邮件设置.toml"
    c = fx.config
    p.write_text(
        f"""[imap]
host = "{c.host}"
port = {c.port}
security = "ssl"
user = "{c.user}"
folders = ["INBOX", "驿站报表"]
ca_file = "{c.ca_file}"
""",
        encoding="utf-8",
    )
    return p


def test_fetch_stores_the_reports_writes_receipts_and_lists_them(filled, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("LINGONG_IMAP_PASSWORD", filled.config.password)
    client = make_client(filled.input_dir, filled.output, mail_config=_settings(tmp_path, filled))
    assert client.get("/api/fetches").json() == {"mails": []}

    job = wait(client, client.post("/api/fetch", json={}).json())
    assert job["state"] == "done", job
    assert "回执" in job["digest"]
    mails = client.get("/api/fetches").json()["mails"]
    assert len(mails) == 8
    stored = [a for m in mails for a in m["attachments"] if a["status"] == "stored"]
    assert stored and all(a["file"].startswith("收件/") and (filled.input_dir / a["file"]).is_file() for a in stored)
    with_receipt = [m for m in mails if m["receipt_url"]]
    assert with_receipt
    eml = client.get(with_receipt[0]["receipt_url"])
    assert eml.status_code == 200 and b"Subject:" in eml.content
    # the verdict of a fetched report opens like any other
    v = client.get("/api/report", params={"file": stored[0]["file"]}).json()
    assert v["kind"] == "report" and v["station"]

    files = sorted(p for p in filled.input_dir.rglob("*") if p.is_file())
    again = wait(client, client.post("/api/fetch", json={}).json())
    assert again["state"] == "done" and sorted(p for p in filled.input_dir.rglob("*") if p.is_file()) == files


def test_fetch_without_settings_says_what_to_set(tmp_path, demo_input, monkeypatch):
    for k in ("HOST", "USER", "PASSWORD", "PASSWORD_FILE"):
        monkeypatch.delenv(f"LINGONG_IMAP_{k}", raising=False)
    client = make_client(demo_input, tmp_path / "out")
    job = wait(client, client.post("/api/fetch", json={}).json())
    assert job["state"] == "failed" and "收信服务器" in job["error"]
