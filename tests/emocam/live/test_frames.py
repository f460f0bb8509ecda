"""Odd frames are normalised to contiguous uint8 RGB, or skipped."""

from __future__ import annotations

import numpy as np
import pytest

from emocam.live.frames import MAX_WIDTH, bgr_to_rgb, normalize_image

RGB = np.random.default_rng(0).integers(0, 256, (31, 45, 3), dtype=np.uint8)


@pytest.mark.parametrize("image", [None, "not an image", np.zeros((0, 10, 3), np.uint8),
                                   np.zeros((5, 5, 5), np.uint8), np.zeros((2, 2, 2, 2), np.uint8),
                                   np.zeros((4, 4, 3), np.int32)])
def test_unusable_frames_are_skipped(image):
    assert normalize_image(image) is None


@pytest.mark.parametrize("image,expected_first_pixel", [
    (RGB, RGB[0, 0]),
    (RGB[:, ::2], RGB[0, 0]),                                   # non-contiguous view, odd width
    (np.full((8, 9), 77, np.uint8), (77, 77, 77)),               # grayscale
    (np.full((8, 9, 1), 12, np.uint8), (12, 12, 12)),            # single channel
    (np.dstack([RGB, np.full(RGB.shape[:2], 9, np.uint8)]), RGB[0, 0]),  # RGBA: alpha dropped
    (np.full((4, 4, 3), 0.5, np.float32), (127, 127, 127)),      # float in [0, 1]
    (np.full((4, 4, 3), 65535, np.uint16), (255, 255, 255)),     # 16-bit
])
def test_frames_become_contiguous_uint8_rgb(image, expected_first_pixel):
    out = normalize_image(image)
    assert out.dtype == np.uint8 and out.ndim == 3 and out.shape[2] == 3 and out.flags.c_contiguous
    assert out.shape[:2] == image.shape[:2]
    assert tuple(out[0, 0]) == tuple(expected_first_pixel)


def test_4k_frames_are_scaled_down_once():
    out = normalize_image(np.zeros((2160, 3840, 3), np.uint8))
    assert out.shape == (1080, MAX_WIDTH, 3)


def test_bgr_and_bgra_become_rgb():
    bgr = np.zeros((2, 2, 3), np.uint8)
    bgr[..., 0] = 255  # blue in OpenCV order
    assert tuple(bgr_to_rgb(bgr)[0, 0]) == (0, 0, 255)
    bgra = np.dstack([bgr, np.full((2, 2), 255, np.uint8)])
    assert tuple(bgr_to_rgb(bgra)[0, 0]) == (0, 0, 255)
