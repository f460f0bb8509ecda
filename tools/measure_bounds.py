"""Measure the peak memory of opening hostile files, each in a fresh process (docs/RELIABILITY.md).

    python tools/measure_bounds.py

Prints one line per case: what was opened, the outcome, and the peak resident memory of the
process that opened it and of its children (the model-checking child), in MB.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.emocam import hostile  # noqa: E402

PROBE = """
import resource, sys
try:
    {code}
    outcome = "accepted"
except Exception as e:
    outcome = str(e).splitlines()[0][:110]
hwm = int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0]) / 1024
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{{hwm:.0f}}\\t{{kids:.0f}}\\t{{outcome}}")
"""


def measure(label: str, code: str) -> None:
    out = subprocess.run([sys.executable, "-c", PROBE.format(code=code)], capture_output=True, text=True,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"})
    self_mb, child_mb, outcome = (out.stdout.strip().splitlines() or ["?\t?\t" + out.stderr[-200:]])[-1].split("\t", 2)
    print(f"{label:<44} self {self_mb:>5} MB  child {child_mb:>5} MB  {outcome}")


def main() -> None:
    import cv2
    import numpy as np

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        big = hostile.png(d / "10000x10000.png", 10_000, 10_000)
        liar = hostile.png(d / "claims-100000.png", 100_000, 100_000, rows=1)
        at_limit = d / "8000x5000.png"
        cv2.imwrite(str(at_limit), np.zeros((5000, 8000, 3), np.uint8))
        crash = hostile.crashing_tflite(d / "crash.tflite")
        pad = hostile.padding_tflite(d / "pad.tflite")
        read = "from emocam.live.media import read_image; read_image({!r})"
        opened = "from emocam.models.probe import open_model; open_model({!r})"
        measure(f"{big.name} ({big.stat().st_size >> 10} KB)", read.format(str(big)))
        measure(f"{liar.name} ({liar.stat().st_size} B)", read.format(str(liar)))
        measure(f"{at_limit.name} (40 MP, the limit)", read.format(str(at_limit)))
        measure(f"{crash.name} ({crash.stat().st_size} B)", opened.format(str(crash)))
        measure(f"{pad.name} ({pad.stat().st_size} B, pads to 12048 px)", opened.format(str(pad)))
        measure("weights/emocam_fer_v5.tflite (shipped)", opened.format(str(ROOT / "weights/emocam_fer_v5.tflite")))
        kernel = _kernel_bomb(d)
        measure(f"{kernel.name} ({kernel.stat().st_size >> 10} KB, 150 px kernel)", opened.format(str(kernel)))
        measure(f"for comparison: cv2.imread({big.name}) unchecked", f"import cv2; cv2.imread({str(big)!r})")


def _kernel_bomb(d: Path) -> Path:
    """A .keras whose one Conv2D has 4096 filters of 150x150 (Keras would allocate 2.4 GB)."""
    from tests.emocam.model_factory import layer_configs, rewrite_config, tiny

    seed = d / "seed.keras"
    tiny().save(seed)

    def edit(config):
        conv = next(layer for layer in layer_configs(config) if layer["class_name"] == "Conv2D")
        conv["config"].update(kernel_size=[150, 150], filters=4096)
    return rewrite_config(seed, d / "kernel150.keras", edit)


if __name__ == "__main__":
    main()
