"""The live path alone, in a fresh process: how long from start to the first processed frame, and how
much memory it peaks at. Started by ``python -m emocam bench``; prints one JSON object.

    python -m emocam.bench.live MODEL --started-at MONOTONIC [--source VIDEO] [--frames N]

It imports only what the app's live path imports (capture, detection, LiteRT classification, pipeline,
smoothing), so with the model already converted and cached TensorFlow must stay out of this process;
``tensorflow_imported`` says whether it did.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from emocam.live.sources import DemoSource, VideoFileSource
from emocam.models.loading import load_classifier
from emocam.live.detection import DEFAULT_CASCADE, FaceDetector
from emocam.live.pipeline import Pipeline
from emocam.live.smoothing import FaceTracker
from emocam.types import Frame


def peak_rss_mb() -> float | None:
    """This process's peak resident memory in MB (None where the OS does not say).

    On Linux this is ``VmHWM`` of this process's own memory: ``ru_maxrss`` would not do, because it
    keeps the peak of the parent's memory across the fork and exec that started this process."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB elsewhere


def _source(path: str | None):
    if path:
        return VideoFileSource(path, loop=True, realtime=False)
    return _UnpacedDemo()


class _UnpacedDemo(DemoSource):
    """The demo source without its 30 fps pacing: frames as fast as they are rendered."""

    def open(self) -> None:
        super().open()
        self._index = 0

    def read(self):
        if self._portrait is None:
            return None
        self._index += 1
        return self.render((self._index - 1) / self.fps)


def run_live(model: str, started_at: float, source: str | None, frames: int, cascade: str) -> dict:
    """Open the source, load the (cached) model, process ``frames`` frames like the app does."""
    feed = _source(source)
    feed.open()
    try:
        pipeline = Pipeline(FaceDetector(cascade), load_classifier(model), FaceTracker())
        first_frame_s = None
        for index in range(frames):
            image = feed.read()
            if image is None:
                break
            pipeline.process(Frame(image, index, time.monotonic(), feed.name))
            if first_frame_s is None:
                first_frame_s = time.monotonic() - started_at
    finally:
        feed.close()
    return {"first_frame_s": first_frame_s, "rss_mb": peak_rss_mb(),
            "tensorflow_imported": "tensorflow" in sys.modules, "keras_imported": "keras" in sys.modules}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m emocam.bench.live", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("--started-at", type=float, required=True,
                   help="time.monotonic() in the parent just before it started this process")
    p.add_argument("--source", help="a video file (default: the synthetic demo stream)")
    p.add_argument("--frames", type=int, default=60)
    p.add_argument("--cascade", default=DEFAULT_CASCADE)
    args = p.parse_args(argv)
    print(json.dumps(run_live(args.model, args.started_at, args.source, args.frames, args.cascade)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
