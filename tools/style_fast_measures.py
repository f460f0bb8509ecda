"""The fast engine's measures for tools/measure_style.py: fast vs Gatys per avatar, and the live avatar
beside the live video (split out to keep each file short)."""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from emocam.style.images import load_rgb
from emocam.style.jobs import JobFailed, JobFinished, StyleJob, StyleJobRunner
from emocam.style.transfer import StyleSettings
from measure_style import PORTRAIT, _pipeline, _style


def measure_compare(size: int, threads: int, repeats: int, gatys_weights: Path | None) -> None:
    """Fast vs Gatys on the same photo and style, then the first fast avatar through the painter process."""
    from emocam.style.fast import FastStyleTransfer

    content, style = load_rgb(PORTRAIT), load_rgb(_style())
    started = time.perf_counter()
    fast = FastStyleTransfer(threads=threads)
    load_ms = 1000 * (time.perf_counter() - started)
    settings = StyleSettings(size=size)
    fast_ms = []
    for _ in range(repeats + 1):  # the first run also computes the style vector and warms up
        t0 = time.perf_counter()
        fast.stylize(content, style, settings)
        fast_ms.append(1000 * (time.perf_counter() - t0))
    fast_median = float(np.median(fast_ms[1:]))
    print(f"fast {size} px ({PORTRAIT.name} in {_style().stem}, face crop on, threads={threads}): "
          f"median {fast_median:.0f} ms of {repeats} (min {min(fast_ms[1:]):.0f}, first {fast_ms[0]:.0f}); "
          f"networks loaded and checked in {load_ms:.0f} ms", flush=True)
    gatys_s, weights_note = _time_gatys(content, style, StyleSettings(size=size, engine="gatys"), threads,
                                        gatys_weights)
    print(f"gatys {size} px, default steps {StyleSettings().steps} ({weights_note}): {gatys_s:.1f} s", flush=True)
    print(f"ratio gatys / fast per avatar: {1000 * gatys_s / fast_median:.0f}x", flush=True)
    first = _first_fast_avatar(size, threads)
    print(f"first fast avatar through the painter process (spawn + imports + networks + paint): {first:.2f} s")


def _time_gatys(content, style, settings: StyleSettings, threads: int, weights: Path | None) -> tuple[float, str]:
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    from emocam.style.transfer import StyleTransfer, build_vgg
    from emocam.style.vgg_weights import find_weights

    weights = weights or find_weights()
    painter = StyleTransfer(weights) if weights else StyleTransfer(vgg=build_vgg(None))
    note = f"ImageNet weights {weights.name}" if weights else "random-init VGG19: same cost per step, no art"
    t0 = time.perf_counter()
    painter.stylize(content, style, settings)
    return time.perf_counter() - t0, note


def _first_fast_avatar(size: int, threads: int) -> float:
    runner = StyleJobRunner(threads=threads)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            job = StyleJob(runner.next_id(), PORTRAIT, _style(), Path(tmp) / "avatar.png", StyleSettings(size=size))
            started = time.monotonic()
            runner.submit(job)
            while True:
                event = runner.poll(0.05)
                if isinstance(event, JobFailed):
                    raise RuntimeError(event.message)
                if isinstance(event, JobFinished):
                    return time.monotonic() - started
        finally:
            runner.close()


def measure_live(side: int, seconds: float, rounds: int) -> None:
    """The live video (demo camera paced at 30 fps, Haar + emotion model) without and with the live avatar."""
    from emocam.style.live import LivePainter

    pipeline = _pipeline()
    rows: dict[str, list] = {"without": [], "with": []}
    painter = LivePainter(side=side)
    try:
        for _ in range(rounds):
            rows["without"].append(_video_and_live(pipeline, seconds, None))
            rows["with"].append(_video_and_live(pipeline, seconds, painter))
    finally:
        painter.close()
    for name, values in rows.items():
        video, live, paint_ms = (float(np.median([v[i] for v in values])) for i in range(3))
        extra = f", live avatar {live:.1f} fps at {side} px ({paint_ms:.0f} ms a painting)" if name == "with" else ""
        print(f"{name} the live avatar: video {video:.1f} fps of 30{extra}; medians of {rounds} windows of "
              f"{seconds:.0f} s: " + ", ".join(f"{v[0]:.1f}/{v[1]:.1f}" for v in values))
    print(f"painter: {painter.offered} frames offered, {painter.painted} painted, {painter.dropped} dropped (newest only)")


def _video_and_live(pipeline, seconds: float, painter) -> tuple[float, float, float]:
    """(video frames processed per second, live paintings per second, median ms per painting)."""
    from emocam.live.slot import LatestFrame
    from emocam.live.sources import DemoSource
    from emocam.style.live import LiveAvatar
    from emocam.types import Frame

    source, slot, stop = DemoSource(), LatestFrame(), threading.Event()
    source.open()
    painted: list[float] = []

    def capture() -> None:
        i = 0
        while not stop.is_set():
            slot.put(Frame(source.read(), i, time.monotonic(), "demo"))
            i += 1

    def collect() -> None:
        while not stop.is_set():
            answer = painter.poll(0.05)
            if isinstance(answer, LiveAvatar):
                painted.append(answer.paint_ms)

    threads = [threading.Thread(target=capture, daemon=True)]
    threads += [threading.Thread(target=collect, daemon=True)] if painter is not None else []
    for thread in threads:
        thread.start()
    if painter is not None:  # the painter process is started and warm before the window opens
        _warm_up(painter, slot, painted)
    frames = _process_for(pipeline, slot, painter, seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return frames / seconds, len(painted) / seconds, float(np.median(painted)) if painted else 0.0


def _warm_up(painter, slot, painted: list) -> None:
    painter.offer(slot.take(1.0), None, _style())
    while not painted:
        time.sleep(0.05)
    painted.clear()


def _process_for(pipeline, slot, painter, seconds: float) -> int:
    """Frames the pipeline processed in ``seconds``, each offered to ``painter`` (when there is one)."""
    frames, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        frame = slot.take(0.5)
        if frame is None:
            continue
        result = pipeline.process(frame)
        frames += 1
        if painter is not None:
            face = result.largest
            painter.offer(result.frame, face.box if face else None, _style())
    return frames
