"""EmojiPanel: a large emoji for the current emotion, read by name from a swappable assets folder."""

from __future__ import annotations

import logging
from pathlib import Path

from PyQt5.QtCore import QPointF, QRectF, QSize, Qt
from PyQt5.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPalette, QPen, QPixmap
from PyQt5.QtWidgets import QSizePolicy, QWidget

from emocam.emotions import EMOTIONS, NUM_CLASSES, Emotion
from emocam import resources

log = logging.getLogger(__name__)

DEFAULT_ASSETS_DIR = resources.assets_dir("emojis")
NO_FACE_TEXT = "No face"
NO_FACE_GREY = QColor(160, 160, 160)
MARGIN = 8
UNCERTAIN_OPACITY = 0.55


class EmojiPanel(QWidget):
    """Shows the emoji image and name of one emotion, or a grey "No face" placeholder.

    Images are looked up as ``assets_dir / EMOTIONS[i].emoji_file``. A file that is missing or
    unreadable is replaced by a circle in the emotion's colour with its initial, and listed in
    ``missing``. Scaled pixmaps are cached per size; ``reload()`` picks up replaced files.
    """

    def __init__(self, assets_dir: Path | str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._assets_dir = Path(assets_dir) if assets_dir is not None else DEFAULT_ASSETS_DIR
        self._images: dict[int, QImage] = {}
        self._missing: tuple[str, ...] = ()
        self._cache: dict[tuple[int | None, int], QPixmap] = {}
        self._index: int | None = None
        self._uncertain = False
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)
        self.reload()

    # ----------------------------------------------------------------- public API
    def set_emotion(self, index: int | None, uncertain: bool = False) -> None:
        """Show emotion ``index`` (FER2013 order), or the "No face" state for None."""
        if index is not None and not 0 <= index < NUM_CLASSES:
            raise ValueError(f"EmojiPanel.set_emotion: index must be 0..{NUM_CLASSES - 1} or None, got {index}")
        uncertain = bool(uncertain) and index is not None
        if (index, uncertain) != (self._index, self._uncertain):
            self._index, self._uncertain = index, uncertain
            self.update()

    def reload(self) -> None:
        """Re-read every emoji file (the user may have replaced them) and drop cached pixmaps."""
        self._images.clear()
        self._cache.clear()
        missing = []
        for emotion in EMOTIONS:
            image = self._load(emotion)
            if image is None:
                missing.append(emotion.emoji_file)
            else:
                self._images[emotion.index] = image
        self._missing = tuple(missing)
        if missing:
            log.warning("emoji files missing or unreadable in %s: %s — drawing placeholders; "
                        "put PNG images with those names there", self._assets_dir, ", ".join(missing))
        self.update()

    @property
    def missing(self) -> tuple[str, ...]:
        """File names (in FER2013 order) that were not found or could not be read."""
        return self._missing

    @property
    def assets_dir(self) -> Path:
        return self._assets_dir

    @property
    def current_index(self) -> int | None:
        return self._index

    @property
    def current_name(self) -> str:
        """The text under the image: e.g. ``Happy``, ``Happy (uncertain)`` or ``No face``."""
        if self._index is None:
            return NO_FACE_TEXT
        name = EMOTIONS[self._index].name
        return f"{name} (uncertain)" if self._uncertain else name

    def sizeHint(self) -> QSize:
        return QSize(200, 200)

    def minimumSizeHint(self) -> QSize:
        return QSize(80, 100)

    # ----------------------------------------------------------------- loading
    def _load(self, emotion: Emotion) -> QImage | None:
        path = self._assets_dir / emotion.emoji_file
        if not path.is_file():
            return None
        image = QImage(str(path))
        if image.isNull():
            log.warning("emoji %s exists but is not a readable image; replace it with a PNG", path)
            return None
        return image

    # ----------------------------------------------------------------- painting
    def resizeEvent(self, event) -> None:
        self._cache.clear()  # sizes from before the resize will not be asked for again
        super().resizeEvent(event)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        font = QFont(self.font())
        font.setBold(True)
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.3)
        text_h = QFontMetricsF(font).height() + MARGIN
        image_rect = self._image_rect(text_h)
        if image_rect.width() >= 1:
            if self._uncertain:
                painter.setOpacity(UNCERTAIN_OPACITY)
            painter.drawPixmap(image_rect.topLeft(), self._pixmap(int(image_rect.width())))
            painter.setOpacity(1.0)
        painter.setFont(font)
        painter.setPen(self.palette().color(QPalette.WindowText))
        text_rect = QRectF(0, image_rect.bottom() + MARGIN / 2, self.width(), text_h)
        text = QFontMetricsF(font).elidedText(self.current_name, Qt.ElideRight, self.width() - 4)
        painter.drawText(text_rect, Qt.AlignHCenter | Qt.AlignTop, text)
        painter.end()

    def _image_rect(self, text_h: float) -> QRectF:
        """The image square, with its name under it, centred as a block (no dead band below)."""
        side = max(0.0, min(self.width() - 2 * MARGIN, self.height() - 2 * MARGIN - text_h))
        side = float(int(side))
        top = max(MARGIN, int((self.height() - side - text_h - MARGIN / 2) / 2))
        return QRectF(int((self.width() - side) / 2), top, side, side)

    def content_rect(self) -> QRectF:
        """The image and its name together: where the panel actually draws."""
        font = QFont(self.font())
        font.setBold(True)
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.3)
        text_h = QFontMetricsF(font).height() + MARGIN
        image = self._image_rect(text_h)
        return QRectF(image.left(), image.top(), image.width(), image.height() + MARGIN / 2 + text_h)

    def _pixmap(self, side: int) -> QPixmap:
        key = (self._index, side)
        if key not in self._cache:
            self._cache[key] = self._render(self._index, side)
        return self._cache[key]

    def _render(self, index: int | None, side: int) -> QPixmap:
        ratio = self.devicePixelRatioF()
        pixels = max(1, round(side * ratio))
        image = self._images.get(index) if index is not None else None
        if image is not None:
            scaled = image.scaled(pixels, pixels, Qt.KeepAspectRatio, Qt.SmoothTransformation)
            pixmap = QPixmap.fromImage(scaled)
        else:
            pixmap = _placeholder(EMOTIONS[index] if index is not None else None, pixels)
        pixmap.setDevicePixelRatio(ratio)
        return pixmap


def _placeholder(emotion: Emotion | None, pixels: int) -> QPixmap:
    """A circle in the emotion's colour with its initial; a grey neutral face for "No face"."""
    pixmap = QPixmap(pixels, pixels)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    circle = QRectF(0, 0, pixels, pixels).adjusted(pixels * 0.04, pixels * 0.04, -pixels * 0.04, -pixels * 0.04)
    painter.setPen(Qt.NoPen)
    painter.setBrush(QColor(*emotion.colour) if emotion else NO_FACE_GREY)
    painter.drawEllipse(circle)
    if emotion is None:
        _draw_blank_face(painter, circle)
    else:
        font = QFont()
        font.setBold(True)
        font.setPixelSize(max(1, int(pixels * 0.45)))
        painter.setFont(font)
        painter.setPen(Qt.white)
        painter.drawText(circle, Qt.AlignCenter, emotion.name[0])
    painter.end()
    return pixmap


def _draw_blank_face(painter: QPainter, circle: QRectF) -> None:
    """Two dots and a flat mouth: a neutral face that belongs to no emotion."""
    s = circle.width()
    c = circle.center()
    ink = QColor(90, 90, 90)
    painter.setBrush(ink)
    for dx in (-0.17, 0.17):
        painter.drawEllipse(QPointF(c.x() + dx * s, c.y() - 0.1 * s), 0.055 * s, 0.055 * s)
    painter.setPen(QPen(ink, max(1.0, 0.05 * s), Qt.SolidLine, Qt.RoundCap))
    painter.drawLine(QPointF(c.x() - 0.18 * s, c.y() + 0.2 * s), QPointF(c.x() + 0.18 * s, c.y() + 0.2 * s))
