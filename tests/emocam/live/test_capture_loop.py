"""The capture loop against scripted fake cameras: hangs, failures, frozen drivers, recovery."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from emocam.live.sources import FramesSource, SourceError
from emocam.live.slot import LatestFrame
from emocam.live.capture_loop import CaptureLoop, CaptureState, LoopSettings

FAST = LoopSettings(open_timeout_s=0.4, no_frame_s=0.15, backoff_s=(0.05, 0.1), stall_s=0.3)


class ScriptedCamera:
    """A fake camera following a script of steps: 'frame', 'same', 'none', 'fail-open' etc."""

    is_camera = True
    name = "Scripted camera"

    def __init__(self, reads, open_failures=0, open_blocks: threading.Event | None = None):
        self.reads, self.open_failures, self.open_blocks = list(reads), open_failures, open_blocks
        self.opens = self.closes = 0
        self._n = 0

    def open(self):
        self.opens += 1
        if self.open_blocks is not None:
            self.open_blocks.wait()
        if self.open_failures:
            self.open_failures -= 1
            raise SourceError("camera unplugged")

    def read(self):
        time.sleep(0.005)
        step = self.reads.pop(0) if self.reads else "frame"
        if step == "none":
            return None
        self._n += 1
        value = 7 if step == "same" else self._n % 250
        return np.full((24, 32, 3), value, np.uint8)

    def close(self):
        self.closes += 1


class Runner:
    def __init__(self, source, settings=FAST):
        self.states: list[CaptureState] = []
        self.slot = LatestFrame()
        self.stop = threading.Event()
        self.loop = CaptureLoop(source, self.slot, self.states.append, self.stop.is_set, settings)
        self.thread = threading.Thread(target=self.loop.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(2)
        assert not self.thread.is_alive(), "the capture loop did not stop"

    def kinds(self):
        return [s.kind for s in self.states]

    def wait_for(self, kind, timeout=3.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if kind in self.kinds():
                return
            time.sleep(0.01)
        raise AssertionError(f"never reached {kind!r}: {self.kinds()}")


def test_open_that_hangs_fails_at_the_deadline():
    blocked = threading.Event()
    with Runner(ScriptedCamera([], open_blocks=blocked)) as run:
        run.wait_for("failed", timeout=2)
        assert "did not answer within" in run.states[-1].message
    blocked.set()


def test_stop_during_a_hanging_open_returns_promptly():
    blocked = threading.Event()
    run = Runner(ScriptedCamera([], open_blocks=blocked), LoopSettings(open_timeout_s=30))
    with run:
        time.sleep(0.1)
        t0 = time.monotonic()
    assert time.monotonic() - t0 < 0.5
    blocked.set()


def test_read_failing_midstream_reconnects_with_backoff_and_resumes():
    camera = ScriptedCamera(["frame"] * 5 + ["none"] * 60, open_failures=0)
    with Runner(camera) as run:
        run.wait_for("reconnecting")
        run.wait_for("streaming")
        end = time.monotonic() + 3
        while run.kinds()[-1] != "streaming" or camera.opens < 2:
            assert time.monotonic() < end, run.kinds()
            time.sleep(0.01)
        before = run.slot.stats.put
        time.sleep(0.2)
        assert run.slot.stats.put > before  # frames flow again
    assert camera.opens >= 2 and camera.closes >= 1
    assert "reconnecting (attempt 1" in next(s.message for s in run.states if s.kind == "reconnecting")


def test_camera_that_stays_away_keeps_retrying_with_growing_attempts():
    camera = ScriptedCamera(["frame"] * 20 + ["none"] * 10_000)
    with Runner(camera) as run:
        run.wait_for("streaming")
        camera.open_failures = 10_000  # unplugged for good after the first open
        end = time.monotonic() + 3
        while sum(1 for s in run.states if s.kind == "reconnecting") < 3:
            assert time.monotonic() < end, run.kinds()
            time.sleep(0.01)
    attempts = [s.message for s in run.states if s.kind == "reconnecting"]
    assert "attempt 1" in attempts[0] and "attempt 3" in attempts[2]


def test_frozen_driver_is_reported_as_stalled_then_recovers():
    camera = ScriptedCamera(["frame"] * 3 + ["same"] * 120 + ["frame"] * 10_000)
    with Runner(camera) as run:
        run.wait_for("stalled")
        assert "same picture" in run.states[-1].message
        end = time.monotonic() + 3
        while run.kinds()[-1] != "streaming":
            assert time.monotonic() < end, run.kinds()
            time.sleep(0.01)


def test_a_finite_file_source_ends_instead_of_reconnecting():
    frames = [np.zeros((8, 8, 3), np.uint8)] * 3
    with Runner(FramesSource(frames, fps=100, loop=False, name="clip")) as run:
        run.wait_for("ended")
    assert "reconnecting" not in run.kinds() and "clip stopped delivering frames" in run.states[-1].message


def test_odd_frames_are_normalised_or_skipped_without_stopping():
    odd = [None, np.zeros((0, 0, 3), np.uint8), np.zeros((10, 11), np.uint8),
           np.zeros((10, 11, 4), np.uint8), np.zeros((10, 22, 3), np.uint8)[:, ::2],
           np.zeros((10, 11, 3), np.uint8)]
    with Runner(FramesSource(odd, fps=200, name="odd")) as run:
        end = time.monotonic() + 3
        while run.slot.stats.put < 8:
            assert time.monotonic() < end
            time.sleep(0.01)
        frame = run.slot.take(timeout=1)
    assert frame.image.shape[2] == 3 and frame.image.flags.c_contiguous


@pytest.mark.parametrize("kind", ["bogus", ""])
def test_capture_state_validates_its_kind(kind):
    with pytest.raises(ValueError, match="CaptureState.kind"):
        CaptureState(kind)
