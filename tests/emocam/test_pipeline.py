"""Pipeline.process with real parts: the Haar cascade, a real (random-weight) mini-Xception through
LiteRT, and the tracker. Frames come from the public-domain demo portrait."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from emocam.capture import DemoSource
from emocam.pipeline import Pipeline, PipelineSettings, crop
from emocam.smoothing import FaceTracker, SmoothingSettings
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
