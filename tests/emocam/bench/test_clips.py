"""The benchmarks' synthetic clips: every face they claim is there is found by a full-resolution scan
with the real cascade, at the sizes asked for, and the written video plays back the same faces."""

from __future__ import annotations

import cv2
import pytest

from emocam.bench.clips import clip_frames, face_widths, grid, main, write_clip
from emocam.bench.recall import reference_boxes
from emocam.live.detection import FaceDetector


@pytest.fixture(scope="module")
def detector():
    return FaceDetector()


@pytest.mark.parametrize("faces, size, min_face", [
    (1, (640, 480), 56),
    (4, (1280, 720), 75),    # the 720p case: faces 75-150 px
    (4, (640, 480), 48),     # down to the live path's smallest face
    (8, (1920, 1080), 56),
    (8, (640, 480), 56),
])
def test_a_full_scan_finds_every_face_of_the_clip_in_every_frame(detector, faces, size, min_face):
    widths = face_widths(faces, *size, min_face)
    assert len(widths) == faces and min(widths) == (min_face if faces > 1 else min(widths)) and max(widths) <= 150
    frames = clip_frames(faces, *size, count=8, fps=2.0, min_face=min_face)  # 4 s apart: faces have moved
    assert all(f.shape == (size[1], size[0], 3) for f in frames)
    found = reference_boxes(frames, detector)
    assert [len(boxes) for boxes in found] == [faces] * len(frames)
    assert len({tuple(b.x for b in boxes) for boxes in found}) > 1  # they drift


def test_faces_that_cannot_fit_are_refused_with_the_sizes_named():
    with pytest.raises(ValueError, match="16 faces of at least 100 px do not fit on 320x240"):
        face_widths(16, 320, 240, min_face=100)


@pytest.mark.parametrize("faces, size, expected", [(1, (640, 480), (1, 1)), (4, (1280, 720), (2, 2)),
                                                   (8, (1920, 1080), (4, 2)), (3, (1920, 480), (3, 1))])
def test_grid_keeps_cells_as_large_as_possible(faces, size, expected):
    assert grid(faces, *size) == expected


def test_a_written_clip_plays_back_the_same_faces(tmp_path, detector):
    path = write_clip(tmp_path / "clip.avi", 4, 640, 480, seconds=0.5, fps=10)
    cap = cv2.VideoCapture(str(path))
    decoded = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        decoded.append(bgr)
    cap.release()
    assert len(decoded) == 5
    assert [len(b) for b in reference_boxes(decoded, detector)] == [4] * 5


@pytest.mark.parametrize("args, message", [(["--size", "12x12"], "width and height"),
                                           (["--size", "big"], "WIDTHxHEIGHT")])
def test_the_command_says_what_is_wrong_with_a_size(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit):
        main([str(tmp_path / "c.avi"), *args])
    assert message in capsys.readouterr().err
