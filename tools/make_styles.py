"""Draw emocam's built-in style images: our own procedural art, colourful, textured and distinct.

One 384x384 RGB PNG per style goes to ``assets/styles/`` (the name is the file stem; the app and
``python -m emocam stylize --style NAME`` use it). Output is deterministic: every style draws from
its own seeded random generator, with numpy and OpenCV only.

Usage::

    python tools/make_styles.py [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

SIZE = 384
OUT_DIR = Path(__file__).resolve().parent.parent / "assets" / "styles"


# ---------------------------------------------------------------- building blocks

def fbm(rng: np.random.Generator, octaves: int = 5, base: int = 4, size: int = SIZE) -> np.ndarray:
    """Fractal noise in [0, 1]: random grids from ``base`` cells up, each octave half as strong."""
    total, amplitude, cells = np.zeros((size, size), np.float32), 1.0, base
    for _ in range(octaves):
        grid = rng.random((cells + 1, cells + 1)).astype(np.float32)
        total += amplitude * cv2.resize(grid, (size, size), interpolation=cv2.INTER_CUBIC)
        amplitude, cells = amplitude / 2, cells * 2
    return cv2.normalize(total, None, 0, 1, cv2.NORM_MINMAX)


def warp(field: np.ndarray, dx: np.ndarray, dy: np.ndarray, strength: float) -> np.ndarray:
    """``field`` sampled at positions pushed by (dx, dy) in [0, 1]: swirls."""
    ys, xs = np.mgrid[0:field.shape[0], 0:field.shape[1]].astype(np.float32)
    map_x, map_y = xs + (dx - 0.5) * strength, ys + (dy - 0.5) * strength
    return cv2.remap(field, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def palette(t: np.ndarray, stops: list[tuple[float, tuple[int, int, int]]]) -> np.ndarray:
    """Map ``t`` in [0, 1] to RGB through colour stops [(position, (r, g, b)), ...]."""
    positions = [p for p, _ in stops]
    channels = [np.interp(t, positions, [c[i] for _, c in stops]) for i in range(3)]
    return np.clip(np.stack(channels, axis=-1), 0, 255).astype(np.uint8)


def voronoi(rng: np.random.Generator, count: int, size: int = SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Cell index of every pixel and the gap to the second-nearest seed (small along cell borders)."""
    seeds = rng.random((count, 2)) * size
    ys, xs = np.mgrid[0:size, 0:size]
    d = np.hypot(xs[..., None] - seeds[:, 0], ys[..., None] - seeds[:, 1])
    nearest = np.argsort(d, axis=-1)[..., :2]
    d1 = np.take_along_axis(d, nearest[..., :1], -1)[..., 0]
    d2 = np.take_along_axis(d, nearest[..., 1:2], -1)[..., 0]
    return nearest[..., 0], d2 - d1


def grain(rgb: np.ndarray, rng: np.random.Generator, amount: float = 10) -> np.ndarray:
    """Canvas-like grain so every style has fine texture as well as shapes."""
    noise = cv2.GaussianBlur(rng.normal(0, amount, rgb.shape[:2]).astype(np.float32), (0, 0), 0.8)
    return np.clip(rgb.astype(np.float32) + noise[..., None], 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- the styles

def ember(rng: np.random.Generator) -> np.ndarray:
    """Swirling fire: warped noise through black, crimson, orange and yellow."""
    swirl = warp(fbm(rng), fbm(rng, base=3), fbm(rng, base=3), 140)
    bands = 0.5 + 0.5 * np.sin(swirl * 18)
    t = 0.65 * swirl + 0.35 * bands
    return grain(palette(t, [(0, (20, 4, 10)), (0.35, (150, 20, 30)), (0.6, (235, 90, 20)),
                             (0.8, (255, 190, 40)), (1, (255, 250, 200))]), rng)


def lichen(rng: np.random.Generator) -> np.ndarray:
    """Crackled organic cells in moss greens and ochre with dark veins."""
    cell, gap = voronoi(rng, 90)
    tint = rng.random(90)[cell]
    body = palette(0.55 * tint + 0.45 * fbm(rng, base=8), [(0, (40, 70, 30)), (0.4, (120, 150, 50)),
                                                           (0.7, (200, 180, 70)), (1, (240, 220, 150))])
    veins = np.clip(gap / 6, 0, 1)[..., None]
    return grain((body * veins + np.array([30, 25, 15]) * (1 - veins)).astype(np.uint8), rng, 14)


def nebula(rng: np.random.Generator) -> np.ndarray:
    """Deep-space clouds in violet, magenta and cyan, with stars."""
    clouds = warp(fbm(rng, octaves=6, base=3), fbm(rng), fbm(rng), 80)
    rgb = palette(clouds ** 1.4, [(0, (8, 6, 30)), (0.3, (70, 20, 120)), (0.6, (200, 50, 160)),
                                  (0.8, (60, 200, 230)), (1, (240, 240, 255))])
    stars = (rng.random((SIZE, SIZE)) > 0.996).astype(np.float32)
    glow = cv2.GaussianBlur(stars, (0, 0), 1.2) * 4 + stars
    return np.clip(rgb + 255 * np.clip(glow, 0, 1)[..., None], 0, 255).astype(np.uint8)


def confetti(rng: np.random.Generator) -> np.ndarray:
    """Bright pop-art: hundreds of overlapping coloured dabs and strokes on cream."""
    canvas = np.full((SIZE, SIZE, 3), (250, 244, 228), np.uint8)
    colours = [(255, 60, 90), (255, 200, 0), (30, 180, 255), (120, 220, 80), (190, 80, 255), (255, 130, 30)]
    for _ in range(420):
        colour = colours[rng.integers(len(colours))]
        x, y = (int(v) for v in rng.integers(0, SIZE, 2))
        if rng.random() < 0.5:
            axes = (int(rng.integers(4, 18)), int(rng.integers(3, 10)))
            cv2.ellipse(canvas, (x, y), axes, float(rng.uniform(0, 180)), 0, 360, colour, -1, cv2.LINE_AA)
        else:
            angle = rng.uniform(0, np.pi)
            end = (int(x + 26 * np.cos(angle)), int(y + 26 * np.sin(angle)))
            cv2.line(canvas, (x, y), end, colour, int(rng.integers(3, 7)), cv2.LINE_AA)
    return grain(canvas, rng, 6)


def rain(rng: np.random.Generator) -> np.ndarray:
    """A rainy window: slanted blue-grey streaks over soft blurred lights."""
    lights = cv2.GaussianBlur(fbm(rng, base=5), (0, 0), 6)
    rgb = palette(lights, [(0, (20, 30, 60)), (0.5, (50, 90, 140)), (0.8, (120, 170, 200)), (1, (230, 210, 160))])
    streaks = np.zeros((SIZE, SIZE), np.float32)
    for _ in range(700):
        x, y, length = rng.uniform(-60, SIZE), rng.uniform(-60, SIZE), rng.uniform(10, 60)
        cv2.line(streaks, (int(x), int(y)), (int(x + 0.3 * length), int(y + length)), float(rng.uniform(0.3, 1)), 1,
                 cv2.LINE_AA)
    streaks = cv2.GaussianBlur(streaks, (0, 0), 0.7)[..., None]
    return grain(np.clip(rgb * (1 - 0.5 * streaks) + 235 * 0.5 * streaks, 0, 255).astype(np.uint8), rng, 5)


def mosaic(rng: np.random.Generator) -> np.ndarray:
    """Stained glass: saturated cells with dark lead lines and light falling through."""
    cell, gap = voronoi(rng, 140)
    hues = rng.integers(0, 180, 140)[cell].astype(np.uint8)
    light = (150 + 100 * fbm(rng, base=3)).astype(np.uint8)
    hsv = np.stack([hues, np.full_like(hues, 210), light], axis=-1)
    rgb = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    lead = np.clip((gap - 2) / 3, 0, 1)[..., None]
    return grain((rgb * lead + 25 * (1 - lead)).astype(np.uint8), rng, 8)


def waves(rng: np.random.Generator) -> np.ndarray:
    """Rolling waves: warped stripes of indigo, teal and foam white over a sandy sky."""
    ys = np.mgrid[0:SIZE, 0:SIZE][0].astype(np.float32) / SIZE
    field = warp(ys, fbm(rng, base=2), fbm(rng, base=3), 160)
    stripes = 0.5 + 0.5 * np.sin(field * 40 + 6 * fbm(rng, base=6))
    return grain(palette(stripes, [(0, (15, 30, 90)), (0.45, (20, 120, 150)), (0.8, (170, 220, 215)),
                                   (1, (250, 245, 230))]), rng, 8)


STYLES: dict[str, Callable[[np.random.Generator], np.ndarray]] = {
    "ember": ember, "lichen": lichen, "nebula": nebula, "confetti": confetti,
    "rain": rain, "mosaic": mosaic, "waves": waves,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for seed, (name, draw) in enumerate(STYLES.items()):
        rgb = draw(np.random.default_rng(1000 + seed))
        path = args.out_dir / f"{name}.png"
        if not cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9]):
            raise OSError(f"{path}: could not write the PNG")
        print(f"{path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
