"""LiveSession: other threads change the live path only by commands, applied between frames; results
from a replaced source or model are stale. Real cascade, real LiteRT classifier, real frames."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from emocam.live.session import LiveSession
from emocam.live.smoothing import SmoothingSettings
from emocam.types import Frame
from tests.emocam import media


@pytest.fixture
def session(detector, classifier) -> LiveSession:
    s = LiveSession(detector)
    s.use_classifier(classifier)
    return s


def face_frames(n: int, source: str = "clip") -> list[Frame]:
    image, _ = media.face_on_stage(0.8, (200, 120))
    return [Frame(image, i, i / 30, source) for i in range(n)]


def test_no_model_gives_empty_results_until_a_classifier_arrives(detector, classifier):
    s = LiveSession(detector)
    frame = face_frames(1)[0]
    assert s.process(frame).faces == () and s.pipeline is None
    epoch = s.use_classifier(classifier)
    result = s.process(frame)
    assert len(result.faces) == 1 and result.epoch == epoch and s.is_current(result)


def test_a_command_is_applied_before_the_next_frame_not_when_sent(session):
    frames = face_frames(3)
    session.process(frames[0])
    first_id = session.process(frames[1]).faces[0].track_id
    session.reset_tracking()
    assert session.tracker._tracks, "sending must not touch the tracker the processing thread uses"
    assert session.process(frames[2]).faces[0].track_id != first_id  # applied: a fresh track


def test_smoothing_change_takes_effect_between_frames(session):
    session.use_smoothing(SmoothingSettings(alpha=1.0, enabled=False))
    assert session.tracker.settings.alpha != 1.0  # not yet: nothing was processed
    session.process(face_frames(1)[0])
    assert session.tracker.settings == SmoothingSettings(alpha=1.0, enabled=False)


def test_results_of_a_replaced_source_or_model_are_stale(session, classifier):
    frame = face_frames(1)[0]
    before = session.process(frame)
    assert session.is_current(before)
    session.new_source()
    assert not session.is_current(before)
    after = session.process(frame)
    assert session.is_current(after) and after.epoch > before.epoch
    session.use_classifier(classifier)
    assert not session.is_current(after)
    assert session.is_current(session.process(frame))


def test_new_source_drops_the_frame_waiting_in_the_slot(session):
    session.slot.put(face_frames(1, "old")[0])
    session.new_source()
    assert session.slot.take(timeout=0.01) is None


def test_resets_and_smoothing_changes_from_another_thread_never_race_the_processing_thread(session):
    """Thousands of commands from a 'GUI' thread while a 'processing' thread runs frames: no exception,
    every result consistent (ids unique within a frame, probabilities a distribution), epochs never
    go back."""
    frames = [f for f in face_frames(2)]
    two = media.tiled_faces(2)
    frames.append(Frame(two, 2, 0.07, "clip"))
    stop, errors, epochs = threading.Event(), [], []

    def processing() -> None:
        i = 0
        try:
            while not stop.is_set():
                base = frames[i % len(frames)]
                result = session.process(Frame(base.image, i, i / 30, "clip"))
                ids = [f.track_id for f in result.faces]
                assert len(ids) == len(set(ids)), ids
                for face in result.faces:
                    assert np.isclose(sum(face.prediction.probabilities), 1.0, atol=1e-3)
                epochs.append(result.epoch)
                i += 1
        except Exception as e:  # reported to the main thread
            errors.append(e)

    worker = threading.Thread(target=processing)
    worker.start()
    levels = [SmoothingSettings(alpha=a) for a in (0.2, 0.35, 0.5, 1.0)]
    for n in range(3000):
        session.reset_tracking()
        session.use_smoothing(levels[n % len(levels)])
        if n % 500 == 0:
            session.new_source()
    while len(epochs) < 20 and worker.is_alive():
        stop.wait(0.01)
    stop.set()
    worker.join(30)
    assert not errors, errors
    assert len(epochs) >= 20 and epochs == sorted(epochs)
    assert epochs[-1] == session.epoch


def test_frames_a_replaced_source_still_puts_are_refused(session):
    old_writer = session.new_source()
    new_writer = session.new_source()
    old_frame, new_frame = face_frames(1, "old")[0], face_frames(1, "new")[0]
    old_writer.put(old_frame)  # a capture thread that has not noticed its stop yet
    assert session.slot.take(timeout=0.01) is None
    new_writer.put(new_frame)
    assert session.slot.take(timeout=0.01) is new_frame
