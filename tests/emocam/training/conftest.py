"""Fixtures for the training tools: tiny FER2013-shaped data files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

PER_CLASS = 10


@pytest.fixture(scope="session")
def fer_npz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An npz like ``val.npz``: 70 random 48x48 faces, 10 per class, labels in FER2013 order."""
    rng = np.random.default_rng(7)
    y = np.repeat(np.arange(7, dtype=np.uint8), PER_CLASS)
    path = tmp_path_factory.mktemp("fer") / "tiny.npz"
    np.savez(path, x=rng.integers(0, 256, (len(y), 48, 48), dtype=np.uint8), y=y)
    return path
