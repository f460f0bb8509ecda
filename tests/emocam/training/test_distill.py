"""Distillation targets: the mix arithmetic, and a real teacher (the shipped model) on real faces."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from emocam.emotions import NAMES
from emocam.training import distill
from emocam.models.lookup import default_weights
from tests.emocam import media


def _rows(seed: int, n: int = 5) -> np.ndarray:
    r = np.random.default_rng(seed).random((n, 7)).astype(np.float32)
    return r / r.sum(axis=1, keepdims=True)


def test_mix_is_a_convex_combination():
    targets, teacher = _rows(0), _rows(1)
    assert np.allclose(distill.mix(targets, teacher, 0.0), targets)
    assert np.allclose(distill.mix(targets, teacher, 1.0), teacher)
    half = distill.mix(targets, teacher, 0.5)
    assert np.allclose(half, (targets + teacher) / 2) and np.allclose(half.sum(axis=1), 1.0)


@pytest.mark.parametrize("weight", [-0.1, 1.5])
def test_mix_refuses_weights_outside_zero_one(weight):
    with pytest.raises(ValueError, match="teacher weight"):
        distill.mix(_rows(0), _rows(1), weight)


def test_mix_refuses_a_teacher_of_the_wrong_shape():
    with pytest.raises(ValueError, match="teacher gave"):
        distill.mix(_rows(0, 5), _rows(1, 4), 0.5)


def test_shipped_model_as_teacher_scores_real_faces():
    b = media.PORTRAIT_FACE
    gray = cv2.cvtColor(media.portrait(), cv2.COLOR_RGB2GRAY)
    face = cv2.resize(gray[b.y:b.y + b.h, b.x:b.x + b.w], (48, 48), interpolation=cv2.INTER_AREA)
    noise = np.random.default_rng(3).integers(0, 256, (2, 48, 48), dtype=np.uint8)
    faces = np.stack([face, face[:, ::-1], *noise])
    probs = distill.teacher_probabilities(default_weights(), faces, batch_size=3)
    assert probs.shape == (4, 7) and probs.dtype == np.float32
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5) and (probs >= 0).all()
    happy = NAMES.index("Happy")
    assert probs[0].argmax() == happy and probs[1].argmax() == happy  # she smiles, mirrored or not
    assert probs[2:, happy].max() < probs[:2, happy].min()  # noise is not a smile
