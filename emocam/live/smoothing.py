"""Per-face smoothing: track faces across frames by box overlap, average each track's probabilities
(EMA), change the shown label only with hysteresis, and flag close calls as uncertain.

A new track starts from its own first prediction, so one person's history never leaks into another's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from emocam.types import Box, Face, Prediction, match_by_iou


@dataclass(frozen=True)
class SmoothingSettings:
    """``alpha``: weight of the newest prediction in the EMA (1 = no smoothing).
    ``hysteresis``: how far a new top class must lead the shown one before the label changes.
    ``uncertain_margin``: top-two gap below which a face is shown as uncertain."""

    enabled: bool = True
    alpha: float = 0.35
    hysteresis: float = 0.08
    uncertain_margin: float = 0.10
    min_iou: float = 0.3
    max_missed: int = 8

    def __post_init__(self):
        if not 0 < self.alpha <= 1:
            raise ValueError(f"SmoothingSettings.alpha must be in (0, 1], got {self.alpha}")
        if self.hysteresis < 0 or self.uncertain_margin < 0:
            raise ValueError("SmoothingSettings.hysteresis and uncertain_margin must be >= 0")


@dataclass
class _Track:
    track_id: int
    box: Box
    probs: np.ndarray
    label: int
    missed: int = 0


@dataclass
class FaceTracker:
    """Keeps one track per visible face. Call :meth:`update` once per processed frame."""

    settings: SmoothingSettings = field(default_factory=SmoothingSettings)
    _tracks: list[_Track] = field(default_factory=list)
    _next_id: int = 1

    def reset(self) -> None:
        self._tracks.clear()

    def update(self, boxes: list[Box], probabilities: np.ndarray) -> tuple[Face, ...]:
        """Match ``boxes`` to tracks, smooth, and return the faces in the order of ``boxes``."""
        matches = self._match(boxes)
        seen, faces = [], []
        for i, box in enumerate(boxes):
            raw = np.asarray(probabilities[i], dtype=np.float64)
            track = matches.get(i)
            if track is None:
                track = _Track(self._next_id, box, raw.copy(), int(raw.argmax()))
                self._next_id += 1
                self._tracks.append(track)
            else:
                self._advance(track, box, raw)
            seen.append(track)
            faces.append(self._face(track))
        self._age(seen)
        return tuple(faces)

    def _match(self, boxes: list[Box]) -> dict[int, _Track]:
        matches = match_by_iou(boxes, [t.box for t in self._tracks], self.settings.min_iou)
        return {i: self._tracks[k] for i, k in matches.items()}

    def _advance(self, track: _Track, box: Box, raw: np.ndarray) -> None:
        s = self.settings
        track.box, track.missed = box, 0
        if not s.enabled:
            track.probs, track.label = raw.copy(), int(raw.argmax())
            return
        track.probs = s.alpha * raw + (1 - s.alpha) * track.probs
        top = int(track.probs.argmax())
        if top != track.label and track.probs[top] - track.probs[track.label] > s.hysteresis:
            track.label = top

    def _face(self, track: _Track) -> Face:
        probs = track.probs / track.probs.sum()
        prediction = Prediction.from_array(probs)
        uncertain = self.settings.enabled and prediction.margin < self.settings.uncertain_margin
        return Face(track.box, prediction, track.label, track.track_id, uncertain)

    def _age(self, seen: list[_Track]) -> None:
        for track in self._tracks:
            if not any(track is t for t in seen):
                track.missed += 1
        self._tracks = [t for t in self._tracks if t.missed <= self.settings.max_missed]
