"""The F1 cheat-sheet: a translucent overlay listing every action and its shortcuts."""

from __future__ import annotations

from PyQt5.QtCore import QRectF, Qt
from PyQt5.QtGui import QColor, QFont, QPainter
from PyQt5.QtWidgets import QAction, QWidget


class ShortcutsOverlay(QWidget):
    """Covers its parent; lists ``(text, shortcuts)`` of the given actions. Any click or key hides it."""

    def __init__(self, parent: QWidget, actions: list[QAction]):
        super().__init__(parent)
        self._actions = actions
        self.setAttribute(Qt.WA_TransparentForMouseEvents, False)
        self.setFocusPolicy(Qt.StrongFocus)
        self.hide()

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
        return out

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
        line = 30
        box_h = line * (len(rows) + 2)
        top = max(20, (self.height() - box_h) / 2)
        left = max(20, self.width() / 2 - 260)
        p.setPen(QColor("white"))
        p.setFont(QFont(self.font().family(), 16, QFont.Bold))
        p.drawText(QRectF(left, top, 520, line), Qt.AlignLeft | Qt.AlignVCenter, "Keyboard shortcuts")
        p.setFont(QFont(self.font().family(), 12))
        for i, (name, keys) in enumerate(rows, start=1):
            y = top + line * i + 8
            p.setPen(QColor(200, 205, 215))
            p.drawText(QRectF(left, y, 300, line), Qt.AlignLeft | Qt.AlignVCenter, name)
            p.setPen(QColor(255, 214, 102))
            p.drawText(QRectF(left + 300, y, 220, line), Qt.AlignLeft | Qt.AlignVCenter, keys)
        p.setPen(QColor(150, 155, 165))
        p.drawText(QRectF(left, top + line * (len(rows) + 1) + 16, 520, line), Qt.AlignLeft,
                   "Press any key to close")

    def keyPressEvent(self, event) -> None:
        self.hide()
        event.accept()

    def mousePressEvent(self, event) -> None:
        self.hide()
