"""The web app's one door to avatar painting: a photo and a style image in, a painted RGB image out.

The server paints with :class:`FastEngine` (Magenta's pretrained arbitrary-style networks through
onnxruntime, shipped with emocam: well under a second, nothing to download) wherever
``emocam.style.fast`` exists, else with :class:`GatysEngine` (needs the ImageNet VGG19 weights, about
40 s an avatar); an engine that cannot paint says what is missing in :meth:`AvatarEngine.missing` and
the endpoint answers 503. The routes and the job queue only see :class:`AvatarEngine`.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from emocam.style.images import builtin_styles

log = logging.getLogger(__name__)

Progress = Callable[[float], None]  # fraction of the work done, 0..1
Cancelled = Callable[[], bool]


class AvatarCancelled(Exception):
    """The job was cancelled before the painting finished."""


class AvatarEngine(Protocol):
    """What the web app needs from an avatar engine."""

    name: str

    def missing(self) -> str | None:
        """None when the engine can paint; else what is missing and how to get it (one message)."""

    def paint(self, photo: np.ndarray, style: np.ndarray, progress: Progress, cancelled: Cancelled) -> np.ndarray:
        """``photo`` (uint8 RGB) painted in ``style``; raises :class:`AvatarCancelled` when ``cancelled()``."""


class _Engine:
    """What both engines share: one painter, built on first use by ``_ensure_painter`` and used by
    one painting at a time (one VGG19 and its traced step; or one onnxruntime session pair)."""

    settings = None
    _lock: threading.Lock

    def paint(self, photo: np.ndarray, style: np.ndarray, progress: Progress, cancelled: Cancelled) -> np.ndarray:
        from emocam.style.transfer import StyleCancelled

        with self._lock:
            painter = self._ensure_painter()
            try:
                return painter.stylize(photo, style, self.settings, lambda p: progress(p.fraction), cancelled)
            except StyleCancelled as e:
                raise AvatarCancelled(str(e)) from e

    def _ensure_painter(self):
        raise NotImplementedError


class GatysEngine(_Engine):
    """Gatys style transfer (:class:`emocam.style.transfer.StyleTransfer`), built on first use (it
    imports TensorFlow and loads VGG19 once) and reused. ``weights``: a VGG19 file (None: look in the
    usual places); ``random_vgg_for_tests``: an untrained VGG19, for tests only."""

    name = "gatys"

    def __init__(self, weights: Path | None = None, size: int = 384, steps: int | None = None,
                 random_vgg_for_tests: bool = False):
        from emocam.style.transfer import StyleSettings

        settings = StyleSettings(size=size)
        self.settings = settings if steps is None else settings.with_total_steps(steps)
        self.weights, self.random_vgg = weights, random_vgg_for_tests
        self._painter = None
        self._lock = threading.Lock()

    def missing(self) -> str | None:
        if self.random_vgg:
            return None
        from emocam.style import vgg_weights

        if self.weights is None and vgg_weights.find_weights() is None:
            return (f"Avatars need the ImageNet VGG19 weights ({vgg_weights.FILE_NAME}, about "
                    f"{vgg_weights.APPROX_MB} MB), which are not on this computer. Get them once with "
                    "`python -m emocam stylize PHOTO --style ember --out avatar.png --download`, or copy the file "
                    "into the weights/ folder (or set EMOCAM_VGG_WEIGHTS to it); no restart is needed.")
        return None

    def _ensure_painter(self):
        if self._painter is None:
            from emocam.style.transfer import StyleTransfer, build_vgg

            self._painter = StyleTransfer(vgg=build_vgg(None)) if self.random_vgg else StyleTransfer(self.weights)
        return self._painter


class FastEngine(_Engine):
    """The fast engine (:class:`emocam.style.fast.FastStyleTransfer`): its two networks (from
    ``networks``, default the shipped ones) are checked against their pins and loaded on first use, then reused. Style vectors are kept in memory only,
    so an uploaded style leaves nothing on disk."""

    name = "fast"

    def __init__(self, size: int = 384, threads: int = 1, networks: Path | None = None):
        from emocam.style.transfer import StyleSettings

        self.settings, self.threads, self.networks = StyleSettings(size=size), threads, networks
        self._painter = None
        self._lock = threading.Lock()

    def missing(self) -> str | None:
        try:
            with self._lock:
                self._ensure_painter()
        except ImportError as e:
            return f"the fast avatar engine needs onnxruntime ({e.name or e} is missing): pip install onnxruntime"
        except RuntimeError as e:  # NetworkInvalid: a network file missing or not the pinned one
            return str(e)
        return None

    def _ensure_painter(self):
        if self._painter is None:
            from emocam.style.fast import FastStyleTransfer, StyleVectorCache

            self._painter = FastStyleTransfer(self.networks, self.threads, vectors=StyleVectorCache(folder=None))
        return self._painter


def default_engine() -> AvatarEngine:
    """The engine the server uses: the fast one where :mod:`emocam.style` has it, else Gatys."""
    import importlib.util

    return FastEngine() if importlib.util.find_spec("emocam.style.fast") is not None else GatysEngine()


def styles() -> dict[str, Path]:
    """Built-in style images by name."""
    return builtin_styles()
