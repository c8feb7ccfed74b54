"""The read cache: what reading and checking one file gave, kept in the output folder.

A rerun after one station resent one report, a recheck, `template` or the 报送情况
would otherwise read every file of the year again. An entry is the FileResult a
worker sent back, stored under the file's path and the SHA-256 of its bytes, and
under a fingerprint of everything that changes what reading gives: the source of
the reader's modules (the template description and the validation catalogue among
them), the versions of the libraries that parse the files, and the Python version.
Nothing is keyed by a hand-kept version number, so a change to a reader is never
served an old answer.

A file is looked up by its path, size and modification time first (a stat: the file
is not opened); when its time differs (touched, copied back, resent), or when it was
modified around the moment it was read (the "racily clean" case git knows: a change
within the file system's time granularity would not show), its bytes are hashed to
confirm. So a resent file is read again, a file only touched or copied back is not.

What is stored holds no more personal data than the outputs do: the readers mask the
numbers they quote in issues, the registry and the 考核组意见 (the bureau's own files,
with the station leaders' phones) are never stored, nor the cell grids kept for the
return copies of .xls/.xlsb/.ods reports, and an entry with any text the mask would
change is not stored either.

The store is SQLite (the standard library, as the history is): every write is one
transaction, so a run killed half-way leaves the entries it committed and nothing
torn, and two runs on one folder write whole entries one transaction after the other.
Entries of another fingerprint are never served, even when a run of another version
writes into the same file at the same time. A cache that is not a database, from
another version or from another input folder is emptied and rebuilt, and said in
one line; an entry that cannot be loaded is read again.

Unpickling is restricted to the record classes below (the ``pickle`` documentation's
"restricting globals"): a file dropped into the output folder cannot run code.

Over 400 lines because the key (the fingerprint of the readers' sources), what may be stored
(the masking check), the packed form the workers send and the store itself are one contract:
a change to any of them must change the others.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import sqlite3
import sys
import threading
import time
from dataclasses import fields, is_dataclass
from pathlib import Path

from lingong.layout import CACHE_NAME
from lingong.model.records import KIND_REPORT, KIND_UNSTABLE
from lingong.read.files import file_hash, read_one
from lingong.runtime.privacy import mask, may_hold_number

FORMAT = "lingong-read-cache-2"  # the tables' layout: another one is dropped, not read
RACY_S = 2.0  # a file modified this close to its reading is hashed (FAT and SMB keep times to 2 s)
COMMIT_EVERY = 256  # entries a transaction: a killed run keeps most of what it read
BUSY_S = 60.0  # another run's transaction is short; wait for it rather than skip the cache

_PACKAGE = Path(__file__).resolve().parent.parent
# Everything a worker's read_one runs (tests/read/test_cache.py checks that these cover
# every lingong module reading imports): whole folders, so a new module is covered too.
SOURCE_DIRS = ("read", "discover", "ooxml", "model", "rules", "catalogue")
SOURCE_FILES = (
    "__init__.py",
    "errors.py",
    "report_template.py",
    "words.py",
    "runtime/__init__.py",
    "runtime/outfiles.py",
    "runtime/privacy.py",
)
LIBRARIES = ("python_calamine", "olefile", "defusedxml")

_ALLOWED = {
    ("lingong.read.files", "FileResult"),
    ("lingong.model.records", "FileOutcome"),
    ("lingong.model.records", "ReportRecord"),
    ("lingong.model.records", "Issue"),
    ("datetime", "date"),
    ("datetime", "datetime"),
}


def source_files() -> list[Path]:
    files = [p for d in SOURCE_DIRS for p in (_PACKAGE / d).rglob("*.py")]
    files += [_PACKAGE / f for f in SOURCE_FILES]
    return sorted(set(files))


def fingerprint() -> str:
    """What reading depends on, as one hash: the readers' source, the parsing libraries
    (their installed files: an upgrade changes them) and the Python version."""
    from importlib.util import find_spec

    h = hashlib.sha256(FORMAT.encode())
    for p in source_files():
        h.update(p.relative_to(_PACKAGE).as_posix().encode() + b"\0")
        try:
            h.update(p.read_bytes())
        except OSError:  # a module missing from an installed copy: still a fingerprint
            h.update(b"?")
    for lib in LIBRARIES:
        # Not importlib.metadata (0.02 s to import, a tenth of a warm 报送情况): the module's
        # own files say the same.
        spec = find_spec(lib)
        for origin in (spec.origin, *(spec.submodule_search_locations or ())) if spec else ():
            try:
                st = os.stat(origin)
                h.update(f"{lib}:{origin}:{st.st_size}:{st.st_mtime_ns}".encode())
            except (OSError, TypeError):
                h.update(f"{lib}:?".encode())
    h.update(sys.version.encode())
    return h.hexdigest()


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name}")
        return super().find_class(module, name)


def _loads(blob: bytes):
    return _Unpickler(io.BytesIO(blob)).load()


def _strings(obj, out: list[str]) -> None:
    if isinstance(obj, str):
        out.append(obj)
    elif is_dataclass(obj):
        for f in fields(obj):
            _strings(getattr(obj, f.name), out)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            _strings(k, out)
            _strings(v, out)
    elif isinstance(obj, (list, tuple, set)):
        for v in obj:
            _strings(v, out)


def storable(result, blob: bytes | None = None) -> bool:
    """Whether a worker's FileResult may be kept: a report or a file we could not or
    need not read, without cell grids, registry or decisions, and with no text the
    outputs' mask would change. ``blob``: the result as pickled (``pack``)."""
    o = result.outcome
    if not o.sha256 or o.kind == KIND_UNSTABLE:
        return False
    if result.stations is not None or result.decision_rows is not None or result.grids is not None:
        return False
    if o.kind == KIND_REPORT and result.report is None:
        return False
    if blob is None:
        blob = pack(result)
    # Every str is in the pickle as its UTF-8 bytes: one search over them all, the hash left
    # out (its digits could look like a number); string by string only when something is found.
    if not may_hold_number(blob.decode("utf-8", "replace").replace(o.sha256, "")):
        return True
    texts: list[str] = []
    _strings(result, texts)
    return all(mask(s) == s for s in texts if s is not result.source and s != o.sha256)


def pack(result) -> bytes:
    """The result as stored: pickled, without the absolute path it was read from (``unpack``
    sets it again)."""
    from dataclasses import replace

    return pickle.dumps(replace(result, source="\0" if result.source else ""), protocol=pickle.HIGHEST_PROTOCOL)


def read_packed(item: tuple[str, str]) -> tuple[bytes, bool]:
    """read_one as the workers run it: its result pickled in the worker (the pipe would pickle
    it anyway) in the form the cache stores, and whether it may be stored. Module-level and
    picklable, for the workers."""

    result = read_one(item)
    blob = pack(result)
    return blob, storable(result, blob)


def unpack(item: tuple[str, str], blob: bytes):
    """A result from this run's own worker (any record class: registry, grids)."""
    result = pickle.loads(blob)
    if result.source:
        result.source = item[0]
    return result


class ReadCache:
    """One run's use of the cache: ``lookup`` before reading, ``put`` after, ``close`` at
    the end. Every problem with the store makes it a cache that finds nothing and keeps
    nothing, never a failed run; ``note`` says in one line what happened, if anything."""

    def __init__(self, folder: Path, input_root: str = ""):
        self.path = Path(folder) / CACHE_NAME
        self.input_root = input_root
        self.note = ""
        self.hits = 0
        self._con: sqlite3.Connection | None = None
        self._entries: dict[str, tuple[int, float, float, str, bytes]] = {}
        self._pending: list[tuple] = []
        self._refreshed: list[tuple] = []  # hits whose hash confirmed them, with their time now
        self._fp = fingerprint()
        try:
            self._open()
        except (sqlite3.Error, OSError, UnicodeError) as e:
            self._close_quietly()
            self.note = f"读取缓存 {self.path} 无法使用（{e}），本次不使用缓存，所有文件照常读取"

    # ---- opening, with every reason to start afresh -----------------------------------

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=BUSY_S, isolation_level=None)
        con.execute("PRAGMA journal_mode=DELETE")  # no -wal files left beside it
        self._create(con)
        return con

    @staticmethod
    def _create(con: sqlite3.Connection) -> None:
        con.execute(
            "CREATE TABLE IF NOT EXISTS entries (rel TEXT NOT NULL, fingerprint TEXT NOT NULL, size INTEGER, "
            "mtime REAL, stored REAL, sha256 TEXT, result BLOB, PRIMARY KEY (rel, fingerprint))"
        )
        con.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")

    def _open(self) -> None:
        try:
            self._load(self._connect())
        except sqlite3.DatabaseError as e:
            if isinstance(e, sqlite3.OperationalError) and "locked" in str(e):
                raise  # another run holds it longer than BUSY_S: this run goes without
            self._close_quietly()
            self._discard_file()
            self._load(self._connect())
            self.note = f"读取缓存 {self.path.name} 已损坏，已删除并重建，本次所有文件重新读取"

    def _load(self, con: sqlite3.Connection) -> None:
        self._con = con
        meta = dict(con.execute("SELECT key, value FROM meta"))
        why = ""
        if meta and meta.get("format") != FORMAT:
            why = "不是本程序的读取缓存"
        elif meta and self.input_root and meta.get("input") not in (None, _key(self.input_root)):
            why = f"属于另一个输入文件夹（{_text(meta.get('input'))}）"
        elif meta and meta.get("fingerprint") != self._fp:
            why = "由另一版本的程序生成"
        values = {"format": FORMAT, "fingerprint": self._fp}
        if self.input_root:
            values["input"] = _key(self.input_root)
        # Another version's entries: from a run of it that overlapped with one of this version.
        stale = not why and con.execute("SELECT 1 FROM entries WHERE fingerprint != ? LIMIT 1", (self._fp,)).fetchone()
        if why or stale or {k: meta.get(k) for k in values} != values:
            # A write only when something changes: a warm run writes nothing.
            con.execute("BEGIN IMMEDIATE")
            try:
                if why:
                    con.execute("DROP TABLE entries")  # its layout may be another's
                    self._create(con)
                    self.note = f"读取缓存 {self.path.name} {why}，已清空重建，本次所有文件重新读取"
                else:
                    con.execute("DELETE FROM entries WHERE fingerprint != ?", (self._fp,))
                con.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", values.items())
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        self._entries = {
            _text(row[0]): row[1:]
            for row in con.execute(
                "SELECT rel, size, mtime, stored, sha256, result FROM entries WHERE fingerprint = ?", (self._fp,)
            )
        }

    def _discard_file(self) -> None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            try:
                os.unlink(f"{self.path}{suffix}")
            except FileNotFoundError:
                pass

    def _close_quietly(self) -> None:
        if self._con is not None:
            try:
                self._con.close()
            except sqlite3.Error:
                pass
        self._con = None

    # ---- use --------------------------------------------------------------------------

    def split(self, items: list[tuple[str, str]]) -> tuple[list, list]:
        """(the items it may hold, the others): the first for ``Lookup``, the others to read."""
        maybe = [item for item in items if self.may_hold(*item)]
        may = set(maybe)
        return maybe, [item for item in items if item not in may]

    def tell(self, notes: list[str] | None) -> None:
        """What happened to the cache, if anything: into ``notes``, else one line on stderr."""
        if self.note:
            if notes is None:
                print(self.note, file=sys.stderr)
            else:
                notes.append(self.note)

    def may_hold(self, path: str, rel: str) -> bool:
        """The cheap first test: an entry for this path, of the file's size now."""
        entry = self._entries.get(rel)
        if entry is None:
            return False
        try:
            return os.stat(path).st_size == entry[0]
        except OSError:
            return False

    def lookup(self, path: str, rel: str):
        """The FileResult reading ``path`` would give, if this file was read before; else None."""
        entry = self._entries.get(rel)
        if entry is None:
            return None
        size, mtime, stored, sha, blob = entry
        try:
            st = os.stat(path)
            now = st.st_mtime_ns / 1e9  # as the reader computes FileOutcome.mtime
            if st.st_size != size:
                return None
            if now != mtime or mtime >= stored - RACY_S:
                if file_hash(path)[0] != sha:
                    return None
                after = os.stat(path)
                if (after.st_size, after.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
                    return None  # being written: the reader says so (F007)
                if now != mtime or now < time.time() - RACY_S:
                    # Confirmed: the next run needs only the stat.
                    self._refreshed.append((_key(rel), self._fp, size, now, time.time(), sha, blob))
            result = _loads(blob)
        except OSError:
            return None
        except Exception:  # noqa: BLE001 - a damaged entry is a file to read again
            return None
        _restore(result, path, now)
        self.hits += 1
        return result

    def put(self, rel: str, result, blob: bytes) -> None:
        """Keep ``result`` (``blob``: as ``read_packed`` pickled it, found storable there)."""
        if self._con is None:
            return
        o = result.outcome
        self._pending.append((_key(rel), self._fp, o.size, o.mtime, time.time(), o.sha256, blob))
        if len(self._pending) >= COMMIT_EVERY:
            self.flush()

    def flush(self) -> None:
        if self._con is None or not self._pending:
            return
        rows, self._pending = self._pending, []
        try:
            self._con.execute("BEGIN IMMEDIATE")
            self._con.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            self._con.execute("COMMIT")
        except sqlite3.Error as e:
            try:
                self._con.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            self._close_quietly()
            self.note = self.note or f"读取缓存 {self.path.name} 无法写入（{e}），本次读取的结果未保存"

    def close(self, keep: set[str] | None = None) -> None:
        """Commit what is pending; ``keep``: the paths of this folder's files, the others' entries go."""
        self._pending.extend(self._refreshed)
        self._refreshed = []
        self.flush()
        if self._con is not None and keep is not None:
            gone = [(_key(rel), self._fp) for rel in self._entries if rel not in keep]
            if gone:
                try:
                    self._con.execute("BEGIN IMMEDIATE")
                    self._con.executemany("DELETE FROM entries WHERE rel = ? AND fingerprint = ?", gone)
                    self._con.execute("COMMIT")
                except sqlite3.Error:
                    try:
                        self._con.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
        self._close_quietly()


def _key(text: str):
    """A path as stored: its text, or its bytes when it holds undecodable names (a GBK
    folder on a UTF-8 system arrives with surrogate escapes, which SQLite text cannot hold)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape")


def _text(value) -> str:
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value


class Lookup(threading.Thread):
    """The cache's answers for the items it may hold, found in a thread while the workers
    read the others (the run's process only waits on them then): ``found`` the results by
    path, ``late`` the files that changed after all (their hash says so), to read too."""

    def __init__(self, cache: ReadCache, maybe: list[tuple[str, str]]):
        super().__init__(name="read-cache", daemon=True)
        self.cache, self.maybe = cache, maybe
        self.found: dict = {}
        self.late: list[tuple[str, str]] = []

    def run(self) -> None:
        for item in self.maybe:
            hit = self.cache.lookup(*item)
            if hit is None:
                self.late.append(item)
            else:
                self.found[item[1]] = hit


def _restore(result, path: str, mtime: float) -> None:
    """A stored result made what reading ``path`` now gives: its path and modification time."""
    if result.source:
        result.source = path
    # Unpickled just now and shared with nobody: set in place (dataclasses.replace costs
    # a tenth of a hit).
    object.__setattr__(result.outcome, "mtime", mtime)
    if result.report is not None:
        result.report.mtime = mtime


def input_root(candidates) -> str:
    """The input folder the candidates (absolute path, path relative to it) were found in."""
    for p, rel in candidates:
        parts = len(Path(rel).parts)
        return str(Path(p).parents[parts - 1]) if parts else str(p)
    return ""
