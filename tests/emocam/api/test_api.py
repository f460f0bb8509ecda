"""The Python API (``emocam.analyze_image``, ``emocam.analyze_video``, ``emocam.Analyzer``) on the demo
portrait and real video files, with the shipped model (LiteRT, no TensorFlow)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import emocam
from emocam.emotions import NAMES
from tests.emocam.media import PORTRAIT, PORTRAIT_FACE, blank, face_on_stage, portrait, write_video

REPO = Path(__file__).resolve().parents[3]
FPS = 10.0


def _moving_face_frames(count: int) -> list[np.ndarray]:
    return [face_on_stage(0.8, (60 + 4 * i, 120))[0] for i in range(count)]


@pytest.fixture(scope="module")
def clip_5s(tmp_path_factory) -> Path:
    """5 s at 10 fps: the face moving across the stage, then 10 frames without a face."""
    frames = _moving_face_frames(40) + [blank(30)] * 10
    return write_video(tmp_path_factory.mktemp("api") / "clip.mp4", frames, fps=FPS)


def _check_face(face: emocam.FaceResult) -> None:
    assert set(face.probabilities) == set(NAMES)
    assert sum(face.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert face.emotion in NAMES and face.confidence == face.probabilities[face.emotion]
    assert len(face.box) == 4 and all(isinstance(v, int) for v in face.box)


@pytest.mark.parametrize("as_input", ["array", "path", "str", "gray", "rgba"])
def test_analyze_image_finds_the_portrait_face(as_input):
    rgb = portrait()
    image = {"array": rgb, "path": PORTRAIT, "str": str(PORTRAIT), "gray": rgb.mean(axis=2).astype(np.uint8),
             "rgba": np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])}[as_input]
    faces = emocam.analyze_image(image)
    assert len(faces) == 1
    _check_face(faces[0])
    assert faces[0].track_id is None
    b = PORTRAIT_FACE
    assert np.allclose(faces[0].box, (b.x, b.y, b.w, b.h), atol=8)


def test_analyze_image_leaves_the_callers_array_alone():
    rgb = portrait()
    emocam.analyze_image(rgb)
    assert rgb.flags.writeable
    rgb[0, 0] = 1  # still writable


@pytest.mark.parametrize("bad, message", [
    (np.zeros((10, 10, 3), np.float32), "uint8"),
    ("no/such/image.png", "no such image file"),
])
def test_analyze_image_refuses_bad_input_with_a_clear_message(bad, message):
    with pytest.raises((ValueError, OSError), match=message):
        emocam.analyze_image(bad)


def test_analyze_image_on_a_frame_without_faces_is_an_empty_list():
    assert emocam.analyze_image(blank(120)) == []


def test_analyzer_follows_one_face_across_frames_and_reset_starts_afresh():
    analyzer = emocam.Analyzer()
    ids = [f.track_id for frame in _moving_face_frames(6) for f in analyzer(frame)]
    assert len(ids) == 6 and len(set(ids)) == 1 and ids[0] is not None
    analyzer.reset()
    still = analyzer.analyze_image(portrait())
    assert len(still) == 1 and still[0].track_id is None


def test_analyze_video_on_a_5_second_clip_returns_the_documented_columns(clip_5s):
    table = emocam.analyze_video(clip_5s, progress=False)
    assert list(table.columns) == ["frame", "time_s", "track_id", "x", "y", "w", "h", *NAMES, "emotion"]
    assert list(table.columns) == list(emocam.VIDEO_COLUMNS)
    assert table["frame"].tolist() == list(range(40))  # one face in each of the first 40 frames, none after
    assert np.allclose(table["time_s"], table["frame"] / FPS)
    assert table["track_id"].nunique() == 1
    assert np.allclose(table[list(NAMES)].sum(axis=1), 1.0, atol=1e-3)
    assert set(table["emotion"]) <= set(NAMES)
    assert (table["w"] > 40).all()


def test_analyze_video_every_n_and_the_generator(clip_5s):
    table = emocam.analyze_video(clip_5s, every=5, progress=False)
    assert table["frame"].tolist() == [0, 5, 10, 15, 20, 25, 30, 35]
    frames = [item.frame for item in emocam.iter_video(clip_5s, every=10, progress=False)]
    assert frames == [0, 10, 20, 30, 40]


def test_analyze_video_without_faces_is_an_empty_table_with_the_columns(tmp_path):
    empty = write_video(tmp_path / "empty.mp4", [blank(60)] * 5, fps=FPS)
    table = emocam.analyze_video(empty, progress=False)
    assert table.empty and list(table.columns) == list(emocam.VIDEO_COLUMNS)


def test_analyze_video_names_a_missing_or_unreadable_file(tmp_path):
    with pytest.raises(OSError, match="no such video file"):
        emocam.analyze_video(tmp_path / "missing.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_text("not a video")
    with pytest.raises(OSError, match="junk.mp4"):
        emocam.analyze_video(junk, progress=False)


@pytest.mark.parametrize("statement", [
    "import emocam.live",
    "import emocam; emocam.Analyzer; emocam.analyze_image",
    "import emocam; emocam.analyze_image('assets/demo/astronaut.jpg')",
])
def test_the_api_and_live_path_never_import_tensorflow(statement):
    code = f"{statement}; import sys; assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=120)


def test_import_emocam_is_light():
    code = "import emocam, sys; bad = {'cv2', 'numpy', 'PyQt5', 'tensorflow'} & set(sys.modules); assert not bad, bad"
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)
