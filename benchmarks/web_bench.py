"""How fast the clerk's page answers on a city-year: the 报送情况 and the verdict of one dropped report.

    python -m benchmarks.web_bench [--stations 100] [--repeat 3]

Builds (or reuses) the synthetic city of benchmarks/bench.py, then calls the page's routes in
this process as the browser would (Starlette's TestClient, worker processes spawned as the server
spawns them) and prints, best of ``--repeat``:

- the first 报送情况 (a cold read cache: every report read once),
- the 报送情况 again (warm cache),
- one resubmitted report dropped on the page until its verdict (stored, read, every other file
  found in the cache).

The goal of issue 26 is the verdict within a second; the figures say whether it holds here.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench import build_city, resubmit, resubmitted  # noqa: E402


def _client(input_dir: Path, output: Path, workers: int):
    from starlette.testclient import TestClient

    from lingong.web.app import Workspace, create_app

    token = "bench"
    client = TestClient(create_app(Workspace(input_dir, output, workers=workers), token), base_url="http://127.0.0.1")
    client.headers["authorization"] = f"Bearer {token}"
    return client


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.web_bench", description="考核网页的响应时间（报送情况、上传一份报表到看到结果）"
    )
    ap.add_argument("--stations", type=int, default=100, help="驿站数（按 25 个一组复制样例城市，默认 100）")
    ap.add_argument("--data", type=Path, default=None, help="生成数据的文件夹（默认 bench-data/）")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    os.environ.setdefault("LINGONG_START_METHOD", "spawn")  # as the server runs its workers
    data = (args.data or ROOT / "bench-data") / str(args.stations)
    build_city(data, args.stations, workers=args.workers)
    source = data / "input"
    n = sum(1 for p in source.rglob("*") if p.is_file())
    cold, warm, drop = [], [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="lingong-web-bench-") as tmp:
            inp, out = Path(tmp) / "input", Path(tmp) / "output"
            shutil.copytree(source, inp)
            client = _client(inp, out, args.workers)

            def board():
                r = client.get("/api/board")
                assert r.status_code == 200, r.text

            cold.append(_timed(board))
            warm.append(_timed(board))
            report = resubmitted(inp)
            original = resubmit(report)  # the station's program writes it again: other bytes
            data_again = report.read_bytes()
            report.write_bytes(original)

            def upload():
                r = client.post("/api/files", files=[("files", (report.name, data_again))])
                (f,) = r.json()["files"]
                assert f["verdict"] is not None, f

            drop.append(_timed(upload))
    print(f"城市：{args.stations} 个驿站，{n} 个文件，{args.workers} 个进程（spawn），{args.repeat} 轮取最好")
    print(f"  报送情况（首次，读取缓存为空）：{min(cold):.2f} s")
    print(f"  报送情况（再次，读取缓存已有）：{min(warm):.2f} s")
    print(f"  上传一份报表到看到结果：      {min(drop):.2f} s（目标 ≤ 1 s：{'达到' if min(drop) <= 1 else '未达到'}）")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
