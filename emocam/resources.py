"""Where emocam's shipped resources live: the model, emojis, demo, styles and the cascade drop-in folder.

Every module asks here instead of building paths from its own location, so a file can move inside
the package without breaking a lookup.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def weights_dir() -> Path:
    """The folder of shipped model files (and where users drop their own)."""
    return ROOT / "weights"


def assets_dir(*parts: str) -> Path:
    """A path inside the shipped ``assets`` folder, e.g. ``assets_dir("emojis")``."""
    return ROOT.joinpath("assets", *parts)


def haarcascades_dir() -> Path:
    """The drop-in folder for extra Haar cascades."""
    return ROOT / "haarcascades"


def user_cache_dir() -> Path:
    """Where emocam keeps things it can rebuild (``EMOCAM_CACHE_DIR``, else ``$XDG_CACHE_HOME/emocam``)."""
    if os.environ.get("EMOCAM_CACHE_DIR"):
        return Path(os.environ["EMOCAM_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "emocam"
