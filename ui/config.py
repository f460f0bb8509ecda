"""What the composition root hands the window: command-line choices override saved preferences."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PyQt5.QtCore import QSettings, QStandardPaths

from emocam import resources
from emocam.live.detection import DEFAULT_CASCADE
from emocam.live.sources import FrameSource

WEIGHTS_DIR = resources.weights_dir()


@dataclass
class AppConfig:
    """What ``main.py`` hands the window: command-line choices override saved preferences."""

    source: str | FrameSource | None = None  # a FrameSource object is used as is (tests, embedding)
    weights: Path | None = None
    output_dir: Path | None = None
    cascade: str = DEFAULT_CASCADE
    weights_dir: Path = WEIGHTS_DIR
    settings: QSettings | None = None
    probe_cameras: bool = True

    def snapshots_dir(self) -> Path:
        """``output_dir``, else ``emocam`` in the user's Pictures folder."""
        if self.output_dir:
            return Path(self.output_dir)
        pictures = QStandardPaths.writableLocation(QStandardPaths.PicturesLocation) or str(Path.home())
        return Path(pictures) / "emocam"
