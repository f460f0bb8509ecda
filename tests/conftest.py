"""Shared fixtures: an isolated model cache for every test, and tiny real model files."""

from __future__ import annotations

import emocam  # noqa: F401  first, as in the app: it sets OpenCV's decoder limit before cv2 loads

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_model_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Converted models go to a per-test folder, never to the user's ~/.cache (child processes inherit it)."""
    cache = tmp_path / "model-cache"
    monkeypatch.setenv("EMOCAM_CACHE_DIR", str(cache))
    return cache


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Random-weight mini-Xception files, built once per session:

    ``keras48`` (.keras, 48 px), ``h5_64`` (legacy full-model HDF5, 64 px, like the public
    Keras-2 mini-Xception files), ``weights48`` (.weights.h5) and ``tflite48`` (LiteRT, 48 px).
    """
    import keras

    from emocam.models.loading import convert_to_tflite
    from emocam.models.architectures import build

    folder = tmp_path_factory.mktemp("tiny-models")
    keras.utils.set_random_seed(0)
    net48, net64 = build("mini_xception", 48), build("mini_xception", 64)
    files = {name: folder / file for name, file in (
        ("keras48", "tiny48.keras"), ("h5_64", "tiny64.h5"),
        ("weights48", "tiny48.weights.h5"), ("tflite48", "tiny48.tflite"))}
    net48.save(files["keras48"])
    net64.save(files["h5_64"])  # the .h5 suffix makes Keras write the legacy HDF5 format
    net48.save_weights(files["weights48"])
    files["tflite48"].write_bytes(convert_to_tflite(net48, files["tflite48"]))
    return files
