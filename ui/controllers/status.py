"""The status bar in plain words: source, model, faces and fps. Capture-to-display latency is in the
fps tooltip, and on the bar itself when View > Show latency is on."""

from __future__ import annotations

import time
from collections import deque
from typing import Callable

import numpy as np
from PyQt5.QtCore import QObject, QTimer
from PyQt5.QtWidgets import QAction, QLabel, QStatusBar

from emocam.types import FrameResult
from ..widgets.video_view import VideoView


class StatusReport(QObject):
    """Owns the status labels; :meth:`frame_shown` is called for every result the window shows and
    the numbers are refreshed twice a second (not per frame: text layout costs more than it tells)."""

    KEYS = ("source", "model", "fps", "latency", "faces")

    def __init__(self, bar: QStatusBar, view: VideoView, clock: Callable[[], float] = time.monotonic):
        super().__init__(bar)
        self.view, self._clock = view, clock
        self.labels = {k: QLabel(bar) for k in self.KEYS}
        for label in self.labels.values():
            bar.addPermanentWidget(label)
        self.labels["latency"].hide()  # a developer's number: View > Show latency
        self.latency_action = QAction("Show &latency in the status bar", bar, checkable=True)
        self.latency_action.toggled.connect(self.labels["latency"].setVisible)
        self.latencies: deque[float] = deque(maxlen=150)
        self._shown: deque[float] = deque(maxlen=90)
        self._last_latency_frame: float | None = None
        self._result: FrameResult | None = None
        self._timer = QTimer(self, interval=500, timeout=self.refresh)
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def clear(self) -> None:
        """No source: no faces, no frame rate."""
        self._result = None
        self._shown.clear()
        self.refresh()

    def frame_shown(self, result: FrameResult) -> None:
        self._result = result
        self._shown.append(self._clock())
        view = self.view
        painted = view.last_painted_frame_timestamp
        if view.last_paint_timestamp and painted and painted != self._last_latency_frame:  # one sample per paint
            self.latencies.append(view.last_paint_timestamp - painted)
            self._last_latency_frame = painted

    def refresh(self) -> None:
        now = self._clock()
        recent = [t for t in self._shown if now - t <= 2.0]
        fps = (len(recent) - 1) / (recent[-1] - recent[0]) if len(recent) > 2 else 0.0
        self.labels["fps"].setText(f"{fps:.1f} fps" if fps else "no video")
        if self.latencies:
            p95 = float(np.percentile(list(self.latencies), 95)) * 1000
            self.labels["latency"].setText(f"latency p95 {p95:.0f} ms")
            self.labels["fps"].setToolTip(f"Frames shown per second. From capture to screen: p95 {p95:.0f} ms "
                                          f"over the last {len(self.latencies)} frames.")
        result = self._result
        faces = len(result.faces) if result else 0
        text = f"{faces} face{'s' if faces != 1 else ''}" if faces else "no face"
        if result is not None and result.faces_skipped:  # say so when the per-frame cap is reached
            text = f"{faces} of {faces + result.faces_skipped} faces (limit)"
        self.labels["faces"].setText(text)
