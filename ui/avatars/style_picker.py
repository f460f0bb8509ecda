"""The two image lists of the avatar panel: the style picker (thumbnails of style images) and the
gallery of results (before | after thumbnails, newest first)."""

from __future__ import annotations

import logging
from pathlib import Path

from PyQt5.QtCore import QSize, Qt, QUrl, pyqtSignal
from PyQt5.QtGui import QColor, QDesktopServices, QIcon, QImage, QImageReader, QPainter, QPixmap
from PyQt5.QtWidgets import QListView, QListWidget, QListWidgetItem

log = logging.getLogger(__name__)

THUMB = 64


def thumbnail(path: Path, side: int) -> QImage | None:
    """A ``side`` x ``side`` centre-cropped thumbnail, decoded at reduced size (fast for big photos)."""
    from emocam.fileio import is_regular_file
    from emocam.limits import MAX_IMAGE_PIXELS

    if not is_regular_file(path):  # a FIFO would block the GUI thread in QImageReader
        log.info("%s: not a regular file", path)
        return None
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and size.width() * size.height() > MAX_IMAGE_PIXELS:
        log.info("%s: %dx%d pixels, more than %d; not decoded", path, size.width(), size.height(), MAX_IMAGE_PIXELS)
        return None
    if size.isValid() and min(size.width(), size.height()) > 0:
        scale = side / min(size.width(), size.height())
        reader.setScaledSize(QSize(max(side, round(size.width() * scale)), max(side, round(size.height() * scale))))
    image = reader.read()
    if image.isNull():
        log.info("%s: not a readable image (%s)", path, reader.errorString())
        return None
    x, y = (image.width() - side) // 2, (image.height() - side) // 2
    return image.copy(max(0, x), max(0, y), side, side)


class _ImageList(QListWidget):
    def __init__(self, icon_size: QSize, parent=None):
        super().__init__(parent)
        self.setViewMode(QListView.IconMode)
        self.setIconSize(icon_size)
        self.setResizeMode(QListView.Adjust)
        self.setMovement(QListView.Static)
        self.setWrapping(True)
        self.setSpacing(4)
        self.setFocusPolicy(Qt.NoFocus)  # Space belongs to the snapshot shortcut


class StylePicker(_ImageList):
    """Style images as thumbnails with their names; one is selected. ``style_chosen(Path)`` fires
    when the user picks another."""

    style_chosen = pyqtSignal(object)

    def __init__(self, parent=None):
        super().__init__(QSize(THUMB, THUMB), parent)
        # rows of whole cells that scroll a row at a time: no label is ever cut at the side ("etti")
        self.setFlow(QListView.LeftToRight)
        self.setGridSize(QSize(THUMB + 22, THUMB + 26))
        self.setTextElideMode(Qt.ElideRight)
        self.setVerticalScrollMode(QListView.ScrollPerItem)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setFixedHeight(THUMB + 26 + 2 * self.frameWidth() + 2)
        self.currentItemChanged.connect(lambda item, _: item and self.style_chosen.emit(item.data(Qt.UserRole)))

    def add_style(self, path: Path, select: bool = False) -> bool:
        """Add (or re-select) ``path``; False if it is not a readable image."""
        path = Path(path)
        existing = self.item_for(path)
        if existing is None:
            image = thumbnail(path, THUMB)
            if image is None:
                return False
            existing = QListWidgetItem(QIcon(QPixmap.fromImage(image)), path.stem, self)
            existing.setData(Qt.UserRole, path)
            existing.setToolTip(str(path))
        if select:
            self.setCurrentItem(existing)
        return True

    def item_for(self, path: Path) -> QListWidgetItem | None:
        return next((self.item(i) for i in range(self.count()) if self.item(i).data(Qt.UserRole) == Path(path)), None)

    def select_name(self, name: str) -> bool:
        """Select the style whose file stem is ``name``; False if there is none."""
        item = next((self.item(i) for i in range(self.count()) if self.item(i).text() == name), None)
        if item is not None:
            self.setCurrentItem(item)
        return item is not None

    @property
    def selected(self) -> Path | None:
        item = self.currentItem()
        return item.data(Qt.UserRole) if item is not None else None

    @property
    def paths(self) -> list[Path]:
        return [self.item(i).data(Qt.UserRole) for i in range(self.count())]


class AvatarGallery(_ImageList):
    """Finished avatars, newest first, each as a before | after pair; double-click opens the avatar."""

    def __init__(self, parent=None):
        super().__init__(QSize(2 * THUMB + 6, THUMB), parent)
        self.itemDoubleClicked.connect(lambda item: QDesktopServices.openUrl(
            QUrl.fromLocalFile(str(item.data(Qt.UserRole)))))

    def add_result(self, before: Path, after: Path) -> QListWidgetItem:
        item = QListWidgetItem(QIcon(self._pair(before, after)), Path(after).stem.rsplit("-avatar-", 1)[-1])
        item.setData(Qt.UserRole, Path(after))
        item.setToolTip(f"{after}\nfrom {before}\nDouble-click to open")
        self.insertItem(0, item)
        return item

    @staticmethod
    def _pair(before: Path, after: Path) -> QPixmap:
        pixmap = QPixmap(2 * THUMB + 6, THUMB)
        pixmap.fill(QColor(0, 0, 0, 0))
        painter = QPainter(pixmap)
        for x, path in ((0, before), (THUMB + 6, after)):
            image = thumbnail(path, THUMB)
            if image is not None:
                painter.drawImage(x, 0, image)
        painter.end()
        return pixmap

    @property
    def results(self) -> list[Path]:
        return [self.item(i).data(Qt.UserRole) for i in range(self.count())]
