"""Face recall for ``bench``: the matching rule, and the live path against a full-resolution scan on
a 1280x720 clip of four faces of different sizes drifting (real cascade, real LiteRT classifier)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from emocam.bench.loops import EmocamLoop, run_interleaved
from emocam.bench.recall import matched, recall_summary, reference_boxes
from emocam.live.pipeline import Pipeline
from emocam.live.smoothing import FaceTracker
from emocam.types import Box
from tests.emocam import media

A, B, C = Box(0, 0, 100, 100), Box(200, 0, 80, 80), Box(400, 400, 50, 50)


@pytest.mark.parametrize("reference, reported, expected", [
    ([A, B], [A, B], 2),
    ([A, B], [B], 1),                              # a face never reported
    ([A], [Box(5, 5, 100, 100)], 1),               # slightly off: still the same face
    ([A], [Box(70, 70, 100, 100)], 0),             # IoU under 0.3: another place
    ([A], [A, Box(2, 2, 98, 98)], 1),              # two boxes on one face count once
    ([A, Box(10, 10, 100, 100)], [A], 1),          # one box matches one face only
    ([], [A], 0),
    ([C], [], 0),
])
def test_matching_table(reference, reported, expected):
    assert matched(reference, reported) == expected


def four_faces_clip(n: int = 45) -> list[np.ndarray]:
    """BGR 1280x720 frames: four faces 75-150 px wide drifting a pixel or two per frame."""
    crop = media.face_crop()
    frames = []
    for i in range(n):
        stage = np.full((720, 1280, 3), 40, np.uint8)
        for k, (face_px, x, y) in enumerate([(75, 80, 300), (100, 380, 200), (125, 680, 320), (150, 960, 150)]):
            scale = face_px / media.PORTRAIT_FACE.w
            img = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            dx, dy = round(2 * i * (1 if k % 2 else -1) / 3), i // 4
            stage[y + dy: y + dy + img.shape[0], x + dx: x + dx + img.shape[1]] = img
        frames.append(cv2.cvtColor(stage, cv2.COLOR_RGB2BGR))
    return frames


def test_the_live_path_reports_every_face_a_full_scan_finds_on_a_four_face_720p_clip(detector, classifier):
    frames = four_faces_clip()
    reference = reference_boxes(frames, detector)
    assert sum(map(len, reference)) >= 4 * len(frames) * 0.95  # the reference itself sees the four faces
    [record] = run_interleaved(frames, [EmocamLoop(Pipeline(detector, classifier, FaceTracker()))])
    summary = recall_summary(reference, {"emocam": record})
    assert summary["emocam_recall"] >= 0.97, summary
