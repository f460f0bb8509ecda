"""The shared training augmentation: the crop-scale jitter's range as given on the command line, and
what the jitter does to a face's scale."""

from __future__ import annotations

import numpy as np
import pytest

from emocam.training.augment import augmenter, parse_zoom


@pytest.mark.parametrize("text, expected", [("0.2", (-0.2, 0.2)), ("-0.2,0.25", (-0.2, 0.25)),
                                            ("-0.1,0.1", (-0.1, 0.1)), ("0,0", (0.0, 0.0)),
                                            ("-0.999,0.999", (-0.999, 0.999))])
def test_the_zoom_range_as_written(text, expected):
    assert parse_zoom(text) == expected


@pytest.mark.parametrize("text", ["0.3,0.1", "1", "-1,0.2", "0.1,1.0", "a,b", "", "0.1,0.2,0.3"])
def test_a_zoom_range_that_is_not_one_names_the_rule(text):
    with pytest.raises(ValueError, match=r"^--zoom .*: give LO,HI with -1 < LO <= HI < 1"):
        parse_zoom(text)


def _white_share(zoom: tuple[float, float]) -> float:
    """Mean share of white after augmenting a batch of a white square (half the side) on black."""
    face = np.zeros((16, 48, 48, 1), np.float32)
    face[:, 12:36, 12:36] = 1.0
    return float(np.asarray(augmenter(seed=3, zoom=zoom, fill_mode="constant")(face, training=True)).mean())


def test_negative_zoom_makes_the_face_bigger_and_positive_smaller():
    """A tighter box (zoom in) fills more of the crop with the face; a looser one less. The square
    covers 1/4 of the crop; shifts and the small rotation keep it whole, so only the zoom changes it."""
    tight, plain, loose = _white_share((-0.3, -0.3)), _white_share((0.0, 0.0)), _white_share((0.3, 0.3))
    assert plain == pytest.approx(0.25, abs=0.02)
    assert tight > 0.25 * 1.3 ** 2 * 0.9 and loose < 0.25 / 1.3 ** 2 * 1.1
