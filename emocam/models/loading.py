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

from emocam.errors import FileRefused, ModelError
from emocam.fileio import atomic_write_bytes, read_regular
from emocam.limits import MAX_MODEL_BYTES
from emocam.live.classifier import EmotionClassifier, check_shapes
from emocam import resources
from emocam.models.check import check_compile_config, check_config, read_config

log = logging.getLogger(__name__)

SUFFIXES = (".keras", ".h5", ".hdf5", ".weights.h5", ".tflite")
_CACHE_VERSION = "1"


def default_cache_dir() -> Path:
    """Where converted models are cached (``EMOCAM_CACHE_DIR``, else the platform's per-user cache)."""
    return resources.model_cache_dir()


def load_classifier(path: str | Path, cache_dir: Path | None = None, num_threads: int = 1) -> EmotionClassifier:
    """Load ``.keras``, ``.h5/.hdf5``, ``.weights.h5`` (our architectures) or ``.tflite``.

    The file is read once; checks, loading and the cache key all use that one copy, so a file
    swapped on disk halfway through cannot slip past the checks."""
    path = Path(path)
    return classifier_from_bytes(read_model_bytes(path), path, cache_dir, num_threads)


def classifier_from_bytes(data: bytes, path: Path, cache_dir: Path | None = None,
                          num_threads: int = 1) -> EmotionClassifier:
    """The classifier for a model file's ``data`` (``path`` names it in messages and picks the format).

    This parses the bytes in THIS process: for untrusted files use :func:`emocam.models.probe.open_model`."""
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


def read_model_bytes(path: Path) -> bytes:
    """A model file's bytes, read once: regular files of a supported type up to :data:`MAX_MODEL_BYTES`."""
    if not path.name.lower().endswith(SUFFIXES):
        raise ModelError(f"{path}: unsupported model type; use one of {', '.join(SUFFIXES)}")
    try:
        return read_regular(path, MAX_MODEL_BYTES, "model file")
    except FileRefused as e:
        raise ModelError(str(e)) from e


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


def load_keras(path: Path, compile: bool = False):
    """Check the config against the allow-list, then load with ``safe_mode=True`` (TensorFlow).
    ``compile=True`` (resume files) also loads the optimizer, after checking it is a built-in one.

    This parses the file in THIS process: for untrusted files use :func:`emocam.models.probe.open_keras`."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if path.name.lower().endswith(".weights.h5"):
        return _load_our_weights(path)
    check_config(read_config(path), path)
    if compile:
        check_compile_config(path)
    import keras

    try:
        net = keras.models.load_model(path, compile=compile, safe_mode=True)
    except Exception as e:  # Keras raises many types for a bad file; all mean "cannot load"
        raise ModelError(f"{path}: Keras could not load the model ({type(e).__name__}: {_first_line(e)}); "
                         "is it a complete model saved by Keras 3?") from e
    _validate_keras_io(net, path)
    return net


def _first_line(e: Exception) -> str:
    """Keras messages run to 16-19 lines with printed arrays; the first line says what failed."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    text = lines[0] if lines else type(e).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _load_our_weights(path: Path):
    from emocam.models import architectures as arch

    for name in arch.MINI_XCEPTIONS:  # a bare weights file carries no architecture: ours only
        for size in (48, 64):
            net = arch.build(name, size)
            try:
                net.load_weights(path)
                log.info("%s: weights fit %s at %dpx", path, name, size)
                return net
            except Exception:  # shape mismatch: try the next architecture
                continue
    raise ModelError(f"{path}: these weights fit none of our architectures "
                     f"({', '.join(arch.MINI_XCEPTIONS)} at 48 or 64 px); save the full model as .keras")


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
        raise ModelError(f"{path}: could not convert to LiteRT ({type(e).__name__}: {_first_line(e)})") from e


def keras_bytes(net) -> bytes:
    """The ``.keras`` file of ``net`` as bytes, saved in a private temp folder (Keras writes by
    path), so that callers publish it with :mod:`emocam.fileio` (atomic, never through a link)."""
    with tempfile.TemporaryDirectory(prefix="emocam-save-") as tmp:
        target = Path(tmp) / "model.keras"
        net.save(target)
        return target.read_bytes()


def _write_cache(target: Path, data: bytes) -> None:
    try:
        atomic_write_bytes(target, data)
    except OSError as e:  # a cache we cannot write only costs time on the next start
        log.warning("could not cache converted model at %s: %s", target, e)
