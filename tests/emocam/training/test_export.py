"""``python -m emocam export``: ensembles and flip-TTA are exactly what they claim, and load as drop-ins."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from emocam.models.loading import load_classifier

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def members(tmp_path_factory):
    import keras

    from emocam.models.architectures import build

    folder = tmp_path_factory.mktemp("members")
    paths = []
    for seed in (1, 2):
        keras.utils.set_random_seed(seed)
        net = build("mini_xception", 48)
        for layer in net.layers:  # make the members differ clearly, BatchNorm statistics included
            layer.set_weights([w + np.random.default_rng(seed).normal(0, 0.2, w.shape).astype(w.dtype)
                               if w.ndim else w for w in layer.get_weights()])
        paths.append(folder / f"m{seed}.keras")
        net.save(paths[-1])
    return paths


def _export(*args) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "emocam", "export", *args], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=600)


def test_ensemble_with_flip_tta_is_the_average_over_members_and_mirrors(members, tmp_path):
    import keras

    out = tmp_path / "shipped.keras"
    run = _export("--weights", *map(str, members), "--flip-tta", "--out", str(out))
    assert run.returncode == 0, run.stderr[-2000:]
    faces = np.random.default_rng(0).uniform(-1, 1, (5, 48, 48, 1)).astype(np.float32)
    nets = [keras.models.load_model(p, compile=False) for p in members]
    expected = np.mean([n.predict(x, verbose=0) for n in nets for x in (faces, faces[:, :, ::-1])], axis=0)
    combined = keras.models.load_model(out, compile=False, safe_mode=True)
    np.testing.assert_allclose(combined.predict(faces, verbose=0), expected, atol=1e-5)
    runtime = load_classifier(out.with_suffix(".tflite"))
    np.testing.assert_allclose(runtime.predict_batch(faces), expected, atol=1e-4)
    card = out.with_suffix(".card.json").read_text()
    assert "m1.keras" in card and '"flip_tta": true' in card


def test_the_exported_keras_file_passes_the_allow_list(members, tmp_path):
    out = tmp_path / "shipped.keras"
    assert _export("--weights", str(members[0]), "--flip-tta", "--out", str(out)).returncode == 0
    assert load_classifier(out).spec.height == 48  # checked and converted like any drop-in


def test_int8_twin_is_calibrated_on_training_data_and_close_to_float(members, tmp_path, fer_npz):
    out = tmp_path / "q.keras"
    run = _export("--weights", str(members[0]), "--int8", "--calibration", str(fer_npz), "--out", str(out))
    assert run.returncode == 0, run.stderr[-2000:]
    faces = np.random.default_rng(1).uniform(-1, 1, (8, 48, 48, 1)).astype(np.float32)
    q = load_classifier(out.with_suffix(".tflite")).predict_batch(faces)
    f = load_classifier(out).predict_batch(faces)
    np.testing.assert_allclose(q.sum(axis=1), 1, atol=1e-5)
    assert np.abs(q - f).max() < 0.1
    assert '"int8": true' in out.with_suffix(".card.json").read_text()


def test_int8_without_calibration_data_is_refused(members, tmp_path):
    run = _export("--weights", str(members[0]), "--int8", "--out", str(tmp_path / "x.keras"))
    assert run.returncode == 2 and "--int8 needs --calibration" in run.stderr and "Traceback" not in run.stderr


def test_balanced_export_is_adjusted_tempered_mean_logits_fitted_on_the_train_fold(members, tmp_path):
    import json

    import keras

    from emocam.training import balance

    rng = np.random.default_rng(5)
    y = np.repeat(np.arange(7), [60, 12, 60, 120, 70, 50, 70]).astype(np.uint8)
    data = tmp_path / "train.npz"
    np.savez(data, x=rng.integers(0, 256, (len(y), 48, 48), dtype=np.uint8), y=y)
    out = tmp_path / "balanced.keras"
    run = _export("--weights", *map(str, members), "--balance-on", str(data), "--out", str(out))
    assert run.returncode == 0, run.stderr[-2000:]
    card = json.loads(out.with_suffix(".card.json").read_text())["balance"]
    train_i, fold_i = balance.holdout_fold(y)
    assert card["fold"]["n"] == len(fold_i) and card["prior"] == pytest.approx(balance.class_prior(y[train_i]), abs=1e-6)
    assert card["tau"] in balance.TAU_GRID and card["temperature"] > 0
    faces = rng.uniform(-1, 1, (6, 48, 48, 1)).astype(np.float32)
    nets = [keras.models.load_model(p, compile=False) for p in members]
    mean_log = np.mean([np.log(n.predict(faces, verbose=0)) for n in nets], axis=0)
    z = (mean_log - card["tau"] * np.log(card["prior"])) / card["temperature"]
    expected = np.exp(balance.log_softmax(z))
    combined = keras.models.load_model(out, compile=False, safe_mode=True)
    np.testing.assert_allclose(combined.predict(faces, verbose=0), expected, atol=2e-3)
