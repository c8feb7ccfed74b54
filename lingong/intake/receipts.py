"""回执: every mail fetched gets a receipt draft to its sender the same day, in the station's
words: 已收到 <month> 月报 and 已采用, or 退回 with its problems and the return copy attached,
or 附件不是月报.

Each stored report is judged as an assessment would judge it the day it arrives
(``verdicts.check_files``, through the read cache). A station is recognised by the report's content,
never by the sender's address: an unknown sender with a valid report gets its receipt, and the
clerk is told that the address is not in the registry. Mails still without a receipt are found
in the fetch state, so a fetch stopped before its receipts has them written by the next one;
``send --receipts`` sends the drafts with the at-most-once sender."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from lingong import layout
from lingong.catalogue.issues import ERROR
from lingong.intake import fetch as f
from lingong.intake import state
from lingong.mail.drafts import draft_from, issue_row, mail_environment, render_mail
from lingong.mail.mime import MAIL_POLICY, attachments_hash, build_message, message_id
from lingong.model.periods import month_label
from lingong.read.addresses import is_bare_address
from lingong.runtime import outfiles
from lingong.runtime.clock import today_china
from lingong.runtime.privacy import mask
from lingong.verdicts import check_files, write_return_copy

KIND_RECEIPTS = "receipts"
SUBJECT_TEMPLATE = "回执主题.j2"
BODY_TEMPLATE = "回执正文.j2"
NO_RECEIPT = "-"  # the receipt column of a mail that gets none (no attachment at all)


def receipts_key(day: str) -> str:
    """The X-Lingong-Period of a day's receipt drafts (what send --receipts sends per folder)."""
    return f"receipts-{day}"


@dataclass(frozen=True)
class ReceiptItem:
    name: str  # the attachment as the sender named it
    text: str  # the verdict in the station's words
    problems: tuple[str, ...] = ()
    file: str = ""  # the stored file, relative to the input folder
    station: str = ""
    month: str = ""
    status: str = ""  # 采用 / 退回 / …; "不是月报" for anything else
    returned: bool = False  # has errors: to be corrected and sent again, its return copy attached


@dataclass(frozen=True)
class Receipt:
    sender: str
    subject: str  # of the mail received
    station: str  # code, "" when no report of it was recognised
    items: tuple[ReceiptItem, ...]
    draft: Path | None  # None: no draft (why in ``note``)
    note: str = ""
    unknown_sender: bool = False  # the address is not any station's 电子邮箱 in the registry


@dataclass
class ReceiptsResult:
    folder: Path
    receipts: list[Receipt] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def written(self) -> list[Receipt]:
        return [r for r in self.receipts if r.draft is not None]


def _problem(i) -> str:
    row = issue_row(i)
    where = f"{row['where']}：" if row["where"] else ""
    hint = f"（{row['hint']}）" if row["hint"] and row["hint"] not in row["message"] else ""
    return f"{'' if i.severity == ERROR else '提醒：'}{where}{row['message']}{hint}"


def _report_text(v, name: str) -> tuple[str, tuple[str, ...]]:
    who = name or v.station
    month = month_label(v.month) if v.month else "（月份无法识别）"
    head = f"已收到{who}{month}月报"
    problems = tuple(_problem(i) for i in v.problems if i.severity == ERROR) + tuple(
        _problem(i) for i in v.problems if i.severity != ERROR
    )
    if v.errors:
        return f"{head}，有 {len(v.errors)} 处错误，退回修改，请按下列问题修改后重新报送：", problems
    if v.status == "采用" or not v.status:
        return f"{head}，已采用。", problems
    if v.status == "已被替代":
        other = Path(v.replaced_by).name if v.replaced_by else "另一份报表"
        return f"{head}；本月采用的是同一驿站的另一份报表（{other}），这一份不再使用。", problems
    if v.status == "运营期外":
        return f"{head}；按驿站名册，该驿站{month}不在运营期内，这份月报不参加考核。", problems
    if v.status == "未在名册":
        return (
            f"已收到驿站编号 {v.station} 的{month}月报，但驿站名册中没有这个编号；请核对报表中的驿站编号后重新报送。",
            problems,
        )
    return f"{head}（{v.status}）。", problems


def _item(a: dict, verdicts) -> ReceiptItem:
    status, name = a["status"], a["name"]
    if status == f.NOT_SPREADSHEET:
        return ReceiptItem(name, "附件不是月报（不是电子表格），未保存。", status="不是月报")
    if status == f.BROKEN:
        return ReceiptItem(name, f"附件无法打开：{a['note']}。请重新发送。", status="不是月报")
    v = verdicts.of(a["file"])
    if v is None:
        return ReceiptItem(name, "附件已保存，但没有找到保存的文件，请联系考核小组办公室。", file=a["file"])
    if v.kind != "report":
        why = f"（{v.reason}）" if v.reason else ""
        return ReceiptItem(name, f"附件不是月报{why}。", file=a["file"], status="不是月报")
    station = verdicts.stations.get(v.station)
    text, problems = _report_text(v, station.name if station is not None else "")
    if status == f.DUPLICATE:
        text = "与此前收到的附件内容相同，未重复保存。" + text
    return ReceiptItem(name, text, problems, a["file"], v.station, v.month or "", v.status or "", bool(v.errors))


def write_receipts(
    input_dir: Path,
    output_root: Path,
    *,
    on: date | None = None,
    templates_dir: Path | None = None,
    rules_path: Path | None = None,
    workers: int | None = None,
    env=None,
) -> ReceiptsResult:
    """A receipt draft for every fetched mail that has none yet, into ``<out>/回执/<day>/``.
    Raises lingong.errors (FatalInput when the input folder has no usable registry: the mails
    keep waiting for their receipt)."""
    input_dir, output_root = Path(input_dir), Path(output_root)
    day = (on or today_china()).isoformat()
    folder = outfiles.inside(output_root, layout.RECEIPTS_FOLDER, day)
    out = ReceiptsResult(folder)
    con = state.connect(output_root / layout.HISTORY_DB_NAME)
    try:
        pending = state.pending_mails(con)
        if not pending:
            return out
        verdicts = check_files(input_dir, output_root, rules_path=rules_path, workers=workers)
        env_t = mail_environment(Path(templates_dir) if templates_dir else layout.TEMPLATES_DIR)
        registered = {s.email.strip().lower(): s.code for s in verdicts.stations.values() if s.email}
        sender_from = draft_from("", os.environ if env is None else env)
        for mail in pending:
            r = _receipt(mail, verdicts, env_t, folder, day, registered, sender_from)
            out.receipts.append(r)
            con.execute("BEGIN IMMEDIATE")
            state.set_receipt(con, mail["mail_key"], r.draft.name if r.draft else f"{NO_RECEIPT}{r.note}")
            con.execute("COMMIT")
    finally:
        con.close()
    return out


def _receipt(mail, verdicts, env_t, folder: Path, day: str, registered: dict, sender_from: str) -> Receipt:
    sender, subject = mail["sender"], mail["subject"]
    if not mail["attachments"]:
        return Receipt(sender, subject, "", (), None, "邮件没有附件，不写回执")
    items = tuple(_item(a, verdicts) for a in mail["attachments"])
    stations = [i.station for i in items if i.station]
    station = verdicts.stations.get(stations[0]) if stations else None
    unknown = sender.lower() not in registered
    if not is_bare_address(sender):
        return Receipt(sender, subject, stations[0] if stations else "", items, None, "发件地址无法识别，回执未生成")
    copies: list[tuple[str, bytes]] = []
    for i in items:
        if i.returned:
            p = write_return_copy(verdicts, i.file, folder / layout.RETURNS_FOLDER)
            if p is not None and p.name not in (n for n, _ in copies):
                copies.append((p.name, p.read_bytes()))
    reports = [i for i in items if i.station]
    months = "、".join(sorted({month_label(i.month) for i in reports if i.month}))
    when = datetime.fromisoformat(mail["received_at"]) if mail["received_at"] else None
    ctx = {
        "station": {"name": station.name if station else "", "code": station.code if station else ""},
        "received": f"{when.year}年{when.month}月{when.day}日 {when:%H:%M}" if when else "",
        "subject": subject,
        "items": [{"name": i.name, "text": i.text, "problems": list(i.problems)} for i in items],
        "return_copies": [n for n, _ in copies],
        "sender": sender,
        "months": months,
        "reports": len(reports),
        "rejected": sum(1 for i in items if i.returned),
    }
    subj = " ".join(mask(render_mail(env_t, SUBJECT_TEMPLATE, ctx)).split())
    body = mask(render_mail(env_t, BODY_TEMPLATE, ctx))
    att_hash = attachments_hash(copies)
    mail_hash = hashlib.sha256(mail["mail_key"].encode("utf-8")).hexdigest()[:16]
    code = station.code if station else ""
    msg = build_message(
        recipients=(sender,),
        subject=subj,
        body=body,
        attachments=copies,
        msg_id=message_id(day, mail_hash, KIND_RECEIPTS, att_hash, sender_from.rsplit("<", 1)[-1].rstrip(">")),
        date_header=None,
        sender=sender_from,
        station=code or sender,
        period=receipts_key(day),
        kind=KIND_RECEIPTS,
        attachments_sha256=att_hash,
    )
    stamp = when.strftime("%Y%m%d-%H%M%S") if when else "00000000-000000"
    path = folder / outfiles.file_name(f"{stamp}_{code or sender}_{mail_hash[:6]}", ".eml", folder=folder)
    outfiles.write_bytes_atomic(path, msg.as_bytes(policy=MAIL_POLICY))
    note = f"发件地址 {sender} 不在驿站名册中" if unknown else ""
    if not unknown and code and registered.get(sender.lower()) != code:
        note = f"发件地址 {sender} 是名册中驿站 {registered[sender.lower()]} 的电子邮箱，报表是驿站 {code} 的"
    return Receipt(sender, subject, code, items, path, note, unknown)
