"""The live avatar: a toggle and a view that paints the followed face of the video as it runs.

The window hands each shown frame to :meth:`LiveAvatarView.show_frame` (through the panel's
``show_live_frame``); frames go to a :class:`~emocam.style.live.LivePainter` (its own process, newest
frame only) and each painting comes back through a :class:`LiveAvatarWorker`. Off, it costs nothing:
no process, no thread.
"""

from __future__ import annotations

import collections
import logging
import time
from pathlib import Path

from PyQt5.QtCore import QSize, Qt, pyqtSignal
from PyQt5.QtGui import QPixmap
from PyQt5.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from emocam.style.live import LiveAvatar, LivePainter
from emocam.types import Face, FrameResult
from ..avatars.style_worker import LiveAvatarWorker
from ..qt_convert import rgb_to_qimage

log = logging.getLogger(__name__)


class LiveAvatarView(QWidget):
    """"Live avatar" check box, the painting and its frame rate. ``live_failed(str)`` when painting
    stopped (the toggle turns itself off). ``painter_factory`` exists for tests."""

    live_failed = pyqtSignal(str)

    def __init__(self, side: int = 256, painter_factory=LivePainter, parent=None):
        super().__init__(parent)
        self.side, self._factory = side, painter_factory
        self.painter: LivePainter | None = None
        self.worker: LiveAvatarWorker | None = None
        self.last: LiveAvatar | None = None
        self._painted_at: collections.deque = collections.deque(maxlen=30)
        self.toggle = QCheckBox("Live avatar", self)
        self.toggle.setToolTip("Paint the followed face live, as the video runs (newest frame only)")
        self.toggle.setFocusPolicy(Qt.NoFocus)  # Space belongs to the snapshot shortcut
        self.toggle.toggled.connect(self._on_toggled)
        self.view = QLabel(self, alignment=Qt.AlignCenter, minimumSize=QSize(200, 200))
        self.view.setStyleSheet("background: #202225; border-radius: 6px;")
        self.caption = QLabel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.toggle, self.view, self.caption):
            layout.addWidget(widget)
        self.view.hide()
        self.caption.hide()

    @property
    def running(self) -> bool:
        return self.painter is not None

    def show_frame(self, result: FrameResult, face: Face | None, style: Path | None, strength: float,
                   preserve_colour: bool) -> None:
        """Offer the newest shown frame (cheap: a crop and a copy); ignored while off or without a style."""
        if self.painter is None or style is None:
            return
        box = face.box if face is not None else None
        self.painter.offer(result.frame, box, style, strength, preserve_colour)

    @property
    def fps(self) -> float:
        """Paintings per second over the last ones shown (0 until there are three)."""
        stamps = self._painted_at
        return (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 2 and stamps[-1] > stamps[0] else 0.0

    def _on_toggled(self, on: bool) -> None:
        self.view.setVisible(on)
        self.caption.setVisible(on)
        if on:
            self._start()
        else:
            self.stop()

    def _start(self) -> None:
        if self.painter is not None:
            return
        self.painter = self._factory(side=self.side)
        self.worker = LiveAvatarWorker(self.painter, parent=self)
        self.worker.avatar_painted.connect(self._on_avatar_painted)
        self.worker.live_failed.connect(self._on_live_failed)
        self.worker.start()
        self._painted_at.clear()
        self.caption.setText("Starting the live painter...")

    def stop(self) -> None:
        """Stop painting: the worker ends and the painter process is closed. Safe to call twice."""
        worker, painter, self.worker, self.painter = self.worker, self.painter, None, None
        if worker is not None:
            worker.stop(500)
        if painter is not None:
            painter.close(timeout=0.3)

    def _on_avatar_painted(self, avatar: LiveAvatar) -> None:
        if self.painter is None:  # arrived after the toggle went off
            return
        self.last = avatar
        self._painted_at.append(time.monotonic())
        pixmap = QPixmap.fromImage(rgb_to_qimage(avatar.image))
        self.view.setPixmap(pixmap.scaled(self.view.size(), Qt.KeepAspectRatio, Qt.SmoothTransformation))
        self.caption.setText(f"Live in {avatar.style.stem}: {self.fps:.1f} fps, {avatar.paint_ms:.0f} ms a painting")

    def _on_live_failed(self, message: str) -> None:
        log.warning("live avatar: %s", message)
        self.toggle.setChecked(False)
        self.live_failed.emit(message)

    def running_threads(self) -> int:
        return 1 if self.worker is not None and self.worker.isRunning() else 0
