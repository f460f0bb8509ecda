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
    p.add_argument("--balance-on", metavar="TRAIN_DATA",
                   help="fit post-hoc logit adjustment (favouring the rarer emotions) and a temperature "
                        "(calibrated bars) on the fold held out from this training data; members are "
                        "averaged in logit space")
    p.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from emocam.errors import ModelError

    from emocam.errors import UsageError
    from emocam.fileio import publish_together
    from emocam.models.loading import keras_bytes

    if args.int8 and not args.calibration:
        raise ModelError("--int8 needs --calibration TRAINING_DATA (never the validation or test set)")
    if args.int8 and args.calibration_count < 1:
        raise UsageError(f"--calibration-count {args.calibration_count}: int8 ranges need at least 1 training "
                         "face (the default is 1000)")
    out = Path(args.out)
    if not out.name.lower().endswith(".keras"):
        raise UsageError(f"--out {out}: give a .keras file name; the .tflite twin and .card.json go beside it")
    calib = _calibration(args) if args.int8 else None  # bad data fails here, before anything is written
    members = [_load_member(Path(p), i) for i, p in enumerate(args.weights)]
    balanced = None
    if args.balance_on:
        if args.flip_tta:
            raise UsageError("--balance-on and --flip-tta do not combine; choose one")
        from emocam.training import calibrate
        from emocam.training.data import load

        balanced = calibrate.fit(members, load(args.balance_on, "train"))
        log.info("fold: tau %.2f, T %.3f; %s", balanced["tau"], balanced["temperature"], balanced)
        net = calibrate.balanced_ensemble(members, balanced["tau"], balanced["temperature"], balanced["prior"])
    else:
        net = combine(members, args.flip_tta)
    tflite = out.with_suffix(".tflite")
    files = {out: keras_bytes(net), tflite: to_tflite(net, calib)}
    files[out.with_suffix(".card.json")] = _card(out, args, tflite, len(calib) if calib is not None else 0,
                                                 balanced)
    out.parent.mkdir(parents=True, exist_ok=True)
    publish_together(files)  # all three or none: a full disk leaves the old set as it was
    print(f"wrote {out} ({len(files[out]) >> 10} KB) and {tflite} ({len(files[tflite]) >> 10} KB)")
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

    from emocam.models.probe import open_keras

    net = open_keras(path)  # checked in a child unless shipped
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


def _card(out: Path, args, tflite: Path, calibration_faces: int, balanced: dict | None = None) -> bytes:
    from emocam.training.data import sha256
    from emocam.training.train import card_of

    cards = [card_of(Path(p)) for p in args.weights]
    card = {
        "model": out.name, "runtime_file": tflite.name,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "recipe": {"members": [Path(p).name for p in args.weights], "flip_tta": args.flip_tta,
                   "int8": args.int8, "calibration_count": calibration_faces},
        "calibration_data": ({"path": Path(args.calibration).name, "sha256": sha256(args.calibration)}
                             if args.int8 else None),
        "balance": (dict(balanced, data={"path": Path(args.balance_on).name, "sha256": sha256(args.balance_on)})
                    if balanced else None),
        "members": cards,
    }
    return (json.dumps(card, indent=2) + "\n").encode()
