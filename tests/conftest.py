"""Shared fixtures: where the real data lives, and small recordings to test with."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


def require(condition: bool, why: str) -> None:
    """Skip a test whose component is missing, except under CI where that is a failure."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"missing under CI: {why}")
    pytest.skip(why)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real captures and trajectories beside the project."""
    require(SHARED_DATA.is_dir(), f"real data not found at {SHARED_DATA}")
    return SHARED_DATA
