"""The composition root: builds the Qt-free live session and hands it to the window."""

from __future__ import annotations

from emocam.live.detection import FaceDetector
from emocam.live.session import LiveSession
from ui.config import AppConfig
from ui.main_window import MainWindow
from ui.preferences import Preferences, smoothing_settings


def build_session(config: AppConfig) -> LiveSession:
    """Frame slot, detector, tracker and pipeline for ``config`` (no Qt involved)."""
    level = Preferences(config.settings).smoothing
    return LiveSession(FaceDetector(config.cascade), smoothing_settings(level))


def compose(config: AppConfig) -> MainWindow:
    """The window, handed the live session it shows."""
    return MainWindow(config, build_session(config))
