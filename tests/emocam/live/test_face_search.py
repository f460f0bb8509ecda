"""FaceSearch on its own: which faces each frame yields, and which searches it runs for them (whole
frame, near a known face, one band of the periodic search). Real Haar cascade, real frames."""

from __future__ import annotations

import numpy as np
import pytest

from emocam.live.face_search import FaceSearch, PipelineSettings, band_edges
from emocam.types import Box, Frame
from tests.emocam import media

LEFT, RIGHT = (40, 120), (400, 120)


class Recorder:
    """Wraps a search's detector calls to note which kind of search ran."""

    def __init__(self, search: FaceSearch):
        self.kinds: list[str] = []
        self.bands: list[tuple[int, int]] = []
        for name, kind in (("detect", "whole"), ("search_near", "near")):
            self._wrap(search, name, kind)
        detector = search.detector
        search.detector = _View(detector)
        original = detector.candidates

        def candidates(image, low, high):
            self.kinds.append("band")
            self.bands.append((low, high))
            return original(image, low, high)
        search.detector.candidates = candidates

    def _wrap(self, owner, name: str, kind: str) -> None:
        method = getattr(owner, name)

        def spy(*args, **kwargs):
            self.kinds.append(kind)
            return method(*args, **kwargs)
        setattr(owner, name, spy)

    def take(self) -> list[str]:
        kinds, self.kinds = self.kinds, []
        return kinds


class _View:
    def __init__(self, detector):
        self._detector = detector

    def __getattr__(self, name):
        return getattr(self._detector, name)


def scene(*where: tuple[int, int]) -> np.ndarray:
    """A 640x480 frame with a face at each offset (none: an empty stage)."""
    image = media.blank(40)
    for offset in where:
        face, _ = media.face_on_stage(0.8, offset)
        x = offset[0]
        image[:, x: x + 240] = face[:, x: x + 240]
    return image


# Each case: the frames' face positions, then per frame (faces found, kinds of search run).
CASES = {
    "found: a first frame is searched whole": ([(LEFT,)], [(1, ["whole"])]),
    "followed: the next frame is searched near the face only": (
        [(LEFT,), (LEFT,)], [(1, ["whole"]), (1, ["near"])]),
    "lost: a frame without the face falls back to a whole search": (
        [(LEFT,), (), ()], [(1, ["whole"]), (0, ["near", "whole"]), (0, ["whole"])]),
    "jumped: a face far from its last box is found by the fallback whole search": (
        [(LEFT,), (RIGHT,)], [(1, ["whole"]), (1, ["near", "whole"])]),
    "reappeared: a face back after a gap is found again": (
        [(LEFT,), (), (LEFT,)], [(1, ["whole"]), (0, ["near", "whole"]), (1, ["whole"])]),
    "two faces: each is followed on its own": (
        [(LEFT, RIGHT), (LEFT, RIGHT)], [(2, ["whole"]), (2, ["near", "near"])]),
}


@pytest.mark.parametrize("positions, expected", CASES.values(), ids=CASES.keys())
def test_search_table(detector, positions, expected):
    search = FaceSearch(detector, PipelineSettings(full_scan_every=100))
    recorder = Recorder(search)
    for index, (where, (count, kinds)) in enumerate(zip(positions, expected)):
        boxes = search.find(Frame(scene(*where), index, index / 30, "clip"))
        assert (len(boxes), recorder.take()) == (count, kinds), f"frame {index}"
        assert boxes == sorted(boxes, key=lambda b: b.area, reverse=True)


@pytest.mark.parametrize("index, source, same_size, followed", [
    (1, "clip", True, True),     # the next frame of the same stream
    (0, "clip", True, False),    # the same index again (a loop restarted)
    (1, "other", True, False),   # another source
    (1, "clip", False, False),   # another frame size
])
def test_only_the_next_frame_of_the_same_stream_is_followed(detector, index, source, same_size, followed):
    search = FaceSearch(detector, PipelineSettings(full_scan_every=100))
    recorder = Recorder(search)
    search.find(Frame(scene(LEFT), 0, 0.0, "clip"))
    recorder.take()
    image = scene(LEFT) if same_size else np.ascontiguousarray(scene(LEFT)[:, :600])
    search.find(Frame(image, index, 0.033, source))
    assert recorder.take() == (["near"] if followed else ["whole"])


@pytest.mark.parametrize("every, bands", [(5, 3), (4, 2), (6, 1), (3, 3)])
def test_the_periodic_search_runs_its_bands_on_consecutive_frames_without_gaps_or_overlaps(detector, every, bands):
    settings = PipelineSettings(full_scan_every=every, scan_bands=bands)
    search = FaceSearch(detector, settings)
    recorder = Recorder(search)
    frames = [Frame(scene(LEFT), i, i / 30, "clip") for i in range(every + bands)]  # one period and its bands
    kinds = []
    for frame in frames:
        assert len(search.find(frame)) == 1
        kinds.append(recorder.take())
    band_frames = [i for i, k in enumerate(kinds) if "band" in k]
    assert band_frames == list(range(every, every + bands))  # one band per frame, starting on schedule
    ranges = recorder.bands
    assert len(ranges) == bands
    for (low, high), (next_low, _) in zip(ranges, ranges[1:]):
        assert next_low == high + 1, ranges  # contiguous: no size searched twice, none skipped
    small_h = round(480 * settings.detect_width / 640)
    assert ranges[-1][1] == small_h  # the last band reaches the largest face that fits


@pytest.mark.parametrize("width, height, bands", [(320, 240, 3), (320, 180, 2), (100, 80, 3), (64, 48, 4)])
def test_band_edges_partition_the_sizes(width, height, bands):
    edges = band_edges(width, height, 24, 24, 1.1, bands)
    assert len(edges) == bands + 1 and edges[0] == 24 and edges[-1] == min(width, height) + 1
    assert list(edges) == sorted(edges)


def test_reset_forgets_the_followed_faces(detector):
    search = FaceSearch(detector, PipelineSettings(full_scan_every=100))
    recorder = Recorder(search)
    search.find(Frame(scene(LEFT), 0, 0.0, "clip"))
    search.reset()
    recorder.take()
    assert len(search.find(Frame(scene(LEFT, RIGHT), 1, 0.03, "clip"))) == 2
    assert recorder.take() == ["whole"]


def test_boxes_are_clipped_to_the_frame(detector):
    search = FaceSearch(detector)
    image, _ = media.face_on_stage(1.0, (500, 300))  # partly off the right and bottom edges
    for box in search.find(Frame(image, 0, 0.0, "clip")):
        assert isinstance(box, Box) and box.x + box.w <= 640 and box.y + box.h <= 480


def _small_face_frame(width: int, height: int, face_px: int) -> tuple[np.ndarray, Box]:
    crop = media.face_crop()
    scale = face_px / media.PORTRAIT_FACE.w
    image = media.on_stage(crop, scale, (width // 2, height // 3), (width, height))
    margin = min(40, media.PORTRAIT_FACE.x)
    x, y = round(width // 2 + margin * scale), round(height // 3 + margin * scale)
    return image, Box(x, y, face_px, face_px)


@pytest.mark.parametrize("width, height", [(1280, 720), (1920, 1080)])
@pytest.mark.parametrize("face_px", [52, 75, 110])
def test_small_faces_on_large_frames_are_found_and_followed(detector, width, height, face_px):
    """A face from 48 px up is found by the first whole-frame search whatever the frame size (a
    fixed 320 px search copy lost every face under ~100 px on 1280 px frames), then followed."""
    image, expected = _small_face_frame(width, height, face_px)
    search = FaceSearch(detector)
    recorder = Recorder(search)
    for index in range(3):
        boxes = search.find(Frame(image, index, index / 30, "clip"))
        assert len(boxes) == 1 and boxes[0].iou(expected) > 0.4, (boxes, expected)
    assert recorder.take() == ["whole", "near", "near"]


@pytest.mark.parametrize("width, expected_scale", [(640, 0.5), (320, 1.0), (1280, 0.5), (1920, 0.5)])
def test_search_copy_is_as_small_as_the_smallest_face_allows(detector, width, expected_scale):
    search = FaceSearch(detector)  # defaults: detect_width 320, min_face 48, a 24 px cascade window
    _, scale = search._small_gray(np.zeros((width * 3 // 4, width, 3), np.uint8))
    assert scale == pytest.approx(expected_scale)


def test_the_periodic_search_finds_a_new_face_and_skips_the_followed_one(detector):
    """The face already followed is painted over in the copy the bands search (a flat patch the cascade
    turns down at once); a face that came in meanwhile is found; the frame itself is not touched."""
    settings = PipelineSettings(full_scan_every=3, scan_bands=2)
    search = FaceSearch(detector, settings)
    seen = []
    original = detector.candidates
    search.detector = _View(detector)
    search.detector.candidates = lambda image, low, high: seen.append(image.copy()) or original(image, low, high)
    assert len(search.find(Frame(scene(LEFT), 0, 0.0, "clip"))) == 1
    followed = search.find(Frame(scene(LEFT), 1, 0.03, "clip"))[0]
    frames = [scene(LEFT, RIGHT) for _ in range(3)]
    counts = [len(search.find(Frame(f, i + 2, (i + 2) / 30, "clip"))) for i, f in enumerate(frames)]
    assert counts[-1] == 2  # the new face, from the bands of frames 3 and 4
    assert len(seen) == 2
    scale = seen[0].shape[1] / 640
    b = followed
    patch = seen[0][int(b.y * scale) + 1: int((b.y + b.h) * scale) - 1, int(b.x * scale) + 1: int((b.x + b.w) * scale) - 1]
    assert patch.size and patch.min() == patch.max()  # flat where the followed face is
    assert np.array_equal(frames[1], scene(LEFT, RIGHT))  # the frame is never written to
