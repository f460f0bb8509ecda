"""Soak test: the real window on a fake 30 fps camera with faces, sampling RSS, threads and open files.

    QT_QPA_PLATFORM=offscreen python tools/soak.py --seconds 1800 --warmup 120 --weights MODEL [--json]

After the warm-up, RSS may grow at most ``--max-rss-growth-mb`` and the thread and open-file counts
must stay flat (within ``--slack``). Exit code 1 when they do not; the samples are printed either way.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def sample() -> dict:
    """RSS (MB), thread count and open file descriptors of this process, from /proc."""
    with open("/proc/self/status") as fh:
        rss_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
    return {"rss_mb": round(rss_kb / 1024, 1), "threads": len(os.listdir("/proc/self/task")),
            "fds": len(os.listdir("/proc/self/fd"))}


def camera_frames():
    """Twelve 640x480 frames of the demo face moving a little (a fake camera that never repeats)."""
    from emocam.live.sources import DemoSource

    demo = DemoSource()
    demo.open()
    return [demo.render(t / 5) for t in range(12)]


def run(args) -> dict:
    from PyQt5.QtCore import QSettings, QTimer
    from PyQt5.QtWidgets import QApplication

    from emocam.live.sources import FramesSource
    from ui.app import compose
    from ui.config import AppConfig

    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp(prefix="emocam-soak-"))
    source = FramesSource(camera_frames(), fps=30, name="Soak camera", is_camera=True)
    window = compose(AppConfig(source=source, weights=Path(args.weights), output_dir=tmp / "snaps",
                                  weights_dir=tmp, probe_cameras=False,
                                  settings=QSettings(str(tmp / "soak.ini"), QSettings.IniFormat)))
    window.show()
    samples, started = [], time.monotonic()

    def tick():
        elapsed = time.monotonic() - started
        frames = window.last_result.frame.index if window.last_result else 0
        samples.append({"t": round(elapsed, 1), "frames": frames, **sample()})
        if args.snapshot_every and len(samples) % max(1, args.snapshot_every // args.interval) == 0:
            window.take_snapshot()
        if elapsed >= args.seconds:
            window.close()
            app.quit()

    timer = QTimer(interval=int(args.interval * 1000), timeout=tick)
    timer.start()
    app.exec_()
    saved = len(list((tmp / "snaps").glob("*.png")))
    shutil.rmtree(tmp, ignore_errors=True)
    return verdict(samples, args) | {"snapshots_saved": saved}


def verdict(samples: list[dict], args) -> dict:
    """Compare the first sample after warm-up with the last ones."""
    after = [s for s in samples if s["t"] >= args.warmup] or samples
    base, tail = after[0], after[-3:] if len(after) >= 3 else after[-1:]
    growth = {k: max(s[k] for s in tail) - base[k] for k in ("rss_mb", "threads", "fds")}
    span_s = tail[-1]["t"] - base["t"]
    fps = (tail[-1]["frames"] - base["frames"]) / span_s if span_s > 0 else 0.0
    ok = (growth["rss_mb"] <= args.max_rss_growth_mb and growth["threads"] <= args.slack
          and growth["fds"] <= args.slack and fps > 1)
    return {"ok": ok, "seconds": args.seconds, "warmup_s": args.warmup, "growth_after_warmup": growth,
            "processed_fps": round(fps, 1), "samples": samples}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", required=True, help="emotion model (.tflite loads without TensorFlow)")
    p.add_argument("--seconds", type=float, default=1800)
    p.add_argument("--warmup", type=float, default=120)
    p.add_argument("--interval", type=float, default=10)
    p.add_argument("--snapshot-every", type=int, default=60, help="seconds between snapshots (0: none)")
    p.add_argument("--max-rss-growth-mb", type=float, default=20)
    p.add_argument("--slack", type=int, default=2, help="allowed growth in threads and open files")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    result = run(args)
    if args.json:
        print(json.dumps(result))
    else:
        for s in result["samples"]:
            print(f"{s['t']:8.1f} s  frames {s['frames']:7d}  rss {s['rss_mb']:7.1f} MB  "
                  f"threads {s['threads']:3d}  fds {s['fds']:4d}")
        print(f"growth after warm-up: {result['growth_after_warmup']}  fps {result['processed_fps']}  "
              f"{'OK' if result['ok'] else 'FAILED'}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
