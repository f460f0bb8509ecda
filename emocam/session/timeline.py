"""The recent history of one face's probabilities: a time-bounded ring buffer for the live timeline.

It keeps the whole window whatever happens: while no face is seen a gap is marked, so the lines
break instead of bridging the absence; when another track is followed, or the clock goes back (a
looping video restarting), a *break* is marked instead of forgetting (one person's curve never
continues as another's, and the 60 s history survives). After a clock jump back, times are shifted
so the history stays continuous: :attr:`Timeline.breaks` are where the marks are drawn.
"""

from __future__ import annotations

import math
from collections import deque
from typing import NamedTuple

import numpy as np

from emocam.emotions import NUM_CLASSES

WINDOW_S = 60.0
MAX_POINTS = 4096  # 60 s at ~68 fps; a bound on memory whatever the frame rate


class TimelinePoint(NamedTuple):
    """Probabilities (FER2013 order) at time ``t`` (seconds, any monotonic clock)."""

    t: float
    probs: tuple[float, ...]


class TimelineBreak(NamedTuple):
    """Where the followed track changed or the clock went back (drawn as a mark)."""

    t: float


LOOP_STEP_S = 1 / 30  # how far after the last point a restarted clock continues


class Timeline:
    """Points of one track over the last ``window_s`` seconds (relative to the newest time seen)."""

    def __init__(self, window_s: float = WINDOW_S, max_points: int = MAX_POINTS):
        if window_s <= 0 or max_points < 2:
            raise ValueError(f"Timeline needs window_s > 0 and max_points >= 2, got {window_s}, {max_points}")
        self.window_s = window_s
        self._items: deque[TimelinePoint | TimelineBreak | float] = deque(maxlen=max_points)  # float: a gap
        self.track_id: int | None = None
        self.latest_t: float | None = None
        self.has_face = False
        self._offset = 0.0  # added to incoming times after the clock went back

    def add(self, t: float, probs, track_id: int | None) -> None:
        """Add the followed face's probabilities at ``t``; ``probs=None`` (or no track) means no face."""
        t = float(t)
        if not math.isfinite(t):
            raise ValueError(f"Timeline.add: t must be finite, got {t}")
        if self.latest_t is not None and t + self._offset < self.latest_t:
            self._offset = self.latest_t + LOOP_STEP_S - t  # a loop restarted: continue, mark it
            self._mark_break(self.latest_t + LOOP_STEP_S / 2)
        t += self._offset
        self.latest_t = t
        if probs is None or track_id is None:
            if self.has_face:
                self._items.append(t)
            self.has_face = False
        else:
            values = tuple(float(p) for p in probs)
            if len(values) != NUM_CLASSES:
                raise ValueError(f"Timeline.add needs {NUM_CLASSES} probabilities, got {len(values)}")
            if track_id != self.track_id:
                if self.track_id is not None:
                    self._mark_break(t)  # another person: the line breaks, the history stays
                self.track_id = track_id
            self._items.append(TimelinePoint(t, values))
            self.has_face = True
        self._prune()

    def reset(self) -> None:
        """Forget everything (e.g. when the user asks for a fresh timeline)."""
        self._items.clear()
        self.track_id = self.latest_t = None
        self.has_face = False
        self._offset = 0.0

    def _mark_break(self, t: float) -> None:
        if self._items and not isinstance(self._items[-1], TimelineBreak):
            self._items.append(TimelineBreak(t))

    @property
    def breaks(self) -> tuple[float, ...]:
        """Times of the break marks inside the window (track changes, loops), oldest first."""
        return tuple(b.t for b in self._items if isinstance(b, TimelineBreak))

    @property
    def points(self) -> tuple[TimelinePoint, ...]:
        """The points still inside the window, oldest first."""
        return tuple(p for p in self._items if isinstance(p, TimelinePoint))

    def segments(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Runs of points without a gap, each as ``(times [N], probabilities [N, 7])``."""
        runs, current = [], []
        for item in self._items:
            if isinstance(item, TimelinePoint):
                current.append(item)
            elif current:
                runs.append(current)
                current = []
        if current:
            runs.append(current)
        return [(np.fromiter((p.t for p in run), np.float64, len(run)),
                 np.array([p.probs for p in run], np.float64))
                for run in runs]

    def _prune(self) -> None:
        horizon = self.latest_t - self.window_s
        items = self._items
        while items and (items[0] if isinstance(items[0], float) else items[0].t) < horizon:
            items.popleft()
        while items and not isinstance(items[0], TimelinePoint):
            items.popleft()  # a leading gap separates nothing
