"""An assessment's record: everything its documents are rendered from, kept as it was made.

An assessment (a run of a period on a 考核日期, or a recheck of it) is recorded once, in the
history database (``records``, beside its results and cases), and every document of it — the
forms, the 汇总表, the 校验报告, results.json, the 运行记录, later the mail drafts and the 通报 —
is rendered from this record, never from a new reading of the inputs. ``mail`` and ``send`` load
it; nothing a later command does changes it (docs/rectification.md, "what is kept").

The record is plain JSON: ``to_plain`` / ``from_plain`` turn the result dataclasses into it and
back, field by field, so that what is rendered at the assessment and at a later ``mail`` is the
same value. A small human-readable card (考核记录.json) in the assessment's folder says which
assessment the folder holds.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from lingong import layout
from lingong.grade.history_view import PeriodResult
from lingong.model.periods import date_cn
from lingong.model.records import FileOutcome, Issue, Period, Station, StationResult
from lingong.runtime.clock import parse_stamp, stamp
from lingong.runtime.outfiles import write_text_atomic
from lingong.runtime.privacy import dumps_masked

FORMAT = "lingong-assessment/1"


@dataclass(frozen=True)
class RulesInfo:
    """What the documents say of the rules: their title, file, hash and values."""

    name: str
    version: str
    path: str
    sha256: str
    title: str
    values: dict = field(default_factory=dict)
    deadline_days: int = 30


@dataclass
class Assessment:
    """One recorded assessment and everything its documents show."""

    id: str
    kind: str  # 考核 | 复查
    period: Period
    assessed_on: date
    version: int
    folder: str  # relative to the output folder, posix
    started_at: datetime  # China's time, to the second
    tool_version: str
    input_dir: str
    registry_file: str
    rules: RulesInfo
    results: list[StationResult]
    issues: list[Issue]
    bureau_issues: list[Issue]
    outcomes: list[FileOutcome]
    stations: dict[str, Station]
    history: list[PeriodResult]  # the 汇总表's 历次考核 as of this assessment
    return_copies: dict[str, list[str]]  # station -> its return copies, relative to the folder
    exit_code: int = 0
    period_note: str = ""
    notes: list[str] = field(default_factory=list)  # console lines of the assessment (changes, resubmissions)

    @property
    def recheck(self) -> bool:
        return self.kind == "复查"

    def folder_path(self, out_root: Path) -> Path:
        return Path(out_root).joinpath(*self.folder.split("/"))

    def title(self) -> str:
        return f"{self.period.label}{self.kind}（{date_cn(self.assessed_on)}）"


# ---- plain JSON and back ------------------------------------------------------------------


_PLAIN = frozenset({str, int, float, bool, type(None)})


@functools.lru_cache(maxsize=None)
def _field_names(cls) -> tuple[str, ...] | None:
    """A dataclass's field names, None for any other type (asked once per type: a record has
    tens of thousands of values)."""
    return tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else None


def to_plain(obj):
    """Dataclasses as dicts of their fields, dates as ISO text, times as ``clock.stamp`` writes
    them, tuples as lists."""
    t = type(obj)
    if t in _PLAIN:
        return obj
    names = _field_names(t)
    if names is not None:
        return {n: to_plain(getattr(obj, n)) for n in names}
    if isinstance(obj, datetime):
        return stamp(obj)
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, dict):
        return {str(k): to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [to_plain(v) for v in obj]
    return obj


@functools.lru_cache(maxsize=None)
def _hints(cls) -> dict:
    return typing.get_type_hints(cls)


def _same(data):
    return data


def _to_float(data):
    return float(data) if isinstance(data, int) else data


@functools.lru_cache(maxsize=None)
def _converter(tp):
    """The function that turns to_plain's form of a ``tp`` back into one (never given None).
    Made once per type, so that a record of a city is read without asking typing per value."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _converter(args[0]) if len(args) == 1 else _same
    if dataclasses.is_dataclass(tp):
        return _dataclass_converter(tp)
    if tp is datetime:
        return parse_stamp
    if tp is date:
        return date.fromisoformat
    if origin is tuple:
        args = typing.get_args(tp)
        inner = _converter(args[0] if args else typing.Any)
        return lambda data: tuple(None if v is None else inner(v) for v in data)
    if origin is list:
        (arg,) = typing.get_args(tp) or (typing.Any,)
        inner = _converter(arg)
        return lambda data: [None if v is None else inner(v) for v in data]
    if origin is dict:
        args = typing.get_args(tp)
        inner = _converter(args[1] if len(args) == 2 else typing.Any)
        return lambda data: {k: None if v is None else inner(v) for k, v in data.items()}
    if tp is float:
        return _to_float
    return _same


def _dataclass_converter(tp):
    hints = _hints(tp)
    fields = tuple((f.name, _converter(hints[f.name])) for f in dataclasses.fields(tp))

    def convert(data):
        return tp(**{n: None if data[n] is None else c(data[n]) for n, c in fields if n in data})

    return convert


def from_plain(tp, data):
    """``data`` (from to_plain) as a value of type ``tp``."""
    return None if data is None else _converter(tp)(data)


def dumps(assessment: Assessment) -> bytes:
    return json.dumps({"format": FORMAT, **to_plain(assessment)}, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def loads(doc: dict) -> Assessment:
    doc = dict(doc)
    doc.pop("format", None)
    return from_plain(Assessment, doc)


# ---- the folder's card ----------------------------------------------------------------------


def write_card(folder: Path, a: Assessment) -> Path:
    """考核记录.json: which assessment this folder holds (the record itself is in the history)."""
    card = {
        "schema": "lingong-assessment-card/1",
        "id": a.id,
        "kind": a.kind,
        "period": a.period.key,
        "assessed_on": a.assessed_on.isoformat(),
        "version": a.version,
        "started_at": stamp(a.started_at),
        "stations": len(a.results),
        "history": layout.HISTORY_DB_NAME,
        "note": "本文件夹中的文件都按这次考核的记录生成；以后的命令不会改变它们。邮件请用 mail 命令生成。",
    }
    p = Path(folder) / layout.RECORD_CARD_NAME
    write_text_atomic(p, dumps_masked(card, ensure_ascii=False, indent=2))
    return p


def read_card(folder: Path) -> dict | None:
    try:
        return json.loads((Path(folder) / layout.RECORD_CARD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
