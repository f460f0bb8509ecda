"""Every seed architecture of the model zoo: ``train --arch NAME`` trains it (briefly, on tiny data),
saves it, the allow-list accepts the saved file, and the app's loader runs it through LiteRT."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from emocam.models import seeds
from emocam.models.check import check_config, read_config
from tests.emocam.training.test_train import _train

CHANNELS = {"vgg19": 3, "resnet50": 3, "mobilenetv2": 3, "densenet201": 3, "densenet169": 3,
            "emojify": 1, "s3_cnn": 1, "fer_vgg": 1}
# training and converting these takes 2-4 CPU minutes each: CI runs them (EMOCAM_HEAVY_TESTS=1 in .ci/run)
HEAVY = {"vgg19", "resnet50", "densenet201", "densenet169"}


def test_every_seed_is_listed_with_its_input():
    assert set(seeds.SEEDS) == set(CHANNELS)


@pytest.fixture(scope="module", params=sorted(CHANNELS))
def trained_seed(request, tmp_path_factory, fer_npz):
    if request.param in HEAVY and os.environ.get("EMOCAM_HEAVY_TESTS") != "1":
        pytest.skip(f"{request.param}: set EMOCAM_HEAVY_TESTS=1 to train and convert the large backbones")
    out = tmp_path_factory.mktemp(request.param) / f"{request.param}.keras"
    run = _train("--data", str(fer_npz), "--val", str(fer_npz), "--out", str(out), "--arch", request.param,
                 "--epochs", "1", "--batch-size", "35", "--seed", "1")
    return request.param, out, run


def test_trains_saves_and_passes_the_allow_list(trained_seed):
    name, out, run = trained_seed
    assert run.returncode == 0, run.stderr[-3000:]
    assert out.is_file() and out.with_suffix(".tflite").is_file()
    check_config(read_config(out), out)  # raises ModelError on any layer or size outside the allow-list
    card = json.loads(out.with_suffix(".card.json").read_text())
    assert card["recipe"]["arch"] == name


def test_the_app_runs_it_through_litert(trained_seed):
    from emocam.live.classifier import EmotionClassifier
    from emocam.models.probe import open_model

    name, out, run = trained_seed
    assert run.returncode == 0, run.stderr[-3000:]
    classifier = open_model(out.with_suffix(".tflite"))  # the twin train wrote: the app's drop-in path
    assert isinstance(classifier, EmotionClassifier)
    assert (classifier.spec.height, classifier.spec.width, classifier.spec.channels) == (48, 48, CHANNELS[name])
    faces = np.random.default_rng(0).integers(0, 256, (3, 48, 48), dtype=np.uint8)  # gray, as the app gives
    probs = classifier.predict(faces)
    assert probs.shape == (3, 7)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)


def test_imagenet_weights_only_for_backbones(tmp_path):
    with pytest.raises(ValueError, match="applies to the ImageNet backbones"):
        seeds.build_seed("emojify", imagenet_weights=str(tmp_path / "w.h5"))


def test_backbones_nest_a_functional_model_and_rescale_to_unit_range():
    net = seeds.build_seed("mobilenetv2")
    kinds = [type(layer).__name__ for layer in net.layers]
    assert kinds[:3] == ["InputLayer", "Rescaling", "Functional"]
    rescale = net.layers[1]
    assert float(rescale.scale) == 0.5 and float(rescale.offset) == 0.5  # [-1, 1] -> [0, 1]
    assert tuple(net.input_shape) == (None, 48, 48, 3) and tuple(net.output_shape) == (None, 7)


def test_a_dropped_in_keras_seed_model_is_checked_converted_and_run(trained_seed):
    """The whole drop-in path for a ``.keras`` file (allow-list in a child, then conversion), shown on
    the small seeds; the big backbones take minutes to convert on 2 cores, so their twin is used above."""
    from emocam.models.probe import open_model

    name, out, run = trained_seed
    if name not in ("emojify", "s3_cnn"):
        pytest.skip("conversion of the large backbones is exercised by their .tflite twin")
    assert run.returncode == 0, run.stderr[-3000:]
    probs = open_model(out).predict(np.zeros((2, 48, 48), np.uint8))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)
