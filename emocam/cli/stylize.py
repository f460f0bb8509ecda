"""Paint avatars: each PHOTO (a file, or every image in a folder) in the style of STYLE (a built-in
name or any image).

    python -m emocam stylize snapshot.png --style ember --out avatar.png [--engine fast|gatys] [--size 384]
    python -m emocam stylize snapshots/ --style painting.jpg --out avatars/ [--json]

The fast engine (default) runs Magenta's pretrained arbitrary-style networks (shipped, offline, a
fraction of a second per avatar). The Gatys engine ("detailed", slow: tens of seconds) needs the
ImageNet VGG19 weights (about 80 MB); they are never fetched unless you pass --download.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from emocam.errors import UsageError
from emocam.live.sources import IMAGE_SUFFIXES
from emocam.style.images import builtin_styles, find_style, load_rgb
from emocam.cli.progress_bar import ProgressBar
from emocam.style.transfer import ENGINES, StyleSettings
from emocam.style.vgg_weights import (WeightsSource, WeightsUnavailable, check_weights, download_weights, find_weights,
                                      offline_message)

__all__ = ["ProgressBar", "add_arguments", "run"]
_GATYS_ONLY = ("steps", "weights", "download")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = StyleSettings()
    parser.add_argument("content", type=Path, help="the photo to paint (a snapshot), or a folder of photos")
    parser.add_argument("--style", required=True,
                        help=f"a style image, or a built-in style: {', '.join(builtin_styles()) or 'none'}")
    parser.add_argument("--out", type=Path, required=True,
                        help="the PNG to write, or a folder (needed for a folder of photos); files are never "
                             "overwritten: if one exists, a timestamped name beside it is used")
    parser.add_argument("--engine", choices=ENGINES, default="fast",
                        help="fast: pretrained network, well under a second (default); "
                             "gatys: detailed optimisation, slow, needs the VGG19 weights")
    parser.add_argument("--size", type=int, default=defaults.size, help="long side of the result in pixels")
    parser.add_argument("--strength", type=float, default=1.0,
                        help="style strength: 0 = photo, 1 = default, more = stronger (fast: at most 1.5; gatys: 4 is strong)")
    parser.add_argument("--preserve-colour", action="store_true", help="keep the photo's colours")
    parser.add_argument("--no-face-crop", dest="face_crop", action="store_false",
                        help="paint the whole picture instead of a square around the largest face")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout (messages go to stderr)")
    gatys = parser.add_argument_group("gatys engine only")
    gatys.add_argument("--steps", type=int, default=None,
                       help=f"optimiser steps in all (default {defaults.total_steps}, shared coarse to fine)")
    gatys.add_argument("--weights", type=Path, default=None, help="a VGG19 notop .h5 file to use")
    gatys.add_argument("--download", action="store_true",
                       help=f"if no VGG19 weights are found, download them (about {WeightsSource().approx_mb} MB)")


def run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    photos, outputs = _plan(args.content, args.out, Path(find_style(args.style)))
    style = load_rgb(find_style(args.style))
    log = sys.stderr if args.json else sys.stdout
    painter = _painter(args)
    results, failed = [], []
    for photo, out in zip(photos, outputs):
        try:
            results.append(_paint_one(painter, photo, style, settings, out, args, log))
        except (OSError, ValueError) as e:  # one bad photo in a folder does not stop the others
            if len(photos) == 1:
                raise
            failed.append({"input": str(photo), "error": str(e)})
            print(f"skipped {photo}: {e}", file=sys.stderr)
    if args.json:
        print(json.dumps({"engine": settings.engine, "style": str(args.style), "size": settings.size,
                          "results": results, "failed": failed}, indent=2))
    return 1 if failed else 0


def _settings(args: argparse.Namespace) -> StyleSettings:
    if args.engine == "fast":
        given = [f"--{name}" for name in _GATYS_ONLY if getattr(args, name) not in (None, False)]
        if given:
            raise UsageError(f"{', '.join(given)} only apply to --engine gatys (the fast engine has no steps "
                             "and needs no VGG19 weights)")
    settings = StyleSettings(size=args.size, strength=args.strength, preserve_colour=args.preserve_colour,
                             face_crop=args.face_crop, engine=args.engine)
    return settings.with_total_steps(args.steps) if args.steps is not None else settings


def _plan(content: Path, out: Path, style: Path) -> tuple[list[Path], list[Path]]:
    """The photos to paint and where each avatar goes."""
    if content.is_dir():
        photos = sorted(p for p in content.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        if not photos:
            raise UsageError(f"{content}: no images in this folder (looked for {', '.join(IMAGE_SUFFIXES)})")
        if out.suffix.lower() == ".png" and not out.is_dir():
            raise UsageError(f"{out}: a folder of photos needs --out to be a folder, not a .png file")
        return photos, [out / f"{p.stem}-avatar-{style.stem}.png" for p in photos]
    if not content.is_file():
        raise UsageError(f"{content}: no such photo or folder")
    return [content], [out / f"{content.stem}-avatar-{style.stem}.png" if out.is_dir() else out]


def _painter(args: argparse.Namespace):
    if args.engine == "fast":
        from emocam.style.fast import FastStyleTransfer, default_vector_cache

        return FastStyleTransfer(threads=os.cpu_count() or 1, vectors=default_vector_cache())
    weights = _weights(args)
    from emocam.style.transfer import StyleTransfer

    print(f"loading VGG19 from {weights}...", file=sys.stderr)
    return StyleTransfer(weights)


def _paint_one(painter, photo: Path, style, settings: StyleSettings, out: Path, args, log) -> dict:
    from emocam.fileio import save_png_atomic

    content = load_rgb(photo)
    started = time.perf_counter()
    bar = ProgressBar("painting") if settings.engine == "gatys" else None
    image = painter.stylize(content, style, settings, progress=bar.on_style_progress if bar else None)
    seconds = time.perf_counter() - started
    if bar:
        bar.done()
    out.parent.mkdir(parents=True, exist_ok=True)
    written = save_png_atomic(image, out)
    took = f"{seconds:.0f} s" if seconds >= 10 else f"{1000 * seconds:.0f} ms"
    print(f"wrote {written} ({image.shape[1]}x{image.shape[0]}, {took})", file=log)
    return {"input": str(photo), "output": str(written), "width": image.shape[1], "height": image.shape[0],
            "ms": round(1000 * seconds, 1)}


def _weights(args: argparse.Namespace) -> Path:
    if args.weights is not None:
        return check_weights(args.weights).path
    found = find_weights()
    if found is not None:
        return found
    source = WeightsSource()
    if not args.download:
        raise WeightsUnavailable(offline_message(source) + " (here: rerun with --download, or pass --weights "
                                 "FILE, or use the default --engine fast, which needs no download)")
    print(f"downloading the ImageNet VGG19 weights (about {source.approx_mb} MB) from {source.url} "
          f"to {source.target}", file=sys.stderr)
    bar = ProgressBar("download")
    path = download_weights(source, progress=bar.on_download_progress)
    bar.done()
    return check_weights(path).path
