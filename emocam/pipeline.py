"""Frame -> FrameResult: detect -> crop -> classify -> smooth."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import cv2
import numpy as np

from emocam.classification import EmotionClassifier
from emocam.detection import FaceDetector
from emocam.smoothing import FaceTracker
from emocam.types import Box, Frame, FrameResult, StageTimes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PipelineSettings:
    """``detect_width``: faces are searched on a copy at most this wide (speed; boxes are scaled back).
    ``max_faces``: at most this many faces (largest first) are classified per frame."""

    detect_width: int = 320
    max_faces: int = 8

    def __post_init__(self):
        if self.detect_width < 64 or self.max_faces < 1:
            raise ValueError("PipelineSettings.detect_width must be >= 64 and max_faces >= 1")


class Pipeline:
    """Runs one frame through detection, classification and smoothing. Use from one thread."""

    def __init__(self, detector: FaceDetector, classifier: EmotionClassifier,
                 tracker: FaceTracker | None = None, settings: PipelineSettings = PipelineSettings()):
        self.detector, self.classifier = detector, classifier
        self.tracker = tracker or FaceTracker()
        self.settings = settings

    def process(self, frame: Frame) -> FrameResult:
        t0 = time.perf_counter()
        gray = cv2.cvtColor(frame.image, cv2.COLOR_RGB2GRAY)
        boxes = self.detect(gray)
        kept, skipped = boxes[: self.settings.max_faces], max(0, len(boxes) - self.settings.max_faces)
        t1 = time.perf_counter()
        probabilities = self.classifier.predict([crop(gray, b) for b in kept])
        t2 = time.perf_counter()
        faces = self.tracker.update(kept, probabilities)
        t3 = time.perf_counter()
        times = StageTimes(1e3 * (t1 - t0), 1e3 * (t2 - t1), 1e3 * (t3 - t2))
        return FrameResult(frame, faces, times, skipped)

    def detect(self, gray: np.ndarray) -> list[Box]:
        """Faces in a full-size gray frame, searched on a downscaled copy, clipped to the frame."""
        h, w = gray.shape
        scale = min(1.0, self.settings.detect_width / w)
        small = gray if scale == 1.0 else cv2.resize(gray, (round(w * scale), round(h * scale)),
                                                      interpolation=cv2.INTER_AREA)
        boxes = (b.clipped(w, h) for b in self.detector.detect(small, 1.0 / scale))
        return [b for b in boxes if b is not None]


def crop(gray: np.ndarray, box: Box) -> np.ndarray:
    """The face region of a gray frame (a view, no copy)."""
    return gray[box.y: box.y + box.h, box.x: box.x + box.w]
