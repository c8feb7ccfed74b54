"""``process.py serve`` as the clerk runs it: a real process on a real port, its token, its guard,
its server file, a second serve refused, and the exit by ``POST /api/shutdown``."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from support.paths import ROOT

SERVER_FILE = "网页服务.json"
LINE = re.compile(r"考核网页已启动：(http://127\.0\.0\.1:(\d+)/)\?token=(\S+)")


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONIOENCODING="utf-8", LINGONG_START_METHOD="spawn")


def _start(input_dir: Path, output_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "process.py", "serve", "--input", str(input_dir), "--output", str(output_dir), "--no-browser"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=_env(),
        start_new_session=True,  # its own process group, so a failed test can end it and its workers
    )


def _first_line(proc: subprocess.Popen, timeout: float = 60) -> str:
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not got or not got[0]:
        raise AssertionError(f"serve printed no address within {timeout} s (exit status {proc.poll()})")
    return got[0]


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _get(url: str, headers: dict[str, str] | None = None, method: str = "GET", data: bytes | None = None):
    """(status, headers, body) without following redirects; an HTTP error status is an answer."""
    req = urllib.request.Request(url, headers=headers or {}, method=method, data=data)
    try:
        with _opener.open(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.headers, e.read()


@pytest.mark.timeout(240)
def test_serve_guards_its_page_refuses_a_second_serve_and_exits_on_shutdown(demo_input, tmp_path):
    input_dir = tmp_path / "input"
    shutil.copytree(demo_input, input_dir)
    output_dir = tmp_path / "output"
    proc = _start(input_dir, output_dir)
    second = None
    try:
        line = _first_line(proc)
        m = LINE.search(line)
        assert m, line
        base, port, token = m.group(1), m.group(2), m.group(3)
        bearer = {"Authorization": f"Bearer {token}"}

        # No token: refused.
        status, _, body = _get(base)
        assert status == 403, (status, body[:200])

        # The one-time address: a cookie, and the address without the token.
        status, headers, _ = _get(f"{base}?token={token}")
        assert status == 303
        assert headers["Location"] == "/"
        cookie = headers["Set-Cookie"]
        assert cookie.startswith(f"lingong_token={token};") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        status, headers, body = _get(base, {"Cookie": cookie.split(";", 1)[0]})
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert "零工驿站考核" in body.decode("utf-8")

        # A script's Bearer header.
        status, _, body = _get(base + "api/board", bearer)
        assert status == 200
        board = json.loads(body)
        assert board["year"] == 2023 and board["months"][0] == "2023-01"

        # The server file is there and is never served.
        info = output_dir / SERVER_FILE
        assert info.is_file()
        assert json.loads(info.read_text(encoding="utf-8"))["port"] == int(port)
        status, _, _ = _get(base + "files/" + urllib.request.quote(SERVER_FILE), bearer)
        assert status == 403

        # A second serve on the same output folder says where the first one is, without its token.
        second = _start(input_dir, output_dir)
        out, err = second.communicate(timeout=60)
        assert second.returncode == 2, (second.returncode, out, err)
        assert f"127.0.0.1:{port}" in err, err
        assert token not in err and token not in out

        # Another host name (a DNS-rebinding site): refused even with the token.
        status, _, _ = _get(base + "api/board", {**bearer, "Host": "evil.example"})
        assert status == 403

        # The exit.
        status, _, body = _get(base + "api/shutdown", {**bearer, "Content-Type": "application/json"}, "POST", b"{}")
        assert status == 200 and json.loads(body) == {"stopped": True}
        assert proc.wait(30) == 0
        assert not info.exists()
    finally:
        if second is not None:
            _kill(second)
        _kill(proc)
        for stream in (proc.stdout, proc.stderr):
            stream.close()
