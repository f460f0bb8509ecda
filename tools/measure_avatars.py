"""Avatars in the real app window (no test: numbers and screenshots for the notes and the README).

    python tools/measure_avatars.py [--seconds 15] [--fps 30] [--delay 0] [--shots DIR]

Runs ui.main_window.MainWindow offscreen on a 30 fps source of the demo portrait with fresh settings
(the fast engine, as on a fresh install), then:

1. ``--delay`` seconds after the first face is shown, takes a snapshot as Space does and times
   snapshot -> avatar shown in the panel (the panel starts the painter process and loads the networks
   half a second after it is built; with no delay, part of that start is still in the time), and
   notes whether any dialog opened;
2. turns Live avatar on and, for ``--seconds``, counts the window's processed video frames per
   second and the live avatar's paintings per second (after a 3 s warm-up); the same length is
   measured with Live avatar off first, for comparison.

The window hands each shown frame to ``StylePanel.show_live_frame(result, face)``; if the window does
not do that yet, this tool adds that one call around ``MainWindow._show``.
``--shots DIR`` saves screenshots of the window after the first avatar and during live mode.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from tools.measure_latency import convert_in_child, demo_frames  # noqa: E402

WARMUP_S = 3.0


def _wait(app, condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    return condition()


def _rate(stamps: list[float], since: float) -> float:
    kept = [t for t in stamps if t >= since]
    return (len(kept) - 1) / (kept[-1] - kept[0]) if len(kept) > 2 else 0.0


def run(weights: Path, frames, fps: float, seconds: float, delay: float, tmp: Path, shots: Path | None) -> None:
    from PyQt5.QtCore import QSettings
    from PyQt5.QtWidgets import QApplication

    from emocam.live.sources import FramesSource
    from ui.app import compose
    from ui.config import AppConfig

    app = QApplication.instance() or QApplication([sys.argv[0]])
    settings = QSettings(str(tmp / "settings.ini"), QSettings.IniFormat)
    (tmp / "weights").mkdir(exist_ok=True)
    window = compose(AppConfig(source=FramesSource(frames, fps=fps, name="30 fps frames"), weights=weights,
                               output_dir=tmp / "out", weights_dir=tmp / "weights", probe_cameras=False,
                               settings=settings))
    processed: list[float] = []
    window.processor.frame_processed.connect(lambda _: processed.append(time.monotonic()))
    opened = time.monotonic()
    window.show()
    window.style_dock.show()
    assert _wait(app, lambda: window.last_result is not None and window.last_result.faces, 30), "no face seen"
    _wait(app, lambda: False, delay)
    _first_avatar(app, window, opened, shots)
    _live_rates(app, window, processed, fps, seconds, shots)
    window.close()


def _first_avatar(app, window, opened: float, shots: Path | None) -> None:
    """Space -> avatar in the panel: how long, and whether any dialog opened."""
    from PyQt5.QtWidgets import QDialog, QMessageBox

    panel, avatars = window.style_panel, []
    panel.avatar_saved.connect(avatars.append)
    started = time.monotonic()
    window.take_snapshot()
    shown = _wait(app, lambda: bool(avatars), 60)
    first = time.monotonic() - started
    dialogs = [w for w in app.topLevelWidgets() if isinstance(w, (QDialog, QMessageBox)) and w.isVisible()]
    print(f"engine: {panel.engine.engine}; Space {started - opened:.1f} s after the window opened -> avatar in "
          f"the panel: {f'{first:.2f} s' if shown else 'none within 60 s'}; "
          f"dialogs opened: {len(dialogs)}; status: {panel.status.text()!r}")
    if shots:
        window.grab().save(str(shots / "avatar-after-snapshot.png"))


def _live_rates(app, window, processed: list[float], fps: float, seconds: float, shots: Path | None) -> None:
    """Video fps without and then with the live avatar, and the live avatar's own rate."""
    panel, painted = window.style_panel, []
    t0 = time.monotonic()
    _wait(app, lambda: False, seconds)
    without = _rate(processed, t0)
    panel.live.toggle.setChecked(True)
    panel.live.worker.avatar_painted.connect(lambda _: painted.append(time.monotonic()))
    t0 = time.monotonic()
    _wait(app, lambda: False, seconds + WARMUP_S)
    since = t0 + WARMUP_S
    print(f"video without live avatar: {without:.1f} fps processed of {fps:g}")
    print(f"video with live avatar: {_rate(processed, since):.1f} fps processed of {fps:g}; live avatar "
          f"{_rate(painted, since):.1f} fps at {panel.live.side} px ({panel.live.caption.text()}); "
          f"{panel.live.painter.dropped} of {panel.live.painter.offered} frames dropped (newest only)")
    if shots:
        window.grab().save(str(shots / "live-avatar.png"))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=15.0)
    p.add_argument("--fps", type=float, default=30.0)
    p.add_argument("--delay", type=float, default=0.0, help="seconds between the first face and the snapshot")
    p.add_argument("--shots", type=Path, default=None, help="folder for screenshots")
    args = p.parse_args(argv)
    from emocam.models.lookup import default_weights

    weights = default_weights()
    convert_in_child(weights)
    frames = demo_frames(int(args.fps * 10), args.fps)
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="emocam-avatars-") as tmp:
        run(weights, frames, args.fps, args.seconds, args.delay, Path(tmp), args.shots)
    return 0


if __name__ == "__main__":
    sys.exit(main())
