"""EmotionClassifier: load and validate a weight file, preprocess face crops, batch inference.

Live inference always runs through LiteRT. A Keras file is checked against the allow-list
(:mod:`emocam.model_check`), loaded with ``safe_mode=True``, converted once to TFLite and cached by
content hash, so later runs (and the live app) never import TensorFlow for the same file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from emocam.emotions import NUM_CLASSES
from emocam.fileio import atomic_write_bytes
from emocam.model_check import MAX_INPUT_SIDE, MIN_INPUT_SIDE, ModelError, check_config, read_config

log = logging.getLogger(__name__)

SUFFIXES = (".keras", ".h5", ".hdf5", ".weights.h5", ".tflite")
MIN_SIDE, MAX_SIDE = MIN_INPUT_SIDE, MAX_INPUT_SIDE
MAX_MODEL_BYTES = 64 << 20
SUM_TOLERANCE = 0.02  # quantised (int8) softmax outputs sum to 1 within about 0.005; logits are far off
_CACHE_VERSION = "1"


def default_cache_dir() -> Path:
    """Where converted models are cached (``EMOCAM_CACHE_DIR``, else the XDG cache)."""
    if os.environ.get("EMOCAM_CACHE_DIR"):
        return Path(os.environ["EMOCAM_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "emocam" / "models"


@dataclass(frozen=True)
class InputSpec:
    """The model's expected face size and channels (1 gray or 3 RGB)."""

    height: int
    width: int
    channels: int


class EmotionClassifier:
    """Scores face crops with a validated 7-class model through LiteRT. Not thread-safe:
    use one instance per thread."""

    def __init__(self, tflite_bytes: bytes, path: Path, num_threads: int = 1):
        from ai_edge_litert.interpreter import Interpreter

        self.path = Path(path)
        try:
            self._interp = Interpreter(model_content=tflite_bytes, num_threads=num_threads)
            self._interp.allocate_tensors()
        except (ValueError, RuntimeError) as e:
            raise ModelError(f"{path}: LiteRT cannot run this model ({e})") from e
        self.spec = _validate_io(self._interp, self.path)
        self._batch = 1
        self._check_probe()

    @classmethod
    def load(cls, path: str | Path, cache_dir: Path | None = None, num_threads: int = 1) -> EmotionClassifier:
        """Load ``.keras``, ``.h5/.hdf5``, ``.weights.h5`` (our architectures) or ``.tflite``.

        The file is read once; checks, loading and the cache key all use that one copy, so a file
        swapped on disk halfway through cannot slip past the checks."""
        path = Path(path)
        data = _read_model_bytes(path)
        if path.name.lower().endswith(".tflite"):
            return cls(data, path, num_threads)
        digest = hashlib.sha256(data).hexdigest()[:32]
        cached = (cache_dir or default_cache_dir()) / f"{digest}-v{_CACHE_VERSION}.tflite"
        if cached.is_file():
            try:
                return cls(cached.read_bytes(), path, num_threads)
            except (ModelError, OSError) as e:  # a damaged cache entry is rebuilt, not fatal
                log.warning("cached conversion %s is unusable (%s); converting again", cached, e)
                cached.unlink(missing_ok=True)
        tflite = _convert_private_copy(data, path)
        classifier = cls(tflite, path, num_threads)  # probe first: a refused model is never cached
        _write_cache(cached, tflite)
        return classifier

    def predict(self, crops: list[np.ndarray]) -> np.ndarray:
        """Probabilities [N, 7] for face crops (uint8 gray HxW or RGB HxWx3, any size)."""
        if not len(crops):
            return np.zeros((0, NUM_CLASSES), np.float32)
        return self.predict_batch(self.preprocess(crops))

    def preprocess(self, crops: list[np.ndarray]) -> np.ndarray:
        """Resize to the model's input, match its channels, scale to [-1, 1]: float32 [N,H,W,C]."""
        spec = self.spec
        out = np.empty((len(crops), spec.height, spec.width, spec.channels), np.float32)
        for i, crop in enumerate(crops):
            if crop.ndim == 3 and spec.channels == 1:
                crop = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
            elif crop.ndim == 2 and spec.channels == 3:
                crop = cv2.cvtColor(crop, cv2.COLOR_GRAY2RGB)
            if crop.shape[:2] != (spec.height, spec.width):
                crop = cv2.resize(crop, (spec.width, spec.height), interpolation=cv2.INTER_AREA)
            out[i] = crop.reshape(spec.height, spec.width, spec.channels)
        out *= 1 / 127.5
        out -= 1.0
        return out

    def predict_batch(self, batch: np.ndarray) -> np.ndarray:
        """Probabilities [N, 7] for a preprocessed float32 batch [N, H, W, C]."""
        out = self._invoke(batch)
        return out / np.maximum(out.sum(axis=1, keepdims=True), 1e-12)  # int8 softmax sums to 1 +- 0.01

    def _invoke(self, batch: np.ndarray) -> np.ndarray:
        """The model's raw outputs for a batch."""
        inp = self._interp.get_input_details()[0]
        if len(batch) != self._batch:
            self._interp.resize_tensor_input(inp["index"], [len(batch), *batch.shape[1:]])
            self._interp.allocate_tensors()
            self._batch = len(batch)
        self._interp.set_tensor(inp["index"], np.ascontiguousarray(batch, np.float32))
        self._interp.invoke()
        return self._interp.get_tensor(self._interp.get_output_details()[0]["index"]).astype(np.float32)

    def _check_probe(self) -> None:
        rng = np.random.default_rng(0)
        spec = self.spec
        probe = rng.uniform(-1, 1, (2, spec.height, spec.width, spec.channels)).astype(np.float32)
        out = self._invoke(probe)
        if out.shape != (2, NUM_CLASSES) or not np.all(np.isfinite(out)):
            raise ModelError(f"{self.path}: produced {out.shape} or non-finite values on a probe image")
        sums = out.sum(axis=1)
        if np.any(out < -1e-6) or np.any(np.abs(sums - 1) > SUM_TOLERANCE):
            raise ModelError(f"{self.path}: outputs sum to {sums.round(3).tolist()}, not 1 — "
                             "does the model end in logits instead of a softmax?")


def _read_model_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise ModelError(f"{path}: no such model file")
    size = path.stat().st_size
    if size == 0:
        raise ModelError(f"{path}: file is empty")
    if not path.name.lower().endswith(SUFFIXES):
        raise ModelError(f"{path}: unsupported model type; use one of {', '.join(SUFFIXES)}")
    if size > MAX_MODEL_BYTES:
        raise ModelError(f"{path}: {size >> 20} MB is far larger than an emotion model "
                         f"(limit {MAX_MODEL_BYTES >> 20} MB); refusing to load it")
    return path.read_bytes()


def _convert_private_copy(data: bytes, path: Path) -> bytes:
    """Check, load and convert from a private temporary copy; messages name the user's file."""
    with tempfile.TemporaryDirectory(prefix="emocam-model-") as tmp:
        private = Path(tmp) / path.name
        private.write_bytes(data)
        try:
            return convert_to_tflite(load_keras(private), private)
        except ModelError as e:
            raise ModelError(str(e).replace(str(private), str(path))) from e
        except ImportError as e:
            raise ModelError(f"{path}: converting a Keras model needs TensorFlow, which is not installed; "
                             "install it, or use a .tflite model") from e


def load_keras(path: Path):
    """Check the config against the allow-list, then load with ``safe_mode=True`` (TensorFlow)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if path.name.lower().endswith(".weights.h5"):
        return _load_our_weights(path)
    check_config(read_config(path), path)
    import keras

    try:
        net = keras.models.load_model(path, compile=False, safe_mode=True)
    except Exception as e:  # Keras raises many types for a bad file; all mean "cannot load"
        raise ModelError(f"{path}: Keras could not load the model ({type(e).__name__}: {e})") from e
    _validate_keras_io(net, path)
    return net


def _load_our_weights(path: Path):
    from emocam import model as arch

    for name in arch.ARCHITECTURES:
        for size in (48, 64):
            net = arch.build(name, size)
            try:
                net.load_weights(path)
                log.info("%s: weights fit %s at %dpx", path, name, size)
                return net
            except Exception:  # shape mismatch: try the next architecture
                continue
    raise ModelError(f"{path}: these weights fit none of our architectures "
                     f"({', '.join(arch.ARCHITECTURES)} at 48 or 64 px); save the full model as .keras")


def _validate_keras_io(net, path: Path) -> None:
    if len(net.inputs) != 1:
        raise ModelError(f"{path}: expects {len(net.inputs)} inputs; an emotion model takes one face image")
    if len(net.outputs) != 1:
        raise ModelError(f"{path}: has {len(net.outputs)} outputs; expected one with 7 probabilities")
    _check_shapes(tuple(net.inputs[0].shape), tuple(net.outputs[0].shape), path)


def _check_shapes(inp: tuple, out: tuple, path: Path) -> InputSpec:
    if len(inp) != 4 or inp[3] not in (1, 3):
        raise ModelError(f"{path}: input shape {inp} is not an HxWx1 or HxWx3 image")
    h, w = inp[1], inp[2]
    if not all(isinstance(s, int) and MIN_SIDE <= s <= MAX_SIDE for s in (h, w)):
        raise ModelError(f"{path}: input {h}x{w} is outside {MIN_SIDE}..{MAX_SIDE} px; "
                         "emotion models here take small face crops (48 or 64 px)")
    if len(out) != 2 or out[-1] != NUM_CLASSES:
        hint = " — is this an FER+ model?" if out and out[-1] == 8 else ""
        raise ModelError(f"{path}: expects {NUM_CLASSES} outputs, has {out[-1] if out else '?'}{hint}")
    return InputSpec(int(h), int(w), int(inp[3]))


def _validate_io(interp, path: Path) -> InputSpec:
    ins, outs = interp.get_input_details(), interp.get_output_details()
    if len(ins) != 1:
        raise ModelError(f"{path}: expects {len(ins)} inputs; an emotion model takes one face image")
    if len(outs) != 1:
        raise ModelError(f"{path}: has {len(outs)} outputs; expected one with 7 probabilities")
    if ins[0]["dtype"] != np.float32:
        raise ModelError(f"{path}: input type {np.dtype(ins[0]['dtype']).name}; only float32 models are supported")
    return _check_shapes(tuple(int(s) for s in ins[0]["shape"]), tuple(int(s) for s in outs[0]["shape"]), path)


def convert_to_tflite(net, path: Path) -> bytes:
    """Convert a validated Keras model to TFLite bytes (float32)."""
    import contextlib
    import io

    import tensorflow as tf

    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the converter prints its SavedModel summary
            return tf.lite.TFLiteConverter.from_keras_model(net).convert()
    except Exception as e:
        raise ModelError(f"{path}: could not convert to LiteRT ({type(e).__name__}: {e})") from e


def _write_cache(target: Path, data: bytes) -> None:
    try:
        atomic_write_bytes(target, data)
    except OSError as e:  # a cache we cannot write only costs time on the next start
        log.warning("could not cache converted model at %s: %s", target, e)
