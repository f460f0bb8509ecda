"""The capture loop against scripted fake cameras: hangs, failures, frozen drivers, recovery."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from emocam.live.sources import FramesSource, SourceError
from emocam.live.slot import LatestFrame
from emocam.live.capture_loop import POLL_S, CaptureLoop, CaptureState, LoopSettings
from tests.fake_clock import FakeClock

FRAME_S = 1 / 30  # a camera read blocks this long (fake seconds) for each frame
GUARD_S = 60  # real seconds a test waits for a deadlocked thread: a guard against hangs, not a bound


class ScriptedCamera:
    """A fake camera on a fake clock, following a script of reads: 'frame' (a new picture), 'same'
    (the same picture again), 'gone' (unplugged: every read gives nothing until a reopen works).
    ``open_failures`` opens fail after the first; ``open_blocks`` makes open hang until set."""

    is_camera = True
    name = "Scripted camera"

    def __init__(self, clock: FakeClock, reads, open_failures=0, open_blocks: threading.Event | None = None):
        self.clock, self.reads = clock, list(reads)
        self.open_failures, self.open_blocks = open_failures, open_blocks
        self.opened_at: list[float] = []
        self.closes = 0
        self._n, self._gone = 0, False

    def open(self):
        self.opened_at.append(round(self.clock.now(), 6))
        if self.open_blocks is not None:
            self.open_blocks.wait()
        if self.open_failures and len(self.opened_at) > 1:
            self.open_failures -= 1
            raise SourceError("camera unplugged")
        self._gone = False

    def read(self):
        step = "gone" if self._gone else (self.reads.pop(0) if self.reads else "frame")
        if step == "gone":
            self._gone = True
            return None
        self.clock.sleep(FRAME_S)
        self._n += 1
        value = 7 if step == "same" else self._n % 250
        return np.full((24, 32, 3), value, np.uint8)

    def close(self):
        self.closes += 1


class Runner:
    """Runs a capture loop on a fake clock until ``until_s`` fake seconds (or a state in ``stop_on``),
    recording every state with the fake time it was reported at."""

    def __init__(self, source, clock: FakeClock, until_s: float, settings=LoopSettings(), stop_on=()):
        self.clock, self.until_s, self.stop_on = clock, until_s, set(stop_on)
        self.stop_when = lambda: False
        self.states: list[CaptureState] = []
        self.times: list[float] = []
        self.slot = LatestFrame()
        self.stop = threading.Event()
        self.loop = CaptureLoop(source, self.slot, self._record, self._should_stop, settings, clock=clock)

    def _record(self, state):
        self.states.append(state)
        self.times.append(round(self.clock.now(), 6))

    def _should_stop(self):
        return (self.stop.is_set() or self.clock.now() >= self.until_s or bool(self.stop_on & set(self.kinds()))
                or self.stop_when())

    def run(self):
        thread = threading.Thread(target=self.loop.run, daemon=True)
        thread.start()
        thread.join(GUARD_S)
        assert not thread.is_alive(), f"the capture loop did not stop: {self.kinds()}"
        return self

    def kinds(self):
        return [s.kind for s in self.states]

    def when(self, kind):
        return [t for s, t in zip(self.states, self.times) if s.kind == kind]


def test_open_that_hangs_fails_at_the_deadline():
    clock, blocked = FakeClock(grace_s=0), threading.Event()
    run = Runner(ScriptedCamera(clock, [], open_blocks=blocked), clock, until_s=60).run()
    blocked.set()
    assert run.kinds() == ["opening", "failed"]
    assert run.states[-1].message.startswith("Scripted camera did not answer within 8 s; it may be in use")
    assert run.when("failed") == [pytest.approx(8.0, abs=1e-6)]  # the default deadline, to the poll


def test_stop_during_a_hanging_open_returns_at_the_next_poll():
    clock, blocked = FakeClock(grace_s=0), threading.Event()
    run = Runner(ScriptedCamera(clock, [], open_blocks=blocked), clock, until_s=2.0).run()
    blocked.set()
    assert run.kinds() == ["opening"]  # stopped, not failed: 2 s is well before the 8 s deadline
    assert 2.0 <= clock.now() <= 2.0 + POLL_S + 1e-9


# the pause before each reconnect attempt: the default schedule, its last step repeated
@pytest.mark.parametrize("failures, pauses", [
    (0, [0.5]),
    (1, [0.5, 1.0]),
    (3, [0.5, 1.0, 2.0, 4.0]),
    (6, [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]),
])
def test_a_camera_that_goes_away_is_reopened_on_the_backoff_schedule(failures, pauses):
    clock = FakeClock()
    camera = ScriptedCamera(clock, ["frame"] * 3 + ["gone"], open_failures=failures)
    run = Runner(camera, clock, until_s=60).run()
    gone_at = 3 * FRAME_S + 1.0  # the last frame, then no frame for no_frame_s
    expected_opens = [0.0] + [gone_at + sum(pauses[:k + 1]) for k in range(len(pauses))]
    assert camera.opened_at == pytest.approx(expected_opens, abs=0.006)
    # attempt 1 when frames stopped, each later one when the reopen before it failed
    assert run.when("reconnecting") == pytest.approx([gone_at] + expected_opens[1:-1], abs=0.006)
    messages = [s.message for s in run.states if s.kind == "reconnecting"]
    assert messages == [f"Scripted camera stopped sending frames; reconnecting (attempt {k}, in {p:g} s)"
                        for k, p in enumerate(pauses, 1)]
    assert run.kinds()[-1] == "streaming" and run.when("streaming")[-1] > expected_opens[-1]
    assert camera.closes == len(pauses) + 1  # before each attempt, and once at the end


def test_frames_flow_again_after_a_reconnect():
    clock = FakeClock()
    camera = ScriptedCamera(clock, ["frame"] * 5 + ["gone"])
    run = Runner(camera, clock, until_s=10).run()
    after = run.slot.take(timeout=0)
    assert after is not None and after.timestamp >= camera.opened_at[-1] and after.index > 5


def test_frozen_driver_is_reported_as_stalled_after_stall_s_then_recovers():
    clock = FakeClock()
    camera = ScriptedCamera(clock, ["frame"] * 3 + ["same"] * 120)
    run = Runner(camera, clock, until_s=6).run()
    assert run.kinds() == ["opening", "streaming", "stalled", "streaming"]
    first_same = 4 * FRAME_S
    # stalled on the first frame at least 3 s after the picture stopped changing
    assert run.when("stalled") == [pytest.approx(first_same + 3.0, abs=FRAME_S + 1e-6)]
    assert run.states[2].message == ("Scripted camera keeps sending the same picture (for 3 s) — "
                                     "its driver may be frozen")
    assert run.when("streaming")[-1] == pytest.approx((3 + 120 + 1) * FRAME_S, abs=1e-6)


def test_a_finite_file_source_ends_instead_of_reconnecting():
    frames = [np.zeros((8, 8, 3), np.uint8)] * 3
    clock = FakeClock()
    run = Runner(FramesSource(frames, fps=100, loop=False, name="clip", clock=clock), clock, until_s=600,
                 stop_on={"ended"}).run()
    assert "reconnecting" not in run.kinds() and "clip stopped delivering frames" in run.states[-1].message
    assert run.when("ended") == [pytest.approx(0.02 + 1.0, abs=0.006)]  # the last frame, then no_frame_s


def test_odd_frames_are_normalised_or_skipped_without_stopping():
    odd = [None, np.zeros((0, 0, 3), np.uint8), np.zeros((10, 11), np.uint8),
           np.zeros((10, 11, 4), np.uint8), np.zeros((10, 22, 3), np.uint8)[:, ::2],
           np.zeros((10, 11, 3), np.uint8)]
    clock = FakeClock()
    run = Runner(FramesSource(odd, fps=200, name="odd", clock=clock), clock, until_s=600)
    run.stop_when = lambda: run.slot.stats.put >= 8
    run.run()
    frame = run.slot.take(timeout=1)
    assert frame.image.shape == (10, 11, 3) and frame.image.flags.c_contiguous


@pytest.mark.parametrize("kind", ["bogus", ""])
def test_capture_state_validates_its_kind(kind):
    with pytest.raises(ValueError, match="CaptureState.kind"):
        CaptureState(kind)
