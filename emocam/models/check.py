"""Inspect an untrusted model file's config against an allow-list BEFORE Keras deserializes it.

Keras ``safe_mode`` alone has been bypassed repeatedly, so nothing from a dropped-in file reaches
``keras.models.load_model`` until every ``class_name``, ``module`` and activation in its config is
one we know to be plain data: no Lambda, no TFSMLayer, no custom or registered classes.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from emocam.errors import ModelError
from emocam.limits import MAX_INPUT_SIDE, MIN_INPUT_SIDE


ALLOWED_LAYERS = frozenset({
    "InputLayer", "Conv2D", "SeparableConv2D", "DepthwiseConv2D", "Dense", "BatchNormalization",
    "LayerNormalization", "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
    "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
    "Add", "Concatenate", "Multiply", "Average", "Maximum", "Subtract",
    "Dropout", "SpatialDropout2D", "GaussianNoise", "Flatten", "Reshape", "Permute", "ZeroPadding2D",
    "Cropping2D", "Rescaling", "Functional", "Sequential", "Model",
})
_ALLOWED_HELPERS = frozenset({
    "__keras_tensor__", "DTypePolicy", "FloatDTypePolicy", "Policy",
    "GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform", "LecunNormal", "LecunUniform",
    "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform", "TruncatedNormal",
    "VarianceScaling", "Orthogonal", "Identity",
    "L1", "L2", "L1L2", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm",
})
ALLOWED_CLASSES = ALLOWED_LAYERS | _ALLOWED_HELPERS
ALLOWED_MODULES = frozenset({
    None, "keras", "keras.layers", "keras.initializers", "keras.regularizers", "keras.constraints",
    "keras.models", "keras.src.models.functional", "keras.src.models.sequential", "keras.src.models.model",
})
ALLOWED_ACTIVATIONS = frozenset({
    "linear", "relu", "relu6", "softmax", "sigmoid", "tanh", "elu", "selu", "swish", "silu",
    "gelu", "leaky_relu", "hard_sigmoid", "softplus", "softsign", "exponential",
})
MAX_WIDTH = 4096
_FORBIDDEN_KEYS = frozenset({"function", "function_type", "output_shape_type", "call_endpoint"})
_MAX_CONFIG_BYTES = 8 << 20
_MAX_UNCOMPRESSED = 64 << 20


def read_config(path: Path) -> dict:
    """The model config of a ``.keras`` zip or a full-model ``.h5``, without deserializing layers."""
    suffix = path.name.lower()
    if suffix.endswith(".keras"):
        return _read_keras_zip(path)
    if suffix.endswith((".h5", ".hdf5")):
        return _read_h5(path)
    raise ModelError(f"{path}: unsupported model type; use .keras, .h5/.hdf5, .weights.h5 or .tflite")


def check_config(config: dict, path: Path) -> None:
    """Raise :class:`ModelError` unless every class, module and activation is allow-listed."""
    try:
        for where, node in _walk(config, "config"):
            if isinstance(node, dict):
                _check_node(node, where, path)
            elif where.endswith(".activation") and isinstance(node, str) and node not in ALLOWED_ACTIVATIONS:
                raise ModelError(f"{path}: activation {node!r} at {where} is not allowed; "
                                 "only built-in activations are loaded")
    except RecursionError as e:
        raise ModelError(f"{path}: model config is nested too deeply to be a real model") from e


def _check_node(node: dict, where: str, path: Path) -> None:
    bad_keys = _FORBIDDEN_KEYS & node.keys()
    if bad_keys:
        raise ModelError(f"{path}: refuses to load code ({', '.join(sorted(bad_keys))} at {where}); "
                         "models with Lambda layers or Python functions are not accepted")
    if "class_name" not in node:
        return
    name, module = node.get("class_name"), node.get("module")
    registered = node.get("registered_name")
    if not isinstance(name, str) or name not in ALLOWED_CLASSES:  # unhashable names must not crash
        kind = "Lambda layers run arbitrary code" if name == "Lambda" else "not an allowed layer type"
        raise ModelError(f"{path}: layer/class {name!r} at {where} is refused ({kind}); "
                         f"allowed layers: {', '.join(sorted(ALLOWED_LAYERS))}")
    if not isinstance(module, (str, type(None))) or module not in ALLOWED_MODULES:
        raise ModelError(f"{path}: {name} at {where} comes from module {module!r}, which is not allowed")
    if registered not in (None, name):
        raise ModelError(f"{path}: {name} at {where} is a custom registered object {registered!r}; "
                         "custom objects are not accepted")
    _check_sizes(node.get("config"), name, where, path)


def _check_sizes(config, name: str, where: str, path: Path) -> None:
    """Refuse sizes no emotion model has before Keras allocates them (a 2 KB config can ask for GBs)."""
    if not isinstance(config, dict):
        return
    for key in ("units", "filters"):
        value = config.get(key)
        if isinstance(value, int) and not 0 < value <= MAX_WIDTH:
            raise ModelError(f"{path}: {name} at {where} has {key}={value}; emotion models stay under {MAX_WIDTH}")
    shape = config.get("batch_shape") or config.get("batch_input_shape")
    if name == "InputLayer" and isinstance(shape, list) and len(shape) == 4:
        h, w = shape[1], shape[2]
        if not all(isinstance(v, int) and MIN_INPUT_SIDE <= v <= MAX_INPUT_SIDE for v in (h, w)):
            raise ModelError(f"{path}: input {h}x{w} is outside {MIN_INPUT_SIDE}..{MAX_INPUT_SIDE} px; "
                             "emotion models here take small face crops (48 or 64 px)")


def _walk(node, where):
    yield where, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{where}[{i}]")


def _read_keras_zip(path: Path) -> dict:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = {i.filename: i for i in zf.infolist()}
            if "config.json" not in infos:
                raise ModelError(f"{path}: not a Keras model archive (no config.json inside)")
            total = sum(i.file_size for i in zf.infolist())  # duplicate names all get extracted
            if infos["config.json"].file_size > _MAX_CONFIG_BYTES:
                raise ModelError(f"{path}: config.json unpacks to {infos['config.json'].file_size >> 20} MB, "
                                 f"more than any model config needs ({_MAX_CONFIG_BYTES >> 20} MB limit); "
                                 "refusing it")
            if total > _MAX_UNCOMPRESSED:
                raise ModelError(f"{path}: archive unpacks to {total >> 20} MB, more than any emotion "
                                 f"model needs ({_MAX_UNCOMPRESSED >> 20} MB limit); refusing it")
            raw = zf.read("config.json")
    except ModelError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise ModelError(f"{path}: not a readable .keras file ({e}); is it truncated or corrupt?") from e
    return _parse_json(raw, path)


def _read_h5(path: Path) -> dict:
    import h5py

    try:
        with h5py.File(path, "r") as f:
            raw = f.attrs.get("model_config")
    except (OSError, ValueError) as e:
        raise ModelError(f"{path}: not a readable HDF5 model file ({e}); is it truncated or corrupt?") from e
    if raw is None:
        raise ModelError(f"{path}: HDF5 file has no model config; if it holds only weights, "
                         "name it NAME.weights.h5")
    return _parse_json(raw, path)


def _parse_json(raw, path: Path) -> dict:
    try:
        config = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as e:  # RecursionError: absurdly deep nesting
        raise ModelError(f"{path}: model config is not valid JSON ({e})") from e
    if not isinstance(config, dict):
        raise ModelError(f"{path}: model config is not a JSON object")
    config.pop("compile_config", None)  # never deserialized: models are loaded with compile=False
    return config
