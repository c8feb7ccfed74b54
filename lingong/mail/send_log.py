"""The resumable send log (table mail_log of the history database) and the summary
of a send: what each draft's row says, and the console text."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from lingong.errors import HistoryError
from lingong.grade import history_schema

# SendRow.status
SENT = "sent"
ALREADY_SENT = "already_sent"
REFUSED = "refused"
FAILED = "failed"
WOULD_SEND = "would_send"
SKIPPED = "skipped"
NOT_ATTEMPTED = "not_attempted"
UNKNOWN = "unknown"
STATUS_LABELS = {
    SENT: "已发送",
    ALREADY_SENT: "此前已发送，本次跳过",
    REFUSED: "收件地址被拒收",
    FAILED: "发送失败",
    WOULD_SEND: "将发送（试运行）",
    SKIPPED: "未发送",
    NOT_ATTEMPTED: "未尝试发送",
    UNKNOWN: "状态不明",
}
# mail_log.status; 'sending' is committed before a transaction and outlives it only when
# the outcome is unknown.
LOG_SENDING, LOG_SENT, LOG_FAILED, LOG_REFUSED = "sending", "sent", "failed", "refused"
RESEND_OPTION = "--resend-unknown"


def connect_send_log(db_path: Path) -> sqlite3.Connection:

    return history_schema.connect(db_path)


def log_rows(con: sqlite3.Connection | None, station: str, kind: str, message_id: str) -> list[tuple]:
    """(status, recipient, attempts, updated_at) of a draft's log rows."""
    if con is None:
        return []
    return con.execute(
        "SELECT status, recipient, attempts, updated_at FROM mail_log WHERE station=? AND kind=? AND message_id=?",
        (station, kind, message_id),
    ).fetchall()


def record_send(
    con: sqlite3.Connection,
    *,
    run_id: str,
    period: str,
    station: str,
    kind: str,
    recipient: str,
    message_id: str,
    att_hash: str,
    status: str,
    error: str,
    now: str,
    new_attempt: bool = True,
) -> None:
    """One row per draft: attempts add up across runs (``new_attempt``: this call
    starts one); committed at once, so 'sending' is on disk before the
    transaction and 'sent' the moment the server has accepted."""
    try:
        row = con.execute(
            "SELECT rowid, attempts FROM mail_log WHERE station=? AND kind=? AND message_id=? "
            "ORDER BY rowid DESC LIMIT 1",
            (station, kind, message_id),
        ).fetchone()
        if row is None:
            con.execute(
                "INSERT INTO mail_log (run_id, period, station, kind, recipient, message_id, "
                "attachment_sha256, status, attempts, last_error, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (run_id, period, station, kind, recipient, message_id, att_hash, status, 1, error, now),
            )
        else:
            con.execute(
                "UPDATE mail_log SET run_id=?, period=?, recipient=?, attachment_sha256=?, status=?, "
                "attempts=?, last_error=?, updated_at=? WHERE rowid=?",
                (run_id, period, recipient, att_hash, status, (row[1] or 0) + int(new_attempt), error, now, row[0]),
            )
        con.commit()
    except sqlite3.DatabaseError as e:
        # Without the log a resumed run could send twice: stop sending rather than go on blind.
        raise HistoryError(
            f"写入邮件发送记录失败（{e}），已停止发送；请检查磁盘空间和输出文件夹的写入权限，"
            "再运行发送命令（已发送的不会重复发送）"
        ) from e


@dataclass(frozen=True)
class SendRow:
    station: str
    recipients: tuple[str, ...]
    subject: str
    attachments: tuple[str, ...]
    status: str  # SENT, ALREADY_SENT, REFUSED, FAILED, WOULD_SEND, SKIPPED, NOT_ATTEMPTED, UNKNOWN
    attempts: int = 0
    message_id: str = ""
    error: str = ""
    eml: str = ""

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class SendSummary:
    period: str
    dry_run: bool
    rows: tuple[SendRow, ...]
    fatal: str = ""  # why sending stopped early (login refused, server unreachable)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def needs_attention(self) -> tuple[SendRow, ...]:
        return tuple(r for r in self.rows if r.status in (REFUSED, FAILED, SKIPPED, NOT_ATTEMPTED, UNKNOWN))


def format_summary(summary: SendSummary) -> str:
    """Who got what, in Chinese, for the console."""
    head = "邮件发送试运行（没有发送任何邮件）" if summary.dry_run else "邮件发送结果"
    lines = [f"{head}：考核期 {summary.period}，草稿 {len(summary.rows)} 封"]
    counts = [
        (s, summary.count(s))
        for s in (WOULD_SEND, SENT, ALREADY_SENT, UNKNOWN, REFUSED, FAILED, SKIPPED, NOT_ATTEMPTED)
    ]
    lines.append(
        "  " + "；".join(f"{STATUS_LABELS[s]} {n} 封" for s, n in counts if n)
        if any(n for _, n in counts)
        else "  没有找到邮件草稿，请先生成草稿"
    )
    for r in summary.rows:
        to = "、".join(r.recipients) or "（无收件人）"
        att = f"；附件：{'、'.join(r.attachments)}" if r.attachments and r.status in (SENT, WOULD_SEND) else ""
        tries = f"（尝试 {r.attempts} 次）" if r.attempts > 1 and r.status != ALREADY_SENT else ""
        why = f"：{r.error}" if r.error and r.status != SENT else ""
        lines.append(f"  {r.station} → {to}：{r.label}{tries}{why}{att}")
    if summary.fatal:
        lines.append(f"发送中止：{summary.fatal}")
    unknown = summary.count(UNKNOWN)
    if unknown:
        lines.append(
            f"状态不明 {unknown} 封：发送时在对方服务器确认之前中断，驿站可能已经收到。为避免重复，"
            f"这些邮件不会自动重发；请向驿站核实，确认没有收到后加 {RESEND_OPTION} 再次运行发送命令"
        )
    if summary.needs_attention:
        lines.append(
            f"需要人工处理 {len(summary.needs_attention)} 封；再次运行发送命令只会补发未成功的邮件，"
            "已发送的不会重复发送"
        )
    return "\n".join(lines)
