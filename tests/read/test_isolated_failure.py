"""A file whose worker gave no result is rejected by what happened to the worker, never by
the words of the reason: an exception in the reader is F008, a dead or runaway worker F010,
and the clerk reads the reason in the issue."""

from __future__ import annotations

import pickle

import pytest

from lingong.model.failure import CRASH, ERROR, MEMORY, TIMEOUT, Failure
from lingong.model.records import KIND_REJECTED
from lingong.read.files import isolated_failure


@pytest.mark.parametrize(
    "failure,code",
    [
        (Failure(ERROR, "KeyError: 'x'"), "F008"),
        (Failure(CRASH), "F010"),
        (Failure(MEMORY, "1024"), "F010"),
        (Failure(TIMEOUT, "60"), "F010"),
        # an exception whose message reads like a crash is still an exception
        (Failure(ERROR, "读取进程意外终止"), "F008"),
    ],
)
def test_the_kind_of_failure_decides_the_code(tmp_path, failure, code):
    p = tmp_path / "报表.xlsx"
    p.write_bytes(b"PK\x03\x04 not really")
    res = isolated_failure((str(p), p.name), failure)
    [iss] = res.issues
    assert (iss.code, iss.found) == (code, failure.reason)
    assert res.outcome.kind == KIND_REJECTED and res.outcome.reason == iss.message
    assert res.outcome.sha256 and res.outcome.size == p.stat().st_size


def test_a_failure_crosses_a_process_boundary_as_a_value():
    f = Failure(MEMORY, "300")
    assert pickle.loads(pickle.dumps(f)) == f and str(f) == "读取时内存超过上限（300 MB）"
