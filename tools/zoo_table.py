#!/usr/bin/env python3
"""The model zoo table: every architecture trained for the same budget, then sized and timed.

For each architecture: ``tools/gpu_train.py`` (here on the TensorFlow backend, CPU) for ``--seconds``
of wall-clock time on the first ``--limit`` training faces (the fold for choosing the epoch is held out
of those), the chosen epoch's val accuracy / macro-F1 as recorded (val chooses nothing), then the
parameters, the ``.keras`` and float32 ``.tflite`` sizes and the per-face LiteRT time (one crop, one
thread, all models interleaved so that each sees the same load). Writes ``zoo.json`` and prints a
Markdown table.

    python tools/zoo_table.py --data ../shared/data/fer2013/train.npz --val ../shared/data/fer2013/val.npz \
        --out /tmp/zoo --seconds 240 --limit 4000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
ZOO = ("mini_xception", "mini_xception_wide", "emojify", "s3_cnn", "mobilenetv2", "resnet50", "vgg19",
       "densenet169", "densenet201")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True)
    p.add_argument("--val", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seconds", type=float, default=240)
    p.add_argument("--limit", type=int, default=4000)
    p.add_argument("--archs", default=",".join(ZOO))
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "ONEDNN_MAX_CPU_ISA": "AVX2", "TF_CPP_MIN_LOG_LEVEL": "3"}
    rows = {}
    for arch in args.archs.split(","):
        run = out / arch
        if not (run / "log.json").exists():
            cmd = [sys.executable, str(HERE / "gpu_train.py"), "--data", args.data, "--val", args.val,
                   "--arch", arch, "--out", str(run), "--seconds", str(args.seconds), "--limit", str(args.limit),
                   "--lr", "1e-3", "--seed", "1"]
            subprocess.run(cmd, env=env, check=False, stdout=open(out / f"{arch}.txt", "w"), stderr=subprocess.STDOUT)
        rows[arch] = _describe(arch, run)
        print(json.dumps({arch: rows[arch]}), flush=True)
    _time_per_face(rows, out)
    (out / "zoo.json").write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2))
    print(markdown(rows, args))
    return 0


def _describe(arch: str, run: Path) -> dict:
    import keras

    from emocam.models import architectures
    from emocam.models.loading import convert_to_tflite

    log = json.loads((run / "log.json").read_text()) if (run / "log.json").exists() else {}
    best = (log.get("best") or {}).get("row") or {}
    model = run / "best.keras"
    net = keras.saving.load_model(model, compile=False) if model.exists() else architectures.build(arch)
    tflite = run / "model.tflite"
    if not tflite.exists():
        tflite.write_bytes(convert_to_tflite(net, model))
    return {"params": int(net.count_params()), "keras_mb": round(model.stat().st_size / 1e6, 2) if model.exists() else None,
            "tflite_mb": round(tflite.stat().st_size / 1e6, 2), "epochs": len(log.get("history", [])),
            "best_epoch": (log.get("best") or {}).get("epoch"), "val": best.get("val"), "fold": best.get("fold"),
            "tflite": str(tflite)}


def _time_per_face(rows: dict, out: Path, rounds: int = 15, batch: int = 20) -> None:
    from per_face_ms import interleaved_ms

    medians = interleaved_ms([row["tflite"] for row in rows.values()], rounds, batch)
    for row in rows.values():
        row["ms_per_face"] = round(medians[row["tflite"]], 3)


def markdown(rows: dict, args) -> str:
    lines = ["| architecture | parameters | .keras MB | .tflite MB (float32) | ms per face (LiteRT, 1 thread) | "
             "epochs in budget | val accuracy | val macro-F1 |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for arch, r in rows.items():
        val = r.get("val") or {}
        lines.append(f"| {arch} | {r['params']:,} | {r['keras_mb']} | {r['tflite_mb']} | {r['ms_per_face']} | "
                     f"{r['epochs']} | {val.get('accuracy', '-')} | {val.get('macro_f1', '-')} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
