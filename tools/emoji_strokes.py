"""Drawing strokes for tools/make_assets.py: canvas, pens, eyes, mouths (QPainter, deterministic)."""

from __future__ import annotations

from PyQt5.QtCore import QPointF, QRectF, Qt
from PyQt5.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen

SIZE = 256
CENTRE = QPointF(128, 124)
RADIUS = 106
INK = QColor(52, 32, 28)
WHITE = QColor(255, 255, 255)
TEAR = QColor(120, 200, 255)
PNG_QUALITY = 0  # Qt maps PNG quality 0 to the strongest zlib compression



def _mix(rgb: tuple[int, int, int] | QColor, other: tuple[int, int, int], t: float) -> QColor:
    """Blend ``rgb`` towards ``other`` by ``t`` (0 = rgb, 1 = other)."""
    if isinstance(rgb, QColor):
        rgb = (rgb.red(), rgb.green(), rgb.blue())
    return QColor(*(round(a + (b - a) * t) for a, b in zip(rgb, other)))


def _new_canvas() -> tuple[QImage, QPainter]:
    image = QImage(SIZE, SIZE, QImage.Format_ARGB32_Premultiplied)
    image.fill(Qt.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing, True)
    return image, painter


def _pen(p: QPainter, width: float, colour: QColor = INK) -> None:
    """Stroke with round ends and no fill."""
    p.setPen(QPen(colour, width, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
    p.setBrush(Qt.NoBrush)


def _fill(p: QPainter, colour: QColor, outline: QColor | None = None, width: float = 0) -> None:
    p.setPen(QPen(outline, width) if outline is not None else Qt.NoPen)
    p.setBrush(QBrush(colour))


def _ellipse(p: QPainter, cx: float, cy: float, rx: float, ry: float) -> None:
    p.drawEllipse(QPointF(cx, cy), rx, ry)


def _arc(p: QPainter, cx: float, cy: float, rx: float, ry: float, start: float, span: float) -> None:
    """Arc of the ellipse at (cx, cy); angles in degrees, 0 = 3 o'clock, counter-clockwise."""
    p.drawArc(QRectF(cx - rx, cy - ry, 2 * rx, 2 * ry), round(start * 16), round(span * 16))


def _line(p: QPainter, x1: float, y1: float, x2: float, y2: float) -> None:
    p.drawLine(QPointF(x1, y1), QPointF(x2, y2))


def _curve(p: QPainter, x1: float, y1: float, cx: float, cy: float, x2: float, y2: float) -> None:
    path = QPainterPath(QPointF(x1, y1))
    path.quadTo(QPointF(cx, cy), QPointF(x2, y2))
    p.drawPath(path)


def _drop(p: QPainter, x: float, y: float, r: float, colour: QColor) -> None:
    """A tear/sweat drop whose round bottom is centred at (x, y)."""
    path = QPainterPath(QPointF(x, y - 2.6 * r))
    path.cubicTo(QPointF(x + 0.4 * r, y - 1.6 * r), QPointF(x + r, y - 0.9 * r), QPointF(x + r, y))
    path.arcTo(QRectF(x - r, y - r, 2 * r, 2 * r), 0, -180)
    path.cubicTo(QPointF(x - r, y - 0.9 * r), QPointF(x - 0.4 * r, y - 1.6 * r), QPointF(x, y - 2.6 * r))
    _fill(p, colour, _mix(colour, (0, 40, 110), 0.45), 2.5)
    p.drawPath(path)
    _fill(p, QColor(255, 255, 255, 200))
    _ellipse(p, x - 0.35 * r, y - 0.2 * r, 0.22 * r, 0.35 * r)


def _white_eye(p: QPainter, cx: float, cy: float, rx: float, ry: float, pupil: float) -> None:
    _fill(p, WHITE, INK, 4)
    _ellipse(p, cx, cy, rx, ry)
    _fill(p, INK)
    _ellipse(p, cx, cy + 2, pupil, pupil)
    _fill(p, WHITE)
    _ellipse(p, cx - pupil * 0.35, cy + 2 - pupil * 0.4, pupil * 0.3, pupil * 0.3)


def _dark_eye(p: QPainter, cx: float, cy: float, rx: float, ry: float) -> None:
    _fill(p, INK)
    _ellipse(p, cx, cy, rx, ry)
    _fill(p, QColor(255, 255, 255, 220))
    _ellipse(p, cx - rx * 0.3, cy - ry * 0.4, rx * 0.32, rx * 0.32)


def _lidded_eye(p: QPainter, cx: float, cy: float, rx: float, ry: float,
                left: float, right: float) -> None:
    """A dark eye with everything above the lid line from (cx-rx, left) to (cx+rx, right) cut off."""
    eye = QPainterPath()
    eye.addEllipse(QPointF(cx, cy), rx, ry)
    lid = QPainterPath(QPointF(cx - 3 * rx, cy - 2 * ry))
    lid.lineTo(cx + 3 * rx, cy - 2 * ry)
    lid.lineTo(cx + 3 * rx, 2 * right - left)  # the lid line, extended past the eye both ways
    lid.lineTo(cx - 3 * rx, 2 * left - right)
    _fill(p, INK)
    p.drawPath(eye.subtracted(lid))


def _open_mouth(p: QPainter, mouth: QPainterPath, tongue: QRectF, teeth: QRectF | None = None) -> None:
    """Fill ``mouth`` dark, with teeth and tongue clipped to it, then outline it."""
    _fill(p, QColor(100, 26, 30))
    p.drawPath(mouth)
    p.setClipPath(mouth)
    if teeth is not None:
        _fill(p, WHITE)
        p.drawRect(teeth)
    _fill(p, QColor(236, 104, 120))
    p.drawEllipse(tongue)
    p.setClipping(False)
    _pen(p, 6)
    p.drawPath(mouth)


# ---------------------------------------------------------------- the face
