"""Fixtures shared by test folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.city import write_city


@pytest.fixture
def city(tmp_path) -> Path:
    """Three stations, six months of 2023H1, one report with an error (a count typed as 十二)."""
    return write_city(tmp_path / "input", broken=(("GS-001", 3),), folder="曾都区")
