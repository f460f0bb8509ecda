"""Faces and emotions in one image or one frame at a time: :func:`analyze_image` and :class:`Analyzer`."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import numpy as np

from emocam.emotions import NAMES
from emocam.live.detection import DEFAULT_CASCADE
from emocam.types import Face, Frame

ImageLike = Union[np.ndarray, str, Path]


@dataclass(frozen=True)
class FaceResult:
    """One face: ``box`` (x, y, w, h) in image pixels, ``emotion`` (the label's name),
    ``probabilities`` (the 7 emotion names -> probability, summing to 1) and ``track_id`` (the same
    number for the same face across frames of a stream; None for a still image)."""

    box: tuple[int, int, int, int]
    emotion: str
    probabilities: dict[str, float] = field(repr=False)
    track_id: int | None = None

    @property
    def confidence(self) -> float:
        """The probability of :attr:`emotion`."""
        return self.probabilities[self.emotion]

    @classmethod
    def from_face(cls, face: Face, track: bool) -> FaceResult:
        b = face.box
        return cls((b.x, b.y, b.w, b.h), face.emotion.name,
                   dict(zip(NAMES, face.prediction.probabilities)), face.track_id if track else None)


class Analyzer:
    """Open the model and face detector once, then call it per frame (``analyzer(rgb)``) or per
    still image (:meth:`analyze_image`). Frames of one stream are tracked and smoothed like the live
    app; call :meth:`reset` before frames of another stream. Use one Analyzer per thread.

    ``weights``: a model file (default: the shipped model); ``cascade``: a Haar cascade name or path.
    """

    def __init__(self, weights: str | Path | None = None, cascade: str = DEFAULT_CASCADE):
        from emocam.live.detection import FaceDetector
        from emocam.models.loading import load_classifier
        from emocam.models.lookup import default_weights

        self.detector = FaceDetector(cascade)
        self.weights = Path(weights) if weights is not None else default_weights()
        self.classifier = load_classifier(self.weights)
        self._stream = None
        self._still = None
        self._index = 0

    def __call__(self, image: ImageLike, timestamp: float | None = None) -> list[FaceResult]:
        """The faces in the next frame of a stream (tracked: ``track_id`` follows each face)."""
        if self._stream is None:
            from emocam.live.pipeline import Pipeline

            self._stream = Pipeline(self.detector, self.classifier)
        stamp = time.monotonic() if timestamp is None else float(timestamp)
        result = self._stream.process(Frame(as_rgb(image), self._index, stamp))
        self._index += 1
        return [FaceResult.from_face(f, track=True) for f in result.faces]

    def analyze_image(self, image: ImageLike) -> list[FaceResult]:
        """The faces in one still image (searched at full resolution; no tracking, no smoothing)."""
        if self._still is None:
            from emocam.live.pipeline import Pipeline, PipelineSettings
            from emocam.live.smoothing import FaceTracker, SmoothingSettings

            self._still = Pipeline(self.detector, self.classifier, FaceTracker(SmoothingSettings(enabled=False)),
                                   PipelineSettings(detect_width=10_000))
        self._still.reset()
        result = self._still.process(Frame(as_rgb(image), 0, 0.0))
        return [FaceResult.from_face(f, track=False) for f in result.faces]

    def reset(self) -> None:
        """Forget the faces being followed: the next frame starts a new stream."""
        if self._stream is not None:
            self._stream.reset()
        self._index = 0


def analyze_image(image: ImageLike, weights: str | Path | None = None,
                  cascade: str = DEFAULT_CASCADE) -> list[FaceResult]:
    """Every face in ``image`` (an RGB uint8 array, HxWx3, or an image file's path) with its box,
    emotion and 7 probabilities, largest face first. The model is loaded on the first call and kept."""
    return _shared_analyzer(None if weights is None else str(weights), cascade).analyze_image(image)


@functools.lru_cache(maxsize=4)
def _shared_analyzer(weights: str | None, cascade: str) -> Analyzer:
    return Analyzer(weights, cascade)


def as_rgb(image: ImageLike) -> np.ndarray:
    """``image`` as a read-only uint8 HxWx3 RGB view (the caller's array is neither copied nor
    changed); a path is read from disk. Gray (HxW) and RGBA images are converted."""
    if isinstance(image, (str, Path)):
        return _read_rgb(Path(image))
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise ValueError(f"image must be uint8 (0..255) RGB, got dtype {array.dtype}")
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    elif array.ndim == 3 and array.shape[2] == 1:
        array = np.repeat(array, 3, axis=2)
    elif array.ndim == 3 and array.shape[2] == 4:  # RGBA: the alpha channel is dropped
        array = np.ascontiguousarray(array[:, :, :3])
    view = array.view()
    view.flags.writeable = False
    return view


def _read_rgb(path: Path) -> np.ndarray:
    import cv2

    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR) if path.is_file() else None
    if bgr is None:
        raise FileNotFoundError(f"{path}: no such image file") if not path.exists() else \
            ValueError(f"{path}: not a readable image")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
