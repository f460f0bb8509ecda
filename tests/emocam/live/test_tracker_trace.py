"""The tracker on the app's default settings, pinned: a golden trace of a fixed scene (two faces
crossing, one that leaves and comes back, one that leaves for good and a newcomer in its place, a
close call), and properties that must hold for any scene (Hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from emocam.live.smoothing import FaceTracker, SmoothingSettings
from emocam.types import Box

ANGRY, FEAR, HAPPY, SAD, SURPRISE, NEUTRAL = 0, 2, 3, 4, 5, 6


def peaked(label: int, p: float) -> np.ndarray:
    v = np.full(7, (1 - p) / 6)
    v[label] = p
    return v


def close_call(a: int, b: int, pa: float, pb: float) -> np.ndarray:
    v = np.full(7, (1 - pa - pb) / 5)
    v[a], v[b] = pa, pb
    return v


def scene(t: int) -> list[tuple[str, Box, np.ndarray]]:
    """Frame ``t``: P walks right and Q walks left (they cross at t=5); R sits still, is hidden at t=3-4
    and turns from Neutral to Surprise at t=6; S, a close Angry/Fear call, leaves after t=1 and someone
    sits in the same place from t=11 (after the tracker's 8 missed frames)."""
    faces = [("P", Box(50 + 40 * t, 100, 100, 100), peaked(HAPPY, 0.7)),
             ("Q", Box(450 - 40 * t, 110, 100, 100), peaked(SAD, 0.6))]
    if t not in (3, 4):
        faces.append(("R", Box(300, 350, 80, 80), peaked(NEUTRAL, 0.6) if t < 6 else peaked(SURPRISE, 0.55)))
    if t <= 1 or t >= 11:
        faces.append(("S", Box(560, 380, 60, 60), close_call(ANGRY, FEAR, 0.42, 0.38)))
    return faces


# (frame, person) -> (track id, shown emotion, uncertain), on SmoothingSettings() defaults
GOLDEN = {
    0: {"P": (1, "Happy", False), "Q": (2, "Sad", False), "R": (3, "Neutral", False), "S": (4, "Angry", True)},
    1: {"P": (1, "Happy", False), "Q": (2, "Sad", False), "R": (3, "Neutral", False), "S": (4, "Angry", True)},
    2: {"P": (1, "Happy", False), "Q": (2, "Sad", False), "R": (3, "Neutral", False)},
    3: {"P": (1, "Happy", False), "Q": (2, "Sad", False)},
    4: {"P": (1, "Happy", False), "Q": (2, "Sad", False)},
    5: {"P": (1, "Happy", False), "Q": (2, "Sad", False), "R": (3, "Neutral", False)},   # crossing; R is back
    6: {"P": (1, "Happy", False), "Q": (2, "Sad", False), "R": (3, "Neutral", False)},   # R turns: label holds
    7: {"P": (1, "Happy", False), "Q": (2, "Sad", False), "R": (3, "Neutral", True)},    # a close call midway
    8: {"P": (1, "Happy", False), "Q": (2, "Sad", False), "R": (3, "Surprise", False)},  # past the hysteresis
    9: {"P": (1, "Happy", False), "Q": (2, "Sad", False), "R": (3, "Surprise", False)},
    10: {"P": (1, "Happy", False), "Q": (2, "Sad", False), "R": (3, "Surprise", False)},
    11: {"P": (1, "Happy", False), "Q": (2, "Sad", False), "R": (3, "Surprise", False), "S": (5, "Angry", True)},
    12: {"P": (1, "Happy", False), "Q": (2, "Sad", False), "R": (3, "Surprise", False), "S": (5, "Angry", True)},
}


def test_default_settings_are_pinned():
    assert SmoothingSettings() == SmoothingSettings(enabled=True, alpha=0.35, hysteresis=0.08, uncertain_margin=0.10,
                                                    min_iou=0.3, max_missed=8)


def test_golden_trace_on_default_settings():
    tracker = FaceTracker()
    for t, expected in GOLDEN.items():
        people = scene(t)
        faces = tracker.update([box for _, box, _ in people], np.array([p for _, _, p in people]))
        got = {name: (f.track_id, f.emotion.name, f.uncertain) for (name, _, _), f in zip(people, faces)}
        assert got == expected, f"frame {t}"
        assert [f.box for f in faces] == [box for _, box, _ in people]  # faces come back in the boxes' order


boxes = st.builds(lambda x, y, s: Box(x, y, s, s), st.integers(0, 600), st.integers(0, 400), st.integers(24, 200))
frames = st.lists(st.lists(boxes, max_size=6), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(frames)
def test_track_ids_are_unique_within_every_frame(scenes):
    tracker = FaceTracker()
    rng = np.random.default_rng(0)
    for frame_boxes in scenes:
        probs = rng.dirichlet(np.ones(7), size=len(frame_boxes))
        faces = tracker.update(frame_boxes, probs)
        ids = [f.track_id for f in faces]
        assert len(ids) == len(set(ids))
        for face in faces:
            assert np.isclose(sum(face.prediction.probabilities), 1.0, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(start=boxes, steps=st.lists(st.tuples(st.integers(-6, 6), st.integers(-6, 6)), min_size=1, max_size=30),
       others=st.lists(boxes, max_size=3))
def test_a_face_present_in_every_frame_keeps_one_id(start, steps, others):
    """A face moving a few pixels per frame keeps its id, whatever other (still) faces are about."""
    others = [b for b in others if b.iou(start) < 0.05]
    tracker = FaceTracker()
    rng = np.random.default_rng(1)
    box, ids = start, set()
    for dx, dy in [(0, 0), *steps]:
        box = Box(box.x + dx, box.y + dy, box.w, box.h)
        faces = tracker.update([box, *others], rng.dirichlet(np.ones(7), size=1 + len(others)))
        ids.add(faces[0].track_id)
    assert len(ids) == 1
