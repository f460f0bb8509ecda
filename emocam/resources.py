"""Where emocam's files live: the shipped resources (model, emojis, demo, styles, the cascade
drop-in folder's README), the user's drop-in folders, and the cache and log folders.

Every module asks here instead of building paths from its own location, so a file can move inside
the package without breaking a lookup.

Shipped resources are found with :mod:`importlib.resources`. An installed wheel carries them inside
the package (``emocam/_data/weights``, ``emocam/_data/assets``, ``emocam/_data/haarcascades``: see
``setup.py``); a source checkout (and an editable install, which points at one) keeps them at the
repository top (``weights/``, ``assets/``, ``haarcascades/``).

Files a user adds (extra models, cascades, styles) go in per-user folders (platformdirs), never into
the installed package: :func:`user_dir`. ``EMOCAM_DATA_DIR`` and ``EMOCAM_LOG_DIR`` override the
per-user defaults (``EMOCAM_CACHE_DIR`` the model cache: :mod:`emocam.models.loading`).
"""

from __future__ import annotations

import os
from importlib import resources as _resources
from pathlib import Path

APP = "emocam"
ROOT = Path(__file__).resolve().parent.parent  # the folder ``emocam`` is imported from
SHIPPED = ("weights", "assets", "haarcascades")
DROP_INS = {"weights": "emotion models (.keras, .h5, .tflite)", "haarcascades": "Haar cascade XML files",
            "styles": "avatar style images (.png, .jpg)"}


def shipped_dir(name: str) -> Path:
    """The shipped resource folder ``name`` (one of :data:`SHIPPED`), installed or in a checkout."""
    if name not in SHIPPED:
        raise ValueError(f"unknown resource folder {name!r}; known: {', '.join(SHIPPED)}")
    packaged = _resources.files(APP).joinpath("_data", name)
    if packaged.is_dir():  # an installed wheel
        return Path(os.fspath(packaged))
    return ROOT / name


def is_checkout() -> bool:
    """Whether emocam runs from a source checkout (resources at the repository top)."""
    return not _resources.files(APP).joinpath("_data").is_dir()


def weights_dir() -> Path:
    """The folder of shipped model files (in a checkout, also where users drop their own)."""
    return shipped_dir("weights")


def assets_dir(*parts: str) -> Path:
    """A path inside the shipped ``assets`` folder, e.g. ``assets_dir("emojis")``."""
    return shipped_dir("assets").joinpath(*parts)


def haarcascades_dir() -> Path:
    """The shipped drop-in folder for extra Haar cascades (in a wheel, only its README)."""
    return shipped_dir("haarcascades")


def user_data_dir() -> Path:
    """The user's emocam data folder (``EMOCAM_DATA_DIR``, else the platform's per-user data dir)."""
    import platformdirs

    override = os.environ.get("EMOCAM_DATA_DIR")
    return Path(override) if override else platformdirs.user_data_path(APP, appauthor=False)


def user_dir(kind: str) -> Path:
    """The per-user drop-in folder for ``kind`` (a key of :data:`DROP_INS`); not created here."""
    if kind not in DROP_INS:
        raise ValueError(f"unknown drop-in folder {kind!r}; known: {', '.join(DROP_INS)}")
    return user_data_dir() / kind


def drop_in_dirs() -> dict[str, Path]:
    """Every per-user drop-in folder by kind: what ``--help`` and the window list."""
    return {kind: user_dir(kind) for kind in DROP_INS}


def cache_dir(*parts: str) -> Path:
    """The platform's per-user cache folder for emocam (joined with ``parts``)."""
    import platformdirs

    return platformdirs.user_cache_path(APP, appauthor=False).joinpath(*parts)


def model_cache_dir() -> Path:
    """Where converted models are cached: ``EMOCAM_CACHE_DIR``, else ``models`` in the cache folder."""
    override = os.environ.get("EMOCAM_CACHE_DIR")
    return Path(override) if override else cache_dir("models")


def user_cache_dir() -> Path:
    """Where emocam keeps things it can rebuild (style vectors, ...): ``EMOCAM_CACHE_DIR``, else the
    platform's per-user cache folder."""
    override = os.environ.get("EMOCAM_CACHE_DIR")
    return Path(override) if override else cache_dir()


def log_dir() -> Path:
    """``EMOCAM_LOG_DIR``, else the platform's per-user log folder."""
    import platformdirs

    override = os.environ.get("EMOCAM_LOG_DIR")
    return Path(override) if override else platformdirs.user_log_path(APP, appauthor=False)


def drop_in_help() -> str:
    """Lines for ``--help``: each drop-in folder, what goes in it, and where the cache and logs are."""
    lines = ["Your own files go in these folders (create a folder to use it):"]
    lines += [f"  {path}  {DROP_INS[kind]}" for kind, path in drop_in_dirs().items()]
    lines += [f"  {model_cache_dir()}  cache of converted models", f"  {log_dir()}  logs"]
    return "\n".join(lines)
