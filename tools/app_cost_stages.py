"""Stage accounting for ``tools/measure_app_cost.py``: CPU-time timers wrapped around the real app's
functions, per-thread CPU clocks, and py-spy run on the app with the stage each sample belongs to.

Stages (the whole app's CPU, split):
- ``decode``: the capture thread (video decoding, BGR -> RGB, handing the frame on);
- ``pipeline``: the processing thread (face search, classifier, smoothing);
- ``convert``: numpy frame -> QImage (and any scaling done before painting);
- ``paint``: VideoView.paintEvent (the frame and the face overlays), conversion excluded;
- ``widgets``: the rest of the GUI thread (bars, emoji, timeline, face list, status bar, layout, Qt);
- ``other``: every other thread (avatar worker threads, the model loader, Python's own).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from functools import wraps
from pathlib import Path

STAGES = ("decode", "pipeline", "convert", "paint", "widgets", "other")


def thread_cpu_s(ident: int | None) -> float:
    """CPU seconds used so far by the thread with this ``threading.get_ident()`` (Linux, macOS)."""
    if ident is None:
        return 0.0
    try:
        return time.clock_gettime(time.pthread_getcpuclockid(ident))
    except (OSError, AttributeError):  # the thread has ended, or no such clock here
        return 0.0


class CpuTimers:
    """Exclusive CPU time (``time.thread_time``) per named timer: time spent in a timer nested inside
    another counts for the inner one only. Also remembers the thread each timer ran on."""

    def __init__(self):
        self.seconds: Counter = Counter()
        self.calls: Counter = Counter()
        self.threads: dict[str, int] = {}
        self._local = threading.local()

    def wrap(self, name: str, func):
        @wraps(func)
        def timed(*args, **kwargs):
            stack = self._local.__dict__.setdefault("stack", [])
            started = time.thread_time()
            stack.append(0.0)  # CPU of timers nested in this one
            try:
                return func(*args, **kwargs)
            finally:
                spent = time.thread_time() - started
                nested = stack.pop()
                self.seconds[name] += spent - nested
                self.calls[name] += 1
                self.threads.setdefault(name, threading.get_ident())
                if stack:
                    stack[-1] += spent

        return timed

    def snapshot(self) -> tuple[Counter, Counter]:
        return Counter(self.seconds), Counter(self.calls)


# py-spy: the innermost frame that names a stage decides a sample's stage. Under load a thread that was
# woken from a wait shows as running until it gets a core: samples in a wait are left out.
_WAITS = ("Condition.wait", "_Paced.wait", "LatestFrame.take", "StyleJobRunner.poll", "select (", "sleep (")
_SAMPLE_RULES = (
    ("convert", ("qt_convert.py", "_display_image", "_scaled_frame")),
    ("paint", ("paintEvent (ui/widgets/video_view.py", "paintEvent (video_view.py")),
    ("decode", ("emocam/live/sources.py", "emocam/live/capture_loop.py", "emocam/live/frames.py")),
    ("pipeline", ("emocam/live/session.py", "emocam/live/pipeline.py", "emocam/live/face_search.py",
                  "emocam/live/classifier.py", "emocam/live/smoothing.py", "emocam/live/detection.py")),
)


def sample_stage(stack: str, gui_thread: str | None) -> str:
    """The stage of one py-spy ``--format raw --threads`` stack (``thread (ID);outer;...;inner``).
    Samples of the GUI thread that name no stage are Qt's own work for the widgets."""
    frames = stack.split(";")
    if any(w in frame for frame in frames[1:] for w in _WAITS):
        return "waiting"
    for frame in reversed(frames[1:]):
        for stage, marks in _SAMPLE_RULES:
            if any(m in frame for m in marks):
                return stage
    if gui_thread is not None and frames[0].startswith(gui_thread):  # "thread (ID): name"
        return "widgets"
    return "other"


def split_samples(raw: str, gui_thread: str | None) -> Counter:
    """Samples per stage (and ``waiting``) in py-spy's raw (collapsed) output."""
    counts: Counter = Counter()
    for line in raw.splitlines():
        stack, _, n = line.rpartition(" ")
        if stack and n.isdigit():
            counts[sample_stage(stack, gui_thread)] += int(n)
    return counts


def start_py_spy(seconds: float, out: Path) -> subprocess.Popen:
    """py-spy sampling this very process for ``seconds`` (100 Hz, without pausing it)."""
    command = ["py-spy", "record", "--pid", str(os.getpid()), "--duration", str(int(seconds)), "--rate", "100",
               "--nonblocking", "--threads", "--format", "raw", "--output", str(out)]
    exe = Path(sys.executable).with_name("py-spy")
    command[0] = str(exe) if exe.exists() else "py-spy"
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finish_py_spy(proc: subprocess.Popen, out: Path, frames: dict[str, float], shown: float) -> dict:
    """py-spy's samples per stage as ms per frame (each stage over the frames it handled, as the timers)."""
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        return {"error": "py-spy did not finish"}
    if not out.is_file():
        return {"error": f"py-spy wrote nothing: {err.strip().splitlines()[-1:]}"}
    raw = out.read_text()
    if os.environ.get("EMOCAM_SPY_RAW"):  # keep the samples for a closer look (flamegraph.pl, speedscope)
        Path(os.environ["EMOCAM_SPY_RAW"]).write_text(raw)
    counts = split_samples(raw, f"thread ({threading.get_native_id()})")
    waiting = counts.pop("waiting", 0)
    ms = {s: 10.0 * counts[s] / max(1.0, frames.get(s, shown)) for s in STAGES}  # 100 Hz: a sample is 10 ms
    return {"samples": sum(counts.values()), "waiting_samples_left_out": waiting, "rate_hz": 100,
            "stages_ms_per_frame": {s: round(v, 2) for s, v in ms.items()},
            "core_pct_at_30fps": round(3 * sum(ms.values()), 1)}
