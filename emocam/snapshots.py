"""Saving images: unique timestamped names, written atomically (a complete file or none)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

from emocam.fileio import atomic_write_bytes


def unique_path(folder: Path, prefix: str = "emocam", suffix: str = ".png", now: datetime | None = None) -> Path:
    """``folder/prefix-YYYYmmdd-HHMMSS-mmm.png``, with ``-2``, ``-3``... if that name is taken."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S-%f")[:-3]
    candidate = folder / f"{prefix}-{stamp}{suffix}"
    n = 2
    while candidate.exists():
        candidate = folder / f"{prefix}-{stamp}-{n}{suffix}"
        n += 1
    return candidate


def save_png_atomic(rgb: np.ndarray, target: Path) -> Path:
    """Encode ``rgb`` as PNG and move it into place atomically; no temp file is left on failure."""
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"{target}: could not encode the image as PNG")
    data = encoded.tobytes()
    for n in range(2, 10_000):  # never overwrite: on a clash (even a concurrent one) take the next name
        try:
            return atomic_write_bytes(target, data, overwrite=False)
        except FileExistsError:
            target = target.with_name(f"{target.stem.rsplit('~', 1)[0]}~{n}{target.suffix}")
    raise OSError(f"{target.parent}: no free file name for the snapshot")


def save_snapshot(rgb: np.ndarray, folder: Path, mirror: bool = False) -> Path:
    """Save a snapshot under a fresh timestamped name in ``folder``; returns the path written."""
    image = rgb[:, ::-1] if mirror else rgb
    return save_png_atomic(image, unique_path(Path(folder)))
