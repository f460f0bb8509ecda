"""Every CLI, given bad input, prints one clear error line on stderr, exits 2, shows no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def weights_dir(tmp_path_factory, tiny_models) -> Path:
    """A default model for commands that load one (the shipped model is not what is tested here)."""
    import shutil

    d = tmp_path_factory.mktemp("weights")
    shutil.copy(tiny_models["tflite48"], d / "tiny.tflite")
    (d / "DEFAULT").write_text("tiny.tflite\n")
    return d


@pytest.fixture(scope="module")
def junk(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("junk")
    files = {
        "text_png": d / "notes.png", "text_mp4": d / "notes.mp4", "random_npz": d / "random.npz",
        "bad_csv": d / "bad.csv", "short_csv": d / "short.csv", "random_keras": d / "random.keras",
        "image": d / "blank.png",
    }
    files["text_png"].write_text("this is not an image")
    files["text_mp4"].write_text("this is not a video")
    files["random_npz"].write_bytes(np.random.default_rng(0).bytes(4096))
    files["bad_csv"].write_text("label,data\n1,2\n")
    files["short_csv"].write_text("emotion,pixels,Usage\n3,1 2 3,Training\n")
    files["random_keras"].write_bytes(np.random.default_rng(1).bytes(2048))
    import cv2

    cv2.imwrite(str(files["image"]), np.zeros((64, 64, 3), np.uint8))
    return files


CASES = [
    ("predict", ["{missing}/face.png"], "face.png"),
    ("predict", ["{text_png}"], "notes.png"),
    ("predict", ["{image}", "--weights", "{random_keras}"], "random.keras"),
    ("predict", ["{image}", "--bogus"], "--bogus"),
    ("evaluate", ["--data", "{missing}/val.npz"], "val.npz"),
    ("evaluate", ["--data", "{random_npz}"], "random.npz"),
    ("evaluate", ["--data", "{bad_csv}"], "bad.csv"),
    ("evaluate", ["--data", "{short_csv}", "--split", "train"], "short.csv"),
    ("evaluate", ["--data", "{random_npz}", "--weights", "{missing}/m.keras"], "random.npz"),
    ("train", ["--data", "{missing}/train.npz", "--out", "{missing}/m.keras"], "train.npz"),
    ("train", ["--data", "{bad_csv}", "--out", "{tmp}/m.keras"], "bad.csv"),
    ("train", ["--data", "{random_npz}", "--out", "{tmp}/m.keras", "--epochs", "many"], "many"),
    ("stylize", ["{missing}/me.png", "--style", "{image}", "--out", "{tmp}/o.png"], "me.png"),
    ("stylize", ["{text_png}", "--style", "{image}", "--out", "{tmp}/o.png"], "notes.png"),
    ("stylize", ["{image}", "--style", "{missing}/style.png", "--out", "{tmp}/o.png"], "style.png"),
    ("bench", ["--source", "{missing}/clip.mp4"], "clip.mp4"),
    ("bench", ["--source", "{text_mp4}"], "notes.mp4"),
    ("bench", ["--frames", "zero"], "zero"),
    ("analyze", ["{missing}/clip.mp4"], "clip.mp4"),
    ("analyze", ["{text_mp4}"], "notes.mp4"),
    ("analyze", ["{image}", "--every", "0"], "every"),
    ("serve", ["--port", "many"], "many"),
    ("serve", ["--port", "0"], "--port 0"),
    ("serve", ["--models-dir", "{missing}/models"], "models"),
    ("serve", ["--host", "no-such-host.invalid"], "no-such-host.invalid"),
]


@pytest.mark.parametrize("command,args,named", CASES, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(CASES)])
def test_bad_input_is_one_clear_line_and_exit_2(command, args, named, junk, weights_dir, tmp_path):
    values = {k: str(v) for k, v in junk.items()} | {"missing": str(tmp_path / "nowhere"), "tmp": str(tmp_path)}
    argv = [a.format(**values) for a in args]
    env = {**os.environ, "PYTHONPATH": str(REPO), "EMOCAM_WEIGHTS_DIR": str(weights_dir)}
    run = subprocess.run([sys.executable, "-m", "emocam", command, *argv], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=300)
    assert run.returncode == 2, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, run.stderr[-2000:]
    assert named in errors[0]
