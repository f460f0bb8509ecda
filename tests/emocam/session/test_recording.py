"""SessionRecorder: off by default, rows per face per frame while on, a cap with a clear 'full' state,
and atomic CSV/JSON export (a complete file or none, no temp files left)."""

from __future__ import annotations

import csv
import json
import os
import stat
from pathlib import Path

import cv2
import numpy as np
import pytest

from emocam.live.sources import DEMO_IMAGE
from emocam.session.recording import CSV_COLUMNS, FaceRow, SessionRecorder, write_csv
from emocam.types import Box, Face, Frame, FrameResult, Prediction
from tests.fake_clock import FakeClock

EXPECTED_COLUMNS = ["time_s", "frame", "track_id", "x", "y", "w", "h", "label",
                    "angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
HAPPY = (0.05, 0.02, 0.03, 0.60, 0.10, 0.15, 0.05)
SAD = (0.05, 0.05, 0.05, 0.05, 0.70, 0.05, 0.05)


def result(index: int, timestamp: float, *faces: tuple[int, tuple]) -> FrameResult:
    """A frame at ``timestamp`` with faces given as ``(track_id, probabilities)``."""
    frame = Frame(np.zeros((48, 64, 3), np.uint8), index, timestamp)
    return FrameResult(frame, tuple(Face(Box(10 * k, 5, 20, 20), Prediction(p), int(np.argmax(p)), track)
                                    for k, (track, p) in enumerate(faces)))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=100.0)


@pytest.fixture
def recorder(clock) -> SessionRecorder:
    return SessionRecorder(clock=clock)


def test_the_csv_columns_are_exactly_these():
    assert list(CSV_COLUMNS) == EXPECTED_COLUMNS


def test_off_by_default_keeps_nothing_and_writes_nothing(recorder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for i in range(5):
        assert recorder.record(result(i, 100.0 + i, (1, HAPPY))) == 0
    assert not recorder.recording and recorder.row_count == 0 and recorder.rows == ()
    assert list(tmp_path.iterdir()) == []


def test_rows_while_recording_one_per_face_per_frame(recorder, clock):
    recorder.start()
    assert recorder.recording
    for i in range(4):
        recorder.record(result(i, 100.0 + 0.5 * i, (1, HAPPY), (2, SAD)))
    recorder.record(result(4, 102.0))  # no faces: no rows
    assert recorder.row_count == 8
    first, second = recorder.rows[:2]
    assert first == FaceRow(0.0, 0, 1, 0, 5, 20, 20, "Happy", HAPPY)
    assert second.track_id == 2 and second.label == "Sad" and second.x == 10
    assert [r.time_s for r in recorder.rows[::2]] == [0.0, 0.5, 1.0, 1.5]
    clock.advance(12.5)  # 112.5
    assert recorder.elapsed == pytest.approx(12.5)


def test_frames_captured_before_start_are_skipped(recorder, clock):
    recorder.start()
    assert recorder.record(result(0, 99.9, (1, HAPPY))) == 0
    assert recorder.record(result(1, 100.1, (1, HAPPY))) == 1


def test_the_same_result_passed_twice_is_recorded_once(recorder):
    recorder.start()
    shown = result(0, 100.0, (1, HAPPY))
    assert recorder.record(shown) == 1
    assert recorder.record(shown) == 0  # the window re-shows the last result when a face is clicked
    assert recorder.record(result(1, 100.0, (1, HAPPY))) == 1


def test_stop_keeps_the_rows_and_freezes_the_clock_start_begins_afresh(recorder, clock):
    recorder.start()
    recorder.record(result(0, 100.0, (1, HAPPY)))
    clock.advance(3.0)  # 103.0
    recorder.stop()
    clock.advance(7.0)  # 110.0
    assert not recorder.recording and recorder.row_count == 1 and recorder.elapsed == pytest.approx(3.0)
    assert recorder.record(result(1, 110.0, (1, HAPPY))) == 0
    recorder.start()
    assert recorder.row_count == 0 and recorder.elapsed == 0.0


def test_a_full_recorder_says_so_and_counts_what_it_dropped(clock):
    recorder = SessionRecorder(max_rows=5, clock=clock)
    recorder.start()
    added = [recorder.record(result(i, 100.0 + i, (1, HAPPY), (2, SAD))) for i in range(4)]
    assert added == [2, 2, 1, 0]
    assert recorder.full and recorder.row_count == 5 and recorder.dropped == 3


@pytest.mark.parametrize("max_rows", [0, -1])
def test_max_rows_must_be_positive(max_rows):
    with pytest.raises(ValueError, match="max_rows"):
        SessionRecorder(max_rows=max_rows)


def _recorded(recorder: SessionRecorder) -> SessionRecorder:
    recorder.start()
    for i in range(3):
        recorder.record(result(i, 100.0 + i / 10, (1, HAPPY), (4, SAD)))
    return recorder


def test_export_csv_header_and_rows(recorder, tmp_path):
    path = _recorded(recorder).export_csv(tmp_path / "session.csv")
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == EXPECTED_COLUMNS
    assert len(rows) == 1 + 6
    assert rows[1] == ["0.000", "0", "1", "0", "5", "20", "20", "Happy",
                       "0.0500", "0.0200", "0.0300", "0.6000", "0.1000", "0.1500", "0.0500"]
    assert [r[1] for r in rows[1:]] == ["0", "0", "1", "1", "2", "2"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session.csv"]  # no temp file left


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600)], ids=["022", "077"])
def test_an_exported_file_has_the_usual_permissions_not_the_temp_files(recorder, tmp_path, umask, mode):
    """The mode open() gives under the user's umask (literal values), never the temp file's private 0600."""
    old = os.umask(umask)
    try:
        path = _recorded(recorder).export_csv(tmp_path / "session.csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_export_json_structure(recorder, tmp_path):
    path = _recorded(recorder).export_json(tmp_path / "session.json")
    doc = json.loads(path.read_text())
    assert doc["emotions"] == ["Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral"]
    assert doc["rows"] == len(doc["faces"]) == 6
    assert doc["faces"][1] == {"time_s": 0.0, "frame": 0, "track_id": 4, "box": [10, 5, 20, 20],
                               "label": "Sad", "probabilities": list(SAD)}
    assert doc["dropped_rows"] == 0 and doc["started"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session.json"]


def test_export_replaces_an_old_file_whole(recorder, tmp_path):
    target = tmp_path / "session.csv"
    target.write_text("old content that is much longer than the new file will be\n" * 100)
    _recorded(recorder).export_csv(target)
    assert target.read_text().splitlines()[0] == ",".join(EXPECTED_COLUMNS)
    assert len(target.read_text().splitlines()) == 7


def test_a_failed_export_leaves_the_old_file_and_no_temp_file(tmp_path):
    target = tmp_path / "session.csv"
    target.write_text("precious\n")
    good = FaceRow(0.0, 0, 1, 0, 0, 10, 10, "Happy", HAPPY)
    with pytest.raises(AttributeError):
        write_csv([good, good, "not a row"], target)  # fails half-way through writing
    assert target.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session.csv"]


@pytest.mark.parametrize("where", ["missing folder", "a folder"])
def test_export_to_an_impossible_path_is_an_oserror_naming_it(recorder, tmp_path, where):
    target = tmp_path / "nope" / "s.csv" if where == "missing folder" else tmp_path
    with pytest.raises(OSError, match=str(target)):
        _recorded(recorder).export_csv(target)


def test_records_what_the_real_pipeline_finds(tiny_models, tmp_path):
    from emocam.models.loading import load_classifier
    from emocam.live.detection import FaceDetector
    from emocam.live.pipeline import Pipeline

    bgr = cv2.imread(str(DEMO_IMAGE))
    head = cv2.resize(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)[20:260, 105:345], (200, 200))
    pipeline = Pipeline(FaceDetector(), load_classifier(tiny_models["tflite48"]))
    recorder = SessionRecorder(clock=lambda: 0.0)
    recorder.start()
    results = []
    for i in range(3):
        stage = np.full((480, 640, 3), 40, np.uint8)
        stage[140:340, 200 + 4 * i: 400 + 4 * i] = head
        results.append(pipeline.process(Frame(stage, i, i / 10)))
        recorder.record(results[-1])
    assert recorder.row_count == sum(len(r.faces) for r in results) == 3
    for row, res in zip(recorder.rows, results):
        face = res.faces[0]
        assert (row.x, row.y, row.w, row.h) == (face.box.x, face.box.y, face.box.w, face.box.h)
        assert row.probabilities == face.prediction.probabilities and row.track_id == face.track_id
    assert len({r.track_id for r in recorder.rows}) == 1
    assert Path(recorder.export_csv(tmp_path / "s.csv")).stat().st_size > 0
