"""Haar-cascade face detector. Cascades are looked up by name in ``haarcascades/`` (drop-in folder),
then in OpenCV's own data (``cv2.data.haarcascades``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from emocam.types import Box
from emocam import resources

log = logging.getLogger(__name__)

DEFAULT_CASCADE = "haarcascade_frontalface_default"
DROP_IN_DIR = resources.haarcascades_dir()


class CascadeError(ValueError):
    """A cascade that cannot be found or loaded."""


def cascade_dirs() -> list[Path]:
    """Folders searched for cascades, in order: the shipped drop-in folder, the user's, OpenCV's."""
    dirs = [DROP_IN_DIR, resources.user_dir("haarcascades")]
    opencv_dir = getattr(getattr(cv2, "data", None), "haarcascades", None)
    if opencv_dir:
        dirs.append(Path(opencv_dir))
    return dirs


def known_cascades() -> list[str]:
    """Names (without ``.xml``) of every cascade in the search folders."""
    return sorted({p.stem for d in cascade_dirs() if d.is_dir() for p in d.glob("*.xml")})


def find_cascade(name: str) -> Path:
    """Resolve a cascade name (or a path to an XML file) to a file; unknown names list the known ones."""
    as_path = Path(name)
    if as_path.suffix == ".xml" and as_path.is_file():
        return as_path
    stem = as_path.name[:-4] if as_path.name.endswith(".xml") else as_path.name
    for d in cascade_dirs():
        candidate = d / f"{stem}.xml"
        if candidate.is_file():
            return candidate
    raise CascadeError(f"unknown cascade {name!r}; known: {', '.join(known_cascades()) or 'none'}")


@dataclass(frozen=True)
class DetectorSettings:
    """``detectMultiScale`` parameters; ``min_size`` is in pixels of the image searched."""

    scale_factor: float = 1.1
    min_neighbors: int = 5
    min_size: int = 30


class FaceDetector:
    """Finds all faces in a grayscale image with a Haar cascade."""

    def __init__(self, cascade: str = DEFAULT_CASCADE, settings: DetectorSettings = DetectorSettings()):
        self.path = find_cascade(cascade)
        try:  # a malformed file makes the constructor raise (cv2.error wrapped in SystemError)
            self._cascade = cv2.CascadeClassifier(str(self.path))
        except (cv2.error, SystemError) as e:
            raise CascadeError(f"{self.path}: OpenCV could not load this cascade XML; "
                               "replace it with a valid Haar cascade or pick another name") from e
        if self._cascade.empty():
            raise CascadeError(f"{self.path}: OpenCV could not load this cascade XML; "
                               "replace it with a valid Haar cascade or pick another name")
        self.settings = settings

    @property
    def window_size(self) -> int:
        """Width in pixels of the cascade's own window: the smallest face it can find."""
        return int(self._cascade.getOriginalWindowSize()[0])

    def detect(self, gray: np.ndarray, scale: float = 1.0) -> list[Box]:
        """Faces in ``gray`` (uint8 HxW) as boxes, multiplied by ``scale`` (for downscaled input),
        largest first."""
        s = self.settings
        found = self._cascade.detectMultiScale(gray, scaleFactor=s.scale_factor, minNeighbors=s.min_neighbors,
                                               minSize=(s.min_size, s.min_size))
        return _boxes(found, scale)

    def detect_sized(self, gray: np.ndarray, min_size: int, max_size: int, scale: float = 1.0,
                     origin: tuple[int, int] = (0, 0)) -> list[Box]:
        """Faces between ``min_size`` and ``max_size`` pixels wide (in ``gray``'s pixels) in a region
        of a frame: boxes are multiplied by ``scale``, then moved by ``origin`` (where the region
        starts in the frame), largest first. Searching only near an expected size is what makes
        following a face cheap: only a few cascade scales are evaluated."""
        s = self.settings
        found = self._cascade.detectMultiScale(gray, scaleFactor=s.scale_factor, minNeighbors=s.min_neighbors,
                                               minSize=(min_size, min_size), maxSize=(max_size, max_size))
        return _boxes(found, scale, origin)

    def candidates(self, gray: np.ndarray, min_size: int, max_size: int) -> np.ndarray:
        """Every window the cascade accepts at sizes ``min_size``..``max_size`` in ``gray``, not yet
        grouped (N x 4 ints, ``gray``'s pixels). A search split into size bands over several calls
        pools these and ends with :meth:`group`: the same faces as one :meth:`detect` call."""
        s = self.settings
        found = self._cascade.detectMultiScale(gray, scaleFactor=s.scale_factor, minNeighbors=0,
                                               minSize=(min_size, min_size), maxSize=(max_size, max_size))
        return np.asarray(found, dtype=np.int32).reshape(-1, 4)

    def group(self, candidates: np.ndarray, scale: float = 1.0) -> list[Box]:
        """Faces from pooled :meth:`candidates`, grouped as ``detectMultiScale`` groups its own
        (``min_neighbors``, 20 % tolerance), multiplied by ``scale``, largest first."""
        if not len(candidates):
            return []
        grouped, _ = cv2.groupRectangles(np.asarray(candidates).tolist(), self.settings.min_neighbors, 0.2)
        return _boxes(grouped, scale)


def _boxes(found, scale: float, origin: tuple[int, int] = (0, 0)) -> list[Box]:
    ox, oy = origin
    boxes = [Box(ox + int(x * scale), oy + int(y * scale), max(1, int(w * scale)), max(1, int(h * scale)))
             for (x, y, w, h) in (found if len(found) else [])]
    return sorted(boxes, key=lambda b: b.area, reverse=True)
