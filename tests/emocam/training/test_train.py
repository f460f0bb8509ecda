"""``python -m emocam train`` end to end on tiny data, in a subprocess (the CLI sets the oneDNN
ISA before TensorFlow loads, which only works in a fresh process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]


def _train(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "emocam", "train", *args], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=600)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, fer_npz):
    out = tmp_path_factory.mktemp("train") / "tiny.keras"
    votes = np.zeros((70, 10), np.uint8)
    votes[:, 0] = 10  # every FER+ annotator says neutral
    data = out.parent / "train.npz"
    with np.load(fer_npz) as f:
        np.savez(data, x=f["x"], y=f["y"], ferplus_votes=votes)
    common = ["--data", str(data), "--val", str(fer_npz), "--out", str(out), "--arch", "mini_xception",
              "--batch-size", "32", "--ferplus-weight", "0.3", "--class-weights", "--seed", "3"]
    first = _train(*common, "--epochs", "2")
    resumed = _train(*common, "--epochs", "3", "--resume")
    return out, first, resumed


def test_train_writes_model_card_and_litert_twin(trained):
    out, first, _ = trained
    assert first.returncode == 0, first.stderr[-2000:]
    assert out.is_file() and out.with_suffix(".tflite").is_file()
    card = json.loads(out.with_suffix(".card.json").read_text())
    assert card["recipe"]["arch"] == "mini_xception" and card["recipe"]["seed"] == 3
    assert card["data"]["val"]["n"] == 70 and len(card["data"]["train"]["sha256"]) == 64
    assert 0.0 <= card["val_metrics"]["accuracy"] <= 1.0 and card["best_epoch"] >= 1
    assert "date" in card


def test_progress_line_has_eta(trained):
    _, first, _ = trained
    lines = [line for line in first.stdout.splitlines() if line.startswith("epoch ")]
    assert len(lines) == 2 and all("ETA" in line and "val_acc" in line for line in lines)


def test_resume_continues_from_the_saved_epoch(trained):
    _, _, resumed = trained
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    lines = [line for line in resumed.stdout.splitlines() if line.startswith("epoch ")]
    assert [line.split()[1] for line in lines] == ["3/3"]
    assert "resuming from" in resumed.stderr


def test_shipped_file_has_no_optimizer_state(trained):
    import zipfile

    out, _, _ = trained
    import h5py

    with zipfile.ZipFile(out) as zf, zf.open("model.weights.h5") as fh:
        with h5py.File(fh, "r") as weights:
            assert "optimizer" not in weights


def test_bad_data_path_is_one_clear_line(tmp_path):
    run = _train("--data", str(tmp_path / "nope.npz"), "--out", str(tmp_path / "m.keras"))
    assert run.returncode == 2
    assert "nope.npz: no such file" in run.stderr and "Traceback" not in run.stderr


def test_distils_from_a_teacher_model(trained, fer_npz, tmp_path):
    teacher, _, _ = trained
    out = tmp_path / "student.keras"
    run = _train("--data", str(fer_npz), "--out", str(out), "--arch", "mini_xception", "--epochs", "1",
                 "--batch-size", "32", "--teacher", str(teacher), "--teacher-weight", "0.4")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "scored 70 training faces" in run.stderr
    recipe = json.loads(out.with_suffix(".card.json").read_text())["recipe"]
    assert recipe["teacher"] == str(teacher) and recipe["teacher_weight"] == 0.4


def test_online_teacher_with_mixup_trains_and_is_recorded(trained, fer_npz, tmp_path):
    teacher, _, _ = trained
    out = tmp_path / "student.keras"
    run = _train("--data", str(fer_npz), "--out", str(out), "--arch", "mini_xception", "--epochs", "1",
                 "--batch-size", "32", "--teacher", str(teacher), "--teacher-mode", "online", "--mixup", "0.2")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "scored 70 training faces" not in run.stderr  # online: no up-front pass over the faces
    recipe = json.loads(out.with_suffix(".card.json").read_text())["recipe"]
    assert recipe["teacher_mode"] == "online" and recipe["mixup"] == 0.2


@pytest.mark.parametrize("extra, message", [(["--teacher-mode", "online"], "needs --teacher"),
                                            (["--mixup", "-1"], "--mixup must be >= 0"),
                                            (["--zoom", "0.3,0.1"], "--zoom '0.3,0.1': give LO,HI")])
def test_inconsistent_distillation_options_are_one_clear_line(fer_npz, tmp_path, extra, message):
    run = _train("--data", str(fer_npz), "--out", str(tmp_path / "s.keras"), *extra)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert message in run.stderr.splitlines()[-1]


def test_a_teacher_that_is_not_a_model_is_one_clear_line(fer_npz, tmp_path):
    fake = tmp_path / "teacher.keras"
    fake.write_bytes(b"not a zip")
    run = _train("--data", str(fer_npz), "--out", str(tmp_path / "s.keras"), "--epochs", "1", "--teacher", str(fake))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "teacher.keras" in run.stderr.splitlines()[-1]
    assert not (tmp_path / "s.keras").exists()


def _weights(path: Path) -> np.ndarray:
    import keras

    net = keras.models.load_model(path, compile=False, safe_mode=True)
    return np.concatenate([np.asarray(w).ravel() for w in net.trainable_weights])  # BN statistics move anyway


def test_ema_fine_tuning_saves_the_slowly_averaged_weights(trained, fer_npz, tmp_path):
    start, _, _ = trained
    common = ["--data", str(fer_npz), "--init-from", str(start), "--epochs", "1", "--batch-size", "5",
              "--lr", "0.01", "--seed", "4"]
    plain, ema = tmp_path / "plain.keras", tmp_path / "ema.keras"
    runs = [_train(*common, "--out", str(plain)), _train(*common, "--out", str(ema), "--ema", "0.999")]
    assert all(r.returncode == 0 for r in runs), [r.stderr[-2000:] for r in runs]
    assert "starting from the weights of" in runs[1].stderr
    w0 = _weights(start)
    moved_plain = np.linalg.norm(_weights(plain) - w0)
    moved_ema = np.linalg.norm(_weights(ema) - w0)
    # fourteen steps at a high rate move the raw weights; a 0.999 average of them barely leaves the start
    assert moved_plain > 0 and moved_ema < 0.5 * moved_plain
    card = json.loads(ema.with_suffix(".card.json").read_text())
    assert card["recipe"]["ema"] == 0.999 and card["recipe"]["init_from"] == str(start)
    # the options --init-from ignores are left out; the starting model's own card says what it was
    assert not {"arch", "input_size", "l2", "dropout"} & set(card["recipe"])
    assert card["init_from_card"] == json.loads(start.with_suffix(".card.json").read_text())
    assert card["init_from_card"]["recipe"]["arch"] == "mini_xception"


def test_card_of_a_model_without_a_readable_card_is_its_name(tmp_path):
    from emocam.training.train import card_of

    assert card_of(tmp_path / "bare.keras") == {"model": "bare.keras"}
    (tmp_path / "broken.card.json").write_text("{not json")
    assert card_of(tmp_path / "broken.keras") == {"model": "broken.keras"}


def test_an_ema_run_resumes(trained, fer_npz, tmp_path):
    start, _, _ = trained
    common = ["--data", str(fer_npz), "--init-from", str(start), "--out", str(tmp_path / "e.keras"),
              "--batch-size", "32", "--ema", "0.9"]
    first = _train(*common, "--epochs", "1")
    resumed = _train(*common, "--epochs", "2", "--resume")
    assert first.returncode == 0 and resumed.returncode == 0, resumed.stderr[-2000:]
    assert [line.split()[1] for line in resumed.stdout.splitlines() if line.startswith("epoch ")] == ["2/2"]


def test_init_from_a_file_that_is_not_a_model_is_one_clear_line(fer_npz, tmp_path):
    fake = tmp_path / "start.keras"
    fake.write_bytes(b"not a zip")
    run = _train("--data", str(fer_npz), "--out", str(tmp_path / "s.keras"), "--init-from", str(fake))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "start.keras" in run.stderr.splitlines()[-1]
