"""Which model scores the faces: loads and validates in a worker, swaps it into the live session
between frames, keeps the old model and says why when a new one is refused."""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtCore import QObject, pyqtSignal
from PyQt5.QtWidgets import QFileDialog, QWidget

from emocam.live.session import LiveSession
from ..controllers.menus import FILE, MenuItem, make_action
from ..controllers.model_menu import ModelsMenu
from ..preferences import Preferences
from ..widgets.notice_bar import NoticeBar
from ..workers import ModelLoader


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
        self.shipped: Path | None = None
        self._fallback: Path | None = None  # loaded if the model asked for at start is refused
        self._refused: Path | None = None
        self._refused_message = ""
        self.open_model = make_action(window, "&Open model...", ("Ctrl+O",), tip="Load an emotion model file")
        self.open_model.triggered.connect(self._on_open_model)
        self.models_menu = ModelsMenu(window, self._on_open_model, lambda: self.model_path, self.model_folders)
        self.models_menu.model_chosen.connect(self.load_model)
        self.models_menu.folder_failed.connect(lambda msg: self.notice.show_notice(msg))
        self.model_loaded.connect(lambda _: self.models_menu.sync_checks())

    def menu_items(self) -> list[MenuItem]:
        return [MenuItem(FILE, self.open_model), MenuItem(FILE, self.models_menu)]

    def model_folders(self) -> tuple[Path, Path]:
        """The window's weights folder and the per-user drop-in folder, as the Models menu lists them."""
        from emocam import resources

        return self.weights_dir, resources.user_dir("weights")

    def start(self, requested: Path | None) -> None:
        """Load the model asked for on the command line, else the saved one, else the shipped one.
        A refused model asked for at start falls back to the shipped model, with a notice naming it."""
        from emocam.models.lookup import default_weights

        self.shipped, problem = None, ""
        try:
            self.shipped = default_weights()
        except (OSError, ValueError) as e:
            problem = str(e)
        saved = self.prefs.model_path
        initial = requested or (Path(saved) if saved and Path(saved).is_file() else self.shipped)
        if initial is None:
            self.show_problem(problem)
            return
        self._fallback = self.shipped if self.shipped is not None and Path(initial) != self.shipped else None
        self.load_model(Path(initial))

    def load_model(self, path: Path) -> None:
        """Load and validate ``path`` in a worker; swap it in between frames when it is good.
        The loader decides trust from the file's bytes: only the shipped model's exact bytes skip the
        child-process check."""
        loader = ModelLoader(Path(path), parent=self.window)
        loader.model_loaded.connect(lambda clf, p=Path(path): self._on_model_loaded(clf, p))
        loader.model_failed.connect(lambda msg, p=Path(path): self._on_model_failed(msg, p))
        loader.finished.connect(lambda: self.loaders.remove(loader) if loader in self.loaders else None)
        self.loaders.append(loader)
        self.status_changed.emit(f"Model: loading {Path(path).name}...")
        loader.start()

    def _on_model_loaded(self, classifier, path: Path) -> None:
        self.session.use_classifier(classifier)  # applied between frames; older results are stale
        self.model_path = path
        self.prefs.model_path = str(path)
        self.status_changed.emit(f"Model: {path.name}")
        if self._refused is not None and path == self.shipped and self.notice.text.startswith("Model not loaded"):
            self.notice.show_notice(f"Model not loaded: {self._refused_message} Using the shipped model "
                                    f"{path.name} instead.", [self.open_model])
        elif self.notice.text.startswith("Model not loaded"):
            self.notice.hide()  # a good model is in use: the old complaint is stale
        self._refused = None
        self.model_loaded.emit(path)

    def _on_model_failed(self, message: str, path: Path) -> None:
        if path.name not in message:
            message = f"{path}: {message}"  # the notice always names the refused file
        fallback, self._fallback = self._fallback, None
        if fallback is not None and self.model_path is None:
            self._refused, self._refused_message = path, sentence(message)
            self.show_problem(message)
            self.load_model(fallback)  # nothing loaded yet: never leave the user without a model
            return
        self.show_problem(message)

    def show_problem(self, message: str) -> None:
        keeping = f" Still using {self.model_path.name}." if self.model_path else ""
        self.status_changed.emit(f"Model: {self.model_path.name if self.model_path else 'none'}")
        self.notice.show_notice(f"Model not loaded: {sentence(message)}{keeping}", [self.open_model])

    def _on_open_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open emotion model", str(self.weights_dir),
                                              "Models (*.keras *.h5 *.hdf5 *.tflite)")
        if path:
            self.load_model(Path(path))


def sentence(message: str) -> str:
    """``message`` ending in exactly one full stop (or its own ? or !): never "corrupt?."."""
    message = str(message).strip()
    return message if message.endswith((".", "?", "!")) else message + "."
