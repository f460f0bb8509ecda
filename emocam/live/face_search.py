"""Face search: where the live path looks for faces in each frame.

The search follows the faces it already knows: each face found in the previous frame is searched for
again only in a region around its last box, at sizes near its last size (a few cascade scales on a
small image instead of the whole pyramid on the whole frame). The whole frame is searched at once when
nothing is being followed, when a followed face is lost, and when a frame does not follow the previous
one. So that new faces appear, the whole frame is also searched every ``full_scan_every`` frames, spread
over ``scan_bands`` frames (one band of face sizes each) so that no single frame pays for all of it:
a frame that takes long delays the next one too, and that is what the latency tail is made of.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from emocam.live.detection import FaceDetector
from emocam.types import Box, Frame


@dataclass(frozen=True)
class PipelineSettings:
    """``detect_width``: whole-frame searches run on a copy at most this wide (boxes are scaled back),
    but never narrower than what keeps a ``min_face`` face as wide as the cascade's window (on a
    1280 px frame a 320 px copy would shrink a 75 px face below it, and it would never be found).
    ``min_face``: the smallest face, in frame pixels, that a whole-frame search still looks for on
    that copy (48: what the tutorial loop, 400 px wide with minSize 30, reaches on a 640 px frame;
    the cascade's window is the floor); the detector's own ``min_size`` applies where it goes lower.
    ``max_faces``: at most this many faces (largest first) are classified per frame.
    ``full_scan_every``: a periodic whole-frame search starts every this many frames; in between,
    known faces are searched for near their last box (1: every frame is searched whole, nothing is
    followed: the classic way).
    ``scan_bands``: the periodic search is split over this many consecutive frames by face size
    (at most ``full_scan_every``).
    ``region_margin``: how far the region reaches past the last box, in box widths, on each side.
    ``region_face_px``: a region is scaled down so the face there is about this wide (never up);
    measured on the demo stream: 40 loses faces, 56 and more cost more for nothing.
    ``size_range``: a followed face may shrink or grow by this factor between two frames."""

    detect_width: int = 320
    min_face: int = 48
    max_faces: int = 8
    full_scan_every: int = 15
    scan_bands: int = 3
    region_margin: float = 0.35
    region_face_px: int = 48
    size_range: float = 1.25

    def __post_init__(self):
        if self.detect_width < 64 or self.max_faces < 1 or self.min_face < 1:
            raise ValueError("PipelineSettings.detect_width must be >= 64, max_faces and min_face >= 1")
        if self.full_scan_every < 1 or self.scan_bands < 1:
            raise ValueError("PipelineSettings.full_scan_every and scan_bands must be >= 1")
        if self.region_margin < 0 or self.region_face_px < 24 or self.size_range <= 1:
            raise ValueError("PipelineSettings.region_margin must be >= 0, region_face_px >= 24 "
                             "(the cascade's window) and size_range > 1")


class FaceSearch:
    """Finds the faces of each frame of a stream, following the ones it knows. Use from one thread.

    Consecutive frames of one source (rising ``Frame.index``, same source and size) are treated as a
    video: faces are followed from frame to frame. Any other frame starts with a whole-frame search."""

    def __init__(self, detector: FaceDetector, settings: PipelineSettings = PipelineSettings()):
        self.detector, self.settings = detector, settings
        self._known: list[Box] = []  # every face found in the previous frame, not only the classified
        self._previous: tuple | None = None  # (source, index, shape) of the previous frame
        self._since_scan = 0  # frames since the last whole-frame search began
        self._next_band: int | None = None  # band of the periodic search due on the next frame
        self._pooled: list[np.ndarray] = []  # that search's candidates so far

    def reset(self) -> None:
        """Forget the faces being followed: the next frame is searched whole."""
        self._known, self._previous = [], None

    def find(self, frame: Frame) -> list[Box]:
        """Faces in ``frame``, largest first: near the known faces, plus a whole or banded search."""
        following = self._follows(frame) and self.settings.full_scan_every > 1
        known = self._known if following else []
        hits = [self.search_near(frame.image, box) for box in known]
        found = [box for near in hits for box in near]  # first: they win over duplicates found below
        if not known or not all(hits):
            found += self.detect(frame.image)
            self._since_scan, self._next_band = 0, None
        else:
            found += self._scheduled_band(frame.image, found)
        self._known = sorted(_unique(found), key=lambda b: b.area, reverse=True)
        return list(self._known)

    def detect(self, image: np.ndarray) -> list[Box]:
        """Faces in a whole frame (gray HxW or RGB HxWx3), searched on a downscaled copy, clipped to
        the frame, largest first."""
        small, scale = self._small_gray(image)
        low = self._min_size(scale)
        boxes = self.detector.detect(small, 1.0 / scale) if low is None else \
            self.detector.detect_sized(small, low, min(small.shape), 1.0 / scale)
        return _clipped(boxes, image)

    def _min_size(self, scale: float) -> int | None:
        """The smallest face to look for on a copy downscaled by ``scale`` when the detector's own
        ``min_size`` would miss faces of ``min_face`` frame pixels there; None when it would not."""
        if scale == 1.0:
            return None
        wanted = max(self.detector.window_size, round(self.settings.min_face * scale))
        return wanted if wanted < self.detector.settings.min_size else None

    def _scheduled_band(self, image: np.ndarray, followed: list[Box]) -> list[Box]:
        """One band of face sizes of the periodic whole-frame search, when one is due; the faces
        (grouped from all bands' candidates, as one whole search would) come with the last band.
        The ``followed`` faces, just found near their last boxes, are painted over first: this search
        is there for new faces, and a face is where a cascade works hardest (every stage, at every
        scale), while a flat patch is turned down by its first stage."""
        s = self.settings
        self._since_scan += 1
        if self._since_scan >= s.full_scan_every:
            self._since_scan, self._next_band, self._pooled = 0, 0, []
        band = self._next_band
        if band is None:
            return []
        bands = min(s.scan_bands, s.full_scan_every)
        self._next_band = band + 1 if band + 1 < bands else None
        small, scale = self._small_gray(image)
        small = _painted_over(small, image, followed, scale)
        low = self._min_size(scale) or self.detector.settings.min_size
        edges = band_edges(small.shape[1], small.shape[0], low, self.detector.window_size,
                           self.detector.settings.scale_factor, bands)
        self._pooled.append(self.detector.candidates(small, edges[band], edges[band + 1] - 1))
        if self._next_band is not None:
            return []
        return _clipped(self.detector.group(np.concatenate(self._pooled), 1.0 / scale), image)

    def _small_gray(self, image: np.ndarray) -> tuple[np.ndarray, float]:
        h, w = image.shape[:2]
        # at most detect_width wide, but never so small that a min_face face drops below the window
        scale = min(1.0, max(self.settings.detect_width / w, self.detector.window_size / self.settings.min_face))
        small = image if scale == 1.0 else cv2.resize(image, (round(w * scale), round(h * scale)),
                                                       interpolation=cv2.INTER_AREA)
        return (small if small.ndim == 2 else cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)), scale

    def search_near(self, image: np.ndarray, last: Box) -> list[Box]:
        """Faces of about ``last``'s size in a region around it (frame coordinates)."""
        s = self.settings
        h, w = image.shape[:2]
        pad = round(s.region_margin * max(last.w, last.h))
        region = Box(last.x - pad, last.y - pad, last.w + 2 * pad, last.h + 2 * pad).clipped(w, h)
        if region is None:
            return []
        gray = cv2.cvtColor(crop(image, region), cv2.COLOR_RGB2GRAY)
        scale = min(1.0, s.region_face_px / last.w)
        if scale < 1.0:
            gray = cv2.resize(gray, (max(1, round(region.w * scale)), max(1, round(region.h * scale))),
                              interpolation=cv2.INTER_AREA)
        size = last.w * scale
        boxes = self.detector.detect_sized(gray, round(size / s.size_range), round(size * s.size_range),
                                           1.0 / scale, (region.x, region.y))
        return _clipped(boxes, image)

    def _follows(self, frame: Frame) -> bool:
        """Whether ``frame`` comes after the previous one from the same source, at the same size
        (then faces can be followed); remembers it for the next call."""
        key = (frame.source, frame.index, frame.image.shape)
        previous, self._previous = self._previous, key
        return previous is not None and previous[0] == key[0] and previous[2] == key[2] \
            and previous[1] < key[1]


@functools.lru_cache(maxsize=32)
def band_edges(width: int, height: int, min_size: int, window: int, scale_factor: float,
               bands: int) -> tuple[int, ...]:
    """Face sizes that split a whole ``width`` x ``height`` cascade search into ``bands`` parts of about
    equal work: band ``i`` covers sizes ``edges[i]`` .. ``edges[i + 1] - 1``. Work per cascade scale is
    its number of windows (OpenCV moves the window 2 px at a time below twice its own size, 1 px
    above) plus a fixed cost for building the scale's image, about a thousand windows (measured)."""
    sizes, work, factor = [], [], 1.0
    while round(window * factor) <= min(width, height):
        if round(window * factor) >= min_size:
            step = 1 if factor >= 2 else 2
            sizes.append(round(window * factor))
            work.append((width / factor - window) * (height / factor - window) / step ** 2 + 1000)
        factor *= scale_factor
    last = min(width, height) + 1
    if len(sizes) < bands:  # too few scales to share out: the first band does everything
        return (min_size, *[last] * bands)
    share = np.cumsum(work) / sum(work)
    inner = [sizes[min(len(sizes) - 1, int(np.searchsorted(share, i / bands)) + 1)] for i in range(1, bands)]
    return (min_size, *inner, last)


def _painted_over(small: np.ndarray, image: np.ndarray, boxes: list[Box], scale: float) -> np.ndarray:
    """``small`` (``image`` scaled by ``scale``, in gray) with each box filled with its mean grey; a
    copy when ``small`` is ``image`` itself (the frame is never written to)."""
    if not boxes:
        return small
    out = small.copy() if np.shares_memory(small, image) else small
    for b in boxes:
        x0, y0 = int(b.x * scale), int(b.y * scale)
        patch = out[y0: int(np.ceil((b.y + b.h) * scale)), x0: int(np.ceil((b.x + b.w) * scale))]
        if patch.size:
            patch[:] = int(patch.mean())
    return out


def _clipped(boxes: list[Box], image: np.ndarray) -> list[Box]:
    h, w = image.shape[:2]
    return [c for c in (b.clipped(w, h) for b in boxes) if c is not None]


def _unique(boxes: list[Box], max_iou: float = 0.3) -> list[Box]:
    """``boxes`` without the ones that overlap an earlier one (the same face found twice)."""
    kept: list[Box] = []
    for box in boxes:
        if all(box.iou(k) <= max_iou for k in kept):
            kept.append(box)
    return kept


def crop(gray: np.ndarray, box: Box) -> np.ndarray:
    """The face region of a frame (a view, no copy)."""
    return gray[box.y: box.y + box.h, box.x: box.x + box.w]
