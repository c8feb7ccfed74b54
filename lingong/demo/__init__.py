"""A whole sample city (随州市, 2023) for `process.py --demo`, the docs and the tests.

Deterministic: every random choice comes from a random.Random seeded per
station, and no wall-clock time is written, so two builds give the same cells.
The stations are designed against the default rules so that at 2023H1 and at
2023 some stations are 优秀, some 合格 and some 不合格 on different items, and
so that every reading branch shows at least once (messy values, resubmission,
缺报, a rejected file, damaged files, a lock file). ``DemoInfo.planted`` lists
what was planted where.
"""

from __future__ import annotations

from lingong.demo.cycle import CYCLE, MARKER, resubmit, start_cycle
from lingong.demo.scenario import DECISIONS_FILE, REGISTRY_FILE, DemoInfo, Planted
from lingong.demo.writers import build_demo

# Split by seam: scenario (the city as planned and what it should grade), figures
# (people and numbers), writers (the files) and cycle (the demo's year of checks).
__all__ = [
    "CYCLE",
    "DECISIONS_FILE",
    "MARKER",
    "REGISTRY_FILE",
    "DemoInfo",
    "Planted",
    "build_demo",
    "resubmit",
    "start_cycle",
]
