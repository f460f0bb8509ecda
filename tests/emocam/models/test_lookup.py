"""Finding the default model: weights/DEFAULT, else the newest .keras, else a clear error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from emocam.errors import ModelError
from emocam.models.lookup import default_weights, weights_dir


def _touch(path: Path, mtime: float) -> Path:
    path.write_bytes(b"model")
    os.utime(path, (mtime, mtime))
    return path


def test_default_file_names_the_model(tmp_path):
    _touch(tmp_path / "newer.keras", 2_000_000)
    chosen = _touch(tmp_path / "shipped.tflite", 1_000_000)
    (tmp_path / "DEFAULT").write_text("\n  shipped.tflite  \n")
    assert default_weights(tmp_path) == chosen


def test_without_default_file_the_newest_keras_wins_and_checkpoints_are_skipped(tmp_path):
    _touch(tmp_path / "old.keras", 1_000_000)
    newest = _touch(tmp_path / "new.keras", 2_000_000)
    _touch(tmp_path / "new.resume.keras", 3_000_000)
    _touch(tmp_path / "new.tmp.keras", 3_000_000)
    _touch(tmp_path / "other.h5", 4_000_000)
    assert default_weights(tmp_path) == newest


def test_env_var_overrides_the_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOCAM_WEIGHTS_DIR", str(tmp_path))
    model = _touch(tmp_path / "m.keras", 1_000_000)
    assert weights_dir() == tmp_path and default_weights() == model


def test_repository_weights_folder_is_the_default(monkeypatch):
    monkeypatch.delenv("EMOCAM_WEIGHTS_DIR", raising=False)
    assert weights_dir() == Path(__file__).resolve().parents[3] / "weights"


@pytest.mark.parametrize("default_text, problem", [
    (None, "no default model (no DEFAULT file and no *.keras model); pass --weights PATH"),
    ("", "is empty; write the file name of a model"),
    ("gone.keras", "names 'gone.keras', which is not in"),
    ("../elsewhere.keras", "'../elsewhere.keras' is not a plain file name"),
])
def test_no_usable_default_is_a_clear_error(tmp_path, default_text, problem):
    if default_text is not None:
        (tmp_path / "DEFAULT").write_text(default_text)
    with pytest.raises(ModelError) as err:
        default_weights(tmp_path)
    assert str(tmp_path) in str(err.value) and problem in str(err.value)


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="no default model"):
        default_weights(tmp_path / "nowhere")
