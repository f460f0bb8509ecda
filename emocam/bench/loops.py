"""The two loops that ``python -m emocam bench`` compares, and the per-frame timings they record.

Both take the same BGR frames (what OpenCV delivers from a camera or a video) one at a time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from emocam.live.pipeline import Pipeline
from emocam.types import Box, Frame

STAGES = ("capture", "detect", "classify", "smooth")
STAGE_TITLES = {"capture": "capture/convert", "detect": "detect", "classify": "classify", "smooth": "smooth"}


@dataclass
class LoopRecord:
    """Milliseconds per frame for each stage and in all, frames with a face, classifier ms per face."""

    name: str
    stages: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STAGES})
    total: list[float] = field(default_factory=list)
    face_frames: int = 0
    per_face: list[float] = field(default_factory=list)
    boxes: list[list[Box]] = field(default_factory=list)  # per frame, the faces reported, in frame pixels

    def add(self, total: float, faces: int, **stage_ms: float) -> None:
        for stage in STAGES:
            self.stages[stage].append(stage_ms.get(stage, 0.0))
        self.total.append(total)
        self.face_frames += faces > 0


class ClassicLoop:
    """The loop of the usual emotion-recognition tutorial: ``imutils.resize`` to 400 px wide,
    grayscale, ``detectMultiScale(1.1, 5, (30, 30))`` on that, then for each face: crop, resize to the
    model's input, and one Keras ``model.predict``."""

    def __init__(self, model, cascade_path: Path):
        self.model = model
        self.cascade = cv2.CascadeClassifier(str(cascade_path))
        _, self.height, self.width, self.channels = model.input_shape

    def step(self, bgr: np.ndarray, record: LoopRecord) -> None:
        import imutils

        t0 = time.perf_counter()
        gray = cv2.cvtColor(imutils.resize(bgr, width=400), cv2.COLOR_BGR2GRAY)
        t1 = time.perf_counter()
        rects = self.cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(30, 30))
        t2 = time.perf_counter()
        for (x, y, w, h) in (rects if len(rects) else []):
            face = self._to_input(gray[y: y + h, x: x + w])
            started = time.perf_counter()
            self.model.predict(face, verbose=0)
            record.per_face.append(1e3 * (time.perf_counter() - started))
        t3 = time.perf_counter()
        record.add(1e3 * (t3 - t0), len(rects), capture=1e3 * (t1 - t0), detect=1e3 * (t2 - t1),
                   classify=1e3 * (t3 - t2))
        back = bgr.shape[1] / gray.shape[1]  # boxes of the 400 px copy, in frame pixels (not timed)
        record.boxes.append([Box(round(x * back), round(y * back), round(w * back), round(h * back))
                             for (x, y, w, h) in (rects if len(rects) else [])])

    def _to_input(self, gray_face: np.ndarray) -> np.ndarray:
        x = cv2.resize(gray_face, (self.width, self.height)).astype(np.float32) / 127.5 - 1.0
        x = np.repeat(x[..., None], self.channels, axis=-1)  # our models take [-1, 1]; RGB ones get gray x3
        return x[None]


class EmocamLoop:
    """emocam's live path: what ``CameraSource.read`` and ``CaptureWorker`` do with each camera frame
    (BGR -> RGB, a :class:`Frame`), then :meth:`Pipeline.process`, exactly as the app's ProcessWorker."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.index = 0

    def step(self, bgr: np.ndarray, record: LoopRecord) -> None:
        t0 = time.perf_counter()
        frame = Frame(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), self.index, time.monotonic(), "bench")
        t1 = time.perf_counter()
        result = self.pipeline.process(frame)
        t2 = time.perf_counter()
        self.index += 1
        times, faces = result.times, len(result.faces)
        record.add(1e3 * (t2 - t0), faces, capture=1e3 * (t1 - t0), detect=times.detect_ms,
                   classify=times.classify_ms, smooth=times.smooth_ms)
        if faces:
            record.per_face.append(times.classify_ms / faces)
        record.boxes.append([face.box for face in result.faces])


def run_interleaved(frames: list[np.ndarray], loops: list, chunk: int = 25) -> list[LoopRecord]:
    """Run every loop over all ``frames`` in order, taking turns every ``chunk`` frames, so that a
    change in machine load (other jobs) falls on all loops alike. One record per loop."""
    records = [LoopRecord(type(loop).__name__) for loop in loops]
    for start in range(0, len(frames), chunk):
        for loop, record in zip(loops, records):
            for bgr in frames[start: start + chunk]:
                loop.step(bgr, record)
    return records
