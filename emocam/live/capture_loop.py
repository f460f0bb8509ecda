"""The capture loop behind the app's capture worker, free of Qt so it can be tested directly.

It opens a source with a deadline (a driver that hangs does not hang us), normalises every frame,
hands only the newest one on, reconnects a camera with backoff when frames stop, and reports a
camera that keeps sending the very same picture as stalled.
"""

from __future__ import annotations

import logging
import threading
import zlib
from dataclasses import dataclass
from typing import Callable

from emocam.live.clock import SYSTEM_CLOCK, Clock
from emocam.live.sources import FrameSource, SourceError
from emocam.live.slot import LatestFrame, SlotWriter
from emocam.live.frames import normalize_image
from emocam.types import Frame

log = logging.getLogger(__name__)

STATES = ("opening", "streaming", "reconnecting", "stalled", "failed", "ended")
POLL_S = 0.05  # how often a wait looks at the stop flag
IDLE_S = 0.005  # the pause between reads that gave no frame


@dataclass(frozen=True)
class CaptureState:
    """What the capture side is doing now, with a sentence for the user."""

    kind: str
    message: str = ""

    def __post_init__(self):
        if self.kind not in STATES:
            raise ValueError(f"CaptureState.kind must be one of {', '.join(STATES)}, got {self.kind!r}")


@dataclass(frozen=True)
class LoopSettings:
    open_timeout_s: float = 8.0
    no_frame_s: float = 1.0  # this long without a frame means the source is gone
    backoff_s: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 5.0)
    stall_s: float = 3.0  # a camera repeating one picture this long is stalled


class CaptureLoop:
    """Runs one source until ``should_stop()`` is true; reports through ``on_state``. Every wait,
    deadline and frame time is on ``clock`` (the system's by default; tests hand in a fake one)."""

    def __init__(self, source: FrameSource, slot: LatestFrame | SlotWriter, on_state: Callable[[CaptureState], None],
                 should_stop: Callable[[], bool], settings: LoopSettings = LoopSettings(),
                 clock: Clock = SYSTEM_CLOCK):
        self.source, self.slot, self.settings, self.clock = source, slot, settings, clock
        self._on_state, self._should_stop = on_state, should_stop
        self._state: str | None = None
        self._index = 0

    def run(self) -> None:
        self._report("opening", f"Opening {self.source.name}...")
        try:
            if not self._open_with_deadline():
                return
        except Exception as e:  # every way of failing to open becomes a message
            self._report("failed", str(e))
            return
        try:
            self._stream()
        finally:
            self.source.close()

    def _report(self, kind: str, message: str = "") -> None:
        if kind != self._state:
            self._state = kind
            log.info("capture %s: %s %s", self.source.name, kind, message)
            self._on_state(CaptureState(kind, message))

    def _open_with_deadline(self) -> bool:
        """Open in a helper thread; False if asked to stop meanwhile. A hung driver is abandoned."""
        outcome: dict = {}
        finished = threading.Event()

        def target():
            try:
                self.source.open()
                outcome["ok"] = True
            except BaseException as e:  # handed to the caller below
                outcome["error"] = e
            finally:
                finished.set()

        threading.Thread(target=target, name=f"open {self.source.name}", daemon=True).start()
        deadline = self.clock.now() + self.settings.open_timeout_s
        while not finished.is_set():
            if self._should_stop():
                return False
            if self.clock.now() >= deadline:
                raise SourceError(f"{self.source.name} did not answer within {self.settings.open_timeout_s:g} s; "
                                  "it may be in use by another program or its driver is stuck")
            self.clock.wait(finished, min(POLL_S, deadline - self.clock.now()))
        if "error" in outcome:
            raise outcome["error"]
        return True

    def _stream(self) -> None:
        last_frame = self.clock.now()
        stall = _StallWatch(self.settings.stall_s) if self.source.is_camera else None
        while not self._should_stop():
            image = normalize_image(self.source.read())
            now = self.clock.now()
            if image is None:
                if now - last_frame < self.settings.no_frame_s:
                    self.clock.sleep(IDLE_S)
                    continue
                if not self.source.is_camera:
                    self._report("ended", f"{self.source.name} stopped delivering frames")
                    return
                if not self._reconnect():
                    return
                last_frame = self.clock.now()
                continue
            last_frame = now
            self._check_stall(stall, image, now)
            self.slot.put(Frame(image, self._index, now, self.source.name))
            self._index += 1

    def _check_stall(self, stall, image, now: float) -> None:
        if stall is not None and stall.frozen(image, now):
            self._report("stalled", f"{self.source.name} keeps sending the same picture "
                                    f"(for {stall.seconds(now):.0f} s) — its driver may be frozen")
        else:
            self._report("streaming")

    def _reconnect(self) -> bool:
        """Close and reopen with growing pauses until it works; False if asked to stop."""
        backoff = self.settings.backoff_s
        attempt = 0
        while not self._should_stop():
            delay = backoff[min(attempt, len(backoff) - 1)]
            attempt += 1
            self._report_reconnect(attempt, delay)
            self.source.close()
            if self._sleep(delay):
                return False
            try:
                return self._open_with_deadline()
            except Exception as e:  # still gone: wait longer and try again
                log.info("reconnect %d to %s failed: %s", attempt, self.source.name, e)
        return False

    def _report_reconnect(self, attempt: int, delay: float) -> None:
        self._state = None  # every attempt is news
        self._report("reconnecting", f"{self.source.name} stopped sending frames; reconnecting "
                                     f"(attempt {attempt}, in {delay:g} s)")

    def _sleep(self, seconds: float) -> bool:
        """Sleep in small steps; True if asked to stop meanwhile."""
        end = self.clock.now() + seconds
        while (left := end - self.clock.now()) > 0:
            if self._should_stop():
                return True
            self.clock.sleep(min(POLL_S, left))
        return self._should_stop()


class _StallWatch:
    """Notices when a sparse fingerprint of the picture has not changed for ``limit`` seconds."""

    def __init__(self, limit: float):
        self.limit = limit
        self._print: int | None = None
        self._since = 0.0

    def frozen(self, image, now: float) -> bool:
        fingerprint = zlib.crc32(image[::16, ::16].tobytes())
        if fingerprint != self._print:
            self._print, self._since = fingerprint, now
        return now - self._since >= self.limit

    def seconds(self, now: float) -> float:
        return now - self._since
