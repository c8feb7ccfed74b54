"""Mail drafts to stations: one .eml per station plus a mail-merge list.

A draft is a complete message a mail program opens (Outlook opens it as an
unsent message thanks to ``X-Unsent: 1``) and ``mail_send`` sends unchanged
but for From/Date. Everything in it is derived from the run, so the same run
gives byte-identical drafts and the same Message-ID: that is how the sender
recognises a draft it has already sent.

Chinese attachment names are written twice (as Outlook and Thunderbird do):
RFC 2231 ``filename*`` for programs that follow the standard, RFC 2047
``filename="=?UTF-8?B?...?="`` for those that only know that form (older
Outlook, Foxmail, several web mails). Those headers are folded by hand, so
MAIL_POLICY never refolds them.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import os
import re
import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Mapping

from lingong.errors import MailTemplateError  # noqa: F401 - also imported from here
from lingong.layout import BLANK_TEMPLATES_FOLDER, MAIL_FOLDER, MAIL_LIST_NAME, returns_dir  # noqa: F401
from lingong.model.periods import month_label
from lingong.model.records import Period, Station, StationResult
from lingong.read.addresses import check_address, is_bare_address
from lingong.render import print_layout, textfit
from lingong.render.wording import date_cn, failed_items_text, months_not_used, rectification_text
from lingong.runtime import outfiles
from lingong.spec.issues import Issue, sort_key
from lingong.spec.template import county_order

MAIL_POLICY = policy.SMTP.clone(refold_source="none")


SUBJECT_TEMPLATE = "邮件主题.j2"
BODY_TEMPLATE = "邮件正文.j2"
BLANK_BODY_TEMPLATE = "模板邮件正文.j2"

KIND_RESULTS = "results"
KIND_TEMPLATES = "templates"

# Headers the sender reads back; they name what the draft is about.
H_STATION = "X-Lingong-Station"
H_PERIOD = "X-Lingong-Period"
H_KIND = "X-Lingong-Kind"
H_ATTACHMENTS = "X-Lingong-Attachments-SHA256"

STATUS_WRITTEN = "已生成草稿"
STATUS_NO_ADDRESS = "未生成：驿站名册中没有电子邮箱"
STATUS_BAD_ADDRESS = "未生成：电子邮箱无法使用"
STATUS_NO_FORM = "未生成：没有找到考核验收表"
STATUS_NO_TEMPLATE = "未生成：没有找到空白模板"
STATUS_NOT_GRADED = "未生成：本期不参加考核"

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_ENCODED_WORD_BYTES = 39  # 52 base64 characters: the first line of filename="..." stays under 78
_RFC2231_WIDTH = 60


@dataclass(frozen=True)
class DraftRow:
    station: str
    name: str
    county: str
    recipients: tuple[str, ...]
    subject: str
    attachments: tuple[str, ...]  # names as the station sees them
    status: str  # one of STATUS_*, possibly with a detail
    eml: Path | None = None
    message_id: str = ""
    issue_count: int = 0
    address_as_typed: str = ""

    @property
    def written(self) -> bool:
        return self.eml is not None


@dataclass(frozen=True)
class DraftsSummary:
    folder: Path
    list_path: Path
    kind: str
    rows: tuple[DraftRow, ...]

    @property
    def written(self) -> tuple[DraftRow, ...]:
        return tuple(r for r in self.rows if r.written)

    @property
    def no_address(self) -> tuple[DraftRow, ...]:
        """Stations that got no draft because the registry has no usable address."""
        return tuple(r for r in self.rows if r.status.startswith((STATUS_NO_ADDRESS, STATUS_BAD_ADDRESS)))

    @property
    def not_written(self) -> tuple[DraftRow, ...]:
        return tuple(r for r in self.rows if not r.written)


# ---- attachment names: both RFC 2047 and RFC 2231 --------------------------


def rfc2047_words(name: str) -> list[str]:
    """Encoded words, split between characters (a split UTF-8 sequence shows as garbage)."""
    words, cur = [], b""
    for ch in name:
        b = ch.encode("utf-8")
        if cur and len(cur) + len(b) > _ENCODED_WORD_BYTES:
            words.append(cur)
            cur = b""
        cur += b
    words.append(cur)
    return ["=?UTF-8?B?" + base64.b64encode(w).decode("ascii") + "?=" for w in words]


def rfc2231_segments(name: str) -> list[str]:
    """``UTF-8''%E4...`` cut into continuation segments between characters."""
    segs, cur = [], "UTF-8''"
    for ch in name:
        t = urllib.parse.quote(ch, safe="")
        if len(cur) + len(t) > _RFC2231_WIDTH and cur != "UTF-8''":
            segs.append(cur)
            cur = ""
        cur += t
    segs.append(cur)
    return segs


def _plain_ok(name: str) -> bool:
    return name.isascii() and len(name) < 60 and not any(c in name for c in '"\\\r\n')


def _filename_params(param: str, name: str) -> list[str]:
    if _plain_ok(name):
        return [f'{param}="{name}"']
    lines = [f'{param}="' + "\n ".join(rfc2047_words(name)) + '"']
    segs = rfc2231_segments(name)
    if len(segs) == 1:
        lines.append(f"{param}*={segs[0]}")
    else:
        lines.extend(f"{param}*{i}*={s}" for i, s in enumerate(segs))
    return lines


def content_type_for(name: str) -> str:
    low = name.lower()
    if low.endswith(".xlsx"):
        return XLSX_TYPE
    if low.endswith(".docx"):
        return DOCX_TYPE
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def add_attachment(msg: EmailMessage, data: bytes, name: str) -> None:
    """Attach ``data`` under ``name``, the name in both RFC 2231 and RFC 2047 form."""
    ctype = content_type_for(name)
    maintype, subtype = ctype.split("/", 1)
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename="attachment")
    part = list(msg.iter_parts())[-1]
    for h in ("Content-Type", "Content-Disposition", "MIME-Version"):
        del part[h]  # add_attachment gives every part a MIME-Version; only the top needs one
    # Content-Type's "name" carries only the 2047 form: it is what old programs read.
    # The xlsx media type makes this first line 80 characters, exactly as Outlook writes it;
    # folding before the media type would be legal but trips some programs.
    part.set_raw("Content-Type", f"{ctype};\n " + _filename_params("name", name)[0])
    part.set_raw("Content-Disposition", "attachment;\n " + ";\n ".join(_filename_params("filename", name)))


# ---- addresses ----------------------------------------------------------------


def _checked_recipients(recipients: tuple[str, ...]) -> str:
    """The To header for ``recipients``, or ValueError if any is not one checked address.

    write_drafts only passes checked addresses; this guards every other way in."""
    if not recipients or not all(isinstance(a, str) and is_bare_address(a) for a in recipients):
        raise ValueError(f"unchecked recipient address in a mail header: {recipients!r}")
    return ", ".join(recipients)


# ---- templates ------------------------------------------------------------------


def _environment(templates_dir: Path):
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    # Sandboxed and strict: the bureau edits these files; a misspelt variable
    # must stop the run with its name, not silently leave a blank in 100 mails.
    return SandboxedEnvironment(
        loader=FileSystemLoader(str(templates_dir), encoding="utf-8"),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _render(env, name: str, context: dict) -> str:
    import jinja2

    from lingong.spec.template_errors import explain

    try:
        return env.get_template(name).render(**context)
    except (jinja2.TemplateError, TypeError, ValueError) as e:
        raise MailTemplateError(explain(e, f"邮件模板“{name}”（模板文件夹 {env.loader.searchpath[0]}）")) from None


def _issue_row(i: Issue) -> dict:
    # A message that names the place already must not be preceded by it: "月度指标!E11：月度指标!E11（…）".
    sheet = "" if i.sheet and i.sheet in i.message else i.sheet
    cell = "" if i.cell and f"{i.sheet}!{i.cell}" in i.message else i.cell
    where = "!".join(p for p in (sheet, cell) if p)
    m = outfiles.mask_text
    return {
        "severity": i.severity,
        "code": i.code,
        "month": month_label(i.month) if re.fullmatch(r"\d{4}-\d{2}", i.month or "") else (i.month or ""),
        "file": m(i.file),
        "where": m(where),
        "message": m(i.message),
        "found": m(i.found),
        "expected": m(i.expected),
        "hint": m(i.hint),
    }


def _fmt_date(d) -> str:
    return date_cn(d)


def _context(
    *,
    kind: str,
    period: Period,
    station: Station,
    result: StationResult | None,
    issues: list[Issue],
    attachments: list[str],
    sender: str,
    return_names: list[str] = (),
) -> dict:
    st = {"code": station.code, "name": station.name, "county": station.county, "leader": station.leader}
    ctx = {
        "kind": kind,
        "period": {"key": period.key, "label": period.label},
        "station": st,
        "attachments": attachments,
        "return_copies": list(return_names),
        "sender": sender,
        "issues": [_issue_row(i) for i in issues],
        "errors": sum(1 for i in issues if i.severity == "错误"),
        "result": None,
    }
    if result is not None:
        failed = [it.name for it in result.items if it.final == "不合格"]
        ctx["result"] = {
            "grade": result.final_overall,
            "computed": result.computed_overall,
            "decided": result.overall_decision is not None,
            "provisional": result.provisional,
            "missing_months": [month_label(m) for m in result.missing_months],
            "rejected_months": [month_label(m) for m in result.rejected_months],
            "failed_items": failed,
            "rectification": result.rectification,
            "deadline": _fmt_date(result.deadline),
            "rectification_text": rectification_text(result),
            "failed_reasons": failed_items_text(result) if result.final_overall == "不合格" else "",
            "months_not_used": months_not_used(result),
            "assessed_on": _fmt_date(result.assessed_on),
            "item_grades": [{"number": it.number, "name": it.name, "grade": it.final} for it in result.items],
            "at_risk": [a.text for a in result.at_risk],
        }
    return ctx


# ---- files ------------------------------------------------------------------------


def _form_path(out_dir: Path, result: StationResult) -> Path:
    from lingong.render.form import form_path

    return form_path(out_dir, result)


def return_copies(out_dir: Path, code: str, months) -> list[Path]:
    """退回修改/<code>_<YYYY-MM>_退回.xlsx (and _<n>_ variants for a second broken file)."""
    folder = returns_dir(out_dir)
    if not folder.is_dir():
        return []
    from lingong.render.return_copy import copy_stem

    prefix = copy_stem(code)
    found = []
    for m in months:
        pat = re.compile(re.escape(f"{prefix}_{m}_") + r"(\d+_)?退回\.xlsx$")
        found.extend(sorted(p for p in folder.iterdir() if pat.match(p.name)))
    return found


def _attachments_hash(items: list[tuple[str, bytes]]) -> str:
    h = hashlib.sha256()
    for name, data in sorted(items):
        h.update(name.encode("utf-8") + b"\0" + hashlib.sha256(data).hexdigest().encode() + b"\n")
    return h.hexdigest()


def message_id(period: str, station: str, kind: str, attachments_sha256: str, sender: str = "") -> str:
    """Stable Message-ID: the same draft content gives the same id on every run."""
    digest = hashlib.sha256(f"{period}\0{station}\0{kind}\0{attachments_sha256}".encode("utf-8")).hexdigest()
    domain = sender.rsplit("@", 1)[1] if "@" in sender else "lingong.local"
    domain = re.sub(r"[^A-Za-z0-9.\-]", "", domain) or "lingong.local"
    return f"<{digest[:24]}.{period}.{kind[0]}@{domain}>"


def build_message(
    *,
    recipients: tuple[str, ...],
    subject: str,
    body: str,
    attachments: list[tuple[str, bytes]],
    msg_id: str,
    date_header: datetime | None,
    sender: str,
    station: str,
    period: str,
    kind: str,
    attachments_sha256: str,
) -> EmailMessage:
    msg = EmailMessage(policy=MAIL_POLICY)
    if sender:
        msg["From"] = sender
    msg["To"] = _checked_recipients(tuple(recipients))
    if msg["To"].defects or [a.addr_spec for a in msg["To"].addresses] != list(recipients):
        raise ValueError(f"the To header does not hold exactly {recipients!r}")
    msg["Subject"] = subject
    if date_header is not None:
        msg["Date"] = format_datetime(date_header)
    msg["Message-ID"] = msg_id
    msg["X-Unsent"] = "1"  # Outlook opens the .eml as a draft ready to send
    msg[H_STATION] = station
    msg[H_PERIOD] = period
    msg[H_KIND] = kind
    msg[H_ATTACHMENTS] = attachments_sha256
    msg.set_content(body, charset="utf-8", cte="base64")
    for name, data in attachments:
        add_attachment(msg, data, name)
    if msg.is_multipart():
        # A fixed boundary: the same draft must give the same bytes on every run.
        msg.set_boundary("=_lingong_" + hashlib.sha256(msg_id.encode()).hexdigest()[:24])
    return msg


# The office that signs every mail body, short enough for one encoded word: Python's own parser
# (not Outlook or Foxmail) reads a space into a display name folded over two encoded words.
SENDER_NAME = "随州市零工驿站考核小组办公室"


def draft_from(sender: str, env: Mapping[str, str]) -> str:
    """The From: of a draft: the given address, else the SMTP settings' sender (or login)
    from the environment, shown with the office's name; "" when none is set.

    Outlook and Foxmail open an X-Unsent draft with the account chosen there, so this
    only tells a clerk who the mail is from; ``send`` sets the From of its SMTP login.
    The Message-ID does not depend on it, so setting it later changes no mail's identity."""
    from lingong.mail.send import ENV_SENDER, ENV_USER  # send imports this module

    address = (sender or env.get(ENV_SENDER, "") or env.get(ENV_USER, "")).strip()
    if not address or not is_bare_address(address):
        return ""
    return formataddr((SENDER_NAME, address))


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def write_drafts(
    out_dir: Path,
    *,
    period: Period,
    results: list[StationResult],
    stations: dict[str, Station],
    issues: list[Issue],
    templates_dir: Path,
    sender: str = "",
    kind: str = KIND_RESULTS,
    date_header: datetime | None = None,
    blank_templates: dict[str, Path] | None = None,
    env: Mapping[str, str] | None = None,
) -> DraftsSummary:
    """Write out_dir/邮件/<code>_<name>.eml for each station and 邮件清单.xlsx.

    kind="results": attach the station's 考核验收表 (and 退回 copies when it has
    validation rows). kind="templates": attach ``blank_templates[code]``; those
    drafts go to out_dir/邮件/空白模板/. Stations without a usable address get
    no draft but a row saying why. Drafts of an earlier run that this run did
    not write again are removed so they cannot be sent by mistake."""
    out_dir = Path(out_dir)
    from_header = draft_from(sender, os.environ if env is None else env)
    if kind not in (KIND_RESULTS, KIND_TEMPLATES):
        raise ValueError(kind)
    folder = outfiles.inside(out_dir, MAIL_FOLDER)
    if kind == KIND_TEMPLATES:
        folder = folder / BLANK_TEMPLATES_FOLDER
    env = _environment(Path(templates_dir))
    body_name = BODY_TEMPLATE if kind == KIND_RESULTS else BLANK_BODY_TEMPLATE

    by_station: dict[str, list[Issue]] = {}
    months = set(period.months)
    for i in issues:
        if i.station and (not i.month or i.month in months):
            by_station.setdefault(i.station, []).append(i)
    county_of = {code: s.county for code, s in stations.items()}

    if kind == KIND_RESULTS:
        targets = [(r.station.code, r) for r in results]
    else:
        targets = [
            (code, None)
            for code in sorted((blank_templates or {}), key=lambda c: (county_order(county_of.get(c, "")), c))
        ]
    rows: list[DraftRow] = []
    written: set[Path] = set()
    for code, result in targets:
        station = stations.get(code) or (result.station if result else Station(code, "", ""))
        st_issues = sorted(by_station.get(code, []), key=lambda i: sort_key(i, stations))
        address = check_address(station.email)
        recipients = (address.address,) if address.address else ()
        base = dict(
            station=code,
            name=station.name,
            county=station.county,
            address_as_typed=outfiles.mask_text(station.email or ""),
            issue_count=len(st_issues),
        )

        # What to attach, and why there is nothing to send.
        files: list[Path] = []
        status = ""
        if kind == KIND_RESULTS:
            if not result.graded:
                status = STATUS_NOT_GRADED
            else:
                form = _form_path(out_dir, result)
                if not form.is_file():
                    status = f"{STATUS_NO_FORM}（{form.name}），请先运行考核生成考核验收表"
                else:
                    files.append(form)
                    if st_issues:
                        files.extend(return_copies(out_dir, code, period.months))
        else:
            p = (blank_templates or {}).get(code)
            if p is None or not Path(p).is_file():
                status = STATUS_NO_TEMPLATE
            else:
                files.append(Path(p))
        if not status and not recipients:
            status = (
                f"{STATUS_BAD_ADDRESS}（“{outfiles.mask_text(address.shown)}”：{address.problem}），"
                "请在驿站名册中改正（见校验报告 R008）后重新生成"
                if address.problem
                else f"{STATUS_NO_ADDRESS}，请在驿站名册中补填后重新生成"
            )
        if status:
            rows.append(
                DraftRow(
                    recipients=recipients, subject="", attachments=tuple(f.name for f in files), status=status, **base
                )
            )
            continue

        attachments = [(f.name, f.read_bytes()) for f in files]
        names = [n for n, _ in attachments]
        ctx = _context(
            kind=kind,
            period=period,
            station=station,
            result=result,
            issues=st_issues,
            attachments=names,
            sender=sender,
            return_names=[f.name for f in files[1:]] if kind == KIND_RESULTS else [],
        )
        subject = outfiles.mask_text(_one_line(_render(env, SUBJECT_TEMPLATE, ctx)))
        body = outfiles.mask_text(_render(env, body_name, ctx))
        att_hash = _attachments_hash(attachments)
        mid = message_id(period.key, code, kind, att_hash, sender)
        msg = build_message(
            recipients=recipients,
            subject=subject,
            body=body,
            attachments=attachments,
            msg_id=mid,
            date_header=date_header,
            sender=from_header,
            station=code,
            period=period.key,
            kind=kind,
            attachments_sha256=att_hash,
        )
        eml = folder / outfiles.file_name(f"{code}_{station.name}", ".eml", folder=folder)
        outfiles.write_bytes_atomic(eml, msg.as_bytes(policy=MAIL_POLICY))
        written.add(eml)
        rows.append(
            DraftRow(
                recipients=recipients,
                subject=subject,
                attachments=tuple(names),
                status=STATUS_WRITTEN,
                eml=eml,
                message_id=mid,
                **base,
            )
        )

    if folder.is_dir():
        for old in folder.glob("*.eml"):
            if old not in written:
                old.unlink()
    list_path = folder / MAIL_LIST_NAME
    _write_list(list_path, rows)
    return DraftsSummary(folder=folder, list_path=list_path, kind=kind, rows=tuple(rows))


LIST_COLUMNS = (
    "驿站编号",
    "驿站名称",
    "所属县（市、区）",
    "电子邮箱",
    "邮件主题",
    "附件",
    "状态",
    "邮件文件",
    "校验问题数",
)


def _write_list(path: Path, rows: list[DraftRow]) -> None:
    with outfiles.atomic_path(path) as tmp:
        wb = outfiles.new_xlsxwriter(tmp)
        ws = wb.add_worksheet("邮件清单")
        head = wb.add_format(
            {
                "bold": True,
                "bg_color": "#DDEBF7",
                "border": 1,
                "text_wrap": True,
                "font_name": "宋体",
                "valign": "vcenter",
            }
        )
        cell = wb.add_format({"border": 1, "text_wrap": True, "font_name": "宋体", "valign": "top"})
        warn = wb.add_format(
            {"border": 1, "text_wrap": True, "font_name": "宋体", "valign": "top", "font_color": "#C00000"}
        )
        widths = (10, 18, 16, 24, 34, 36, 26, 24, 8)
        for c, (title, w) in enumerate(zip(LIST_COLUMNS, widths)):
            ws.write_string(0, c, title, head)
            ws.set_column(c, c, w)
        for r, row in enumerate(rows, 1):
            values = (
                row.station,
                row.name,
                row.county,
                "；".join(row.recipients) or row.address_as_typed,
                row.subject,
                "\n".join(row.attachments),
                row.status,
                row.eml.name if row.eml else "",
                str(row.issue_count),
            )
            for c, v in enumerate(values):
                ws.write_string(r, c, v, cell if row.written or c != 6 else warn)
            ws.set_row(r, textfit.row_height(zip(values, widths), 10))
        ws.set_row(0, textfit.row_height(zip(LIST_COLUMNS, widths), 10))
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(rows), 1), len(LIST_COLUMNS) - 1)
        # 编号 and 名称 repeat beside the mail's subject, attachments and status on their page.
        print_layout.setup(ws, widths, f"{_list_title(rows)}邮件清单", repeat=(0, 0), keep=2)
        wb.close()


def _list_title(rows: list[DraftRow]) -> str:
    """The period the mails are about, from their subjects, for the printed page header."""
    for row in rows:
        m = re.search(r"\d{4}年(?:度|上半年|下半年)", row.subject or "")
        if m:
            return f"随州市零工驿站{m.group(0)}"
    return "随州市零工驿站"


def format_drafts_summary(summary: DraftsSummary) -> str:
    """Chinese lines for the console."""
    what = "考核结果" if summary.kind == KIND_RESULTS else "空白模板"
    lines = [f"已生成{what}邮件草稿 {len(summary.written)} 封，在 {summary.folder}", f"邮件清单：{summary.list_path}"]
    missing = summary.not_written
    if missing:
        lines.append(f"以下 {len(missing)} 个驿站没有生成邮件，需要人工处理：")
        lines.extend(f"  {r.station} {r.name}（{r.county}）：{r.status}" for r in missing)
    return "\n".join(lines)
