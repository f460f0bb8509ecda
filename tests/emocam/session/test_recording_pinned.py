"""SessionRecorder and the row writers pinned to exact values: the bytes of a CSV and a JSON export,
the rounding, the row cap at its edge, the clock's edges and the one "full" warning."""

from __future__ import annotations

import logging
import time

import numpy as np
import pytest

from emocam.session.recording import DEFAULT_MAX_ROWS, FaceRow, SessionRecorder, face_rows, write_csv, write_json
from emocam.types import Box, Face, Frame, FrameResult, Prediction
from tests.fake_clock import FakeClock

P = (0.0625, 0.125, 0.03125, 0.5123456, 0.1, 0.15, 0.01884440)


def result(index: int, timestamp: float, faces: int = 1) -> FrameResult:
    frame = Frame(np.zeros((60, 80, 3), np.uint8), index, timestamp)
    return FrameResult(frame, tuple(Face(Box(3 + 20 * k, 4, 15, 16), Prediction(P), 3, 7 + k) for k in range(faces)))


ROW = FaceRow(1.23456, 12, 7, 3, 4, 15, 16, "Happy", P)


def test_face_rows_take_every_field_from_the_result():
    assert face_rows(result(12, 99.0, faces=2), 1.23456) == [ROW, ROW._replace(track_id=8, x=23)]


def test_the_csv_bytes_are_pinned(tmp_path):
    path = write_csv([ROW], str(tmp_path / "s.csv"))
    assert path == tmp_path / "s.csv"
    assert path.read_bytes() == (
        b"time_s,frame,track_id,x,y,w,h,label,angry,disgust,fear,happy,sad,surprise,neutral\r\n"
        b"1.235,12,7,3,4,15,16,Happy,0.0625,0.1250,0.0312,0.5123,0.1000,0.1500,0.0188\r\n")


def test_the_json_bytes_are_pinned(tmp_path):
    path = write_json([ROW], tmp_path / "s.json", {"started": None, "dropped_rows": 2})
    assert path.read_text() == (
        '{"started":null,"dropped_rows":2,"emotions":["Angry","Disgust","Fear","Happy","Sad","Surprise",'
        '"Neutral"],"rows":1,"faces":[{"time_s":1.235,"frame":12,"track_id":7,"box":[3,4,15,16],'
        '"label":"Happy","probabilities":[0.0625,0.125,0.0312,0.5123,0.1,0.15,0.0188]}]}')
    assert write_json([], tmp_path / "e.json").read_text() == (
        '{"emotions":["Angry","Disgust","Fear","Happy","Sad","Surprise","Neutral"],"rows":0,"faces":[]}')


def test_the_default_cap_is_100000_rows_and_1_is_allowed():
    assert SessionRecorder().max_rows == DEFAULT_MAX_ROWS == 100_000
    assert SessionRecorder(max_rows=1).max_rows == 1


def test_a_cap_reached_exactly_drops_nothing_and_warns_once_past_it(caplog):
    recorder = SessionRecorder(max_rows=2, clock=FakeClock(0.0))
    recorder.start()
    with caplog.at_level(logging.WARNING, logger="emocam.session.recording"):
        assert recorder.record(result(0, 1.0, faces=2)) == 2
        assert (recorder.full, recorder.dropped, caplog.records) == (True, 0, [])
        assert recorder.record(result(1, 2.0, faces=2)) == 0
        assert len(caplog.records) == 1  # at the first row dropped
        assert recorder.record(result(2, 3.0, faces=3)) == 0
    assert recorder.dropped == 5 and recorder.row_count == 2
    assert [r.getMessage() for r in caplog.records] == ["recording full: 2 rows; later rows are not kept"]


def test_a_row_cut_by_the_cap_counts_only_the_rest_as_dropped():
    recorder = SessionRecorder(max_rows=3, clock=FakeClock(0.0))
    recorder.start()
    assert [recorder.record(result(i, 1.0 + i, faces=2)) for i in range(3)] == [2, 1, 0]
    assert recorder.dropped == 3 and not SessionRecorder(max_rows=3).full


def test_a_frame_stamped_exactly_at_start_is_recorded_at_zero():
    recorder = SessionRecorder(clock=FakeClock(10.0))
    recorder.start()
    assert recorder.record(result(0, 10.0)) == 1
    assert recorder.record(result(1, 9.999)) == 0
    assert recorder.rows[0].time_s == 0.0


def test_an_explicit_start_time_is_used_even_when_it_is_zero():
    recorder = SessionRecorder(clock=FakeClock(10.0))
    recorder.start(t0=0)
    assert recorder.record(result(0, 2.5)) == 1
    assert recorder.rows[0].time_s == 2.5 and recorder.elapsed == 10.0


def test_elapsed_before_during_after_and_with_a_clock_behind_the_start():
    clock = FakeClock(10.0)
    recorder = SessionRecorder(clock=clock)
    assert recorder.elapsed == 0.0
    recorder.start()
    clock.advance(2.5)  # 12.5
    assert recorder.elapsed == 2.5
    recorder.stop()
    clock.advance(7.5)  # 20.0
    recorder.stop()  # stopping twice keeps the first stop time
    assert recorder.elapsed == 2.5 and recorder.recording is False
    recorder.start(t0=30.0)
    assert recorder.elapsed == 0.0  # the clock (20) is behind the start given (30)


def test_start_and_stop_are_logged(caplog):
    recorder = SessionRecorder(clock=FakeClock(0.0))
    with caplog.at_level(logging.INFO, logger="emocam.session.recording"):
        recorder.start()
        recorder.record(result(0, 1.0, faces=2))
        recorder.stop()
    assert [r.getMessage() for r in caplog.records] == ["recording started", "recording stopped: 2 rows"]


def test_clear_keeps_recording_and_still_skips_the_result_already_seen():
    recorder = SessionRecorder(max_rows=1, clock=FakeClock(0.0))
    recorder.start()
    first = result(0, 1.0, faces=2)
    recorder.record(first)
    assert recorder.dropped == 1
    recorder.clear()
    assert (recorder.row_count, recorder.dropped, recorder.recording) == (0, 0, True)
    assert recorder.record(first) == 0 and recorder.record(result(1, 2.0)) == 1


def test_rows_is_a_snapshot():
    recorder = SessionRecorder(clock=FakeClock(0.0))
    recorder.start()
    recorder.record(result(0, 1.0))
    rows = recorder.rows
    recorder.record(result(1, 2.0))
    assert isinstance(rows, tuple) and len(rows) == 1 and recorder.row_count == 2


def test_the_metadata_of_an_export(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        clock = FakeClock(0.0)
        recorder = SessionRecorder(max_rows=1, clock=clock)
        assert recorder.metadata() == {"started": None, "duration_s": 0.0, "dropped_rows": 0}
        before = time.time()
        recorder.start()
        assert before <= recorder.started_wall <= time.time()
        recorder.record(result(0, 0.5, faces=3))
        clock.advance(1.23456)
        recorder.started_wall = 1_700_000_000.0
        assert recorder.metadata() == {"started": "2023-11-14T22:13:20+0000", "duration_s": 1.235, "dropped_rows": 2}
        assert recorder.export_json(tmp_path / "s.json").read_text().startswith(
            '{"started":"2023-11-14T22:13:20+0000","duration_s":1.235,"dropped_rows":2,"emotions":')
        assert recorder.export_csv(tmp_path / "s.csv").read_text().count("\n") == 2
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_nothing_is_recorded_while_off_or_for_a_frame_without_faces():
    recorder = SessionRecorder(clock=FakeClock(0.0))
    assert recorder.record(result(0, 1.0)) == 0
    recorder.start()
    assert recorder.record(result(1, 2.0, faces=0)) == 0
    assert recorder.record(result(2, 3.0)) == 1
