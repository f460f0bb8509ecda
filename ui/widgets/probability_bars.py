"""ProbabilityBars: seven labelled horizontal bars that glide toward the latest probabilities."""

from __future__ import annotations

import logging
import math
import time
from typing import Callable

from PyQt5.QtCore import QRectF, QSize, Qt, QTimer
from PyQt5.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPalette
from PyQt5.QtWidgets import QSizePolicy, QWidget

from emocam.emotions import EMOTIONS, NUM_CLASSES

log = logging.getLogger(__name__)

TICK_MS = 16  # ~60 Hz
EASE_TAU_S = 0.08  # time constant of the exponential glide toward the targets
SETTLED = 0.002  # closer than this (0.2 %) counts as arrived
NO_FACE_TEXT = "No face"


class ProbabilityBars(QWidget):
    """One bar per emotion in FER2013 order, with its name and percentage; the top class is bold.

    ``set_probabilities`` sets targets; a ~60 Hz timer eases the displayed values toward them
    (by the time passed on ``clock``, so a late tick catches up) and stops once they have settled,
    so an idle widget costs nothing. Only rows that look different are repainted: a row whose bar
    moved by less than a pixel, with the same percentage and weight, is left alone (``paint_count``
    counts paints). A caption line above the
    bars names the face shown (``set_caption``) or says "No face": it never covers a bar.
    """

    def __init__(self, parent: QWidget | None = None, clock: Callable[[], float] = time.monotonic):
        super().__init__(parent)
        self._targets = [0.0] * NUM_CLASSES
        self._displayed = [0.0] * NUM_CLASSES
        self._has_face = False
        self._caption = ""
        self._drawn: list[tuple] | None = None  # each row's look when it was last scheduled for a paint
        self.paint_count = 0
        self._timer = QTimer(self, interval=TICK_MS, timeout=self._on_tick)
        self._clock, self._last_tick = clock, 0.0  # the glide follows the clock, not the tick count
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)

    # ----------------------------------------------------------------- public API
    def set_probabilities(self, probs: tuple[float, ...] | None) -> None:
        """Glide toward ``probs`` (7 values in FER2013 order); None shows "No face" and empties the bars."""
        if probs is None:
            self._has_face = False
            self._targets = [0.0] * NUM_CLASSES
        else:
            values = [float(p) for p in probs]
            if len(values) != NUM_CLASSES or not all(math.isfinite(v) for v in values):
                raise ValueError(f"set_probabilities needs {NUM_CLASSES} finite values, got {probs!r}")
            self._has_face = True
            self._targets = [min(1.0, max(0.0, v)) for v in values]
        if not self._timer.isActive():
            self._last_tick = self._clock()
            self._timer.start()
        self._repaint_changed()

    def set_caption(self, text: str) -> None:
        """The line above the bars while a face is shown (e.g. ``Face #3``)."""
        if text != self._caption:
            self._caption = text
            self.update(self.caption_rect().toAlignedRect())

    @property
    def caption(self) -> str:
        """What the caption line shows now: the face's caption, or "No face"."""
        return self._caption if self._has_face else NO_FACE_TEXT

    def caption_rect(self) -> QRectF:
        """Where the caption is drawn: above every bar row."""
        return QRectF(0, 0, self.width(), QFontMetricsF(self._caption_font()).height() + 6)

    def row_rect(self, i: int) -> QRectF:
        """Where emotion ``i``'s row (name, bar, percentage) is drawn."""
        top = self.caption_rect().bottom()
        row_h = (self.height() - top) / NUM_CLASSES
        return QRectF(0, top + i * row_h, self.width(), row_h)

    def _caption_font(self) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        return font

    @property
    def displayed(self) -> tuple[float, ...]:
        """The values the bars show right now (mid-animation values included)."""
        return tuple(self._displayed)

    @property
    def targets(self) -> tuple[float, ...]:
        """The values the bars are moving toward (all zero in the "No face" state)."""
        return tuple(self._targets)

    @property
    def has_face(self) -> bool:
        return self._has_face

    @property
    def top_index(self) -> int | None:
        """Index of the highlighted (most probable) class; None in the "No face" state."""
        if not self._has_face:
            return None
        return max(range(NUM_CLASSES), key=self._targets.__getitem__)

    @property
    def animating(self) -> bool:
        return self._timer.isActive()

    def sizeHint(self) -> QSize:
        return QSize(320, 220)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, 140)

    # ----------------------------------------------------------------- animation
    def _on_tick(self) -> None:
        now = self._clock()
        dt, self._last_tick = now - self._last_tick, now
        step = 1.0 - math.exp(-max(dt, 0.001) / EASE_TAU_S)
        settled = True
        for i, (shown, target) in enumerate(zip(self._displayed, self._targets)):
            shown += (target - shown) * step
            if abs(target - shown) < SETTLED:
                shown = target
            else:
                settled = False
            self._displayed[i] = shown
        if settled:
            self._timer.stop()
        self._repaint_changed()

    def _repaint_changed(self) -> None:
        """Schedule a paint of the rows (and caption) that would look different now."""
        looks = [self._look(i) for i in range(NUM_CLASSES)]
        drawn, self._drawn = self._drawn, looks
        if drawn is None or drawn[0][3] != looks[0][3]:  # first paint, or a face came or went
            self.update()
            return
        for i, (old, new) in enumerate(zip(drawn, looks)):
            if old != new:
                self.update(self.row_rect(i).toAlignedRect())

    def _look(self, i: int) -> tuple:
        """What row ``i`` shows: bar length in whole device pixels (of the widget's width, which the
        bar never exceeds), the percentage, bold or not, face or "No face"."""
        shown = self._displayed[i]
        return (round(shown * self.width() * self.devicePixelRatioF()), round(100 * shown), i == self.top_index,
                self._has_face)

    # ----------------------------------------------------------------- painting
    def paintEvent(self, event) -> None:
        self.paint_count += 1
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        bold = QFont(self.font())
        bold.setBold(True)  # measure bold text: the top class's name is drawn bold
        metrics = QFontMetricsF(bold)
        name_width = max(metrics.horizontalAdvance(e.name) for e in EMOTIONS) + 10
        pct_width = metrics.horizontalAdvance("100%") + 8
        top = self.top_index
        dirty = event.region()
        for i in range(NUM_CLASSES):
            row = self.row_rect(i)
            if dirty.intersects(row.toAlignedRect()):  # rows outside the repainted area are still on screen
                self._paint_row(painter, row, i, name_width, pct_width, bold=(i == top))
        if dirty.intersects(self.caption_rect().toAlignedRect()):
            self._paint_caption(painter)
        painter.end()

    def _paint_row(self, painter: QPainter, row: QRectF, i: int, name_w: float, pct_w: float, bold: bool) -> None:
        text_colour = self.palette().color(QPalette.WindowText)
        if not self._has_face:
            text_colour.setAlpha(110)
        font = QFont(self.font())
        font.setBold(bold)
        painter.setFont(font)
        painter.setPen(text_colour)
        name_rect = QRectF(row.left() + 4, row.top(), name_w, row.height())
        painter.drawText(name_rect, Qt.AlignVCenter, EMOTIONS[i].name)
        pct_rect = QRectF(row.right() - pct_w - 4, row.top(), pct_w, row.height())
        painter.drawText(pct_rect, Qt.AlignVCenter | Qt.AlignRight, f"{round(100 * self._displayed[i])}%")
        bar_h = min(18.0, row.height() * 0.6)
        track = QRectF(row.left() + 4 + name_w, row.center().y() - bar_h / 2, 0, bar_h)
        track.setRight(pct_rect.left() - 6)
        self._paint_bar(painter, track, i, bold)

    def _paint_bar(self, painter: QPainter, track: QRectF, i: int, highlighted: bool) -> None:
        if track.width() <= 0:
            return
        radius = track.height() / 2
        shape = QPainterPath()
        shape.addRoundedRect(track, radius, radius)
        painter.setPen(Qt.NoPen)
        painter.fillPath(shape, self.palette().color(QPalette.Window).darker(115))
        colour = QColor(*EMOTIONS[i].colour)
        if not highlighted:
            colour.setAlpha(170)  # the top class stands out at full strength
        painter.save()
        painter.setClipPath(shape)  # a short fill is a flat-ended sliver, not a squashed pill
        fill = QRectF(track)
        fill.setWidth(track.width() * self._displayed[i])
        painter.fillRect(fill, colour)
        painter.restore()
        if highlighted:
            painter.setPen(colour.darker(140))
            painter.drawPath(shape)

    def _paint_caption(self, painter: QPainter) -> None:
        painter.setFont(self._caption_font())
        colour = self.palette().color(QPalette.WindowText)
        if self._has_face:
            colour.setAlpha(170)
        painter.setPen(colour)
        area = self.caption_rect().adjusted(4, 0, -4, 0)
        text = QFontMetricsF(self._caption_font()).elidedText(self.caption, Qt.ElideRight, area.width())
        painter.drawText(area, Qt.AlignLeft | Qt.AlignVCenter, text)
