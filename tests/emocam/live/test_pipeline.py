"""Pipeline.process with real parts: the Haar cascade, a real (random-weight) mini-Xception through
LiteRT, and the tracker. Frames come from the public-domain demo portrait."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from emocam.live.sources import DemoSource
from emocam.live.pipeline import Pipeline, PipelineSettings, band_edges, crop
from emocam.live.smoothing import FaceTracker, SmoothingSettings
from emocam.types import Box, Frame, FrameResult, Prediction
from tests.emocam import media


@pytest.fixture
def pipeline(detector, classifier) -> Pipeline:
    return Pipeline(detector, classifier, FaceTracker(SmoothingSettings(enabled=False)))


def check_prediction(prediction: Prediction) -> None:
    p = np.array(prediction.probabilities)
    assert p.shape == (7,) and np.all(p >= 0)
    assert p.sum() == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("scale, offset", [(0.8, (200, 120)), (1.0, (100, 50)), (1.5, (150, 50))])
def test_one_face_with_a_box_around_it(pipeline, scale, offset):
    image, expected = media.face_on_stage(scale, offset)
    result = pipeline.process(media.make_frame(image))
    assert isinstance(result, FrameResult) and result.frame.image is not None
    assert len(result.faces) == 1 and result.faces_skipped == 0
    face = result.faces[0]
    assert face.box.iou(expected) > 0.6, (face.box, expected)
    assert face.box.contains(*expected.center)
    check_prediction(face.prediction)
    assert 0 <= face.label < 7 and result.largest is face


def test_a_demo_frame_gives_one_face(pipeline):
    demo = DemoSource()
    demo.open()
    try:
        image = demo.render(0.0)
    finally:
        demo.close()
    result = pipeline.process(media.make_frame(image))
    assert len(result.faces) == 1
    box = result.faces[0].box
    assert box.clipped(640, 480) == box and 50 <= box.w <= 200
    check_prediction(result.faces[0].prediction)


def test_stage_times_are_recorded(pipeline):
    image, _ = media.face_on_stage()
    times = pipeline.process(media.make_frame(image)).times
    assert times.detect_ms > 0 and times.classify_ms > 0 and times.smooth_ms >= 0
    assert times.total_ms == pytest.approx(times.detect_ms + times.classify_ms + times.smooth_ms)
    assert times.total_ms < 10_000


def two_different_faces() -> np.ndarray:
    face = media.face_crop()
    darker = (face * 0.6).astype(np.uint8)
    return np.ascontiguousarray(np.concatenate([face, cv2.flip(darker, 1)], axis=1))


def test_each_face_gets_the_classifiers_output_for_its_own_crop(pipeline, classifier):
    image = two_different_faces()
    faces = pipeline.process(media.make_frame(image)).faces
    assert len(faces) == 2
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    expected = classifier.predict([crop(gray, f.box) for f in faces])
    assert np.abs(expected[0] - expected[1]).max() > 1e-4, "the two faces should score differently"
    for face, probs in zip(faces, expected):
        np.testing.assert_allclose(face.prediction.probabilities, probs / probs.sum(), atol=1e-6)


def test_boxes_are_clipped_to_the_frame(classifier):
    class EdgeDetector:  # the cascade never reports boxes past the edge; a rounding slip could
        window_size = 24

        def detect(self, gray, scale=1.0):
            return [Box(-10, -20, 60, 60), Box(180, 90, 40, 40), Box(500, 10, 20, 20)]

    pipeline = Pipeline(EdgeDetector(), classifier, FaceTracker(SmoothingSettings(enabled=False)))
    result = pipeline.process(media.make_frame(media.blank(90, (200, 100))))
    assert [f.box for f in result.faces] == [Box(0, 0, 50, 40), Box(180, 90, 20, 10)]


def test_three_faces_side_by_side(pipeline):
    image = media.tiled_faces(3)
    result = pipeline.process(media.make_frame(image))
    assert len(result.faces) == 3 and result.faces_skipped == 0
    tile_width = image.shape[1] // 3
    assert sorted(int(f.box.center[0] // tile_width) for f in result.faces) == [0, 1, 2]
    assert len({f.track_id for f in result.faces}) == 3
    for face in result.faces:
        check_prediction(face.prediction)


@pytest.mark.parametrize("max_faces, kept", [(1, 1), (2, 2), (3, 3), (8, 3)])
def test_max_faces_caps_the_faces_classified(detector, classifier, max_faces, kept):
    calls = []

    class CountingClassifier:
        def predict(self, crops):
            calls.append(len(crops))
            return classifier.predict(crops)

    pipeline = Pipeline(detector, CountingClassifier(), settings=PipelineSettings(max_faces=max_faces))
    result = pipeline.process(media.make_frame(media.tiled_faces(3)))
    assert len(result.faces) == kept
    assert result.faces_skipped == 3 - kept
    assert calls == [kept]  # the skipped faces never reach the model


@pytest.mark.parametrize("value", [0, 128, 255])
def test_a_blank_frame_has_no_faces(pipeline, value):
    result = pipeline.process(media.make_frame(media.blank(value)))
    assert result.faces == () and result.faces_skipped == 0 and result.largest is None


def test_the_input_frame_is_not_changed(pipeline):
    image, _ = media.face_on_stage()
    before = image.copy()
    frame = media.make_frame(image)
    result = pipeline.process(frame)
    assert result.frame is frame
    np.testing.assert_array_equal(frame.image, before)
    assert not frame.image.flags.writeable


def test_small_frames_are_searched_at_full_size(pipeline):
    face = media.face_crop()  # 175 px wide: below detect_width, nothing to downscale
    result = pipeline.process(media.make_frame(face))
    assert len(result.faces) == 1
    assert result.faces[0].box.iou(Box(40, 40, 95, 95)) > 0.6


def test_the_same_face_keeps_its_track_across_frames(detector, classifier):
    pipeline = Pipeline(detector, classifier)  # default smoothing
    image, _ = media.face_on_stage()
    ids = [pipeline.process(Frame(image.copy(), i, float(i))).faces[0].track_id for i in range(3)]
    assert len(set(ids)) == 1


@pytest.mark.parametrize("kwargs", [{"detect_width": 32}, {"max_faces": 0}])
def test_pipeline_settings_validation(kwargs):
    with pytest.raises(ValueError, match="PipelineSettings"):
        PipelineSettings(**kwargs)


# ----- following faces: a region search near each known face, whole-frame searches now and then

def _moving_face(count: int, step: int = 4, start: tuple[int, int] = (150, 120)) -> list[tuple[np.ndarray, Box]]:
    return [media.face_on_stage(0.8, (start[0] + step * i, start[1])) for i in range(count)]


def _two_faces() -> np.ndarray:
    left, _ = media.face_on_stage(0.8, (40, 120))
    right, _ = media.face_on_stage(0.8, (400, 120))
    left[:, 320:] = right[:, 320:]
    return left


class Spy:
    """Notes which kinds of search a pipeline made for each frame: ``whole`` (the whole frame at
    once), ``near`` (a region around a known face), ``band`` (one band of the periodic search) and
    ``group`` (the end of that search)."""

    def __init__(self, pipeline: Pipeline, detector):
        self.calls: list[str] = []
        self._wrap(pipeline.search, "detect", "whole")
        self._wrap(pipeline.search, "search_near", "near")
        pipeline.detector = _DetectorView(detector)
        self._wrap(pipeline.detector, "candidates", "band")
        self._wrap(pipeline.detector, "group", "group")

    def _wrap(self, owner, name: str, kind: str) -> None:
        method = getattr(owner, name)

        def spy(*args, **kwargs):
            self.calls.append(kind)
            return method(*args, **kwargs)
        setattr(owner, name, spy)

    def take(self) -> set[str]:
        kinds, self.calls = set(self.calls), []
        return kinds


class _DetectorView:
    """The shared session detector behind a per-test object, so wrapping its methods leaks nowhere."""

    def __init__(self, detector):
        self._detector = detector

    def __getattr__(self, name):
        return getattr(self._detector, name)


def test_a_moving_face_is_followed_with_periodic_banded_scans(detector, classifier):
    pipeline = Pipeline(detector, classifier, settings=PipelineSettings(full_scan_every=5, scan_bands=3))
    spy = Spy(pipeline, detector)
    kinds, results = [], []
    for i, (image, expected) in enumerate(_moving_face(12)):
        results.append((pipeline.process(Frame(image, i, i / 30, "clip")), expected))
        kinds.append(spy.take())
    near, band = {"near"}, {"near", "band"}
    assert kinds == [{"whole"}, near, near, near, near, band, band, band | {"group"}, near, near, band, band]
    for result, expected in results:
        assert len(result.faces) == 1 and result.faces[0].box.iou(expected) > 0.6, (result.faces, expected)
        check_prediction(result.faces[0].prediction)
    assert len({r.faces[0].track_id for r, _ in results}) == 1


def test_a_face_that_jumps_is_found_by_an_immediate_whole_scan(detector, classifier):
    pipeline = Pipeline(detector, classifier, settings=PipelineSettings(full_scan_every=100))
    spy = Spy(pipeline, detector)
    (before, _), (after, expected) = media.face_on_stage(0.8, (40, 40)), media.face_on_stage(0.8, (440, 300))
    assert len(pipeline.process(Frame(before, 0, 0.0, "clip")).faces) == 1
    spy.take()
    faces = pipeline.process(Frame(after, 1, 0.033, "clip")).faces
    assert len(faces) == 1 and faces[0].box.iou(expected) > 0.6
    assert spy.take() == {"near", "whole"}


@pytest.mark.parametrize("bands, counts", [(1, [1, 1, 1, 1, 2, 2, 2]), (2, [1, 1, 1, 1, 1, 2, 2]),
                                           (3, [1, 1, 1, 1, 1, 1, 2])])
def test_a_new_face_is_found_when_the_periodic_scan_completes(detector, classifier, bands, counts):
    pipeline = Pipeline(detector, classifier, settings=PipelineSettings(full_scan_every=4, scan_bands=bands))
    one, _ = media.face_on_stage(0.8, (40, 120))
    images = [one, one] + [_two_faces()] * 5
    found = [len(pipeline.process(Frame(image, i, i / 30, "clip")).faces) for i, image in enumerate(images)]
    assert found == counts  # from frame 2 on only the known face is looked for, until the scan is done


@pytest.mark.parametrize("image", [media.portrait(), media.tiled_faces(3), _two_faces(),
                                   media.face_on_stage(1.5, (150, 50))[0], media.blank(128)])
@pytest.mark.parametrize("bands", [1, 2, 3, 5])
def test_a_banded_scan_finds_exactly_what_one_whole_scan_finds(detector, image, bands):
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    h, w = gray.shape
    edges = band_edges(w, h, detector.settings.min_size, detector.window_size, detector.settings.scale_factor,
                       bands)
    assert len(edges) == bands + 1 and list(edges) == sorted(edges)
    pooled = np.concatenate([detector.candidates(gray, lo, hi - 1) for lo, hi in zip(edges, edges[1:])])
    assert detector.group(pooled) == detector.detect(gray)


@pytest.mark.parametrize("index, source, width, faces", [
    (6, "a", 640, 1),  # the next frame of the same source: the known face is followed, nothing else sought
    (5, "a", 640, 2),  # not a later frame (predict gives every image index 0): searched whole
    (6, "b", 640, 2),  # another source
    (6, "a", 600, 2),  # another frame size
])
def test_only_a_frame_that_follows_the_previous_one_is_searched_near_known_faces(
        detector, classifier, index, source, width, faces):
    pipeline = Pipeline(detector, classifier, settings=PipelineSettings(full_scan_every=100))
    first, _ = media.face_on_stage(0.8, (40, 120))
    assert len(pipeline.process(Frame(first, 5, 0.0, "a")).faces) == 1
    second = np.ascontiguousarray(_two_faces()[:, :width])  # both faces lie within x < 560
    assert len(pipeline.process(Frame(second, index, 0.033, source)).faces) == faces


def test_reset_makes_the_next_frame_a_whole_scan(detector, classifier):
    pipeline = Pipeline(detector, classifier, settings=PipelineSettings(full_scan_every=100))
    one, _ = media.face_on_stage(0.8, (40, 120))
    pipeline.process(Frame(one, 0, 0.0, "clip"))
    pipeline.reset()
    assert len(pipeline.process(Frame(_two_faces(), 1, 0.033, "clip")).faces) == 2


def test_full_scan_every_1_searches_every_frame_whole(detector, classifier):
    pipeline = Pipeline(detector, classifier, settings=PipelineSettings(full_scan_every=1))
    spy = Spy(pipeline, detector)
    for i, (image, _) in enumerate(_moving_face(4)):
        assert len(pipeline.process(Frame(image, i, i / 30, "clip")).faces) == 1
        assert spy.take() == {"whole"}


def test_the_app_defaults_follow_faces():
    s = PipelineSettings()
    assert s.full_scan_every > s.scan_bands > 1 and s.region_margin > 0 and s.size_range > 1
    assert s.region_face_px >= 24


@pytest.mark.parametrize("kwargs", [{"full_scan_every": 0}, {"scan_bands": 0}, {"min_face": 0}, {"region_margin": -0.1},
                                    {"region_face_px": 16}, {"size_range": 1.0}])
def test_following_settings_validation(kwargs):
    with pytest.raises(ValueError, match="PipelineSettings"):
        PipelineSettings(**kwargs)


@pytest.mark.parametrize("sizes, found", [((76, 119), 1), ((30, 60), 0), ((130, 200), 0)])
def test_a_region_search_finds_faces_of_about_the_expected_size_only(detector, sizes, found):
    image, expected = media.face_on_stage(1.0, (100, 50))  # the face is 95 px wide
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    x, y = expected.x - 40, expected.y - 30
    boxes = detector.detect_sized(gray[y: y + 180, x: x + 180], *sizes, origin=(x, y))
    assert len(boxes) == found
    assert all(b.iou(expected) > 0.7 for b in boxes), (boxes, expected)


@pytest.mark.parametrize("min_face, found", [(48, 1), (100, 0)])
def test_a_whole_scan_finds_faces_down_to_min_face_frame_pixels(detector, classifier, min_face, found):
    image, expected = media.face_on_stage(0.58, (300, 200))  # a 55 px face: 27 px on the 320 px copy
    pipeline = Pipeline(detector, classifier, settings=PipelineSettings(min_face=min_face))
    faces = pipeline.process(media.make_frame(image)).faces
    assert len(faces) == found
    assert all(f.box.iou(expected) > 0.6 for f in faces), (faces, expected)
