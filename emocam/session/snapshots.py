"""Saving images: unique timestamped names, written atomically (a complete file or none)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

from emocam.fileio import save_png_atomic

__all__ = ["save_png_atomic", "save_snapshot", "unique_path"]


def unique_path(folder: Path, prefix: str = "emocam", suffix: str = ".png", now: datetime | None = None) -> Path:
    """``folder/prefix-YYYYmmdd-HHMMSS-mmm.png``, with ``-2``, ``-3``... if that name is taken."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S-%f")[:-3]
    candidate = folder / f"{prefix}-{stamp}{suffix}"
    n = 2
    while candidate.exists():
        candidate = folder / f"{prefix}-{stamp}-{n}{suffix}"
        n += 1
    return candidate


def save_snapshot(rgb: np.ndarray, folder: Path, mirror: bool = False) -> Path:
    """Save a snapshot under a fresh timestamped name in ``folder``; returns the path written."""
    image = rgb[:, ::-1] if mirror else rgb
    return save_png_atomic(image, unique_path(Path(folder)))
