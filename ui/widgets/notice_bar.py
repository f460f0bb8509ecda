"""A plain-language notice strip above the video with action buttons (e.g. "No camera found")."""

from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QAction, QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout


class NoticeBar(QFrame):
    """Shows one message with buttons bound to existing actions, and a close button. ``stacked``
    (a narrow panel): the buttons go on their own row under the text, so neither is clipped."""

    def __init__(self, parent=None, stacked: bool = False):
        super().__init__(parent)
        self.setObjectName("NoticeBar")
        self.setStyleSheet("#NoticeBar { background: #3b3220; border: 1px solid #8a6d2b; border-radius: 6px; }"
                           "QLabel { color: #ffe7a8; } QPushButton { padding: 3px 10px; }")
        outer = QVBoxLayout(self) if stacked else QHBoxLayout(self)
        outer.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)  # wraps; never widens a panel
        self._stacked = stacked
        self._text = ""
        top = QHBoxLayout() if stacked else outer
        top.addWidget(self.label, 1)
        if stacked:  # buttons one per row under the text: nothing wider than a narrow panel
            outer.addLayout(top)
            self._button_rows = QVBoxLayout()
            outer.addLayout(self._button_rows)
        self._layout = top
        self._buttons: list[QPushButton] = []
        close = QPushButton("✕", self)
        close.setFlat(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        self._close = close
        self._layout.addWidget(close)
        self.hide()

    def show_notice(self, text: str, actions: list[QAction] = ()) -> None:
        for button in self._buttons:
            button.deleteLater()
        self._buttons = []
        # a narrow panel: long paths may break after / and _ (zero-width spaces) instead of being cut
        self.label.setText(text.replace("/", "/\u200b").replace("_", "_\u200b") if self._stacked else text)
        self._text = text
        for action in actions:
            button = QPushButton(action.text().replace("&", ""), self)
            button.setFocusPolicy(Qt.NoFocus)  # Space must stay the snapshot key
            button.clicked.connect(action.trigger)
            if self._stacked:
                self._button_rows.addWidget(button)
            else:
                self._layout.insertWidget(self._layout.count() - 1, button)
            self._buttons.append(button)
        self.show()

    @property
    def text(self) -> str:
        return self._text if self.isVisible() else ""
