"""``python -m emocam train``: train an emotion model on FER2013 and write a model card.

Augmentation runs in tf.data with Keras 3 preprocessing layers; the best epoch (by val accuracy)
is saved to ``--out``, the latest state to ``<out>.resume.keras`` so that ``--resume`` continues.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import warnings
from pathlib import Path

from emocam.training.augment import augmenter, parse_zoom
from emocam.training.callbacks import SET_BY_INIT_FROM, Checkpoint, Progress, card_of

__all__ = ["SET_BY_INIT_FROM", "add_arguments", "card_of", "run"]

log = logging.getLogger(__name__)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, help="training data: npz, csv or image folder")
    p.add_argument("--val", help="validation data (default: val.npz beside --data, or the csv's PublicTest)")
    p.add_argument("--out", required=True, help="output model, e.g. weights/NAME.keras")
    p.add_argument("--arch", default="mini_xception_wide",
                   help="mini_xception, mini_xception_wide, or a seed's: vgg19, resnet50, mobilenetv2, densenet201, "
                        "densenet169 (ImageNet backbones, 48x48x3), emojify, s3_cnn; fer_vgg (a teacher)")
    p.add_argument("--imagenet-weights", metavar="FILE",
                   help="local Keras weights file for an ImageNet backbone (include_top=False); "
                        "without it the backbone starts from random weights (nothing is downloaded)")
    p.add_argument("--input-size", type=int, default=48, choices=(48, 64))
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-3, help="peak learning rate (cosine decay, 2-epoch warm-up)")
    p.add_argument("--l2", type=float, default=1e-4)
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--ferplus-weight", type=float, default=0.0,
                   help="mix this fraction of FER+ vote distribution into the targets (npz only)")
    p.add_argument("--teacher", help="distil from this trained model: its probabilities join the targets")
    p.add_argument("--teacher-weight", type=float, default=0.5, help="share of the teacher in the targets")
    p.add_argument("--teacher-mode", choices=("fixed", "online"), default="fixed",
                   help="fixed: the teacher scores each training face once, un-augmented; online: it scores "
                        "every augmented batch the student sees (slower, consistent)")
    p.add_argument("--zoom", default="-0.1,0.1", metavar="LO,HI",
                   help="crop-scale jitter, RandomZoom's range (negative: tighter crops; e.g. -0.2,0.25)")
    p.add_argument("--mixup", type=float, default=0.0, metavar="ALPHA",
                   help="mix pairs of training faces and their targets, weights drawn from Beta(ALPHA, ALPHA) "
                        "(e.g. 0.2; 0 = off)")
    p.add_argument("--class-weights", action="store_true", help="weight classes by inverse frequency")
    ignored = ", ".join("--" + k.replace("_", "-") for k in SET_BY_INIT_FROM)
    p.add_argument("--init-from", help="start from this trained model's weights (fine-tuning); its file sets "
                                        f"the architecture, so {ignored} are not used")
    p.add_argument("--ema", type=float, default=0.0, metavar="MOMENTUM",
                   help="keep an exponential moving average of the weights (e.g. 0.999 per step); val scoring "
                        "and the saved model use the averaged weights (0 = off)")
    p.add_argument("--patience", type=int, default=15, help="early stopping patience on val accuracy")
    p.add_argument("--resume", action="store_true", help="continue from <out>.resume.keras")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--limit", type=int, default=0, help="use only the first N training rows (smoke tests)")


def run(args: argparse.Namespace) -> int:
    if args.teacher_mode == "online" and not args.teacher:
        raise ValueError("--teacher-mode online needs --teacher MODEL")
    if args.mixup < 0:
        raise ValueError(f"--mixup must be >= 0, got {args.mixup}")
    parse_zoom(args.zoom)  # a bad range is said before any data is read
    # oneDNN's AVX-512 kernels crash on this model's 1x1 stride-2 filter gradient (TF 2.19-2.21)
    os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    warnings.filterwarnings("ignore", message=".*shuffle=True.*")  # our tf.data pipeline shuffles itself
    from emocam.training import data as fer

    train = fer.load(args.data, "train")
    val = fer.load(_default_val(args), "val")
    if args.limit:
        train = fer.Dataset(train.x[:args.limit], train.y[:args.limit], train.source,
                            None if train.votes is None else train.votes[:args.limit])
    return _fit(args, train, val)


def _default_val(args) -> str:
    if args.val:
        return args.val
    p = Path(args.data)
    if p.suffix == ".npz" and (p.parent / "val.npz").exists():
        return str(p.parent / "val.npz")
    return args.data  # csv (PublicTest rows) or folder (val/ split)


def _fit(args, train, val) -> int:
    import keras
    import numpy as np

    keras.utils.set_random_seed(args.seed)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    resume_path = out.with_name(out.stem + ".resume.keras")
    state_path = out.with_name(out.stem + ".resume.json")
    net, start_epoch, best = _network(args, resume_path, state_path)
    targets, teacher = _targets(args, train)
    channels = int(net.inputs[0].shape[-1])  # the ImageNet backbones take the gray face as RGB
    train_ds = _dataset(train.x, targets, args, training=True, teacher=teacher, channels=channels)
    val_ds = _dataset(val.x, np.eye(7, dtype="float32")[val.y], args, training=False, channels=channels)
    class_weight = _class_weights(train.y) if args.class_weights else None
    steps = math.ceil(len(train) / args.batch_size)
    checkpoint = Checkpoint(out, resume_path, state_path, best, args, train, val)
    callbacks = [
        keras.callbacks.LearningRateScheduler(lambda e: _lr(e, args)),
        *_ema_callbacks(net, resumed=start_epoch > 0),  # before the checkpoint: it saves the averaged weights
        checkpoint,
        keras.callbacks.EarlyStopping("val_accuracy", mode="max", patience=args.patience),
        Progress(args.epochs, steps),
    ]
    net.fit(train_ds, validation_data=val_ds, epochs=args.epochs, initial_epoch=start_epoch,
            class_weight=class_weight, callbacks=callbacks, verbose=0)
    log.info("best val accuracy %.4f, saved to %s", checkpoint.best, out)
    if out.exists():
        _export_tflite(out)
    return 0


def _network(args, resume_path: Path, state_path: Path):
    """``(net, first epoch, best val accuracy so far)``: the resumed state, or a new compiled network."""
    import keras

    if args.resume and resume_path.exists():
        net, (start_epoch, best) = _resume(resume_path, state_path)
        log.info("resuming from %s at epoch %d (best val %.4f)", resume_path, start_epoch, best)
        return net, start_epoch, best
    net = _initial_network(args)
    net.compile(optimizer=keras.optimizers.Adam(args.lr, use_ema=args.ema > 0, ema_momentum=args.ema or 0.99),
                loss=keras.losses.CategoricalCrossentropy(label_smoothing=args.label_smoothing),
                metrics=["accuracy"])
    return net, 0, 0.0


def _targets(args, train):
    """``(soft targets, online teacher or None)``: FER+ votes mixed in, and an offline teacher's too."""
    targets, teacher = train.soft_targets(args.ferplus_weight), None
    if args.teacher:
        from emocam.training import distill

        if args.teacher_mode == "online":
            teacher = distill.OnlineTeacher(args.teacher, args.teacher_weight)
        else:
            targets = distill.mix(targets, distill.teacher_probabilities(args.teacher, train.x), args.teacher_weight)
    return targets, teacher


def _resume(resume_path: Path, state_path: Path):
    """The resume model (an untrusted file like any other: checked in a child, allow-listed, its
    optimizer a built-in one) and ``(epoch, best val accuracy)`` from its state file."""
    from emocam.fileio import read_regular
    from emocam.models.probe import open_keras

    net = open_keras(resume_path, compile=True)
    try:
        state = json.loads(read_regular(state_path, 1 << 16, "resume state file"))
        epoch, best = int(state["epoch"]), float(state["best_val_accuracy"])
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{state_path}: not a valid resume state ({type(e).__name__}: "
                         f"{str(e).splitlines()[0] if str(e) else ''}); delete it and "
                         f"{resume_path.name} to start afresh") from e
    if epoch < 0 or not 0 <= best <= 1:
        raise ValueError(f"{state_path}: epoch {epoch} / best {best} are not valid; delete it to start afresh")
    return net, (epoch, best)


def _initial_network(args):
    """A fresh network of ``--arch``, or, with ``--init-from``, a trained one checked like any dropped-in model."""
    from emocam.models import architectures as arch

    if not args.init_from:
        return arch.build(args.arch, args.input_size, l2=args.l2, dropout=args.dropout,
                          imagenet_weights=getattr(args, "imagenet_weights", None))
    from emocam.models.probe import open_keras

    net = open_keras(Path(args.init_from))  # checked in a child unless shipped
    log.info("starting from the weights of %s", args.init_from)
    return net


def _ema_callbacks(net, resumed: bool) -> list:
    """With ``--ema``: swap the averaged weights in at each epoch's end, so that val scoring, the best
    checkpoint and the resume file all hold them; the raw weights wait in the optimizer's average slots
    and are swapped back at the next epoch's start (also after ``--resume``, which saved them that way)."""
    import keras

    if not getattr(net.optimizer, "use_ema", False):
        return []
    swap = keras.callbacks.SwapEMAWeights(swap_on_epoch=True)
    swap._ema_weights_in_model = resumed  # Keras keeps this flag private; the resume file holds swapped weights
    return [swap]


def _export_tflite(model_path: Path) -> Path:
    """Write the LiteRT twin of the best model beside it, so the app starts without TensorFlow."""
    import keras

    from emocam.models.loading import convert_to_tflite
    from emocam.fileio import atomic_write_bytes

    target = model_path.with_suffix(".tflite")
    net = keras.models.load_model(model_path, compile=False, safe_mode=True)
    atomic_write_bytes(target, convert_to_tflite(net, model_path))
    log.info("LiteRT model written to %s", target)
    return target


def _lr(epoch: int, args) -> float:
    warm = 2
    if epoch < warm:
        return args.lr * (epoch + 1) / warm
    t = (epoch - warm) / max(1, args.epochs - warm)
    return float(args.lr * 0.5 * (1 + math.cos(math.pi * t)))


def _dataset(x, targets, args, training: bool, teacher=None, channels: int = 1):
    import tensorflow as tf

    size = args.input_size
    ds = tf.data.Dataset.from_tensor_slices((x[..., None], targets))
    if training:
        ds = ds.shuffle(len(x), seed=args.seed, reshuffle_each_iteration=True)
    ds = ds.batch(args.batch_size)
    augment = augmenter(args.seed, parse_zoom(args.zoom))

    def prep(img, y):
        img = tf.cast(img, tf.float32)
        if size != 48:
            img = tf.image.resize(img, (size, size))
        if training:
            img = augment(img, training=True)
        if channels != 1:
            img = tf.repeat(img, channels, axis=-1)
        return img / 127.5 - 1.0, y

    ds = ds.map(prep, num_parallel_calls=tf.data.AUTOTUNE)
    if training and args.mixup:
        ds = ds.map(_mixup(args.mixup, args.seed), num_parallel_calls=tf.data.AUTOTUNE)
    if teacher is not None:  # sequential map: one batch at a time through the teacher's interpreter
        ds = ds.map(lambda img, y: (img, tf.ensure_shape(tf.numpy_function(teacher, [img, y], tf.float32),
                                                         [None, y.shape[-1]])))
    return ds.prefetch(2)


def _mixup(alpha: float, seed: int):
    """Batch map: each face and its targets mixed with another face of the batch, the share of the
    first drawn from Beta(alpha, alpha) (Zhang et al. 2018)."""
    import tensorflow as tf

    rng = tf.random.Generator.from_seed(seed)

    def mix(img, y):
        n = tf.shape(img)[0]
        seeds = rng.make_seeds(3)
        a = tf.random.stateless_gamma([n], seeds[:, 0], alpha)
        b = tf.random.stateless_gamma([n], seeds[:, 1], alpha)
        share = a / tf.maximum(a + b, 1e-12)
        other = tf.random.experimental.stateless_shuffle(tf.range(n), seeds[:, 2])
        s_img, s_y = tf.reshape(share, [-1, 1, 1, 1]), share[:, None]
        return s_img * img + (1 - s_img) * tf.gather(img, other), s_y * y + (1 - s_y) * tf.gather(y, other)

    return mix


def _class_weights(y):
    import numpy as np

    counts = np.bincount(y, minlength=7).astype(float)
    w = len(y) / (7 * np.maximum(counts, 1))
    return {i: float(v) for i, v in enumerate(w)}
