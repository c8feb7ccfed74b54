"""What ``fetch`` prints: the mails read, the files stored, what needs the clerk, the receipts."""

from __future__ import annotations

from lingong.intake import fetch as f
from lingong.intake.fetch import FetchResult
from lingong.intake.receipts import ReceiptsResult
from lingong.runtime.privacy import mask


def format_fetch(r: FetchResult, input_dir) -> str:
    folders = "、".join(f"{x.folder} {x.mails} 封" + ("（重新读取）" if x.reread else "") for x in r.folders)
    lines = [f"收信：{r.account}，新邮件：{folders or '无'}"]
    if r.stored:
        lines.append(f"保存了 {len(r.stored)} 个电子表格到 {input_dir}：")
        by_file = {a.file: m for m in r.mails for a in m.attachments}
        lines += [f"  {a.file}（{by_file[a.file].sender} 发来的“{a.name}”）" for a in r.stored]
    else:
        lines.append("没有新的电子表格")
    for a, m in _with_mail(r, f.DUPLICATE):
        lines.append(f"  与此前收到的相同，未重复保存：{m.sender} 发来的“{a.name}”（即 {a.file}）")
    for a, m in _with_mail(r, f.NOT_SPREADSHEET):
        lines.append(f"  不是电子表格，未保存：{m.sender} 发来的“{a.name}”")
    for m in r.mails:
        if m.note:
            lines.append(f"  {m.note}：{m.sender}“{m.subject}”")
    if r.notes:
        lines.append("需要注意：")
        lines += [f"  {n}" for n in r.notes]
    if r.stopped:
        lines.append(f"收信中断：{r.stopped}")
    return mask("\n".join(lines))


def _with_mail(r: FetchResult, status: str):
    return [(a, m) for m in r.mails for a in m.attachments if a.status == status]


def format_receipts(r: ReceiptsResult) -> str:
    if not r.receipts:
        return "没有需要写回执的新邮件"
    lines = [f"回执草稿 {len(r.written)} 封：{r.folder}（核对后用 python process.py send --receipts 发送）"]
    for x in r.receipts:
        what = "；".join(f"{i.name}：{'退回修改' if i.returned else i.status or '已保存'}" for i in x.items)
        what = what or "无附件"
        who = x.sender or "（无发件地址）"
        if x.draft is None:
            lines.append(f"  {who}：未写回执——{x.note}")
            continue
        lines.append(f"  {who}：{what}" + (f"——{x.note}" if x.note else ""))
    unknown = [x for x in r.receipts if x.unknown_sender and x.draft]
    if unknown:
        lines.append(
            f"有 {len(unknown)} 封来自驿站名册中没有的电子邮箱：回执照常写给发件人；如是驿站的新邮箱，请更新驿站名册"
        )
    return mask("\n".join(lines))
