"""A short soak of the real window on a fake 30 fps camera: memory, threads and open files stay flat.
(The 30-minute run uses the same tool: see docs/RELIABILITY.md.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_short_soak_stays_flat(tiny_models):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "tools/soak.py", "--weights", str(tiny_models["tflite48"]),
                          "--seconds", "25", "--warmup", "8", "--interval", "1", "--snapshot-every", "5",
                          "--json"], cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    result = json.loads(run.stdout.strip().splitlines()[-1])
    growth = result["growth_after_warmup"]
    assert run.returncode == 0 and result["ok"], (growth, result["processed_fps"], run.stderr[-2000:])
    assert growth["threads"] <= 2 and growth["fds"] <= 2 and growth["rss_mb"] <= 20
    after = [s["frames"] for s in result["samples"] if s["t"] >= 8]
    assert after[-1] > after[0], "no frames flowed after the warm-up: the soak measured an idle app"
    # (no frame-rate bound here: speed is the benchmarks' business, and a loaded machine would flake it)
