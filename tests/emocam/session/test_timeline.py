"""Timeline: the last 60 s of the followed face's probabilities, kept across track changes and loops
(marked as breaks), gaps while no face."""

from __future__ import annotations

import math

import pytest

from emocam.session.timeline import Timeline

HAPPY = (0.05, 0.02, 0.03, 0.60, 0.10, 0.15, 0.05)
SAD = (0.05, 0.05, 0.05, 0.05, 0.70, 0.05, 0.05)


def test_points_in_order():
    tl = Timeline()
    tl.add(1.0, HAPPY, 7)
    tl.add(1.5, SAD, 7)
    assert [(p.t, p.probs) for p in tl.points] == [(1.0, HAPPY), (1.5, SAD)]
    assert tl.track_id == 7 and tl.has_face and tl.latest_t == 1.5


def test_points_older_than_the_window_are_dropped():
    tl = Timeline(window_s=60.0)
    for t in range(0, 121, 10):
        tl.add(float(t), HAPPY, 1)
    assert [p.t for p in tl.points] == [60.0, 70.0, 80.0, 90.0, 100.0, 110.0, 120.0]


def test_another_track_keeps_the_history_and_marks_a_break():
    tl = Timeline()
    tl.add(0.0, HAPPY, 1)
    tl.add(0.1, HAPPY, 1)
    tl.add(0.2, SAD, 2)
    assert [(p.t, p.probs) for p in tl.points] == [(0.0, HAPPY), (0.1, HAPPY), (0.2, SAD)] and tl.track_id == 2
    assert tl.breaks == (0.2,)
    assert [t.tolist() for t, _ in tl.segments()] == [[0.0, 0.1], [0.2]]  # one person's line never continues


@pytest.mark.parametrize("probs, track", [(None, 1), (HAPPY, None), (None, None)])
def test_no_face_keeps_the_history_and_breaks_the_line(probs, track):
    tl = Timeline()
    tl.add(0.0, HAPPY, 1)
    tl.add(0.1, HAPPY, 1)
    tl.add(0.2, probs, track)
    tl.add(0.3, probs, track)
    assert not tl.has_face and len(tl.points) == 2
    tl.add(0.4, SAD, 1)  # the same face is back
    assert tl.has_face and len(tl.points) == 3
    (t1, p1), (t2, p2) = tl.segments()
    assert t1.tolist() == [0.0, 0.1] and t2.tolist() == [0.4]
    assert p1.shape == (2, 7) and p2[0].tolist() == list(SAD)


def test_a_gap_that_falls_out_of_the_window_goes_with_it():
    tl = Timeline(window_s=10.0)
    tl.add(0.0, HAPPY, 1)
    tl.add(1.0, None, None)
    tl.add(2.0, HAPPY, 1)
    tl.add(11.5, HAPPY, 1)
    assert [t.tolist() for t, _ in tl.segments()] == [[2.0, 11.5]]


def test_a_looping_video_keeps_sixty_seconds_of_history():
    """An 8 s clip looping for 80 s: the clock goes back every 8 s, the history still spans 60 s."""
    tl = Timeline(window_s=60.0)
    for loop in range(10):
        for k in range(80):
            tl.add(k * 0.1, HAPPY, loop + 1)  # each loop restarts the clock and the tracker
    times = [p.t for p in tl.points]
    assert times == sorted(times)
    assert times[-1] - times[0] >= 59.0
    assert len(tl.breaks) >= 7  # every restart is marked
    assert all(times[0] <= b <= times[-1] for b in tl.breaks)


def test_a_clock_going_back_continues_after_the_last_point():
    tl = Timeline()
    tl.add(50.0, HAPPY, 1)
    tl.add(3.0, SAD, 1)
    tl.add(3.5, SAD, 1)
    (t1, _), (t2, _) = tl.segments()
    assert t1.tolist() == [50.0] and t2[0] > 50.0 and t2[1] - t2[0] == pytest.approx(0.5)
    assert len(tl.breaks) == 1 and 50.0 < tl.breaks[0] < t2[0]


def test_memory_is_bounded_whatever_the_rate():
    tl = Timeline(window_s=60.0, max_points=100)
    for i in range(1000):
        tl.add(i / 1000, HAPPY, 1)
    assert len(tl.points) == 100 and tl.points[-1].t == pytest.approx(0.999)


def test_reset_forgets_everything():
    tl = Timeline()
    tl.add(0.0, HAPPY, 1)
    tl.reset()
    assert tl.points == () and tl.track_id is None and tl.latest_t is None and not tl.has_face


@pytest.mark.parametrize("t, probs, match", [(math.nan, HAPPY, "finite"), (0.0, HAPPY[:6], "7 probabilities")])
def test_bad_input_is_refused(t, probs, match):
    with pytest.raises(ValueError, match=match):
        Timeline().add(t, probs, 1)
