"""Measure what the analysis issue promises: ``analyze_video``'s memory on a long video, and the
speed-up of ``python -m emocam analyze ... --jobs 2`` over ``--jobs 1``.

    python tools/measure_batch.py memory --minutes 60     # a synthetic hour (320x240, 10 fps)
    python tools/measure_batch.py jobs --videos 4 --seconds 20 --rounds 4

Prints one JSON object. Videos are synthetic (the demo face drifting over a plain stage), written to a
temporary folder and deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from emocam import resources  # noqa: E402


def write_video(path: Path, frames: int, size: tuple[int, int], fps: float) -> Path:
    """The demo face (about 1/4 of the frame height) drifting around a grey stage, ``frames`` long."""
    w, h = size
    face = cv2.imread(str(resources.assets_dir("demo", "astronaut.jpg")))[26:206, 137:317]  # face + 40 px
    side = h // 2
    face = cv2.resize(face, (side, side), interpolation=cv2.INTER_AREA)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    stage = np.full((h, w, 3), 40, np.uint8)
    for i in range(frames):
        frame = stage.copy()
        x = int((w - face.shape[1]) * (0.5 + 0.4 * np.sin(i / 97)))
        y = int((h - face.shape[0]) * (0.5 + 0.3 * np.cos(i / 131)))
        frame[y: y + face.shape[0], x: x + face.shape[1]] = face
        writer.write(frame)
    writer.release()
    return path


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure_memory(minutes: float) -> dict:
    import emocam

    fps, size = 10.0, (320, 240)
    frames = int(minutes * 60 * fps)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        video = write_video(Path(tmp) / "long.mp4", frames, size, fps)
        written_s = time.perf_counter() - started
        samples, done = [], threading.Event()

        def sample():
            while not done.wait(1.0):
                samples.append(round(rss_mb(), 1))

        emocam.analyze_image(resources.assets_dir("demo", "astronaut.jpg"))  # load the model first
        before = rss_mb()
        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        started = time.perf_counter()
        table = emocam.analyze_video(video, progress=False)
        seconds = time.perf_counter() - started
        done.set()
        thread.join()
    tenths = [samples[int(len(samples) * k / 10)] for k in range(10)] + [samples[-1]] if samples else []
    return {"video": f"{frames} frames, {size[0]}x{size[1]} at {fps:g} fps ({minutes:g} min)",
            "write_s": round(written_s, 1), "analyze_s": round(seconds, 1), "rows": len(table),
            "rss_mb_before": round(before, 1), "rss_mb_at_each_tenth": tenths,
            "rss_mb_max": max(samples, default=before), "table_mb": round(table.memory_usage(deep=True).sum() / 2**20, 1)}


def measure_jobs(videos: int, seconds: float, rounds: int = 2) -> dict:
    fps, size = 15.0, (640, 480)
    with tempfile.TemporaryDirectory() as tmp:
        paths = [write_video(Path(tmp) / f"v{i}.mp4", int(seconds * fps), size, fps) for i in range(videos)]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
        walls = {}
        for jobs in (1, 2) * rounds:  # alternate, so both see the same machine load
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "emocam", "analyze", *map(str, paths), "--jobs", str(jobs),
                            "--force", "--out-dir", str(Path(tmp) / "out")], check=True, env=env,
                           capture_output=True)
            walls.setdefault(jobs, []).append(round(time.perf_counter() - started, 2))
    best = {jobs: min(times) for jobs, times in walls.items()}
    return {"videos": f"{videos} x {seconds:g} s, {size[0]}x{size[1]} at {fps:g} fps", "cpus": os.cpu_count(),
            "load_avg_1min": round(os.getloadavg()[0], 2), "wall_s": walls,
            "speedup_best": round(best[1] / best[2], 2),
            "speedup_median": round(float(np.median(walls[1]) / np.median(walls[2])), 2)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    sub.add_parser("memory").add_argument("--minutes", type=float, default=60)
    jobs = sub.add_parser("jobs")
    jobs.add_argument("--videos", type=int, default=4)
    jobs.add_argument("--seconds", type=float, default=20)
    jobs.add_argument("--rounds", type=int, default=2)
    args = p.parse_args()
    result = measure_memory(args.minutes) if args.what == "memory" else measure_jobs(args.videos, args.seconds, args.rounds)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
