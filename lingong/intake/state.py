"""What ``fetch`` has seen, in the history database: per mailbox folder its UIDVALIDITY and the
last UID read, every stored attachment by SHA-256, every mail read (and whether its receipt has
been written). One transaction a mail: a fetch killed at any point resumes with that mail.

Own tables, created when missing, rather than a migration of the history schema: they are
read only here, and an older tool opening the database never meets them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from lingong.grade.history_schema import connect as history_connect

_TABLES = (
    """CREATE TABLE IF NOT EXISTS intake_folders (
        account TEXT NOT NULL,
        folder TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL,
        last_uid INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (account, folder)
    )""",
    """CREATE TABLE IF NOT EXISTS intake_files (
        sha256 TEXT PRIMARY KEY,
        file TEXT NOT NULL,
        original TEXT NOT NULL,
        sender TEXT NOT NULL,
        mail_key TEXT NOT NULL,
        stored_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS intake_mails (
        mail_key TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        folder TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL,
        uid INTEGER NOT NULL,
        sender TEXT NOT NULL,
        subject TEXT NOT NULL,
        received_at TEXT NOT NULL,
        attachments TEXT NOT NULL,
        receipt TEXT NOT NULL DEFAULT '',
        fetched_at TEXT NOT NULL
    )""",
)


def connect(db_path: Path) -> sqlite3.Connection:

    con = history_connect(Path(db_path))
    for sql in _TABLES:
        con.execute(sql)
    return con


def folder_state(con, account: str, folder: str) -> tuple[int, int] | None:
    row = con.execute(
        "SELECT uidvalidity, last_uid FROM intake_folders WHERE account=? AND folder=?", (account, folder)
    ).fetchone()
    return (row[0], row[1]) if row else None


def set_folder(con, account: str, folder: str, uidvalidity: int, last_uid: int, now: str) -> None:
    con.execute(
        "INSERT INTO intake_folders (account, folder, uidvalidity, last_uid, updated_at) VALUES (?,?,?,?,?) "
        "ON CONFLICT(account, folder) DO UPDATE SET uidvalidity=excluded.uidvalidity, "
        "last_uid=excluded.last_uid, updated_at=excluded.updated_at",
        (account, folder, uidvalidity, last_uid, now),
    )


def stored_file(con, sha256: str) -> str | None:
    row = con.execute("SELECT file FROM intake_files WHERE sha256=?", (sha256,)).fetchone()
    return row[0] if row else None


def add_file(con, sha256: str, file: str, original: str, sender: str, mail_key: str, now: str) -> None:
    con.execute(
        "INSERT OR IGNORE INTO intake_files (sha256, file, original, sender, mail_key, stored_at) VALUES (?,?,?,?,?,?)",
        (sha256, file, original, sender, mail_key, now),
    )


def known_mail(con, mail_key: str) -> bool:
    return con.execute("SELECT 1 FROM intake_mails WHERE mail_key=?", (mail_key,)).fetchone() is not None


def add_mail(con, *, mail_key, account, folder, uidvalidity, uid, sender, subject, received_at, attachments, now):
    con.execute(
        "INSERT OR IGNORE INTO intake_mails (mail_key, account, folder, uidvalidity, uid, sender, subject, "
        "received_at, attachments, receipt, fetched_at) VALUES (?,?,?,?,?,?,?,?,?,'',?)",
        (mail_key, account, folder, uidvalidity, uid, sender, subject, received_at, json.dumps(attachments), now),
    )


def pending_mails(con) -> list[dict]:
    """Mails read whose receipt is not written yet, in the order they were read."""
    rows = con.execute(
        "SELECT mail_key, folder, uid, sender, subject, received_at, attachments FROM intake_mails "
        "WHERE receipt='' ORDER BY fetched_at, rowid"
    ).fetchall()
    keys = ("mail_key", "folder", "uid", "sender", "subject", "received_at", "attachments")
    return [dict(zip(keys, r[:6]), attachments=json.loads(r[6])) for r in rows]


def set_receipt(con, mail_key: str, receipt: str) -> None:
    con.execute("UPDATE intake_mails SET receipt=? WHERE mail_key=?", (receipt, mail_key))


def recent_mails(con, limit: int = 100) -> list[dict]:
    """The mails read last, newest first, with their attachments and receipt ("" not yet written,
    the draft's file name, or "-" and why there is none): what a page showing the last fetch needs."""
    rows = con.execute(
        "SELECT folder, uid, sender, subject, received_at, attachments, receipt, fetched_at FROM intake_mails "
        "ORDER BY fetched_at DESC, rowid DESC LIMIT ?",
        (int(limit),),
    ).fetchall()
    keys = ("folder", "uid", "sender", "subject", "received_at", "attachments", "receipt", "fetched_at")
    return [dict(zip(keys, r), attachments=json.loads(r[5])) for r in rows]
