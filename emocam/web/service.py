"""What the routes share: the model catalog, the loaded still-image analyzers and the avatar jobs."""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass, field
from pathlib import Path

from emocam.web import LOOPBACK_HOSTS
from emocam.web.analysis import StillAnalyzer
from emocam.web.avatar_jobs import AvatarJobs
from emocam.web.avatars import AvatarEngine, default_engine
from emocam.web.catalog import ModelCatalog, ModelEntry, default_folders
from emocam.web.uploads import WebError

@dataclass(frozen=True)
class WebConfig:
    """``models_dirs``: extra user folders of models. ``allowed_hosts``: values of the Host header
    accepted (a guard against DNS rebinding); ``("*",)`` when serving on another interface."""

    models_dirs: tuple[Path, ...] = ()
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    engine: AvatarEngine | None = field(default=None, compare=False)


class Analyzers:
    """One :class:`StillAnalyzer` per model, loaded on first use; the ``keep`` most recent stay."""

    def __init__(self, catalog: ModelCatalog, keep: int = 4):
        self.catalog, self.keep = catalog, keep
        self._loaded: collections.OrderedDict = collections.OrderedDict()
        self._locks: dict[tuple, threading.Lock] = collections.defaultdict(threading.Lock)
        self._lock = threading.Lock()

    def get(self, entry: ModelEntry) -> StillAnalyzer:
        try:
            stat = entry.path.stat()
        except OSError as e:  # removed since it was listed
            raise WebError(404, f"model {entry.name!r} is no longer there; choose another (GET /api/models)") from e
        key = (str(entry.path), stat.st_size, stat.st_mtime_ns)  # a replaced file is loaded again
        with self._lock:
            model_lock = self._locks[key]
        with model_lock:  # one load per model at a time; other models are not held up
            with self._lock:
                if key in self._loaded:
                    self._loaded.move_to_end(key)
                    return self._loaded[key]
            analyzer = StillAnalyzer(self.catalog.load(entry))
            with self._lock:
                self._loaded[key] = analyzer
                while len(self._loaded) > self.keep:
                    self._loaded.popitem(last=False)
            return analyzer


class WebService:
    """Built once per app; :meth:`close` stops the avatar worker."""

    def __init__(self, config: WebConfig):
        self.config = config
        self.catalog = ModelCatalog(default_folders(list(config.models_dirs)))
        self.analyzers = Analyzers(self.catalog)
        self.avatars = AvatarJobs(config.engine or default_engine())

    def close(self) -> None:
        self.avatars.close()
