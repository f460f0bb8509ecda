"""Quitting while something is stuck exits within 2 s, with no QThread abort and no orphan process;
an exception in a slot is shown, not fatal. Each case runs the real app in its own process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fake_clock import FakeClock

REPO = Path(__file__).resolve().parents[2]

SCRIPT = r'''
import sys, threading, time
from pathlib import Path
from PyQt5.QtCore import QSettings, QTimer
import main
from emocam.live.sources import DemoSource
from ui.app import compose
from ui.config import AppConfig

mode, model, tmp = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])

class StuckCamera:
    """Delivers a few frames, then blocks in read() forever, like a wedged driver."""
    is_camera, name = True, "Stuck camera"
    def __init__(self): self.demo, self.n, self.stuck = DemoSource(), 0, threading.Event()
    def open(self): self.demo.open()
    def read(self):
        self.n += 1
        if self.n > 20:
            self.stuck.set()
            threading.Event().wait()
        return self.demo.read()
    def close(self): pass

app = main.create_app()
source = StuckCamera() if mode == "stuck-read" else DemoSource()
window = compose(AppConfig(source=source, weights=model, output_dir=tmp / "snaps", weights_dir=tmp,
                              probe_cameras=False, settings=QSettings(str(tmp / "s.ini"), QSettings.IniFormat)))
main.install_excepthook(lambda: window)

def close():
    print("closing", flush=True)
    window.close()

def boom():
    raise RuntimeError("a slot went wrong")

def report():
    print("notice:", window.notice.text, flush=True)
    close()

if mode == "slot-exception":
    QTimer.singleShot(1500, boom)
    QTimer.singleShot(2500, report)
elif mode == "model-load":  # close once the model check's child is running (it writes its pid)
    QTimer.singleShot(800, lambda: window.models.load_model(model.with_name("slow.tflite")))
    poll = QTimer(interval=50)
    poll.timeout.connect(lambda: (tmp / "checkers").is_file() and (poll.stop(), close()))
    poll.start()
elif mode == "stuck-read":  # close once the driver is wedged, however slow the machine is
    poll = QTimer(interval=50)
    poll.timeout.connect(lambda: source.stuck.is_set() and (poll.stop(), close()))
    poll.start()
else:
    QTimer.singleShot(2500, close)
sys.exit(main.run_window(app, window))
'''


class SlowWorker:
    """A worker that ends ``stops_after`` fake seconds after it is asked to (None: never, a wedged
    driver). Its ``wait(ms)`` lets fake time pass as QThread.wait would, and records what it was given."""

    def __init__(self, clock: FakeClock, stops_after: float | None, name: str):
        self.clock, self.stops_after, self.name = clock, stops_after, name
        self.asked_at: float | None = None
        self.waits_ms: list[int] = []

    def request_stop(self):
        self.asked_at = self.clock.now()

    def _stopped(self) -> bool:
        return self.asked_at is not None and self.stops_after is not None and \
            self.clock.now() >= self.asked_at + self.stops_after - 1e-9

    def wait(self, ms: int) -> bool:
        self.waits_ms.append(ms)
        if not self._stopped():
            end = self.clock.now() + ms / 1000
            if self.stops_after is not None and self.asked_at is not None:
                end = min(end, self.asked_at + self.stops_after)
            self.clock.advance(end - self.clock.now())
        return self._stopped()


# stop times (fake s) -> the budget each wait was given (ms), who was left behind, the time spent
@pytest.mark.parametrize("stops_after, waits_ms, left, spent", [
    ((0.0, 0.0, 0.0), [1000, 1000, 1000], [], 0.0),
    ((0.6, 0.6), [1000, 400], [], 0.6),  # stopping in parallel: everyone was asked before any wait
    ((None, 0.2), [1000, 0], ["w0"], 1.0),  # a wedged worker uses the budget; the next gets what is left
    ((0.2, None, 0.9), [1000, 800, 0], ["w1"], 1.0),
    ((None, None), [1000, 0], ["w0", "w1"], 1.0),
    ((1.5,), [1000], ["w0"], 1.0),
])
def test_stop_all_waits_one_budget_in_all_and_names_who_was_left(stops_after, waits_ms, left, spent, caplog):
    from ui.workers import stop_all

    clock = FakeClock(start=100.0)
    workers = [SlowWorker(clock, t, f"w{i}") for i, t in enumerate(stops_after)]
    assert [w.name for w in stop_all(workers, budget_s=1.0, clock=clock)] == left
    assert [w.asked_at for w in workers] == [100.0] * len(workers)  # all asked first, at once
    assert [w.waits_ms[0] for w in workers] == waits_ms
    assert clock.now() - 100.0 == pytest.approx(spent, abs=1e-9)
    warned = [r.getMessage() for r in caplog.records if "leaving without" in r.getMessage()]
    assert warned == ([f"leaving without {len(left)} worker(s) that did not stop within 1 s: "
                       + ", ".join("SlowWorker" for _ in left)] if left else [])


def _run(mode: str, model: Path, tmp: Path, extra_env=None) -> subprocess.CompletedProcess:
    """The app in a child process. How long the exit takes is not measured here (a loaded machine would
    make that flake): the deadline itself is tested above on a fake clock; here the app must log that it
    left the stuck worker behind, and exit (the timeout only guards against a hang)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen", **(extra_env or {})}
    return subprocess.run([sys.executable, "-c", SCRIPT, mode, str(model), str(tmp)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def model(tiny_models, tmp_path) -> Path:
    import shutil

    target = tmp_path / "tiny.tflite"
    shutil.copy(tiny_models["tflite48"], target)
    return target


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for a reaper has stopped running)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def test_quit_during_a_stuck_camera_read_leaves_the_camera_behind_and_exits(model, tmp_path):
    run = _run("stuck-read", model, tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "closing" in run.stdout
    assert "leaving without 1 worker(s) that did not stop within 1 s: CaptureWorker (Stuck camera)" in run.stderr
    assert "QThread: Destroyed" not in run.stderr


def test_quit_during_a_model_check_exits_and_kills_the_child(model, tmp_path):
    (tmp_path / "slow.tflite").write_bytes(model.read_bytes())
    slow_site = tmp_path / "site"
    slow_site.mkdir()
    pids = tmp_path / "checkers"
    (slow_site / "sitecustomize.py").write_text(  # the model check's child says who it is, then hangs
        "import os, sys, time\nfrom pathlib import Path\n"
        "if sys.argv[:1] == ['-m'] and any(a.endswith('slow.tflite') for a in sys.argv):\n"
        f"    Path({str(pids)!r}).write_text(str(os.getpid()))\n"
        "    time.sleep(60)\n")
    run = _run("model-load", model, tmp_path, {"PYTHONPATH": f"{REPO}{os.pathsep}{slow_site}"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert "QThread: Destroyed" not in run.stderr
    assert pids.is_file(), "the slow model check never started: this test would prove nothing"
    assert not _alive(int(pids.read_text()))  # that very child, not any process on the machine


def test_an_exception_in_a_slot_is_shown_and_the_app_keeps_running(model, tmp_path):
    run = _run("slot-exception", model, tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "notice: Something went wrong: a slot went wrong" in run.stdout
    assert "RuntimeError: a slot went wrong" in run.stderr  # logged with its traceback for the developer


def test_ctrl_c_in_the_terminal_quits_cleanly_and_the_log_file_is_kept(tmp_path):
    """Regression: SIGINT was logged as an "unexpected error" and the app kept running."""
    import signal

    logs = tmp_path / "logs"
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen", "EMOCAM_LOG_DIR": str(logs),
           "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    child = subprocess.Popen([sys.executable, "main.py", "--source", "demo"], cwd=REPO, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log = logs / "emocam.log"
    deadline = time.monotonic() + 60  # a guard against a hang, not a bound on anything
    while not (log.is_file() and ": streaming" in log.read_text()) and time.monotonic() < deadline:
        assert child.poll() is None, child.communicate()[1][-2000:]
        time.sleep(0.2)
    assert ": streaming" in log.read_text(), "the app never showed the demo"  # the window is up and playing
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=20)
    assert child.returncode == 0, err[-2000:]
    assert "unexpected error" not in err and "KeyboardInterrupt" not in err
    assert (logs / "emocam.log").read_text().strip()  # the log file in the user's log folder has the run
