"""The shipped images: one emoji per emotion, the app icon and the demo portrait."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from emocam.emotions import EMOTIONS

REPO = Path(__file__).resolve().parent.parent
ASSETS = REPO / "assets"
EMOJI_DIR = ASSETS / "emojis"
ICON = ASSETS / "icon.png"
DEMO = ASSETS / "demo" / "astronaut.jpg"
MAX_PNG_BYTES = 60 * 1024


def _read_rgba(path: Path) -> np.ndarray:
    assert path.is_file(), f"{path} is missing: run tools/make_assets.py"
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert image is not None, f"{path} is not a readable image"
    return image


@pytest.mark.parametrize("emotion", EMOTIONS, ids=lambda e: e.name)
def test_every_emotion_has_a_256px_png_with_alpha(emotion) -> None:
    path = EMOJI_DIR / emotion.emoji_file
    image = _read_rgba(path)
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert image.shape == (256, 256, 4), f"{path}: shape {image.shape}"
    alpha = image[..., 3]
    assert alpha[0, 0] == 0 and alpha[128, 128] == 255, "expected a transparent corner and an opaque face"
    assert path.stat().st_size < MAX_PNG_BYTES


def test_icon_is_a_256px_png_with_alpha() -> None:
    image = _read_rgba(ICON)
    assert image.shape == (256, 256, 4)
    assert image[..., 3].min() == 0 and image[..., 3].max() == 255
    assert ICON.stat().st_size < MAX_PNG_BYTES


def test_images_are_pairwise_different() -> None:
    paths = [EMOJI_DIR / e.emoji_file for e in EMOTIONS] + [ICON]
    images = {path.name: _read_rgba(path).astype(np.int16) for path in paths}
    for (name_a, a), (name_b, b) in itertools.combinations(images.items(), 2):
        assert np.abs(a - b).mean() > 5, f"{name_a} and {name_b} look the same"


def test_demo_portrait_has_a_face_the_haar_cascade_finds() -> None:
    image = cv2.imread(str(DEMO))
    assert image is not None, f"{DEMO} is missing or unreadable"
    assert image.shape == (512, 512, 3)
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    faces = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5)
    assert len(faces) == 1
    x, y, w, h = faces[0]
    assert 150 < x < 200 and 40 < y < 90 and 80 < w < 110, f"unexpected face box {faces[0]}"


def test_make_assets_regenerates_the_shipped_files(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    subprocess.run([sys.executable, str(REPO / "tools" / "make_assets.py"), "--out-dir", str(tmp_path)],
                   check=True, env=env, cwd=REPO, capture_output=True, timeout=60)
    shipped = [EMOJI_DIR / e.emoji_file for e in EMOTIONS] + [ICON]
    for path in shipped:
        fresh = tmp_path / path.name
        assert fresh.stat().st_size == path.stat().st_size, (
            f"{path.relative_to(REPO)} differs from what tools/make_assets.py draws; rerun the script")
