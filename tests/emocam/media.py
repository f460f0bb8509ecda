"""Test media made from real parts: the public-domain demo portrait, frames built from it, and
real video files written with ``cv2.VideoWriter`` (helpers, not a test module).

Known facts about the portrait (see assets/demo/README.md): the default Haar cascade finds exactly
one face in the full 512x512 image, at ``PORTRAIT_FACE``.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from emocam.types import Box, Frame

PORTRAIT = Path(__file__).resolve().parents[2] / "assets" / "demo" / "astronaut.jpg"
PORTRAIT_FACE = Box(177, 66, 95, 95)  # where the cascade finds her face in the full portrait
STAGE_SIZE = (640, 480)  # width, height: the demo stage and a typical webcam frame
BACKGROUND = (24, 26, 32)

# Formats that opencv-python-headless writes and reads back here (its bundled FFmpeg).
VIDEO_FORMATS = [("mp4v", ".mp4"), ("MJPG", ".avi")]


@functools.lru_cache(maxsize=None)
def _portrait() -> np.ndarray:
    bgr = cv2.imread(str(PORTRAIT), cv2.IMREAD_COLOR)
    assert bgr is not None, f"{PORTRAIT}: demo portrait missing"
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    rgb.flags.writeable = False
    return rgb


def portrait() -> np.ndarray:
    """The demo portrait as a fresh, writable RGB array."""
    return _portrait().copy()


def face_crop(margin: int = 40) -> np.ndarray:
    """Her face with ``margin`` pixels around it (enough context for the cascade; no shuttle)."""
    b = PORTRAIT_FACE
    return portrait()[max(0, b.y - margin): b.y + b.h + margin, max(0, b.x - margin): b.x + b.w + margin].copy()


def tiled_faces(n: int, margin: int = 40) -> np.ndarray:
    """``n`` copies of the face crop side by side: a frame with ``n`` faces."""
    return np.ascontiguousarray(np.concatenate([face_crop(margin)] * n, axis=1))


def on_stage(image: np.ndarray, scale: float, offset: tuple[int, int],
             size: tuple[int, int] = STAGE_SIZE) -> np.ndarray:
    """``image`` scaled by ``scale`` and pasted with its top-left at ``offset`` on a plain stage."""
    w, h = size
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    stage = np.empty((h, w, 3), np.uint8)
    stage[:] = BACKGROUND
    x, y = offset
    sh, sw = min(small.shape[0], h - y), min(small.shape[1], w - x)
    stage[y: y + sh, x: x + sw] = small[:sh, :sw]
    return stage


def face_on_stage(scale: float = 0.8, offset: tuple[int, int] = (200, 120)) -> tuple[np.ndarray, Box]:
    """A 640x480 frame showing the face crop, and where the face is expected in it."""
    margin = 40
    image = on_stage(face_crop(margin), scale, offset)
    b = PORTRAIT_FACE
    fx, fy = min(margin, b.x), min(margin, b.y)  # the face's position inside the crop
    expected = Box(round(offset[0] + fx * scale), round(offset[1] + fy * scale), round(b.w * scale), round(b.h * scale))
    return image, expected


def blank(value: int = 0, size: tuple[int, int] = STAGE_SIZE) -> np.ndarray:
    """A uniform frame (no face anywhere)."""
    w, h = size
    return np.full((h, w, 3), value, np.uint8)


def solid(rgb: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> np.ndarray:
    """A frame of one RGB colour."""
    w, h = size
    frame = np.empty((h, w, 3), np.uint8)
    frame[:] = rgb
    return frame


def grey_levels(n: int, size: tuple[int, int] = (64, 48)) -> list[np.ndarray]:
    """``n`` frames of clearly different uniform grey levels (frame ``i`` has level ``level(i)``)."""
    return [blank(level(i), size) for i in range(n)]


def level(i: int) -> int:
    return 20 + 40 * i


def make_frame(image: np.ndarray, index: int = 0, source: str = "test") -> Frame:
    return Frame(image, index, time.monotonic(), source)


def write_video(path: Path, frames_rgb: Sequence[np.ndarray], fps: float = 20.0, fourcc: str = "mp4v") -> Path:
    """Write RGB frames to a real video file with ``cv2.VideoWriter``; returns ``path``."""
    h, w = frames_rgb[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (w, h))
    assert writer.isOpened(), f"cv2.VideoWriter cannot write {fourcc} to {path}"
    try:
        for rgb in frames_rgb:
            writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    finally:
        writer.release()
    assert path.is_file() and path.stat().st_size > 0
    return path


def write_image(path: Path, rgb: np.ndarray) -> Path:
    assert cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)), f"could not write {path}"
    return path
