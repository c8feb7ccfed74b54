"""Mail drafts: one .eml per station that any mail program opens, Chinese
attachment names in both RFC 2231 and RFC 2047 form, and a mail-merge list."""

from __future__ import annotations

import dataclasses
import re
import shutil
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest

from lingong import errors
from lingong.layout import MAIL_FOLDER, MAIL_LIST_NAME, RETURNS_FOLDER, validation_report_name
from lingong.mail import drafts as md
from lingong.mail import mail_list, mime
from lingong.model.periods import make_period
from lingong.read.addresses import check_address
from lingong.render.return_copy import copy_name
from support import golden
from support import results_factory as rf
from support.drafts import FORM_BYTES, RUN_DATE, SENDER, TEMPLATES, form_bytes, make_run, write  # noqa: F401
from support.paths import GOLDEN
from support.runs import run_on


def parse(path: Path):
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


def raw_disposition_params(part) -> tuple[str, str]:
    """The two spellings of the file name, decoded independently of each other."""
    raw = next(v for k, v in part.raw_items() if k.lower() == "content-disposition")
    raw = re.sub(r"\r?\n[ \t]", " ", raw)
    m = re.search(r'filename="([^"]*)"', raw)
    rfc2047 = str(make_header(decode_header(m.group(1))))
    segs = re.findall(r"filename\*(?:(\d+)\*|)=([^;\s]+)", raw)
    from urllib.parse import unquote

    joined = "".join(v for _, v in sorted(segs, key=lambda s: int(s[0] or 0)))
    charset, _, encoded = joined.split("'", 2)
    assert charset.upper() == "UTF-8"
    return rfc2047, unquote(encoded, encoding="utf-8")


def test_every_station_with_an_address_gets_a_draft_that_parses(tmp_path):
    summary = write(tmp_path)
    assert len(summary.written) == 5
    for row in summary.written:
        msg = parse(row.eml)
        assert msg["To"] == f"{row.station.lower()}@example.cn"
        assert msg["From"].addresses[0].addr_spec == SENDER
        assert msg["From"].addresses[0].display_name == md.SENDER_NAME
        assert msg["X-Unsent"] == "1"
        assert str(msg["Subject"]).startswith("【零工驿站】2023年上半年运维考核验收表")
        assert msg["Message-ID"].strip() == row.message_id
        assert msg["X-Lingong-Station"] == row.station and msg["X-Lingong-Period"] == "2023H1"
        assert msg["Date"].datetime == RUN_DATE
        assert not msg.defects and all(not p.defects for p in msg.walk())
        atts = list(msg.iter_attachments())
        form = md._form_path(tmp_path, next(r for r in rf.all_results() if r.station.code == row.station))
        assert atts[0].get_filename() == form.name
        assert atts[0].get_content() == form.read_bytes() == form_bytes(row.station)
        assert atts[0].get_content_type() == mime.XLSX_TYPE
        # every line folded short (80: the xlsx Content-Type line, as Outlook writes it)
        assert max(len(line) for line in row.eml.read_bytes().split(b"\r\n")) <= 80


def test_a_draft_matches_its_golden_text(tmp_path):
    """One station's whole mail (the 暂定 不合格 one: issues, a return copy, a rectification) as
    the station reads it: a change of what it says fails here until the golden file is
    regenerated (tests/golden/README.md)."""
    row = next(r for r in write(tmp_path).written if r.station == "SX-003")
    golden.check_text(golden.eml_text(row.eml), GOLDEN / "mail_SX-003.txt")


def test_chinese_attachment_name_is_written_in_both_rfc2231_and_rfc2047(tmp_path):
    summary = write(tmp_path)
    row = next(r for r in summary.written if r.station == "SX-003")
    for part in parse(row.eml).iter_attachments():
        in_2047, in_2231 = raw_disposition_params(part)
        assert in_2047 == in_2231 == part.get_filename()
        assert re.search(r"[\u4e00-\u9fff]", in_2047)
        ct = str(part["Content-Type"])
        assert part.get_param("name") == part.get_filename(), ct


@pytest.mark.parametrize(
    "name",
    [
        "a.xlsx",
        "随州市零工驿站2023年上半年考核汇总表（曾都区东城街道零工驿站）.xlsx",
        "驿站 名称 (2) ；“引号”.xlsx",
        "é" * 80 + ".xlsx",
    ],
)
def test_attachment_name_round_trips_through_both_parsers(name):
    msg = mime.build_message(
        recipients=("a@b.cn",),
        subject="主题",
        body="正文",
        attachments=[(name, b"x\r\n\x00")],
        msg_id="<x@y>",
        date_header=None,
        sender="",
        station="S",
        period="2023H1",
        kind="results",
        attachments_sha256="0",
    )
    data = msg.as_bytes(policy=mime.MAIL_POLICY)
    for pol in (policy.default, policy.SMTP, policy.HTTP):
        part = next(BytesParser(policy=pol).parsebytes(data).iter_attachments())
        assert part.get_filename() == name
        assert part.get_content() == b"x\r\n\x00"
    assert max(len(line) for line in data.split(b"\r\n")) <= 80


def test_validation_rows_go_in_the_body_masked_with_the_return_copy_attached(tmp_path):
    summary = write(tmp_path)
    by = {r.station: r for r in summary.written}
    body = parse(by["SX-003"].eml).get_body().get_content()
    assert "综合等次：不合格（暂定" in body
    assert "月度指标!E14" in body and "十二" in body and "请改为阿拉伯数字" in body
    # the deadline is said once, in the rectification sentence; the month not used once, before the items
    assert body.count("2023年8月4日") == 1 and "整改期限2023年8月4日" in body
    assert body.count("报表被退回，未采用") == 1
    assert "4月报表被退回，未采用。请尽快补报，并按退回副本修改后重新报送，复查后确定最终等次。" in body
    names = [p.get_filename() for p in parse(by["SX-003"].eml).iter_attachments()]
    assert names == ["SX-003_随县厉山镇零工驿站_考核验收表.xlsx", "SX-003_2023-04_退回.xlsx"]  # not September's
    # ZD-001's issue found a phone and an ID number: never unmasked in any output
    zd = by["ZD-001"].eml.read_bytes()
    text = parse(by["ZD-001"].eml).get_body().get_content()
    assert "138****5678" in text and "420302********1234" in text
    for secret in ("13812345678", "420302199001011234"):
        assert secret not in text and secret.encode() not in zd
    # a station without issues gets no issue section and only its form
    gs = parse(by["GS-002"].eml)
    assert "校验发现" not in gs.get_body().get_content()
    assert len(list(gs.iter_attachments())) == 1


def test_stations_without_a_usable_address_are_listed_not_skipped(tmp_path):
    summary = write(tmp_path, emails={"GX-004": "", "GS-002": "无", "ZD-005": " ZD005＠QQ.com；"})
    assert {r.station for r in summary.no_address} == {"GX-004", "GS-002"}
    assert {r.station for r in summary.written} == {"ZD-001", "SX-003", "ZD-005"}
    assert parse(next(r for r in summary.written if r.station == "ZD-005").eml)["To"] == "ZD005@QQ.com"
    text = md.format_drafts_summary(summary)
    assert "GX-004" in text and "没有电子邮箱" in text and "GS-002" in text and "无法使用" in text
    wb = openpyxl.load_workbook(summary.list_path)
    ws = wb["邮件清单"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == list(mail_list.LIST_COLUMNS)
    status = {r[0]: r[6] for r in rows[1:]}
    assert status["GX-004"].startswith(md.STATUS_NO_ADDRESS) and status["ZD-001"] == md.STATUS_WRITTEN
    # station text stays text: the hostile name is not a formula
    hostile = next(row for row in ws.iter_rows(min_row=2) if row[0].value == "ZD-005")
    assert hostile[1].value.startswith("=HYPERLINK") and hostile[1].data_type == "s"
    assert all(c.data_type == "s" for row in ws.iter_rows() for c in row if c.value is not None)


def test_drafts_are_deterministic_and_stale_drafts_are_removed(tmp_path):
    a = write(tmp_path)
    first = {r.eml.name: r.eml.read_bytes() for r in a.written}
    b = write(tmp_path)
    assert {r.eml.name: r.eml.read_bytes() for r in b.written} == first
    c = write(tmp_path, emails={"GX-004": ""})
    assert sorted(p.name for p in c.folder.glob("*.eml")) == sorted(r.eml.name for r in c.written)
    assert "GX-004_高新区淅河镇零工驿站.eml" not in {p.name for p in c.folder.glob("*.eml")}


def test_message_id_changes_when_the_attachment_changes(tmp_path):
    a = {r.station: r.message_id for r in write(tmp_path).written}
    results = rf.all_results()
    p = md._form_path(tmp_path, results[0])
    results2, stations, issues = make_run(tmp_path)
    p.write_bytes(b"regraded form")
    b = md.write_drafts(
        tmp_path,
        period=make_period("half", 2023, 1),
        results=results2,
        stations=stations,
        issues=issues,
        templates_dir=TEMPLATES,
        sender=SENDER,
        date_header=RUN_DATE,
        return_copies={"SX-003": [tmp_path / RETURNS_FOLDER / copy_name("SX-003", "2023-04")]},
    )
    b = {r.station: r.message_id for r in b.written}
    assert a["ZD-001"] != b["ZD-001"] and a["SX-003"] == b["SX-003"]


def test_missing_form_and_ungraded_station_are_reported(tmp_path):
    results, stations, issues = make_run(tmp_path)
    md._form_path(tmp_path, results[0]).unlink()
    results[1] = dataclasses.replace(results[1], graded=False)
    s = md.write_drafts(
        tmp_path,
        period=make_period("half", 2023, 1),
        results=results,
        stations=stations,
        issues=issues,
        templates_dir=TEMPLATES,
    )
    status = {r.station: r.status for r in s.rows}
    assert status["ZD-001"].startswith(md.STATUS_NO_FORM)
    assert status["GS-002"] == md.STATUS_NOT_GRADED
    assert parse(next(r for r in s.written).eml)["From"] is None  # no sender given: filled in when sent


def test_blank_templates_go_out_by_the_same_path(tmp_path):
    results, stations, issues = make_run(tmp_path)
    blanks = {}
    for code in ("ZD-001", "SX-003"):
        p = tmp_path / "空白模板" / f"{code}_2023-07_月度报表.xlsx"
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(b"blank " + code.encode())
        blanks[code] = p
    s = md.write_drafts(
        tmp_path,
        period=make_period("month", 2023, 7),
        results=[],
        stations=stations,
        issues=issues,
        templates_dir=TEMPLATES,
        sender=SENDER,
        date_header=RUN_DATE,
        kind=md.KIND_TEMPLATES,
        blank_templates=blanks,
    )
    assert s.folder == tmp_path.resolve() / MAIL_FOLDER / "空白模板"
    assert [r.station for r in s.written] == ["ZD-001", "SX-003"]  # in the order of COUNTIES
    msg = parse(next(r.eml for r in s.written if r.station == "ZD-001"))
    assert "月度报表空白模板" in str(msg["Subject"]) and msg["X-Lingong-Kind"] == "templates"
    att = next(msg.iter_attachments())
    assert att.get_filename() == "ZD-001_2023-07_月度报表.xlsx" and att.get_content() == b"blank ZD-001"
    assert "2023年7月" in msg.get_body().get_content()


def test_a_misspelt_template_variable_names_the_template(tmp_path):
    tdir = tmp_path / "tpl"
    shutil.copytree(TEMPLATES, tdir)
    (tdir / md.SUBJECT_TEMPLATE).write_text("{{ station.nmae }} 考核结果", encoding="utf-8")
    with pytest.raises(errors.MailTemplateError, match="邮件主题.j2.*不存在的变量"):
        write(tmp_path / "out", templates_dir=tdir)


@pytest.mark.parametrize(
    "typed, address",
    [
        ("abc@163.com", "abc@163.com"),
        (" 12345678＠qq.com ", "12345678@qq.com"),  # full-width ＠ and spaces as stations type them
        ("ＺＤ００５＠ＱＱ．ｃｏｍ", "ZD005@QQ.com"),
        ("zd005@qq.com；", "zd005@qq.com"),  # a separator at the end adds no one
        ("mailto:x.y@z.com.cn", "x.y@z.com.cn"),
        ("first.last+kaohe@sub.example.gov.cn", "first.last+kaohe@sub.example.gov.cn"),
        ("", ""),
        (None, ""),
    ],
)
def test_registry_addresses_as_stations_type_them(typed, address):
    check = check_address(typed)
    assert (check.address, check.problem) == (address, "")


@pytest.mark.parametrize(
    "typed, problem",
    [
        ("a@b.cn\r\nBcc: x@y.zz", "换行"),
        ("a@b.cn\nBcc: x@y.zz", "换行"),
        ("a@b.cn\rx@y.zz", "换行"),
        ("a@b.cn\x00", "控制字符"),
        ("a@b.cn, x@y.zz", "2 个地址"),
        ("a@b.cn,x@y.zz", "2 个地址"),
        ("a@b.cn；c@d.cn、a@b.cn", "3 个地址"),
        ("a@b.cn x@y.zz", "2 个地址"),
        ('"x" <x@y.zz>', "尖括号"),
        ("x <x@y.zz>", "尖括号"),
        ("<x@y.zz>", "尖括号"),
        ('"a,b"@c.cn', "引号"),
        ("a(x@y.zz)@b.cn", "2 个地址"),
        ("a(comment)@b.cn", "括号"),
        ("a@[10.0.0.1]", "括号"),
        ("无", "没有 @"),
        ("abc@qq", "域名“qq”不完整"),
        ("a@-b.cn", "不是有效的域名"),
        ("a..b@c.cn", "不是有效的电子邮箱地址"),
        ("a @b.cn", "空格"),
        ("张三@163.com", "汉字"),
        ("a\u200b@b.cn", "看不见的格式字符"),
    ],
)
def test_addresses_that_could_add_a_recipient_or_are_no_address_are_refused(typed, problem):
    check = check_address(typed)
    assert check.address == "" and problem in check.problem, check
    assert "\r" not in check.shown and "\n" not in check.shown


HOSTILE_EMAILS = {
    "ZD-001": "zd-001@example.cn\r\nBcc: spy@evil.example",
    "GS-002": "gs-002@example.cn, spy@evil.example",
    "SX-003": '"驿站" <spy@evil.example>',
}


def test_a_hostile_registry_address_holds_that_stations_mail(tmp_path):
    summary = write(tmp_path, emails=HOSTILE_EMAILS)
    assert {r.station for r in summary.no_address} == set(HOSTILE_EMAILS)
    assert {r.station for r in summary.written} == {"GX-004", "ZD-005"}
    for path in summary.folder.glob("*.eml"):
        assert b"evil.example" not in path.read_bytes()
    status = {r.station: r.status for r in summary.rows}
    assert status["ZD-001"].startswith(md.STATUS_BAD_ADDRESS) and "换行" in status["ZD-001"]
    assert "（换行）Bcc" in status["ZD-001"] and "\n" not in status["ZD-001"]
    assert "2 个地址" in status["GS-002"] and "尖括号" in status["SX-003"]
    assert all("R008" in status[s] for s in HOSTILE_EMAILS)
    text = md.format_drafts_summary(summary)
    assert "ZD-001" in text and "\r" not in text


@pytest.mark.parametrize(
    "recipients",
    [
        ("a@b.cn\r\nBcc: x@y.zz",),
        ("a@b.cn, x@y.zz",),
        ('"x" <x@y.zz>',),
        ("a@b.cn\n",),
        ("",),
        (),
        ("a@b.cn", "a@b.cn\r\nBcc: x@y.zz"),
    ],
)
def test_the_draft_writer_never_puts_an_unchecked_address_in_a_header(recipients):
    with pytest.raises(ValueError):
        mime.build_message(
            recipients=recipients,
            subject="主题",
            body="正文",
            attachments=[],
            msg_id="<x@y>",
            date_header=None,
            sender="",
            station="S",
            period="2023H1",
            kind="results",
            attachments_sha256="0",
        )


def test_a_registry_address_with_a_bcc_line_is_an_issue_and_no_mail_end_to_end(tmp_path):
    """The whole run: the registry cell is an R008 error in the 校验报告, the station is
    assessed as usual, and neither its draft nor any other names the smuggled recipient."""
    from support.city import write_registry
    from support.report_factory import write_report

    src = tmp_path / "input"
    src.mkdir()
    rows = [
        ("ZD-001", "东城零工驿站", "曾都区", "zd001@example.com\r\nBcc: spy@evil.example"),
        ("GS-001", "应山零工驿站", "广水市", "gs001@example.com"),
    ]
    write_registry(src / "驿站名册.xlsx", rows)
    for code, name, county, _ in rows:
        for m in range(1, 7):
            write_report(src / f"{code}_{m}月.xlsx", station=code, name=name, county=county, month=f"2023-{m:02d}")
    out = tmp_path / "out"
    summary = run_on(src, out, "2023H1", mail_drafts=True)
    r008 = [i for i in summary.bureau_issues if i.code == "R008"]  # the clerk's: never in a station's rows
    assert [(i.station, i.sheet, i.cell) for i in r008] == [("ZD-001", "驿站名册", "H2")]
    assert summary.exit_code == 1
    assert {r.station.code for r in summary.results if r.graded} == {"ZD-001", "GS-001"}
    emls = sorted((out / "2023H1" / MAIL_FOLDER).glob("*.eml"))
    assert [p.name.split("_")[0] for p in emls] == ["GS-001"]
    assert not any(b"evil.example" in p.read_bytes() for p in emls)
    report = openpyxl.load_workbook(out / "2023H1" / validation_report_name("2023年上半年"))
    rows_ = [[c.value for c in r] for r in report["名册与考核组意见问题"].iter_rows()]  # the clerk's sheet
    hit = next(r for r in rows_ if "R008" in r)
    assert "ZD-001" in hit and any("（换行）Bcc" in str(v) for v in hit)
    listing = openpyxl.load_workbook(out / "2023H1" / MAIL_FOLDER / MAIL_LIST_NAME)["邮件清单"]
    status = {r[0].value: r[6].value for r in listing.iter_rows(min_row=2)}
    assert status["ZD-001"].startswith(md.STATUS_BAD_ADDRESS) and status["GS-001"] == md.STATUS_WRITTEN


def _drafts_without_sender(out: Path, env: dict):
    results, stations, issues = make_run(out)
    return md.write_drafts(
        out,
        period=make_period("half", 2023, 1),
        results=results,
        stations=stations,
        issues=issues,
        templates_dir=TEMPLATES,
        date_header=RUN_DATE,
        env=env,
    )


def test_a_draft_is_from_the_smtp_settings_sender_and_stays_a_draft(tmp_path):
    from lingong.mail.send import ENV_SENDER, ENV_USER

    plain = _drafts_without_sender(tmp_path / "a", {})
    assert all(parse(r.eml)["From"] is None for r in plain.written)  # nothing configured: nothing made up
    by_login = _drafts_without_sender(tmp_path / "b", {ENV_USER: "kaohe@suizhou.gov.cn"})
    configured = _drafts_without_sender(
        tmp_path / "c", {ENV_SENDER: " lgyz@suizhou.gov.cn ", ENV_USER: "kaohe@suizhou.gov.cn"}
    )
    assert parse(by_login.written[0].eml)["From"].addresses[0].addr_spec == "kaohe@suizhou.gov.cn"
    for row, before in zip(configured.written, plain.written):
        msg = parse(row.eml)
        (addr,) = msg["From"].addresses
        assert (addr.display_name, addr.addr_spec) == (md.SENDER_NAME, "lgyz@suizhou.gov.cn")
        assert msg["X-Unsent"] == "1" and msg["To"] == f"{row.station.lower()}@example.cn"
        assert not msg.defects
        # The From is no part of the mail's identity: the send log matches drafts of either run.
        assert row.message_id == before.message_id
    bad = _drafts_without_sender(tmp_path / "d", {ENV_SENDER: "a@x.cn, b@y.cn"})
    assert all(parse(r.eml)["From"] is None for r in bad.written)


def test_a_station_that_only_missed_a_month_is_asked_to_send_it_not_to_correct_a_copy(tmp_path):
    results, stations, _issues = make_run(tmp_path)
    results = [
        dataclasses.replace(r, rejected_months=(), provisional=False) if r.station.code == "SX-003" else r
        for r in results
    ]
    summary = md.write_drafts(
        tmp_path,
        period=make_period("half", 2023, 1),
        results=results,
        stations=stations,
        issues=[],
        templates_dir=TEMPLATES,
        sender=SENDER,
        date_header=RUN_DATE,
    )
    eml = next(r.eml for r in summary.written if r.station == "SX-003")
    body = parse(eml).get_body().get_content()
    assert "3月、5月未报送（缺报）。请尽快补报。" in body
    assert "退回" not in body


@pytest.mark.parametrize(
    "months,text",
    [
        (["2023-05"], "2023年5月"),
        ([f"2023-{m:02d}" for m in range(1, 13)], "2023年1月至12月"),
        (["2023-03", "2023-01", "2023-05"], "2023年1月、3月、5月"),
        (["2023-12", "2024-01"], "2023年12月、2024年1月"),
    ],
)
def test_months_of_a_repeated_issue_read_as_a_person_writes_them(months, text):
    assert md._months_text(months) == text


def test_the_same_issue_in_every_months_report_is_one_line_naming_its_months(tmp_path):
    from lingong.catalogue.issues import issue

    results, stations, _issues = make_run(tmp_path)
    repeated = [
        issue(
            "V001",
            station="ZD-001",
            month=f"2023-{m:02d}",
            file=f"曾都区/ZD-001_2023-{m:02d}.xlsx",
            sheet="基本信息",
            cell="B7",
            what="基本信息!B7（用工专线电话）",
        )
        for m in range(1, 7)
    ]
    other = issue(
        "V002",
        station="ZD-001",
        month="2023-02",
        file="曾都区/ZD-001_2023-02.xlsx",
        sheet="月度指标",
        cell="E11",
        found="十二",
        what="月度指标!E11（C1 收集审核零工岗位数）",
    )
    summary = md.write_drafts(
        tmp_path,
        period=make_period("half", 2023, 1),
        results=results,
        stations=stations,
        issues=[*repeated, other],
        templates_dir=TEMPLATES,
        sender=SENDER,
        date_header=RUN_DATE,
    )
    body = parse(next(r.eml for r in summary.written if r.station == "ZD-001")).get_body().get_content()
    assert "共 7 条，其中错误 7 条；几个月相同的问题合并为一条" in body
    lines = [line for line in body.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert len(lines) == 2, lines
    assert "2023年1月至6月（6份报表）" in lines[0] and lines[0].count("基本信息!B7") == 1
    assert "ZD-001_2023-0" not in lines[0]  # six file names would bury the one thing to do
    assert "2023年2月 曾都区/ZD-001_2023-02.xlsx" in lines[1]


def test_a_mail_says_each_decision_of_the_group_and_its_reason(tmp_path):
    # GS-002: 供求服务 computed 合格, the group decided 优秀; the overall computed 优秀, decided 合格.
    summary = write(tmp_path)
    body = parse({r.station: r for r in summary.written}["GS-002"].eml).get_body().get_content()
    assert "综合等次：合格（计算结果：优秀；考核组意见：合格，理由：投诉核实中" in body
    assert "3. 供求服务：优秀（计算结果：合格；考核组意见：优秀，理由：驿站承办全市春风行动专场" in body
    assert "1. 驿站运维：" in body and "1. 驿站运维：优秀（" not in body  # no decision, nothing added


def test_a_station_under_rectification_is_told_how_each_failed_item_is_rechecked(tmp_path):
    # SX-003: 驿站运维 and 线上平台 failed only on the months with no usable report (a corrected or
    # late report decides them); 供求服务 fell short on its own figures: no report can undo that.
    summary = write(tmp_path)
    body = parse({r.station: r for r in summary.written}["SX-003"].eml).get_body().get_content()
    assert (
        "整改与复查：驿站运维、线上平台：驿站补报3月、5月、按退回副本更正4月的报表并重新报送后，复查时重新计算；"
        "供求服务、宣传推广、服务效能：由联合考核组复查驿站的整改情况，复查结论记入考核组意见。"
    ) in body
    assert "驿站整改并重新报送后" not in body
