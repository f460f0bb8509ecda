"""The models the web app offers: the shipped ones, the weights folder and the user's folders.

The folders and the rule for which files are models are the desktop app's (``lookup.model_dirs``,
``models.catalog.model_files``), so a model dropped in for one is offered by the other. A model is
chosen by its listed name only, never by a path. Folders are scanned on each listing, so
a file dropped into one appears without a restart. Every model but the shipped default is first
checked (and, for Keras files, converted) in a child process (:class:`~emocam.models.probe.ModelProbe`),
as the desktop app does, so a crafted file cannot crash the server.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from emocam import resources
from emocam.errors import ModelError
from emocam.models.catalog import model_files
from emocam.models.loading import load_classifier
from emocam.models.lookup import default_weights, model_dirs
from emocam.web.uploads import WebError

log = logging.getLogger(__name__)

def default_folders(extra: list[Path] = ()) -> list[tuple[str, Path]]:
    """(source, folder) pairs in listing order: shipped, the weights folder when it is another one
    (``EMOCAM_WEIGHTS_DIR``), the user folder (the desktop app's, ``resources.user_dir("weights")``),
    then ``extra`` folders (``serve --models-dir``)."""
    weights, user = model_dirs()
    folders = [("shipped", resources.weights_dir())]
    if weights.resolve() != resources.weights_dir().resolve():
        folders.append(("weights", weights))
    folders.append(("user", user))
    folders += [("user", Path(p)) for p in extra]
    return folders


@dataclass(frozen=True)
class ModelEntry:
    """One listed model. ``name`` is what clients send; ``path`` never leaves the server."""

    name: str
    path: Path
    source: str
    default: bool = False

    def as_json(self) -> dict:
        return {"name": self.name, "source": self.source, "default": self.default,
                "format": "tflite" if self.path.suffix.lower() == ".tflite" else "keras"}


class ModelCatalog:
    """Lists model files and loads them by name. Thread-safe."""

    def __init__(self, folders: list[tuple[str, Path]] | None = None):
        self.folders = folders if folders is not None else default_folders()
        self._lock = threading.Lock()
        self._checked: set[tuple] = set()  # (path, size, mtime) that passed the child-process check

    def entries(self) -> list[ModelEntry]:
        """Every model, the default first. A file name found again in a later folder is listed as
        ``source:name`` (the earlier one keeps the plain name); the same file twice is listed once."""
        default = self._default_path()
        seen: set[Path] = set()
        names: set[str] = set()
        entries = []
        for source, folder in self.folders:
            for p in model_files(folder):
                if p.resolve() in seen:
                    continue
                seen.add(p.resolve())
                name = p.name if p.name not in names else f"{source}:{p.name}"
                names.add(name)
                entries.append(ModelEntry(name, p, source, default is not None and p.resolve() == default))
        return sorted(entries, key=lambda e: not e.default)

    def find(self, name: str | None) -> ModelEntry:
        """The entry called ``name`` (None: the default); 404 naming the known ones otherwise."""
        entries = self.entries()
        if not entries:
            raise WebError(503, f"no emotion model found in {', '.join(str(f) for _, f in self.folders)}")
        if name is None:
            return entries[0]
        for entry in entries:
            if entry.name == name:
                return entry
        known = ", ".join(e.name for e in entries)
        raise WebError(404, f"unknown model {name[:80]!r}; choose one of: {known} (GET /api/models)")

    def load(self, entry: ModelEntry):
        """A new classifier for ``entry`` (checked in a child process first unless it is the shipped
        default); 422 with the reason when the file is refused."""
        if not entry.path.is_file():
            raise WebError(404, f"model {entry.name!r} is no longer there; choose another (GET /api/models)")
        try:
            self._check(entry)
            return load_classifier(entry.path)
        except (ModelError, OSError) as e:
            raise WebError(422, f"model {entry.name!r} refused: {_strip_path(str(e), entry)}") from e

    def _check(self, entry: ModelEntry) -> None:
        if entry.default and entry.source == "shipped":
            return
        stat = entry.path.stat()
        key = (str(entry.path.resolve()), stat.st_size, stat.st_mtime_ns)
        with self._lock:
            if key in self._checked:
                return
        from emocam.models.probe import ModelProbe

        log.info("checking model %s in a child process", entry.path)
        ModelProbe(entry.path).run()
        with self._lock:
            self._checked.add(key)

    def _default_path(self) -> Path | None:
        try:
            return default_weights(resources.weights_dir()).resolve()
        except ModelError:
            return None


def _strip_path(message: str, entry: ModelEntry) -> str:
    """Clients see model names, not the server's folders."""
    return message.replace(str(entry.path), entry.name)
