#!/usr/bin/env python3
"""Per-face LiteRT time of emotion models, interleaved so that each sees the same machine load.

One 48x48 crop at a time (as the live view scores a face), one thread, ``--rounds`` rounds of
``--batch`` invocations per model; prints the median per-face milliseconds of each model.

    python tools/per_face_ms.py weights/emocam_fer_v5.tflite other.tflite
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np


def interleaved_ms(paths, rounds: int = 30, batch: int = 100) -> dict[str, float]:
    """Median per-face milliseconds of each ``.tflite`` in ``paths``, the models taking turns round by
    round (so a change in machine load hits them all alike)."""
    from ai_edge_litert.interpreter import Interpreter

    runs = {}
    for path in paths:
        interp = Interpreter(model_path=str(path), num_threads=1)
        interp.allocate_tensors()
        inp = interp.get_input_details()[0]
        face = np.random.default_rng(0).uniform(-1, 1, inp["shape"]).astype(np.float32)
        runs[path] = (interp, inp["index"], face, [])
    for _ in range(rounds):
        for interp, index, face, times in runs.values():
            start = time.perf_counter()
            for _ in range(batch):
                interp.set_tensor(index, face)
                interp.invoke()
            times.append(1000 * (time.perf_counter() - start) / batch)
    return {path: statistics.median(times) for path, (*_, times) in runs.items()}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("models", nargs="+")
    p.add_argument("--rounds", type=int, default=30)
    p.add_argument("--batch", type=int, default=100)
    args = p.parse_args()
    medians = interleaved_ms(args.models, args.rounds, args.batch)
    for path, ms in medians.items():
        print(f"{path}: {ms:.3f} ms per face (median of {args.rounds} x {args.batch})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
