"""Fixtures for the web app: a test client on the real app (shipped model, real cascade, real
emojis and styles) and image bytes made from the demo portrait."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.emocam.media import PORTRAIT, face_on_stage

pytest.importorskip("fastapi", reason="the web extra is not installed (pip install -e '.[web]')")


def encode(rgb: np.ndarray, fmt: str = "JPEG") -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, fmt)
    return buf.getvalue()


@pytest.fixture(autouse=True)
def no_vgg_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The VGG19 weights are looked for only in empty folders: the avatar engine is unavailable
    unless a test gives it an engine that can paint."""
    from emocam.style import vgg_weights

    monkeypatch.delenv("EMOCAM_VGG_WEIGHTS", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setattr(vgg_weights, "REPO_WEIGHTS_DIR", tmp_path / "no-vgg-here")


@pytest.fixture
def user_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty per-user model folder, the desktop app's (XDG_DATA_HOME points into the test's folder;
    the platform's rule, not the app's, gives the path)."""
    monkeypatch.delenv("EMOCAM_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    folder = tmp_path / "xdg-data" / "emocam" / "weights"
    folder.mkdir(parents=True)
    return folder


def make_client(config=None, **kwargs):
    from fastapi.testclient import TestClient

    from emocam.web.app import create_app
    from emocam.web.service import WebConfig

    return TestClient(create_app(config or WebConfig()), base_url="http://localhost", **kwargs)


@pytest.fixture
def client(user_models):
    with make_client() as c:
        yield c


@pytest.fixture(scope="session")
def face_jpeg() -> bytes:
    return PORTRAIT.read_bytes()


@pytest.fixture(scope="session")
def stage_jpeg() -> bytes:
    """A 640x480 webcam-like frame with the portrait's face on it."""
    return encode(face_on_stage()[0])
