"""Paint an avatar: CONTENT (a photo) in the style of STYLE (a built-in name or any image), Gatys et al.

    python -m emocam stylize snapshot.png --style ember --out avatar.png [--size 384] [--steps 120]

Needs the ImageNet VGG19 weights (about 80 MB). They are never fetched unless you pass --download;
without them, the error says where to put a copy.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from emocam.style.images import builtin_styles, find_style, load_rgb
from emocam.style.transfer import StyleProgress, StyleSettings, format_eta
from emocam.style.vgg_weights import (DownloadProgress, WeightsSource, WeightsUnavailable, check_weights, download_weights,
                                find_weights, offline_message)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = StyleSettings()
    parser.add_argument("content", type=Path, help="the photo to paint (a snapshot)")
    parser.add_argument("--style", required=True,
                        help=f"a style image, or a built-in style: {', '.join(builtin_styles()) or 'none'}")
    parser.add_argument("--out", type=Path, required=True,
                        help="the PNG to write (never overwritten: if it exists, a timestamped name beside it is used)")
    parser.add_argument("--size", type=int, default=defaults.size, help="long side of the result in pixels")
    parser.add_argument("--steps", type=int, default=None,
                        help=f"optimiser steps in all (default {defaults.total_steps}, shared coarse to fine)")
    parser.add_argument("--strength", type=float, default=1.0, help="style strength: 0 = photo, 1 = default, 4 = strong")
    parser.add_argument("--preserve-colour", action="store_true", help="keep the photo's colours")
    parser.add_argument("--no-face-crop", dest="face_crop", action="store_false",
                        help="paint the whole picture instead of a square around the largest face")
    parser.add_argument("--weights", type=Path, default=None, help="a VGG19 notop .h5 file to use")
    parser.add_argument("--download", action="store_true",
                        help=f"if no VGG19 weights are found, download them (about {WeightsSource().approx_mb} MB)")


def run(args: argparse.Namespace) -> int:
    settings = StyleSettings(size=args.size, strength=args.strength, preserve_colour=args.preserve_colour,
                             face_crop=args.face_crop)
    if args.steps is not None:
        settings = settings.with_total_steps(args.steps)
    content, style = load_rgb(args.content), load_rgb(find_style(args.style))
    weights = _weights(args)
    from emocam.fileio import save_png_atomic
    from emocam.style.transfer import StyleTransfer

    print(f"loading VGG19 from {weights}...", file=sys.stderr)
    painter = StyleTransfer(weights)
    bar = ProgressBar("painting")
    image = painter.stylize(content, style, settings, progress=bar.on_style_progress)
    bar.done()
    written = save_png_atomic(image, args.out)
    print(f"wrote {written} ({image.shape[1]}x{image.shape[0]}, {bar.elapsed:.0f} s)")
    return 0


def _weights(args: argparse.Namespace) -> Path:
    if args.weights is not None:
        return check_weights(args.weights).path
    found = find_weights()
    if found is not None:
        return found
    source = WeightsSource()
    if not args.download:
        raise WeightsUnavailable(offline_message(source) + " (here: rerun with --download, or pass --weights FILE)")
    print(f"downloading the ImageNet VGG19 weights (about {source.approx_mb} MB) from {source.url} "
          f"to {source.target}", file=sys.stderr)
    bar = ProgressBar("download")
    path = download_weights(source, progress=bar.on_download_progress)
    bar.done()
    return check_weights(path).path


class ProgressBar:
    """A tqdm bar on stderr with an ETA; without a terminal (logs, pipes), one line per tenth of the work."""

    WIDTH = 28
    STEPS = 1000  # the bar counts thousandths of the work (steps are weighted by their pixels)

    def __init__(self, label: str, stream=None):
        from tqdm import tqdm

        self.label, self.stream = label, stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.started, self._tenth = time.monotonic(), -1
        self._bar = tqdm(total=self.STEPS, desc=label, file=self.stream, disable=not self.tty, mininterval=0.1,
                         bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix} [{elapsed}<{remaining}]")

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def on_style_progress(self, p: StyleProgress) -> None:
        self.show(p.fraction, f"step {p.step}/{p.total} {p.side} px loss {p.loss:.3g}")

    def on_download_progress(self, p: DownloadProgress) -> None:
        mb = f"{p.received / 1e6:.1f}" + (f"/{p.total / 1e6:.1f}" if p.total else "") + " MB"
        self.show(p.fraction or 0.0, mb)

    def show(self, fraction: float, detail: str) -> None:
        if self.tty:
            self._bar.set_postfix_str(detail, refresh=False)
            self._bar.update(round(self.STEPS * min(1.0, fraction)) - self._bar.n)
            return
        filled = round(self.WIDTH * fraction)
        line = (f"{self.label} [{'#' * filled}{'-' * (self.WIDTH - filled)}] {100 * fraction:3.0f}% "
                f"{detail} {format_eta(self.elapsed, fraction)}")
        if int(fraction * 10) > self._tenth:
            self._tenth = int(fraction * 10)
            print(line, file=self.stream, flush=True)

    def done(self) -> None:
        self._bar.close()

