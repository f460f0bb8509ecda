"""Frame -> FrameResult: find faces -> crop -> classify -> smooth.

Where faces are looked for (following known faces, banded whole-frame searches) is
:class:`emocam.live.face_search.FaceSearch`; this module only composes the stages.
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from emocam.live.classifier import EmotionClassifier
from emocam.live.detection import FaceDetector
from emocam.live.face_search import FaceSearch, PipelineSettings, band_edges, crop
from emocam.live.smoothing import FaceTracker
from emocam.types import Box, Frame, FrameResult, StageTimes

__all__ = ["Pipeline", "PipelineSettings", "band_edges", "crop", "gray_crop"]


class Pipeline:
    """Runs one frame through face search, classification and smoothing. Use from one thread."""

    def __init__(self, detector: FaceDetector, classifier: EmotionClassifier,
                 tracker: FaceTracker | None = None, settings: PipelineSettings = PipelineSettings()):
        self.search = FaceSearch(detector, settings)
        self.classifier = classifier
        self.tracker = tracker or FaceTracker()
        self.settings = settings

    @property
    def detector(self) -> FaceDetector:
        return self.search.detector

    @detector.setter
    def detector(self, detector: FaceDetector) -> None:
        self.search.detector = detector

    def reset(self) -> None:
        """Forget the faces being followed and their tracks: the next frame starts afresh."""
        self.search.reset()
        self.tracker.reset()

    def process(self, frame: Frame) -> FrameResult:
        t0 = time.perf_counter()
        boxes = self.search.find(frame)
        kept, skipped = boxes[: self.settings.max_faces], max(0, len(boxes) - self.settings.max_faces)
        t1 = time.perf_counter()
        probabilities = self.classifier.predict([gray_crop(frame.image, b) for b in kept])
        t2 = time.perf_counter()
        faces = self.tracker.update(kept, probabilities)
        t3 = time.perf_counter()
        times = StageTimes(1e3 * (t1 - t0), 1e3 * (t2 - t1), 1e3 * (t3 - t2))
        return FrameResult(frame, faces, times, skipped)


def gray_crop(image: np.ndarray, box: Box) -> np.ndarray:
    """The face region of an RGB frame in gray (only the face's pixels are converted)."""
    return cv2.cvtColor(crop(image, box), cv2.COLOR_RGB2GRAY)
