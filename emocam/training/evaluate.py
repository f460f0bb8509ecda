"""``python -m emocam evaluate``: score an emotion model on FER2013 data.

Prints accuracy, macro F1, per-class precision/recall/F1 and the confusion matrix (rows are
the true class). ``--json`` prints exactly one JSON object on stdout; ``--report-dir`` also
writes ``metrics.json``, two confusion-matrix PNGs and a reliability diagram. Without ``--weights`` the shipped
default model (``weights/DEFAULT``, else the newest ``weights/*.keras``) is scored.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from emocam.emotions import NAMES, NUM_CLASSES
from emocam.fileio import atomic_write_text

log = logging.getLogger(__name__)

BATCH_SIZE = 256
Progress = Callable[[int, int], None]


class EvaluationError(ValueError):
    """Evaluation cannot run or cannot write its report; the message says which file and why."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, help="FER2013 data: npz, csv (Usage column) or image folder")
    p.add_argument("--weights", help="model file (.keras, .h5, .weights.h5, .tflite); "
                                     "default: the shipped model in weights/")
    p.add_argument("--split", default="val", choices=("train", "val", "test"),
                   help="which split of a csv or image folder to score (default: val = PublicTest)")
    p.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    p.add_argument("--report-dir", type=Path, help="write metrics.json and confusion-matrix PNGs here")
    p.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="faces per inference batch")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="LiteRT inference threads")
    p.add_argument("--reframe", metavar="SCALES",
                   help="also score re-framed copies of the data: centre crops (scale < 1) and reflected-border "
                        "padding (scale > 1), e.g. 0.8,0.9,1.1,1.25")


def run(args: argparse.Namespace) -> int:
    """Run the command: score, then print (table or JSON) and optionally write the report."""
    if args.batch_size < 1 or args.threads < 1:
        raise EvaluationError("--batch-size and --threads must be at least 1")
    from emocam.training.reframe import parse_scales

    try:
        scales = parse_scales(args.reframe) if args.reframe else []
    except ValueError as e:
        raise EvaluationError(str(e)) from e
    progress = _tqdm_progress() if sys.stderr.isatty() else None
    result = evaluate(args.data, args.weights, args.split, args.batch_size, args.threads, progress, scales)
    if args.report_dir is not None:
        for path in write_report(result, args.report_dir):
            log.info("wrote %s", path)
    print(json.dumps(result) if args.json else format_table(result))
    return 0


def evaluate(data: str | Path, weights: str | Path | None = None, split: str = "val",
             batch_size: int = BATCH_SIZE, threads: int = 1, progress: Progress | None = None,
             reframe: Sequence[float] = ()) -> dict:
    """Load ``data`` and the model ``weights`` (default: the shipped one) and return :func:`metrics`
    plus the model path, input spec, data source, timing, the split, the calibration (top-label
    reliability bins and expected calibration error) and, per ``reframe`` scale, the scores on
    re-framed faces."""
    from emocam.training.balance import reliability
    from emocam.training.reframe import reframe as reframed

    from emocam.models.probe import open_model
    from emocam.training import data as fer
    from emocam.models.lookup import default_weights

    dataset = fer.load(data, split)
    if len(dataset) == 0:
        raise EvaluationError(f"{dataset.source}: contains no faces to score")
    model_path = Path(weights) if weights is not None else default_weights()
    classifier = open_model(model_path, num_threads=threads)  # checked in a child unless shipped
    log.info("scoring %s on %d faces from %s", model_path, len(dataset), dataset.source)
    start = time.perf_counter()
    probs = predict_probabilities(classifier, dataset.x, batch_size, progress)
    seconds = time.perf_counter() - start
    y_pred = probs.argmax(axis=1)
    spec = classifier.spec
    framed = {}
    for scale in reframe:
        m = metrics(dataset.y, predict_labels(classifier, reframed(dataset.x, scale), batch_size))
        framed[f"{scale:g}"] = {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"],
                                "recall": {row["name"]: row["recall"] for row in m["per_class"]}}
    return {
        "model": str(model_path),
        "input": {"height": spec.height, "width": spec.width, "channels": spec.channels},
        "data": dataset.source,
        "split": split,
        **metrics(dataset.y, y_pred),
        "seconds": round(seconds, 3),
        "ms_per_face": round(1000 * seconds / len(dataset), 4),
        "calibration": reliability(probs, dataset.y),
        **({"reframed": framed} if reframe else {}),
    }


def predict_probabilities(classifier, faces: np.ndarray, batch_size: int = BATCH_SIZE,
                          progress: Progress | None = None) -> np.ndarray:
    """The classifier's probabilities [N,7] for each uint8 face [N,H,W], ``batch_size`` faces at a time."""
    probs = np.empty((len(faces), NUM_CLASSES), np.float32)
    for start in range(0, len(faces), batch_size):
        chunk = faces[start:start + batch_size]
        probs[start:start + len(chunk)] = classifier.predict(chunk)
        if progress is not None:
            progress(start + len(chunk), len(faces))
    return probs


def predict_labels(classifier, faces: np.ndarray, batch_size: int = BATCH_SIZE,
                   progress: Progress | None = None) -> np.ndarray:
    """Most likely class for each uint8 face [N,H,W], scored ``batch_size`` faces at a time."""
    return predict_probabilities(classifier, faces, batch_size, progress).argmax(axis=1)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Counts [num_classes, num_classes]; row = true class, column = predicted class."""
    y_true, y_pred = _check_labels(y_true, y_pred, num_classes)
    flat = np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes)


def metrics(y_true: Sequence[int] | np.ndarray, y_pred: Sequence[int] | np.ndarray,
            num_classes: int = NUM_CLASSES, names: Sequence[str] | None = None) -> dict:
    """Accuracy, macro F1, per-class precision/recall/F1/support and confusion matrices.

    A class never seen nor predicted has precision, recall and F1 of 0 and is left out of
    macro F1 (as scikit-learn does by default); a class with no predictions has precision 0.
    """
    names = list(names) if names is not None else _default_names(num_classes)
    if len(names) != num_classes:
        raise ValueError(f"{len(names)} class names given for {num_classes} classes")
    cm = confusion_matrix(np.asarray(y_true), np.asarray(y_pred), num_classes)
    tp, support, predicted = np.diag(cm), cm.sum(axis=1), cm.sum(axis=0)
    precision = _safe_div(tp, predicted)
    recall = _safe_div(tp, support)
    f1 = _safe_div(2 * precision * recall, precision + recall)
    present = (support + predicted) > 0
    return {
        "n": int(cm.sum()),
        "accuracy": _r(tp.sum() / cm.sum()),
        "macro_f1": _r(f1[present].mean()),
        "per_class": [{"name": names[i], "precision": _r(precision[i]), "recall": _r(recall[i]),
                       "f1": _r(f1[i]), "support": int(support[i])} for i in range(num_classes)],
        "confusion_matrix": cm.tolist(),
        "confusion_matrix_normalized": [[_r(v) for v in row] for row in _safe_div(cm, support[:, None])],
    }


def format_table(result: dict) -> str:
    """The human-readable report printed without ``--json``."""
    spec = result["input"]
    lines = [
        f"model     {result['model']} ({spec['height']}x{spec['width']}x{spec['channels']})",
        f"data      {result['data']} ({result['n']} faces, split {result['split']})",
        f"accuracy  {result['accuracy']:.4f}   macro F1 {result['macro_f1']:.4f}   "
        f"{result['seconds']:.2f} s, {result['ms_per_face']:.3f} ms/face",
        "",
        f"{'class':<10}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}",
    ]
    for row in result["per_class"]:
        lines.append(f"{row['name']:<10}{row['precision']:>10.4f}{row['recall']:>8.4f}"
                     f"{row['f1']:>8.4f}{row['support']:>9d}")
    names = [row["name"] for row in result["per_class"]]
    lines += ["", "confusion matrix (rows = true class, columns = predicted)",
              f"{'':<10}" + "".join(f"{n:>9}" for n in names)]
    for name, row in zip(names, result["confusion_matrix"]):
        lines.append(f"{name:<10}" + "".join(f"{v:>9d}" for v in row))
    if "calibration" in result:
        lines += ["", f"expected calibration error {result['calibration']['ece']:.4f} "
                      f"({result['calibration']['bins']} confidence bins)"]
    for scale, m in result.get("reframed", {}).items():
        lines.append(f"re-framed x{scale:<5} accuracy {m['accuracy']:.4f}   macro F1 {m['macro_f1']:.4f}")
    return "\n".join(lines)


def write_report(result: dict, report_dir: Path) -> list[Path]:
    """Write ``metrics.json``, ``confusion_counts.png`` and ``confusion_normalized.png``."""
    from emocam.errors import WriteError
    from emocam.training.plots import save_confusion_plots, save_reliability_plot

    report_dir = Path(report_dir)
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        metrics_path = report_dir / "metrics.json"
        atomic_write_text(metrics_path, json.dumps(result, indent=2) + "\n")
        return [metrics_path, *save_confusion_plots(result, report_dir), *save_reliability_plot(result, report_dir)]
    except WriteError as e:  # names the file; the old one is intact
        raise EvaluationError(f"{e}") from e
    except OSError as e:
        raise EvaluationError(f"{report_dir}: cannot write the report ({e.strerror or e}); "
                              "choose a writable --report-dir") from e


def _check_labels(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} true labels but {len(y_pred)} predictions")
    if len(y_true) == 0:
        raise ValueError("no labels to score")
    for what, y in (("true labels", y_true), ("predictions", y_pred)):
        if not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"{what} must be integers, got {y.dtype}")
        if y.min() < 0 or y.max() >= num_classes:
            raise ValueError(f"{what} must be in 0..{num_classes - 1}, found {int(y.min())}..{int(y.max())}")
    return y_true.astype(np.int64), y_pred.astype(np.int64)


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.asarray(num, np.float64), np.asarray(den, np.float64)
    out = np.zeros(np.broadcast(num, den).shape, np.float64)
    np.divide(num, den, out=out, where=np.broadcast_to(den, out.shape) > 0)
    return out


def _default_names(num_classes: int) -> list[str]:
    return list(NAMES) if num_classes == len(NAMES) else [str(i) for i in range(num_classes)]


def _r(value) -> float:
    return round(float(value), 6)


def _tqdm_progress() -> Callable[[int, int], None]:
    """A ``progress(done, total)`` callback drawing a tqdm bar on stderr; closed when done."""
    from tqdm import tqdm

    bar = tqdm(desc="scoring faces", unit="face", file=sys.stderr)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update
