"""Time, as something handed in: code whose behaviour is timing (backoff, deadlines, throttles, pacing)
takes a :class:`Clock`, so a test can drive it with a fake one instead of sleeping and measuring."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Monotonic seconds, a way to pause, and a way to wait for an event with a timeout."""

    def now(self) -> float:
        """Seconds on a monotonic clock (only differences mean anything)."""

    def sleep(self, seconds: float) -> None:
        """Pause the calling thread for ``seconds``."""

    def wait(self, event: threading.Event, seconds: float) -> bool:
        """Wait until ``event`` is set or ``seconds`` pass; True if it was set."""


class SystemClock:
    """The real thing: ``time.monotonic``, ``time.sleep`` and ``Event.wait``."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return event.wait(max(0.0, seconds))


SYSTEM_CLOCK = SystemClock()
