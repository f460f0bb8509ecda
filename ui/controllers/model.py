"""Which model scores the faces: loads and validates in a worker, swaps it into the live session
between frames, keeps the old model and says why when a new one is refused."""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtCore import QObject, pyqtSignal
from PyQt5.QtWidgets import QFileDialog, QWidget

from emocam.live.session import LiveSession
from ui.controllers.menus import FILE, MenuItem, make_action
from ui.preferences import Preferences
from ui.widgets.notice_bar import NoticeBar
from ui.workers import ModelLoader


class ModelController(QObject):
    """Loads models for ``session``. ``status_changed(str)`` carries the status-bar text;
    ``model_loaded(Path)`` fires when a model is in use."""

    status_changed = pyqtSignal(str)
    model_loaded = pyqtSignal(object)

    def __init__(self, window: QWidget, session: LiveSession, prefs: Preferences, notice: NoticeBar,
                 weights_dir: Path):
        super().__init__(window)
        self.window, self.session, self.prefs, self.notice = window, session, prefs, notice
        self.weights_dir = Path(weights_dir)
        self.loaders: list[ModelLoader] = []
        self.model_path: Path | None = None
        self.open_model = make_action(window, "Open &model...", ("Ctrl+O",), tip="Load an emotion model file")
        self.open_model.triggered.connect(self._on_open_model)

    def menu_items(self) -> list[MenuItem]:
        return [MenuItem(FILE, self.open_model)]

    def load_model(self, path: Path, trusted: bool = False) -> None:
        """Load and validate ``path`` in a worker; swap it in between frames when it is good.
        Only the shipped default model is ``trusted`` (loaded without the child-process check)."""
        loader = ModelLoader(Path(path), trusted, self.window)
        loader.model_loaded.connect(lambda clf, p=Path(path): self._on_model_loaded(clf, p))
        loader.model_failed.connect(self.show_problem)
        loader.finished.connect(lambda: self.loaders.remove(loader) if loader in self.loaders else None)
        self.loaders.append(loader)
        self.status_changed.emit(f"Model: loading {Path(path).name}...")
        loader.start()

    def _on_model_loaded(self, classifier, path: Path) -> None:
        self.session.use_classifier(classifier)  # applied between frames; older results are stale
        self.model_path = path
        self.prefs.model_path = str(path)
        self.status_changed.emit(f"Model: {path.name}")
        self.model_loaded.emit(path)

    def show_problem(self, message: str) -> None:
        keeping = f" Still using {self.model_path.name}." if self.model_path else ""
        self.status_changed.emit(f"Model: {self.model_path.name if self.model_path else 'none'}")
        self.notice.show_notice(f"Model not loaded: {message}.{keeping}", [self.open_model])

    def _on_open_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open emotion model", str(self.weights_dir),
                                              "Models (*.keras *.h5 *.hdf5 *.tflite)")
        if path:
            self.load_model(Path(path))
