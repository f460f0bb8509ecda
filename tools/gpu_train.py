#!/usr/bin/env python3
"""Train one emotion model with Keras on any backend (JAX on a GPU machine, where TensorFlow is absent).

The same networks as ``python -m emocam train --arch NAME`` (``emocam.models.architectures.build``),
but the augmentation runs inside the model (Keras preprocessing layers work on every backend) and the
time budget, not an epoch count, ends the run: the learning rate follows a cosine over ``--seconds``.
Choices are made on a fold held out from the training data (``emocam.training.balance.holdout_fold``):
the saved model is the epoch with the best fold macro-F1. ``--val`` is only *recorded* per epoch, for
the zoo table; it never chooses anything.

    KERAS_BACKEND=jax python tools/gpu_train.py --data train.npz --arch mini_xception_wide \
        --out runs/s1 --seconds 240 [--teacher T1.keras --teacher T2.keras]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

START = time.monotonic()


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="train.npz (ours, or packed by tools/gpu_pack.py)")
    p.add_argument("--val", help="val.npz: recorded per epoch, never used to choose")
    p.add_argument("--arch", default="mini_xception_wide")
    p.add_argument("--out", required=True, help="folder for best.keras and log.json")
    p.add_argument("--seconds", type=float, default=240, help="wall-clock budget from process start")
    p.add_argument("--max-epochs", type=int, default=1000)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--l2", type=float, default=1e-4)
    p.add_argument("--label-smoothing", type=float, default=0.05)
    p.add_argument("--ferplus-weight", type=float, default=0.3)
    p.add_argument("--tau", type=float, default=0.0, help="logit-adjusted loss strength (0 = plain CE)")
    p.add_argument("--teacher", action="append", default=[], help="distil from these models (averaged)")
    p.add_argument("--teacher-weight", type=float, default=0.7)
    p.add_argument("--zoom", default="-0.2,0.25", help="crop-scale jitter: RandomZoom factor range")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--limit", type=int, default=0, help="first N training rows only (smoke tests)")
    return p.parse_args(argv)


def load_pack(path: str):
    """``(x uint8 [N,48,48], y, votes)`` from our npz or a WebP-packed one (smaller to carry)."""
    d = np.load(path)
    if "x" in d:
        return d["x"], d["y"].astype(np.int64), d["ferplus_votes"]
    import cv2

    blob, off = d["blob"], d["off"]
    x = np.stack([cv2.imdecode(blob[off[i]:off[i + 1]], cv2.IMREAD_GRAYSCALE) for i in range(len(off) - 1)])
    return x, d["y"].astype(np.int64), d["votes"]


def to_input(x: np.ndarray, channels: int) -> np.ndarray:
    f = (x.astype(np.float32) / 127.5 - 1.0)[..., None]
    return np.repeat(f, channels, axis=-1) if channels > 1 else f


def targets(y, votes, ferplus_weight: float, smoothing: float) -> np.ndarray:
    from emocam.training.data import Dataset

    soft = Dataset(np.zeros((len(y), 48, 48), np.uint8), y, "train", votes).soft_targets(ferplus_weight)
    return (1 - smoothing) * soft + smoothing / soft.shape[1]


def build_trainer(args, net, teachers, log_prior):
    import keras
    from keras import ops

    from emocam.training.augment import augmenter, parse_zoom

    augment = augmenter(args.seed, parse_zoom(args.zoom), fill_mode="reflect")
    for t in teachers:
        t.trainable = False

    class Trainer(keras.Model):
        def __init__(self):
            super().__init__()
            self.net, self.augment, self.teachers = net, augment, teachers  # tracked: their weights train

        def call(self, x, training=False):
            if training:
                x = augment(x, training=True)
            s = net(x, training=training)
            if not teachers:
                return s
            t = ops.mean(ops.stack([m(x, training=False) for m in teachers]), axis=0)
            return ops.concatenate([s, ops.stop_gradient(t)], axis=-1)

    w, tau = args.teacher_weight if teachers else 0.0, args.tau
    prior_term = ops.convert_to_tensor((tau * log_prior).astype("float32"))

    def loss(y_true, y_pred):
        s = y_pred[:, :7]
        target = (1 - w) * y_true + w * y_pred[:, 7:] if w else y_true
        logits = ops.log(ops.clip(s, 1e-7, 1.0)) + prior_term
        return keras.losses.categorical_crossentropy(target, logits, from_logits=True)

    trainer = Trainer()
    trainer.compile(optimizer=keras.optimizers.Adam(args.lr), loss=loss)
    return trainer


def make_callback(args, net, fold, val, out: Path, first_epoch_seconds: list):
    import keras

    from emocam.training.balance import macro_f1

    history, best = [], {"fold_macro_f1": -1.0}

    def score(xy):
        probs = np.asarray(net.predict(xy[0], batch_size=1024, verbose=0))
        pred = probs.argmax(1)
        return {"accuracy": round(float((pred == xy[1]).mean()), 4), "macro_f1": round(macro_f1(xy[1], pred), 4),
                "recall": [round(float((pred[xy[1] == c] == c).mean()), 4) for c in range(7)]}

    class Budget(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.monotonic()
            frac = min(1.0, (time.monotonic() - START) / args.seconds)
            warm = 0.05
            lr = args.lr * (frac / warm if frac < warm else 0.5 * (1 + math.cos(math.pi * (frac - warm) / (1 - warm))))
            self.model.optimizer.learning_rate.assign(max(lr, args.lr * 1e-3))

        def on_epoch_end(self, epoch, logs=None):
            row = {"epoch": epoch + 1, "loss": round(float(logs.get("loss", float("nan"))), 4),
                   "seconds": round(time.monotonic() - START, 1), "fold": score(fold)}
            if val is not None:
                row["val"] = score(val)
            history.append(row)
            if row["fold"]["macro_f1"] > best["fold_macro_f1"]:
                best.update(fold_macro_f1=row["fold"]["macro_f1"], epoch=epoch + 1, row=row)
                net.save(out / "best.tmp.keras")  # a run killed mid-save keeps the previous best
                os.replace(out / "best.tmp.keras", out / "best.keras")
            epoch_time = time.monotonic() - self.t0
            first_epoch_seconds.append(epoch_time)
            (out / "log.json").write_text(json.dumps({"args": vars(args), "best": best, "history": history}))
            print(f"{args.arch} {out.name} epoch {epoch + 1} {row['seconds']}s fold {row['fold']['accuracy']}"
                  f"/{row['fold']['macro_f1']}", flush=True)
            if time.monotonic() - START + epoch_time > args.seconds:
                self.model.stop_training = True

    return Budget()


def main(argv=None) -> int:
    args = parse(argv)
    import keras

    from emocam.models import architectures
    from emocam.training.balance import class_prior, holdout_fold

    keras.utils.set_random_seed(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    x, y, votes = load_pack(args.data)
    if args.limit:
        x, y, votes = x[:args.limit], y[:args.limit], votes[:args.limit]
    train_i, fold_i = holdout_fold(y)
    net = architectures.build(args.arch, 48, l2=args.l2)
    channels = int(net.inputs[0].shape[-1])
    teachers = [keras.saving.load_model(t, compile=False) for t in args.teacher]
    trainer = build_trainer(args, net, teachers, np.log(class_prior(y[train_i])))
    fold = (to_input(x[fold_i], channels), y[fold_i])
    val = None
    if args.val:
        vx, vy, _ = load_pack(args.val)
        val = (to_input(vx, channels), vy)
    t = targets(y[train_i], votes[train_i], args.ferplus_weight, args.label_smoothing)
    epochs = []
    cb = make_callback(args, net, fold, val, out, epochs)
    print(f"{args.arch}: {net.count_params()} weights, {len(train_i)} train / {len(fold_i)} fold faces, "
          f"ready at {time.monotonic() - START:.1f}s", flush=True)
    trainer.fit(to_input(x[train_i], channels), t, batch_size=args.batch_size, epochs=args.max_epochs,
                shuffle=True, callbacks=[cb], verbose=int(os.environ.get("GPU_TRAIN_VERBOSE", "0")))
    print(f"{args.arch} {out.name} done at {time.monotonic() - START:.1f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
