"""A fake :class:`emocam.live.clock.Clock` for tests whose subject is timing: time moves only when
the code under test sleeps or waits (or the test calls :meth:`FakeClock.advance`), so delays and
deadlines are asserted exactly, and a loaded machine cannot make such a test flake."""

from __future__ import annotations

import threading
import time


class FakeClock:
    """Monotonic fake seconds starting at ``start``. ``sleep`` lets the fake time pass at once and
    records it. ``wait(event, s)`` counts an event that another thread sets within ``grace_s`` REAL
    seconds as set at once (no fake time passes: a quick open is instant); otherwise ``s`` fake seconds
    pass. ``grace_s=0`` makes every wait on a pending event time out immediately (a hung driver)."""

    def __init__(self, start: float = 0.0, grace_s: float = 10.0):
        self._now, self.grace_s = float(start), grace_s
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += max(0.0, seconds)

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self._now += max(0.0, seconds)
        time.sleep(0)  # let other threads run, as a real sleep would

    def wait(self, event: threading.Event, seconds: float) -> bool:
        if event.wait(self.grace_s):
            return True
        self.advance(seconds)
        return event.is_set()

    # for code that takes plain callables (``clock=time.monotonic``, ``sleep=time.sleep``)
    __call__ = now
