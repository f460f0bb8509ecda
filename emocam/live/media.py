"""Opening untrusted image and video files with bounded memory.

An image's size is read from its header (Pillow reads only the header when opening) before
OpenCV decodes it: a 300 KB PNG can declare 20000x20000 pixels and cost gigabytes once decoded.
JPEGs over the limit are decoded at 1/2 or 1/4 scale by libjpeg itself (``IMREAD_REDUCED_*``,
which never builds the full-size picture; the 1/8 step is kept but never reached, since Pillow refuses
headers over about 179 MP and a JPEG side is at most 65535 px); other formats over the limit are refused with a message
naming the file. A video's frame size is read from the container before the first frame is decoded.
Only regular files are opened: a FIFO named ``b.png`` would block forever.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from pathlib import Path

from emocam.errors import FileRefused
from emocam.fileio import check_regular_file, read_regular
from emocam.limits import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, MAX_VIDEO_PIXELS

import cv2  # OpenCV's own decoder limit, the backstop, is set by emocam/__init__.py before cv2 loads
import numpy as np

log = logging.getLogger(__name__)

_REDUCED = {"color": {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
                      8: cv2.IMREAD_REDUCED_COLOR_8},
            "gray": {1: cv2.IMREAD_GRAYSCALE, 2: cv2.IMREAD_REDUCED_GRAYSCALE_2,
                     4: cv2.IMREAD_REDUCED_GRAYSCALE_4, 8: cv2.IMREAD_REDUCED_GRAYSCALE_8}}


class ImageError(FileRefused):
    """An image or video that cannot be used; the message names the file and what to do."""


def image_size(data: bytes, path: Path) -> tuple[str, int, int]:
    """``(format, width, height)`` from the header alone; :class:`ImageError` if it is not an image."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # we apply our own, lower bound
            with Image.open(io.BytesIO(data)) as im:  # lazy: parses the header only
                return im.format or "?", int(im.size[0]), int(im.size[1])
    except Image.DecompressionBombError as e:  # Pillow's own bound, far above ours: says only the count
        found = re.search(r"\((\d+) pixels\)", str(e))
        size = f"{int(found.group(1)) // 1_000_000} MP" if found else "too many pixels"
        raise ImageError(f"{path}: the image declares {size}, more than the {MAX_IMAGE_PIXELS // 1_000_000} MP "
                         "this app decodes; scale it down first") from e
    except Exception as e:  # UnidentifiedImageError, truncated or lying headers: all "not an image"
        raise ImageError(f"{path}: not a readable image (PNG, JPEG, BMP, TIFF, WebP...)") from e


def read_image(path: str | Path, mode: str = "color") -> np.ndarray:
    """Decode ``path`` as BGR (``mode="color"``) or gray uint8, within :data:`MAX_IMAGE_PIXELS`.

    Raises :class:`ImageError` (a ``ValueError``) naming the file for anything that is not a
    regular, readable image of a size this app can hold."""
    path = Path(path)
    data = read_regular(path, MAX_IMAGE_BYTES, "image file")
    fmt, width, height = image_size(data, path)
    scale = _scale_for(fmt, width, height, path)
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), _REDUCED[mode][scale])
    except cv2.error as e:
        raise ImageError(f"{path}: OpenCV could not decode the image ({str(e).strip().splitlines()[-1]})") from e
    if image is None or image.size == 0:
        raise ImageError(f"{path}: not a readable image (damaged or an unsupported {fmt} variant)")
    if image.shape[0] * image.shape[1] > MAX_IMAGE_PIXELS:  # the header lied to Pillow
        raise ImageError(f"{path}: decodes to {image.shape[1]}x{image.shape[0]}, more than its header says")
    if scale > 1:
        log.info("%s: %dx%d px decoded at 1/%d scale (limit %d MP)", path, width, height, scale,
                 MAX_IMAGE_PIXELS // 1_000_000)
    return image


def read_rgb(path: str | Path) -> np.ndarray:
    """:func:`read_image` as RGB."""
    return cv2.cvtColor(read_image(path, "color"), cv2.COLOR_BGR2RGB)


def _scale_for(fmt: str, width: int, height: int, path: Path) -> int:
    if width <= 0 or height <= 0:
        raise ImageError(f"{path}: image header says {width}x{height} pixels; not a usable image")
    for scale in (1, 2, 4, 8) if fmt == "JPEG" else (1,):  # libjpeg scales while decoding
        w, h = -(-width // scale), -(-height // scale)
        if w * h <= MAX_IMAGE_PIXELS and max(w, h) <= MAX_IMAGE_SIDE:
            return scale
    raise ImageError(f"{path}: image is {width}x{height} ({width * height / 1e6:.0f} MP), more than the "
                     f"{MAX_IMAGE_PIXELS // 1_000_000} MP (or {MAX_IMAGE_SIDE} px a side) this app decodes; "
                     "scale it down first")


def open_video(path: str | Path):
    """An opened ``cv2.VideoCapture`` on a regular video file whose frames fit
    :data:`MAX_VIDEO_PIXELS`; :class:`ImageError` naming the file otherwise."""
    path = check_regular_file(path, "video file")
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        cap.release()
        raise ImageError(f"{path}: not a readable video (OpenCV could not open it); is it a video file, and complete?")
    width, height = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    if width * height > MAX_VIDEO_PIXELS or width < 0 or height < 0:
        cap.release()
        raise ImageError(f"{path}: video frames are {width}x{height}, more than the "
                         f"{MAX_VIDEO_PIXELS / 1e6:.1f} MP this app decodes; scale the video down first")
    return cap
