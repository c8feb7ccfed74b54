"""The command as a clerk runs it: exit statuses, messages, and agreement with the library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lingong.layout import (
    FORM_SUFFIX,
    MAIL_FOLDER,
    NOTICE_NAME,
    RESULTS_JSON_NAME,
    RETURNS_FOLDER,
    RUN_RECORD_NAME,
    validation_report_name,
)
from support.city import STATIONS, write_city, write_registry  # noqa: F401
from support.paths import ROOT
from support.report_factory import write_report
from support.runs import run_on


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "process.py"), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_help_is_chinese_at_every_level():
    for args in ([], ["template"], ["recheck"], ["mail"], ["send"]):
        p = cli(*args, "--help")
        assert p.returncode == 0
        assert "用法：" in p.stdout and "选项" in p.stdout


def test_wrong_usage_exits_2_with_a_message(tmp_path):
    p = cli("--period", "2023H3", "--input", str(tmp_path), "--output", str(tmp_path / "out"))
    assert p.returncode == 2
    assert "Traceback" not in p.stderr
    p = cli("--no-such-option")
    assert p.returncode == 2 and "参数有误" in p.stderr


def test_no_registry_exits_2(tmp_path):
    write_report(tmp_path / "a.xlsx")
    p = cli("--input", str(tmp_path), "--output", str(tmp_path / "out"), "--period", "2023H1")
    assert p.returncode == 2
    assert "驿站名册" in p.stderr and "Traceback" not in p.stderr


def test_misspelt_rules_key_exits_2_naming_it(tmp_path, city):
    rules = (ROOT / "templates" / "rules.toml").read_text(encoding="utf-8")
    bad = tmp_path / "rules.toml"
    bad.write_text(rules.replace("deadline_days", "deadline_dayz"), encoding="utf-8")
    p = cli("--input", str(city), "--output", str(tmp_path / "out"), "--rules", str(bad))
    assert p.returncode == 2
    assert "deadline_dayz" in p.stderr and "rules.toml" in p.stderr and "Traceback" not in p.stderr


def test_run_exits_1_on_station_errors_and_agrees_with_the_library(tmp_path, city):
    out_cli = tmp_path / "out-cli"
    p = cli("--input", str(city), "--output", str(out_cli), "--quiet", "--date", "2023-07-10")
    assert p.returncode == 1, p.stderr
    assert "未指定考核期" in p.stdout and "2023H1" in p.stdout  # default period said aloud
    assert "曾都区：" in p.stdout and "广水市：" in p.stdout
    from_cli = json.loads((out_cli / "2023H1" / RESULTS_JSON_NAME).read_text(encoding="utf-8"))

    summary = run_on(city, tmp_path / "out-lib", "2023H1")
    from_lib = json.loads((tmp_path / "out-lib" / "2023H1" / RESULTS_JSON_NAME).read_text(encoding="utf-8"))
    assert summary.exit_code == 1

    def grades(doc):
        return {s["code"]: json.dumps(s.get("items"), sort_keys=True, ensure_ascii=False) for s in doc["stations"]}

    assert grades(from_cli) == grades(from_lib)
    by_code = {r.station.code: r for r in summary.results}
    assert by_code["GS-001"].provisional  # its March file was rejected
    assert "2023-03" in by_code["GS-001"].rejected_months
    assert (out_cli / "2023H1" / RETURNS_FOLDER).is_dir()
    assert any((out_cli / "2023H1" / RETURNS_FOLDER).iterdir())
    record = json.loads((out_cli / "2023H1" / RUN_RECORD_NAME).read_text(encoding="utf-8"))
    assert len(record["input_files"]) == 1 + 3 * 6
    assert all(f["sha256"] for f in record["input_files"])


def test_template_command_writes_one_per_operating_station(tmp_path, city):
    p = cli("template", "--month", "2023-07", "--input", str(city), "--output", str(tmp_path / "out"))
    assert p.returncode == 0, p.stderr
    files = sorted((tmp_path / "out" / "空白模板" / "2023-07").glob("*.xlsx"))
    assert [f.name.split("_")[0] for f in files] == ["GS-001", "ZD-001", "ZD-002"]


def test_input_is_never_touched(tmp_path, city):
    import hashlib

    def snapshot():
        return {
            p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(city.rglob("*"))
            if p.is_file()
        }

    before = snapshot()
    cli("--input", str(city), "--output", str(tmp_path / "out"), "--quiet")
    assert snapshot() == before


def test_mail_then_dry_run_send(tmp_path, city):
    out = tmp_path / "out"
    p = cli("--period", "2023H1", "--input", str(city), "--output", str(out), "--quiet")
    assert p.returncode == 1, p.stderr  # GS-001 March has an error: every document still written
    p = cli("mail", "--period", "2023H1", "--input", str(city), "--output", str(out), "--quiet")
    assert p.returncode == 0, p.stderr  # mail writes the recorded assessment: it grades nothing
    emls = sorted(x.name for x in (out / "2023H1" / MAIL_FOLDER).glob("*.eml"))
    assert [e.split("_")[0] for e in emls] == ["GS-001", "ZD-001"]
    assert "ZD-002" in p.stdout  # no address: listed, not silently skipped
    assert (out / "2023H1" / NOTICE_NAME).is_file()

    env = {
        **__import__("os").environ,
        "LINGONG_SMTP_HOST": "127.0.0.1",
        "LINGONG_SMTP_PORT": "9",
        "LINGONG_SMTP_SECURITY": "none",
        "LINGONG_SMTP_SENDER": "jyj@example.com",
    }
    p = subprocess.run(
        [sys.executable, str(ROOT / "process.py"), "send", "--period", "2023H1", "--output", str(out), "--dry-run"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    assert "没有发送任何邮件" in p.stdout and "gs001@example.com" in p.stdout

    p = cli("send", "--period", "2023H2", "--output", str(out), "--dry-run")
    assert p.returncode == 2 and "2023年下半年还没有考核" in p.stderr and "--period 2023H2" in p.stderr

    # However the period is written, send finds what mail wrote (once 2023年上半年 found nothing).
    for typed in ("2023年上半年", "２０２３Ｈ１"):
        p = subprocess.run(
            [sys.executable, str(ROOT / "process.py"), "send", "--period", typed, "--output", str(out), "--dry-run"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert p.returncode == 0, (typed, p.stderr)
        assert "gs001@example.com" in p.stdout
    p = cli("send", "--period", "上半年", "--output", str(out), "--dry-run")
    assert p.returncode == 2 and "无法识别" in p.stderr


def test_second_registry_is_named_and_ignored(tmp_path, city):
    old = write_registry(city / "z_旧名册.xlsx", rows=STATIONS[:1])
    import os

    os.utime(old, (1_600_000_000, 1_600_000_000))  # older than the real registry
    summary = run_on(city, tmp_path / "out", "2023H1")
    r007 = [i for i in summary.bureau_issues if i.code == "R007"]  # the clerk's, not a station's
    assert len(r007) == 1 and r007[0].found == "z_旧名册.xlsx" and r007[0].expected == "驿站名册.xlsx"
    assert {r.station.code for r in summary.results} == {"ZD-001", "ZD-002", "GS-001"}


def test_missing_month_is_a_row_of_the_validation_report(tmp_path, city):
    next(city.rglob("ZD-002_4月.xlsx")).unlink()
    summary = run_on(city, tmp_path / "out", "2023H1")
    p003 = [(i.station, i.month) for i in summary.issues if i.code == "P003"]
    assert p003 == [("ZD-002", "2023-04")]


@pytest.mark.timeout(600)
def test_demo_runs_the_whole_job_and_exits_0(tmp_path):
    p = cli("--demo", "--output", str(tmp_path / "demo"), "--quiet")
    assert p.returncode == 0, p.stderr
    for period, label in (("2023H1", "2023年上半年"), ("2023H2", "2023年下半年"), ("2023", "2023年度")):
        out = tmp_path / "demo" / period
        assert (out / RESULTS_JSON_NAME).is_file() and (out / validation_report_name(label)).is_file()
        assert (out / NOTICE_NAME).is_file() and any((out / MAIL_FOLDER).glob("*.eml"))
        assert list(out.glob(f"*/*{FORM_SUFFIX}"))
    assert "故意放入了有错误的报表" in p.stdout
    assert not (ROOT / "input" / "样例输入").exists()
    # The cycle a newcomer sees: the half-year check, the recheck after the deadline, H2 and the year.
    assert [line for line in p.stdout.splitlines() if line.startswith("==== 演示：")] == [
        "==== 演示：上半年检查，考核日期 2023年7月10日 ====",
        "==== 演示：整改期满复查（高城镇零工驿站已更正 3 月报表并重新报送），考核日期 2023年8月10日 ====",
        "==== 演示：下半年检查，考核日期 2024年1月12日 ====",
        "==== 演示：年终考评，考核日期 2024年1月12日 ====",
    ]
    from lingong.grade.history_query import cases_of
    from lingong.layout import HISTORY_DB_NAME

    db = tmp_path / "demo" / HISTORY_DB_NAME
    cases = {
        code: {k: (c.state, c.decided_by, c.decided_recheck) for k, c in cases_of(db, code).items()}
        for code in ("SX-002", "ZD-006", "GS-002", "SX-004")
    }
    assert cases["SX-002"] == {"2023H1": ("整改结束", "2023H1", True)}  # corrected and resubmitted
    assert cases["ZD-006"] == {"2023H1": ("整改结束", "2023H2", False)}  # 建议取消 at the recheck, kept, passed H2
    assert cases["GS-002"] == {"2023H2": ("限期整改", "", False)}  # H2's failure, not the year's 建议取消
    h1 = json.loads((tmp_path / "demo" / "2023H1" / RESULTS_JSON_NAME).read_text(encoding="utf-8"))
    # H1's documents as issued on 2023-07-10; the recheck's own folder says what it decided.
    assert {s["code"]: s["rectification"]["state"] for s in h1["stations"]}["ZD-006"] == "限期整改"
    recheck = json.loads(
        (tmp_path / "demo" / "2023H1" / "复查2023-08-10" / RESULTS_JSON_NAME).read_text(encoding="utf-8")
    )
    assert {s["code"]: s["rectification"]["state"] for s in recheck["stations"]}["ZD-006"] == "建议取消"
    assert {s["code"] for s in recheck["stations"]} == {
        s["code"] for s in h1["stations"] if s["rectification"]["state"] == "限期整改"
    }
    year = json.loads((tmp_path / "demo" / "2023" / RESULTS_JSON_NAME).read_text(encoding="utf-8"))
    assert "建议取消" not in {s["rectification"]["state"] for s in year["stations"]}


def test_empty_input_folder_says_what_to_do(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "说明.txt").write_text("x", encoding="utf-8")
    p = cli("--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"))
    assert p.returncode == 2 and "没有任何表格文件" in p.stderr and "--demo" in p.stderr


@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    "old,new,key",
    [
        ("deadline_days = 30", "deadline_days = 999999999", "deadline_days"),
        ("excellent_ratio = 1.2", "excellent_ratio = nan", "excellent_ratio"),
        ("{C1_sum.half_year}", "{C1_sum.__init__.__globals__}", "target_text"),
    ],
)
def test_impossible_rules_stop_before_anything_is_written(tmp_path, city, old, new, key):
    """Once 程序内部错误 and an empty period folder; now exit 2 naming the key, and no
    period folder and no history are made before the rules are valid."""
    rules = (ROOT / "templates" / "rules.toml").read_text(encoding="utf-8")
    assert old in rules
    bad = tmp_path / "rules.toml"
    bad.write_text(rules.replace(old, new, 1), encoding="utf-8")
    out = tmp_path / "out"
    p = cli("--input", str(city), "--output", str(out), "--rules", str(bad), "--period", "2023H1")
    assert p.returncode == 2, p.stderr
    assert key in p.stderr and "rules.toml" in p.stderr and "程序内部错误" not in p.stderr
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("typed", ["-3", "0", "两个", "2.5"])
def test_workers_must_be_a_positive_whole_number(tmp_path, typed, capsys):
    from lingong.cli import main

    with pytest.raises(SystemExit) as e:
        main(["--input", str(tmp_path), "--output", str(tmp_path / "out"), "--workers", typed])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "进程数应为正整数" in err and typed in err


def test_more_workers_than_cores_are_as_many_as_the_cores():
    import os

    from lingong.cli import build_parser

    cores = os.cpu_count() or 1
    assert build_parser().parse_args(["--workers", "40"]).workers == min(40, cores)
    assert build_parser().parse_args(["--workers", "1"]).workers == 1


def test_argparse_messages_are_in_chinese():
    from lingong.cli import chinese_error

    assert chinese_error("the following arguments are required: --station") == "缺少必填的选项 --station"
    assert chinese_error("unrecognized arguments: --bogus x") == "不认识的参数 --bogus x"
    assert chinese_error("argument --station: expected one argument") == "选项 --station 后面要写一个值"
    assert chinese_error("argument --date: 考核日期“x”无法识别") == "选项 --date：考核日期“x”无法识别"
    p = cli("history")
    assert p.returncode == 2 and "缺少必填的选项 --station" in p.stderr and "the following" not in p.stderr
