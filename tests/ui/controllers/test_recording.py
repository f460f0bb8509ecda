"""RecordingControls: off by default and writes nothing; a red REC indicator with time and rows while
on; exports (CSV/JSON, chosen in a dialog or given) are complete files written in a worker."""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pytest
from PyQt5.QtWidgets import QFileDialog, QMessageBox

from emocam.session.recording import SessionRecorder
from emocam.types import Box, Face, Frame, FrameResult, Prediction
from tests.fake_clock import FakeClock
from ui.controllers.recording import RecordingControls, RecordingIndicator

HAPPY = (0.05, 0.02, 0.03, 0.60, 0.10, 0.15, 0.05)


def result(index: int, timestamp: float, tracks=(1,)) -> FrameResult:
    frame = Frame(np.zeros((48, 64, 3), np.uint8), index, timestamp)
    return FrameResult(frame, tuple(Face(Box(10 * k, 4, 20, 20), Prediction(HAPPY), 3, track)
                                    for k, track in enumerate(tracks)))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=1000.0)


@pytest.fixture
def controls(qtbot, tmp_path, clock) -> RecordingControls:
    widget = RecordingControls(recorder=SessionRecorder(clock=clock), export_dir=tmp_path)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _record(controls: RecordingControls, clock: FakeClock, frames: int, tracks=(1,)) -> None:
    for i in range(frames):
        clock.advance(0.1)
        controls.record(result(i, clock.now(), tracks))


def test_off_by_default_records_nothing_and_writes_nothing(controls, clock, tmp_path):
    _record(controls, clock, 20, tracks=(1, 2))
    assert not controls.recording and controls.recorder.row_count == 0
    assert not controls.export_csv_action.isEnabled() and not controls.export_json_action.isEnabled()
    assert not controls.indicator.isVisible()
    assert list(tmp_path.iterdir()) == []


def test_recording_shows_a_red_rec_indicator_with_time_and_rows(controls, clock, qtbot):
    status = RecordingIndicator(controls)  # e.g. the window's status-bar copy
    with qtbot.waitSignal(controls.recording_toggled) as toggled:
        controls.record_action.trigger()
    assert toggled.args == [True] and controls.recording
    clock.advance(12.0)
    _record(controls, clock, 3, tracks=(1, 2))
    qtbot.waitUntil(lambda: "6 rows" in controls.indicator.text(), timeout=2000)
    assert re.fullmatch(r"● REC 00:12 · 6 rows", controls.indicator.text())
    assert controls.indicator.isVisible() and "color: #dc322f" in controls.indicator.styleSheet()
    assert status.text() == controls.indicator.text()
    controls.record_action.trigger()
    assert not controls.recording and controls.indicator.styleSheet() == ""
    assert controls.indicator.text() == "Recorded 00:12 · 6 rows · not exported"
    assert controls.export_csv_action.isEnabled() and controls.export_json_action.isEnabled()


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_export_to_a_given_path_writes_one_complete_file(controls, clock, qtbot, tmp_path, kind):
    controls.set_recording(True)
    _record(controls, clock, 4, tracks=(1, 2))
    target = tmp_path / f"session.{kind}"
    with qtbot.waitSignal(controls.export_finished, timeout=5000) as done:
        controls.export(kind, target)
    assert done.args == [target]
    if kind == "csv":
        with target.open(newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows[0][:3] == ["time_s", "frame", "track_id"] and len(rows) == 1 + 8
    else:
        assert json.loads(target.read_text())["rows"] == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no temp file left
    qtbot.waitUntil(lambda: controls.exports_running == 0, timeout=2000)


def test_export_asks_for_a_file_and_adds_the_suffix(controls, clock, qtbot, tmp_path, monkeypatch):
    asked = []

    def fake_dialog(parent, title, suggestion, pattern):
        asked.append((title, suggestion, pattern))
        return str(tmp_path / "mine"), pattern

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_dialog)
    controls.set_recording(True)
    _record(controls, clock, 2)
    controls.set_recording(False)
    with qtbot.waitSignal(controls.export_finished, timeout=5000):
        controls.export_json_action.trigger()
    assert (tmp_path / "mine.json").is_file()
    title, suggestion, pattern = asked[0]
    assert "JSON" in title and suggestion.startswith(str(tmp_path)) and suggestion.endswith(".json")
    assert controls.indicator.text() == "Recorded 00:00 · 2 rows"  # exported: no warning left


def test_rows_recorded_after_an_export_count_as_unexported(controls, clock, qtbot, tmp_path):
    controls.set_recording(True)
    _record(controls, clock, 2)
    with qtbot.waitSignal(controls.export_finished, timeout=5000):
        controls.export("csv", tmp_path / "early.csv")
    assert not controls.has_unexported_rows
    _record(controls, clock, 1)
    assert controls.has_unexported_rows


@pytest.mark.parametrize("answer, jobs, written", [
    (("", ""), 0, []),  # cancelled
    (("{tmp}/mine.csv", "CSV (*.csv)"), 1, ["mine.csv"]),  # the control: an answer does write
])
def test_cancelling_the_dialog_writes_nothing(controls, clock, qtbot, tmp_path, monkeypatch, answer, jobs, written):
    """No sleep: whether a job was queued is known as soon as the action returns, and once the export
    pool has drained nothing more can be written."""
    from ui.workers import io_pool

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (answer[0].format(tmp=tmp_path), answer[1]))
    controls.set_recording(True)
    _record(controls, clock, 2)
    controls.export_csv_action.trigger()
    assert controls.exports_running == jobs
    assert io_pool().waitForDone(30_000)
    assert sorted(p.name for p in tmp_path.iterdir()) == written


def test_a_failed_export_says_where_and_why(controls, clock, qtbot, tmp_path):
    controls.set_recording(True)
    _record(controls, clock, 2)
    target = tmp_path / "gone" / "s.csv"
    with qtbot.waitSignal(controls.export_failed, timeout=5000) as failed:
        controls.export("csv", target)
    assert str(target) in failed.args[0] and "does not exist" in failed.args[0]
    assert list(tmp_path.iterdir()) == []


def test_a_full_recorder_stops_recording_and_says_so(qtbot, clock):
    controls = RecordingControls(recorder=SessionRecorder(max_rows=5, clock=clock))
    qtbot.addWidget(controls)
    controls.set_recording(True)
    _record(controls, clock, 3, tracks=(1, 2))
    assert not controls.recording and not controls.record_action.isChecked()
    assert controls.recorder.row_count == 5
    assert controls.indicator.text().startswith("Recording full: 5 rows")


@pytest.mark.parametrize("answer, rows_after", [(QMessageBox.Cancel, 3), (QMessageBox.Discard, 0)])
def test_a_new_recording_asks_before_discarding_unexported_rows(controls, clock, monkeypatch, answer, rows_after):
    questions = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a: questions.append(a[2]) or answer)
    controls.set_recording(True)
    _record(controls, clock, 3)
    controls.set_recording(False)
    controls.set_recording(True)
    assert "3 rows" in questions[0]
    assert controls.recording == (answer == QMessageBox.Discard)
    assert controls.record_action.isChecked() == controls.recording
    assert controls.recorder.row_count == rows_after


def test_actions_have_the_documented_shortcuts(controls):
    keys = [a.shortcut().toString() for a in controls.menu_actions()]
    assert keys == ["R", "Ctrl+E", "Ctrl+Shift+E"]
    assert controls.record_action.isCheckable() and not controls.record_action.isChecked()
