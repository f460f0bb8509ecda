"""Paths the window opens itself (style images) are refused without blocking or decoding bombs."""

from __future__ import annotations

import os
import signal

import pytest

from tests.emocam import hostile
from ui.avatars.style_picker import thumbnail


def _fifo(p):
    os.mkfifo(p)
    return p


CASES = {
    "fifo": _fifo,
    "20000x20000 png": lambda p: hostile.png(p, 20_000, 20_000, rows=1),
}


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
def test_a_style_image_that_would_block_or_explode_gives_no_thumbnail(make, tmp_path):
    path = make(tmp_path / "style.png")

    def blocked(*_):
        raise TimeoutError(f"{path}: opening it blocked")
    old = signal.signal(signal.SIGALRM, blocked)
    signal.alarm(20)  # a blocked open fails the test instead of hanging it
    try:
        assert thumbnail(path, 64) is None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
