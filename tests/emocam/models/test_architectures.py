"""mini-Xception builders: shapes, softmax outputs, and refused arguments."""

from __future__ import annotations

import numpy as np
import pytest

from emocam.models import architectures as model


@pytest.mark.parametrize("size", [48, 64])
@pytest.mark.parametrize("architecture", model.MINI_XCEPTIONS)
def test_builds_and_outputs_seven_probabilities(architecture, size):
    net = model.build(architecture, size)
    assert tuple(net.input_shape) == (None, size, size, 1)
    assert tuple(net.output_shape) == (None, 7)
    faces = np.random.default_rng(0).uniform(-1, 1, (3, size, size, 1)).astype(np.float32)
    probs = np.asarray(net(faces, training=False))
    assert probs.shape == (3, 7) and np.all(probs >= 0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_wide_variant_has_more_weights_than_the_original():
    assert model.build("mini_xception_wide").count_params() > 2 * model.build("mini_xception").count_params()


def test_rgb_input_is_supported():
    assert tuple(model.build("mini_xception", 64, channels=3).input_shape) == (None, 64, 64, 3)


@pytest.mark.parametrize("kwargs, problem", [
    ({"input_size": 32}, "input_size must be 48 or 64, got 32"),
    ({"input_size": 96}, "input_size must be 48 or 64, got 96"),
    ({"architecture": "xception"}, "unknown architecture 'xception'; known: mini_xception, mini_xception_wide, vgg19, resnet50, "
                                  "mobilenetv2, densenet201, densenet169, emojify, s3_cnn, fer_vgg"),
])
def test_bad_arguments_raise(kwargs, problem):
    with pytest.raises(ValueError) as err:
        model.build(**kwargs)
    assert problem in str(err.value)
