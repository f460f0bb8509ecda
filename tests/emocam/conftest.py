"""Fixtures for the core tests: one real (random-weight) mini-Xception model per session and a
classifier loaded from it. Its LiteRT conversion is cached in a session temp folder, never ~/.cache."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class ModelFile:
    """A saved ``.keras`` model and the cache folder that already holds its LiteRT conversion
    (point ``EMOCAM_CACHE_DIR`` there and loading it needs no TensorFlow)."""

    path: Path
    cache_dir: Path


@pytest.fixture(scope="session")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> ModelFile:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    from emocam.models.loading import load_classifier
    from emocam.models.architectures import build

    folder = tmp_path_factory.mktemp("emotion-model")
    keras.utils.set_random_seed(1)
    path = folder / "mini48.keras"
    build("mini_xception", 48).save(path)
    cache = folder / "cache"
    load_classifier(path, cache_dir=cache)  # converts once and fills the cache
    assert any(cache.glob("*.tflite")), "the conversion was not cached"
    return ModelFile(path, cache)


@pytest.fixture(scope="session")
def classifier(model_file: ModelFile):
    """A real EmotionClassifier (mini-Xception 48 px, random weights). Use from one thread."""
    from emocam.models.loading import load_classifier

    return load_classifier(model_file.path, cache_dir=model_file.cache_dir)


@pytest.fixture(scope="session")
def detector():
    from emocam.live.detection import FaceDetector

    return FaceDetector()
