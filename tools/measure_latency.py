"""Capture-to-display latency and processed frames per second of the real app window (no test:
numbers for the notes and the README).

    python tools/measure_latency.py [--weights MODEL] [--seconds 20] [--fps 30]

Runs ui.main_window.MainWindow offscreen (QT_QPA_PLATFORM=offscreen) on a 30 fps FramesSource of
640x480 frames of the demo portrait moving a little (one face), for ``--seconds``, then prints:

- p95 of ``window.latencies`` in ms (what the status bar shows: its last 150 frames), and the
  median/p95 over every frame after the warm-up, each measured like the window does it, from
  ``Frame.timestamp`` (set by the capture worker right after the source delivered the frame) to
  the end of the VideoView paint that showed it;
- processed frames per second (frame_processed signals per second after the warm-up);
- the status bar's own fps and latency text, and whether TensorFlow was imported (it must not be:
  the model is converted and cached in a separate process first).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

WARMUP_S = 3.0


def demo_frames(count: int, fps: float) -> list[np.ndarray]:
    """``count`` RGB 640x480 frames of the demo at ``fps`` (a face drifting and breathing)."""
    from emocam.live.sources import DemoSource

    demo = DemoSource()
    demo.open()
    try:
        return [demo.render(i / fps) for i in range(count)]
    finally:
        demo.close()


def convert_in_child(weights: Path) -> None:
    """Convert and cache the model in another process, so this one loads it without TensorFlow."""
    code = "import sys; from emocam.models.loading import load_classifier; load_classifier(sys.argv[1])"
    subprocess.run([sys.executable, "-c", code, str(weights)], check=True, cwd=REPO,
                   env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True)


class Recorder:
    """Collects latency samples (like MainWindow does) and processed-frame times after the warm-up."""

    def __init__(self, window, started: float):
        self.window, self.started = window, started
        self.latencies: list[float] = []
        self.processed: list[float] = []

    def on_frame_processed(self, _result) -> None:
        now = time.monotonic()
        if now - self.started < WARMUP_S:
            return
        view = self.window.video_view
        if view.last_paint_timestamp and view.last_painted_frame_timestamp:
            self.latencies.append(view.last_paint_timestamp - view.last_painted_frame_timestamp)
        self.processed.append(now)

    def fps(self) -> float:
        p = self.processed
        return (len(p) - 1) / (p[-1] - p[0]) if len(p) > 2 else 0.0


def run_window(weights: Path, frames: list[np.ndarray], fps: float, seconds: float, tmp: Path) -> dict:
    from PyQt5.QtCore import QSettings, QTimer
    from PyQt5.QtWidgets import QApplication

    from emocam.live.sources import FramesSource
    from ui.app import compose
    from ui.config import AppConfig

    app = QApplication.instance() or QApplication([sys.argv[0]])
    settings = QSettings(str(tmp / "settings.ini"), QSettings.IniFormat)
    config = AppConfig(source=FramesSource(frames, fps=fps, name="30 fps frames"), weights=weights,
                       output_dir=tmp / "out", weights_dir=tmp / "weights", probe_cameras=False,
                       settings=settings)
    (tmp / "weights").mkdir(exist_ok=True)
    window = compose(config)
    recorder = Recorder(window, time.monotonic())
    window.processor.frame_processed.connect(recorder.on_frame_processed)
    window.show()
    QTimer.singleShot(int(seconds * 1000), app.quit)
    app.exec_()
    result = {"window_p95_ms": 1e3 * float(np.percentile(list(window.latencies), 95)) if window.latencies else None,
              "status": " | ".join(window.status_labels[k].text() for k in ("model", "fps", "latency", "faces")),
              "recorder": recorder}
    window.close()
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", type=Path, help="model file (default: the shipped model)")
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--fps", type=float, default=30.0)
    args = p.parse_args(argv)
    from emocam.models.lookup import default_weights

    weights = args.weights or default_weights()
    convert_in_child(weights)
    frames = demo_frames(int(args.fps * 10), args.fps)  # 10 s of video, looped
    with tempfile.TemporaryDirectory(prefix="emocam-latency-") as tmp:
        out = run_window(weights, frames, args.fps, args.seconds, Path(tmp))
    rec = out["recorder"]
    ms = 1e3 * np.array(rec.latencies) if rec.latencies else np.array([np.nan])
    print(f"source: {args.fps:g} fps, 640x480, one face; {args.seconds:g} s, first {WARMUP_S:g} s not counted")
    print(f"latency p95 (window.latencies, last {150} frames): {out['window_p95_ms']:.1f} ms")
    print(f"latency over {len(rec.latencies)} frames: median {np.median(ms):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms, "
          f"max {ms.max():.1f} ms")
    print(f"processed: {rec.fps():.1f} fps")
    print(f"status bar: {out['status']}")
    print(f"TensorFlow imported: {'tensorflow' in sys.modules}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
