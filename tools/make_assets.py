"""Draw emocam's own emoji art and app icon with QPainter.

One 256x256 RGBA PNG per emotion goes to ``assets/emojis/`` (file names come from
``emocam.emotions.EMOTIONS``) and the app icon to ``assets/icon.png`` (one level up from
the emoji folder). Output is deterministic: no randomness, no fonts, no system theme.

Usage::

    QT_QPA_PLATFORM=offscreen python tools/make_assets.py [--out-dir DIR]

With ``--out-dir DIR`` the emojis go to ``DIR/`` and the icon to ``DIR/icon.png``.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PyQt5.QtCore import QPointF, QRectF, Qt  # noqa: E402
from PyQt5.QtGui import (  # noqa: E402
    QBrush, QColor, QGuiApplication, QImage, QPainter, QPainterPath, QPen, QRadialGradient,
)

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from emocam.emotions import EMOTIONS  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from emoji_strokes import (  # noqa: E402
    CENTRE, INK, PNG_QUALITY, RADIUS, TEAR, _arc, _curve, _dark_eye, _drop, _ellipse, _fill, _line, _lidded_eye,
    _mix, _new_canvas, _open_mouth, _pen, _white_eye,
)


def _draw_face(p: QPainter, rgb: tuple[int, int, int]) -> None:
    """Soft drop shadow, radially shaded disc, darker rim and a gloss highlight."""
    cx, cy = CENTRE.x(), CENTRE.y()
    for i in range(12):  # stacked translucent discs make a soft-edged shadow
        _fill(p, QColor(0, 0, 0, 7))
        _ellipse(p, cx + 3, cy + 7, RADIUS + 12 - i, RADIUS + 12 - i)
    gradient = QRadialGradient(QPointF(cx, cy), RADIUS, QPointF(cx - 34, cy - 44))
    gradient.setColorAt(0.0, _mix(rgb, (255, 255, 240), 0.62))
    gradient.setColorAt(0.55, _mix(rgb, (255, 255, 240), 0.22))
    gradient.setColorAt(1.0, _mix(rgb, (40, 20, 0), 0.18))
    p.setPen(QPen(_mix(rgb, (30, 15, 0), 0.45), 4))
    p.setBrush(QBrush(gradient))
    _ellipse(p, cx, cy, RADIUS, RADIUS)
    gloss = QRadialGradient(QPointF(cx - 30, cy - 66), 46)
    gloss.setColorAt(0.0, QColor(255, 255, 255, 120))
    gloss.setColorAt(1.0, QColor(255, 255, 255, 0))
    _fill(p, QColor(0, 0, 0, 0))
    p.setBrush(QBrush(gloss))
    _ellipse(p, cx - 30, cy - 66, 52, 30)


def _cheeks(p: QPainter, colour: QColor, alpha: int) -> None:
    colour = QColor(colour)
    colour.setAlpha(alpha)
    _fill(p, colour)
    _ellipse(p, 68, 150, 17, 10)
    _ellipse(p, 188, 150, 17, 10)


# ---------------------------------------------------------------- expressions

def _angry(p: QPainter) -> None:
    _pen(p, 11)
    _line(p, 60, 78, 110, 100)
    _line(p, 196, 78, 146, 100)
    _lidded_eye(p, 88, 120, 13, 16, 105, 119)  # the glare cuts the top off the eyes
    _lidded_eye(p, 168, 120, 13, 16, 119, 105)
    _pen(p, 10)
    _arc(p, 128, 196, 44, 26, 25, 130)
    _pen(p, 6, QColor(160, 0, 10))  # the manga anger mark, four brackets bulging inwards
    for k in range(4):
        a = math.radians(45 + 90 * k)
        _arc(p, 200 + 20 * math.cos(a), 52 + 20 * math.sin(a), 10, 10, -(45 + 90 * k + 180) - 55, 110)


def _disgust(p: QPainter) -> None:
    _pen(p, 10)
    _curve(p, 62, 96, 86, 84, 112, 100)  # one brow pulled down, one raised
    _curve(p, 146, 84, 172, 66, 196, 80)
    for x, lid in ((90, 116), (166, 110)):  # heavy lids: eyes half shut
        _lidded_eye(p, x, 124, 13, 14, lid, lid)
        _pen(p, 7)
        _line(p, x - 18, lid + 1, x + 18, lid - 3)
    path = QPainterPath(QPointF(80, 184))
    for i in range(1, 61):
        x = 80 + i * 96 / 60
        path.lineTo(x, 184 - 7 * math.sin(i / 60 * 3 * math.pi) - i * 0.12)
    _fill(p, QColor(226, 96, 120), INK, 4)  # tongue sticking out
    tongue = QPainterPath(QPointF(132, 180))
    tongue.cubicTo(QPointF(132, 214), QPointF(162, 214), QPointF(160, 172))
    p.drawPath(tongue)
    _pen(p, 10)
    p.drawPath(path)


def _fear(p: QPainter) -> None:
    _pen(p, 9)
    _curve(p, 62, 80, 84, 78, 108, 62)  # brows pulled up in the middle
    _curve(p, 148, 62, 172, 78, 194, 80)
    _white_eye(p, 88, 108, 20, 24, 6)
    _white_eye(p, 168, 108, 20, 24, 6)
    mouth = QPainterPath(QPointF(94, 172))
    for i in range(1, 41):  # the upper lip trembles
        mouth.lineTo(94 + i * 68 / 40, 172 - 4 * math.sin(i / 40 * 4 * math.pi))
    mouth.cubicTo(QPointF(166, 214), QPointF(90, 214), QPointF(94, 172))
    _open_mouth(p, mouth, QRectF(106, 195, 44, 22))
    _drop(p, 206, 84, 13, TEAR)


def _happy(p: QPainter) -> None:
    _cheeks(p, QColor(255, 90, 80), 90)
    _pen(p, 10)
    _arc(p, 88, 116, 20, 16, 15, 150)  # closed, smiling eyes
    _arc(p, 168, 116, 20, 16, 15, 150)
    mouth = QPainterPath(QPointF(66, 146))
    mouth.quadTo(QPointF(128, 160), QPointF(190, 146))
    mouth.cubicTo(QPointF(184, 224), QPointF(72, 224), QPointF(66, 146))
    _open_mouth(p, mouth, QRectF(88, 190, 80, 44), teeth=QRectF(60, 140, 136, 24))


def _sad(p: QPainter) -> None:
    _pen(p, 9)
    _curve(p, 62, 96, 88, 94, 108, 78)
    _curve(p, 148, 78, 168, 94, 194, 96)
    _dark_eye(p, 90, 122, 12, 15)
    _dark_eye(p, 166, 122, 12, 15)
    _pen(p, 9)
    _arc(p, 128, 194, 34, 22, 30, 120)
    _drop(p, 82, 168, 11, QColor(170, 225, 255))


def _surprise(p: QPainter) -> None:
    _pen(p, 9)
    _arc(p, 88, 82, 22, 14, 20, 140)  # brows arched high
    _arc(p, 168, 82, 22, 14, 20, 140)
    _white_eye(p, 88, 116, 18, 21, 10)
    _white_eye(p, 168, 116, 18, 21, 10)
    _fill(p, QColor(70, 20, 30), INK, 5)
    _ellipse(p, 128, 180, 20, 26)  # round "O" mouth
    _fill(p, QColor(255, 255, 255, 70))
    _ellipse(p, 122, 170, 6, 8)


def _neutral(p: QPainter) -> None:
    _pen(p, 8)
    _line(p, 72, 90, 106, 90)
    _line(p, 150, 90, 184, 90)
    _fill(p, INK)
    _ellipse(p, 89, 120, 11, 11)
    _ellipse(p, 167, 120, 11, 11)
    _pen(p, 10)
    _line(p, 96, 178, 160, 178)


EXPRESSIONS: dict[str, Callable[[QPainter], None]] = {
    "Angry": _angry, "Disgust": _disgust, "Fear": _fear, "Happy": _happy,
    "Sad": _sad, "Surprise": _surprise, "Neutral": _neutral,
}


def draw_emoji(rgb: tuple[int, int, int], expression: Callable[[QPainter], None]) -> QImage:
    """A 256x256 face tinted by ``rgb`` wearing ``expression``."""
    image, painter = _new_canvas()
    _draw_face(painter, rgb)
    expression(painter)
    painter.end()
    return image


# ---------------------------------------------------------------- icon

def draw_icon() -> QImage:
    """A dark camera body whose lens ring shows the emotion colours around a smiley."""
    image, p = _new_canvas()
    _fill(p, QColor(36, 46, 56))
    p.drawRoundedRect(QRectF(96, 12, 64, 36), 12, 12)  # viewfinder hump
    body = QRadialGradient(QPointF(100, 60), 260)
    body.setColorAt(0.0, QColor(84, 100, 116))
    body.setColorAt(1.0, QColor(30, 38, 48))
    p.setPen(Qt.NoPen)
    p.setBrush(QBrush(body))
    p.drawRoundedRect(QRectF(8, 32, 240, 216), 44, 44)
    ring = QRectF(128 - 80, 142 - 80, 160, 160)
    span = 360 / len(EMOTIONS)
    for i, emotion in enumerate(EMOTIONS):
        p.setPen(QPen(QColor(*emotion.colour), 26, Qt.SolidLine, Qt.FlatCap))
        p.drawArc(ring, round((90 + i * span + 2) * 16), round((span - 4) * 16))
    _fill(p, QColor(20, 24, 30))
    _ellipse(p, 128, 142, 66, 66)
    face = QRadialGradient(QPointF(128, 142), 56, QPointF(110, 122))
    face.setColorAt(0.0, QColor(255, 236, 150))
    face.setColorAt(1.0, QColor(246, 176, 10))
    p.setBrush(QBrush(face))
    _ellipse(p, 128, 142, 56, 56)
    _fill(p, INK)
    _ellipse(p, 108, 128, 9, 11)
    _ellipse(p, 148, 128, 9, 11)
    _pen(p, 10)
    _arc(p, 128, 146, 32, 28, 200, 140)
    _fill(p, QColor(255, 90, 80))
    _ellipse(p, 206, 62, 11, 11)  # recording light
    p.end()
    return image


# ---------------------------------------------------------------- CLI

def make_assets(emoji_dir: Path, icon_path: Path) -> list[Path]:
    """Draw every emoji into ``emoji_dir`` and the icon to ``icon_path``; return the paths."""
    emoji_dir.mkdir(parents=True, exist_ok=True)
    icon_path.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for emotion in EMOTIONS:
        if emotion.name not in EXPRESSIONS:
            raise KeyError(f"no expression drawn for {emotion.name!r} (emocam/emotions.py); "
                           f"add one to EXPRESSIONS, which knows: {', '.join(EXPRESSIONS)}")
        path = emoji_dir / emotion.emoji_file
        _save(draw_emoji(emotion.colour, EXPRESSIONS[emotion.name]), path)
        written.append(path)
    _save(draw_icon(), icon_path)
    return written + [icon_path]


def _save(image: QImage, path: Path) -> None:
    if not image.save(str(path), "PNG", PNG_QUALITY):
        raise OSError(f"could not write {path}: check the folder exists and is writable")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", type=Path, default=None,
                        help="write emojis and icon.png here (default: assets/emojis and assets/icon.png)")
    args = parser.parse_args(argv)
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - Qt needs one
    if args.out_dir is None:
        paths = make_assets(REPO / "assets" / "emojis", REPO / "assets" / "icon.png")
    else:
        paths = make_assets(args.out_dir, args.out_dir / "icon.png")
    for path in paths:
        print(f"wrote {path} ({path.stat().st_size / 1024:.1f} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
