"""Every size limit of the model allow-list at its exact edge: the value just inside passes, the value
just outside is refused. The numbers are written out here on purpose (not read from emocam.limits),
so moving a limit fails a test.

Keras and TensorFlow are blocked for every test in this file (``import keras`` raises), so passing
cases prove the check itself never needs them, and the file-level cases go through the real loader
(:func:`emocam.models.loading.load_keras`): a refused file stops with the limit's message, a file just
inside gets as far as ``import keras`` — the refusal comes before anything Keras would allocate.
"""

from __future__ import annotations

import copy
import json
import sys
import zipfile
from pathlib import Path

import pytest

from emocam.errors import ModelError
from emocam.models.check import check_config, parameters_of, read_config
from emocam.models.loading import load_keras

FILE = Path("crafted.keras")


@pytest.fixture(autouse=True)
def keras_is_out_of_reach(monkeypatch):
    for name in ("keras", "tensorflow", "h5py"):
        monkeypatch.setitem(sys.modules, name, None)


def layer(class_name: str, input_shape: list | None = None, **config) -> dict:
    """A layer node as Keras 3 writes it (with the build_config that records its input shape)."""
    node = {"module": "keras.layers", "class_name": class_name, "registered_name": None,
            "config": {"name": class_name.lower(), "trainable": True, "dtype": "float32", **config}}
    if input_shape is not None:
        node["build_config"] = {"input_shape": input_shape}
    return node


def model(*layers: dict, side: int = 48) -> dict:
    inp = {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
           "config": {"batch_shape": [None, side, side, 1], "dtype": "float32", "name": "input"}}
    return {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
            "config": {"name": "crafted", "trainable": True, "layers": [inp, *layers]}}


def passes(config: dict) -> bool:
    try:
        check_config(copy.deepcopy(config), FILE)
    except ModelError:
        return False
    return True


CONV = dict(filters=8, kernel_size=[3, 3], strides=[1, 1], dilation_rate=[1, 1], activation="relu")

# (what, config, passes): each limit just inside and just outside
SIZES = {
    "units 4096": (model(layer("Dense", [None, 8], units=4096)), True),
    "units 4097": (model(layer("Dense", [None, 8], units=4097)), False),
    "units 1": (model(layer("Dense", [None, 8], units=1)), True),
    "units 0": (model(layer("Dense", [None, 8], units=0)), False),
    "filters 4096": (model(layer("Conv2D", [None, 48, 48, 1], **{**CONV, "filters": 4096})), True),
    "filters 4097": (model(layer("Conv2D", [None, 48, 48, 1], **{**CONV, "filters": 4097})), False),
    "depth_multiplier 4096": (model(layer("DepthwiseConv2D", [None, 48, 48, 1], kernel_size=1,
                                          depth_multiplier=4096)), True),
    "depth_multiplier 4097": (model(layer("DepthwiseConv2D", [None, 48, 48, 1], kernel_size=1,
                                          depth_multiplier=4097)), False),
    "kernel 15": (model(layer("Conv2D", [None, 48, 48, 1], **{**CONV, "kernel_size": 15})), True),
    "kernel 16": (model(layer("Conv2D", [None, 48, 48, 1], **{**CONV, "kernel_size": 16})), False),
    "kernel [15, 15]": (model(layer("Conv2D", [None, 48, 48, 1], **{**CONV, "kernel_size": [15, 15]})), True),
    "kernel [1, 16]": (model(layer("Conv2D", [None, 48, 48, 1], **{**CONV, "kernel_size": [1, 16]})), False),
    "kernel [1]": (model(layer("Conv2D", [None, 48, 48, 1], **{**CONV, "kernel_size": [1]})), True),
    "kernel 0": (model(layer("Conv2D", [None, 48, 48, 1], **{**CONV, "kernel_size": 0})), False),
    "kernel [3, 3, 3]": (model(layer("Conv2D", [None, 48, 48, 1], **{**CONV, "kernel_size": [3, 3, 3]})), True),
    "kernel [3, 3, 3, 3]": (model(layer("Conv2D", [None, 48, 48, 1], **{**CONV, "kernel_size": [3, 3, 3, 3]})),
                            False),
    "kernel true": (model(layer("Conv2D", [None, 48, 48, 1], **{**CONV, "kernel_size": True})), False),
    "strides 15": (model(layer("Conv2D", [None, 48, 48, 1], **{**CONV, "strides": [15, 15]})), True),
    "strides 16": (model(layer("Conv2D", [None, 48, 48, 1], **{**CONV, "strides": [16, 15]})), False),
    "dilation 15": (model(layer("Conv2D", [None, 48, 48, 1], **{**CONV, "dilation_rate": 15})), True),
    "dilation 16": (model(layer("Conv2D", [None, 48, 48, 1], **{**CONV, "dilation_rate": 16})), False),
    "pool 15": (model(layer("MaxPooling2D", pool_size=[15, 15], strides=[15, 15])), True),
    "pool 16": (model(layer("MaxPooling2D", pool_size=[16, 16], strides=[2, 2])), False),
    "padding 96": (model(layer("ZeroPadding2D", padding=96)), True),
    "padding 97": (model(layer("ZeroPadding2D", padding=97)), False),
    "padding [[0, 96], [96, 0]]": (model(layer("ZeroPadding2D", padding=[[0, 96], [96, 0]])), True),
    "padding [[0, 97], [0, 0]]": (model(layer("ZeroPadding2D", padding=[[0, 97], [0, 0]])), False),
    "padding -1": (model(layer("ZeroPadding2D", padding=-1)), False),
    "padding missing": (model(layer("ZeroPadding2D")), False),
    "padding [1, 1, 1, 1]": (model(layer("ZeroPadding2D", padding=[1, 1, 1, 1])), True),
    "padding [1, 1, 1, 1, 1]": (model(layer("ZeroPadding2D", padding=[1, 1, 1, 1, 1])), False),
    "cropping 96": (model(layer("Cropping2D", cropping=[[96, 0], [0, 96]])), True),
    "cropping 97": (model(layer("Cropping2D", cropping=[[97, 0], [0, 0]])), False),
    "kernel []": (model(layer("Conv2D", [None, 48, 48, 1], **{**CONV, "kernel_size": []})), False),
    "padding [[1, 'x'], [0, 0]]": (model(layer("ZeroPadding2D", padding=[[1, "x"], [0, 0]])), False),
    "initializer with config None": (model(layer("Dense", [None, 8], units=7, kernel_initializer={
        "class_name": "Zeros", "module": "keras.initializers", "config": None})), True),
    "initializer with config text": (model(layer("Dense", [None, 8], units=7, kernel_initializer={
        "class_name": "Zeros", "module": "keras.initializers", "config": "zeros"})), True),
    "input 32": (model(side=32), True),
    "input 31": (model(side=31), False),
    "input 96": (model(side=96), True),
    "input 97": (model(side=97), False),
}


@pytest.mark.parametrize("config, ok", SIZES.values(), ids=SIZES.keys())
def test_each_size_limit_holds_at_its_exact_edge(config, ok):
    assert passes(config) is ok


@pytest.mark.parametrize("h, w, ok", [(32, 96, True), (96, 32, True), (31, 48, False), (48, 31, False),
                                      (97, 48, False), (48, 97, False)])
def test_keras2_batch_input_shape_is_held_to_32_to_96_px_on_both_sides(h, w, ok):
    config = model()
    config["config"]["layers"][0]["config"] = {"batch_input_shape": [None, h, w, 1], "name": "input"}
    assert passes(config) is ok


def dense_with(weights_before: int, extra: list[dict]) -> dict:
    """A Dense of 4000 units on 7999 inputs asks for 7999 * 4000 + 4000 = 32,000,000 weights."""
    assert weights_before == 32_000_000
    return model(layer("Dense", [None, 7999], units=4000), *extra)


@pytest.mark.parametrize("extra, ok", [
    ([], True),                                                              # exactly 32,000,000
    ([layer("PReLU", [None, 1])], False),                                     # 32,000,001
    ([layer("Activation", [None, 4000], activation="softmax")], True),        # no weights
])
def test_the_weights_all_layers_ask_for_are_held_to_thirty_two_million(extra, ok):
    assert passes(dense_with(32_000_000, extra)) is ok


def test_a_refusal_for_weights_names_the_count_and_the_limit():
    with pytest.raises(ModelError, match=r"crafted.keras: the layers up to config\.config\.layers\[2\] ask for "
                                         r"32,000,001 weights, more than the 32,000,000"):
        check_config(dense_with(32_000_000, [layer("PReLU", [None, 1])]), FILE)


@pytest.mark.parametrize("node, count", [
    (layer("Conv2D", [None, 48, 48, 8], filters=16, kernel_size=[3, 3]), 1168),             # 3*3*8*16 + 16
    (layer("Conv2D", [None, 48, 48, 8], filters=16, kernel_size=3), 1168),                   # an int is square
    (layer("Dense", [None, 10], units=7), 77),
    (layer("DepthwiseConv2D", [None, 48, 48, 8], kernel_size=[3, 3], depth_multiplier=2), 160),
    (layer("DepthwiseConv2D", [None, 48, 48, 8], kernel_size=[3, 3]), 80),                   # multiplier 1
    (layer("SeparableConv2D", [None, 48, 48, 8], filters=16, kernel_size=[3, 3]), 216),      # 72 + 128 + 16
    (layer("SeparableConv2D", [None, 48, 48, 8], filters=16, kernel_size=[3, 3], depth_multiplier=2), 416),
    (layer("BatchNormalization", [None, 12, 12, 16]), 64),
    (layer("LayerNormalization", [None, 16]), 32),
    (layer("PReLU", [None, 16]), 16),
    (layer("Activation", [None, 16], activation="relu"), 0),
    (layer("Add", [[None, 16], [None, 16]]), 0),                                            # merge: no weights
    (layer("Add", [[None, 16]]), 0),
    (layer("DepthwiseConv2D", [None, 48, 48, 8]), 16),                                       # no kernel_size: 1
    (layer("Conv2D", [None, 48, 48, 8], filters=16, kernel_size=[None, 3]), 400),            # odd side counts 1
    (layer("Conv2D", [None, 48, 48, 8], kernel_size=[3, 3]), 0),                             # no filters
    (layer("Conv2D", [], filters=16, kernel_size=3), 0),                                     # no shape recorded
    (layer("Conv2D", None, filters=16, kernel_size=3) | {"build_config": "odd"}, None),      # .keras: refused
    (layer("Conv2D", [None, 48, 48, 16777216], filters=1, kernel_size=1), 16777217),         # 1 << 24 channels
    (layer("Conv2D", [None, 48, 48, 16777217], filters=1, kernel_size=1), None),
    (layer("Conv2D", [None, 48, 48, 0], filters=1, kernel_size=1), None),
    (layer("Conv2D", [None, 48, 48, "8"], filters=1, kernel_size=1), None),
])
def test_weights_per_layer_are_counted_as_keras_allocates_them(node, count):
    """Counts checked against ``keras.layers.X(...).count_params()`` on the same shapes."""
    if count is None:
        with pytest.raises(ModelError, match="crafted.keras: "):
            parameters_of(node, "here", FILE)
    else:
        assert parameters_of(node, "here", FILE) == count


def test_a_legacy_h5_layer_without_build_config_counts_nothing():
    node = layer("Conv2D", None, filters=16, kernel_size=3)
    assert parameters_of(node, "here", Path("legacy.h5")) == 0
    with pytest.raises(ModelError, match="legacy.keras: Conv2D at here has no build_config"):
        parameters_of(node, "here", Path("legacy.keras"))
    assert parameters_of({"class_name": "Conv2D", "config": "odd"}, "here", FILE) == 0


# --- whole files through the real loader ---------------------------------------------------------

def keras_file(path: Path, config_bytes: int | None = None, weights_bytes: int = 0) -> Path:
    """A ``.keras`` zip whose config.json is a valid small model padded with spaces (still valid
    JSON) to ``config_bytes``, and a zero-filled weights member of ``weights_bytes``."""
    text = json.dumps(model(layer("GlobalAveragePooling2D"), layer("Dense", [None, 1], units=7, activation="softmax")))
    if config_bytes is not None:
        text += " " * (config_bytes - len(text))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("config.json", text)
        if weights_bytes:
            with zf.open("model.weights.h5", "w") as fh:
                chunk = bytes(1 << 20)
                for start in range(0, weights_bytes, len(chunk)):
                    fh.write(chunk[: weights_bytes - start])
    return path


def reaches_keras(path: Path) -> bool:
    """True when the loader got past every check to ``import keras``; the refusal's ModelError otherwise."""
    try:
        load_keras(path)
    except ImportError:
        return True
    return False


@pytest.mark.parametrize("config_bytes, ok", [(8_388_608, True), (8_388_609, False)])
def test_config_json_is_held_to_8_mb(tmp_path, config_bytes, ok):
    path = keras_file(tmp_path / "big-config.keras", config_bytes=config_bytes)
    if ok:
        assert reaches_keras(path)
        assert read_config(path)["class_name"] == "Functional"
    else:
        with pytest.raises(ModelError, match=r"big-config.keras: config.json unpacks to 8 MB, more than any model "
                                             r"config needs \(8 MB limit\)"):
            load_keras(path)


@pytest.mark.parametrize("over, ok", [(0, True), (1, False)])
def test_the_whole_archive_is_held_to_128_mb_unpacked(tmp_path, over, ok):
    config_size = len(zipfile.ZipFile(keras_file(tmp_path / "probe.keras")).read("config.json"))
    path = keras_file(tmp_path / "big.keras", weights_bytes=134_217_728 - config_size + over)
    if ok:
        assert reaches_keras(path)
    else:
        with pytest.raises(ModelError, match=r"big.keras: archive unpacks to 128 MB, more than any emotion model "
                                             r"needs \(128 MB limit\)"):
            load_keras(path)


@pytest.mark.parametrize("edit, says", [
    (lambda c: c["config"]["layers"].append(layer("Dense", [None, 8], units=4097)), "units=4097; emotion models "
                                                                                     "stay under 4096"),
    (lambda c: c["config"]["layers"].append(layer("MaxPooling2D", pool_size=16)), "pool_size=16; emotion models "
                                                                                  "use sizes of 1..15"),
    (lambda c: c["config"]["layers"].append(layer("ZeroPadding2D", padding=97)), "padding=97; emotion models pad "
                                                                                 "or crop by at most 96 px"),
    (lambda c: c["config"]["layers"][0]["config"].update(batch_shape=[None, 97, 97, 1]),
     "input 97x97 is outside 32..96 px"),
])
def test_a_file_just_outside_a_limit_is_refused_by_the_loader_with_the_limit_named(tmp_path, edit, says):
    config = model(layer("GlobalAveragePooling2D"), layer("Dense", [None, 1], units=7, activation="softmax"))
    edit(config)
    path = tmp_path / "edge.keras"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("config.json", json.dumps(config))
    with pytest.raises(ModelError, match=f"edge.keras: .*{says}"):
        load_keras(path)
