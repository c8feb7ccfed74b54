"""The clerk's page in a real browser over a real ``process.py serve``: the board, a returned
report's problems, an upload, an assessment and its summary's download, and the exit button."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from support.paths import ROOT

CHROMIUM = Path("/usr/bin/chromium")
LINE = re.compile(r"考核网页已启动：(http://127\.0\.0\.1:\d+/\?token=\S+)")
# An accepted report taken out before the server starts, so the board shows 缺报 until it is uploaded.
TAKEN = "曾都区/东城街道零工驿站/ZD-001_东城街道零工驿站_2023年2月_月度运维报表.xlsx"
TAKEN_STATION, TAKEN_MONTH = "ZD-001", 2
# Taken out too, and dropped back with a word where C1 wants a count: it is returned.
BROKEN = "曾都区/ZD-003_南郊街道零工驿站_2023年3月_月度运维报表.xlsx"
BROKEN_STATION, BROKEN_MONTH = "ZD-003", 3


def _break(src: Path, dest: Path) -> None:
    import openpyxl

    from lingong.report_template import SHEET_INDICATORS

    wb = openpyxl.load_workbook(src)
    row = next(r for r in wb[SHEET_INDICATORS].iter_rows() if r[0].value == "C1")
    row[4].value = "很多"
    wb.save(dest)


def _not_a_report(dest: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "通讯录"
    wb.active.append(["姓名", "电话"])
    wb.active.append(["张三", "13812345678"])
    wb.save(dest)


def _playwright():
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.skip("!!! PLAYWRIGHT IS NOT INSTALLED: the browser test of the page did NOT run !!!")
    if not CHROMIUM.exists():
        pytest.skip(f"!!! NO CHROMIUM AT {CHROMIUM}: the browser test of the page did NOT run !!!")
    return sync_playwright, expect


def _start(input_dir: Path, output_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "process.py", "serve", "--input", str(input_dir), "--output", str(output_dir), "--no-browser"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=dict(os.environ, PYTHONIOENCODING="utf-8", LINGONG_START_METHOD="spawn"),
        start_new_session=True,
    )


def _first_line(proc: subprocess.Popen, timeout: float = 60) -> str:
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not got or not got[0]:
        raise AssertionError(f"serve printed no address within {timeout} s (exit status {proc.poll()})")
    # Keep reading so the server never blocks on a full pipe.
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    return got[0]


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(10)


def _cell(page, station: str, month: int):
    row = page.locator("#board table.grid tr", has=page.locator("th.st", has_text=station))
    return row.locator("td").nth(month - 1)


@pytest.mark.timeout(300)
def test_the_page_in_a_browser_board_upload_assessment_download_and_exit(demo_input, tmp_path):
    sync_playwright, expect = _playwright()
    input_dir = tmp_path / "input"
    shutil.copytree(demo_input, input_dir)
    taken = tmp_path / "taken" / Path(TAKEN).name
    taken.parent.mkdir()
    shutil.move(input_dir / TAKEN, taken)
    broken = tmp_path / "taken" / Path(BROKEN).name
    _break(input_dir / BROKEN, broken)
    (input_dir / BROKEN).unlink()
    other = tmp_path / "taken" / "驿站通讯录.xlsx"
    _not_a_report(other)
    shots = tmp_path / "shots"
    shots.mkdir()

    proc = _start(input_dir, tmp_path / "output")
    browser = None
    try:
        url = LINE.search(_first_line(proc)).group(1)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
            page.set_default_timeout(60_000)
            page.goto(url)
            assert "token=" not in page.url  # the token became a cookie

            # 报送情况
            grid = page.locator("#board table.grid")
            expect(grid).to_be_visible()
            for status in ("已采用", "退回", "缺报"):
                expect(grid.locator(f"td.s-{status}").first).to_be_visible()
            expect(_cell(page, TAKEN_STATION, TAKEN_MONTH)).to_have_text("缺报")
            page.screenshot(path=shots / "1-board.png")
            if os.environ.get("LINGONG_SCREENSHOT") == "1":
                page.screenshot(path=ROOT / "docs" / "web-page.png")

            # A returned report's problems.
            grid.locator("td.s-退回.has").first.click()
            dialog = page.locator("#detail")
            expect(dialog).to_be_visible()
            expect(dialog.locator("table.list tbody tr").first).to_be_visible()
            expect(dialog.locator("table.list thead")).to_contain_text("问题")
            page.screenshot(path=shots / "2-returned.png")
            dialog.locator("button.close").click()
            expect(dialog).to_be_hidden()

            # 上传报表: three files at once — the report taken out comes back and is accepted, the
            # broken one is returned with its problem, the address list is not a report.
            page.click("nav button[data-tab=upload]")
            page.set_input_files("#pick-files", [str(taken), str(broken), str(other)])
            rows = page.locator("#upload-result tbody tr")
            expect(rows).to_have_count(3)

            def result(name):
                return rows.filter(has_text=name).locator("td").nth(4)

            expect(result(taken.name)).to_have_text(re.compile(r"^采用"))
            expect(result(broken.name)).to_have_text(re.compile(r"^退回"))
            expect(rows.filter(has_text=broken.name).locator("a", has_text="退回修改的文件")).to_be_visible()
            expect(rows.filter(has_text=broken.name).locator("div.problem")).to_contain_text("很多")
            expect(rows.first).to_contain_text(taken.name)  # in the order dropped
            expect(result(other.name)).to_have_text(re.compile(r"^已跳过（不含报表"))
            page.screenshot(path=shots / "3-upload.png", full_page=True)
            page.click("nav button[data-tab=board]")
            expect(_cell(page, TAKEN_STATION, TAKEN_MONTH)).to_have_text("已采用")
            expect(_cell(page, BROKEN_STATION, BROKEN_MONTH)).to_have_text("退回")

            # 考核 2023H1 on 2023-07-10, then its summary downloaded.
            page.click("nav button[data-tab=assess]")
            expect(page.locator("#assess-period option[value='2023H1']")).to_have_count(1)
            # On the real clock the demo's year ended long ago: no default, the clerk must choose
            # (as the command line asks for --period), and starting without choosing says so.
            expect(page.locator("#assess-period")).to_have_value("")
            page.click("#assess-start")
            expect(page.locator("#toast")).to_have_text("请先选择考核期。")
            page.select_option("#assess-period", "2023H1")
            page.fill("#assess-date", "2023-07-10")
            page.click("#assess-start")
            expect(page.locator("#job-stage")).to_contain_text("完成", timeout=180_000)
            link = page.locator("#job-docs a", has_text="考核汇总表")
            expect(link).to_be_visible()
            page.screenshot(path=shots / "4-assessed.png")
            # The half-year's failures are listed for the recheck; its button prepares one.
            expect(page.locator("#open-cases h3")).to_contain_text("2023年上半年待复查的驿站")
            expect(page.locator("#open-cases tbody tr", has_text="SX-002")).to_contain_text("限期整改")
            page.click("#open-cases button")
            expect(page.locator("#assess-recheck")).to_be_checked()
            expect(page.locator("#assess-period")).to_have_value("2023H1")
            page.screenshot(path=shots / "4-recheck-ready.png", full_page=True)
            with page.expect_download() as got:
                link.first.click()
            download = got.value
            saved = tmp_path / "summary.xlsx"
            download.save_as(saved)
            assert download.suggested_filename.endswith("考核汇总表.xlsx"), download.suggested_filename
            assert saved.read_bytes()[:2] == b"PK"

            # The other tabs, each looked at: the records, the mail drafts, a station's history, 收信.
            page.click("nav button[data-tab=records]")
            expect(page.locator("#records .run h3").first).to_contain_text("2023年上半年考核")
            page.screenshot(path=shots / "6-records.png")
            page.click("nav button[data-tab=mail]")
            expect(page.locator("#mail-drafts")).to_contain_text("还没有邮件草稿")
            page.click("#mail-write")
            expect(page.locator("#mail-drafts")).to_contain_text("已有邮件草稿", timeout=120_000)
            page.click("#mail-dry")  # a dry run lists who would get what; nothing is sent
            expect(page.locator("#mail-rows tbody tr").first).to_be_visible(timeout=120_000)
            page.screenshot(path=shots / "7-mail.png")
            page.click("nav button[data-tab=history]")
            page.fill("#history-station", "SX-002")
            page.click("#history-form button[type=submit]")
            expect(page.locator("#history-text")).to_contain_text("2023年上半年")
            page.screenshot(path=shots / "8-history.png")
            page.click("nav button[data-tab=fetch]")
            expect(page.locator("#fetch-mails")).to_be_visible()
            page.screenshot(path=shots / "9-fetch.png")

            # 退出, confirmed.
            page.on("dialog", lambda d: d.accept())
            page.click("#quit")
            expect(page.locator("main h2")).to_have_text("考核网页已退出，可以关闭本页面。")
            page.screenshot(path=shots / "5-quit.png")
            assert proc.wait(30) == 0
            browser.close()
            browser = None
    finally:
        if browser is not None:
            try:
                browser.close()
            except Exception:  # noqa: BLE001 - the browser may already be gone; the server must still be ended
                pass
        _kill(proc)
