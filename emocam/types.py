"""Immutable values that flow one way through the pipeline: Frame -> Box -> Prediction -> Face -> FrameResult."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from emocam.emotions import EMOTIONS, NUM_CLASSES, Emotion


@dataclass(frozen=True)
class Frame:
    """One captured RGB image (uint8 HxWx3, read-only) with its capture time (``time.monotonic``)."""

    image: np.ndarray
    index: int
    timestamp: float
    source: str = ""

    def __post_init__(self):
        img = self.image
        if not isinstance(img, np.ndarray) or img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
            desc = getattr(img, "shape", type(img).__name__)
            raise ValueError(f"Frame.image must be uint8 HxWx3 RGB, got {desc} {getattr(img, 'dtype', '')}")
        if img.shape[0] == 0 or img.shape[1] == 0:
            raise ValueError(f"Frame.image is empty: {img.shape}")
        if img.flags.writeable:
            img.flags.writeable = False  # frames are shared between threads: nobody may draw on them

    @property
    def width(self) -> int:
        return self.image.shape[1]

    @property
    def height(self) -> int:
        return self.image.shape[0]


@dataclass(frozen=True)
class Box:
    """A face rectangle in frame pixels."""

    x: int
    y: int
    w: int
    h: int

    def __post_init__(self):
        if self.w <= 0 or self.h <= 0:
            raise ValueError(f"Box.w and Box.h must be positive, got w={self.w} h={self.h}")

    @property
    def area(self) -> int:
        return self.w * self.h

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)

    def iou(self, other: Box) -> float:
        """Intersection over union with another box (0 when disjoint)."""
        ix = max(0, min(self.x + self.w, other.x + other.w) - max(self.x, other.x))
        iy = max(0, min(self.y + self.h, other.y + other.h) - max(self.y, other.y))
        inter = ix * iy
        return inter / (self.area + other.area - inter) if inter else 0.0

    def clipped(self, width: int, height: int) -> Box | None:
        """This box cut to a ``width`` x ``height`` image; None when nothing is left."""
        x0, y0 = max(0, self.x), max(0, self.y)
        x1, y1 = min(width, self.x + self.w), min(height, self.y + self.h)
        return Box(x0, y0, x1 - x0, y1 - y0) if x1 > x0 and y1 > y0 else None

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px < self.x + self.w and self.y <= py < self.y + self.h


@dataclass(frozen=True)
class Prediction:
    """Seven probabilities in FER2013 order, summing to 1."""

    probabilities: tuple[float, ...]

    def __post_init__(self):
        p = tuple(float(v) for v in self.probabilities)
        object.__setattr__(self, "probabilities", p)
        if len(p) != NUM_CLASSES:
            raise ValueError(f"Prediction.probabilities needs {NUM_CLASSES} values, got {len(p)}")
        if any(not math.isfinite(v) or v < -1e-6 for v in p) or abs(sum(p) - 1.0) > 1e-3:
            raise ValueError(f"Prediction.probabilities must be >= 0 and sum to 1, got {p}")

    @classmethod
    def from_array(cls, values) -> Prediction:
        return cls(tuple(np.asarray(values, dtype=np.float64).tolist()))

    @property
    def top(self) -> int:
        return int(np.argmax(self.probabilities))

    @property
    def emotion(self) -> Emotion:
        return EMOTIONS[self.top]

    @property
    def confidence(self) -> float:
        return self.probabilities[self.top]

    @property
    def margin(self) -> float:
        """Top probability minus the runner-up: small margins mean an uncertain call."""
        first, second = sorted(self.probabilities, reverse=True)[:2]
        return first - second


@dataclass(frozen=True)
class Face:
    """A detected face: its box, the (smoothed) prediction, the shown label and its track."""

    box: Box
    prediction: Prediction
    label: int  # index of the emotion shown (may lag the top class: hysteresis)
    track_id: int = 0
    uncertain: bool = False

    def __post_init__(self):
        if not 0 <= self.label < NUM_CLASSES:
            raise ValueError(f"Face.label must be 0..{NUM_CLASSES - 1}, got {self.label}")

    @property
    def emotion(self) -> Emotion:
        return EMOTIONS[self.label]

    @property
    def text(self) -> str:
        """What the overlay shows, e.g. ``Happy 87%`` or ``Happy? (uncertain)``."""
        pct = round(100 * self.prediction.probabilities[self.label])
        return f"{self.emotion.name} {pct}%" + (" ?" if self.uncertain else "")


@dataclass(frozen=True)
class StageTimes:
    """Milliseconds spent in each pipeline stage for one frame."""

    detect_ms: float = 0.0
    classify_ms: float = 0.0
    smooth_ms: float = 0.0

    @property
    def total_ms(self) -> float:
        return self.detect_ms + self.classify_ms + self.smooth_ms


@dataclass(frozen=True)
class FrameResult:
    """A processed frame: the frame, its faces (largest first) and how long each stage took."""

    frame: Frame
    faces: tuple[Face, ...] = ()
    times: StageTimes = field(default_factory=StageTimes)
    faces_skipped: int = 0  # faces found but not classified (over the per-frame cap)
    epoch: int = 0  # the live session's epoch it was made in; older epochs are stale (other source/model)

    def __post_init__(self):
        if not isinstance(self.faces, tuple):
            object.__setattr__(self, "faces", tuple(self.faces))

    @property
    def largest(self) -> Face | None:
        return max(self.faces, key=lambda f: f.box.area, default=None)


def match_by_iou(a: Sequence[Box], b: Sequence[Box], min_iou: float) -> dict[int, int]:
    """One-to-one pairs ``{index in a: index in b}``, best overlap first, each at least ``min_iou``."""
    pairs = sorted(((x.iou(y), i, j) for i, x in enumerate(a) for j, y in enumerate(b)), reverse=True)
    used_a, used_b, matches = set(), set(), {}
    for overlap, i, j in pairs:
        if overlap < min_iou:
            break
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            matches[i] = j
    return matches
