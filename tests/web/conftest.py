"""The clerk's page under test: the app over a demo city."""

from __future__ import annotations

from pathlib import Path

import pytest

from lingong.demo import build_demo


@pytest.fixture(autouse=True)
def _spawned_workers(monkeypatch):
    # As on the clerk's Windows PC, and as the server sets it: no fork from a threaded process.
    monkeypatch.setenv("LINGONG_START_METHOD", "spawn")


@pytest.fixture(scope="module")
def demo_input(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    build_demo(root / "input")
    return root / "input"
