"""Snapshot -> stylized avatar, after Gatys et al., "A Neural Algorithm of Artistic Style" (2015).

An image is optimised so that its VGG19 features match the snapshot (content) and the Gram matrices
of its features match a style image, plus a little total variation for smoothness. To be quick on a
laptop CPU it works coarse to fine: many cheap steps on a small copy, then fewer at each larger size,
starting from the upsampled result with the photo's fine detail added back.

TensorFlow is imported only when a :class:`StyleTransfer` is built, so this module (settings and
progress types) is cheap to import from the GUI process.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from emocam.style.images import avatar_crop, preserve_colour, resize_long_side

log = logging.getLogger(__name__)

CONTENT_LAYERS = ("block5_conv2",)
STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")
_BGR_MEAN = (103.939, 116.779, 123.68)  # ImageNet means of the caffe-style VGG preprocessing
ENGINES = ("fast", "gatys")  # the pretrained network (default) and the optimisation of this module
MIN_SIDE = 32  # VGG19 halves the image four times before block5: smaller leaves nothing to compare


class StyleCancelled(Exception):
    """The caller's ``cancelled()`` said stop; raised before the next step."""


@dataclass(frozen=True)
class StyleSettings:
    """How to paint. ``size``: long side of the result in pixels. ``scales`` (fractions of ``size``,
    coarse to fine) with ``steps`` optimiser steps at each. Weights balance content, style and total
    variation as in the TensorFlow style-transfer tutorial (its values for images in [0, 1]; the
    total variation is per pixel here, so it does not depend on the size). ``strength`` multiplies
    the style weight: 0 keeps the photo, 1 is the default, 4 is strong. ``tv_weight`` 1e7 on the mean
    absolute neighbour difference equals the tutorial's 30 on the sum for a ~330 px square image. ``preserve_colour`` keeps
    the photo's colours; ``face_crop`` cuts a square around the largest face first. ``engine``: "fast"
    (the pretrained network of :mod:`emocam.style.fast`, which uses only size, strength, colour and
    crop) or "gatys" (this module's optimisation, which needs the VGG19 weights)."""

    size: int = 384
    scales: tuple[float, ...] = (1 / 3, 2 / 3, 1.0)
    steps: tuple[int, ...] = (80, 30, 10)
    style_weight: float = 1e-2
    content_weight: float = 1e4
    tv_weight: float = 1e7
    strength: float = 1.0
    learning_rate: float = 0.02
    preserve_colour: bool = False
    face_crop: bool = True
    preview_interval_s: float = 1.0
    engine: str = "fast"

    def __post_init__(self):
        if self.engine not in ENGINES:
            raise ValueError(f"StyleSettings.engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if not MIN_SIDE <= self.size <= 2048:
            raise ValueError(f"StyleSettings.size must be {MIN_SIDE}..2048 pixels, got {self.size}")
        if not self.scales or len(self.scales) != len(self.steps):
            raise ValueError(f"StyleSettings.scales and .steps need one entry per scale, got "
                             f"{len(self.scales)} scales and {len(self.steps)} step counts")
        if any(not 0 < s <= 1 for s in self.scales) or list(self.scales) != sorted(self.scales):
            raise ValueError(f"StyleSettings.scales must rise within (0, 1], got {self.scales}")
        if any(n < 0 for n in self.steps) or sum(self.steps) < 1:
            raise ValueError(f"StyleSettings.steps must be >= 0 with at least one step, got {self.steps}")
        if not 0 <= self.strength <= 10:
            raise ValueError(f"StyleSettings.strength must be 0..10, got {self.strength}")
        if self.learning_rate <= 0 or min(self.style_weight, self.content_weight, self.tv_weight) < 0:
            raise ValueError("StyleSettings.learning_rate must be > 0 and the loss weights >= 0")

    @property
    def total_steps(self) -> int:
        return sum(self.steps)

    def with_total_steps(self, total: int) -> StyleSettings:
        """The same settings with ``total`` steps shared between the scales in the current proportions."""
        if total < len(self.steps):
            raise ValueError(f"steps must be at least {len(self.steps)} (one per scale), got {total}")
        shares = [max(1, round(total * n / self.total_steps)) for n in self.steps]
        shares[0] += total - sum(shares)  # rounding goes to the cheapest scale
        return replace(self, steps=tuple(shares))

    def side_at(self, scale: float) -> int:
        return max(MIN_SIDE, round(self.size * scale))


@dataclass(frozen=True)
class StyleProgress:
    """One optimiser step done. ``fraction`` is of the work (steps weighted by their pixels), for ETAs;
    ``preview`` (uint8 RGB at the current scale) comes now and then, else None."""

    step: int
    total: int
    loss: float
    fraction: float
    side: int
    preview: np.ndarray | None = None


def format_eta(elapsed: float, fraction: float) -> str:
    """``ETA m:ss`` from the time so far and the fraction done (blank until there is a fair estimate)."""
    if fraction >= 1.0:
        return f"done in {int(elapsed) // 60}:{int(elapsed) % 60:02d}"
    if fraction < 0.02 or elapsed < 1.0:
        return ""
    left = round(elapsed * (1 - fraction) / fraction)
    return f"ETA {left // 60}:{left % 60:02d}"


def build_vgg(weights: Path | None):
    """VGG19 without its classifier (Keras applications), cut after the deepest layer used, frozen,
    returning the style-layer then content-layer activations. ``weights``: a checked VGG19 ``notop``
    file; ``None`` gives RANDOM weights, which is only for tests (the timing is the same, the art is not)."""
    import keras

    from emocam.style.vgg_weights import WeightsInvalid

    try:
        vgg = keras.applications.VGG19(include_top=False, weights=None if weights is None else str(weights),
                                       input_shape=(None, None, 3))
    except ValueError as e:
        raise WeightsInvalid(f"{weights}: does not load into VGG19 without its top ({e})") from e
    vgg.trainable = False
    outputs = [vgg.get_layer(name).output for name in STYLE_LAYERS + CONTENT_LAYERS]
    return keras.Model(vgg.input, outputs, name="vgg19_style_features")


class StyleTransfer:
    """Paints images with one VGG19 (built once; reuse the object for many images). One thread at a time.

    ``weights``: a VGG19 ``notop`` file; None finds one (:func:`emocam.style.vgg_weights.find_weights`) and
    raises :class:`~emocam.style.vgg_weights.WeightsUnavailable` when there is none: nothing is downloaded
    here. ``vgg``: an extractor from :func:`build_vgg`, for tests that use random weights.
    """

    def __init__(self, weights: Path | None = None, *, vgg=None):
        if vgg is None:
            from emocam.style.vgg_weights import require_weights

            vgg = build_vgg(require_weights(weights).path)
        self.vgg = vgg
        self._step_fn = None

    def stylize(self, content: np.ndarray, style: np.ndarray, settings: StyleSettings = StyleSettings(),
                progress: Callable[[StyleProgress], None] | None = None,
                cancelled: Callable[[], bool] | None = None) -> np.ndarray:
        """``content`` painted in the manner of ``style`` (both uint8 RGB); returns uint8 RGB whose long
        side is ``settings.size``. Calls ``progress`` after every step; raises :class:`StyleCancelled`
        before the next step once ``cancelled()`` is true."""
        if settings.face_crop:
            content = avatar_crop(content)[0]
        content = resize_long_side(content, settings.size)
        tracker = _Tracker(settings, content.shape, progress)
        image = None
        for scale, steps in zip(settings.scales, settings.steps):
            side = settings.side_at(scale)
            small = resize_long_side(content, side)
            image = small.astype(np.float32) / 255 if image is None else _upsample_with_detail(image, small)
            if steps:
                image = self._optimise(image, small, resize_long_side(style, side), steps, settings,
                                       tracker, cancelled)
        result = np.clip(image * 255 + 0.5, 0, 255).astype(np.uint8)
        return preserve_colour(result, content) if settings.preserve_colour else result

    def _optimise(self, image, content, style, steps, settings, tracker, cancelled) -> np.ndarray:
        import tensorflow as tf

        n_style = len(STYLE_LAYERS)
        style_feats = self.vgg(_vgg_input(tf.constant(style[None], tf.float32) / 255))[:n_style]
        grams = [_gram(f) for f in style_feats]
        content_feats = self.vgg(_vgg_input(tf.constant(content[None], tf.float32) / 255))[n_style:]
        weights = tf.constant([settings.style_weight * settings.strength / n_style,
                               settings.content_weight / len(CONTENT_LAYERS), settings.tv_weight,
                               settings.learning_rate], tf.float32)
        x = tf.constant(image[None], tf.float32)
        m, v = tf.zeros_like(x), tf.zeros_like(x)
        for t in range(1, steps + 1):
            if cancelled is not None and cancelled():
                raise StyleCancelled(f"cancelled after {tracker.step} of {tracker.total} steps")
            x, m, v, loss = self._step(x, m, v, tf.constant(t, tf.float32), grams, content_feats, weights)
            tracker.advance(max(x.shape[1:3]), float(loss), lambda: x.numpy()[0], final=t == steps)
        return x.numpy()[0]

    @property
    def _step(self):
        if self._step_fn is None:
            self._step_fn = _make_step(self.vgg)
        return self._step_fn


class _Tracker:
    """Counts steps, weighs them by pixels for ``fraction``, and hands out previews now and then."""

    def __init__(self, settings: StyleSettings, content_shape, progress):
        h, w = content_shape[:2]
        costs = [(settings.side_at(s) / max(h, w)) ** 2 * h * w * n for s, n in zip(settings.scales, settings.steps)]
        self.per_step = [c / max(n, 1) / sum(costs) for c, n in zip(costs, settings.steps)]
        self.scale_of = [i for i, n in enumerate(settings.steps) for _ in range(n)]
        self.settings, self.progress = settings, progress
        self.total, self.step, self.done = settings.total_steps, 0, 0.0
        self._last_preview = time.monotonic()

    def advance(self, side: int, loss: float, image: Callable[[], np.ndarray], final: bool) -> None:
        self.done += self.per_step[self.scale_of[self.step]]
        self.step += 1
        if not np.isfinite(loss):
            raise FloatingPointError(f"style transfer diverged at step {self.step} (loss {loss}); "
                                     "lower the learning rate or the style strength")
        if self.progress is None:
            return
        preview = None
        now = time.monotonic()
        if final or now - self._last_preview >= self.settings.preview_interval_s:
            preview, self._last_preview = np.clip(image() * 255 + 0.5, 0, 255).astype(np.uint8), now
        fraction = 1.0 if self.step == self.total else min(self.done, 1.0)
        self.progress(StyleProgress(self.step, self.total, loss, fraction, side, preview))


def _upsample_with_detail(image: np.ndarray, content: np.ndarray) -> np.ndarray:
    """The coarse result enlarged to ``content``'s size, plus the photo detail the enlargement lacks."""
    h, w = content.shape[:2]
    up = cv2.resize(image, (w, h), interpolation=cv2.INTER_CUBIC)
    photo = content.astype(np.float32) / 255
    blurred = cv2.resize(cv2.resize(photo, image.shape[1::-1], interpolation=cv2.INTER_AREA), (w, h),
                         interpolation=cv2.INTER_CUBIC)
    return np.clip(up + (photo - blurred), 0, 1)


def _vgg_input(x01):
    """[0, 1] RGB -> what VGG19 was trained on: 0..255 BGR minus the ImageNet means."""
    return x01[..., ::-1] * 255 - _BGR_MEAN


def _gram(features):
    """Channel correlations averaged over positions (so they do not grow with the image)."""
    import tensorflow as tf

    shape = tf.shape(features)
    return tf.einsum("bijc,bijd->bcd", features, features) / tf.cast(shape[1] * shape[2], tf.float32)


def _make_step(vgg):
    """One Adam step on the image (as in the TensorFlow tutorial: beta1 0.99, epsilon 0.1), traced once
    for any image size."""
    import tensorflow as tf

    beta1, beta2, eps = 0.99, 0.999, 0.1
    n_style = len(STYLE_LAYERS)

    def loss_of(x, grams, content_feats, w):
        feats = vgg(_vgg_input(x), training=False)
        style = tf.add_n([tf.reduce_mean(tf.square(_gram(f) - g)) for f, g in zip(feats[:n_style], grams)])
        content = tf.add_n([tf.reduce_mean(tf.square(f - c)) for f, c in zip(feats[n_style:], content_feats)])
        tv = tf.reduce_mean(tf.abs(x[:, 1:] - x[:, :-1])) + tf.reduce_mean(tf.abs(x[:, :, 1:] - x[:, :, :-1]))
        return w[0] * style + w[1] * content + w[2] * tv

    @tf.function(input_signature=_step_signature(vgg))
    def step(x, m, v, t, grams, content_feats, w):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = loss_of(x, grams, content_feats, w)
        g = tape.gradient(loss, x)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * tf.square(g)
        update = (m / (1 - beta1 ** t)) / (tf.sqrt(v / (1 - beta2 ** t)) + eps)
        return tf.clip_by_value(x - w[3] * update, 0.0, 1.0), m, v, loss

    return step


def _step_signature(vgg):
    """Shapes of the step's inputs with the image size left open, so one trace serves every scale."""
    import tensorflow as tf

    image = tf.TensorSpec((1, None, None, 3), tf.float32)
    channels = [vgg.get_layer(name).output.shape[-1] for name in STYLE_LAYERS + CONTENT_LAYERS]
    n_style = len(STYLE_LAYERS)
    return (image, image, image, tf.TensorSpec((), tf.float32),
            [tf.TensorSpec((1, c, c), tf.float32) for c in channels[:n_style]],
            [tf.TensorSpec((1, None, None, c), tf.float32) for c in channels[n_style:]],
            tf.TensorSpec((4,), tf.float32))
