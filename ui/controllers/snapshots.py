"""Snapshots: an optional 3-2-1 countdown, saving in a worker (with the overlays drawn if asked, and
the emotions in a sidecar JSON), the session's gallery, and "Open snapshots folder"."""

from __future__ import annotations

import logging
from pathlib import Path

from PyQt5.QtCore import QObject, QTimer, QUrl, pyqtSignal
from PyQt5.QtGui import QDesktopServices
from PyQt5.QtWidgets import QWidget

from ..controllers.menus import FILE, SEPARATOR, MenuItem, make_action
from ..widgets.snapshot_gallery import SnapshotGallery
from ..workers import SnapshotJob, io_pool

log = logging.getLogger(__name__)
COUNTDOWN = 3


class SnapshotController(QObject):
    """Takes snapshots of ``window.last_result`` into ``folder()``. ``snapshot_saved(Path)`` fires after
    each is on disk; ``snapshot_failed(str)`` says why one was not."""

    snapshot_saved = pyqtSignal(object)
    snapshot_failed = pyqtSignal(str)

    def __init__(self, window: QWidget, folder, settings):
        super().__init__(window)
        self.window, self.folder, self.settings = window, folder, settings
        self.countdown_action = make_action(window, "3-2-1 &countdown before a snapshot", checkable=True)
        self.overlays_action = make_action(window, "Save snapshots with &boxes and labels", checkable=True)
        self.open_folder_action = make_action(window, "Open snapshots &folder", ("Ctrl+Shift+F",))
        for action, key in ((self.countdown_action, "snapshot/countdown"), (self.overlays_action, "snapshot/overlays")):
            action.setChecked(bool(settings is not None and settings.value(key, False, type=bool)))
            action.toggled.connect(lambda on, k=key: settings is not None and settings.setValue(k, on))
        self.open_folder_action.triggered.connect(self.open_folder)
        self.gallery = SnapshotGallery(self.open_folder_action.trigger)
        self.counting = 0
        self._timer = QTimer(self, interval=1000, timeout=self._tick)

    def menu_items(self) -> list[MenuItem]:
        return [MenuItem(FILE, SEPARATOR), MenuItem(FILE, self.open_folder_action),
                MenuItem(FILE, self.countdown_action), MenuItem(FILE, self.overlays_action), MenuItem(FILE, SEPARATOR)]

    def take(self) -> None:
        """Save now, or after 3-2-1 when the countdown is on (a second press during it cancels)."""
        if self.counting:
            self._stop_countdown()
            return
        if self.countdown_action.isChecked():
            self.counting = COUNTDOWN
            self.window.video_view.set_message(str(self.counting))
            self._timer.start()
        else:
            self.capture()

    def _tick(self) -> None:
        self.counting -= 1
        if self.counting > 0:
            self.window.video_view.set_message(str(self.counting))
            return
        self._stop_countdown()
        self.capture()

    def _stop_countdown(self) -> None:
        self._timer.stop()
        self.counting = 0
        self.window.video_view.set_message(None)

    def capture(self) -> None:
        """Flash, then write the current frame in a worker."""
        window = self.window
        result = window.last_result
        if result is None:
            window.statusBar().showMessage("No frame to save yet", 3000)
            return
        window.video_view.flash()
        mirror = window.actions.mirror.isChecked() and window.prefs.mirror_snapshots
        job = SnapshotJob(result.frame.image, self.folder(), mirror, result.faces, self.overlays_action.isChecked())
        job.signals.snapshot_saved.connect(self._on_saved)
        job.signals.snapshot_failed.connect(self.snapshot_failed.emit)
        io_pool().start(job)

    def _on_saved(self, path: Path) -> None:
        self.gallery.add_image(path)
        self.window.statusBar().showMessage(f"Snapshot saved: {path}", 6000)
        self.snapshot_saved.emit(path)

    def open_folder(self) -> None:
        """Open the snapshots folder in the file manager (created if it is not there yet)."""
        folder = Path(self.folder())
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            self.snapshot_failed.emit(f"Cannot create the snapshots folder {folder}: {e}")
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.window.statusBar().showMessage(f"Snapshots are in {folder}", 8000)
