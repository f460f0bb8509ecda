"""The allow-list on crafted configs and files, without Keras (fast, so that ``make mutation`` runs it
first): each refusal with its exact message, each allowed form, the compile config of resume files."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import h5py
import pytest

from emocam.errors import ModelError
from emocam.models.check import check_compile_config, check_config, read_config
from tests.emocam.models.test_check_boundaries import layer, model

FILE = Path("weights/dropped.keras")


@pytest.fixture(autouse=True)
def keras_is_out_of_reach(monkeypatch):
    for name in ("keras", "tensorflow"):
        monkeypatch.setitem(sys.modules, name, None)


def refusal(config) -> str | None:
    try:
        check_config(config, FILE)
    except ModelError as e:
        return str(e)
    return None


def dense(**changes) -> dict:
    return model(layer("GlobalAveragePooling2D"), {**layer("Dense", [None, 1], units=7, activation="softmax"),
                                                   **changes})


@pytest.mark.parametrize("config, says", [
    (dense(class_name="Lambda"), "weights/dropped.keras: layer/class 'Lambda' at config.config.layers[2] is "
                                 "refused (Lambda layers run arbitrary code); allowed layers: Activation, Add, "),
    (dense(class_name="MyLayer"), "layer/class 'MyLayer' at config.config.layers[2] is refused (not an allowed "
                                  "layer type)"),
    (dense(class_name=["Dense"]), "layer/class ['Dense'] at config.config.layers[2] is refused"),
    (dense(module="os"), "Dense at config.config.layers[2] comes from module 'os', which is not allowed"),
    (dense(module=["keras"]), "comes from module ['keras']"),
    (dense(registered_name="pkg>Dense"), "Dense at config.config.layers[2] is a custom registered object "
                                         "'pkg>Dense'; custom objects are not accepted"),
    (dense(function="x"), "refuses to load code (function at config.config.layers[2]); models with Lambda "
                          "layers or Python functions are not accepted"),
    (dense(call_endpoint="serve", output_shape_type="x"), "refuses to load code (call_endpoint, "
                                                          "output_shape_type at config.config.layers[2])"),
    (dense(config={"units": 7, "activation": "evil"}), "activation 'evil' at config.config.layers[2].config."
                                                       "activation is not allowed; only built-in activations"),
])
def test_each_refusal_says_what_and_where(config, says):
    message = refusal(config)
    assert message is not None and says in message, message


@pytest.mark.parametrize("config", [
    dense(),
    dense(registered_name="Dense"),
    dense(module=None),
    dense(module="keras.layers"),
    dense(config={"units": 7, "activation": "gelu"}),
    dense(config={"units": 7, "activation": {"class_name": "Activation", "config": {}}}),  # not a name: walked
    model(layer("Dense", [None, 1], units=7, kernel_initializer={"class_name": "GlorotUniform", "config": {},
                                                                  "module": "keras.initializers"})),
    {"class_name": "Sequential", "module": "keras", "config": {"layers": []}},
    {"note": "no class_name anywhere"},
])
def test_allowed_configs_pass(config):
    assert refusal(config) is None


def test_the_path_is_named_even_for_a_refusal_deep_inside():
    config = model(layer("Dense", [None, 1], units=7))
    config["config"]["layers"][1]["config"]["kernel_regularizer"] = {"class_name": "Evil", "config": {}}
    assert refusal(config).startswith("weights/dropped.keras: layer/class 'Evil' at "
                                      "config.config.layers[1].config.kernel_regularizer is refused")


def test_nesting_too_deep_is_a_refusal():
    config: dict = {}
    node = config
    for _ in range(5000):
        node["n"] = {}
        node = node["n"]
    assert refusal(config) == "weights/dropped.keras: model config is nested too deeply to be a real model"


def keras_zip(path: Path, config) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("config.json", config if isinstance(config, (str, bytes)) else json.dumps(config))
    return path


COMPILED = {"optimizer": {"module": "keras.optimizers", "class_name": "Adam", "config": {"learning_rate": {
    "module": "keras.optimizers.schedules", "class_name": "CosineDecay", "config": {}}}},
    "loss": {"module": "keras.losses", "class_name": "CategoricalCrossentropy", "config": {}},
    "metrics": ["accuracy"]}


@pytest.mark.parametrize("change, says", [
    ({}, None),
    ({"optimizer": {"module": "my_pkg", "class_name": "Adam", "config": {}}},
     "'Adam' from 'my_pkg' at compile_config.optimizer is not a built-in optimizer, loss or metric"),
    ({"optimizer": {"module": "keras.optimizers", "class_name": "Evil", "config": {}}}, "'Evil' from"),
    ({"optimizer": {"module": "keras.optimizers", "class_name": ["Adam"], "config": {}}}, "['Adam'] from"),
    ({"optimizer": {"module": ["keras"], "class_name": "Adam", "config": {}}}, "from ['keras']"),
    ({"loss": {"module": "keras.losses", "class_name": "KLDivergence", "registered_name": "x>y"}}, "'KLDivergence'"),
    ({"loss": {"module": "keras.losses", "class_name": "KLDivergence", "registered_name": "KLDivergence"}}, None),
    ({"loss": {"module": None, "class_name": "Dense"}}, None),
    ({"loss": {"class_name": "LossFunctionWrapper", "config": {"fn": {"function": "x"}}}},
     "refuses to load code at compile_config.loss.config.fn; only built-in optimizers and losses"),
])
def test_a_resume_files_compile_config_names_only_built_ins(tmp_path, change, says):
    path = keras_zip(tmp_path / "run.resume.keras", {**dense(), "compile_config": {**COMPILED, **change}})
    if says is None:
        check_compile_config(path)
    else:
        with pytest.raises(ModelError, match="run.resume.keras: ") as e:
            check_compile_config(path)
        assert says in str(e.value)


def test_the_compile_config_is_dropped_unless_asked_for(tmp_path):
    path = keras_zip(tmp_path / "m.KERAS", {**dense(), "compile_config": {"x": 1}})
    assert "compile_config" not in read_config(path)
    assert read_config(path, keep_compile=True)["compile_config"] == {"x": 1}
    check_compile_config(keras_zip(tmp_path / "plain.keras", dense()))  # none at all is fine


@pytest.mark.parametrize("name, content, says", [
    ("m.keras", "{not json", "m.keras: model config is not valid JSON"),
    ("m.keras", "[1, 2]", "m.keras: model config is not a JSON object"),
    ("m.keras", b"\xff\xfe", "m.keras: model config is not valid JSON"),
    ("m.pt", "{}", "m.pt: unsupported model type; use .keras, .h5/.hdf5, .weights.h5 or .tflite"),
])
def test_bad_configs_in_files(tmp_path, name, content, says):
    path = keras_zip(tmp_path / name, content)
    with pytest.raises(ModelError) as e:
        read_config(path)
    assert str(e.value).startswith(f"{tmp_path / says}")


def test_a_zip_without_config_json_and_a_file_that_is_no_zip(tmp_path):
    path = tmp_path / "empty.keras"
    zipfile.ZipFile(path, "w").close()
    with pytest.raises(ModelError, match="empty.keras: not a Keras model archive \\(no config.json inside\\)"):
        read_config(path)
    (tmp_path / "junk.keras").write_bytes(b"PK not really")
    with pytest.raises(ModelError, match="junk.keras: not a readable .keras file .*truncated or corrupt"):
        read_config(tmp_path / "junk.keras")


@pytest.mark.parametrize("suffix", [".h5", ".HDF5"])
def test_h5_files_give_their_model_config(tmp_path, suffix):
    path = tmp_path / f"legacy{suffix}"
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(dense())
    assert read_config(path)["class_name"] == "Functional"
    empty = tmp_path / f"weights-only{suffix}"
    h5py.File(empty, "w").close()
    with pytest.raises(ModelError, match="HDF5 file has no model config; if it holds only weights, name it "
                                         "NAME.weights.h5"):
        read_config(empty)
    (tmp_path / f"junk{suffix}").write_bytes(b"not hdf5")
    with pytest.raises(ModelError, match="not a readable HDF5 model file"):
        read_config(tmp_path / f"junk{suffix}")
