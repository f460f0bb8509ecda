"""The models a user can pick: every model file in the weights folder and the per-user drop-in
folder, one entry each, with a one-line summary from its card (``NAME.card.json`` beside it).

A ``.keras`` model and its ``.tflite`` twin (same name, same folder) are ONE entry that loads the
``.tflite``: the app already prefers it (``weights/DEFAULT`` names the ``.tflite``, and a ``.tflite``
loads without converting). Cards are untrusted files: read with a size bound, never through a link
that leads out of the folder, and a bad card only costs the summary (the file size is shown instead).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from emocam.models.loading import SUFFIXES
from emocam.models.lookup import SHIPPED_SHA256, _NOT_MODELS, default_weights, model_dirs

log = logging.getLogger(__name__)

FOLDER_KINDS = ("shipped", "weights", "user")  # also the sort order after the default model
MAX_CARD_BYTES = 1 << 20  # a card with a long training history is ~30 KB
_SKIPPED_ENDINGS = (*_NOT_MODELS, ".part")  # training's resume/temp files, half-copied downloads
# the avatar painter's VGG19 (emocam.style.vgg_weights.FILE_NAME) may be saved in weights/ too
_SKIPPED_PREFIXES = (".", "vgg19_")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]+")  # incl. bidi overrides


@dataclass(frozen=True)
class ModelEntry:
    """One pickable model: ``path`` is the file to load, ``files`` every file it stands for (a
    ``.keras`` and its ``.tflite`` twin), ``summary`` a short line for a menu, ``details`` longer
    text for a tooltip."""

    path: Path
    name: str
    folder: str
    summary: str
    is_default: bool = False
    files: tuple[Path, ...] = ()
    details: str = ""

    def __post_init__(self):
        if self.folder not in FOLDER_KINDS:
            raise ValueError(f"ModelEntry.folder must be one of {FOLDER_KINDS}, got {self.folder!r}")
        if not self.name:
            raise ValueError(f"ModelEntry.name is empty for {self.path}")
        if not self.files:
            object.__setattr__(self, "files", (Path(self.path),))

    def covers(self, path: str | Path | None) -> bool:
        """Whether ``path`` is one of this entry's files (the model in use may be the .keras twin)."""
        return path is not None and any(_same_file(Path(path), f) for f in self.files)


def is_model_file(path: str | Path) -> bool:
    """An emotion model file by its name: a supported type, not hidden, not a training or download
    leftover, not the avatar painter's network."""
    name = Path(path).name.lower()
    return (name.endswith(SUFFIXES) and not name.endswith(_SKIPPED_ENDINGS)
            and not name.startswith(_SKIPPED_PREFIXES))


def find_models(weights: Path | None = None, user: Path | None = None) -> list[ModelEntry]:
    """Every model in ``weights`` (default: the weights folder) and ``user`` (default: the per-user
    drop-in folder): the default model first, then shipped, weights-folder and user models, by name."""
    default_weights_dir, default_user = model_dirs()
    weights = Path(weights or default_weights_dir)
    user = Path(user or default_user)
    default = _default_model(weights)
    entries = _scan(weights, "weights", default)
    if not _same_file(user, weights):
        entries += _scan(user, "user", default)
    return sorted(entries, key=lambda e: (not e.is_default, FOLDER_KINDS.index(e.folder), e.name.casefold(),
                                          e.path.name))


def model_stem(name: str) -> str:
    """``name`` without its model suffix (``a.weights.h5`` -> ``a``)."""
    lower = name.lower()
    suffix = max((s for s in SUFFIXES if lower.endswith(s)), key=len, default="")
    return name[: len(name) - len(suffix)] if suffix else name


def _default_model(weights: Path) -> Path | None:
    try:
        return default_weights(weights)
    except (OSError, ValueError) as e:  # no default here: the menu still lists what there is
        log.debug("no default model in %s: %s", weights, e)
        return None


def _scan(folder: Path, kind: str, default: Path | None) -> list[ModelEntry]:
    groups: dict[str, list[Path]] = {}
    for path in model_files(folder):
        stem = model_stem(path.name)
        twins = path.name.lower().endswith((".keras", ".tflite"))
        groups.setdefault(stem if twins else path.name, []).append(path)
    entries = []
    for files in groups.values():
        files.sort(key=lambda p: not p.name.lower().endswith(".tflite"))  # the .tflite loads
        entries.append(_entry(files[0], tuple(files), folder, kind, default))
    names = [e.name for e in entries]  # a.h5 beside a.keras: two models, told apart by file name
    return [replace(e, name=_text(e.path.name, 255)) if names.count(e.name) > 1 else e for e in entries]


def model_files(folder: Path) -> list[Path]:
    """Regular model files in ``folder`` (not its subfolders), by name; links only if they stay
    inside it. A missing or unreadable folder has none."""
    try:
        with os.scandir(folder) as it:
            found = [Path(e.path) for e in it if is_model_file(e.name) and _is_file(e)]
    except OSError as e:  # missing or unreadable folder: nothing to list from it
        log.debug("cannot list models in %s: %s", folder, e)
        return []
    return sorted(p for p in found if _inside(p, folder))


def _is_file(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()  # a FIFO, socket or folder named like a model is no model
    except OSError:
        return False


def _inside(path: Path, folder: Path) -> bool:
    if not path.is_symlink():
        return True
    try:
        return path.resolve(strict=True).is_relative_to(folder.resolve(strict=True))
    except (OSError, RuntimeError):  # dangling or looping link
        return False


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _entry(path: Path, files: tuple[Path, ...], folder: Path, kind: str, default: Path | None) -> ModelEntry:
    if kind == "weights" and any(_is_shipped(f) for f in files):
        kind = "shipped"
    card = read_card(path, folder)
    size = _size_text(path)
    summary = card_summary(card) or size
    where = {"shipped": "shipped with emocam", "weights": "weights folder", "user": "your models folder"}[kind]
    extra = [t for t in (_text(_summary_dict(card).get("arch")), _text(_summary_dict(card).get("note"))) if t]
    details = "\n".join([str(path), f"{where} · {size}", *extra])
    is_default = default is not None and any(_same_file(f, default) for f in files)
    name = _text(model_stem(path.name), 255) or path.name  # a file name may hold newlines or bidi overrides
    return ModelEntry(path, name, kind, summary, is_default, files, details)


def read_card(model: Path, folder: Path | None = None) -> dict:
    """The card beside ``model`` (``NAME.card.json``; the ``.keras`` twin's name for a ``.tflite``),
    or ``{}`` when there is none or it cannot be used: too big, not a file, a link out of
    ``folder``, not a JSON object."""
    from emocam.fileio import read_regular

    card = model.parent / f"{model_stem(model.name)}.card.json"
    if folder is not None and not _inside(card, folder):
        log.info("%s: a link out of %s; not read", card, folder)
        return {}
    try:
        data = json.loads(read_regular(card, MAX_CARD_BYTES, "model card"))
    except (OSError, ValueError, RecursionError) as e:  # missing, not a regular file, too big, not JSON
        if card.exists():
            log.info("model card %s is not usable: %s", card, e)
        return {}
    return data if isinstance(data, dict) else {}


def card_summary(card: dict) -> str:
    """A short line from a card: its ``summary`` when present, else its validation metrics, else
    the best member's validation accuracy; ``""`` when the card says nothing usable."""
    summary = _summary_dict(card)
    metrics = summary or (card.get("val_metrics") if isinstance(card.get("val_metrics"), dict) else {})
    parts = _metric_parts(metrics)
    if parts:
        return ", ".join(parts)
    members = card.get("members") if isinstance(card.get("members"), list) else []
    accuracies = [_fraction(m.get("val_metrics", {}).get("accuracy")) for m in members
                  if isinstance(m, dict) and isinstance(m.get("val_metrics"), dict)]
    accuracies = [a for a in accuracies if a is not None]
    return f"{round(100 * max(accuracies))}% acc (best member)" if accuracies else ""


def _summary_dict(card: dict) -> dict:
    return card.get("summary") if isinstance(card.get("summary"), dict) else {}


def _metric_parts(metrics: dict) -> list[str]:
    accuracy, f1 = _fraction(metrics.get("accuracy")), _fraction(metrics.get("macro_f1"))
    ms = _number(metrics.get("ms_per_face"), 0.0, 1e5)
    return [text for value, text in (
        (accuracy, f"{round(100 * (accuracy or 0))}% acc"),
        (f1, f"macro-F1 {f1 or 0:.2f}"),
        (ms, f"{ms or 0:.2f} ms/face")) if value is not None]


def _fraction(value) -> float | None:
    return _number(value, 0.0, 1.0)


def _number(value, low: float, high: float) -> float | None:
    """``value`` when it is a real number in [low, high] (cards are untrusted: no bools, NaN, strings)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value) if low <= value <= high else None


def _text(value, limit: int = 80) -> str:
    """A card's free text made safe for one line: no control characters, at most ``limit`` chars."""
    if not isinstance(value, str):
        return ""
    text = " ".join(_CONTROL.sub(" ", value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _size_text(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError:
        return "size unknown"
    return f"{size / (1 << 20):.1f} MB" if size >= 1 << 20 else f"{max(1, round(size / 1024))} KB"


def _is_shipped(path: Path) -> bool:
    """Only the exact bytes of a model shipped with this release count (a file renamed to a shipped
    name does not); hashed once per (size, mtime)."""
    if path.name not in SHIPPED_SHA256:
        return False
    try:
        st = path.stat()
    except OSError:
        return False
    return _sha256_matches(str(path), path.name, st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _sha256_matches(path: str, name: str, size: int, mtime_ns: int) -> bool:
    from emocam.fileio import read_regular
    from emocam.limits import MAX_MODEL_BYTES

    try:
        return hashlib.sha256(read_regular(path, MAX_MODEL_BYTES, "model file")).hexdigest() == SHIPPED_SHA256[name]
    except (OSError, ValueError):
        return False
