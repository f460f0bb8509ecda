"""``python -m emocam predict IMAGE...``: every face in each image with its box, label and the
7 probabilities; ``--out DIR`` writes annotated copies."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from emocam.emotions import EMOTIONS, NAMES


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files")
    p.add_argument("--weights", help="model file (default: the shipped model in weights/)")
    p.add_argument("--out", metavar="DIR", help="write annotated images here")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--cascade", default="haarcascade_frontalface_default", help="Haar cascade name or XML path")


def run(args: argparse.Namespace) -> int:
    from emocam.errors import UsageError

    pipeline = _build_pipeline(args)
    results, failed = [], []
    for name in args.images:
        rgb = _read(Path(name))
        if rgb is None:
            failed.append(name)
            why = ("not a readable image" if Path(name).is_file() else
                   "is a folder, not an image" if Path(name).is_dir() else "no such file")
            print(f"emocam predict: error: {name}: {why}", file=sys.stderr)
            continue
        entry = _predict_one(pipeline, Path(name), rgb)
        results.append(entry)
        if args.out:
            _write_annotated(Path(args.out), Path(name), rgb, entry["faces"])
    _report(results, args.json)
    if len(failed) > 1 and not results:  # one failed input was already reported in one line
        raise UsageError(f"none of the {len(failed)} input(s) could be read")
    return 2 if failed else 0


def _build_pipeline(args):
    from emocam.models.loading import load_classifier
    from emocam.live.detection import FaceDetector
    from emocam.live.pipeline import Pipeline, PipelineSettings
    from emocam.live.smoothing import FaceTracker, SmoothingSettings
    from emocam.models.lookup import default_weights

    classifier = load_classifier(args.weights or default_weights())
    tracker = FaceTracker(SmoothingSettings(enabled=False))  # still images: no temporal smoothing
    return Pipeline(FaceDetector(args.cascade), classifier, tracker, PipelineSettings(detect_width=10_000))


def _read(path: Path) -> np.ndarray | None:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR) if path.is_file() else None
    return None if bgr is None else cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _predict_one(pipeline, path: Path, rgb: np.ndarray) -> dict:
    from emocam.types import Frame

    pipeline.tracker.reset()
    result = pipeline.process(Frame(rgb, 0, time.monotonic(), str(path)))
    faces = [{"box": [f.box.x, f.box.y, f.box.w, f.box.h], "label": f.emotion.name,
              "confidence": round(f.prediction.confidence, 4),
              "probabilities": {n: round(p, 4) for n, p in zip(NAMES, f.prediction.probabilities)}}
             for f in result.faces]
    return {"image": str(path), "width": rgb.shape[1], "height": rgb.shape[0], "faces": faces,
            "faces_skipped": result.faces_skipped}


def _write_annotated(out_dir: Path, src: Path, rgb: np.ndarray, faces: list[dict]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    for face in faces:
        x, y, w, h = face["box"]
        r, g, b = EMOTIONS[NAMES.index(face["label"])].colour
        cv2.rectangle(bgr, (x, y), (x + w, y + h), (b, g, r), 2)
        text = f"{face['label']} {round(100 * face['confidence'])}%"
        cv2.putText(bgr, text, (x, max(16, y - 6)), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (b, g, r), 2, cv2.LINE_AA)
    target = out_dir / f"{src.stem}_emocam.png"
    if not cv2.imwrite(str(target), bgr):
        raise OSError(f"{target}: could not write the annotated image")


def _report(results: list[dict], as_json: bool) -> None:
    if as_json:
        print(json.dumps({"images": results}))
        return
    for entry in results:
        print(f"{entry['image']}: {len(entry['faces'])} face(s)")
        for face in entry["faces"]:
            probs = "  ".join(f"{n[:3]} {p:.2f}" for n, p in face["probabilities"].items())
            print(f"  box {face['box']}  {face['label']:<8} {face['confidence']:.0%}   {probs}")
