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
from emocam.limits import MAX_INPUT_SIDE, MAX_KERNEL_SIDE, MAX_PARAMETERS, MAX_WIDTH, MIN_INPUT_SIDE


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
_FORBIDDEN_KEYS = frozenset({"function", "function_type", "output_shape_type", "call_endpoint"})
_MAX_CONFIG_BYTES = 8 << 20
_MAX_UNCOMPRESSED = 128 << 20  # the zoo's largest (ResNet50) is about 97 MB


_COMPILE_CLASSES = frozenset({
    "Adam", "AdamW", "SGD", "RMSprop", "Nadam", "Adamax", "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy", "KLDivergence", "MeanSquaredError", "LossFunctionWrapper",
    "MeanMetricWrapper", "Mean", "CategoricalAccuracy", "Accuracy", "SparseCategoricalAccuracy",
    "ExponentialDecay", "CosineDecay", "PiecewiseConstantDecay", "InverseTimeDecay", "PolynomialDecay",
})
_COMPILE_MODULES = ALLOWED_MODULES | {"keras.optimizers", "keras.losses", "keras.metrics",
                                      "keras.optimizers.schedules"}


def check_compile_config(path: Path) -> None:
    """For a resume file, which is loaded with its optimizer: every class in ``compile_config``
    must be a built-in optimizer, loss, metric or schedule (strings only name built-ins)."""
    config = read_config(path, keep_compile=True).get("compile_config") or {}
    for where, node in _walk(config, "compile_config"):
        if isinstance(node, dict) and _FORBIDDEN_KEYS & node.keys():
            raise ModelError(f"{path}: refuses to load code at {where}; only built-in optimizers and losses are accepted")
        if isinstance(node, dict) and "class_name" in node:
            name, module = node.get("class_name"), node.get("module")
            if (not isinstance(name, str) or name not in _COMPILE_CLASSES | ALLOWED_CLASSES
                    or not isinstance(module, (str, type(None))) or module not in _COMPILE_MODULES
                    or node.get("registered_name") not in (None, name)):
                raise ModelError(f"{path}: {name!r} from {module!r} at {where} is not a built-in optimizer, loss "
                                 "or metric; resume files may hold only those")


def read_config(path: Path, keep_compile: bool = False) -> dict:
    """The model config of a ``.keras`` zip or a full-model ``.h5``, without deserializing layers."""
    suffix = path.name.lower()
    if suffix.endswith(".keras"):
        config = _read_keras_zip(path)
    elif suffix.endswith((".h5", ".hdf5")):
        config = _read_h5(path)
    else:
        raise ModelError(f"{path}: unsupported model type; use .keras, .h5/.hdf5, .weights.h5 or .tflite")
    if not keep_compile:
        config.pop("compile_config", None)  # never deserialized: models are loaded with compile=False
    return config


def check_config(config: dict, path: Path) -> None:
    """Raise :class:`ModelError` unless every class, module and activation is allow-listed."""
    total = 0
    try:
        for where, node in _walk(config, "config"):
            if isinstance(node, dict):
                _check_node(node, where, path)
                total += parameters_of(node, where, path)
                if total > MAX_PARAMETERS:
                    raise ModelError(f"{path}: the layers up to {where} ask for {total:,} weights, more than "
                                     f"the {MAX_PARAMETERS:,} any emotion model here needs; refusing it")
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
    for key in ("units", "filters", "depth_multiplier"):
        value = config.get(key)
        if value is not None and not (isinstance(value, int) and 0 < value <= MAX_WIDTH):
            raise ModelError(f"{path}: {name} at {where} has {key}={value}; emotion models stay under {MAX_WIDTH}")
    for key in ("kernel_size", "pool_size", "strides", "dilation_rate"):
        sides = _sides(config.get(key))
        if sides is None or not all(isinstance(s, int) and 0 < s <= MAX_KERNEL_SIDE for s in sides):
            raise ModelError(f"{path}: {name} at {where} has {key}={config.get(key)}; emotion models use "
                             f"sizes of 1..{MAX_KERNEL_SIDE}")
    key = {"ZeroPadding2D": "padding", "Cropping2D": "cropping"}.get(name)
    if key is not None:
        flat = _flatten(config.get(key))
        if flat is None or not all(isinstance(v, int) and 0 <= v <= MAX_INPUT_SIDE for v in flat):
            raise ModelError(f"{path}: {name} at {where} has {key}={config.get(key)}; "
                             f"emotion models pad or crop by at most {MAX_INPUT_SIDE} px")
    shape = config.get("batch_shape") or config.get("batch_input_shape")
    if name == "InputLayer" and isinstance(shape, list) and len(shape) == 4:
        h, w = shape[1], shape[2]
        if not all(isinstance(v, int) and MIN_INPUT_SIDE <= v <= MAX_INPUT_SIDE for v in (h, w)):
            raise ModelError(f"{path}: input {h}x{w} is outside {MIN_INPUT_SIDE}..{MAX_INPUT_SIDE} px; "
                             "emotion models here take small face crops (48 or 64 px)")


def parameters_of(node: dict, where: str, path: Path) -> int:
    """Weights a layer node will allocate, from its ``build_config`` input shape (Keras 3 files):
    what Keras allocates when it builds the layer, before any weight is read."""
    config, build = node.get("config"), node.get("build_config")
    if not isinstance(config, dict):
        return 0
    if not isinstance(build, dict):
        if node.get("class_name") in _WEIGHTED and path.name.lower().endswith(".keras"):
            raise ModelError(f"{path}: {node.get('class_name')} at {where} has no build_config (input shape), "
                             "which every Keras 3 file records; re-save the model with Keras 3")
        return 0  # legacy .h5 configs: the checking child's memory bound applies
    shape = build.get("input_shape")
    if not isinstance(shape, list) or not shape or isinstance(shape[0], list):
        return 0  # merge layers have no weights
    cin = shape[-1]
    if not isinstance(cin, int) or not 0 < cin <= 1 << 24:
        raise ModelError(f"{path}: layer at {where} declares input shape {shape}; not a real model")
    name = node.get("class_name")
    k, sides = 1, _sides(config.get("kernel_size")) or (1,)
    for side in sides * 2 if len(sides) == 1 else sides:  # Keras makes an int kernel square
        k *= side if isinstance(side, int) else 1
    filters, units, dm = (config.get(key) or 0 for key in ("filters", "units", "depth_multiplier"))
    counts = {"Conv2D": k * cin * filters + filters, "Dense": cin * units + units,
              "DepthwiseConv2D": k * cin * (dm or 1) + cin * (dm or 1),
              "SeparableConv2D": k * cin * (dm or 1) + cin * (dm or 1) * filters + filters,
              "BatchNormalization": 4 * cin, "LayerNormalization": 2 * cin, "PReLU": cin}
    return int(counts.get(name, 0))


_WEIGHTED = frozenset({"Conv2D", "Dense", "DepthwiseConv2D", "SeparableConv2D", "BatchNormalization",
                       "LayerNormalization", "PReLU"})


def _sides(value):
    """``3`` or ``[3, 3]`` -> a tuple of sides; None when the shape of the value is wrong."""
    if value is None or isinstance(value, bool):
        return () if value is None else None
    if isinstance(value, int):
        return (value,)
    if isinstance(value, list) and 1 <= len(value) <= 3:
        return tuple(value)
    return None


def _flatten(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, list) and len(value) <= 4:
        out = []
        for v in value:
            inner = _flatten(v)
            if inner is None:
                return None
            out += inner
        return out
    return None


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
    return config
