"""Where the shipped emotion model lives: the ``weights/`` folder and its ``DEFAULT`` file.

``weights/DEFAULT`` holds one line, the file name of the default model inside ``weights/``.
Without it, the newest ``*.keras`` model there is the default (training checkpoints excluded).
Set ``EMOCAM_WEIGHTS_DIR`` to use another folder.

Being named in ``DEFAULT`` (or sitting in ``weights/``) makes no file trusted: anyone who can write
that folder could otherwise make every start crash. Only bytes whose SHA-256 is one recorded here,
in the package, for the models shipped with this release, are opened without the checking child
(:func:`is_shipped`). Retraining the shipped model means updating :data:`SHIPPED_SHA256`
(``tests/emocam/models/test_lookup.py`` fails until it is).
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from emocam.errors import ModelError
from emocam import resources

log = logging.getLogger(__name__)

DEFAULT_FILE = "DEFAULT"
# written by ``python -m emocam train`` next to the model; never a model to ship
_NOT_MODELS = (".resume.keras", ".tmp.keras")

# the models shipped in weights/ with this release: file name -> SHA-256 of its bytes
SHIPPED_SHA256 = {
    "emocam_fer_v5.tflite": "e349276ff9292aee3496538419cd50c716b71c557a1564fe931d0b49d26e666b",
    "emocam_fer_v5.keras": "ee5ce5cf7c51f121bdcdd4218795dc26e681d5e68149fa7d517577a213b3c87a",
}


def is_shipped(data: bytes) -> bool:
    """True only for the exact bytes of a model shipped with this release (see module docstring)."""
    return hashlib.sha256(data).hexdigest() in SHIPPED_SHA256.values()


def weights_dir() -> Path:
    """The weights folder: ``EMOCAM_WEIGHTS_DIR`` if set, else ``weights/`` at the repository root."""
    if os.environ.get("EMOCAM_WEIGHTS_DIR"):
        return Path(os.environ["EMOCAM_WEIGHTS_DIR"])
    return resources.weights_dir()


def model_dirs() -> list[Path]:
    """Folders whose models the user can pick, in order: the weights folder (shipped models; in a
    checkout also the drop-in folder) and the per-user drop-in folder (``resources.user_dir``)."""
    return [weights_dir(), resources.user_dir("weights")]


def default_weights(folder: Path | None = None) -> Path:
    """Path of the default model: the file named in ``DEFAULT``, else the newest ``*.keras``.

    Raises :class:`ModelError` naming the folder when there is no usable default.
    """
    folder = weights_dir() if folder is None else Path(folder)
    marker = folder / DEFAULT_FILE
    if marker.exists() or marker.is_symlink():  # a FIFO or folder named DEFAULT is refused, not skipped
        return _named_in_default(marker)
    candidates = [p for p in folder.glob("*.keras") if not p.name.endswith(_NOT_MODELS)] \
        if folder.is_dir() else []
    if not candidates:
        raise ModelError(f"{folder}: no default model (no {DEFAULT_FILE} file and no *.keras model); "
                         "pass --weights PATH, or train one with "
                         f"`python -m emocam train --out {folder}/NAME.keras`")
    newest = max(candidates, key=lambda p: (p.stat().st_mtime, p.name))
    log.debug("default model: newest .keras in %s is %s", folder, newest.name)
    return newest


def _named_in_default(marker: Path) -> Path:
    from emocam.fileio import read_regular

    try:  # a FIFO named DEFAULT must not hang the start; a huge one must not be read
        text = read_regular(marker, 4096, "default-model file", allow_empty=True).decode("utf-8")
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    except (OSError, ValueError) as e:
        raise ModelError(f"{marker}: cannot read the default-model file ({e})") from e
    if not lines:
        raise ModelError(f"{marker}: is empty; write the file name of a model in {marker.parent} on one line")
    name = lines[0]
    if Path(name).name != name or name in (".", ".."):
        raise ModelError(f"{marker}: {name!r} is not a plain file name; "
                         f"name a model file inside {marker.parent}")
    path = marker.parent / name
    if not path.is_file():
        raise ModelError(f"{marker}: names {name!r}, which is not in {marker.parent}; "
                         "put the model there or fix the file name")
    return path
