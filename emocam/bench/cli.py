"""``python -m emocam bench``: the classic tutorial loop (imutils + Haar at 400 px + Keras
``model.predict`` per face) against emocam's own live pipeline, in one process, on the same frames,
taking turns every few frames so that both see the same machine load. The result that matters is
the ratio emocam/classic: absolute times depend on the machine and on whatever else runs on it.

Also measured: the classifier alone per face (Keras ``model.predict`` against LiteRT), and, in a
fresh process that imports only the live path with the model already converted, the time from start
to the first processed frame and the peak memory (RSS)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from emocam.cli.args import int_in_range
from emocam.bench.loops import ClassicLoop, EmocamLoop, LoopRecord, run_interleaved
from emocam.bench.recall import recall_summary, reference_boxes
from emocam.live.detection import DEFAULT_CASCADE, FaceDetector
from emocam import resources

log = logging.getLogger(__name__)

WARMUP_FRAMES = 5
MAX_FRAME_BYTES = 1 << 30  # distinct frames kept in memory; a longer run cycles through them


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout instead of the table")
    p.add_argument("--frames", type=_frame_count, default=300, metavar="N", help="frames per loop (default 300)")
    p.add_argument("--source", metavar="PATH",
                   help="a video file (default: a synthetic 640x480 stream of the demo portrait moving a little)")
    p.add_argument("--plot", metavar="OUT.png", help="save a per-stage comparison chart")
    p.add_argument("--weights", help="a Keras model (.keras/.h5; default: the shipped model in weights/)")
    p.add_argument("--cascade", default=DEFAULT_CASCADE, help="Haar cascade name or XML path (both loops)")


def run(args: argparse.Namespace) -> int:
    from emocam.bench.report import format_table, save_plot, summarize

    frames, source = load_frames(args.source, args.frames)  # a bad --source is named first
    keras_file, runtime = _weights(args.weights)
    records = compare(frames, keras_file, runtime, args.cascade)
    live = measure_live(runtime, args.source, args.cascade)
    report = summarize(records, live, frames=len(frames), source=source, model=runtime.name)
    report.update(recall_summary(reference_boxes(frames, FaceDetector(args.cascade)),
                                 dict(zip(("classic", "emocam"), records))))
    if args.plot:
        save_plot(report, Path(args.plot))
    print(json.dumps(report) if args.json else format_table(report))
    return 0


_frame_count = int_in_range(10, 100_000, "a whole number of frames")


def _weights(path: str | None) -> tuple[Path, Path]:
    """(the Keras file for the classic loop, the file emocam runs). A ``.tflite`` (like the shipped
    default) is run as is, and its same-named ``.keras`` twin serves the classic loop."""
    from emocam.errors import UsageError
    from emocam.models.lookup import default_weights

    runtime = Path(path) if path else default_weights()
    keras_file = runtime.with_suffix(".keras") if runtime.suffix.lower() == ".tflite" else runtime
    if not _is_full_keras(keras_file) or not keras_file.is_file():
        raise UsageError(f"{runtime}: the bench runs the classic loop with Keras model.predict, so it needs "
                         "a full Keras model (.keras, .h5 or .hdf5), or a .tflite with its .keras twin beside it")
    return keras_file, runtime


def _is_full_keras(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith((".keras", ".h5", ".hdf5")) and not name.endswith(".weights.h5")


def load_frames(source: str | None, count: int) -> tuple[list[np.ndarray], str]:
    """``count`` BGR frames (as OpenCV delivers them) and a description of where they came from."""
    if source:
        return video_frames(Path(source), count), f"{Path(source).name} (first frames, cycled if short)"
    return synthetic_frames(count), "synthetic 640x480 demo portrait, moving"


def synthetic_frames(count: int, fps: float = 30.0) -> list[np.ndarray]:
    """The built-in demo at ``fps``: a real face drifting, breathing and flickering on a 640x480 stage."""
    from emocam.live.sources import DemoSource

    demo = DemoSource()
    demo.open()
    try:
        unique = max(1, min(count, MAX_FRAME_BYTES // (640 * 480 * 3)))
        frames = [cv2.cvtColor(demo.render(i / fps), cv2.COLOR_RGB2BGR) for i in range(unique)]
    finally:
        demo.close()
    return [frames[i % len(frames)] for i in range(count)]


def video_frames(path: Path, count: int) -> list[np.ndarray]:
    """The first ``count`` frames of a video (cycled when it is shorter or too big to keep)."""
    from emocam.cli.analyze import open_video

    cap, _, first = open_video(path)
    frames, budget = [first], MAX_FRAME_BYTES - first.nbytes
    try:
        while len(frames) < count and budget >= first.nbytes:
            ok, bgr = cap.read()
            if not ok:
                break
            frames.append(bgr)
            budget -= bgr.nbytes
    finally:
        cap.release()
    return [frames[i % len(frames)] for i in range(count)]


def compare(frames: list[np.ndarray], keras_file: Path, runtime: Path, cascade: str) -> list[LoopRecord]:
    """The classic loop's and emocam's records over ``frames``, after a short warm-up of each."""
    from emocam.models.probe import open_model
    from emocam.live.pipeline import Pipeline
    from emocam.live.smoothing import FaceTracker

    classifier = open_model(runtime)  # checked (in a child unless shipped); fills the cache the live process reads
    detector = FaceDetector(cascade)
    classic = ClassicLoop(load_keras_model(keras_file), detector.path)
    run_interleaved(frames[:WARMUP_FRAMES], [classic, EmocamLoop(Pipeline(detector, classifier, FaceTracker()))])
    emocam = EmocamLoop(Pipeline(detector, classifier, FaceTracker()))  # the app's defaults, fresh state
    return run_interleaved(frames, [classic, emocam])


def load_keras_model(path: Path):
    """The model as the tutorials load it (``keras.models.load_model(compile=False)``), after the same
    allow-list check emocam applies to every Keras file."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from emocam.models.probe import open_keras

    return open_keras(path)  # checked in a child unless shipped, then allow-list + safe_mode


def measure_live(weights: Path, source: str | None, cascade: str) -> dict:
    """Start-to-first-frame seconds and peak RSS of the live path in a fresh process (see
    :mod:`emocam.bench.live`); the model must already be converted and cached."""
    package_root = str(resources.ROOT)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])))
    from emocam.bench import live as live_bench  # run as a module of its own, in a fresh process

    command = [sys.executable, "-m", live_bench.__name__, str(weights), "--cascade", cascade]
    command += ["--source", source] if source else []
    started_at = time.monotonic()
    done = subprocess.run(command + ["--started-at", repr(started_at)], capture_output=True, text=True,
                          env=env, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"the live-path process failed (exit {done.returncode}): "
                           f"{done.stderr.strip().splitlines()[-1:] or 'no message'}")
    return json.loads(done.stdout.strip().splitlines()[-1])
