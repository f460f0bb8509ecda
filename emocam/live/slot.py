"""The frame slot between the capture thread and the processing thread: one frame, newest only."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from emocam.types import Frame


@dataclass(frozen=True)
class SlotStats:
    """How many frames were put into a :class:`LatestFrame` and how many were overwritten unread."""

    put: int
    dropped: int


class LatestFrame:
    """A one-frame mailbox: ``put`` overwrites whatever was not taken yet (it is dropped, never queued),
    ``take`` waits for a frame newer than the last one taken."""

    def __init__(self):
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._put = self._dropped = 0
        self._closed = False
        self._generation = 0  # bumped by reopen(): writers of an older generation are ignored

    def put(self, frame: Frame, generation: int | None = None) -> None:
        """Offer ``frame``; with a ``generation`` (see :meth:`writer`), only if the slot has not been
        reopened since."""
        with self._cond:
            if generation is not None and generation != self._generation:
                return  # a late frame of a source that has been replaced
            if self._frame is not None:
                self._dropped += 1
            self._frame = frame
            self._put += 1
            self._cond.notify_all()

    def take(self, timeout: float | None = None) -> Frame | None:
        """The newest frame, or None on timeout or after :meth:`close`."""
        with self._cond:
            self._cond.wait_for(lambda: self._frame is not None or self._closed, timeout)
            frame, self._frame = self._frame, None
            return frame

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def reopen(self) -> int:
        """Empty the slot for a new source; returns the new generation (frames of older ones are refused)."""
        with self._cond:
            self._closed, self._frame = False, None
            self._generation += 1
            return self._generation

    def writer(self, generation: int) -> SlotWriter:
        """A put-only handle for one source: its frames are refused once the slot is reopened."""
        return SlotWriter(self, generation)

    @property
    def stats(self) -> SlotStats:
        with self._cond:
            return SlotStats(self._put, self._dropped)


@dataclass(frozen=True)
class SlotWriter:
    """What a capture loop is given: it can only put frames, and only for its own generation."""

    slot: LatestFrame
    generation: int

    def put(self, frame: Frame) -> None:
        self.slot.put(frame, self.generation)
