"""StatusReport's frame rate: frames shown over the last 2 s of its clock (a fake one here, so the
numbers are exact and a loaded machine cannot change them)."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtWidgets import QStatusBar

from emocam.types import Frame, FrameResult
from tests.fake_clock import FakeClock
from ui.controllers.status import StatusReport
from ui.widgets.video_view import VideoView


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=100.0)


@pytest.fixture
def report(qtbot, clock) -> StatusReport:
    bar, view = QStatusBar(), VideoView()
    qtbot.addWidget(bar)
    qtbot.addWidget(view)
    status = StatusReport(bar, view, clock=clock)
    status.stop()  # the test refreshes by hand
    yield status
    del bar, view  # kept alive until here: the labels belong to the bar


def _result(index: int) -> FrameResult:
    return FrameResult(Frame(np.zeros((8, 8, 3), np.uint8), index, 0.0), ())


# a frame shown every N s, how many, then how long nothing is shown -> the fps label
@pytest.mark.parametrize("every_s, frames, idle_s, text", [
    (1 / 30, 60, 0.0, "30.0 fps"),
    (0.1, 30, 0.0, "10.0 fps"),  # only the last 2 s count
    (1 / 30, 60, 1.5, "30.0 fps"),  # frames within the last 2 s still say how fast they came
    (1 / 30, 60, 2.5, "no video"),  # nothing shown for 2.5 s: no rate from stale frames
    (0.5, 2, 0.0, "no video"),  # two frames are not a rate
])
def test_the_frame_rate_counts_frames_shown_in_the_last_two_seconds(report, clock, every_s, frames, idle_s, text):
    for i in range(frames):
        clock.advance(every_s)
        report.frame_shown(_result(i))
    clock.advance(idle_s)
    report.refresh()
    assert report.labels["fps"].text() == text
