"""Session recording: one compact row per face per processed frame, kept in memory (capped) and
written to CSV or JSON only when asked, atomically (a complete file or none).

The CSV layout (:data:`CSV_COLUMNS`) is shared with ``python -m emocam analyze``.
"""

from __future__ import annotations

import csv
import json
import logging
import time
from pathlib import Path
from typing import NamedTuple

from emocam.emotions import NAMES
from emocam.fileio import atomic_file
from emocam.types import FrameResult

log = logging.getLogger(__name__)

CSV_COLUMNS: tuple[str, ...] = ("time_s", "frame", "track_id", "x", "y", "w", "h", "label",
                                *(name.lower() for name in NAMES))
DEFAULT_MAX_ROWS = 100_000  # ~55 min of one face at 30 fps, ~50 MB
_DIGITS = 4  # probabilities are written with 4 decimals: plenty for a timeline, half the file size


class FaceRow(NamedTuple):
    """One face in one frame: when (seconds since the session or video start), where, and what."""

    time_s: float
    frame: int
    track_id: int
    x: int
    y: int
    w: int
    h: int
    label: str
    probabilities: tuple[float, ...]

    def csv_fields(self) -> list:
        """The row in :data:`CSV_COLUMNS` order."""
        return [f"{self.time_s:.3f}", self.frame, self.track_id, self.x, self.y, self.w, self.h, self.label,
                *(f"{p:.{_DIGITS}f}" for p in self.probabilities)]

    def as_json(self) -> dict:
        return {"time_s": round(self.time_s, 3), "frame": self.frame, "track_id": self.track_id,
                "box": [self.x, self.y, self.w, self.h], "label": self.label,
                "probabilities": [round(p, _DIGITS) for p in self.probabilities]}


def face_rows(result: FrameResult, time_s: float) -> list[FaceRow]:
    """The rows for every face of ``result``, stamped ``time_s``."""
    return [FaceRow(time_s, result.frame.index, f.track_id, f.box.x, f.box.y, f.box.w, f.box.h,
                    f.emotion.name, f.prediction.probabilities)
            for f in result.faces]


def write_csv(rows: list[FaceRow] | tuple[FaceRow, ...], path: str | Path) -> Path:
    """Write ``rows`` under a :data:`CSV_COLUMNS` header, atomically; returns the path."""
    with atomic_file(path, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(row.csv_fields() for row in rows)
    return Path(path)


def write_json(rows: list[FaceRow] | tuple[FaceRow, ...], path: str | Path, meta: dict | None = None) -> Path:
    """Write ``{"emotions": [...], "rows": n, "faces": [...], **meta}`` atomically; returns the path."""
    document = {**(meta or {}), "emotions": list(NAMES), "rows": len(rows),
                "faces": [row.as_json() for row in rows]}
    with atomic_file(path) as fh:
        json.dump(document, fh, separators=(",", ":"))
    return Path(path)


class SessionRecorder:
    """Collects :class:`FaceRow` s while recording; off until :meth:`start`. Use from one thread.

    Rows stay in memory (at most ``max_rows``; past that the recorder is :attr:`full` and counts
    :attr:`dropped` rows) until the next :meth:`start` or :meth:`clear`. Nothing touches the disk
    except :meth:`export_csv` / :meth:`export_json`.
    """

    def __init__(self, max_rows: int = DEFAULT_MAX_ROWS, clock=time.monotonic):
        if max_rows < 1:
            raise ValueError(f"SessionRecorder.max_rows must be >= 1, got {max_rows}")
        self.max_rows, self._clock = max_rows, clock
        self._rows: list[FaceRow] = []
        self._t0: float | None = None
        self._stopped_at: float | None = None
        self._recording = False
        self._last_frame = None
        self.dropped = 0
        self.started_wall: float | None = None  # time.time() at start, for the export's metadata

    # ----- state
    @property
    def recording(self) -> bool:
        return self._recording

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def full(self) -> bool:
        return len(self._rows) >= self.max_rows

    @property
    def elapsed(self) -> float:
        """Seconds since :meth:`start` (frozen at :meth:`stop`); 0 before the first start."""
        if self._t0 is None:
            return 0.0
        end = self._clock() if self._recording else self._stopped_at
        return max(0.0, end - self._t0)

    @property
    def rows(self) -> tuple[FaceRow, ...]:
        """A snapshot of the rows so far (safe to hand to another thread)."""
        return tuple(self._rows)

    # ----- control
    def start(self, t0: float | None = None) -> None:
        """Begin a new session (previous rows are discarded). Row times count from ``t0``
        (default: now on the recorder's clock; frames must carry timestamps on that clock)."""
        self.clear()
        self._t0 = self._clock() if t0 is None else float(t0)
        self._recording, self.started_wall = True, time.time()
        log.info("recording started")

    def stop(self) -> None:
        """Stop adding rows; the rows are kept for export."""
        if self._recording:
            self._recording, self._stopped_at = False, self._clock()
            log.info("recording stopped: %d rows", len(self._rows))

    def clear(self) -> None:
        self._rows, self.dropped = [], 0

    def record(self, result: FrameResult) -> int:
        """Append one row per face of ``result`` while recording; returns the rows added.

        Frames captured before :meth:`start` and a result passed twice are skipped; past
        ``max_rows`` rows are counted in :attr:`dropped` instead."""
        if not self._recording or not result.faces or result.frame is self._last_frame:
            return 0  # the same result shown again (e.g. after a click) is not a new observation
        self._last_frame = result.frame
        t = result.frame.timestamp - self._t0
        if t < 0:
            return 0
        rows = face_rows(result, t)
        room = self.max_rows - len(self._rows)
        if room < len(rows):
            if self.dropped == 0:
                log.warning("recording full: %d rows; later rows are not kept", self.max_rows)
            self.dropped += len(rows) - max(room, 0)
            rows = rows[:max(room, 0)]
        self._rows.extend(rows)
        return len(rows)

    # ----- export
    def export_csv(self, path: str | Path) -> Path:
        """Write the rows as CSV (:data:`CSV_COLUMNS`), atomically."""
        return write_csv(self._rows, path)

    def export_json(self, path: str | Path) -> Path:
        """Write the rows as JSON, with the session's start time and any dropped-row count."""
        return write_json(self._rows, path, self.metadata())

    def metadata(self) -> dict:
        started = (time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(self.started_wall))
                   if self.started_wall else None)
        return {"started": started, "duration_s": round(self.elapsed, 3), "dropped_rows": self.dropped}
