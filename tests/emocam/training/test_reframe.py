"""Re-framed faces for ``evaluate --reframe``: tighter boxes are centre crops, looser ones reflect."""

from __future__ import annotations

import numpy as np
import pytest

from emocam.training.reframe import parse_scales, reframe


def test_a_tighter_box_is_the_centre_scaled_back():
    face = np.zeros((1, 48, 48), np.uint8)
    face[0, 19:29, 19:29] = 255  # a 10 px square in the middle
    tight = reframe(face, 0.5)
    assert tight.shape == (1, 48, 48) and tight.dtype == np.uint8
    assert (tight[0] > 127).sum() == pytest.approx(20 * 20, rel=0.15)  # twice as wide after the crop


def test_a_looser_box_shrinks_the_face_and_reflects_the_border():
    face = np.zeros((1, 48, 48), np.uint8)
    face[0, 14:34, 14:34] = 255
    loose = reframe(face, 1.25)
    assert loose.shape == (1, 48, 48)
    assert (loose[0] > 127).sum() == pytest.approx((20 / 1.25) ** 2, rel=0.2)
    edge = np.zeros((1, 48, 48), np.uint8)
    edge[0, :, :4] = 255  # a bright stripe at the left edge, mirrored into the 12 px border (padded cols 9-15)
    row = reframe(edge, 1.5)[0, 24]
    assert (row[7:10] > 127).all() and (row[:5] < 128).all() and (row[12:] < 128).all()


def test_scale_one_keeps_the_face():
    face = np.random.default_rng(0).integers(0, 256, (3, 48, 48), dtype=np.uint8)
    assert np.array_equal(reframe(face, 1.0), face)


@pytest.mark.parametrize("text, expected", [("0.8,0.9,1.1,1.25", [0.8, 0.9, 1.1, 1.25]), ("1.1", [1.1])])
def test_scales_parse(text, expected):
    assert parse_scales(text) == expected


@pytest.mark.parametrize("text", ["", "0.8,x", "0.4", "2.5", "0.8,,3"])
def test_bad_scales_are_one_clear_line(text):
    with pytest.raises(ValueError, match="--reframe"):
        parse_scales(text)
