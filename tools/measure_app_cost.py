"""What the whole app costs a laptop: CPU time per displayed frame and % of one core, split by stage,
for the REAL window (``ui.app.compose``) playing a synthetic clip in real time (no test: numbers for
the notes and the README).

    python tools/measure_app_cost.py [--faces 4] [--size 1280x720] [--seconds 20] [--py-spy] [--json]
    python tools/measure_app_cost.py --table [--seconds 15]     # 1, 4, 8 faces x 640x480, 1280x720, 1920x1080

Each run writes a Motion-JPEG clip of ``--faces`` faces (``emocam.bench.clips``) and plays it at
30 fps through ``VideoFileSource`` (so decoding is measured too) in the window, 1366x768, offscreen
(``QT_QPA_PLATFORM=offscreen``: Qt paints into its raster backing store as on screen; only the final
copy to a display is missing). After ``--warmup`` seconds it measures, for ``--seconds``:

- process CPU time (``time.process_time``) per displayed frame and as % of one core (measured, and
  scaled to 30 displayed frames a second), with the machine's load average before and after;
- the split by stage from timers (see ``tools/app_cost_stages.py``: per-thread CPU clocks for the
  capture and processing threads, ``time.thread_time`` around conversion and painting, the rest of
  the GUI thread as ``widgets``) and, with ``--py-spy``, from py-spy samples of the same seconds;
- frames captured, processed and displayed per second; how many frames were converted to QImage and
  how often each panel repainted; capture-to-display latency median / p95 (``Frame.timestamp``,
  taken when the source delivered the frame, to the end of the VideoView paint that showed it).

OpenCV's worker threads are started by the capture thread and carry its name, so they count as
``decode`` although they also run parts of the pipeline's and the view's OpenCV calls; ``--cv-threads 1``
gives a clean split (and a different app). ``--table`` runs each case in a fresh process and prints a
Markdown table.
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

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from app_cost_stages import STAGES, CpuTimers, finish_py_spy, start_py_spy, thread_cpu_s  # noqa: E402

SIZES = ((640, 480), (1280, 720), (1920, 1080))
FACES = (1, 4, 8)
PANEL_PAINTS = {"bars": "probability_bars", "emoji": "emoji_panel", "timeline": "timeline_view",
                "video": "video_view"}


class Probe:
    """Wraps the real window's functions with timers and counts; reads stage CPU at two moments."""

    def __init__(self, window, source):
        self.window, self.timers = window, CpuTimers()
        self.latencies: list[float] = []
        self.shown_frames = 0
        self._last_shown: float | None = None
        self.gui_ident = threading.get_ident()
        self._instrument(window, source)

    def _instrument(self, window, source) -> None:
        import ui.widgets.video_view as video_view_module

        t = self.timers
        source.read = t.wrap("decode_read", source.read)
        window.session.process = t.wrap("pipeline_process", window.session.process)
        for name in ("rgb_to_display", "rgb_to_qimage"):  # whichever conversion this version of the view uses
            if hasattr(video_view_module, name):
                setattr(video_view_module, name, t.wrap("convert", getattr(video_view_module, name)))
        for name, attr in PANEL_PAINTS.items():
            widget = getattr(window, attr)
            cls = type(widget)
            original = cls.paintEvent
            timed = t.wrap("paint" if name == "video" else f"paint_{name}", original)
            if name == "video":
                timed = self._after_video_paint(timed)
            cls.paintEvent = timed

    def _after_video_paint(self, paint):
        def painted(view, event):
            paint(view, event)
            shown = view.last_painted_frame_timestamp
            if shown is not None and shown != self._last_shown:
                self._last_shown = shown
                self.shown_frames += 1
                self.latencies.append(time.monotonic() - shown)

        return painted

    def read(self) -> dict:
        """Cumulative CPU seconds per stage and counts so far (call on the GUI thread)."""
        seconds, calls = self.timers.snapshot()
        threads = self.timers.threads
        gui = thread_cpu_s(self.gui_ident)
        by_name = os_threads()
        # the capture thread and the decoder threads it starts (they inherit its name), the processing thread
        decode = max(thread_cpu_s(threads.get("decode_read")), _named(by_name, "CaptureWorker"))
        pipeline = max(thread_cpu_s(threads.get("pipeline_process")), _named(by_name, "ProcessWorker"))
        total = time.process_time()
        stages = {"decode": decode, "pipeline": pipeline, "convert": seconds["convert"], "paint": seconds["paint"]}
        stages["widgets"] = gui - stages["convert"] - stages["paint"]
        stages["other"] = total - decode - pipeline - gui
        panels = {k: seconds[f"paint_{k}"] for k in PANEL_PAINTS if k != "video"}
        return {"t": time.monotonic(), "cpu": total, "stages": stages, "panels": panels, "calls": dict(calls),
                "shown": self.shown_frames, "latencies": len(self.latencies), "threads": by_name,
                "children": children_cpu_s()}


def os_threads() -> dict[str, float]:
    """CPU seconds of every thread of this process by ``name (tid)``, from /proc (Linux; else empty)."""
    out, tick = {}, os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for task in Path("/proc/self/task").glob("*"):
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue
        name, fields = stat[stat.index("(") + 1: stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
        out[f"{name} ({task.name})"] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return out


def children_cpu_s() -> float | None:
    """CPU seconds of the app's child processes (the avatar painter), py-spy left out; None without psutil."""
    try:
        import psutil
    except ImportError:
        return None
    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            if "py-spy" not in child.name():
                times = child.cpu_times()
                total += times.user + times.system
        except psutil.Error:
            continue
    return total


def _named(threads: dict[str, float], prefix: str) -> float:
    return sum(v for k, v in threads.items() if k.startswith(prefix))


def busiest_threads(a: dict, b: dict, wall: float, top: int = 6) -> dict[str, float]:
    """% of one core used by each of the busiest threads between two readings."""
    used = {k: b["threads"][k] - a["threads"].get(k, 0.0) for k in b["threads"]}
    return {k: round(100 * v / wall, 1) for k, v in sorted(used.items(), key=lambda kv: -kv[1])[:top] if v > 0}


def delta(a: dict, b: dict) -> dict:
    """What happened between two readings. Each stage's CPU is divided by the frames that stage
    handled (decode: frames captured; pipeline: frames processed; the GUI stages: frames displayed),
    so ``stages_ms_per_frame`` sums to the CPU one frame costs end to end even when a loaded machine
    starves a stage and frames are dropped; ``core_pct_at_30fps`` is that sum at 30 frames a second."""
    wall = b["t"] - a["t"]
    calls = {k: b["calls"].get(k, 0) - a["calls"].get(k, 0) for k in b["calls"]}
    frames = {"decode": calls.get("decode_read", 0), "pipeline": calls.get("pipeline_process", 0)}
    shown = b["shown"] - a["shown"]
    per_frame = {s: 1e3 * (b["stages"][s] - a["stages"][s]) / max(frames.get(s, shown), 1) for s in STAGES}
    cpu = b["cpu"] - a["cpu"]
    return {
        "wall_s": round(wall, 2), "cpu_s": round(cpu, 3),
        "core_pct": round(100 * cpu / wall, 1),
        "displayed_fps": round(shown / wall, 2),
        "captured_fps": round(frames["decode"] / wall, 2),
        "processed_fps": round(frames["pipeline"] / wall, 2),
        "converted_per_s": round(calls.get("convert", 0) / wall, 2),
        "repaints_per_s": {k: round(calls.get(f"paint_{k}" if k != "video" else "paint", 0) / wall, 1)
                           for k in PANEL_PAINTS},
        "cpu_ms_per_displayed_frame": round(1e3 * cpu / max(shown, 1), 2),
        "stages_ms_per_frame": {s: round(v, 2) for s, v in per_frame.items()},
        "cpu_ms_per_frame": round(sum(per_frame.values()), 2),
        "core_pct_at_30fps": round(3 * sum(per_frame.values()), 1),
        "threads_core_pct": busiest_threads(a, b, wall),
        "child_processes_core_pct": None if b["children"] is None else round(100 * (b["children"] - a["children"]) / wall, 1),
        "panels_ms_per_frame": {k: round(1e3 * (b["panels"][k] - a["panels"][k]) / max(shown, 1), 2)
                                for k in b["panels"]},
    }


def open_window(clip: Path, args, tmp: Path):
    """The QApplication and the real window playing ``clip`` in real time, instrumented and shown."""
    from PyQt5.QtCore import QSettings
    from PyQt5.QtWidgets import QApplication

    from emocam.live.sources import VideoFileSource
    from ui.app import compose
    from ui.config import AppConfig

    app = QApplication.instance() or QApplication([sys.argv[0]])
    if args.cv_threads is not None:  # to compare with what the app chooses
        import cv2

        cv2.setNumThreads(args.cv_threads)
    source = VideoFileSource(clip, loop=True, realtime=True)
    (tmp / "weights").mkdir(exist_ok=True)
    config = AppConfig(source=source, output_dir=tmp / "out", weights_dir=tmp / "weights", probe_cameras=False,
                       settings=QSettings(str(tmp / "settings.ini"), QSettings.IniFormat))
    window = compose(config)
    probe = Probe(window, source)
    window.resize(*args.window)
    window.show()
    return app, window, probe


def run_window(clip: Path, args, tmp: Path) -> dict:
    """Warm up, measure ``args.seconds``, close: the numbers of :func:`delta` plus latency and load."""
    from PyQt5.QtCore import QTimer

    app, window, probe = open_window(clip, args, tmp)
    marks: dict = {}
    spy = {}

    def start():
        marks["a"] = probe.read()
        marks["load_before"] = os.getloadavg()
        if args.py_spy:
            spy["proc"] = start_py_spy(args.seconds, tmp / "spy.txt")
        QTimer.singleShot(int(args.seconds * 1000), stop)

    def stop():
        marks["b"] = probe.read()
        marks["load_after"] = os.getloadavg()
        app.quit()

    QTimer.singleShot(int(args.warmup * 1000), start)
    app.exec_()
    window.close()
    out = delta(marks["a"], marks["b"])
    lat = np.array(probe.latencies[marks["a"]["latencies"]: marks["b"]["latencies"]]) * 1e3
    out["latency_ms"] = {"median": round(float(np.median(lat)), 1), "p95": round(float(np.percentile(lat, 95)), 1)} \
        if len(lat) else None
    out["load_avg"] = [round(v, 2) for v in marks["load_before"] + marks["load_after"]]
    out["video_view_px"] = [window.video_view.width(), window.video_view.height()]
    if args.py_spy:
        w = out["wall_s"]
        frames = {"decode": out["captured_fps"] * w, "pipeline": out["processed_fps"] * w}
        out["py_spy"] = finish_py_spy(spy["proc"], tmp / "spy.txt", frames, out["displayed_fps"] * w)
    return out


def parse_size(text: str) -> tuple[int, int]:
    from emocam.bench.clips import parse_size as parse

    return parse(text)


def one(args) -> dict:
    from emocam.bench.clips import write_clip

    with tempfile.TemporaryDirectory(prefix="emocam-app-cost-") as tmp:
        tmp = Path(tmp)
        clip = Path(args.clip) if args.clip else write_clip(tmp / "clip.avi", args.faces, *args.size, 10.0, 30.0)
        out = run_window(clip, args, tmp)
    out.update(faces=args.faces, size=f"{args.size[0]}x{args.size[1]}", clip=str(args.clip or "synthetic"))
    return out


def table(args) -> str:
    rows = ["| faces | frame size | fps shown | CPU ms / frame | % of one core at 30 fps | % measured | "
            "decode / pipeline / convert / paint / widgets / other ms | latency p50 / p95 ms | load avg |",
            "| ---: | --- | ---: | ---: | ---: | ---: | --- | --- | --- |"]
    for size in SIZES:
        for faces in FACES:
            command = [sys.executable, __file__, "--json", "--faces", str(faces), "--size", f"{size[0]}x{size[1]}",
                       "--seconds", str(args.seconds), "--warmup", str(args.warmup)]
            done = subprocess.run(command, capture_output=True, text=True, timeout=args.seconds + args.warmup + 120)
            if done.returncode:
                rows.append(f"| {faces} | {size[0]}x{size[1]} | failed: {done.stderr.strip().splitlines()[-1:]} |")
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            st = r["stages_ms_per_frame"]
            lat = r["latency_ms"] or {"median": "-", "p95": "-"}
            rows.append(f"| {faces} | {r['size']} | {r['displayed_fps']} | {r['cpu_ms_per_frame']} | "
                        f"{r['core_pct_at_30fps']} | {r['core_pct']} | "
                        f"{' / '.join(str(st[s]) for s in STAGES)} | {lat['median']} / {lat['p95']} | "
                        f"{r['load_avg'][0]} -> {r['load_avg'][3]} |")
            print(rows[-1], file=sys.stderr, flush=True)
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--faces", type=int, default=4)
    p.add_argument("--size", type=parse_size, default=(1280, 720), metavar="WxH")
    p.add_argument("--clip", help="play this video instead of a synthetic clip")
    p.add_argument("--seconds", type=float, default=20.0, help="measured seconds (after the warm-up)")
    p.add_argument("--warmup", type=float, default=5.0)
    p.add_argument("--window", type=parse_size, default=(1366, 768), metavar="WxH")
    p.add_argument("--py-spy", action="store_true", help="also sample the measured seconds with py-spy")
    p.add_argument("--cv-threads", type=int, help="OpenCV threads (default: what the app sets)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--table", action="store_true", help="every case of the README's scaling table")
    args = p.parse_args(argv)
    if args.table:
        print(table(args))
        return 0
    out = one(args)
    print(json.dumps(out) if args.json else json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
