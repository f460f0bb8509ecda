"""Watches weights/ for new or changed model files and reports each once it has stopped changing."""

from __future__ import annotations

import logging
from pathlib import Path

from PyQt5.QtCore import QFileSystemWatcher, QObject, QTimer, pyqtSignal

from emocam.models.catalog import is_model_file  # one rule for the watcher, the menu and drops

log = logging.getLogger(__name__)


class WeightsWatcher(QObject):
    """Emits ``model_file_changed(Path)`` for a model file added to or rewritten in ``folder``,
    after a quiet period (a file still being copied is not loaded half-written)."""

    model_file_changed = pyqtSignal(object)

    def __init__(self, folder: Path, quiet_ms: int = 700, parent=None):
        super().__init__(parent)
        self.folder = Path(folder)
        self._known = self._scan()
        self._watcher = QFileSystemWatcher(self)
        if self.folder.is_dir():
            self._watcher.addPath(str(self.folder))
            self._watcher.addPaths([str(p) for p in self._known] or [])
        self._timer = QTimer(self, singleShot=True, interval=quiet_ms)
        self._timer.timeout.connect(self._on_quiet)
        self._watcher.directoryChanged.connect(lambda _: self._timer.start())
        self._watcher.fileChanged.connect(lambda _: self._timer.start())

    def _scan(self) -> dict[Path, tuple[float, int]]:
        if not self.folder.is_dir():
            return {}
        found = {}
        for p in self.folder.iterdir():
            try:
                if p.is_file() and is_model_file(p):
                    st = p.stat()
                    found[p] = (st.st_mtime, st.st_size)
            except OSError:  # vanished while scanning
                continue
        return found

    def _on_quiet(self) -> None:
        now = self._scan()
        changed = [p for p, sig in now.items() if self._known.get(p) != sig and sig[1] > 0]
        self._known = now
        for p in now:
            if str(p) not in self._watcher.files():
                self._watcher.addPath(str(p))
        if changed:
            newest = max(changed, key=lambda p: now[p][0])
            log.info("model file changed: %s", newest)
            self.model_file_changed.emit(newest)


def droppable(path: Path) -> bool:
    """A file the window opens when it is dropped on it: a model, a video or an image."""
    from emocam.live.sources import IMAGE_SUFFIXES, VIDEO_SUFFIXES

    return is_model_file(path) or path.suffix.lower() in VIDEO_SUFFIXES + IMAGE_SUFFIXES


def open_dropped(paths, models, sources) -> None:
    """Models are loaded (checked first), videos and images become the source."""
    for path in paths:
        if is_model_file(path):
            models.load_model(path)
        elif droppable(path):
            sources.open_source(str(path))
