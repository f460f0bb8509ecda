"""FaceListPanel: every face in view with its track number (the ``#N`` of the CSV and the annotated
video), top emotion and confidence; clicking a row follows that face."""

from __future__ import annotations

from PyQt5.QtCore import Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QColor, QIcon, QPixmap
from PyQt5.QtWidgets import QListWidget, QListWidgetItem, QWidget

from emocam.types import FrameResult

REFRESH_MS = 250  # text layout four times a second is plenty for a list
NO_FACES = "No faces in view"


class FaceListPanel(QListWidget):
    """Rows ``#N  Happy 92%`` for the newest result; the followed face is selected.
    ``face_chosen(int)`` carries the track id of a clicked row."""

    face_chosen = pyqtSignal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.NoFocus)  # Space belongs to the snapshot shortcut
        self.setToolTip("Every face in view; click one to follow it (or click its box on the video)")
        self._result: FrameResult | None = None
        self._followed: int | None = None
        self._shown: list[tuple[int | None, str]] | None = None
        self._timer = QTimer(self, interval=REFRESH_MS, singleShot=True, timeout=self.refresh)
        self.itemClicked.connect(self._on_item_clicked)
        self.refresh()

    def show_result(self, result: FrameResult | None, followed: int | None) -> None:
        """Show ``result``'s faces soon (refreshes are throttled); ``followed`` is highlighted."""
        self._result, self._followed = result, followed
        if not self._timer.isActive():
            self._timer.start()

    def rows(self) -> list[tuple[int | None, str]]:
        """(track id, text) of each row as shown; track id None for the placeholder row."""
        return list(self._shown or [])

    def refresh(self) -> None:
        faces = sorted(self._result.faces, key=lambda f: f.track_id) if self._result else []
        wanted = [(f.track_id, f"#{f.track_id}  {f.text}") for f in faces] or [(None, NO_FACES)]
        if wanted != self._shown:
            self.clear()
            for (track, text), face in zip(wanted, faces or [None]):
                item = QListWidgetItem(text, self)
                item.setData(Qt.UserRole, track)
                if face is not None:
                    item.setIcon(_swatch(QColor(*face.emotion.colour)))
                else:
                    item.setFlags(Qt.NoItemFlags)
            self._shown = wanted
        for i in range(self.count()):
            item = self.item(i)
            item.setSelected(item.data(Qt.UserRole) == self._followed and self._followed is not None)

    def _on_item_clicked(self, item: QListWidgetItem) -> None:
        track = item.data(Qt.UserRole)
        if track is not None:
            self.face_chosen.emit(int(track))


def _swatch(colour: QColor) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(colour)
    return QIcon(pixmap)
