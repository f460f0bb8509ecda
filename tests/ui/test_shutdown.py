"""Quitting while something is stuck exits within 2 s, with no QThread abort and no orphan process;
an exception in a slot is shown, not fatal. Each case runs the real app in its own process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

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
    def __init__(self): self.demo, self.n = DemoSource(), 0
    def open(self): self.demo.open()
    def read(self):
        self.n += 1
        if self.n > 20: threading.Event().wait()
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
elif mode == "model-load":
    QTimer.singleShot(800, lambda: window.models.load_model(model.with_name("slow.tflite")))
    QTimer.singleShot(2500, close)
else:
    QTimer.singleShot(2500, close)
sys.exit(main.run_window(app, window))
'''


def _run(mode: str, model: Path, tmp: Path, extra_env=None) -> tuple[subprocess.CompletedProcess, float]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen", **(extra_env or {})}
    child = subprocess.Popen([sys.executable, "-c", SCRIPT, mode, str(model), str(tmp)], cwd=REPO, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    closing_at = None
    out_lines = []
    for line in child.stdout:
        out_lines.append(line)
        if line.startswith("closing"):
            closing_at = time.monotonic()
    child.wait(timeout=60)
    elapsed = time.monotonic() - closing_at if closing_at else float("inf")
    return subprocess.CompletedProcess(child.args, child.returncode, "".join(out_lines), child.stderr.read()), elapsed


@pytest.fixture
def model(tiny_models, tmp_path) -> Path:
    import shutil

    target = tmp_path / "tiny.tflite"
    shutil.copy(tiny_models["tflite48"], target)
    return target


def _children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_quit_during_a_stuck_camera_read_exits_fast(model, tmp_path):
    run, elapsed = _run("stuck-read", model, tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert elapsed < 2.0
    assert "QThread: Destroyed" not in run.stderr


def test_quit_during_a_model_check_exits_fast_and_kills_the_child(model, tmp_path):
    (tmp_path / "slow.tflite").write_bytes(model.read_bytes())
    slow_site = tmp_path / "site"
    slow_site.mkdir()
    (slow_site / "sitecustomize.py").write_text(
        "import sys, time\nif 'emocam.models.probe' in ' '.join(sys.argv) or sys.argv[:1] == ['-m']:\n"
        "    time.sleep(60)\n")
    run, elapsed = _run("model-load", model, tmp_path, {"PYTHONPATH": f"{REPO}{os.pathsep}{slow_site}"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert elapsed < 2.0
    assert "QThread: Destroyed" not in run.stderr
    leftovers = subprocess.run(["pgrep", "-f", "emocam.models.probe .*slow.tflite"], capture_output=True, text=True)
    assert leftovers.stdout.strip() == ""


def test_an_exception_in_a_slot_is_shown_and_the_app_keeps_running(model, tmp_path):
    run, _ = _run("slot-exception", model, tmp_path)
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
    deadline = time.monotonic() + 60
    while not (logs / "emocam.log").is_file() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)  # the window is up and playing
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=20)
    assert child.returncode == 0, err[-2000:]
    assert "unexpected error" not in err and "KeyboardInterrupt" not in err
    assert (logs / "emocam.log").read_text().strip()  # the log file in the user's log folder has the run
