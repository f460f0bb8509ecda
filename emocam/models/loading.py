"""Open a model file for the live path: read it once, check it, convert Keras files to LiteRT
once and cache the result by content hash, so later runs (and the live app) never import TensorFlow
for the same file.

A Keras file is checked against the allow-list (:mod:`emocam.models.check`) and loaded with
``safe_mode=True`` before conversion.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

from emocam.errors import ModelError
from emocam.fileio import atomic_write_bytes
from emocam.live.classifier import EmotionClassifier, check_shapes
from emocam import resources
from emocam.models.check import check_config, read_config

log = logging.getLogger(__name__)

SUFFIXES = (".keras", ".h5", ".hdf5", ".weights.h5", ".tflite")
MAX_MODEL_BYTES = 64 << 20
_CACHE_VERSION = "1"


def default_cache_dir() -> Path:
    """Where converted models are cached (``EMOCAM_CACHE_DIR``, else the platform's per-user cache)."""
    return resources.model_cache_dir()


def load_classifier(path: str | Path, cache_dir: Path | None = None, num_threads: int = 1) -> EmotionClassifier:
    """Load ``.keras``, ``.h5/.hdf5``, ``.weights.h5`` (our architectures) or ``.tflite``.

    The file is read once; checks, loading and the cache key all use that one copy, so a file
    swapped on disk halfway through cannot slip past the checks."""
    path = Path(path)
    data = _read_model_bytes(path)
    if path.name.lower().endswith(".tflite"):
        return EmotionClassifier(data, path, num_threads)
    digest = hashlib.sha256(data).hexdigest()[:32]
    cached = (cache_dir or default_cache_dir()) / f"{digest}-v{_CACHE_VERSION}.tflite"
    if cached.is_file():
        try:
            return EmotionClassifier(cached.read_bytes(), path, num_threads)
        except (ModelError, OSError) as e:  # a damaged cache entry is rebuilt, not fatal
            log.warning("cached conversion %s is unusable (%s); converting again", cached, e)
            cached.unlink(missing_ok=True)
    tflite = _convert_private_copy(data, path)
    classifier = EmotionClassifier(tflite, path, num_threads)  # probe first: a refused model is never cached
    _write_cache(cached, tflite)
    return classifier


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
                             "install it with pip install 'emocam[train]', or use a .tflite model") from e


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
    from emocam.models import architectures as arch

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
    check_shapes(tuple(net.inputs[0].shape), tuple(net.outputs[0].shape), path)


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
