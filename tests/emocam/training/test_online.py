"""Online (consistent) distillation and mixup in the training pipeline, on real faces with the
shipped model as the teacher."""

from __future__ import annotations

import argparse

import cv2
import numpy as np
import pytest

from emocam.emotions import NAMES
from emocam.training import distill, train
from emocam.models.lookup import default_weights
from tests.emocam import media


def _args(**over) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    train.add_arguments(p)
    args = p.parse_args(["--data", "x.npz", "--out", "x.keras", "--seed", "5"])
    return argparse.Namespace(**(vars(args) | over))


def _faces(n_noise: int = 2) -> np.ndarray:
    b = media.PORTRAIT_FACE
    gray = cv2.cvtColor(media.portrait(), cv2.COLOR_RGB2GRAY)
    face = cv2.resize(gray[b.y:b.y + b.h, b.x:b.x + b.w], (48, 48), interpolation=cv2.INTER_AREA)
    noise = np.random.default_rng(3).integers(0, 256, (n_noise, 48, 48), dtype=np.uint8)
    return np.stack([face, face[:, ::-1], *noise])


def test_online_teacher_scores_exactly_the_augmented_faces_the_student_sees():
    faces = _faces()
    base = np.tile(np.eye(7, dtype=np.float32)[NAMES.index("Sad")], (len(faces), 1))
    teacher = distill.OnlineTeacher(default_weights(), weight=0.4)
    ds = train._dataset(faces, base, _args(), training=True, teacher=teacher)
    img, y = (t.numpy() for t in next(iter(ds)))
    assert teacher.calls == 1 and img.shape == (4, 48, 48, 1)
    assert not np.allclose(img, faces[..., None] / 127.5 - 1)  # augmented, not the raw faces
    expected = 0.6 * base + 0.4 * teacher.classifier.predict_batch(img)
    assert np.allclose(y, expected, atol=1e-6)
    assert np.allclose(y.sum(axis=1), 1.0, atol=1e-5)


def test_online_teacher_fits_faces_of_another_size_to_its_input():
    face = _faces(0)[:1]
    big = cv2.resize(face[0], (64, 64), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 127.5 - 1
    teacher = distill.OnlineTeacher(default_weights(), weight=1.0)
    probs = teacher(big[None, :, :, None], np.zeros((1, 7), np.float32))
    assert probs.shape == (1, 7) and probs[0].argmax() == NAMES.index("Happy")


@pytest.mark.parametrize("weight", [-0.5, 2.0])
def test_online_teacher_refuses_weights_outside_zero_one(weight):
    with pytest.raises(ValueError, match="teacher weight"):
        distill.OnlineTeacher(default_weights(), weight=weight)


def _mixed(alpha: float, seed: int):
    import tensorflow as tf

    n = 7
    img = np.broadcast_to(np.arange(n, dtype=np.float32)[:, None, None, None], (n, 4, 4, 1)).copy()
    y = np.eye(n, dtype=np.float32)
    out_img, out_y = train._mixup(alpha, seed)(tf.constant(img), tf.constant(y))
    return out_img.numpy(), out_y.numpy()


def test_mixup_mixes_faces_and_targets_with_the_same_share():
    img, y = _mixed(0.4, seed=2)
    assert np.allclose(y.sum(axis=1), 1.0, atol=1e-6) and (y >= 0).all()
    assert ((y > 1e-6).sum(axis=1) <= 2).all()  # each face mixed with at most one other
    # face i was a constant image of value i: its mixed value must be the targets' weighted index
    assert np.allclose(img[..., 0], (y @ np.arange(7, dtype=np.float32))[:, None, None], atol=1e-5)
    assert ((y.max(axis=1) > 0.05) & (y.max(axis=1) < 0.95)).any()  # some faces really were mixed


def test_mixup_is_reproducible_with_a_seed():
    a, b, c = _mixed(0.4, seed=2), _mixed(0.4, seed=2), _mixed(0.4, seed=3)
    assert np.array_equal(a[1], b[1]) and not np.array_equal(a[1], c[1])
