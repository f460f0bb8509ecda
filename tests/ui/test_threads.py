"""Where the window's threads meet: results reach the GUI newest-only, results of a replaced source
are never shown, and settings changed from the GUI thread while frames flow never race the
processing thread. Real window (offscreen), real cascade and model, a fake camera of real frames."""

from __future__ import annotations

import time

from PyQt5.QtCore import Qt

from emocam.live.sources import FramesSource
from tests.ui.conftest import frames_with_faces


def _record_shown(window) -> list:
    shown = []
    original = window._show

    def show(result):
        shown.append(result)
        return original(result)
    window._show = show
    return shown


def test_results_of_a_replaced_source_are_never_shown(qtbot, make_window):
    a = FramesSource(frames_with_faces([(220, 140)]), fps=60, name="A")
    window = make_window(a)
    qtbot.waitUntil(lambda: window.last_result is not None and window.last_result.frame.source == "A", timeout=10000)
    shown = _record_shown(window)
    for n in range(6):  # switch back and forth while results of the other source are in flight
        name = "B" if n % 2 == 0 else "A"
        window.sources.open_source(FramesSource(frames_with_faces([(20, 140)]), fps=60, name=name))
        start = len(shown)
        qtbot.waitUntil(lambda: len(shown) > start + 2, timeout=10000)
        assert {r.frame.source for r in shown[start:]} == {name}, "a stale result was shown"


def test_a_busy_gui_takes_the_newest_result_and_results_never_queue(qtbot, make_window, one_face_source):
    window = make_window(one_face_source)
    qtbot.waitUntil(lambda: window.last_result is not None, timeout=10000)
    emitted = []  # when the worker emitted, recorded in its own thread (a direct connection)
    window.processor.frame_processed.connect(lambda r: emitted.append(time.monotonic()), Qt.DirectConnection)
    dropped_before = window.processor.dropped
    start = time.monotonic()
    time.sleep(0.6)  # the GUI thread is busy: about 18 results are made meanwhile
    end = time.monotonic()
    qtbot.wait(1)
    # newest-only: while the GUI has not taken a result, the worker emits nothing more (a count of the
    # worker's own emissions, not of deliveries, so a slow event loop on a loaded machine cannot blur it)
    assert len([t for t in emitted if start <= t <= end]) <= 1, "results queued up while the GUI was busy"
    assert window.processor.dropped - dropped_before >= 5  # they were replaced by newer ones instead
    newest = window.last_result.frame.index
    qtbot.waitUntil(lambda: window.last_result.frame.index > newest, timeout=5000)  # and it goes on


def test_smoothing_and_source_changes_from_the_gui_while_frames_flow(qtbot, make_window, two_face_source):
    window = make_window(two_face_source)
    qtbot.waitUntil(lambda: window.last_result is not None and len(window.last_result.faces) == 2, timeout=10000)
    errors = []
    window.processor.processing_failed.connect(errors.append)
    levels = window.actions.smoothing_group.actions()
    for n in range(200):
        levels[n % len(levels)].trigger()
        window.session.reset_tracking()
        if n % 40 == 0:
            qtbot.wait(5)
    shown = window.last_result.frame.index
    qtbot.waitUntil(lambda: window.last_result.frame.index > shown + 5, timeout=10000)
    assert not errors
    result = window.last_result
    assert len(result.faces) == 2 and len({f.track_id for f in result.faces}) == 2
