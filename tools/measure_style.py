"""Measure style transfer speed and its effect on the live video (no test: numbers for the notes).

    python tools/measure_style.py steps [--sizes 256 384 512] [--threads N]
        seconds per optimiser step at each size (one scale, untrained VGG19: same cost as the real one)
    python tools/measure_style.py avatar [--size 384] [--threads N] [--nice N]
        wall time to one avatar with the default settings, through the worker process
        (spawn + TensorFlow import + VGG19 build included: the first avatar of a session)
    python tools/measure_style.py fps [--seconds 10] [--rounds 3] [--threads N] [--nice N]
        live pipeline (demo source, Haar + emotion model) frames per second, in alternating windows
        without and with a job running in the painter process

Untrained weights are used so that this runs where the ImageNet file is missing; the cost per step
does not depend on the weight values.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from emocam.style.images import STYLES_DIR, load_rgb  # noqa: E402
from emocam.style.jobs import JobFailed, JobFinished, JobProgress, StyleJob, StyleJobRunner  # noqa: E402
from emocam.style.transfer import StyleSettings  # noqa: E402

PORTRAIT = REPO / "assets" / "demo" / "astronaut.jpg"


def _style() -> Path:
    return sorted(STYLES_DIR.glob("*.png"))[0]


def measure_steps(sizes: list[int], threads: int, steps: int = 6) -> None:
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    from emocam.style.transfer import StyleTransfer, build_vgg

    painter = StyleTransfer(vgg=build_vgg(None))
    content, style = load_rgb(PORTRAIT), load_rgb(_style())
    for size in sizes:
        stamps = []
        settings = StyleSettings(size=size, scales=(1.0,), steps=(steps,), face_crop=False)
        painter.stylize(content, style, settings, lambda p: stamps.append(time.perf_counter()))
        per_step = np.diff(stamps[1:])  # the first step includes tracing
        print(f"{size} px: {np.median(per_step):.2f} s/step (median of {len(per_step)}, "
              f"min {per_step.min():.2f}, threads={threads})", flush=True)


def _run_job(runner: StyleJobRunner, settings: StyleSettings, out: Path, on_progress=None) -> float:
    job = StyleJob(runner.next_id(), PORTRAIT, _style(), out / "avatar.png", settings, random_vgg_for_tests=True)
    started = time.monotonic()
    runner.submit(job)
    while True:
        event = runner.poll(0.2)
        if isinstance(event, JobProgress) and on_progress:
            on_progress(event)
        if isinstance(event, JobFailed):
            raise RuntimeError(event.message)
        if isinstance(event, JobFinished):
            return time.monotonic() - started


def measure_avatar(size: int, threads: int, nice: int) -> None:
    settings = StyleSettings(size=size)
    runner = StyleJobRunner(threads=threads, nice=nice)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            cold = _run_job(runner, settings, Path(tmp))
            warm = _run_job(runner, settings, Path(tmp))
            peak = _peak_memory_mb(runner.pid)
        finally:
            runner.close()
    print(f"{size} px avatar, steps {settings.steps} at sides "
          f"{[settings.side_at(s) for s in settings.scales]}, threads={threads}, nice={nice}: "
          f"first {cold:.1f} s (process start + TensorFlow import + VGG19 build), next {warm:.1f} s; "
          f"painter process peak memory {peak} MB")


def _peak_memory_mb(pid: int | None) -> str:
    try:
        line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmHWM"))
        return str(int(line.split()[1]) // 1024)
    except (OSError, StopIteration, TypeError):
        return "?"


def _pipeline():
    from emocam.models.loading import load_classifier
    from emocam.live.detection import FaceDetector
    from emocam.live.pipeline import Pipeline
    from emocam.models.lookup import default_weights

    try:
        model = default_weights()
    except (OSError, ValueError):  # no trained model here: an untrained one costs the same
        from emocam.models.architectures import build

        model = Path(tempfile.mkdtemp()) / "untrained.keras"
        build("mini_xception", 48).save(model)
    return Pipeline(FaceDetector(), load_classifier(model))


def _live_fps(pipeline, seconds: float) -> tuple[float, float, float]:
    """(delivered fps from a paced 30 fps demo camera, p95 ms per frame, unpaced frames per second)."""
    from emocam.live.sources import DemoSource
    from emocam.live.slot import LatestFrame
    from emocam.types import Frame

    source, slot, stop = DemoSource(), LatestFrame(), threading.Event()
    source.open()

    def capture() -> None:
        i = 0
        while not stop.is_set():
            slot.put(Frame(source.read(), i, time.monotonic(), "demo"))
            i += 1

    thread = threading.Thread(target=capture, daemon=True)
    thread.start()
    costs, end = [], time.monotonic() + seconds / 2
    while time.monotonic() < end:
        frame = slot.take(0.5)
        if frame is not None:
            t0 = time.perf_counter()
            pipeline.process(frame)
            costs.append(time.perf_counter() - t0)
    stop.set()
    thread.join()
    frames, end, t0 = 0, time.monotonic() + seconds / 2, time.monotonic()
    while time.monotonic() < end:  # back to back: the most the pipeline can do now
        pipeline.process(Frame(source.render(frames / 30), frames, time.monotonic(), "demo"))
        frames += 1
    return len(costs) / (seconds / 2), 1000 * float(np.percentile(costs, 95)), frames / (time.monotonic() - t0)


def measure_fps(seconds: float, threads: int, nice: int, rounds: int = 3) -> None:
    """Alternate windows without and with a job running, so that other load on the machine hits both alike."""
    pipeline = _pipeline()
    runner = StyleJobRunner(threads=threads, nice=nice)
    settings = StyleSettings(size=384, steps=(4000, 1, 1))  # runs until cancelled
    results: dict[str, list] = {"without": [], "with": []}
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for _ in range(rounds):
                results["without"].append(_live_fps(pipeline, seconds))
                job = StyleJob(runner.next_id(), PORTRAIT, _style(), Path(tmp) / "a.png", settings,
                               random_vgg_for_tests=True)
                runner.submit(job)
                while not isinstance(runner.poll(1.0), JobProgress):  # measure while it optimises
                    pass
                results["with"].append(_live_fps(pipeline, seconds))
                runner.cancel(job.job_id)
                while runner.busy:
                    runner.poll(0.2)
        finally:
            runner.close()
    for name, rows in results.items():
        delivered, p95, unpaced = (np.median([r[i] for r in rows]) for i in range(3))
        print(f"{name} a job (threads={threads}, nice={nice}): {delivered:.1f} fps delivered of 30 "
              f"(p95 {p95:.0f} ms/frame), {unpaced:.1f} fps unpaced; medians of {rounds} windows of {seconds:.0f} s: "
              + ", ".join(f"{r[0]:.1f}/{r[2]:.1f}" for r in rows))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("steps", "avatar", "fps"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 384, 512])
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--threads", type=int, default=max(1, (os.cpu_count() or 2) - 1))
    parser.add_argument("--nice", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.what == "steps":
        measure_steps(args.sizes, args.threads)
    elif args.what == "avatar":
        measure_avatar(args.size, args.threads, args.nice)
    else:
        measure_fps(args.seconds, args.threads, args.nice, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
