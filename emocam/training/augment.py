"""The training augmentation, one definition for ``train`` (TensorFlow input pipeline) and
``tools/gpu_train.py`` (inside the model, any Keras backend): mirror, shift, a small rotation and a
crop-scale jitter, so the model holds up for looser and tighter face boxes than FER2013's own."""

from __future__ import annotations

DEFAULT_ZOOM = (-0.1, 0.1)  # RandomZoom's range: negative zooms in (a tighter box), positive out


def parse_zoom(text: str) -> tuple[float, float]:
    """``"LO,HI"`` (or one number ``Z`` for ``-Z,Z``) as RandomZoom's range; ``ValueError`` naming
    the rule when it is not one."""
    rule = f"--zoom {text!r}: give LO,HI with -1 < LO <= HI < 1 (e.g. -0.2,0.25)"
    try:
        parts = [float(v) for v in text.split(",")]
    except ValueError:
        raise ValueError(rule) from None
    if len(parts) == 1:
        parts = [-abs(parts[0]), abs(parts[0])]
    if len(parts) != 2 or not -1.0 < parts[0] <= parts[1] < 1.0:
        raise ValueError(rule)
    return parts[0], parts[1]


def augmenter(seed: int, zoom: tuple[float, float] = DEFAULT_ZOOM, fill_mode: str = "nearest"):
    """A Keras model that augments a batch of faces (call it with ``training=True``)."""
    import keras

    return keras.Sequential([
        keras.layers.RandomFlip("horizontal", seed=seed),
        keras.layers.RandomTranslation(0.1, 0.1, fill_mode=fill_mode, seed=seed),
        keras.layers.RandomRotation(0.04, fill_mode=fill_mode, seed=seed),  # ~15 degrees
        keras.layers.RandomZoom(zoom, fill_mode=fill_mode, seed=seed),
    ], name="augment")
