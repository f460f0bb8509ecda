"""The allow-list check reads a model's config without deserializing it and refuses anything
that could run code (Lambda, TFSMLayer, custom or foreign classes) or exhaust memory."""

from __future__ import annotations

import copy
import json
import os
import warnings
import zipfile
from pathlib import Path

import h5py
import pytest

from emocam.models import architectures as arch
from emocam.models.check import ModelError, check_config, read_config
from tests.emocam import model_factory as mf

# The shape of the public Keras-2 mini-Xception files (fer2013_mini_XCEPTION.*.hdf5), abridged:
# no "module" keys, Keras-2 initializers and regularizers, old-style inbound nodes.
KERAS2_MINI_XCEPTION = {
    "class_name": "Model",
    "config": {
        "name": "model_1",
        "layers": [
            {"name": "input_1", "class_name": "InputLayer", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 64, 64, 1], "dtype": "float32", "sparse": False,
                        "name": "input_1"}},
            {"name": "conv2d_1", "class_name": "Conv2D", "inbound_nodes": [[["input_1", 0, 0, {}]]],
             "config": {"name": "conv2d_1", "filters": 8, "kernel_size": [3, 3], "activation": "linear",
                        "use_bias": False,
                        "kernel_initializer": {"class_name": "VarianceScaling",
                                               "config": {"scale": 1.0, "mode": "fan_avg",
                                                          "distribution": "uniform", "seed": None}},
                        "kernel_regularizer": {"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.01}},
                        "bias_initializer": {"class_name": "Zeros", "config": {}}}},
            {"name": "separable_conv2d_1", "class_name": "SeparableConv2D",
             "inbound_nodes": [[["conv2d_1", 0, 0, {}]]],
             "config": {"name": "separable_conv2d_1", "filters": 16, "kernel_size": [3, 3],
                        "depthwise_initializer": {"class_name": "VarianceScaling", "config": {}},
                        "pointwise_initializer": {"class_name": "VarianceScaling", "config": {}},
                        "depthwise_regularizer": {"class_name": "L1L2", "config": {"l2": 0.01}},
                        "activation": "linear"}},
            {"name": "batch_normalization_1", "class_name": "BatchNormalization",
             "inbound_nodes": [[["separable_conv2d_1", 0, 0, {}]]],
             "config": {"name": "batch_normalization_1", "momentum": 0.99, "epsilon": 0.001,
                        "gamma_initializer": {"class_name": "Ones", "config": {}}}},
            {"name": "add_1", "class_name": "Add",
             "inbound_nodes": [[["batch_normalization_1", 0, 0, {}], ["conv2d_1", 0, 0, {}]]],
             "config": {"name": "add_1"}},
            {"name": "global_average_pooling2d_1", "class_name": "GlobalAveragePooling2D",
             "inbound_nodes": [[["add_1", 0, 0, {}]]], "config": {"name": "global_average_pooling2d_1"}},
            {"name": "predictions", "class_name": "Activation",
             "inbound_nodes": [[["global_average_pooling2d_1", 0, 0, {}]]],
             "config": {"name": "predictions", "activation": "softmax"}},
        ],
        "input_layers": [["input_1", 0, 0]],
        "output_layers": [["predictions", 0, 0]],
    },
}


@pytest.fixture(scope="session")
def saved(tmp_path_factory) -> dict[str, Path]:
    """Real files written by Keras: our architectures as .keras and legacy .h5, a compiled model."""
    root = tmp_path_factory.mktemp("model_check")
    files = {
        "mini_xception.keras": arch.build("mini_xception", 48),
        "mini_xception_wide.keras": arch.build("mini_xception_wide", 48),
        "mini_xception_64.h5": arch.build("mini_xception", 64),
        "tiny.keras": mf.tiny(),
    }
    for name, net in files.items():
        net.save(root / name)
    compiled = mf.tiny()
    compiled.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    compiled.save(root / "compiled.keras")
    return {p.name: p for p in root.iterdir()}


@pytest.fixture()
def tiny_config(saved) -> dict:
    """A fresh, mutable copy of a real Keras 3 config (Input, Conv2D, GAP, Dense)."""
    return copy.deepcopy(read_config(saved["tiny.keras"]))


# --- allowed ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["mini_xception.keras", "mini_xception_wide.keras",
                                  "mini_xception_64.h5", "tiny.keras"])
def test_our_saved_models_pass(saved, name):
    config = read_config(saved[name])
    assert config["class_name"] == "Functional"
    check_config(config, saved[name])


def test_public_keras2_style_config_passes():
    check_config(copy.deepcopy(KERAS2_MINI_XCEPTION), Path("fer2013_mini_XCEPTION.102-0.66.hdf5"))


def test_compile_config_is_dropped_not_checked(saved):
    """Optimizer and loss objects are never deserialized (compile=False), so they are not refused."""
    with zipfile.ZipFile(saved["compiled.keras"]) as zf:
        assert "compile_config" in json.loads(zf.read("config.json"))
    config = read_config(saved["compiled.keras"])
    assert "compile_config" not in config
    check_config(config, saved["compiled.keras"])


# --- hostile configs -------------------------------------------------------------------------------

def _layer(config: dict, index: int = 1) -> dict:
    return mf.layer_configs(config)[index]  # 0 is the InputLayer, 1 the Conv2D, 3 the Dense


def _lambda(c):
    _layer(c).update(class_name="Lambda", config={"name": "evil", "function": {
        "class_name": "__lambda__", "config": {"code": "4wAAAA==", "defaults": None, "closure": None}}})


def _tfsm(c):
    _layer(c).update(class_name="TFSMLayer", config={"name": "sm", "filepath": "/tmp/sm",
                                                     "call_endpoint": "serve"})


def _nested_lambda(c):
    inner = copy.deepcopy(c)
    _lambda(inner)
    mf.layer_configs(c)[2] = {"module": "keras.src.models.functional", "class_name": "Functional",
                              "config": inner["config"], "registered_name": "Functional"}


HOSTILE = {
    "Lambda": (_lambda, "Lambda"),
    "TFSMLayer": (_tfsm, "TFSMLayer"),
    "Lambda inside a nested model": (_nested_lambda, "Lambda"),
    "class from module os": (lambda c: _layer(c).update(module="os", class_name="system",
                                                        config={"command": "id"}), "system"),
    "allowed class, module os": (lambda c: _layer(c).update(module="os"), "'os'"),
    "registered my_pkg>Thing": (lambda c: _layer(c).update(registered_name="my_pkg>Thing"), "my_pkg>Thing"),
    "key function": (lambda c: _layer(c, 3)["config"].update(function={"class_name": "__lambda__"}),
                     "function"),
    "key function_type": (lambda c: _layer(c, 3)["config"].update(function_type="lambda"), "function_type"),
    "activation my_custom_act": (lambda c: _layer(c, 3)["config"].update(activation="my_custom_act"),
                                 "my_custom_act"),
    "activation as custom object": (lambda c: _layer(c, 3)["config"].update(activation={
        "module": "my_pkg", "class_name": "function", "config": "my_act",
        "registered_name": "my_pkg>my_act"}), "function"),
    "custom initializer": (lambda c: _layer(c)["config"].update(kernel_initializer={
        "module": "my_pkg.init", "class_name": "MyInit", "config": {}}), "MyInit"),
    "allowed class, foreign keras module": (lambda c: _layer(c).update(module="keras.src.saving"),
                                            "keras.src.saving"),
    "class_name not a string": (lambda c: _layer(c).update(class_name=["Dense"]), "['Dense']"),
    "module not a string": (lambda c: _layer(c).update(module={"name": "os"}), "os"),
}


@pytest.mark.parametrize("edit, expected", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_config_is_refused(tiny_config, edit, expected):
    edit(tiny_config)
    path = Path("weights/dropped_in.keras")
    with pytest.raises(ModelError, match="dropped_in.keras") as err:
        check_config(tiny_config, path)
    assert expected in str(err.value)


def test_absurdly_deep_config_is_refused_not_crashed():
    config: dict = {"class_name": "Functional", "config": {}}
    node = config["config"]
    for _ in range(5000):
        node["layers"] = [{}]
        node = node["layers"][0]
    with pytest.raises(ModelError, match="deep.keras.*nested too deeply"):
        check_config(config, Path("deep.keras"))


# --- hostile files ---------------------------------------------------------------------------------

def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _empty_zip(path: Path) -> Path:
    zipfile.ZipFile(path, "w").close()
    return path


def _empty_h5(path: Path) -> Path:
    h5py.File(path, "w").close()
    return path


def _zip_with_config(path: Path, raw: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("config.json", raw)
    return path


def _duplicate_member_bomb(saved: dict, path: Path) -> Path:
    """Five members all named assets/pad.bin of 30 MB each: one name, 150 MB to extract."""
    mf.zip_bomb(saved["tiny.keras"], path, "assets/pad.bin", 30)
    with zipfile.ZipFile(path) as zf:
        pad = zf.read("assets/pad.bin")
    with warnings.catch_warnings(), zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        warnings.simplefilter("ignore")  # "Duplicate name" is the point
        for _ in range(4):
            zf.writestr("assets/pad.bin", pad)
    return path


BAD_FILES = {
    "random bytes .keras": (lambda s, p: _write(p, os.urandom(4096)), "x.keras", "not a readable"),
    "truncated .keras": (lambda s, p: _write(p, s["tiny.keras"].read_bytes()[:4000]), "x.keras",
                         "truncated or corrupt"),
    "zip without config.json": (lambda s, p: _empty_zip(p), "x.keras", "no config.json"),
    "config.json not JSON": (lambda s, p: _zip_with_config(p, b"{not json"), "x.keras", "not valid JSON"),
    "config.json a list": (lambda s, p: _zip_with_config(p, b"[1, 2]"), "x.keras", "not a JSON object"),
    "config.json nested 100k deep": (lambda s, p: _zip_with_config(p, b"[" * 100_000 + b"]" * 100_000),
                                     "x.keras", "not valid JSON"),
    "config.json bomb": (lambda s, p: mf.zip_bomb(s["tiny.keras"], p, "config.json", 9), "x.keras",
                         "config.json unpacks to 9 MB"),
    "weights bomb": (lambda s, p: mf.zip_bomb(s["tiny.keras"], p, "model.weights.h5", 150), "x.keras",
                     "unpacks to 150 MB"),
    "duplicate-name bomb": (_duplicate_member_bomb, "x.keras", "unpacks to 150 MB"),
    "headers lie about size": (lambda s, p: mf.lying_zip(s["tiny.keras"], p), "x.keras", "corrupt"),
    "random bytes .h5": (lambda s, p: _write(p, os.urandom(4096)), "x.h5", "not a readable HDF5"),
    "a .keras zip named .h5": (lambda s, p: _write(p, s["tiny.keras"].read_bytes()), "x.h5",
                               "not a readable HDF5"),
    "HDF5 without model config": (lambda s, p: _empty_h5(p), "x.hdf5", "weights.h5"),
    "wrong extension": (lambda s, p: _write(p, s["tiny.keras"].read_bytes()), "x.pt", "unsupported"),
}


@pytest.mark.parametrize("make, filename, expected", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_is_refused(saved, tmp_path, make, filename, expected):
    path = make(saved, tmp_path / filename)
    with pytest.raises(ModelError, match=filename.replace(".", r"\.")) as err:
        check_config(read_config(path), path)
    assert expected in str(err.value)


def test_limits_leave_room_for_our_widest_model(saved):
    """The bomb limits must not refuse a real model: ours are far below them."""
    with zipfile.ZipFile(saved["mini_xception_wide.keras"]) as zf:
        assert sum(i.file_size for i in zf.infolist()) < 8 << 20
