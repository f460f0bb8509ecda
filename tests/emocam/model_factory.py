"""Small Keras models and hostile model files for the loader tests (helpers, not a test module).

Every model here is tiny so that saving and converting stays fast; the hostile ones carry a
sentinel path, so a test can tell whether loading ran any of their code.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import zipfile
from pathlib import Path
from typing import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402


def tiny(input_shape=(48, 48, 1), outputs: int = 7, activation: str | None = "softmax"):
    """A few-hundred-parameter image classifier; ``activation=None`` ends in logits."""
    inp = keras.Input(input_shape)
    x = layers.Conv2D(4, 3, activation="relu")(inp)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inp, layers.Dense(outputs, activation=activation)(x))


def two_inputs():
    """Two face inputs merged into one 7-way softmax: not an emotion model we can run."""
    a, b = keras.Input((48, 48, 1)), keras.Input((48, 48, 1))
    x = layers.GlobalAveragePooling2D()(layers.Add()([a, b]))
    return keras.Model([a, b], layers.Dense(7, activation="softmax")(x))


def randomize(net, seed: int = 0):
    """Give every weight (BatchNorm statistics included) random values, so that a converter that
    dropped or mis-folded a layer changes the outputs; returns ``net``."""
    rng = np.random.default_rng(seed)
    for var in net.weights:
        name = var.path
        if "moving_variance" in name or "gamma" in name:
            value = rng.uniform(0.5, 1.5, var.shape)
        elif "moving_mean" in name or "beta" in name:
            value = rng.normal(0, 0.2, var.shape)
        else:
            value = rng.normal(0, 1.5 / np.sqrt(max(1, int(np.prod(var.shape[:-1])))), var.shape)
        var.assign(value.astype("float32"))
    return net


def to_tflite(net) -> bytes:
    """The same conversion the loader uses, done here to make ``.tflite`` test files."""
    import tensorflow as tf

    return tf.lite.TFLiteConverter.from_keras_model(net).convert()


def lambda_model(sentinel: Path):
    """A model whose Lambda layer touches ``sentinel`` whenever it is called (even on load)."""
    touch = eval(f"lambda x: (__import__('pathlib').Path({str(sentinel)!r}).touch(), x)[1]")
    inp = keras.Input((48, 48, 1))
    x = layers.GlobalAveragePooling2D()(layers.Lambda(touch)(inp))
    net = keras.Model(inp, layers.Dense(7, activation="softmax")(x))
    sentinel.unlink(missing_ok=True)  # building the graph called it once
    return net


@keras.saving.register_keras_serializable(package="emocam_test")
class SentinelLayer(layers.Layer):
    """A registered custom layer whose constructor touches a file: stands in for any code that a
    custom object would run when Keras rebuilds it."""

    def __init__(self, sentinel: str, **kwargs):
        super().__init__(**kwargs)
        self.sentinel = sentinel
        Path(sentinel).touch()

    def call(self, x):
        return x

    def get_config(self):
        return {**super().get_config(), "sentinel": self.sentinel}


def custom_layer_model(sentinel: Path):
    """A model using :class:`SentinelLayer`; building it touches ``sentinel``, which is removed."""
    inp = keras.Input((48, 48, 1))
    x = layers.GlobalAveragePooling2D()(SentinelLayer(str(sentinel))(inp))
    net = keras.Model(inp, layers.Dense(7, activation="softmax")(x))
    sentinel.unlink(missing_ok=True)
    return net


def rewrite_config(src: Path, dst: Path, edit: Callable[[dict], None]) -> Path:
    """Copy the ``.keras`` zip ``src`` to ``dst`` with ``edit`` applied to its config.json."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "config.json":
                config = json.loads(data)
                edit(config)
                data = json.dumps(config).encode()
            zout.writestr(info.filename, data)
    return dst


def layer_configs(config: dict) -> list[dict]:
    """The layer list of a saved functional model's config."""
    return config["config"]["layers"]


def zip_bomb(src: Path, dst: Path, member: str, megabytes: int) -> Path:
    """A copy of a valid ``.keras`` zip where ``member`` unpacks to ``megabytes`` MB (mostly zeros,
    a few hundred KB compressed). For config.json the zeros follow valid JSON as whitespace."""
    shutil.copyfile(src, dst)
    chunk = (b" " if member == "config.json" else b"\0") * (1 << 20)
    with zipfile.ZipFile(src) as zin:
        head = zin.read(member) if member in zin.namelist() else b""
        kept = [(i.filename, zin.read(i.filename)) for i in zin.infolist() if i.filename != member]
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in kept:
            zout.writestr(name, data)
        with zout.open(member, "w", force_zip64=True) as fh:
            fh.write(head)
            for _ in range(megabytes):
                fh.write(chunk)
    return dst


def lying_zip(src: Path, dst: Path, padding_mb: int = 16) -> Path:
    """A ``.keras`` zip whose config.json really unpacks to ``padding_mb`` MB but whose headers
    claim 1 KB: size checks that trust the headers pass, so the reader itself must stay bounded."""
    zip_bomb(src, dst, "config.json", padding_mb)
    data = bytearray(dst.read_bytes())
    with zipfile.ZipFile(dst) as zf:
        local, central = zf.getinfo("config.json").header_offset, zf.start_dir
    _patch_sizes(data, local, local=True)
    while data[central + 46:central + 57] != b"config.json":  # walk the central directory
        central = data.index(b"PK\x01\x02", central + 4)
    _patch_sizes(data, central, local=False)
    dst.write_bytes(bytes(data))
    return dst


def _patch_sizes(data: bytearray, offset: int, local: bool) -> None:
    """Set the uncompressed size of one zip header (and its zip64 extra field) to 1 KB."""
    size_at, name_len_at, extra_len_at, fixed = (22, 26, 28, 30) if local else (24, 28, 30, 46)
    name_len, extra_len = (struct.unpack_from("<H", data, offset + k)[0] for k in (name_len_at, extra_len_at))
    if struct.unpack_from("<I", data, offset + size_at)[0] != 0xFFFFFFFF:
        struct.pack_into("<I", data, offset + size_at, 1024)
    extra = offset + fixed + name_len
    end = extra + extra_len
    while extra + 4 <= end:  # zip64 extra field: uncompressed size comes first
        tag, size = struct.unpack_from("<HH", data, extra)
        if tag == 0x0001 and size >= 8:
            struct.pack_into("<Q", data, extra + 4, 1024)
        extra += 4 + size
