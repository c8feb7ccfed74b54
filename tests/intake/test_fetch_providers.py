"""What real mailboxes do that dovecot does not, on a small fake server: 163 and 126 refuse
SELECT ("Unsafe Login") until the client sent ID; QQ mail refuses a login with the QQ password
and needs the 授权码, which the clerk is told how to get."""

from __future__ import annotations

import pytest

from lingong.errors import MailboxError
from lingong.intake.fetch import fetch_mailbox
from lingong.intake.imap_config import ImapConfig
from support import mailbox as mb
from support.city import write_registry
from support.fake_imap import FakeImap
from support.report_factory import write_report

pytestmark = pytest.mark.timeout(60)

QQ_REFUSAL = (
    "[AUTHENTICATIONFAILED] Login fail. Account is abnormal, service is not open, password is incorrect, "
    "login frequency limited, or system is busy. More information at https://help.mail.qq.com/detail/108/1023"
)


@pytest.fixture
def server():
    made = []

    def start(**kw) -> FakeImap:
        made.append(FakeImap(**kw))
        return made[-1]

    yield start
    for s in made:
        s.stop()


def _config(port: int, user: str) -> ImapConfig:
    return ImapConfig(
        host="127.0.0.1", port=port, security="none", user=user, password="pw", timeout=5, allow_plaintext_login=True
    )


def _folders(tmp_path):
    input_dir = tmp_path / "input"
    input_dir.mkdir()
    write_registry(input_dir / "驿站名册.xlsx")
    return input_dir, tmp_path / "output"


def _report_mail(tmp_path) -> bytes:
    data = write_report(tmp_path / "r.xlsx", station="ZD-001", month="2023-05").read_bytes()
    return mb.mail("zd001@163.com", "5月", [(mb.rfc2047_gbk("东城5月.xlsx"), data)])


def test_163_gets_the_id_command_after_login_and_lets_the_fetch_select(tmp_path, server):
    s = server(mails=[_report_mail(tmp_path)], require_id=True)
    input_dir, out = _folders(tmp_path)
    got = fetch_mailbox(_config(s.port, "bureau@163.com"), input_dir, out)
    assert [a.file for a in got.stored] == ["收件/2023-07/zd001@163.com_东城5月.xlsx"]
    names = [c.split(" ", 1)[0].upper() for c in s.commands]
    assert names.index("ID") > names.index("LOGIN") and names.index("ID") < names.index("EXAMINE")
    assert "SELECT" not in names  # read-only: EXAMINE
    assert all("BODY[]" not in c.upper() or "BODY.PEEK[]" in c.upper() for c in s.commands)


def test_unsafe_login_is_explained_and_the_fetch_goes_on(tmp_path, server):
    s = server(mails=[_report_mail(tmp_path)], advertise_id=False, require_id=True)
    input_dir, out = _folders(tmp_path)
    got = fetch_mailbox(_config(s.port, "bureau@163.com"), input_dir, out)
    assert got.stored == []
    assert len(got.notes) == 1 and "Unsafe Login" in got.notes[0] and "ID" in got.notes[0]
    assert "ID" not in [c.split(" ", 1)[0].upper() for c in s.commands]  # never sent unadvertised


def test_qq_refusal_names_the_authorisation_code(tmp_path, server):
    s = server(refuse_login=QQ_REFUSAL)
    input_dir, out = _folders(tmp_path)
    with pytest.raises(MailboxError) as e:
        fetch_mailbox(_config(s.port, "bureau@qq.com"), input_dir, out)
    text = str(e.value)
    assert "授权码" in text and "不是 QQ 密码" in text and "设置 → 账号" in text and "LINGONG_IMAP_PASSWORD" in text


def test_other_refusals_say_to_check_the_password(tmp_path, server):
    s = server(refuse_login="[AUTHENTICATIONFAILED] Authentication failed.")
    input_dir, out = _folders(tmp_path)
    with pytest.raises(MailboxError) as e:
        fetch_mailbox(_config(s.port, "bureau@suizhou.gov.cn"), input_dir, out)
    assert "请核对账号和密码" in str(e.value) and "QQ" not in str(e.value)


def test_bad_attachments_are_named_and_personal_numbers_never_shown(tmp_path, server):
    from datetime import date

    from lingong.intake.receipts import write_receipts
    from lingong.intake.summary import format_fetch, format_receipts

    data = write_report(tmp_path / "r.xlsx", station="ZD-001", month="2023-05").read_bytes()
    phone = "13812345678"
    mails = [
        mb.mail(
            "zd001@example.com",
            f"5月报表 联系人{phone}",
            [(mb.rfc2047_gbk(f"东城5月（联系人{phone}）.xlsx"), data), (mb.rfc2047_gbk("坏.zip"), b"PK\x03\x04broken")],
        ),
        mb.mail("zd001@example.com", "空附件", [(mb.rfc2047_gbk("空.xlsx"), b"")]),
    ]
    s = server(mails=mails)
    input_dir, out = _folders(tmp_path)
    got = fetch_mailbox(_config(s.port, "bureau@suizhou.gov.cn"), input_dir, out)
    assert len(got.stored) == 1 and phone not in got.stored[0].file
    assert any("坏.zip" in n and "压缩包已损坏" in n for n in got.notes)
    assert any("空.xlsx" in n and "0 字节" in n for n in got.notes)
    r = write_receipts(input_dir, out, on=date(2023, 7, 3))
    assert len(r.written) == 2
    texts = [p.read_bytes().decode("utf-8", "replace") for p in r.folder.glob("*.eml")]
    from email import policy
    from email.parser import BytesParser

    bodies = [
        BytesParser(policy=policy.default).parsebytes(p.read_bytes()).get_body(("plain",)).get_content()
        for p in r.folder.glob("*.eml")
    ]
    assert any("坏.zip：附件无法打开：压缩包已损坏" in b for b in bodies)
    assert any("已采用" in b for b in bodies)
    for text in [*bodies, *texts, format_fetch(got, input_dir), format_receipts(r)]:
        assert phone not in text


def _three_months(tmp_path):
    return [
        mb.mail(
            "zd001@example.com",
            f"{m}月",
            [
                (
                    mb.rfc2047_gbk(f"东城{m}月.xlsx"),
                    write_report(tmp_path / f"{m}.xlsx", month=f"2023-0{m}").read_bytes(),
                )
            ],
        )
        for m in (4, 5, 6)
    ]


def test_a_mail_the_server_will_not_give_is_named_and_passed(tmp_path, server):
    s = server(mails=_three_months(tmp_path), refuse_uid=2)
    input_dir, out = _folders(tmp_path)
    got = fetch_mailbox(_config(s.port, "bureau@suizhou.gov.cn"), input_dir, out)
    assert [a.name for a in got.stored] == ["东城4月.xlsx", "东城6月.xlsx"] and not got.stopped
    assert len(got.notes) == 1 and "编号 2" in got.notes[0] and "手工下载" in got.notes[0]


def test_a_dropped_connection_stops_the_fetch_and_the_next_one_goes_on(tmp_path, server):
    mails = _three_months(tmp_path)
    input_dir, out = _folders(tmp_path)
    s = server(mails=mails, drop_at_uid=2)
    got = fetch_mailbox(_config(s.port, "bureau@suizhou.gov.cn"), input_dir, out)
    assert "连接中断" in got.stopped and "不会重复保存" in got.stopped
    assert [a.name for a in got.stored] == ["东城4月.xlsx"]
    s2 = server(mails=mails)
    rest = fetch_mailbox(_config(s2.port, "bureau@suizhou.gov.cn"), input_dir, out)
    assert [a.name for a in rest.stored] == ["东城5月.xlsx", "东城6月.xlsx"] and not rest.stopped
