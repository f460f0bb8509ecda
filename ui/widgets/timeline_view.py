"""TimelineView: the followed face's seven probabilities over the last minute, as coloured lines."""

from __future__ import annotations

import logging
import math
import time
from typing import Callable

import numpy as np
from PyQt5.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PyQt5.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPalette, QPen, QPolygonF
from PyQt5.QtWidgets import QSizePolicy, QWidget

from emocam.emotions import EMOTIONS
from emocam.session.timeline import WINDOW_S, Timeline

log = logging.getLogger(__name__)

REPAINT_MS = 100  # at most ~10 repaints a second, however fast frames come
PIXELS_PER_POINT = 2  # lines are thinned to one point per 2 px column: cost bounded by width
NO_FACE_TEXT = "No face"


class TimelineView(QWidget):
    """Seven lines (FER2013 order, emotion colours) over the last ``window_s`` seconds, newest at the
    right; the time axis is labelled in seconds before the newest frame.

    :meth:`add` only stores a point (cheap, once per frame) and repaints at most once every
    :data:`REPAINT_MS` on ``clock`` (a point that comes sooner is drawn by a single-shot timer when
    that time is up), so the timeline costs the video no frames. Following another face or a
    looping video keeps the history and draws a dashed break mark; while no face is seen, "No face"
    is shown over the last history.
    """

    def __init__(self, parent: QWidget | None = None, window_s: float = WINDOW_S,
                 clock: Callable[[], float] = time.monotonic):
        super().__init__(parent)
        self._timeline = Timeline(window_s)
        self._clock, self._next_repaint = clock, -math.inf
        self._timer = QTimer(self, singleShot=True, timeout=self._repaint)
        self.paint_count = 0
        self.repaints = 0  # repaints asked of Qt by the throttle (each gives at most one paint)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)

    # ----------------------------------------------------------------- public API
    def add(self, result_time: float, probs: tuple[float, ...] | None, track_id: int | None) -> None:
        """Add the followed face's probabilities at ``result_time`` (seconds, e.g. the frame's
        timestamp); ``probs=None`` or ``track_id=None`` means no face in this frame."""
        self._timeline.add(result_time, probs, track_id)
        wait_ms = round(1000 * (self._next_repaint - self._clock()), 3)
        if wait_ms <= 0:
            self._repaint()
        elif not self._timer.isActive():
            self._timer.start(math.ceil(wait_ms))

    def _repaint(self) -> None:
        self._timer.stop()
        self._next_repaint = self._clock() + REPAINT_MS / 1000
        self.repaints += 1
        self.update()

    def clear(self) -> None:
        """Forget the history (e.g. when the source changes)."""
        self._timeline.reset()
        self.update()

    @property
    def points(self):
        """``(t, probs)`` points inside the window, oldest first."""
        return self._timeline.points

    @property
    def has_face(self) -> bool:
        return self._timeline.has_face

    @property
    def breaks(self) -> tuple[float, ...]:
        """Times of the break marks (another face followed, a video looped)."""
        return self._timeline.breaks

    @property
    def track_id(self) -> int | None:
        return self._timeline.track_id

    @property
    def window_s(self) -> float:
        return self._timeline.window_s

    def sizeHint(self) -> QSize:
        return QSize(320, 150)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, 90)

    # ----------------------------------------------------------------- painting
    def paintEvent(self, event) -> None:
        self.paint_count += 1
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        font = QFont(self.font())
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 0.85)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        plot = QRectF(self.rect()).adjusted(metrics.horizontalAdvance("100%") + 8, metrics.height() * 1.5 + 4,
                                            -6, -(metrics.height() + 4))
        if plot.width() > 20 and plot.height() > 20:
            self._paint_axes(painter, plot, metrics)
            self._paint_legend(painter, plot, metrics)
            self._paint_lines(painter, plot)
        if not self._timeline.has_face:
            self._paint_no_face(painter)
        painter.end()

    def _paint_axes(self, painter: QPainter, plot: QRectF, metrics: QFontMetricsF) -> None:
        text = self.palette().color(QPalette.WindowText)
        painter.fillRect(plot, self.palette().color(QPalette.Base))
        grid = QColor(text)
        grid.setAlpha(40)
        for frac, label in ((0.0, "0%"), (0.5, "50%"), (1.0, "100%")):
            y = plot.bottom() - frac * plot.height()
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text)
            painter.drawText(QRectF(0, y - metrics.height() / 2, plot.left() - 4, metrics.height()),
                             Qt.AlignRight | Qt.AlignVCenter, label)
        step = self.window_s / 4
        crowded = 5 * (metrics.horizontalAdvance(f"-{self.window_s:g} s") + 10) > plot.width()
        for k in range(5):  # -60 s, -45 s, ... now
            x = plot.left() + k / 4 * plot.width()
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
            if crowded and k % 2:
                continue  # narrow: label every other line
            painter.setPen(text)
            label = "now" if k == 4 else f"-{self.window_s - k * step:g} s"
            width = metrics.horizontalAdvance(label)
            left = min(max(x - width / 2, plot.left() - 2), plot.right() - width + 2)
            painter.drawText(QRectF(left, plot.bottom() + 2, width + 2, metrics.height()), Qt.AlignLeft, label)

    def _paint_legend(self, painter: QPainter, plot: QRectF, metrics: QFontMetricsF) -> None:
        names = [e.name for e in EMOTIONS]
        widths = [metrics.horizontalAdvance(n) + 15 for n in names]
        if sum(widths) <= plot.width():
            slots = [plot.left() + sum(widths[:i]) for i in range(len(names))]
        else:  # narrow panel: short names spread over the whole width
            names = [n[:3] for n in names]
            slot = (self.width() - 8) / len(names)
            slots = [4 + i * slot for i in range(len(names))]
        painter.setPen(self.palette().color(QPalette.WindowText))
        for emotion, name, x in zip(EMOTIONS, names, slots):
            painter.fillRect(QRectF(x, 2 + metrics.height() / 2 - 3, 7, 6), QColor(*emotion.colour))
            painter.drawText(QRectF(x + 9, 1, metrics.horizontalAdvance(name) + 2, metrics.height()),
                             Qt.AlignLeft, name)

    def _paint_lines(self, painter: QPainter, plot: QRectF) -> None:
        latest = self._timeline.latest_t
        if latest is None:
            return
        painter.save()
        painter.setClipRect(plot.adjusted(-1, -1, 1, 1))
        faded = not self._timeline.has_face
        mark = QColor(self.palette().color(QPalette.WindowText))
        mark.setAlpha(120)
        painter.setPen(QPen(mark, 1, Qt.DashLine))
        for t in self._timeline.breaks:  # another face, or the video looped
            x = plot.right() - (latest - t) / self.window_s * plot.width()
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
        for times, probs in self._timeline.segments():
            xs = plot.right() - (latest - times) / self.window_s * plot.width()
            keep = _one_per_column(xs)
            xs, probs = xs[keep], probs[keep]
            top = int(probs[-1].argmax())
            for emotion in sorted(EMOTIONS, key=lambda e: e.index == top):  # the leading line on top
                # on pixel centres: a flat 1 px line then fills one row instead of half-filling two
                ys = np.floor(plot.bottom() - probs[:, emotion.index] * plot.height()) + 0.5
                colour = QColor(*emotion.colour)
                if faded:
                    colour.setAlpha(90)
                painter.setPen(QPen(colour, 1.0))  # 1 px: Qt's fast path (wider AA pens cost ~50x)
                line = QPolygonF([QPointF(x, y) for x, y in zip(xs.tolist(), ys.tolist())])
                painter.drawPolyline(line)
                if emotion.index == top:  # the leading emotion drawn bold: a second line a pixel lower
                    painter.drawPolyline(line.translated(0, 1))
        painter.restore()

    def _paint_no_face(self, painter: QPainter) -> None:
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        area = QRectF(self.rect())
        backdrop = painter.boundingRect(area, Qt.AlignCenter, NO_FACE_TEXT).adjusted(-12, -5, 12, 5)
        window = self.palette().color(QPalette.Window)
        window.setAlpha(220)
        painter.setPen(Qt.NoPen)
        painter.setBrush(window)
        painter.drawRoundedRect(backdrop, 6, 6)
        painter.setPen(self.palette().color(QPalette.WindowText))
        painter.drawText(area, Qt.AlignCenter, NO_FACE_TEXT)


def _one_per_column(xs: np.ndarray) -> np.ndarray:
    """Indices keeping the newest point in each :data:`PIXELS_PER_POINT`-wide column (xs ascending)."""
    columns = np.floor(xs / PIXELS_PER_POINT)
    return np.flatnonzero(np.append(np.diff(columns) != 0, True))
