"""Assessing from the page: a job over api.assess holding the folder's lock, then the documents as issued."""

from __future__ import annotations

import io
import json
import shutil
import zipfile

import pytest

from lingong import layout
from lingong.demo import resubmit
from lingong.layout import (
    FORM_SUFFIX,
    HISTORY_DB_NAME,
    RESULTS_JSON_NAME,
    RETURNS_FOLDER,
    summary_name,
    validation_report_name,
)
from lingong.runtime.runlock import RunLock
from lingong.web.jobs import Jobs
from support.smtp import smtp_server
from support.web import assess, make_client, wait

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def assessed(demo_input, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    client = make_client(demo_input, out)
    job = assess(client, {"period": "2023H1", "date": "2023-07-10"})
    return client, out, job


def test_the_job_reports_progress_and_ends_with_the_commands_digest(assessed):
    _, _, job = assessed
    assert job["state"] == "done" and job["exit_status"] == 1  # the demo city has errors on purpose
    assert "考核期：2023年上半年（2023H1）" in job["digest"] and "考核日期：2023年7月10日" in job["digest"]
    assert job["total"] > 0 and job["done"] == job["total"]
    assert job["result"]["assessment"]
    assert "在“邮件”页点“生成邮件草稿”" in job["digest"] and "process.py mail" not in job["digest"]


def test_the_recorded_assessment_lists_its_documents_and_each_downloads(assessed):
    client, out, job = assessed
    runs = client.get("/api/assessments").json()["assessments"]
    (run,) = [r for r in runs if r["id"] == job["result"]["assessment"]]
    assert run["title"] == "2023年上半年考核（2023年7月10日）" and run["version"] == 1 and run["folder"] == "2023H1"
    names = {d["name"] for d in run["documents"]}
    assert summary_name("2023年上半年") in names and validation_report_name("2023年上半年") in names
    for d in run["documents"][:8]:
        r = client.get(d["url"])
        assert r.status_code == 200 and r.content == (out / run["folder"] / d["path"]).read_bytes()
    parts = {z["part"] for z in run["zips"]}
    assert {"曾都区", RETURNS_FOLDER, "全部"} <= parts


def test_a_countys_zip_holds_that_countys_forms_only(assessed):
    client, out, job = assessed
    (run,) = [r for r in client.get("/api/assessments").json()["assessments"] if r["id"] == job["result"]["assessment"]]
    z = next(z for z in run["zips"] if z["part"] == "曾都区")
    r = client.get(z["url"])
    assert r.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    expected = sorted(p.relative_to(out / "2023H1").as_posix() for p in (out / "2023H1" / "曾都区").iterdir())
    assert sorted(names) == expected and all(n.endswith(FORM_SUFFIX) for n in names)


@pytest.mark.parametrize(
    "path, status",
    [
        (HISTORY_DB_NAME, 403),
        (layout.CACHE_NAME, 403),
        ("%2e%2e/%2e%2e/%2e%2e/etc/passwd", 403),
        ("2023H1/../../outside.txt", 404),  # the client resolves the dots: no such route
        ("2023H1/没有这个文件.xlsx", 404),
        ("2023H1", 404),
    ],
)
def test_nothing_outside_the_output_folder_nor_the_tools_own_files_downloads(assessed, path, status):
    client, out, _ = assessed
    (out.parent / "outside.txt").write_text("secret", encoding="utf-8")
    r = client.get(f"/files/{path}")
    assert r.status_code == status and b"secret" not in r.content


def test_a_station_history_after_the_assessment(assessed):
    client, _, _ = assessed
    r = client.get("/api/history", params={"station": "zd-006"})
    assert r.status_code == 200 and "ZD-006" in r.json()["text"] and "2023年上半年" in r.json()["text"]
    assert client.get("/api/history", params={"station": "XX-999"}).status_code == 404


def test_bad_period_or_date_is_said_before_any_job(assessed):
    client, _, _ = assessed
    r = client.post("/api/assessments", json={"period": "2023H3"})
    assert r.status_code == 400 and "考核期" in r.json()["error"]
    r = client.post("/api/assessments", json={"period": "2023H1", "date": "2023-13-01"})
    assert r.status_code == 400 and "考核日期" in r.json()["error"]
    r = client.post("/api/assessments", json={"recheck": True})
    assert r.status_code == 400 and "复查需要指定考核期" in r.json()["error"]


def test_a_command_holding_the_folder_is_named_and_nothing_is_written(demo_input, tmp_path):
    out = tmp_path / "out"
    client = make_client(demo_input, out)
    with RunLock(out, command="process.py --period 2023H1", wait_s=0):
        job = assess(client, {"period": "2023H1", "date": "2023-07-10"})
    assert job["state"] == "failed" and job["exit_status"] == 2
    assert "process.py --period 2023H1" in job["error"]
    assert not (out / "2023H1").exists()


def test_a_rerun_keeps_the_issued_version_downloadable_as_it_was(demo_input, tmp_path):
    out = tmp_path / "out"
    client = make_client(demo_input, out)
    first = assess(client, {"period": "2023H1", "date": "2023-07-10"})
    (run1,) = client.get("/api/assessments").json()["assessments"]
    issued = {d["path"]: client.get(d["url"]).content for d in run1["documents"]}
    second = assess(client, {"period": "2023H1", "date": "2023-07-10"})
    assert second["result"]["assessment"] != first["result"]["assessment"]
    runs = {r["id"]: r for r in client.get("/api/assessments").json()["assessments"]}
    old = runs[first["result"]["assessment"]]
    assert old["replaced_by"] and old["folder"].startswith("2023H1/旧版本/第1版_")
    assert {d["path"]: client.get(d["url"]).content for d in old["documents"]} == issued
    assert runs[second["result"]["assessment"]]["version"] == 2


def test_one_job_at_a_time():
    jobs = Jobs()
    import threading

    release = threading.Event()
    jobs.start("考核 2023H1", lambda job: release.wait(10))
    try:
        with pytest.raises(Exception, match="考核 2023H1"):
            jobs.start("考核 2023H2", lambda job: None)
    finally:
        release.set()
    jobs.wait(10)
    assert jobs.running is None


def test_mail_is_written_from_the_record_tried_then_sent_once_after_confirmation(demo_input, tmp_path, monkeypatch):
    out = tmp_path / "out"
    client = make_client(demo_input, out)
    job = assess(client, {"period": "2023H1", "date": "2023-07-10"})
    run_id = job["result"]["assessment"]
    assert client.get("/api/mail", params={"assessment": run_id}).json()["drafts"] == []
    w = wait(client, client.post("/api/mail", json={"assessment": run_id, "action": "write"}).json())
    assert w["state"] == "done", w
    drafts = client.get("/api/mail", params={"assessment": run_id}).json()["drafts"]
    assert len(drafts) >= 20 and all(d.endswith(".eml") for d in drafts)
    assert (out / "2023H1" / layout.NOTICE_NAME).is_file()

    with smtp_server() as (handler, smtp_port):
        for k, v in {
            "HOST": "127.0.0.1",
            "PORT": str(smtp_port),
            "SECURITY": "none",
            "SENDER": "lgyz@suizhou.gov.cn",
        }.items():
            monkeypatch.setenv(f"LINGONG_SMTP_{k}", v)
        r = client.post("/api/mail", json={"assessment": run_id, "action": "send"})
        assert r.status_code == 400 and "确认" in r.json()["error"]  # no send without confirm
        dry = wait(client, client.post("/api/mail", json={"assessment": run_id, "action": "dry-run"}).json())
        assert dry["state"] == "done" and handler.received == []
        assert dry["result"]["rows"] and "将发送（试运行）" in {row["status"] for row in dry["result"]["rows"]}
        sent = wait(
            client, client.post("/api/mail", json={"assessment": run_id, "action": "send", "confirm": True}).json()
        )
        assert sent["state"] == "done", sent
        n = len(handler.received)
        assert n >= 20
        again = wait(
            client, client.post("/api/mail", json={"assessment": run_id, "action": "send", "confirm": True}).json()
        )
        assert again["state"] == "done" and len(handler.received) == n  # each mail once
        assert "已发送" not in {row["status"] for row in again["result"]["rows"]}
        assert "此前已发送，本次跳过" in {row["status"] for row in again["result"]["rows"]}


def test_shutdown_waits_for_no_job_and_then_stops(demo_input, tmp_path):
    client = make_client(demo_input, tmp_path / "out")
    stopped = []
    client.ws.stop = lambda: stopped.append(True)
    import threading

    release = threading.Event()
    client.ws.jobs.start("考核 2023H1", lambda job: release.wait(10))
    try:
        r = client.post("/api/shutdown")
        assert r.status_code == 409 and "正在进行" in r.json()["error"] and not stopped
    finally:
        release.set()
    client.ws.jobs.wait(10)
    assert client.post("/api/shutdown").json() == {"stopped": True} and stopped == [True]


def test_open_rectifications_are_listed_for_a_recheck_and_the_recheck_decides_them(demo_input, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(demo_input, tmp_path / "input")  # the page's upload writes into its input
    client = make_client(tmp_path / "input", out)
    assert client.get("/api/periods").json()["open_cases"] == []
    assess(client, {"period": "2023H1", "date": "2023-07-10"})
    cases = client.get("/api/periods").json()["open_cases"]
    assert cases and {c["period"] for c in cases} == {"2023H1"}
    assert all(c["state"] == "限期整改" and c["deadline"] == "2023-08-09" for c in cases)
    assert all(c["failed_items"] and c["grade"] == "不合格" for c in cases)
    sx2 = next(c for c in cases if c["station"] == "SX-002")
    assert (sx2["name"], sx2["county"], sx2["failed_items"]) == ("高城镇零工驿站", "随县", ["宣传推广"])
    issued = json.loads((out / "2023H1" / RESULTS_JSON_NAME).read_text(encoding="utf-8"))["stations"]
    started = {s["code"] for s in issued if (s.get("rectification") or {}).get("state") == "限期整改"}
    assert {"SX-002", "ZD-006"} <= started  # the demo's two known failures of the half-year
    assert {c["station"] for c in cases} == started
    # SX-002 finds its March promotion and sends March again; the clerk drops it on the page.
    fixed = resubmit(shutil.copytree(demo_input, tmp_path / "station"))
    (f,) = client.post("/api/files", files=[("files", (fixed.name, fixed.read_bytes()))]).json()["files"]
    assert f["outcome"] == "已保存" and f["verdict"]["station"] == "SX-002" and f["verdict"]["status"] == "采用", f
    job = assess(client, {"period": "2023H1", "date": "2023-08-20", "recheck": True})
    assert job["state"] == "done", job
    # The recheck decided each: the corrected ones ended (gone), the rest 建议取消, which stay
    # listed until the bureau acts, since a second recheck may still end them.
    after = client.get("/api/periods").json()["open_cases"]
    assert "SX-002" not in {c["station"] for c in after}  # the demo's corrected March report
    assert after and all(c["state"] == "建议取消" for c in after)
    assert {c["station"] for c in after} < started
