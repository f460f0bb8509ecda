"""Style transfer core: a real optimisation with an untrained VGG19 at tiny sizes (the ImageNet weights
cannot be in a test), the image helpers around it, and the built-in style images."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from emocam.live.sources import DEMO_IMAGE
from emocam.style.images import (STYLE_FOR_EMOTION, STYLES_DIR, avatar_box, avatar_crop, builtin_styles, find_style,
                                 load_rgb, preserve_colour, result_path)
from emocam.style.transfer import StyleCancelled, StyleProgress, StyleSettings, format_eta
from emocam.types import Box

REPO = Path(__file__).resolve().parents[3]
TINY = StyleSettings(size=64, scales=(1.0,), steps=(12,), face_crop=False)


@pytest.fixture(scope="module")
def painter():
    """One StyleTransfer on a random-weight VGG19 (explicit test-only parameter), traced once."""
    import keras

    from emocam.style.transfer import StyleTransfer, build_vgg

    keras.utils.set_random_seed(0)
    return StyleTransfer(vgg=build_vgg(weights=None))


@pytest.fixture(scope="module")
def images() -> tuple[np.ndarray, np.ndarray]:
    return load_rgb(DEMO_IMAGE), load_rgb(STYLES_DIR / "mosaic.png")


def _run(painter, images, settings=TINY, cancel_after=None):
    seen: list[StyleProgress] = []
    result = painter.stylize(*images, settings, seen.append,
                             cancelled=lambda: cancel_after is not None and len(seen) >= cancel_after)
    return result, seen


def test_loss_decreases_and_the_image_changes(painter, images) -> None:
    result, seen = _run(painter, images)
    losses = [p.loss for p in seen]
    assert losses[-1] < 0.9 * losses[0], f"loss did not go down: {losses}"
    assert result.dtype == np.uint8 and result.shape == (64, 64, 3)
    start = cv2.resize(images[0], (64, 64), interpolation=cv2.INTER_AREA)
    assert np.abs(result.astype(int) - start).mean() > 1.0, "the optimiser did not change the image"


def test_progress_counts_every_step_coarse_to_fine(painter, images) -> None:
    settings = StyleSettings(size=64, scales=(0.5, 1.0), steps=(4, 3), face_crop=False, preview_interval_s=1e9)
    result, seen = _run(painter, images, settings)
    assert [p.step for p in seen] == list(range(1, 8)) and {p.total for p in seen} == {7}
    assert [p.side for p in seen] == [32] * 4 + [64] * 3
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert fractions[3] == pytest.approx(0.25), "four 32 px steps weigh as much as one 64 px step"
    previews = {p.step: p.preview.shape for p in seen if p.preview is not None}
    assert previews == {4: (32, 32, 3), 7: (64, 64, 3)}, "a preview at the end of each scale"
    assert result.shape[:2] == (64, 64)


def test_cancel_stops_within_one_step(painter, images) -> None:
    with pytest.raises(StyleCancelled):
        _run(painter, images, cancel_after=3)
    seen = []
    with pytest.raises(StyleCancelled):
        painter.stylize(*images, TINY, seen.append, cancelled=lambda: True)
    assert seen == [], "a job cancelled before it starts does no step"


def test_cancel_reports_no_step_after_the_request(painter, images) -> None:
    seen: list[StyleProgress] = []
    with pytest.raises(StyleCancelled, match="after 3 of 12"):
        painter.stylize(*images, TINY, seen.append, cancelled=lambda: len(seen) >= 3)
    assert [p.step for p in seen] == [1, 2, 3]


def test_strength_controls_how_far_from_the_photo(painter, images) -> None:
    start = cv2.resize(images[0], (64, 64), interpolation=cv2.INTER_AREA).astype(int)
    distance = {}
    for strength in (0.0, 4.0):
        settings = StyleSettings(size=64, scales=(1.0,), steps=(10,), face_crop=False, strength=strength)
        distance[strength] = np.abs(_run(painter, images, settings)[0].astype(int) - start).mean()
    assert distance[0.0] < distance[4.0], distance


def test_preserve_colour_keeps_the_photo_chroma(painter, images) -> None:
    settings = StyleSettings(size=64, scales=(1.0,), steps=(6,), face_crop=False, preserve_colour=True)
    result, _ = _run(painter, images, settings)
    content = cv2.resize(images[0], (64, 64), interpolation=cv2.INTER_AREA)
    chroma = [cv2.cvtColor(x, cv2.COLOR_RGB2YCrCb)[..., 1:].astype(int) for x in (result, content)]
    assert np.abs(chroma[0] - chroma[1]).mean() < 3


def test_aspect_is_kept_without_face_crop(painter) -> None:
    wide = np.tile(np.linspace(0, 255, 160, dtype=np.uint8)[None, :, None], (80, 1, 3))
    result = painter.stylize(wide, wide, StyleSettings(size=64, scales=(1.0,), steps=(1,), face_crop=False))
    assert result.shape == (32, 64, 3)


def test_face_crop_is_a_square_around_the_face() -> None:
    portrait = load_rgb(DEMO_IMAGE)
    crop, face = avatar_crop(portrait)
    assert face is not None, "the demo portrait has a face"
    assert crop.shape[0] == crop.shape[1] and crop.shape[0] >= max(face.w, face.h)
    blank_crop, blank_face = avatar_crop(np.full((90, 160, 3), 128, np.uint8))
    assert blank_face is None and blank_crop.shape == (90, 90, 3)


@pytest.mark.parametrize("face, expected", [
    (Box(100, 100, 50, 50), Box(70, 76, 110, 110)),        # room all round: face centred, a bit high
    (Box(0, 0, 50, 50), Box(0, 0, 110, 110)),               # at the corner: moved inside, not cut
    (Box(150, 120, 200, 200), Box(80, 0, 240, 240)),        # too big: the largest square that fits
    (None, Box(40, 0, 240, 240)),                           # no face: centre square
])
def test_avatar_box(face, expected) -> None:
    assert avatar_box(320, 240, face) == expected


@pytest.mark.parametrize("kwargs, match", [
    ({"size": 16}, "size"),
    ({"scales": (0.5, 1.0), "steps": (3,)}, "one entry per scale"),
    ({"scales": (1.0, 0.5), "steps": (1, 1)}, "rise"),
    ({"steps": (0, 0, 0)}, "at least one step"),
    ({"strength": -1}, "strength"),
    ({"learning_rate": 0}, "learning_rate"),
])
def test_settings_are_validated(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        StyleSettings(**kwargs)


def test_total_steps_are_shared_in_proportion() -> None:
    settings = StyleSettings().with_total_steps(60)
    assert settings.total_steps == 60 and settings.steps[0] > settings.steps[1] > settings.steps[2] >= 1
    with pytest.raises(ValueError, match="at least 3"):
        StyleSettings().with_total_steps(2)


@pytest.mark.parametrize("elapsed, fraction, text", [
    (10.0, 0.01, ""), (10.0, 0.5, "ETA 0:10"), (30.0, 0.25, "ETA 1:30"), (75.0, 1.0, "done in 1:15"),
])
def test_format_eta(elapsed, fraction, text) -> None:
    assert format_eta(elapsed, fraction) == text


def test_result_goes_beside_the_snapshot() -> None:
    assert result_path(Path("/p/emocam-1.png"), Path("/s/ember.png")) == Path("/p/emocam-1-avatar-ember.png")


def test_preserve_colour_keeps_brightness_of_the_stylized_image() -> None:
    stylized = np.zeros((8, 8, 3), np.uint8)
    stylized[:, 4:] = 200
    content = np.zeros((16, 16, 3), np.uint8)
    content[..., 0] = 220  # red
    out = preserve_colour(stylized, content)
    assert out.shape == stylized.shape
    assert out[:, 4:, 0].mean() > out[:, 4:, 2].mean() + 50, "the photo's red is kept"
    assert out[:, :4].mean() < out[:, 4:].mean(), "the stylized brightness is kept"


# ---------------------------------------------------------------- the built-in styles

def test_there_are_distinct_colourful_textured_styles() -> None:
    styles = builtin_styles()
    assert len(styles) >= 5, f"{STYLES_DIR}: run tools/make_styles.py"
    images = {name: load_rgb(path) for name, path in styles.items()}
    for name, rgb in images.items():
        assert rgb.shape == (384, 384, 3), name
        saturation = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)[..., 1].mean()
        texture = cv2.Laplacian(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var()
        assert saturation > 60 and texture > 50, f"{name}: saturation {saturation:.0f}, texture {texture:.0f}"
    for (a, x), (b, y) in itertools.combinations(images.items(), 2):
        hist = [cv2.calcHist([im], [0, 1, 2], None, [8, 8, 8], [0, 256] * 3).ravel() for im in (x, y)]
        overlap = np.minimum(*hist).sum() / hist[0].sum()
        assert overlap < 0.6, f"{a} and {b} have nearly the same colours ({overlap:.2f})"
    assert set(STYLE_FOR_EMOTION.values()) <= set(styles)


def test_styles_are_drawn_by_our_script_deterministically() -> None:
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import make_styles
    finally:
        sys.path.remove(str(REPO / "tools"))
    for seed, (name, draw) in enumerate(make_styles.STYLES.items()):
        if name in ("ember", "confetti"):  # two cheap ones are enough to catch drift
            drawn = draw(np.random.default_rng(1000 + seed))
            assert np.array_equal(drawn, load_rgb(STYLES_DIR / f"{name}.png")), f"{name}.png is not what the script draws"


def test_unknown_style_lists_the_known_names(tmp_path: Path) -> None:
    assert find_style("ember") == STYLES_DIR / "ember.png"
    own = tmp_path / "mine.jpg"
    cv2.imwrite(str(own), np.zeros((8, 8, 3), np.uint8))
    assert find_style(str(own)) == own
    with pytest.raises(ValueError, match="built-in: .*ember"):
        find_style("no-such-style")
