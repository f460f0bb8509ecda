"""``python -m emocam export``: turn trained models into the one file the app ships.

Several models are averaged (an ensemble); ``--flip-tta`` also averages each face with its mirror
image. The result is a plain Keras model (only allow-listed layers) plus its LiteRT twin, optionally
quantised to int8 with calibration images from the *training* data. A model card records it all.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--weights", nargs="+", required=True, metavar="MODEL", help="trained .keras models")
    p.add_argument("--out", required=True, help="output .keras; the .tflite twin and .card.json go beside it")
    p.add_argument("--flip-tta", action="store_true", help="also average each face with its mirror image")
    p.add_argument("--int8", action="store_true", help="quantise the LiteRT twin to int8 (needs --calibration)")
    p.add_argument("--calibration", help="training data (npz/csv/folder) for int8 calibration")
    p.add_argument("--calibration-count", type=int, default=1000,
                   help="training faces the int8 ranges are measured on")
    p.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from emocam.errors import ModelError

    if args.int8 and not args.calibration:
        raise ModelError("--int8 needs --calibration TRAINING_DATA (never the validation or test set)")
    members = [_load_member(Path(p), i) for i, p in enumerate(args.weights)]
    net = combine(members, args.flip_tta)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    from emocam.fileio import atomic_path, atomic_write_bytes

    with atomic_path(out) as tmp:
        net.save(tmp)
    calib = _calibration(args) if args.int8 else None
    tflite = out.with_suffix(".tflite")
    atomic_write_bytes(tflite, to_tflite(net, calib))
    _write_card(out, args, members, tflite)
    print(f"wrote {out} ({out.stat().st_size >> 10} KB) and {tflite} ({tflite.stat().st_size >> 10} KB)")
    return 0


def combine(members: list, flip_tta: bool):
    """One Keras model: the average of ``members`` (optionally each with flip-TTA)."""
    import keras
    from keras import layers

    from emocam.models.architectures import with_flip_tta

    if flip_tta:
        members = [with_flip_tta(m) for m in members]
    if len(members) == 1:
        return members[0]
    shape = tuple(int(d) for d in members[0].inputs[0].shape[1:])
    face = keras.Input(shape, name="face")
    outputs = layers.Average(name="ensemble")([m(face) for m in members])
    return keras.Model(face, outputs, name="emocam_ensemble")


def _load_member(path: Path, index: int):
    """A trained model, checked like any dropped-in file, renamed so members can share a graph."""
    import keras

    from emocam.models.loading import load_keras

    net = load_keras(path)
    config = net.get_config()
    config["name"] = f"member{index}"
    member = keras.Model.from_config(config)
    member.set_weights(net.get_weights())
    return member


def _calibration(args) -> np.ndarray:
    from emocam.training.data import load

    data = load(args.calibration, "train")
    rng = np.random.default_rng(args.seed)
    pick = rng.choice(len(data), min(args.calibration_count, len(data)), replace=False)
    return data.x[pick][..., None].astype(np.float32) / 127.5 - 1.0


def to_tflite(net, calibration: np.ndarray | None) -> bytes:
    """Float32 LiteRT, or int8 inside with float32 input/output when ``calibration`` is given."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(net)
    if calibration is not None:
        size = int(net.inputs[0].shape[1])
        if calibration.shape[1] != size:
            calibration = tf.image.resize(calibration, (size, size)).numpy()
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: ([calibration[i:i + 1]] for i in range(len(calibration)))
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    with contextlib.redirect_stdout(io.StringIO()):  # the converter prints its SavedModel summary
        return converter.convert()


def _write_card(out: Path, args, members: list, tflite: Path) -> None:
    from emocam.training.data import sha256
    from emocam.training.train import card_of

    cards = [card_of(Path(p)) for p in args.weights]
    card = {
        "model": out.name, "runtime_file": tflite.name,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "recipe": {"members": [Path(p).name for p in args.weights], "flip_tta": args.flip_tta,
                   "int8": args.int8, "calibration_count": args.calibration_count if args.int8 else 0},
        "calibration_data": ({"path": Path(args.calibration).name, "sha256": sha256(args.calibration)}
                             if args.int8 else None),
        "members": cards,
    }
    from emocam.fileio import atomic_write_text

    atomic_write_text(out.with_suffix(".card.json"), json.dumps(card, indent=2) + "\n")
