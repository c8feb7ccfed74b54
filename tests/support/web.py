"""The clerk's page as tests reach it: the app over a folder, with the token a browser would have."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from starlette.testclient import TestClient

from lingong.web.app import Workspace, create_app

TOKEN = "test-token-Abc_def-ghi"
BASE = "http://127.0.0.1:8765"
ORIGIN = {"origin": BASE}
TODAY = date(2023, 12, 20)  # the page's today: 2023 under way, November's report due, December's not


def make_client(input_dir: Path, output_root: Path, *, today: date = TODAY, **kw) -> TestClient:
    ws = Workspace(Path(input_dir), Path(output_root), workers=2, today=lambda: today, **kw)
    client = TestClient(create_app(ws, TOKEN), base_url=BASE)
    client.headers["authorization"] = f"Bearer {TOKEN}"
    client.ws = ws
    return client


def wait(client, job: dict, limit: float = 240) -> dict:
    end = time.monotonic() + limit
    while True:
        j = client.get(f"/api/jobs/{job['id']}").json()
        if j["state"] != "running":
            return j
        assert time.monotonic() < end, f"job still running: {j}"
        time.sleep(0.2)


def assess(client, body: dict) -> dict:
    r = client.post("/api/assessments", json=body)
    assert r.status_code == 202, r.text
    return wait(client, r.json())
