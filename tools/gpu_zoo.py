#!/usr/bin/env python3
"""One GPU session's training plan, run as parallel ``tools/gpu_train.py`` processes on one GPU.

Phase A (all at once): two ``fer_vgg`` teachers, every zoo architecture for the same wall-clock budget
(``--zoo-seconds`` each, all sharing the GPU; the zoo table says so), and a plain ``mini_xception_wide``
that runs the whole session. Phase B (when the teachers are done): ``mini_xception_wide`` students
distilled from the two teachers, with and without a logit-adjusted loss. Writes ``results.json`` (every
run's per-epoch log) and ``students.tar`` (the small models) into ``--out``.

    python tools/gpu_zoo.py --data train.npz --val val.npz --out $OUT --total 540
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ZOO = ("vgg19", "resnet50", "mobilenetv2", "densenet201", "densenet169", "emojify", "s3_cnn",
       "mini_xception", "mini_xception_wide")
STUDENTS = (("kd_s11", 11, 0.0), ("kd_s12", 12, 0.0), ("kd_la13", 13, 1.0), ("kd_la14", 14, 1.0))


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--val", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--work", default="/tmp/zoo")
    p.add_argument("--total", type=float, default=540)
    p.add_argument("--teacher-seconds", type=float, default=250)
    p.add_argument("--zoo-seconds", type=float, default=250)
    p.add_argument("--zoo", default=",".join(ZOO))
    p.add_argument("--teacher-arch", default="fer_vgg")
    p.add_argument("--students", type=int, default=len(STUDENTS))
    p.add_argument("--limit", type=int, default=0)
    args = p.parse_args()
    start = time.monotonic()
    work, out = Path(args.work), Path(args.out)
    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    data, val = _unpack(args.data, work / "train.npz"), _unpack(args.val, work / "val.npz")
    common = ["--data", data, "--val", val] + (["--limit", str(args.limit)] if args.limit else [])
    procs = {}

    def launch(name, extra, seconds):
        log = open(work / f"{name}.txt", "w")
        cmd = [sys.executable, str(HERE / "gpu_train.py"), *common, "--out", str(work / name),
               "--seconds", str(seconds), *extra]
        procs[name] = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)

    left = args.total - (time.monotonic() - start)
    for i in (1, 2) if args.teacher_seconds > 0 else ():
        launch(f"teacher{i}", ["--arch", args.teacher_arch, "--lr", "1e-3", "--seed", str(i)], args.teacher_seconds)
    for arch in [a for a in args.zoo.split(",") if a]:
        launch(f"zoo_{arch}", ["--arch", arch, "--lr", "1e-3", "--seed", "1"], args.zoo_seconds)
    launch("plain_wide", ["--arch", "mini_xception_wide", "--seed", "3"], left - 10)
    for i in (1, 2) if args.teacher_seconds > 0 else ():
        try:
            procs[f"teacher{i}"].wait(timeout=args.teacher_seconds + 150)
        except subprocess.TimeoutExpired:
            procs[f"teacher{i}"].kill()
    teachers = [str(work / f"teacher{i}" / "best.keras") for i in (1, 2)]
    teachers = [t for t in teachers if Path(t).exists()]
    left = args.total - (time.monotonic() - start)
    for name, seed, tau in STUDENTS[:args.students]:
        extra = ["--arch", "mini_xception_wide", "--seed", str(seed), "--tau", str(tau)]
        launch(name, extra + sum((["--teacher", t] for t in teachers), []), left - 10)
    deadline = start + args.total
    for name, proc in procs.items():
        try:
            proc.wait(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            print(f"{name}: killed at the session deadline", flush=True)
    _collect(work, out, procs)
    print(f"all done in {time.monotonic() - start:.0f}s", flush=True)
    return 0


def _unpack(packed: str, target: Path) -> str:
    """Decode a WebP-packed npz once, so that each training process only memory-maps raw arrays."""
    sys.path.insert(0, str(HERE))
    import numpy as np
    from gpu_train import load_pack

    x, y, votes = load_pack(packed)
    np.savez(target, x=x, y=y, ferplus_votes=votes)
    return str(target)


def _collect(work: Path, out: Path, procs: dict) -> None:
    results = {}
    for name, proc in procs.items():
        log = work / name / "log.json"
        results[name] = json.loads(log.read_text()) if log.exists() else None
        text = (work / f"{name}.txt").read_text(errors="replace")
        if results[name] is None:
            results[name] = {"error": text[-3000:]}
        results[name]["returncode"] = proc.returncode
        results[name]["tail"] = text[-600:]
    (out / "results.json").write_text(json.dumps(results))
    with tarfile.open(out / "students.tar", "w") as tar:
        for name in procs:
            best = work / name / "best.keras"
            if best.exists() and best.stat().st_size < 4 << 20:
                tar.add(best, arcname=f"{name}.keras")


if __name__ == "__main__":
    sys.exit(main())
