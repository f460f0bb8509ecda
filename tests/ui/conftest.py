"""Window fixtures: a fake camera playing real frames with real faces, isolated settings and folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from PyQt5.QtCore import QSettings

from emocam.live.sources import DEMO_IMAGE, FramesSource

STAGE = (480, 640)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item):
    """A dialog still asking when the test's windows close (say, "quit without exporting?") would
    wait forever for a click in an offscreen test run. Armed before pytest-qt closes the widgets: a
    timer (timers run inside a dialog's own event loop) answers such a dialog with its destructive
    button, or rejects it, so the windows can close, and the test fails, naming the dialog."""
    from PyQt5.QtCore import QTimer
    from PyQt5.QtWidgets import QApplication, QMessageBox

    asked: list[str] = []

    def answer():
        box = QApplication.activeModalWidget()
        if box is None:
            return
        text = box.text() if isinstance(box, QMessageBox) else ""
        asked.append(f"{box.windowTitle()!r}: {text!r}")
        leave = [b for b in box.buttons() if box.buttonRole(b) == QMessageBox.DestructiveRole] \
            if isinstance(box, QMessageBox) else []
        leave[0].click() if leave else box.reject()

    timer = None
    if QApplication.instance() is not None:
        timer = QTimer()
        timer.setInterval(2000)  # a dialog a test opens on purpose is answered well before that
        timer.timeout.connect(answer)
        timer.start()
    try:
        result = yield
    finally:
        if timer is not None:
            timer.stop()
    if asked:
        pytest.fail(f"a dialog was still asking when the test's windows closed: {'; '.join(asked)}")
    return result


def _face_tile(side: int) -> np.ndarray:
    rgb = cv2.cvtColor(cv2.imread(str(DEMO_IMAGE)), cv2.COLOR_BGR2RGB)
    head = rgb[20:260, 105:345]  # the astronaut's head and some background
    return cv2.resize(head, (side, side), interpolation=cv2.INTER_AREA)


def frames_with_faces(positions: list[tuple[int, int]], side: int = 200, count: int = 6) -> list[np.ndarray]:
    """``count`` 640x480 RGB frames with one face tile at each (x, y), jittered a pixel per frame."""
    tile = _face_tile(side)
    frames = []
    for i in range(count):
        frame = np.full((*STAGE, 3), 40, np.uint8)
        for x, y in positions:
            frame[y + i % 2: y + i % 2 + side, x: x + side] = tile
        frames.append(frame)
    return frames


@pytest.fixture
def one_face_source() -> FramesSource:
    return FramesSource(frames_with_faces([(220, 140)]), fps=30, name="Fake camera", is_camera=True)


@pytest.fixture
def two_face_source() -> FramesSource:
    return FramesSource(frames_with_faces([(20, 140), (400, 140)], side=200), fps=30, name="Two faces")


@pytest.fixture
def app_dirs(tmp_path: Path, tiny_models: dict[str, Path]) -> dict[str, Path]:
    """A weights folder holding one real (tiny) model, a snapshot folder and a settings file."""
    weights = tmp_path / "weights"
    weights.mkdir()
    model = weights / "tiny.tflite"
    shutil.copy(tiny_models["tflite48"], model)
    return {"weights": weights, "model": model, "snapshots": tmp_path / "snaps",
            "settings": tmp_path / "settings.ini"}


@pytest.fixture
def make_window(qtbot, app_dirs):
    """Build a MainWindow on a given source; waits until the model is loaded; closes it afterwards."""
    from ui.app import compose
    from ui.config import AppConfig

    windows = []

    def make(source, **overrides):
        settings = QSettings(str(app_dirs["settings"]), QSettings.IniFormat)
        settings.setValue("avatar/auto", False)  # no VGG19 weights here: don't ask to download on snapshots
        config = AppConfig(source=source, weights=app_dirs["model"], output_dir=app_dirs["snapshots"],
                           weights_dir=app_dirs["weights"], probe_cameras=False, settings=settings)
        for key, value in overrides.items():
            setattr(config, key, value)
        window = compose(config)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        qtbot.waitUntil(lambda: window.models.model_path is not None, timeout=20000)
        return window

    yield make
    for window in windows:
        window.close()
        qtbot.waitUntil(lambda w=window: w.running_threads() == 0, timeout=5000)
