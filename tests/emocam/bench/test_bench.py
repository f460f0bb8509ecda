"""``python -m emocam bench`` on a few frames: what it reports, not how fast (no timed assertions).

The model is a tiny real (random-weight) mini-Xception; the live-path child process inherits the
per-test model cache (``EMOCAM_CACHE_DIR``), which the bench fills before starting it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from emocam.__main__ import main
from emocam.bench.cli import load_frames
from tests.emocam import media

REQUIRED = ("classic_fps", "emocam_fps", "ratio", "classic_face_frames", "emocam_face_frames", "frames",
            "predict_ms", "per_face_ms", "first_frame_s", "rss_mb")
STAGES = ("capture", "detect", "classify", "smooth", "total")


@pytest.fixture
def bench(tiny_models, capsys):
    """Run ``python -m emocam bench ARGS --weights tiny48.keras`` in-process: (rc, stdout, stderr)."""
    def run(*args: str, weights=None) -> tuple[int, str, str]:
        rc = main(["bench", *map(str, args), "--weights", str(weights or tiny_models["keras48"])])
        out, err = capsys.readouterr()
        return rc, out, err
    return run


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory):
    """A real 12-frame video of the face drifting right on a 640x480 stage."""
    frames = [media.face_on_stage(0.8, (150 + 4 * i, 120))[0] for i in range(12)]
    return media.write_video(tmp_path_factory.mktemp("bench") / "clip.avi", frames, fourcc="MJPG")


def test_json_has_every_number_and_the_live_path_stays_free_of_tensorflow(bench, tmp_path):
    plot = tmp_path / "bench.png"
    rc, out, _ = bench("--json", "--frames", 12, "--plot", plot)
    assert rc == 0
    report = json.loads(out)
    assert all(report[key] is not None for key in REQUIRED), report
    assert report["frames"] == 12
    assert report["ratio"] == pytest.approx(report["emocam_fps"] / report["classic_fps"], rel=0.01)
    assert 0 < report["classic_face_frames"] <= 12 and 0 < report["emocam_face_frames"] <= 12
    assert report["predict_ms"] > 0 and report["per_face_ms"] > 0
    assert report["first_frame_s"] > 0 and report["rss_mb"] > 0
    assert report["tensorflow_in_live_path"] is False
    assert report["reference_faces"] == 12  # one face in each synthetic frame, found at full resolution
    assert report["emocam_faces"] >= 11 and 0.9 <= report["emocam_recall"] <= 1.0
    assert 0 <= report["classic_recall"] <= 1.0
    for loop in ("classic", "emocam"):
        for stage in STAGES:
            times = report["stages"][loop][stage]
            assert 0 <= times["median_ms"] <= times["p95_ms"], (loop, stage, times)
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_table_shows_both_loops_and_the_ratio(bench, short_clip):
    rc, out, _ = bench("--frames", 12, "--source", short_clip)
    assert rc == 0
    assert "clip.avi" in out and "classic" in out and "emocam" in out
    for row in ("frames per second", "capture/convert ms", "detect ms", "classify ms", "smooth ms",
                "frames with a face", "classifier ms per face", "first frame after", "peak RSS"):
        assert row in out, row
    assert "x faster" in out and "TensorFlow not imported" in out


def test_frames_are_the_same_arrays_for_both_loops_and_cycle_when_the_video_is_short(short_clip):
    frames, source = load_frames(str(short_clip), 30)
    assert len(frames) == 30 and "clip.avi" in source
    assert frames[12] is frames[0] and frames[0].shape == (480, 640, 3)
    synthetic, _ = load_frames(None, 3)
    assert [f.shape for f in synthetic] == [(480, 640, 3)] * 3
    assert np.abs(synthetic[0].astype(int) - synthetic[2]).mean() > 1  # the face moves


@pytest.mark.parametrize("model", ["tflite48", "weights48"])
def test_a_model_keras_cannot_predict_with_is_one_clear_line(bench, tiny_models, model, tmp_path):
    alone = tmp_path / tiny_models[model].name  # no .keras twin beside it
    alone.write_bytes(tiny_models[model].read_bytes())
    rc, out, err = bench("--frames", 10, weights=alone)
    assert rc == 2 and out == ""
    assert err.strip().startswith("emocam bench: error:") and "full Keras model" in err


def test_a_tflite_runs_as_emocam_and_its_keras_twin_as_the_classic_loop(bench, tiny_models):
    rc, out, err = bench("--frames", 10, "--json", weights=tiny_models["tflite48"])  # tiny48.keras is beside it
    assert rc == 0, err
    assert json.loads(out)["model"] == "tiny48.tflite"


@pytest.mark.parametrize("frames", ["3", "many"])
def test_frames_must_be_a_sensible_count(bench, frames):
    with pytest.raises(SystemExit):
        bench("--frames", frames)
