"""``process.py serve``: the clerk's page on a local server, opened in the browser.

Only 127.0.0.1 is bound. The token that opens the page is made here and shown once, in the
console line with the address; the page turns it into a cookie. A second ``serve`` on the same
output folder finds the first by the server file it keeps there and says where it is.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import threading
import webbrowser
from pathlib import Path
from typing import Callable

import uvicorn

from lingong import layout
from lingong.errors import FatalInput
from lingong.runtime import outfiles
from lingong.runtime.clock import now_text
from lingong.runtime.parallel import START_METHOD_ENV
from lingong.runtime.privacy import mask
from lingong.runtime.runlock import this_host
from lingong.web.app import Workspace, create_app

HOST = "127.0.0.1"
SERVER_FILE = layout.WEB_SERVER_FILE_NAME


def new_token() -> str:
    """A token the console's masker leaves as it is (no run of digits like a phone number)."""
    while True:
        t = secrets.token_urlsafe(24)
        if mask(t) == t:
            return t


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True
    except (OSError, ValueError, SystemError):
        return False
    return True


def _answers(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def running_server(output_root: Path) -> dict | None:
    """The server already serving this output folder (its file's contents), if one runs."""
    try:
        doc = json.loads((Path(output_root) / SERVER_FILE).read_text(encoding="utf-8"))
        pid, port = int(doc["pid"]), int(doc["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if doc.get("host") == this_host() and _alive(pid) and _answers(port):
        return doc
    return None


def refuse_second(output_root: Path) -> None:
    """FatalInput naming the page already serving this output folder, if one is."""
    other = running_server(output_root)
    if other is not None:
        raise FatalInput(
            f"这个输出文件夹的网页已经在运行：http://{HOST}:{other['port']}/（进程 {other['pid']}，启动于 {other.get('started', '')}）。"
            "请使用第一次启动时控制台窗口中显示的完整地址（含令牌），或在该网页上点“退出”后再启动。"
        )


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if os.name != "nt":  # on Windows SO_REUSEADDR lets a second server take a port in use
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as e:
        sock.close()
        raise FatalInput(
            f"无法使用端口 {port}（{e.strerror or e}）：可能已被其他程序占用。请换一个端口，或不写 --port 自动选择"
        ) from None
    sock.listen(128)
    sock.set_inheritable(False)
    return sock


def serve(
    input_dir: Path,
    output_root: Path,
    *,
    port: int = 0,
    open_browser: bool = True,
    rules_path: Path | None = None,
    mail_config: Path | None = None,
    workers: int | None = None,
    say: Callable[[str], None] = print,
    ready: Callable[[str], None] | None = None,
) -> int:
    """Serve the page until its exit button (or Ctrl+C). ``ready(url)`` is called once the
    server listens (tests use it instead of the browser)."""
    input_dir, output_root = Path(input_dir).absolute(), Path(output_root).absolute()
    # Worker processes started from the server's threads: forking a threaded process is unsafe,
    # so spawn them, as every Windows PC does anyway. (The read workers do not survive forkserver.)
    os.environ.setdefault(START_METHOD_ENV, "spawn")
    refuse_second(output_root)
    if not input_dir.is_dir():
        raise FatalInput(f"输入文件夹不存在：{input_dir}")
    output_root.mkdir(parents=True, exist_ok=True)
    token = new_token()
    sock = _bind(port)
    port = sock.getsockname()[1]
    ws = Workspace(input_dir, output_root, rules_path=rules_path, mail_config=mail_config, workers=workers)
    config = uvicorn.Config(create_app(ws, token), log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    ws.stop = lambda: setattr(server, "should_exit", True)
    info = output_root / SERVER_FILE

    outfiles.write_text_atomic(
        info,
        json.dumps(
            {
                "pid": os.getpid(),
                "host": this_host(),
                "port": port,
                "started": now_text(),
                "说明": "考核网页正在运行；网页退出后本文件自动删除。",
            },
            ensure_ascii=False,
            indent=1,
        ),
    )
    url = f"http://{HOST}:{port}/?token={token}"
    say(f"考核网页已启动：{url}")
    say(
        "请在浏览器中打开上面的地址（已自动打开）；用完后点网页右上角的“退出”结束。"
        if open_browser
        else "请在浏览器中打开上面的地址；用完后点网页右上角的“退出”结束。"
    )
    if open_browser:
        threading.Timer(0.3, webbrowser.open, (url,)).start()
    if ready is not None:
        threading.Timer(0.05, ready, (url,)).start()
    try:
        server.run(sockets=[sock])
    finally:
        ws.jobs.wait(timeout=600)  # an assessment under way finishes its files before the server goes
        sock.close()
        try:
            if json.loads(info.read_text(encoding="utf-8")).get("pid") == os.getpid():
                info.unlink()
        except (OSError, ValueError):
            pass
    say("考核网页已退出。")
    return 0
