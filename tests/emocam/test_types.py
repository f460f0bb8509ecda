"""The immutable values: validation that names the field, read-only frames, box geometry,
prediction helpers and FrameResult.largest."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from emocam.types import Box, Face, Frame, FrameResult, Prediction, StageTimes

UNIFORM = (1 / 7,) * 7


def one_hot(k: int, p: float = 1.0) -> tuple[float, ...]:
    rest = (1 - p) / 6
    return tuple(p if i == k else rest for i in range(7))


# --- Frame ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("image", [
    np.zeros((4, 4, 3), np.float32),
    np.zeros((4, 4, 3), np.uint16),
    np.zeros((4, 4), np.uint8),
    np.zeros((4, 4, 4), np.uint8),
    np.zeros((4, 4, 1), np.uint8),
    [[[0, 0, 0]]],
    None,
], ids=["float32", "uint16", "gray", "rgba", "one-channel", "list", "none"])
def test_frame_rejects_a_bad_image_naming_the_field(image):
    with pytest.raises(ValueError, match=r"Frame\.image"):
        Frame(image, 0, 0.0)


@pytest.mark.parametrize("shape", [(0, 4, 3), (4, 0, 3), (0, 0, 3)])
def test_frame_rejects_an_empty_image(shape):
    with pytest.raises(ValueError, match=r"Frame\.image is empty"):
        Frame(np.zeros(shape, np.uint8), 0, 0.0)


def test_frame_makes_its_array_read_only():
    image = np.zeros((4, 5, 3), np.uint8)
    frame = Frame(image, 7, 1.5, "cam")
    assert not frame.image.flags.writeable
    with pytest.raises(ValueError):
        frame.image[0, 0, 0] = 1
    assert (frame.width, frame.height, frame.index, frame.source) == (5, 4, 7, "cam")


def test_frame_is_frozen():
    frame = Frame(np.zeros((2, 2, 3), np.uint8), 0, 0.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        frame.index = 1


# --- Box -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("w, h", [(0, 5), (5, 0), (-1, 5), (5, -3)])
def test_box_needs_a_positive_size(w, h):
    with pytest.raises(ValueError, match=r"Box\.w and Box\.h must be positive"):
        Box(0, 0, w, h)


@pytest.mark.parametrize("a, b, expected", [
    (Box(0, 0, 10, 10), Box(0, 0, 10, 10), 1.0),
    (Box(0, 0, 10, 10), Box(20, 20, 10, 10), 0.0),
    (Box(0, 0, 10, 10), Box(10, 0, 10, 10), 0.0),  # touching edges do not overlap
    (Box(0, 0, 10, 10), Box(5, 0, 10, 10), 50 / 150),
    (Box(0, 0, 10, 10), Box(0, 0, 5, 5), 25 / 100),
    (Box(0, 0, 10, 10), Box(5, 5, 10, 10), 25 / 175),
    (Box(-5, -5, 10, 10), Box(0, 0, 10, 10), 25 / 175),
], ids=["same", "disjoint", "touching", "half", "inside", "corner", "negative-origin"])
def test_box_iou(a, b, expected):
    assert a.iou(b) == pytest.approx(expected)
    assert b.iou(a) == pytest.approx(expected)


@pytest.mark.parametrize("box, expected", [
    (Box(10, 10, 20, 20), Box(10, 10, 20, 20)),
    (Box(-5, 10, 20, 20), Box(0, 10, 15, 20)),
    (Box(90, 40, 20, 20), Box(90, 40, 10, 10)),
    (Box(-10, -10, 200, 200), Box(0, 0, 100, 50)),
    (Box(100, 10, 5, 5), None),  # starts at the right edge
    (Box(-20, 10, 20, 20), None),  # ends at the left edge
    (Box(10, 60, 5, 5), None),  # below the image
])
def test_box_clipped_to_a_100x50_image(box, expected):
    assert box.clipped(100, 50) == expected


@pytest.mark.parametrize("point, inside", [
    ((10, 20), True), ((29.9, 59.9), True), ((15, 40), True),
    ((30, 40), False), ((15, 60), False), ((9.9, 40), False), ((15, 19), False),
])
def test_box_contains_is_half_open(point, inside):
    assert Box(10, 20, 20, 40).contains(*point) is inside


def test_box_area_and_center():
    box = Box(10, 20, 30, 40)
    assert box.area == 1200
    assert box.center == (25.0, 40.0)


# --- Prediction ----------------------------------------------------------------------------------

@pytest.mark.parametrize("values, message", [
    ((1 / 6,) * 6, "needs 7 values, got 6"),
    ((1 / 8,) * 8, "needs 7 values, got 8"),
    ((), "needs 7 values, got 0"),
    ((0.5,) * 7, "sum to 1"),
    ((0.0,) * 7, "sum to 1"),
    ((math.nan,) + (1 / 6,) * 6, "sum to 1"),
    ((math.inf,) + (0.0,) * 6, "sum to 1"),
    ((-0.5, 1.5, 0, 0, 0, 0, 0), ">= 0"),
], ids=["6", "8", "empty", "sum-3.5", "zeros", "nan", "inf", "negative"])
def test_prediction_validation_names_the_field(values, message):
    with pytest.raises(ValueError, match=r"Prediction\.probabilities") as err:
        Prediction(values)
    assert message in str(err.value)


def test_prediction_accepts_float32_rounding_and_stores_python_floats():
    p = Prediction.from_array(np.full(7, 1 / 7, np.float32))
    assert isinstance(p.probabilities, tuple) and all(type(v) is float for v in p.probabilities)
    assert sum(p.probabilities) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("values, top, name, confidence, margin", [
    (one_hot(3), 3, "Happy", 1.0, 1.0),
    ((0.1, 0.0, 0.0, 0.5, 0.0, 0.0, 0.4), 3, "Happy", 0.5, 0.1),
    ((0.3, 0.0, 0.0, 0.0, 0.0, 0.3, 0.4), 6, "Neutral", 0.4, 0.1),
    ((0.45, 0.0, 0.0, 0.0, 0.1, 0.0, 0.45), 0, "Angry", 0.45, 0.0),  # a tie: the first wins
    (UNIFORM, 0, "Angry", 1 / 7, 0.0),
])
def test_prediction_top_confidence_and_margin(values, top, name, confidence, margin):
    p = Prediction(values)
    assert p.top == top
    assert p.emotion.name == name
    assert p.confidence == pytest.approx(confidence)
    assert p.margin == pytest.approx(margin)


# --- Face ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("label", [-1, 7, 100])
def test_face_label_out_of_range_names_the_field(label):
    with pytest.raises(ValueError, match=r"Face\.label must be 0\.\.6, got " + str(label)):
        Face(Box(0, 0, 5, 5), Prediction(UNIFORM), label)


@pytest.mark.parametrize("label, uncertain, text", [
    (3, False, "Happy 70%"),
    (6, False, "Neutral 5%"),  # the shown label may lag the top class (hysteresis)
    (3, True, "Happy 70% ?"),
])
def test_face_text_shows_the_label_and_its_probability(label, uncertain, text):
    face = Face(Box(0, 0, 5, 5), Prediction(one_hot(3, 0.7)), label, uncertain=uncertain)
    assert face.text == text
    assert face.emotion.index == label


# --- StageTimes / FrameResult --------------------------------------------------------------------

def test_stage_times_total():
    assert StageTimes(1.5, 2.0, 0.25).total_ms == pytest.approx(3.75)
    assert StageTimes().total_ms == 0.0


def _face(w: int, h: int, track_id: int) -> Face:
    return Face(Box(0, 0, w, h), Prediction(UNIFORM), 0, track_id)


@pytest.mark.parametrize("sizes, largest_id", [
    ([(10, 10), (30, 5), (12, 12)], 2),  # 150 px beats 144 and 100
    ([(10, 10), (30, 5), (12, 12), (4, 40)], 4),
    ([(8, 8)], 1),
])
def test_frame_result_largest_is_the_face_with_the_biggest_area(sizes, largest_id):
    frame = Frame(np.zeros((2, 2, 3), np.uint8), 0, 0.0)
    faces = [_face(w, h, i + 1) for i, (w, h) in enumerate(sizes)]
    result = FrameResult(frame, faces)  # a list is accepted and stored as a tuple
    assert isinstance(result.faces, tuple) and len(result.faces) == len(sizes)
    assert result.largest.track_id == largest_id


def test_frame_result_without_faces():
    result = FrameResult(Frame(np.zeros((2, 2, 3), np.uint8), 0, 0.0))
    assert result.faces == () and result.largest is None and result.faces_skipped == 0
    assert result.times == StageTimes()
