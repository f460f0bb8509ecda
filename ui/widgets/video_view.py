"""VideoView: the live frame, letterboxed, with face overlays painted by Qt from a FrameResult."""

from __future__ import annotations

import logging
import time

from PyQt5.QtCore import QPointF, QRectF, QSize, Qt, QVariantAnimation, pyqtSignal
from PyQt5.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen, QRegion
from PyQt5.QtWidgets import QSizePolicy, QWidget

from emocam.types import Face, FrameResult
from ..qt_convert import rgb_to_display

log = logging.getLogger(__name__)

BACKGROUND = QColor(17, 17, 17)
BOX_WIDTH = 2.0
SELECTED_BOX_WIDTH = 5.0
BOX_RADIUS = 6.0
FLASH_MS = 150


def _text_colour(colour: QColor) -> QColor:
    """Black on light fills, white on dark ones (perceived luminance)."""
    luma = 0.299 * colour.red() + 0.587 * colour.green() + 0.114 * colour.blue()
    return QColor(0, 0, 0) if luma > 150 else QColor(255, 255, 255)


class VideoView(QWidget):
    """Shows the newest frame scaled to fit (aspect kept) and paints each face's box and label.

    Call ``show_result`` from the GUI thread for every processed frame: it only schedules a paint.
    The paint converts the frame it shows, once, straight to the size it is shown at (a frame
    replaced before the view repaints is never converted; a repaint of the same frame at the same
    size reuses the image). The frame array is never drawn on: overlays are painted with QPainter in
    widget coordinates, so labels stay readable when the view is mirrored.
    """

    face_clicked = pyqtSignal(int)  # track_id of the face under a left click

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._result: FrameResult | None = None
        self._image: QImage | None = None  # the shown frame, as painted
        self._image_key: tuple | None = None  # (frame, width px, height px, mirror) of _image
        self.conversions = 0  # frames converted for display so far
        self._mirror = False
        self._selected: int | None = None
        self._message: str | None = None
        self.track_numbers = False  # "#3 Happy 92%": the same number as the CSV and the face list
        self._flash_opacity = 0.0
        self._flash = QVariantAnimation(self, startValue=1.0, endValue=0.0, duration=FLASH_MS)
        self._flash.valueChanged.connect(self._on_flash_value_changed)
        self.last_paint_timestamp: float | None = None  # time.monotonic() of the last painted frame
        self.last_painted_frame_timestamp: float | None = None  # Frame.timestamp of that frame
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setAttribute(Qt.WA_OpaquePaintEvent)  # every pixel is painted: skip the background erase

    # ----------------------------------------------------------------- public API
    def show_result(self, result: FrameResult) -> None:
        """Show ``result``'s frame and faces at the next paint (nothing is converted here)."""
        self._result = result
        self.update()

    def clear_result(self) -> None:
        """Forget the frame and its faces (a failed source must not leave a frozen, live-looking frame)."""
        self._result = self._image = self._image_key = None
        self.update()

    def set_track_numbers(self, on: bool) -> None:
        """Prefix each face's label with its track number ``#N``."""
        self.track_numbers = bool(on)
        self.update()

    def label_for(self, face: Face) -> str:
        """The text drawn over ``face``."""
        return f"#{face.track_id} {face.text}" if self.track_numbers and face.track_id is not None else face.text

    def set_mirror(self, mirror: bool) -> None:
        """Mirror the display horizontally (selfie view); boxes and clicks follow, text does not."""
        self._mirror = bool(mirror)
        self.update()

    def set_selected_track(self, track_id: int | None) -> None:
        """Draw the face with this track id with a thicker box; None selects nothing."""
        self._selected = track_id
        self.update()

    def set_message(self, text: str | None) -> None:
        """Show a centred plain-language message over the view (None or "" hides it)."""
        self._message = text or None
        self.update()

    def flash(self) -> None:
        """Flash the view white and fade out (~150 ms): feedback that a snapshot was taken."""
        self._flash.stop()
        self._flash_opacity = 1.0
        self._flash.start()
        self.update()

    @property
    def mirror(self) -> bool:
        return self._mirror

    @property
    def selected_track(self) -> int | None:
        return self._selected

    @property
    def message(self) -> str | None:
        return self._message

    @property
    def flash_opacity(self) -> float:
        """Current opacity of the snapshot flash (0 when no flash is showing)."""
        return self._flash_opacity

    @property
    def result(self) -> FrameResult | None:
        return self._result

    def frame_rect(self) -> QRectF:
        """Where the frame lands in widget coordinates, on whole device pixels (empty when there is
        no frame)."""
        if self._result is None:
            return QRectF()
        ih, iw = self._result.frame.image.shape[:2]
        ratio = self.devicePixelRatioF()
        scale = min(self.width() / iw, self.height() / ih)
        w, h = max(1, round(iw * scale * ratio)), max(1, round(ih * scale * ratio))
        left, top = (round(self.width() * ratio) - w) // 2, (round(self.height() * ratio) - h) // 2
        return QRectF(left / ratio, top / ratio, w / ratio, h / ratio)

    def _frame_width(self) -> int:
        return self._result.frame.image.shape[1]

    def map_to_frame(self, pos: QPointF) -> QPointF | None:
        """Widget point -> frame pixel coordinates (undoing letterbox and mirror); None off the frame."""
        target = self.frame_rect()
        if target.isEmpty() or not target.contains(pos):
            return None
        scale = target.width() / self._frame_width()
        x = (pos.x() - target.left()) / scale
        if self._mirror:
            x = self._frame_width() - x
        return QPointF(x, (pos.y() - target.top()) / scale)

    def map_box_to_widget(self, face: Face) -> QRectF:
        """A face's box in widget coordinates (mirrored when the view is)."""
        target = self.frame_rect()
        if target.isEmpty():
            return QRectF()
        scale = target.width() / self._frame_width()
        box = face.box
        left = self._frame_width() - (box.x + box.w) if self._mirror else box.x
        return QRectF(target.left() + left * scale, target.top() + box.y * scale, box.w * scale, box.h * scale)

    def sizeHint(self) -> QSize:
        return QSize(640, 480)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 120)

    # ----------------------------------------------------------------- events
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        if self._result is None:
            painter.fillRect(self.rect(), BACKGROUND)
        else:
            self._paint_frame(painter)
            painter.setRenderHint(QPainter.Antialiasing)
            for face in self._result.faces:
                self._paint_face(painter, face)
            self.last_paint_timestamp = time.monotonic()
            self.last_painted_frame_timestamp = self._result.frame.timestamp
        if self._message:
            self._paint_message(painter)
        if self._flash_opacity > 0:
            painter.setOpacity(self._flash_opacity)
            painter.fillRect(self.rect(), Qt.white)
        painter.end()

    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.LeftButton or self._result is None:
            return super().mousePressEvent(event)
        point = self.map_to_frame(QPointF(event.pos()))
        if point is None:
            return
        hits = [f for f in self._result.faces if f.box.contains(point.x(), point.y())]
        if hits:  # nested boxes: the smallest is the one the user aimed at
            self.face_clicked.emit(min(hits, key=lambda f: f.box.area).track_id)

    def _on_flash_value_changed(self, value) -> None:
        self._flash_opacity = float(value)
        self.update()

    # ----------------------------------------------------------------- painting helpers
    def _paint_frame(self, painter: QPainter) -> None:
        """The letterbox bars, then the frame blitted 1:1 (scaled and mirrored once, when converted)."""
        target = self.frame_rect()
        bars = QRegion(self.rect()).subtracted(QRegion(target.toAlignedRect()))
        for rect in bars.rects():
            painter.fillRect(rect, BACKGROUND)
        painter.drawImage(target.topLeft(), self._display_image(target))

    def _display_image(self, target: QRectF) -> QImage:
        """The shown frame at ``target``'s size in device pixels, converted only when the frame, the
        size or the mirroring changed since the last paint."""
        ratio = self.devicePixelRatioF()
        frame = self._result.frame
        key = (frame, round(target.width() * ratio), round(target.height() * ratio), self._mirror)
        old = self._image_key
        if old is None or old[0] is not frame or old[1:] != key[1:]:  # the same frame object, not an equal one
            self._image = rgb_to_display(frame.image, key[1], key[2], self._mirror)
            self._image.setDevicePixelRatio(ratio)
            self._image_key = key
            self.conversions += 1
        return self._image

    def _paint_face(self, painter: QPainter, face: Face) -> None:
        rect = self.map_box_to_widget(face)
        colour = QColor(*face.emotion.colour)
        width = SELECTED_BOX_WIDTH if face.track_id == self._selected else BOX_WIDTH
        pen = QPen(colour, width)
        if face.uncertain:
            pen.setStyle(Qt.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.NoBrush)
        painter.drawRoundedRect(rect, BOX_RADIUS, BOX_RADIUS)
        self._paint_label(painter, rect, self.label_for(face), colour)

    def _paint_label(self, painter: QPainter, box: QRectF, text: str, colour: QColor) -> None:
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        pill = QRectF(0, 0, metrics.horizontalAdvance(text) + 12, metrics.height() + 4)
        pill.moveBottomLeft(QPointF(box.left(), box.top() - 1))
        if pill.top() < 0:  # no room above: tuck the label inside the box's top edge
            pill.moveTop(box.top() + 1)
        pill.moveLeft(max(0.0, min(pill.left(), self.width() - pill.width())))
        painter.setPen(Qt.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(pill, 5, 5)
        painter.setPen(_text_colour(colour))
        painter.drawText(pill, Qt.AlignCenter, text)

    def _paint_message(self, painter: QPainter) -> None:
        painter.setFont(self.font())
        area = QRectF(self.rect()).adjusted(24, 24, -24, -24)
        flags = Qt.AlignCenter | Qt.TextWordWrap
        text_rect = painter.boundingRect(area, flags, self._message)
        panel = text_rect.adjusted(-16, -12, 16, 12)
        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor(0, 0, 0, 190))
        painter.drawRoundedRect(panel, 8, 8)
        painter.setPen(QColor(235, 235, 235))
        painter.drawText(area, flags, self._message)
