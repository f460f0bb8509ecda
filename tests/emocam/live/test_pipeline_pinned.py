"""Pipeline.process pinned with real parts and no TensorFlow: the shipped model through LiteRT, the
real cascade, the demo face. Stage times come from a fake clock, so their values are exact."""

from __future__ import annotations

import types

import numpy as np
import pytest

from emocam.live import pipeline as pipeline_module
from emocam.live.pipeline import Pipeline, PipelineSettings, gray_crop
from emocam.models.loading import load_classifier
from emocam.models.lookup import default_weights
from emocam.live.smoothing import FaceTracker, SmoothingSettings
from emocam.types import Box, Frame
from tests.emocam import media


@pytest.fixture(scope="module")
def shipped():
    """The app's own default model (LiteRT: no TensorFlow, no conversion)."""
    path = default_weights()
    assert path.suffix == ".tflite", path
    return load_classifier(path)


class Recorder:
    """The shipped classifier, remembering the crops it was given."""

    def __init__(self, inner):
        self.inner, self.crops = inner, []

    def predict(self, crops):
        self.crops.append([c.copy() for c in crops])
        return self.inner.predict(crops)


class NoFaces:
    """A detector that finds nothing anywhere (a camera pointed at a wall)."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def detect(self, *args, **kwargs):
        return []

    def detect_sized(self, *args, **kwargs):
        return []


def two_faces() -> np.ndarray:
    left, _ = media.face_on_stage(0.8, (40, 120))
    right, _ = media.face_on_stage(0.8, (400, 120))
    left[:, 320:] = right[:, 320:]
    return left


def test_each_face_is_classified_from_its_own_gray_crop(detector, shipped):
    recorder = Recorder(shipped)
    image = two_faces()
    result = Pipeline(detector, recorder, FaceTracker(SmoothingSettings(enabled=False))).process(Frame(image, 0, 0.0))
    (crops,) = recorder.crops
    assert len(result.faces) == 2 and len(crops) == 2
    for face, seen in zip(result.faces, crops):
        b = face.box
        assert seen.shape == (b.h, b.w) and seen.dtype == np.uint8
        np.testing.assert_array_equal(seen, gray_crop(image, b))
        np.testing.assert_allclose(face.prediction.probabilities, shipped.predict([seen])[0], atol=1e-6)
        assert face.label == int(np.argmax(face.prediction.probabilities))
    assert [f.track_id for f in result.faces] == [1, 2]


@pytest.mark.parametrize("rgb, gray", [((255, 0, 0), 76), ((0, 255, 0), 150), ((0, 0, 255), 29),
                                       ((255, 255, 255), 255)])
def test_gray_crop_takes_the_box_only_and_converts_from_rgb(rgb, gray):
    image = np.zeros((40, 60, 3), np.uint8)
    image[10:20, 30:45] = rgb
    out = gray_crop(image, Box(30, 10, 15, 10))
    assert out.shape == (10, 15)
    assert np.all(out == gray)


def test_stage_times_are_the_clocks_differences_in_milliseconds(detector, shipped, monkeypatch):
    ticks = iter([10.0, 10.004, 10.0065, 10.00725])  # detect 4 ms, classify 2.5 ms, smooth 0.75 ms
    monkeypatch.setattr(pipeline_module, "time", types.SimpleNamespace(perf_counter=lambda: next(ticks)))
    image, _ = media.face_on_stage()
    times = Pipeline(detector, shipped).process(Frame(image, 0, 0.0)).times
    assert (times.detect_ms, times.classify_ms, times.smooth_ms) == pytest.approx((4.0, 2.5, 0.75), abs=1e-6)


@pytest.mark.parametrize("max_faces, kept, skipped", [(1, 1, 1), (2, 2, 0), (3, 2, 0)])
def test_faces_over_max_faces_are_counted_as_skipped(detector, shipped, max_faces, kept, skipped):
    result = Pipeline(detector, shipped, settings=PipelineSettings(max_faces=max_faces)).process(
        Frame(two_faces(), 0, 0.0))
    assert (len(result.faces), result.faces_skipped) == (kept, skipped)


def test_the_detector_can_be_swapped_and_is_then_used(detector, shipped):
    pipeline = Pipeline(detector, shipped)
    assert pipeline.detector is detector
    image, _ = media.face_on_stage()
    assert len(pipeline.process(Frame(image, 0, 0.0, "a")).faces) == 1
    blind = NoFaces(detector)
    pipeline.detector = blind
    assert pipeline.detector is blind and pipeline.search.detector is blind
    assert pipeline.process(Frame(image, 1, 0.033, "a")).faces == ()


def test_reset_starts_new_tracks_and_a_whole_search(detector, shipped):
    pipeline = Pipeline(detector, shipped, settings=PipelineSettings(full_scan_every=100))
    image, _ = media.face_on_stage()
    assert [f.track_id for f in pipeline.process(Frame(image, 0, 0.0, "a")).faces] == [1]
    assert [f.track_id for f in pipeline.process(Frame(image, 1, 0.033, "a")).faces] == [1]
    pipeline.reset()
    assert [f.track_id for f in pipeline.process(Frame(image, 2, 0.066, "a")).faces] == [2]
    assert pipeline.search._previous == ("a", 2, image.shape)


def test_the_default_tracker_smooths_with_the_default_settings(detector, shipped):
    pipeline = Pipeline(detector, shipped)
    assert pipeline.tracker.settings == SmoothingSettings() and pipeline.settings == PipelineSettings()
    image, _ = media.face_on_stage()
    result = pipeline.process(Frame(image, 0, 0.0))
    assert result.frame.image is image and result.faces[0].track_id == 1


def test_a_given_tracker_is_the_one_used(detector, shipped):
    tracker = FaceTracker(SmoothingSettings(enabled=False))
    pipeline = Pipeline(detector, shipped, tracker)
    assert pipeline.tracker is tracker and pipeline.classifier is shipped
    image, _ = media.face_on_stage()
    pipeline.process(Frame(image, 0, 0.0))
    assert [t.track_id for t in tracker._tracks] == [1]
