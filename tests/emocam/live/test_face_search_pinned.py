"""Face search pinned on the app's defaults with the real cascade: the scan schedule frame by frame
(which search ran, on what image size, for which face sizes), the region searched around a known
face, the band edges, the settings' bounds and the duplicate rule, all against literal numbers."""

from __future__ import annotations

import numpy as np
import pytest

from emocam.live.face_search import FaceSearch, PipelineSettings, _unique, band_edges
from emocam.types import Box, Frame
from tests.emocam import media


class Spy:
    """The real detector, noting each call: ``("sized", image shape, min, max, scale, origin)``,
    ``("detect", shape, scale)``, ``("cand", shape, min, max)`` and ``("group", scale)``."""

    def __init__(self, real):
        self.real, self.calls = real, []

    def __getattr__(self, name):
        return getattr(self.real, name)

    def detect(self, gray, scale=1.0):
        self.calls.append(("detect", gray.shape, round(scale, 4)))
        return self.real.detect(gray, scale)

    def detect_sized(self, gray, low, high, scale=1.0, origin=(0, 0)):
        self.calls.append(("sized", gray.shape, low, high, round(scale, 4), tuple(origin)))
        return self.real.detect_sized(gray, low, high, scale, origin)

    def candidates(self, gray, low, high):
        self.calls.append(("cand", gray.shape, low, high))
        return self.real.candidates(gray, low, high)

    def group(self, found, scale=1.0):
        self.calls.append(("group", round(scale, 4)))
        return self.real.group(found, scale)

    def take(self) -> list:
        calls, self.calls = self.calls, []
        return calls


@pytest.fixture
def spy(detector) -> Spy:
    return Spy(detector)


def test_the_app_defaults_are_these_numbers():
    s = PipelineSettings()
    assert (s.detect_width, s.min_face, s.max_faces, s.full_scan_every, s.scan_bands, s.region_margin,
            s.region_face_px, s.size_range) == (320, 48, 8, 15, 3, 0.35, 48, 1.25)


WHOLE = ("sized", (240, 320), 24, 240, 2.0, (0, 0))  # a 640x480 frame searched on a 320x240 copy
BANDS = {15: [("cand", (240, 320), 24, 34)], 16: [("cand", (240, 320), 35, 61)],
         17: [("cand", (240, 320), 62, 240), ("group", 2.0)]}


def test_the_scan_schedule_on_defaults(spy):
    """Frame 0 is searched whole; then only near the face, except the periodic whole search every
    15 frames, split into 3 bands of face sizes on consecutive frames (15-17, 30-32)."""
    search = FaceSearch(spy)
    for t in range(34):
        image, expected = media.face_on_stage(0.8, (150 + 3 * t, 120))
        boxes = search.find(Frame(image, t, t / 30, "cam"))
        assert len(boxes) == 1 and boxes[0].iou(expected) > 0.6, (t, boxes, expected)
        calls = spy.take()
        if t == 0:
            assert calls == [WHOLE]
            continue
        near, rest = calls[0], calls[1:]
        assert near[0] == "sized" and near[2:4] == (38, 60), (t, near)  # 48 px +- the size range of 1.25, on a region scaled to 48 px
        assert rest == BANDS.get(t if t < 30 else t - 15, []), (t, calls)


def test_the_region_around_a_known_face(spy):
    """A 80 px face at (200, 120): 28 px (0.35 x 80) around it, scaled by 48/80 to 82x82, sizes 38..60."""
    image, _ = media.face_on_stage(0.8, (150, 120))
    FaceSearch(spy).search_near(image, Box(200, 120, 80, 80))
    assert spy.take() == [("sized", (82, 82), 38, 60, 1.6667, (172, 92))]


def test_a_region_at_the_frame_edge_is_clipped_and_a_small_face_is_not_scaled_up(spy):
    image = media.blank(20)
    FaceSearch(spy).search_near(image, Box(600, 440, 40, 40))  # pad 14: 68x68 from (586, 426), cut to 54x54
    assert spy.take() == [("sized", (54, 54), 32, 50, 1.0, (586, 426))]
    assert FaceSearch(spy).search_near(image, Box(700, 500, 40, 40)) == [] and spy.take() == []


@pytest.mark.parametrize("width, height, call", [
    (640, 480, ("sized", (240, 320), 24, 240, 2.0, (0, 0))),
    (300, 240, ("detect", (240, 300), 1.0)),    # no wider than detect_width: searched as it is
    (1280, 720, ("sized", (360, 640), 24, 360, 2.0, (0, 0))),  # never so small that 48 px faces drop below 24
])
def test_the_whole_search_copy_and_face_sizes(spy, width, height, call):
    FaceSearch(spy).detect(np.zeros((height, width, 3), np.uint8))
    assert spy.take() == [call]


@pytest.mark.parametrize("args, edges", [
    ((320, 240, 24, 24, 1.1, 1), (24, 241)),
    ((320, 240, 24, 24, 1.1, 2), (24, 47, 241)),
    ((320, 240, 24, 24, 1.1, 3), (24, 35, 62, 241)),
    ((320, 240, 24, 24, 2.0, 2), (24, 96, 241)),
    ((320, 240, 24, 24, 2.0, 5), (24, 241, 241, 241, 241, 241)),  # 4 scales for 5 bands: all in the first
    ((320, 240, 30, 24, 2.0, 3), (30, 96, 96, 241)),
    ((160, 120, 24, 24, 2.0, 3), (24, 48, 96, 121)),
    ((48, 48, 24, 24, 2.0, 2), (24, 48, 49)),
    ((24, 24, 24, 24, 1.1, 1), (24, 25)),   # one scale: the window fits exactly
])
def test_band_edges(args, edges):
    assert band_edges(*args) == edges


@pytest.mark.parametrize("kwargs, ok", [
    ({"detect_width": 64}, True), ({"detect_width": 63}, False),
    ({"max_faces": 1}, True), ({"max_faces": 0}, False),
    ({"min_face": 1}, True), ({"min_face": 0}, False),
    ({"full_scan_every": 1}, True), ({"full_scan_every": 0}, False),
    ({"scan_bands": 1}, True), ({"scan_bands": 0}, False),
    ({"region_margin": 0.0}, True), ({"region_margin": -2 ** -20}, False),
    ({"region_face_px": 24}, True), ({"region_face_px": 23}, False),
    ({"size_range": 1 + 2 ** -20}, True), ({"size_range": 1.0}, False),
])
def test_each_setting_at_its_bound(kwargs, ok):
    if ok:
        assert getattr(PipelineSettings(**kwargs), *kwargs) == next(iter(kwargs.values()))
    else:
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            PipelineSettings(**kwargs)


@pytest.mark.parametrize("second, kept", [
    (Box(0, 7, 10, 13), 2),    # overlap 10x6 = 60 of a union of 200: IoU exactly 0.3 is still two faces
    (Box(0, 6, 10, 13), 1),    # overlap 70 of 190: the same face found twice
    (Box(50, 50, 10, 13), 2),
])
def test_a_box_is_a_duplicate_only_above_an_iou_of_0_3(second, kept):
    first = Box(0, 0, 10, 13)
    assert len(_unique([first, second])) == kept
    assert _unique([first, second])[0] is first


def test_a_whole_search_follows_a_frame_that_does_not_follow_the_previous_one(spy):
    search = FaceSearch(spy)
    image, _ = media.face_on_stage()
    for index, source in [(0, "a"), (1, "a"), (1, "a"), (2, "b"), (3, "b")]:
        search.find(Frame(image, index, 0.0, source))
    assert [c[1] == (240, 320) for c in spy.take()] == [True, False, True, True, False]  # True: whole


@pytest.mark.parametrize("every, bands, kinds", [
    (2, 1, [["whole"], ["near"], ["near", "cand", "group"], ["near"], ["near", "cand", "group"]]),
    (2, 3, [["whole"], ["near"], ["near", "cand"], ["near", "cand", "group"], ["near", "cand"]]),  # 2 bands at most
    (1, 3, [["whole"]] * 5),
])
def test_the_schedule_for_short_periods(spy, every, bands, kinds):
    search = FaceSearch(spy, PipelineSettings(full_scan_every=every, scan_bands=bands))
    image, _ = media.face_on_stage()
    seen = []
    for t in range(5):
        search.find(Frame(image, t, t / 30, "cam"))
        seen.append(["whole" if c[1] == (240, 320) and c[0] == "sized" else "near" if c[0] == "sized" else c[0]
                     for c in spy.take()])
    assert seen == kinds


def test_a_whole_search_for_a_lost_face_restarts_the_period(spy):
    """Every 4 frames, one band: the face jumps at frame 2, so frame 2 is searched whole, and the next
    periodic search comes 4 frames after that one (frame 6), not after frame 0's (frame 4)."""
    search = FaceSearch(spy, PipelineSettings(full_scan_every=4, scan_bands=1))
    here, _ = media.face_on_stage(0.8, (60, 120))
    there, _ = media.face_on_stage(0.8, (400, 150))
    seen = []
    for t in range(8):
        assert len(search.find(Frame(here if t < 2 else there, t, t / 30, "cam"))) == 1
        seen.append(["whole" if c[1] == (240, 320) and c[0] == "sized" else "near" if c[0] == "sized" else c[0]
                     for c in spy.take()])
    assert seen == [["whole"], ["near"], ["near", "whole"], ["near"], ["near"], ["near"], ["near", "cand", "group"],
                    ["near"]]


def test_the_bands_of_a_wide_frame(spy):
    """640x240 is searched on a 320x120 copy: the bands split the work of that shape (not of a square)."""
    image = media.on_stage(media.face_crop(), 0.6, (200, 40), size=(640, 240))
    search = FaceSearch(spy, PipelineSettings(full_scan_every=3, scan_bands=3))
    for t in range(6):
        assert len(search.find(Frame(image, t, t / 30, "cam"))) == 1
    assert [c[2:] for c in spy.take() if c[0] == "cand"] == [(24, 31), (32, 56), (57, 120)]


def test_a_gray_frame_is_searched_like_its_color_original(detector):
    image, expected = media.face_on_stage()
    gray = np.ascontiguousarray(image[:, :, 1])
    boxes = FaceSearch(detector).detect(gray)
    assert len(boxes) == 1 and boxes[0].iou(expected) > 0.6
