"""TimelineView: points follow the added results, drop out after 60 s, repaint at most ~10 Hz,
and are painted in the emotions' colours."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from emocam.live.sources import DEMO_IMAGE
from emocam.emotions import EMOTIONS
from emocam.types import Box, Face, Frame, FrameResult, Prediction
from tests.fake_clock import FakeClock
from ui.widgets.timeline_view import TimelineView

HAPPY = (0.02, 0.02, 0.02, 0.86, 0.02, 0.03, 0.03)
SAD = (0.05, 0.05, 0.05, 0.05, 0.70, 0.05, 0.05)


def result(index: int, t: float, probs: tuple | None, track_id: int = 1) -> FrameResult:
    frame = Frame(np.zeros((48, 64, 3), np.uint8), index, t)
    faces = () if probs is None else (Face(Box(5, 5, 20, 20), Prediction(probs), int(np.argmax(probs)), track_id),)
    return FrameResult(frame, faces)


def feed(view: TimelineView, res: FrameResult) -> None:
    """What the window does for each result (with the largest face as the selected one)."""
    face = res.largest
    view.add(res.frame.timestamp, face.prediction.probabilities if face else None, face.track_id if face else None)


@pytest.fixture
def view(qtbot) -> TimelineView:
    widget = TimelineView()
    qtbot.addWidget(widget)
    widget.resize(400, 160)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_starts_empty_with_no_face(view):
    assert view.points == () and not view.has_face and view.track_id is None
    assert not view.grab().isNull()  # paints its empty state


def test_points_update_from_results_and_a_repaint_follows(view, qtbot):
    painted = view.paint_count
    for i in range(5):
        feed(view, result(i, 100.0 + i / 10, HAPPY if i < 3 else SAD, track_id=4))
    assert [p.t for p in view.points] == pytest.approx([100.0, 100.1, 100.2, 100.3, 100.4])
    assert view.points[-1].probs == pytest.approx(SAD) and view.track_id == 4 and view.has_face
    qtbot.waitUntil(lambda: view.paint_count > painted, timeout=1000)


def test_points_older_than_60_seconds_are_dropped(view):
    for i in range(0, 91):
        feed(view, result(i, float(i), HAPPY))
    times = [p.t for p in view.points]
    assert times[0] == 30.0 and times[-1] == 90.0 and len(times) == 61


def test_no_face_then_another_face(view):
    feed(view, result(0, 1.0, HAPPY, track_id=1))
    feed(view, result(1, 1.1, None))
    assert not view.has_face and len(view.points) == 1  # kept, shown faded under "No face"
    feed(view, result(2, 1.2, SAD, track_id=2))
    assert view.has_face and view.track_id == 2 and [p.t for p in view.points] == [1.0, 1.2]
    assert view.breaks == (1.2,)  # the history stays; another face's line starts after a mark


# results every N fake ms -> repaints asked at once (at most one per 100 ms), and whether the newest
# point is left to the trailing single-shot timer
@pytest.mark.parametrize("every_ms, results, repaints, trailing", [
    (8, 60, 5, True),  # 125 fps: repaints at 0, 104, 208, 312, 416 ms; the point at 472 ms waits
    (50, 10, 5, True),  # at 0, 100, ..., 400; the one at 450 waits
    (100, 5, 5, False),  # exactly one interval apart: every result repaints
    (150, 4, 4, False),
    (0, 30, 1, True),  # a burst at one instant: one repaint, the rest drawn once by the timer
])
def test_repaints_are_throttled_however_fast_results_come(qtbot, every_ms, results, repaints, trailing):
    clock = FakeClock(start=10.0)
    view = TimelineView(clock=clock)
    qtbot.addWidget(view)
    for i in range(results):  # the event loop does not run in between: the timer cannot fire
        feed(view, result(i, clock.now(), HAPPY))
        clock.advance(every_ms / 1000)
    assert view.repaints == repaints and len(view.points) == results
    assert view._timer.isActive() == trailing
    if trailing:  # the newest point is never left undrawn: the timer repaints it, once
        qtbot.waitUntil(lambda: not view._timer.isActive(), timeout=30000)  # a hang guard, not a bound
        assert view.repaints == repaints + 1


def _rows_with_colour(image, index: int) -> np.ndarray:
    """Row numbers of the pixels whose nearest colour (among the 7 emotions, white, grey and black)
    is emotion ``index``'s: antialiased lines blend with the background, so match by nearest."""
    image = image.convertToFormat(image.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    ptr = image.constBits()
    ptr.setsize(stride * h)
    pixels = np.frombuffer(ptr, np.uint8).reshape(h, stride)[:, : 3 * w].reshape(h, w, 1, 3).astype(int)
    palette = np.array([e.colour for e in EMOTIONS] + [(255, 255, 255), (128, 128, 128), (0, 0, 0)])
    nearest = np.abs(pixels - palette).sum(axis=3).argmin(axis=2)
    return np.nonzero((nearest == index).any(axis=1))[0]


def test_lines_are_painted_in_the_emotion_colours_at_their_height(view):
    probs = (0.036, 0.036, 0.036, 0.62, 0.20, 0.036, 0.036)  # Sad well apart from the crowd at 4%
    for i in range(100):
        feed(view, result(i, i / 10, probs))
    image = view.grab().toImage()
    upper = (30, image.height() // 2)  # below the legend, above the middle (50%)
    happy_rows = _rows_with_colour(image, 3)
    sad_rows = _rows_with_colour(image, 4)
    assert ((happy_rows > upper[0]) & (happy_rows < upper[1])).any()  # Happy at 62%: high up
    assert not ((sad_rows > upper[0]) & (sad_rows < upper[1])).any()  # Sad at 20%: low
    assert (sad_rows > upper[1]).any()


def test_follows_real_pipeline_results(view, tiny_models, qtbot):
    from emocam.models.loading import load_classifier
    from emocam.live.detection import FaceDetector
    from emocam.live.pipeline import Pipeline

    rgb = cv2.cvtColor(cv2.imread(str(DEMO_IMAGE)), cv2.COLOR_BGR2RGB)
    head = cv2.resize(rgb[20:260, 105:345], (200, 200))
    pipeline = Pipeline(FaceDetector(), load_classifier(tiny_models["tflite48"]))
    results = []
    for i in range(4):
        stage = np.full((480, 640, 3), 40, np.uint8)
        stage[140:340, 220 + 3 * i: 420 + 3 * i] = head
        results.append(pipeline.process(Frame(stage, i, 50.0 + i / 15)))
        feed(view, results[-1])
    assert [len(r.faces) for r in results] == [1, 1, 1, 1]
    assert [p.probs for p in view.points] == [r.faces[0].prediction.probabilities for r in results]
    assert view.track_id == results[0].faces[0].track_id
    qtbot.waitUntil(lambda: view.paint_count > 1, timeout=1000)
