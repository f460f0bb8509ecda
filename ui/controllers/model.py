"""The window's model handling: load and validate in a worker, swap in between frames, keep the
old model and say why when a new one is refused. Mixed into MainWindow."""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtWidgets import QFileDialog

from emocam.live.pipeline import Pipeline
from ..workers import ModelLoader


class ModelControl:
    """Needs from the window: processor, detector, tracker, loaders, model_path, prefs, config,
    actions, notice, status_labels, statusBar()."""

    def load_model(self, path: Path, trusted: bool = False) -> None:
        """Load and validate ``path`` in a worker; swap it in between frames when it is good.
        Only the shipped default model is ``trusted`` (loaded without the child-process check)."""
        loader = ModelLoader(Path(path), trusted, self)
        loader.model_loaded.connect(lambda clf, p=Path(path): self._on_model_loaded(clf, p))
        loader.model_failed.connect(self._show_model_problem)
        loader.finished.connect(lambda: self.loaders.remove(loader) if loader in self.loaders else None)
        self.loaders.append(loader)
        self.status_labels["model"].setText(f"Model: loading {Path(path).name}...")
        loader.start()

    def _on_model_loaded(self, classifier, path: Path) -> None:
        if self.processor.pipeline is None:
            self.processor.pipeline = Pipeline(self.detector, classifier, self.tracker)
        else:
            self.processor.swap_classifier(classifier)
        self.model_path = path
        self.prefs.model_path = str(path)
        self.status_labels["model"].setText(f"Model: {path.name}")
        self.statusBar().showMessage(f"Model loaded: {path}", 4000)

    def _show_model_problem(self, message: str) -> None:
        keeping = f" Still using {self.model_path.name}." if self.model_path else ""
        self.status_labels["model"].setText(f"Model: {self.model_path.name if self.model_path else 'none'}")
        self.notice.show_notice(f"Model not loaded: {message}.{keeping}", [self.actions.open_model])

    def _on_open_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open emotion model", str(self.config.weights_dir),
                                              "Models (*.keras *.h5 *.hdf5 *.tflite)")
        if path:
            self.load_model(Path(path))

