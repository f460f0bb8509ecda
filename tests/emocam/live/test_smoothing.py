"""FaceTracker: per-track EMA, hysteresis on the shown label, the uncertain flag, separate
histories for separate faces, and track expiry."""

from __future__ import annotations

import numpy as np
import pytest

from emocam.live.smoothing import FaceTracker, SmoothingSettings
from emocam.types import Box

LEFT, RIGHT = Box(20, 100, 80, 80), Box(500, 100, 80, 80)
FAR_TOP, FAR_BOTTOM = Box(250, 0, 80, 80), Box(250, 380, 80, 80)


def probs(top: int, p: float, runner_up: int | None = None, q: float = 0.0) -> np.ndarray:
    """A 7-vector with ``p`` on ``top`` (and ``q`` on ``runner_up``), the rest spread evenly."""
    v = np.zeros(7)
    v[top] = p
    if runner_up is not None:
        v[runner_up] = q
    others = [i for i in range(7) if i not in (top, runner_up)]
    v[others] = (1 - v.sum()) / len(others)
    return v


def step(tracker: FaceTracker, *faces: tuple[Box, np.ndarray]):
    boxes = [b for b, _ in faces]
    return tracker.update(boxes, np.array([p for _, p in faces]).reshape(len(faces), 7))


def shown(face) -> np.ndarray:
    return np.array(face.prediction.probabilities)


def test_a_new_face_starts_from_its_own_raw_prediction():
    raw = probs(3, 0.6, 6, 0.2)
    (face,) = step(FaceTracker(), (LEFT, raw))
    np.testing.assert_allclose(shown(face), raw, atol=1e-12)
    assert face.label == 3 and face.box == LEFT and face.track_id == 1


@pytest.mark.parametrize("alpha", [0.2, 0.35, 0.5, 1.0])
def test_ema_moves_gradually_towards_the_new_prediction(alpha):
    tracker = FaceTracker(SmoothingSettings(alpha=alpha))
    first, new = probs(6, 0.9), probs(3, 0.9)
    step(tracker, (LEFT, first))
    expected = first.copy()
    for _ in range(4):
        expected = alpha * new + (1 - alpha) * expected
        (face,) = step(tracker, (LEFT, new))
        np.testing.assert_allclose(shown(face), expected, atol=1e-9)
    if alpha < 1:  # still on the way, but getting closer
        assert 0 < np.abs(shown(face) - new).sum() < np.abs(first - new).sum()


def test_small_box_jitter_keeps_the_same_track():
    tracker = FaceTracker()
    ids = [step(tracker, (Box(100 + dx, 100 - dx, 80, 80), probs(0, 0.5)))[0].track_id for dx in (0, 4, 8, 5, 0)]
    assert ids == [1] * 5


@pytest.mark.parametrize("lead, changes", [
    (0.02, False), (0.07, False), (0.09, True), (0.3, True),
])
def test_label_changes_only_when_the_lead_exceeds_the_hysteresis(lead, changes):
    # alpha = 1: the smoothed probabilities are the raw ones, so the lead is exactly ``lead``
    tracker = FaceTracker(SmoothingSettings(alpha=1.0, hysteresis=0.08))
    step(tracker, (LEFT, probs(6, 0.6)))
    (face,) = step(tracker, (LEFT, probs(3, 0.3 + lead, 6, 0.3)))
    assert face.prediction.top == 3  # the new class is on top either way...
    assert face.label == (3 if changes else 6)  # ...but the label moves only past the hysteresis


def test_label_follows_a_lasting_change_through_the_ema():
    tracker = FaceTracker(SmoothingSettings(alpha=0.35, hysteresis=0.08))
    labels = [step(tracker, (LEFT, probs(6 if i == 0 else 3, 0.8)))[0].label for i in range(8)]
    assert labels[0] == 6 and labels[-1] == 3
    switch = labels.index(3)
    assert switch > 1, "one frame of a new emotion must not flip the label at once"
    assert labels[switch:] == [3] * (len(labels) - switch)


@pytest.mark.parametrize("p, q, uncertain", [
    (0.45, 0.40, True), (0.40, 0.40, True), (0.49, 0.40, True), (0.55, 0.40, False), (0.9, 0.0, False),
])
def test_uncertain_when_the_top_two_are_close(p, q, uncertain):
    tracker = FaceTracker(SmoothingSettings(uncertain_margin=0.10))
    (face,) = step(tracker, (LEFT, probs(3, p, 4, q)))
    assert face.uncertain is uncertain


def test_two_faces_keep_separate_histories():
    tracker = FaceTracker(SmoothingSettings(alpha=0.5))
    happy, sad = probs(3, 0.8), probs(4, 0.7)
    for _ in range(5):
        left, right = step(tracker, (LEFT, happy), (RIGHT, sad))
        np.testing.assert_allclose(shown(left), happy, atol=1e-9)  # a constant input stays itself
        np.testing.assert_allclose(shown(right), sad, atol=1e-9)
    # same two faces listed the other way round: matched by position, returned in the order given
    right, left = step(tracker, (RIGHT, sad), (LEFT, happy))
    assert (left.track_id, right.track_id) == (1, 2)
    assert (left.label, right.label) == (3, 4)


def test_new_people_in_new_places_do_not_inherit_anyones_history():
    tracker = FaceTracker(SmoothingSettings(alpha=0.35))
    for _ in range(5):
        step(tracker, (LEFT, probs(3, 0.9)), (RIGHT, probs(4, 0.9)))
    angry, surprised = probs(0, 0.55, 5, 0.25), probs(5, 0.6)
    top, bottom = step(tracker, (FAR_TOP, angry), (FAR_BOTTOM, surprised))
    assert {top.track_id, bottom.track_id}.isdisjoint({1, 2})
    assert top.track_id != bottom.track_id
    np.testing.assert_allclose(shown(top), angry, atol=1e-12)
    np.testing.assert_allclose(shown(bottom), surprised, atol=1e-12)
    assert (top.label, bottom.label) == (0, 5)


@pytest.mark.parametrize("absent_frames, same_track", [(1, True), (3, True), (4, False), (10, False)])
def test_a_track_expires_after_max_missed_frames(absent_frames, same_track):
    tracker = FaceTracker(SmoothingSettings(max_missed=3, alpha=0.5))
    first = step(tracker, (LEFT, probs(3, 0.9)))[0]
    for _ in range(absent_frames):
        assert step(tracker) == ()
    back = step(tracker, (LEFT, probs(4, 0.9)))[0]
    assert (back.track_id == first.track_id) is same_track
    if same_track:  # the old history is still averaged in
        assert back.prediction.probabilities[3] == pytest.approx(0.5 * 0.9 + 0.5 * 0.1 / 6)
    else:  # a fresh track: its own raw prediction
        np.testing.assert_allclose(shown(back), probs(4, 0.9), atol=1e-12)


def test_reset_forgets_every_track():
    tracker = FaceTracker()
    first = step(tracker, (LEFT, probs(3, 0.9)))[0]
    tracker.reset()
    again = step(tracker, (LEFT, probs(4, 0.9)))[0]
    assert again.track_id != first.track_id
    np.testing.assert_allclose(shown(again), probs(4, 0.9), atol=1e-12)


def test_disabled_smoothing_shows_the_raw_prediction_every_frame():
    tracker = FaceTracker(SmoothingSettings(enabled=False))
    sequence = [probs(6, 0.9), probs(3, 0.5, 6, 0.45), probs(0, 0.3), probs(3, 0.95)]
    for raw in sequence:
        (face,) = step(tracker, (LEFT, raw))
        np.testing.assert_allclose(shown(face), raw, atol=1e-12)
        assert face.label == int(raw.argmax())
        assert face.uncertain is False
        assert face.track_id == 1


@pytest.mark.parametrize("kwargs, field", [
    ({"alpha": 0.0}, "alpha"), ({"alpha": 1.5}, "alpha"), ({"alpha": -0.1}, "alpha"),
    ({"hysteresis": -0.1}, "hysteresis"), ({"uncertain_margin": -0.1}, "uncertain_margin"),
])
def test_settings_validation_names_the_field(kwargs, field):
    with pytest.raises(ValueError, match=f"SmoothingSettings.*{field}"):
        SmoothingSettings(**kwargs)


def test_no_faces_gives_no_faces():
    assert FaceTracker().update([], np.zeros((0, 7))) == ()
