"""python -m lingong.demo DEST: write the sample city to DEST."""

from __future__ import annotations

from pathlib import Path

from lingong.demo.writers import build_demo

if __name__ == "__main__":
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "demo_input")
    demo = build_demo(target)
    print(f"示例数据已生成：{target}（{len(demo.report_files)} 份报表，{len(demo.stations)} 个驿站）")
