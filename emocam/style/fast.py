"""The fast avatar engine: Magenta's pretrained arbitrary-style networks run with onnxruntime.

A style image becomes a 100-number style vector (the predictor, 256x256 input); the transformer paints
the photo with that vector in one pass: about a tenth of a second at 384 px on one CPU core, with no
optimisation loop and no download. Strength works in style space as Ghiasi et al. suggest: the vector
moves from the photo's own style vector (strength 0) to the style image's (1) and beyond (up to 1.5,
stronger); below 0.5 the painting is also faded into the photo, so 0 gives the photo back.

Only numpy, OpenCV and onnxruntime are imported: no TensorFlow, so the painter starts in about a second.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from emocam.style.images import avatar_crop, preserve_colour, resize_long_side
from emocam.style.networks import PREDICTOR, STYLE_SIDE, TRANSFORMER, open_session
from emocam.style.transfer import StyleCancelled, StyleProgress, StyleSettings

log = logging.getLogger(__name__)

MAX_FAST_STRENGTH = 1.5  # further out (2 and more) the vector leaves what the network knows: flat colour
_MULTIPLE = 4  # the transformer halves the image twice and doubles it back: sides must divide by 4
_STAGES = 3  # style vectors, painting, finishing: the progress steps of one avatar


def style_input(rgb: np.ndarray) -> np.ndarray:
    """The predictor's input: the centre square of ``rgb`` at 256x256, float32 in [0, 1], batch of one."""
    h, w = rgb.shape[:2]
    side = min(h, w)
    square = rgb[(h - side) // 2: (h - side) // 2 + side, (w - side) // 2: (w - side) // 2 + side]
    interpolation = cv2.INTER_AREA if side > STYLE_SIDE else cv2.INTER_CUBIC
    small = cv2.resize(square, (STYLE_SIDE, STYLE_SIDE), interpolation=interpolation)
    return (small.astype(np.float32) / 255)[None]


def blend_vectors(own: np.ndarray, style: np.ndarray, strength: float) -> np.ndarray:
    """The style vector ``strength`` of the way from the photo's ``own`` to ``style`` (capped at 1.5)."""
    t = float(np.clip(strength, 0.0, MAX_FAST_STRENGTH))
    return (own + t * (style - own)).astype(np.float32)


def pixel_mix(strength: float) -> float:
    """How much of the painting is shown over the photo: full from strength 0.5 up, fading to 0 at 0."""
    return float(np.clip(2 * strength, 0.0, 1.0))


class StyleVectorCache:
    """Style vectors by the style image's pixels: in memory, and as ``.npy`` files in ``folder`` (None:
    memory only) so a style's vector is computed once, not once per run. A damaged file is recomputed."""

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder) if folder is not None else None
        self._memory: dict[str, np.ndarray] = {}

    @staticmethod
    def key(rgb: np.ndarray) -> str:
        digest = hashlib.sha256(PREDICTOR.sha256.encode() + str(rgb.shape).encode())
        digest.update(np.ascontiguousarray(rgb).tobytes())
        return digest.hexdigest()[:32]

    def get(self, rgb: np.ndarray, compute: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        key = self.key(rgb)
        if key in self._memory:
            return self._memory[key]
        vector = self._load(key)
        if vector is None:
            vector = compute(rgb)
            self._save(key, vector)
        self._memory[key] = vector
        return vector

    def _load(self, key: str) -> np.ndarray | None:
        path = self.folder / f"{key}.npy" if self.folder is not None else None
        if path is None or not path.is_file():
            return None
        try:
            vector = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as e:
            log.info("style vector cache %s unreadable (%s); recomputing", path, e)
            return None
        return vector.astype(np.float32) if vector.shape == (1, 1, 1, 100) else None

    def _save(self, key: str, vector: np.ndarray) -> None:
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{key}.{os.getpid()}.tmp.npy"
            np.save(tmp, vector)
            os.replace(tmp, self.folder / f"{key}.npy")
        except OSError as e:  # a cache that cannot be written costs 10 ms next time, nothing more
            log.info("style vector not cached in %s: %s", self.folder, e)


def default_vector_cache() -> StyleVectorCache:
    from emocam import resources

    return StyleVectorCache(resources.user_cache_dir() / "style_vectors")


class FastStyleTransfer:
    """The two networks, loaded once (checked against their pins: :class:`~emocam.style.networks.NetworkInvalid`
    if not). ``folder``: where the ``.onnx`` files are (default: shipped). One thread at a time."""

    def __init__(self, folder: Path | None = None, threads: int = 1, vectors: StyleVectorCache | None = None):
        self.predictor = open_session(PREDICTOR, folder, threads)
        self.transformer = open_session(TRANSFORMER, folder, threads)
        self._inputs = [i.name for i in self.transformer.get_inputs()]
        self.vectors = vectors if vectors is not None else StyleVectorCache()

    def style_vector(self, rgb: np.ndarray) -> np.ndarray:
        """The 100-d style vector (shape 1x1x1x100) of an RGB image, computed now (not cached)."""
        return self.predictor.run(None, {self.predictor.get_inputs()[0].name: style_input(rgb)})[0]

    def cached_vector(self, rgb: np.ndarray) -> np.ndarray:
        """:meth:`style_vector`, computed once per image (see :class:`StyleVectorCache`)."""
        return self.vectors.get(rgb, self.style_vector)

    def paint(self, content: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """``content`` (uint8 RGB, any size) painted with ``vector``; uint8 RGB of the same size."""
        h, w = content.shape[:2]
        x = content.astype(np.float32) / 255
        pad_h, pad_w = -h % _MULTIPLE, -w % _MULTIPLE
        if pad_h or pad_w:  # mirrored, as the network pads inside
            x = np.pad(x, ((0, pad_h), (0, pad_w), (0, 0)), mode="reflect")
        out = self.transformer.run(None, {self._inputs[0]: x[None], self._inputs[1]: vector})[0][0, :h, :w]
        return (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8)

    def paint_with_strength(self, content: np.ndarray, style_vector: np.ndarray, strength: float) -> np.ndarray:
        """:meth:`paint` with ``strength`` applied in style space and as a pixel blend (see the module)."""
        if strength <= 0:
            return content
        vector = style_vector if strength == 1 else blend_vectors(self.style_vector(content), style_vector, strength)
        painted = self.paint(content, vector)
        mix = pixel_mix(strength)
        return painted if mix >= 1 else cv2.addWeighted(painted, mix, content, 1 - mix, 0)

    def stylize(self, content: np.ndarray, style: np.ndarray, settings: StyleSettings = StyleSettings(),
                progress: Callable[[StyleProgress], None] | None = None,
                cancelled: Callable[[], bool] | None = None) -> np.ndarray:
        """Like :meth:`emocam.style.transfer.StyleTransfer.stylize`: ``content`` in the manner of
        ``style`` (uint8 RGB), long side ``settings.size``; three progress steps; raises
        :class:`~emocam.style.transfer.StyleCancelled` between them once ``cancelled()`` is true."""
        report = _Reporter(settings.size, progress, cancelled)
        if settings.face_crop:
            content = avatar_crop(content)[0]
        content = resize_long_side(content, settings.size)
        vector = self.cached_vector(style)
        report.step(1)
        result = self.paint_with_strength(content, vector, settings.strength)
        report.step(2)
        if settings.preserve_colour:
            result = preserve_colour(result, content)
        report.step(3, result)
        return result


class _Reporter:
    def __init__(self, side: int, progress, cancelled):
        self.side, self.progress, self.cancelled = side, progress, cancelled

    def step(self, n: int, preview: np.ndarray | None = None) -> None:
        if n < _STAGES and self.cancelled is not None and self.cancelled():
            raise StyleCancelled(f"cancelled after {n} of {_STAGES} steps")
        if self.progress is not None:
            self.progress(StyleProgress(n, _STAGES, 0.0, n / _STAGES, self.side, preview))
