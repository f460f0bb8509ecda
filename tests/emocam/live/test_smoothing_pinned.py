"""Exact edges of the tracker's rules, with numbers that are exact in binary floating point (so a
``>`` that became ``>=`` shows): the hysteresis lead, the uncertain margin, the settings' lower
bounds and the missed-frame count of a track that was matched before it went missing."""

from __future__ import annotations

import numpy as np
import pytest

from emocam.live.smoothing import FaceTracker, SmoothingSettings
from emocam.types import Box

FACE = Box(100, 100, 80, 80)


def dyadic(*top: float) -> np.ndarray:
    """Probabilities whose first entries are ``top`` and the rest share what is left; every value
    used below is a sum of powers of two, so the tracker's arithmetic on them is exact."""
    v = np.zeros(7)
    v[: len(top)] = top
    v[len(top):] = (1 - sum(top)) / (7 - len(top))
    return v


@pytest.mark.parametrize("second, changes", [
    (np.array([0.25, 0.5, 0.25, 0, 0, 0, 0]), False),    # leads by exactly the hysteresis: stays
    (np.array([0.25, 0.625, 0.125, 0, 0, 0, 0]), True),  # leads by more: changes
])
def test_the_label_changes_only_when_the_lead_is_strictly_above_the_hysteresis(second, changes):
    tracker = FaceTracker(SmoothingSettings(alpha=1.0, hysteresis=0.25))
    assert tracker.update([FACE], np.array([[1.0, 0, 0, 0, 0, 0, 0]]))[0].label == 0
    assert tracker.update([FACE], second[None])[0].label == (1 if changes else 0)


@pytest.mark.parametrize("probs, margin, uncertain", [
    ([0.5, 0.25, 0.25, 0, 0, 0, 0], 0.25, False),     # a gap of exactly the margin is a call
    ([0.5, 0.25, 0.25, 0, 0, 0, 0], 0.375, True),
    ([0.5, 0.375, 0.125, 0, 0, 0, 0], 0.125, False),
    ([0.5, 0.375, 0.125, 0, 0, 0, 0], 0.25, True),
])
def test_a_face_is_uncertain_only_when_the_top_two_are_closer_than_the_margin(probs, margin, uncertain):
    tracker = FaceTracker(SmoothingSettings(uncertain_margin=margin))
    assert tracker.update([FACE], np.array([probs]))[0].uncertain is uncertain


@pytest.mark.parametrize("kwargs", [{"hysteresis": 0.0}, {"uncertain_margin": 0.0}, {"alpha": 1.0},
                                    {"alpha": 2 ** -20}])
def test_the_lowest_and_highest_allowed_settings_are_accepted(kwargs):
    settings = SmoothingSettings(**kwargs)
    for key, value in kwargs.items():
        assert getattr(settings, key) == value


@pytest.mark.parametrize("kwargs", [{"hysteresis": -2 ** -20}, {"uncertain_margin": -2 ** -20},
                                    {"alpha": 0.0}, {"alpha": 1 + 2 ** -20}])
def test_settings_just_outside_are_refused(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        SmoothingSettings(**kwargs)


@pytest.mark.parametrize("absent, same_id", [(8, True), (9, False)])
def test_a_matched_track_survives_exactly_eight_missed_frames_on_defaults(absent, same_id):
    """The count restarts at 0 on every match (here after two frames), not only for a new track."""
    tracker = FaceTracker()
    first = tracker.update([FACE], dyadic(0.75)[None])[0]
    tracker.update([FACE], dyadic(0.75)[None])
    for _ in range(absent):
        assert tracker.update([], np.zeros((0, 7))) == ()
    assert (tracker.update([FACE], dyadic(0.75)[None])[0].track_id == first.track_id) is same_id


def test_the_app_defaults_are_these_numbers():
    s = SmoothingSettings()
    assert (s.enabled, s.alpha, s.hysteresis, s.uncertain_margin, s.min_iou, s.max_missed) == \
        (True, 0.35, 0.08, 0.10, 0.3, 8)


def test_smoothing_off_shows_each_frames_own_top_class_at_once():
    tracker = FaceTracker(SmoothingSettings(enabled=False, hysteresis=0.5))
    tracker.update([FACE], dyadic(0.75)[None])
    face = tracker.update([FACE], np.array([[0.25, 0.375, 0.375 - 2 ** -10, 2 ** -10, 0, 0, 0]]))[0]
    assert face.label == 1 and face.uncertain is False
    assert face.prediction.probabilities == (0.25, 0.375, 0.375 - 2 ** -10, 2 ** -10, 0, 0, 0)
