"""Mini-Xception builders (Arriaga et al. 2017, "Real-time Convolutional Neural Networks
for Emotion and Gender Classification"). The architecture lives here; weights live in weights/.

Inputs are grayscale faces scaled to [-1, 1] (the convention of the public mini-Xception files),
outputs are softmax probabilities in FER2013 order.
"""

from __future__ import annotations

from emocam.models.seeds import SEEDS, build_seed

MINI_XCEPTIONS = ("mini_xception", "mini_xception_wide")
ARCHITECTURES = (*MINI_XCEPTIONS, *SEEDS)

# (stem filters, residual-module filters) per architecture
_WIDTHS = {
    "mini_xception": (8, (16, 32, 64, 128)),
    "mini_xception_wide": (8, (32, 64, 128, 256)),
}


def build(architecture: str = "mini_xception", input_size: int = 48, channels: int = 1,
          num_classes: int = 7, l2: float = 1e-4, dropout: float = 0.0, imagenet_weights: str | None = None):
    """Build an uncompiled Keras model of ``architecture`` (a mini-Xception or a seed's, see
    :mod:`emocam.models.seeds`).

    ``input_size`` is 48 or 64. ``mini_xception_wide`` is our wider variant (same topology,
    2-4x the filters in the residual modules, about 0.8 MB of float32 weights).
    """
    if input_size not in (48, 64):
        raise ValueError(f"input_size must be 48 or 64, got {input_size}")
    if architecture in SEEDS:
        return build_seed(architecture, input_size, num_classes, dropout, imagenet_weights)
    if architecture not in _WIDTHS:
        raise ValueError(f"unknown architecture {architecture!r}; known: {', '.join(ARCHITECTURES)}")
    if imagenet_weights:
        raise ValueError("--imagenet-weights applies to the ImageNet backbones only")
    import keras
    from keras import layers

    stem, modules = _WIDTHS[architecture]
    reg = keras.regularizers.L2(l2) if l2 else None

    inputs = keras.Input((input_size, input_size, channels), name="face")
    x = inputs
    for _ in range(2):
        x = layers.Conv2D(stem, 3, use_bias=False, kernel_regularizer=reg)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
    for filters in modules:
        x = _residual_module(x, filters, reg)
    if dropout:
        x = layers.Dropout(dropout)(x)
    x = layers.Conv2D(num_classes, 3, padding="same")(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Activation("softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=architecture)


def _residual_module(x, filters: int, reg):
    from keras import layers

    residual = layers.Conv2D(filters, 1, strides=2, padding="same", use_bias=False)(x)
    residual = layers.BatchNormalization()(residual)
    x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False,
                               depthwise_regularizer=reg, pointwise_regularizer=reg)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False,
                               depthwise_regularizer=reg, pointwise_regularizer=reg)(x)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    return layers.Add()([x, residual])


def with_flip_tta(base):
    """``base`` averaged with itself on the horizontally mirrored face (test-time augmentation).

    Built only from plain layers our loader accepts: the mirror is a frozen ``Dense`` layer holding
    the exchange matrix, applied along the width axis, so the file needs no custom code."""
    import keras
    import numpy as np
    from keras import layers

    h, w, c = (int(d) for d in base.inputs[0].shape[1:])
    face = keras.Input((h, w, c), name="face")
    width_last = layers.Permute((1, 3, 2), name="width_last")(face)
    flip = layers.Dense(w, use_bias=False, trainable=False, name="mirror_width")
    mirrored = layers.Permute((1, 3, 2), name="width_back")(flip(width_last))
    flip.set_weights([np.eye(w, dtype="float32")[::-1]])
    outputs = layers.Average(name="predictions")([base(face), base(mirrored)])
    return keras.Model(face, outputs, name=f"{base.name}_flip_tta")
