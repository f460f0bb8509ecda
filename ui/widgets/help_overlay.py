"""The F1 cheat-sheet: a translucent overlay over the video listing every action and its shortcuts,
and the things done with the mouse. It floats: it belongs to no layout or splitter and moves nothing."""

from __future__ import annotations

from PyQt5.QtCore import QEvent, QRectF, Qt
from PyQt5.QtGui import QColor, QFont, QPainter
from PyQt5.QtWidgets import QAction, QWidget


MOUSE_ROWS = (("Follow a face", "click its box"), ("Open a video, image or model", "drag it onto the window"))


class ShortcutsOverlay(QWidget):
    """Covers ``over`` (the video) and follows its size; lists ``(text, shortcuts)`` of the given
    actions and :data:`MOUSE_ROWS`. Any click or key hides it. Never put it in a layout or splitter."""

    def __init__(self, over: QWidget, actions: list[QAction]):
        super().__init__(over)
        self._actions = actions
        self.setAttribute(Qt.WA_TransparentForMouseEvents, False)
        self.setFocusPolicy(Qt.StrongFocus)
        over.installEventFilter(self)
        self.hide()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Resize:
            self.setGeometry(watched.rect())
        return False

    def set_actions(self, actions: list[QAction]) -> None:
        """The actions the sheet lists (each part of the window declares its own)."""
        self._actions = list(actions)

    def rows(self) -> list[tuple[str, str]]:
        """(action, shortcuts) pairs shown in the sheet."""
        out = []
        for action in self._actions:
            keys = ", ".join(s.toString() for s in action.shortcuts())
            if keys:
                out.append((action.text().replace("&", "").rstrip("."), keys))
        return out + list(MOUSE_ROWS)

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            self.setGeometry(self.parentWidget().rect())
            self.show()
            self.raise_()
            self.setFocus()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), QColor(10, 12, 18, 215))
        rows = self.rows()
        line = max(14.0, min(30.0, (self.height() - 40) / (len(rows) + 2.5)))  # fits a small video
        size = max(7, min(12, int(line * 0.42)))
        width = min(560.0, self.width() - 24.0)
        top = max(8.0, (self.height() - line * (len(rows) + 2)) / 2)
        left = (self.width() - width) / 2
        p.setPen(QColor("white"))
        p.setFont(QFont(self.font().family(), size + 3, QFont.Bold))
        p.drawText(QRectF(left, top, width, line), Qt.AlignLeft | Qt.AlignVCenter, "Keyboard and mouse")
        p.setFont(QFont(self.font().family(), size))
        for i, (name, keys) in enumerate(rows, start=1):
            y = top + line * i
            p.setPen(QColor(200, 205, 215))
            p.drawText(QRectF(left, y, width * 0.55, line), Qt.AlignLeft | Qt.AlignVCenter, name)
            p.setPen(QColor(255, 214, 102))
            p.drawText(QRectF(left + width * 0.55, y, width * 0.45, line), Qt.AlignLeft | Qt.AlignVCenter, keys)
        p.setPen(QColor(150, 155, 165))
        p.drawText(QRectF(left, top + line * (len(rows) + 1), width, line), Qt.AlignLeft | Qt.AlignVCenter,
                   "Press any key to close")

    def keyPressEvent(self, event) -> None:
        self.hide()
        event.accept()

    def mousePressEvent(self, event) -> None:
        self.hide()
