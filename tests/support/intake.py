"""A loopback dovecot filled with the mails stations send, and the input folder they go to."""

from __future__ import annotations

import io
import ssl
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest

from lingong.intake.imap_config import ImapConfig
from support import mailbox as mb
from support.city import write_registry
from support.dovecot import DOVECOT, PASSWORD, SKIP_REASON, USER, running_dovecot
from support.report_factory import write_report

RECEIVED = datetime(2023, 7, 3, 10, 0, tzinfo=timezone(timedelta(hours=8)))
CN_FOLDER = "驿站报表"


def report_bytes(tmp: Path, code: str, name: str, county: str, month: str, values=None) -> bytes:
    p = write_report(tmp / f"{code}_{month}.xlsx", station=code, name=name, county=county, month=month, values=values)
    return p.read_bytes()


def other_workbook() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "人员名单"
    wb.active.append(["姓名", "岗位"])
    wb.active.append(["李四", "保洁"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass
class Fixture:
    config: ImapConfig
    input_dir: Path
    output: Path
    server: object
    reports: dict  # label -> bytes


def fixture_mails(tmp: Path) -> tuple[list[tuple[str, bytes]], dict]:
    zd3 = report_bytes(tmp, "ZD-001", "东城零工驿站", "曾都区", "2023-03")
    zd4 = report_bytes(tmp, "ZD-001", "东城零工驿站", "曾都区", "2023-04")
    gs3 = report_bytes(tmp, "GS-001", "应山零工驿站", "广水市", "2023-03", values={"C1": "十二"})
    gs4 = report_bytes(tmp, "GS-001", "应山零工驿站", "广水市", "2023-04")
    xc3 = report_bytes(tmp, "ZD-002", "西城零工驿站", "曾都区", "2023-03")
    xc4 = report_bytes(tmp, "ZD-002", "西城零工驿站", "曾都区", "2023-04")
    mails = [
        (
            "INBOX",
            mb.mail("zd001@example.com", "东城驿站3月报表", [(mb.rfc2047_gbk("东城零工驿站2023年3月报表.xlsx"), zd3)]),
        ),
        ("INBOX", mb.mail("gs001@example.com", "应山3月", [(mb.rfc2231_utf8("应山驿站3月月报.xlsx"), gs3)])),
        ("INBOX", mb.mail("zd001@example.com", "4月", [(mb.raw_gbk("东城4月.xlsx"), zd4)])),
        (
            "INBOX",
            mb.mail(
                "xicheng@qq.com",
                "西城两个月",
                [(mb.rfc2047_gbk("西城两个月.zip"), mb.gbk_zip({"西城3月.xlsx": xc3, "西城4月.xlsx": xc4}))],
            ),
        ),
        ("INBOX", mb.mail("zd001@example.com", "再发一次3月", [(mb.rfc2047_gbk("3月报表（重发）.xlsx"), zd3)])),
        (
            "INBOX",
            mb.mail(
                "gs001@example.com",
                "通知和名单",
                [
                    (mb.rfc2047_gbk("通知.docx"), b"PK not a report"),
                    (mb.rfc2047_gbk("人员名单.xlsx"), other_workbook()),
                ],
            ),
        ),
        ("INBOX", mb.mail("someone@example.com", "你好", [])),
        (CN_FOLDER, mb.mail("gs001@example.com", "应山4月", [(mb.rfc2231_utf8("应山4月.xlsx"), gs4)])),
    ]
    return mails, {"zd3": zd3, "zd4": zd4, "gs3": gs3, "gs4": gs4, "xc3": xc3, "xc4": xc4}


def client_for(server):
    from imapclient import IMAPClient

    ctx = ssl.create_default_context(cafile=str(server.cert))
    c = IMAPClient(server.host, port=server.port, ssl=True, ssl_context=ctx, timeout=10)
    c.login(USER, PASSWORD)
    return c


def mailbox_state(server) -> dict:
    """Every folder's message count and every message's flags, as seen read-only."""
    c = client_for(server)
    try:
        out = {}
        for folder in ("INBOX", CN_FOLDER):
            info = c.select_folder(folder, readonly=True)
            uids = c.search(["ALL"])
            flags = c.get_flags(uids) if uids else {}
            out[folder] = (info[b"EXISTS"], {u: tuple(sorted(f)) for u, f in flags.items()})
        return out
    finally:
        c.logout()


@pytest.fixture
def filled(tmp_path):
    """A running dovecot holding the fixture mails; stopped when the test ends."""
    if DOVECOT is None:
        pytest.skip(SKIP_REASON)
    mails, reports = fixture_mails(tmp_path)
    input_dir = tmp_path / "input"
    input_dir.mkdir()
    write_registry(input_dir / "驿站名册.xlsx")
    with running_dovecot() as server:
        c = client_for(server)
        try:
            c.create_folder(CN_FOLDER)
            for folder, raw in mails:
                c.append(folder, raw, flags=(), msg_time=RECEIVED)
        finally:
            c.logout()
        config = ImapConfig(
            host=server.host,
            port=server.port,
            security="ssl",
            user=USER,
            password=PASSWORD,
            folders=("INBOX", CN_FOLDER),
            timeout=10,
            ca_file=str(server.cert),
        )
        yield Fixture(config, input_dir, tmp_path / "output", server, reports)


def with_config(fx: Fixture, **kw) -> ImapConfig:
    return replace(fx.config, **kw)
