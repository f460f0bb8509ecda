"""``python -m emocam predict``: JSON output, annotated copies, and one-line errors with exit code 2.

The model is a real random-weight mini-Xception saved to .keras (see conftest); its LiteRT conversion
is already cached, so neither the in-process runs nor the child processes import TensorFlow.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from emocam.__main__ import main
from emocam.emotions import NAMES
from emocam.types import Box
from tests.emocam import media

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def cached_model(model_file, monkeypatch):
    monkeypatch.setenv("EMOCAM_CACHE_DIR", str(model_file.cache_dir))
    return model_file.path


@pytest.fixture
def portrait_file(tmp_path) -> Path:
    return Path(shutil.copyfile(media.PORTRAIT, tmp_path / "astronaut.jpg"))


def predict(capsys, *args) -> tuple[int, str, str]:
    code = main(["predict", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if "error" in line.lower()]


def test_json_lists_the_face_with_box_label_and_probabilities(capsys, cached_model, portrait_file):
    code, out, err = predict(capsys, portrait_file, "--weights", cached_model, "--json")
    assert code == 0, err
    (entry,) = json.loads(out)["images"]
    assert entry["image"] == str(portrait_file)
    assert (entry["width"], entry["height"], entry["faces_skipped"]) == (512, 512, 0)
    (face,) = entry["faces"]
    assert len(face["box"]) == 4 and all(isinstance(v, int) for v in face["box"])
    assert Box(*face["box"]).iou(media.PORTRAIT_FACE) > 0.7
    assert list(face["probabilities"]) == list(NAMES)
    probs = face["probabilities"]
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-3)
    assert face["label"] == max(probs, key=probs.get)  # still images: no hysteresis
    assert face["confidence"] == pytest.approx(max(probs.values()), abs=1e-4)


def test_text_output_has_one_line_per_face(capsys, cached_model, portrait_file):
    code, out, _ = predict(capsys, portrait_file, "--weights", cached_model)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"{portrait_file}: 1 face(s)"
    assert len(lines) == 2 and lines[1].strip().startswith("box [")


def test_out_writes_an_annotated_png(capsys, cached_model, portrait_file, tmp_path):
    out_dir = tmp_path / "annotated"
    code, _, err = predict(capsys, portrait_file, "--weights", cached_model, "--out", out_dir)
    assert code == 0, err
    assert [p.name for p in out_dir.iterdir()] == ["astronaut_emocam.png"]
    annotated = cv2.imread(str(out_dir / "astronaut_emocam.png"), cv2.IMREAD_COLOR)
    original = cv2.imread(str(portrait_file), cv2.IMREAD_COLOR)
    assert annotated is not None and annotated.shape == original.shape
    changed = np.any(annotated != original, axis=2)
    b = media.PORTRAIT_FACE
    assert changed[b.y, b.x: b.x + b.w].mean() > 0.8  # the box's top edge is drawn
    assert changed.mean() < 0.1  # and little else


def test_an_image_without_faces_reports_none(capsys, cached_model, tmp_path):
    path = media.write_image(tmp_path / "wall.png", media.blank(200))
    code, out, _ = predict(capsys, path, "--weights", cached_model, "--json")
    assert code == 0
    assert json.loads(out)["images"][0]["faces"] == []


def test_a_bad_input_among_good_ones_exits_2_after_the_good_ones(capsys, cached_model, portrait_file, tmp_path):
    missing = tmp_path / "missing.png"
    code, out, err = predict(capsys, missing, portrait_file, "--weights", cached_model, "--json")
    assert code == 2
    assert [e["image"] for e in json.loads(out)["images"]] == [str(portrait_file)]
    assert error_lines(err) == [f"emocam predict: error: {missing}: no such file"]


def test_a_model_file_that_is_not_a_model_exits_2(capsys, portrait_file, tmp_path):
    fake = tmp_path / "fake.keras"
    fake.write_bytes(b"not a zip")
    code, _, err = predict(capsys, portrait_file, "--weights", fake)
    assert code == 2
    (line,) = error_lines(err)
    assert line.startswith("emocam predict: error:") and str(fake) in line


@pytest.mark.parametrize("make, why", [
    (lambda p: None, "no such file"),  # does not exist
    (lambda p: p.write_text("not a picture\n"), "not a readable image"),
    (lambda p: p.mkdir(), "is a folder, not an image"),
], ids=["missing", "garbage", "folder"])
def test_unreadable_image_exits_2_with_one_error_line(model_file, tmp_path, make, why):
    image = tmp_path / "photo.png"
    make(image)
    env = {**os.environ, "EMOCAM_CACHE_DIR": str(model_file.cache_dir), "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([sys.executable, "-m", "emocam", "predict", str(image), "--weights", str(model_file.path)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert error_lines(proc.stderr) == [f"emocam predict: error: {image}: {why}"]
    assert proc.stdout == ""
