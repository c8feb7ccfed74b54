"""``fetch``: every spreadsheet attachment of the bureau's mailbox, into the input folder.

The mailbox is never changed: folders are opened read-only (EXAMINE) and bodies fetched with
BODY.PEEK, so no mail becomes \\Seen, and nothing is moved or deleted. Each mail is one
transaction of the fetch state (state.py): its new files are written first (temp + rename),
then the mail, its files' SHA-256 and the folder's last UID are committed together. A fetch
killed between the two finds its own file again by name and content and stores nothing twice;
an attachment already stored under any name (sent twice, or in a re-read folder) is not stored
again; a folder whose UIDVALIDITY changed is read again from its start, its mails recognised
by Message-ID and content."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser
from pathlib import Path

from lingong import layout
from lingong.discover.walk import SPREADSHEET_EXTS
from lingong.errors import MailboxError
from lingong.intake import state
from lingong.intake.imap_config import ImapConfig, check_config
from lingong.intake.imap_connect import close_quietly, error_text, imap_connect, unsafe_login_text
from lingong.intake.names import attachment_name, header_text, sender_address, zip_member_name
from lingong.runtime import outfiles

CHINA = timezone(timedelta(hours=8))
MAX_MESSAGE_BYTES = 60 * 1024 * 1024  # a mail this large is not a month's report; it is named, not read
MAX_MEMBER_BYTES = 50 * 1024 * 1024  # a zip member larger than this is a zip bomb or not a report

# Attachment.status
STORED = "stored"  # saved into the input folder by this fetch
DUPLICATE = "duplicate"  # the same content was stored before (file: that copy)
NOT_SPREADSHEET = "not_spreadsheet"  # a Word document, a picture …: not kept
BROKEN = "broken"  # could not be decoded or unpacked (note says why)


@dataclass(frozen=True)
class Attachment:
    name: str  # as the sender named it; inside a zip: "季度.zip/东城3月.xlsx"
    status: str
    file: str = ""  # relative to the input folder: the stored copy (also of a duplicate)
    sha256: str = ""
    note: str = ""

    def as_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "file": self.file, "sha256": self.sha256, "note": self.note}


@dataclass(frozen=True)
class MailIn:
    folder: str
    uid: int
    sender: str
    subject: str
    received_at: str  # ISO, China time
    attachments: tuple[Attachment, ...] = ()
    note: str = ""  # why the mail gave nothing (no attachment, too large …)


@dataclass(frozen=True)
class FolderRead:
    folder: str
    uidvalidity: int
    mails: int  # mails read in this fetch
    reread: bool = False  # UIDVALIDITY changed: read again from the start


@dataclass
class FetchResult:
    account: str  # the mailbox, as the clerk reads it: 账号（服务器:端口）
    mails: list[MailIn] = field(default_factory=list)
    folders: list[FolderRead] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # bad input and server trouble, in Chinese
    warning: str = ""  # a plain-text login allowed by --allow-plaintext-login
    stopped: str = ""  # why the fetch stopped before the end (connection lost); rerun resumes

    def attachments(self, status: str) -> list[Attachment]:
        return [a for m in self.mails for a in m.attachments if a.status == status]

    @property
    def stored(self) -> list[Attachment]:
        return self.attachments(STORED)

    @property
    def duplicates(self) -> list[Attachment]:
        return self.attachments(DUPLICATE)


Progress = Callable[[str, int, int], None]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _received(value) -> datetime:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=CHINA)).astimezone(CHINA)
    return datetime.now(CHINA)


def _mail_key(msg, raw: bytes) -> str:
    """The mail itself, whatever folder or UID it has now: a folder re-read after a UIDVALIDITY
    change, or the same mail copied into a second folder, gives the same bytes. The content is in
    the key because some mail programs give every mail they send the same Message-ID."""
    mid = " ".join(str(msg.get("Message-ID", "")).split())
    return f"{mid} sha256:{hashlib.sha256(raw).hexdigest()}"


class _Store:
    """Writes attachments into <input>/收件/<YYYY-MM>/, each content once."""

    def __init__(self, con, input_dir: Path):
        self.con, self.input_dir = con, Path(input_dir)
        self.pending: dict[str, str] = {}  # sha -> file, stored by this mail, not yet committed

    def put(self, data: bytes, name: str, sender: str, received: datetime, shown: str) -> Attachment:
        sha = hashlib.sha256(data).hexdigest()
        earlier = self.pending.get(sha) or state.stored_file(self.con, sha)
        if earlier is not None:
            return Attachment(shown, DUPLICATE, earlier, sha, "与此前收到的附件内容相同，未重复保存")
        folder = self.input_dir / layout.INTAKE_FOLDER / received.strftime("%Y-%m")
        stem, suffix = Path(name).stem, Path(name).suffix.lower()
        path = self._free_path(folder, f"{sender or '未知发件人'}_{stem}", suffix, data)
        if not path.exists():
            outfiles.write_bytes_atomic(path, data)
        rel = path.relative_to(self.input_dir).as_posix()
        self.pending[sha] = rel
        return Attachment(shown, STORED, rel, sha)

    @staticmethod
    def _free_path(folder: Path, stem: str, suffix: str, data: bytes) -> Path:
        """The name for ``data``: the plain one, else with (2), (3) … — never over a different file.
        A file of the same content under the name is the copy a killed fetch left: taken as it is."""
        for n in range(1, 1000):
            tag = "" if n == 1 else f"({n})"
            path = folder / outfiles.file_name(stem, tag + suffix, folder=folder)
            if not path.exists():
                return path
            try:
                if path.read_bytes() == data:
                    return path
            except OSError:
                continue
        raise MailboxError(f"文件夹 {folder} 中同名文件过多，无法保存 {stem}{suffix}")


def _spreadsheet(name: str) -> bool:
    return Path(name).suffix.lower() in SPREADSHEET_EXTS


def _unzip(data: bytes, zip_name: str, put: Callable[[bytes, str, str], Attachment]) -> list[Attachment]:
    out = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for info in z.infolist():
                if info.is_dir():
                    continue
                member = zip_member_name(info)
                shown = f"{zip_name}/{member}"
                if not _spreadsheet(member):
                    continue  # a zip's readme or picture: nothing for the station to hear about
                if info.file_size > MAX_MEMBER_BYTES:
                    out.append(Attachment(shown, BROKEN, note="压缩包中的文件过大（超过 50 MB），未解压"))
                    continue
                try:
                    body = z.read(info)
                except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as e:
                    # RuntimeError: a member with a password
                    out.append(Attachment(shown, BROKEN, note=f"压缩包中的文件无法解压（{e}）"))
                    continue
                out.append(put(body, f"{Path(zip_name).stem}_{member}", shown))
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        return [Attachment(zip_name, BROKEN, note=f"压缩包已损坏，无法打开（{e}）")]
    if not out:
        return [Attachment(zip_name, NOT_SPREADSHEET, note="压缩包中没有电子表格")]
    return out


def read_mail(raw: bytes, store: _Store, received: datetime) -> tuple[object, str, str, list[Attachment], str]:
    """(message, sender, subject, attachments, note) of one mail's bytes; new files are written."""
    msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    sender, _ = sender_address(msg)
    subject = header_text(msg, "Subject")
    found: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = attachment_name(part)
        if not name:
            continue
        if part.get_content_maintype() == "image" and part.get_content_disposition() != "attachment":
            continue  # a signature's logo or a pasted picture shown in the text, not something sent
        try:
            data = part.get_payload(decode=True) or b""
        except Exception as e:  # noqa: BLE001 - a damaged part: named, the others go on
            found.append(Attachment(name, BROKEN, note=f"附件无法解码（{e}）"))
            continue
        if not data:
            found.append(Attachment(name, BROKEN, note="附件是空的（0 字节）"))
        elif _spreadsheet(name):
            found.append(store.put(data, name, sender, received, name))
        elif name.lower().endswith(".zip"):
            found.extend(_unzip(data, name, lambda body, nm, shown: store.put(body, nm, sender, received, shown)))
        else:
            found.append(Attachment(name, NOT_SPREADSHEET, note="不是电子表格，未保存"))
    note = "" if found else "邮件没有附件"
    return msg, sender, subject, found, note


def fetch_mailbox(
    config: ImapConfig,
    input_dir: Path,
    output_root: Path,
    *,
    since: date | None = None,
    connect: Callable[[ImapConfig], object] | None = None,
    progress: Progress | None = None,
) -> FetchResult:
    """Read the configured folders of the mailbox into ``<input_dir>/收件/`` and record what was
    read in the history database of ``output_root``. Only mails after the last one read before
    (and, with ``since``, received on or after that day) are read. Raises MailboxError when the
    mailbox cannot be opened; trouble after that is in ``notes`` / ``stopped``."""
    from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

    warning = check_config(config)
    input_dir, output_root = Path(input_dir), Path(output_root)
    if not input_dir.is_dir():
        raise MailboxError(f"输入文件夹不存在：{input_dir}")
    con = state.connect(output_root / layout.HISTORY_DB_NAME)
    result = FetchResult(account=f"{config.user}（{config.host}:{config.port}）", warning=warning)
    client = None
    try:
        client = (connect or imap_connect)(config)
        for folder in config.folders:
            try:
                _fetch_folder(client, con, config, folder, input_dir, since, result, progress)
            except IMAPClientAbortError:
                raise
            except IMAPClientError as e:
                text = error_text(e)
                if "unsafe login" in text.lower():
                    result.notes.append(unsafe_login_text(config, folder, text))
                else:
                    result.notes.append(f"邮箱文件夹“{folder}”无法读取（{text}），已跳过；请核对文件夹名称")
    except (OSError, EOFError, IMAPClientAbortError) as e:
        if isinstance(e, OSError) and e.filename:
            raise  # writing a file failed (disk full, no permission): the caller says so, not "connection lost"
        result.stopped = (
            f"与收信服务器的连接中断（{e}）。已收下的邮件都已保存，再次运行 fetch 会从中断处继续，不会重复保存"
        )
    finally:
        if client is not None:
            close_quietly(client)
        con.close()
    return result


def _fetch_folder(client, con, config, folder, input_dir, since, result, progress) -> None:
    from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

    info = client.select_folder(folder, readonly=True)
    uidvalidity = int(info.get(b"UIDVALIDITY", 0))
    known = state.folder_state(con, config.account, folder)
    reread = known is not None and known[0] != uidvalidity
    last = 0 if known is None or reread else known[1]
    if reread:
        result.notes.append(
            f"邮箱文件夹“{folder}”的编号已被服务器重置（UIDVALIDITY 由 {known[0]} 变为 {uidvalidity}），"
            "重新读取整个文件夹；已保存过的附件和已读过的邮件不会重复保存"
        )
    criteria: list = ["UID", f"{last + 1}:*"]
    if since is not None:
        criteria += ["SINCE", since]
    uids = sorted(u for u in client.search(criteria) if u > last)
    sizes = client.fetch(uids, ["RFC822.SIZE"]) if uids else {}
    read = 0
    for n, uid in enumerate(uids, 1):
        size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
        if size > MAX_MESSAGE_BYTES:
            result.notes.append(f"邮箱文件夹“{folder}”中编号 {uid} 的邮件过大（{size // 1048576} MB），未读取")
            mail = MailIn(folder, uid, "", "", "", note="邮件过大，未读取")
            with_tx(con, lambda: state.set_folder(con, config.account, folder, uidvalidity, uid, _now()))
        else:
            try:
                got = client.fetch([uid], ["BODY.PEEK[]", "INTERNALDATE"]).get(uid, {})
            except IMAPClientAbortError:
                raise
            except IMAPClientError as e:
                # One mail the server will not give: named, and passed, so that it cannot hold up
                # every later fetch; the clerk can still download it by hand.
                result.notes.append(
                    f"邮箱文件夹“{folder}”中编号 {uid} 的邮件服务器无法提供（{e}），已跳过；"
                    "如是驿站的报表，请在邮箱中手工下载后放进输入文件夹"
                )
                with_tx(con, lambda: state.set_folder(con, config.account, folder, uidvalidity, uid, _now()))
                continue
            raw = got.get(b"BODY[]") or b""
            mail = _take(con, config, folder, uidvalidity, uid, raw, _received(got.get(b"INTERNALDATE")), input_dir)
        if mail is not None:
            result.mails.append(mail)
            read += 1
            for a in mail.attachments:
                if a.status == BROKEN:
                    result.notes.append(f"{mail.sender} 的邮件“{mail.subject}”中的附件“{a.name}”：{a.note}")
        if progress:
            progress("收信", n, len(uids))
    result.folders.append(FolderRead(folder, uidvalidity, read, reread))
    if not uids and known is None:
        with_tx(con, lambda: state.set_folder(con, config.account, folder, uidvalidity, 0, _now()))


def with_tx(con, fn) -> None:
    con.execute("BEGIN IMMEDIATE")
    try:
        fn()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _take(con, config, folder, uidvalidity, uid, raw, received, input_dir) -> MailIn | None:
    """One mail: its files written, then its record and the folder's UID committed together.
    None for a mail read before (a re-read folder, the same mail in two folders)."""
    store = _Store(con, input_dir)
    msg = BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True)
    key = _mail_key(msg, raw)
    if state.known_mail(con, key):
        with_tx(con, lambda: state.set_folder(con, config.account, folder, uidvalidity, uid, _now()))
        return None
    _, sender, subject, found, note = read_mail(raw, store, received)
    mail = MailIn(folder, uid, sender, subject, received.isoformat(timespec="seconds"), tuple(found), note)
    now = _now()

    def commit():
        for a in found:
            if a.status == STORED:
                state.add_file(con, a.sha256, a.file, a.name, sender, key, now)
        state.add_mail(
            con,
            mail_key=key,
            account=config.account,
            folder=folder,
            uidvalidity=uidvalidity,
            uid=uid,
            sender=sender,
            subject=subject,
            received_at=mail.received_at,
            attachments=[a.as_dict() for a in found],
            now=now,
        )
        state.set_folder(con, config.account, folder, uidvalidity, uid, now)

    with_tx(con, commit)
    return mail
