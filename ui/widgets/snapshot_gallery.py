"""SnapshotGallery: this session's snapshots and avatars as thumbnails, newest first; double-click
opens one, and a button opens the snapshots folder."""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtCore import QSize, Qt, QUrl
from PyQt5.QtGui import QDesktopServices, QIcon, QPixmap
from PyQt5.QtWidgets import QLabel, QListView, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

THUMB = 96
EMPTY_TEXT = "Snapshots of this session appear here. Press Space to take one."


class SnapshotGallery(QWidget):
    """Thumbnails of the images given to :meth:`add_image` (newest first) and an
    "Open snapshots folder" button bound to ``open_folder`` (an action's ``trigger``)."""

    def __init__(self, open_folder, parent: QWidget | None = None):
        super().__init__(parent)
        self.list = QListWidget(self)
        self.list.setViewMode(QListView.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(QSize(THUMB + 16, THUMB + 30))
        self.list.setResizeMode(QListView.Adjust)
        self.list.setMovement(QListView.Static)
        self.list.setWordWrap(True)
        self.list.setFocusPolicy(Qt.NoFocus)  # Space belongs to the snapshot shortcut
        self.list.itemDoubleClicked.connect(lambda item: QDesktopServices.openUrl(
            QUrl.fromLocalFile(str(item.data(Qt.UserRole)))))
        self.empty = QLabel(EMPTY_TEXT, self)
        self.empty.setWordWrap(True)
        button = QPushButton("Open snapshots folder", self)
        button.setFocusPolicy(Qt.NoFocus)
        button.clicked.connect(open_folder)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addWidget(button)

    def add_image(self, path: Path, caption: str = "") -> None:
        """Put ``path`` first (``caption`` under it, else its kind and time)."""
        path = Path(path)
        pixmap = QPixmap(str(path))
        if pixmap.isNull():
            return
        thumb = pixmap.scaled(THUMB, THUMB, Qt.KeepAspectRatio, Qt.SmoothTransformation)
        text = caption or ("avatar" if "avatar" in path.stem else "snapshot") + " " + _clock(path)
        item = QListWidgetItem(QIcon(thumb), text)
        item.setData(Qt.UserRole, path)
        item.setToolTip(str(path))
        self.list.insertItem(0, item)
        self.empty.hide()

    def paths(self) -> list[Path]:
        """The images shown, newest first."""
        return [self.list.item(i).data(Qt.UserRole) for i in range(self.list.count())]


def _clock(path: Path) -> str:
    """``12:34:56`` from a ``emocam-YYYYmmdd-HHMMSS-mmm`` name; '' otherwise."""
    parts = path.stem.split("-")
    stamp = parts[2] if len(parts) > 2 and len(parts[2]) == 6 and parts[2].isdigit() else ""
    return f"{stamp[:2]}:{stamp[2:4]}:{stamp[4:]}" if stamp else ""
