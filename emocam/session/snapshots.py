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


def snapshot_record(faces, mirror: bool = False, width: int | None = None) -> dict:
    """What a snapshot's sidecar JSON holds: each face's track, box (in the saved image's pixels),
    top emotion, confidence and the seven probabilities (FER2013 order)."""
    from emocam.emotions import EMOTIONS

    out = []
    for face in faces:
        b = face.box
        x = (width - b.x - b.w) if mirror and width else b.x
        out.append({"track_id": face.track_id, "box": [int(x), int(b.y), int(b.w), int(b.h)],
                    "emotion": face.emotion.name, "confidence": round(float(face.prediction.probabilities[face.label]), 4),
                    "probabilities": {e.name: round(float(face.prediction.probabilities[e.index]), 4) for e in EMOTIONS}})
    return {"faces": out, "mirrored": bool(mirror)}


def draw_overlays(rgb: np.ndarray, faces, mirror: bool = False) -> np.ndarray:
    """A copy of ``rgb`` (mirrored if asked) with each face's box and ``#N Emotion NN%`` label drawn."""
    import cv2

    image = np.ascontiguousarray(rgb[:, ::-1] if mirror else rgb).copy()
    width = image.shape[1]
    for face in faces:
        b = face.box
        x = (width - b.x - b.w) if mirror else b.x
        colour = tuple(int(c) for c in face.emotion.colour)
        cv2.rectangle(image, (int(x), int(b.y)), (int(x + b.w), int(b.y + b.h)), colour, 3)
        label = f"#{face.track_id} {face.text}"
        (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 0.6, 2)
        top = max(0, int(b.y) - th - 8)
        cv2.rectangle(image, (int(x), top), (int(x) + tw + 8, top + th + 8), colour, -1)
        cv2.putText(image, label, (int(x) + 4, top + th + 3), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (20, 20, 20), 2,
                    cv2.LINE_AA)
    return image


def save_snapshot_with_record(rgb: np.ndarray, folder: Path, faces, mirror: bool = False,
                              overlays: bool = False) -> Path:
    """Save the snapshot (with the overlays drawn if asked) and, beside it, ``<name>.json`` holding
    :func:`snapshot_record`; returns the image's path."""
    import json

    from emocam.fileio import atomic_write_bytes

    image = draw_overlays(rgb, faces, mirror) if overlays else (rgb[:, ::-1] if mirror else rgb)
    path = save_png_atomic(image, unique_path(Path(folder)))
    record = snapshot_record(faces, mirror, rgb.shape[1])
    atomic_write_bytes(path.with_suffix(".json"), json.dumps({"image": path.name, **record}, indent=2).encode())
    return path
