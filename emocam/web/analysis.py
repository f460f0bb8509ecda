"""The web app's one door to emotion analysis: an RGB image in, a list of :class:`FaceReport` out.

This adapter composes the current core (Haar :class:`~emocam.live.detection.FaceDetector` +
:class:`~emocam.live.pipeline.Pipeline`). When the package's public ``emocam.Analyzer`` lands, only
this module changes: the routes and the live socket use :class:`StillAnalyzer` and
:class:`LiveAnalyzer` and nothing else of the core's analysis.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from emocam.emotions import EMOTIONS, NAMES
from emocam.live.detection import FaceDetector
from emocam.live.pipeline import Pipeline, PipelineSettings
from emocam.live.smoothing import FaceTracker, SmoothingSettings
from emocam.types import Frame, FrameResult

STILL_DETECT_WIDTH = 1600  # photos are searched on a copy at most this wide (boxes are scaled back)


@dataclass(frozen=True)
class FaceReport:
    """One face: ``box`` (x, y, w, h) in the image's pixels, the emotion shown, the 7 probabilities in
    FER2013 order, and the track id (None for still images)."""

    box: tuple[int, int, int, int]
    emotion: str
    probabilities: tuple[float, ...]
    uncertain: bool = False
    track_id: int | None = None

    def __post_init__(self):
        if len(self.probabilities) != len(NAMES):
            raise ValueError(f"FaceReport.probabilities needs {len(NAMES)} values, got {len(self.probabilities)}")
        if self.emotion not in NAMES:
            raise ValueError(f"FaceReport.emotion must be one of {NAMES}, got {self.emotion!r}")

    @property
    def emoji_file(self) -> str:
        return EMOTIONS[NAMES.index(self.emotion)].emoji_file

    def as_json(self, emoji_base: str = "/emojis/") -> dict:
        return {"box": list(self.box), "emotion": self.emotion,
                "confidence": round(max(self.probabilities), 4), "uncertain": self.uncertain,
                "probabilities": {n: round(p, 4) for n, p in zip(NAMES, self.probabilities)},
                "emoji": emoji_base + self.emoji_file, "track_id": self.track_id}


def _reports(result: FrameResult, tracked: bool) -> list[FaceReport]:
    return [FaceReport((f.box.x, f.box.y, f.box.w, f.box.h), f.emotion.name,
                       tuple(float(p) for p in f.prediction.probabilities), f.uncertain,
                       f.track_id if tracked else None)
            for f in result.faces]


class StillAnalyzer:
    """Photos, one at a time: every image is searched whole, no smoothing. Thread-safe (a lock:
    the classifier and the cascade are used by one thread at a time)."""

    def __init__(self, classifier, detector: FaceDetector | None = None):
        tracker = FaceTracker(SmoothingSettings(enabled=False))
        settings = PipelineSettings(detect_width=STILL_DETECT_WIDTH, full_scan_every=1)
        self._pipeline = Pipeline(detector or FaceDetector(), classifier, tracker, settings)
        self._lock = threading.Lock()

    def analyze(self, rgb: np.ndarray) -> list[FaceReport]:
        with self._lock:
            self._pipeline.reset()
            return _reports(self._pipeline.process(Frame(rgb, 0, time.monotonic(), "upload")), tracked=False)


class LiveAnalyzer:
    """Frames of one browser camera stream: faces are followed from frame to frame and their
    probabilities smoothed, as in the desktop app. One per connection; use from one thread at a time."""

    def __init__(self, classifier, detector: FaceDetector | None = None):
        self._pipeline = Pipeline(detector or FaceDetector(), classifier, FaceTracker())
        self._index = 0

    def analyze(self, rgb: np.ndarray) -> list[FaceReport]:
        self._index += 1
        frame = Frame(rgb, self._index, time.monotonic(), "browser-camera")
        return _reports(self._pipeline.process(frame), tracked=True)
