"""A one-line progress bar on stderr for the slow commands (the Gatys painter, the VGG19 download)."""

from __future__ import annotations

import sys
import time

from emocam.style.transfer import StyleProgress, format_eta
from emocam.style.vgg_weights import DownloadProgress


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
