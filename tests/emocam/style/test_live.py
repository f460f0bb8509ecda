"""The live avatar painter: a real process with the shipped networks paints the face of the newest
frame (what the fast engine paints for that crop), drops frames that would queue, refuses a damaged
network with the reason, and leaves no process behind."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from emocam.live.sources import DEMO_IMAGE
from emocam.style.fast import FastStyleTransfer
from emocam.style.images import STYLES_DIR, load_rgb
from emocam.style.live import LiveAvatar, LiveFailed, LivePainter, face_crop
from emocam.style.networks import NETWORKS_DIR, PINNED
from emocam.types import Box, Frame
from tests.emocam.vgg_files import process_running

STYLE = STYLES_DIR / "ember.png"
FACE = Box(150, 90, 210, 210)


def _frame(index: int) -> Frame:
    return Frame(load_rgb(DEMO_IMAGE), index, time.monotonic(), "test")


def _next_answer(painter: LivePainter, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = painter.poll(0.1)
        if answer is not None:
            return answer
    pytest.fail("no painting within the timeout")


def test_it_paints_the_face_crop_as_the_fast_engine_does_and_keeps_only_the_newest() -> None:
    painter = LivePainter(side=256)
    try:
        painter.offer(_frame(0), FACE, STYLE)
        first = _next_answer(painter)
        for i in range(1, 6):  # offered while nothing is in flight: only the last one is painted
            painter.offer(_frame(i), FACE, STYLE)
        newest = _next_answer(painter)
        pid = painter.pid
    finally:
        painter.close()
    assert isinstance(first, LiveAvatar) and first.image.shape == (256, 256, 3) and first.style == STYLE
    assert newest.frame_index == 5 and painter.dropped == 4 and painter.painted == 2
    engine = FastStyleTransfer(threads=1)
    crop = face_crop(_frame(0), FACE, 256)
    expected = engine.paint(crop, engine.style_vector(load_rgb(STYLE)))
    assert np.abs(first.image.astype(int) - expected.astype(int)).mean() < 1.0
    assert np.abs(first.image.astype(int) - crop.astype(int)).mean() > 20
    assert painter.pid is None and not process_running(pid)


def test_a_damaged_network_is_refused_with_the_reason(tmp_path: Path) -> None:
    for pinned in PINNED:
        (tmp_path / pinned.name).write_bytes((NETWORKS_DIR / pinned.name).read_bytes()[::-1])
    painter = LivePainter(side=256, networks=tmp_path)
    try:
        painter.offer(_frame(0), FACE, STYLE)
        answer = _next_answer(painter)
    finally:
        painter.close()
    assert isinstance(answer, LiveFailed) and "refused" in answer.message and "damaged or was replaced" in answer.message


@pytest.mark.parametrize("box, expected_side", [(FACE, 256), (None, 256)])
def test_the_crop_is_a_square_of_the_frame(box, expected_side) -> None:
    crop = face_crop(_frame(0), box, expected_side)
    assert crop.shape == (expected_side, expected_side, 3) and crop.dtype == np.uint8
    whole = cv2.resize(load_rgb(DEMO_IMAGE), (expected_side, expected_side), interpolation=cv2.INTER_AREA)
    assert (np.abs(crop.astype(int) - whole.astype(int)).mean() > 5) == (box is not None)


@pytest.mark.parametrize("side", [32, 1024])
def test_sizes_outside_live_range_are_refused(side) -> None:
    with pytest.raises(ValueError, match="side must be 64..512"):
        LivePainter(side=side)
