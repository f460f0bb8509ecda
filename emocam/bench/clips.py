"""Synthetic clips for the benchmarks: ``faces`` copies of the demo portrait's face, of different
sizes, drifting slowly on a plain stage of any size, as BGR frames or written to a video file.

    python -m emocam.bench.clips OUT.avi --faces 4 --size 1280x720 [--seconds 10] [--fps 30]

The faces are laid out in a grid (one per cell) and drift inside their cells, so a clip of any length
keeps every face whole and apart. Their widths spread from ``min_face`` px up to what the cell holds
(at most ``max_face``): on 1280x720 with four faces, 56-150 px. Written as Motion-JPEG (what most
webcams deliver at 720p and up), so decoding a clip costs what decoding a camera's stream costs.
"""

from __future__ import annotations

import argparse
import functools
import math
import sys
from pathlib import Path

import cv2
import numpy as np

from emocam import resources
from emocam.types import Box

PORTRAIT_FACE = Box(177, 66, 95, 95)  # where the default cascade finds her face (assets/demo/README.md)
MARGIN = 0.4  # context kept around the face, in face widths: the cascade needs some
BACKGROUND = (40, 40, 40)


@functools.lru_cache(maxsize=1)
def _face_crop() -> np.ndarray:
    """The portrait's face with its margin, BGR (read once)."""
    path = resources.assets_dir("demo", "astronaut.jpg")
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise FileNotFoundError(f"{path}: the demo portrait is missing; reinstall emocam")
    b, pad = PORTRAIT_FACE, round(MARGIN * PORTRAIT_FACE.w)
    return np.ascontiguousarray(bgr[max(0, b.y - pad): b.y + b.h + pad, max(0, b.x - pad): b.x + b.w + pad])


def grid(faces: int, width: int, height: int) -> tuple[int, int]:
    """(columns, rows) for ``faces`` cells on a ``width`` x ``height`` stage, cells as square as can be."""
    best = None
    for cols in range(1, faces + 1):
        rows = math.ceil(faces / cols)
        cell = min(width / cols, height / rows)
        if best is None or cell > best[0]:
            best = (cell, cols, rows)
    return best[1], best[2]


def face_widths(faces: int, width: int, height: int, min_face: int = 56, max_face: int = 150) -> list[int]:
    """Face widths in px, smallest first, spread evenly from ``min_face`` to what one cell holds."""
    cols, rows = grid(faces, width, height)
    crop_h, crop_w = _face_crop().shape[:2]
    fits = 0.8 * min(width / cols / (crop_w / PORTRAIT_FACE.w), height / rows / (crop_h / PORTRAIT_FACE.h))
    top = int(min(max_face, fits))
    if top < min_face:
        raise ValueError(f"{faces} faces of at least {min_face} px do not fit on {width}x{height}")
    return [round(w) for w in np.linspace(min_face, top, faces)] if faces > 1 else [top]


def clip_frames(faces: int, width: int, height: int, count: int, fps: float = 30.0,
                min_face: int = 56) -> list[np.ndarray]:
    """``count`` BGR frames of ``faces`` faces (``min_face`` px wide and up) drifting on a plain stage."""
    cols, rows = grid(faces, width, height)
    cw, ch = width // cols, height // rows
    crop = _face_crop()
    tiles = [cv2.resize(crop, None, fx=w / PORTRAIT_FACE.w, fy=w / PORTRAIT_FACE.w, interpolation=cv2.INTER_AREA)
             for w in face_widths(faces, width, height, min_face)]
    frames = []
    for i in range(count):
        t = i / fps
        stage = np.empty((height, width, 3), np.uint8)
        stage[:] = BACKGROUND
        for k, tile in enumerate(tiles):
            th, tw = tile.shape[:2]
            room_x, room_y = cw - tw, ch - th
            x = (k % cols) * cw + round(room_x * (0.5 + 0.45 * math.sin(0.7 * t + k)))
            y = (k // cols) * ch + round(room_y * (0.5 + 0.45 * math.sin(0.5 * t + 2 * k)))
            stage[y: y + th, x: x + tw] = tile
        frames.append(stage)
    return frames


def write_clip(path: Path, faces: int, width: int, height: int, seconds: float = 10.0, fps: float = 30.0,
               min_face: int = 56) -> Path:
    """Write a Motion-JPEG clip (``.avi``) of :func:`clip_frames`; returns ``path``."""
    path = Path(path)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    if not writer.isOpened():
        raise OSError(f"{path}: OpenCV could not open a Motion-JPEG writer there (is the folder writable, "
                      "and the name ending in .avi?)")
    try:
        for frame in clip_frames(faces, width, height, max(1, round(seconds * fps)), fps, min_face):
            writer.write(frame)
    finally:
        writer.release()
    return path


def parse_size(text: str) -> tuple[int, int]:
    """``1280x720`` -> (1280, 720)."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give a size as WIDTHxHEIGHT, e.g. 1280x720") from None
    if not (64 <= w <= 7680 and 64 <= h <= 4320):
        raise argparse.ArgumentTypeError(f"{text!r}: width and height must be 64-7680 and 64-4320")
    return w, h


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m emocam.bench.clips", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", type=Path, help="the .avi file to write")
    p.add_argument("--faces", type=int, default=4, choices=range(1, 17), metavar="1-16")
    p.add_argument("--size", type=parse_size, default=(1280, 720), metavar="WxH")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--fps", type=float, default=30.0)
    p.add_argument("--min-face", type=int, default=56, help="the smallest face's width in px (default 56)")
    args = p.parse_args(argv)
    try:
        write_clip(args.out, args.faces, *args.size, args.seconds, args.fps, args.min_face)
    except (OSError, ValueError) as e:
        print(f"emocam.bench.clips: {e}", file=sys.stderr)
        return 2
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
