"""Images around style transfer: the built-in styles, reading pictures, the face-centred avatar crop,
sizing, colour preservation and where a result is saved.

Built-in styles are the PNGs in ``assets/styles/`` (drawn by ``tools/make_styles.py``); a style is
named by its file stem (``ember``) or given as a path to any image.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import cv2
import numpy as np

from emocam.types import Box
from emocam import resources

log = logging.getLogger(__name__)

STYLES_DIR = resources.assets_dir("styles")
# one default style per emotion (FER2013 names); any built-in style name may be used
STYLE_FOR_EMOTION = {"Angry": "ember", "Disgust": "lichen", "Fear": "nebula", "Happy": "confetti",
                     "Sad": "rain", "Surprise": "confetti", "Neutral": "mosaic"}


def builtin_styles(folder: Path | None = None) -> dict[str, Path]:
    """Style images by name (file stem), sorted by name: those in ``folder``, by default the shipped
    ones followed by the user's own (``resources.user_dir("styles")``; a shipped name wins)."""
    if folder is not None:
        return {p.stem: p for p in sorted(folder.glob("*.png"))} if folder.is_dir() else {}
    user = resources.user_dir("styles")
    own = {p.stem: p for p in sorted(user.iterdir()) if p.suffix.lower() in (".png", ".jpg", ".jpeg")} \
        if user.is_dir() else {}
    shipped = builtin_styles(STYLES_DIR)
    return {**shipped, **{name: path for name, path in own.items() if name not in shipped}}


def find_style(name_or_path: str | Path, folder: Path | None = None) -> Path:
    """A style image from a built-in name or a path; an unknown name lists the known ones."""
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path
    styles = builtin_styles(folder)
    if str(name_or_path) in styles:
        return styles[str(name_or_path)]
    raise ValueError(f"unknown style {str(name_or_path)!r}: not an image file, nor a built-in style "
                     f"(built-in: {', '.join(styles) or 'none, run tools/make_styles.py'})")


def load_rgb(path: Path) -> np.ndarray:
    """An image file as uint8 HxWx3 RGB; a clear error if it cannot be read."""
    from emocam.live.media import read_rgb

    return read_rgb(path)  # regular files only, size-checked from the header before decoding


def resize_long_side(rgb: np.ndarray, long_side: int) -> np.ndarray:
    """``rgb`` scaled so its longer side is ``long_side`` pixels (area filter when shrinking)."""
    h, w = rgb.shape[:2]
    scale = long_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    if size == (w, h):
        return rgb
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)


@functools.lru_cache(maxsize=1)
def _face_detector():
    """One detector per process: loading the cascade XML costs more than a search on a small image."""
    from emocam.live.detection import FaceDetector

    return FaceDetector()


def largest_face(rgb: np.ndarray) -> Box | None:
    """The largest face the Haar detector finds (searched on a copy at most 480 px wide), or None."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    scale = min(1.0, 480 / gray.shape[1])
    small = gray if scale == 1.0 else cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    boxes = _face_detector().detect(small, 1.0 / scale)
    return max(boxes, key=lambda b: b.area) if boxes else None


def avatar_box(width: int, height: int, face: Box | None, zoom: float = 2.2) -> Box:
    """A square around ``face`` for a head-and-shoulders avatar: ``zoom`` face heights wide, the face a
    little above the centre, moved (not cut) to stay inside the image. No face: the centre square."""
    if face is None:
        side = min(width, height)
        return Box((width - side) // 2, (height - side) // 2, side, side)
    side = min(width, height, round(max(face.w, face.h) * zoom))
    cx, cy = face.x + face.w / 2, face.y + face.h / 2 + 0.12 * face.h
    x = int(np.clip(round(cx - side / 2), 0, width - side))
    y = int(np.clip(round(cy - side / 2), 0, height - side))
    return Box(x, y, side, side)


def avatar_crop(rgb: np.ndarray) -> tuple[np.ndarray, Box | None]:
    """The face-centred square of ``rgb`` and the face it was built around (None: centre square)."""
    face = largest_face(rgb)
    if face is None:
        log.info("no face found: using the centre square for the avatar")
    box = avatar_box(rgb.shape[1], rgb.shape[0], face)
    return np.ascontiguousarray(rgb[box.y: box.y + box.h, box.x: box.x + box.w]), face


def preserve_colour(stylized: np.ndarray, content: np.ndarray) -> np.ndarray:
    """The brightness of ``stylized`` with the colours of ``content`` (Gatys et al. 2016, "Preserving
    Color in Neural Artistic Style Transfer": luminance-only transfer, done in YCrCb)."""
    content = cv2.resize(content, stylized.shape[1::-1], interpolation=cv2.INTER_AREA)
    y = cv2.cvtColor(stylized, cv2.COLOR_RGB2YCrCb)[..., :1]
    crcb = cv2.cvtColor(content, cv2.COLOR_RGB2YCrCb)[..., 1:]
    return cv2.cvtColor(np.concatenate([y, crcb], axis=2), cv2.COLOR_YCrCb2RGB)


def result_path(snapshot: Path, style: Path) -> Path:
    """Where the avatar of ``snapshot`` in ``style`` goes: beside the snapshot,
    ``<snapshot>-avatar-<style>.png`` (the atomic writer picks ``-2``... if that is taken)."""
    snapshot = Path(snapshot)
    return snapshot.with_name(f"{snapshot.stem}-avatar-{Path(style).stem}.png")
