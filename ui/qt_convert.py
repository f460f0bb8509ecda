"""numpy -> QImage: the one general conversion (respects strides, copies before the buffer can die),
and the live view's: scaled to the size it is shown at, in the format the screen blits."""

from __future__ import annotations

import cv2
import numpy as np
from PyQt5.QtGui import QImage

_FORMATS = {1: QImage.Format_Grayscale8, 3: QImage.Format_RGB888, 4: QImage.Format_RGBA8888}


def rgb_to_qimage(array: np.ndarray) -> QImage:
    """Convert a uint8 image array to a QImage that owns its pixels.

    Accepts HxWx3 RGB, HxW grey and HxWx4 RGBA. Non-contiguous views (crops, ``arr[:, ::2]``)
    are made contiguous first; the result is a deep copy, so ``array`` may be freed or changed
    afterwards without affecting the image.

    Raises ValueError for any other dtype or shape, naming what was received.
    """
    if not isinstance(array, np.ndarray):
        raise ValueError(f"rgb_to_qimage needs a numpy array, got {type(array).__name__}")
    if array.dtype != np.uint8:
        raise ValueError(f"rgb_to_qimage needs dtype uint8, got {array.dtype}; "
                         "scale to 0..255 and cast with .astype(np.uint8)")
    channels = 1 if array.ndim == 2 else (array.shape[2] if array.ndim == 3 else 0)
    if channels not in _FORMATS:
        raise ValueError(f"rgb_to_qimage needs HxW, HxWx3 or HxWx4, got shape {array.shape}")
    height, width = array.shape[:2]
    if height == 0 or width == 0:
        raise ValueError(f"rgb_to_qimage got an empty image of shape {array.shape}")
    # QImage reads rows with a single stride and packed pixels: only C-contiguous data satisfies that.
    data = np.ascontiguousarray(array)
    view = QImage(data.data, width, height, data.strides[0], _FORMATS[channels])
    return view.copy()  # the view borrows numpy's buffer; the copy owns its own


def rgb_to_display(array: np.ndarray, width: int, height: int, mirror: bool = False) -> QImage:
    """An RGB frame scaled to exactly ``width`` x ``height`` pixels (mirrored if asked) as a QImage
    that owns its pixels, in ``Format_RGB32``: what a raster paint device blits without converting
    or scaling again (``drawImage`` of an ``RGB888`` image scaled by the painter converts every pixel
    to 32 bits and filters it on each paint, several times the work).

    OpenCV scales (bilinear, as Qt's smooth transform does, after an area-averaging shrink by a whole
    factor when the frame is two or more times the size shown) and writes the converted pixels
    straight into the QImage's own buffer, so nothing is copied twice.
    """
    if not isinstance(array, np.ndarray) or array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(f"rgb_to_display needs a uint8 HxWx3 RGB array, got "
                         f"{getattr(array, 'dtype', type(array).__name__)} {getattr(array, 'shape', '')}")
    if width < 1 or height < 1 or not array.size:
        raise ValueError(f"rgb_to_display: nothing to show at {width}x{height} from shape {array.shape}")
    scaled = _scaled(array, width, height)
    if mirror:
        scaled = cv2.flip(scaled, 1)
    image = QImage(width, height, QImage.Format_RGB32)
    pointer = image.bits()
    pointer.setsize(image.sizeInBytes())
    pixels = np.frombuffer(pointer, np.uint8).reshape(height, image.bytesPerLine() // 4, 4)[:, :width]
    cv2.cvtColor(np.ascontiguousarray(scaled), cv2.COLOR_RGB2BGRA, dst=pixels)  # RGB32 is B,G,R,255 in memory
    return image


def _scaled(array: np.ndarray, width: int, height: int) -> np.ndarray:
    """``array`` at ``width`` x ``height``: a whole-factor area shrink first (OpenCV's fast path; no
    aliasing however small the view), then bilinear for the rest."""
    h, w = array.shape[:2]
    factor = min(w // width, h // height)
    if factor >= 2:
        array = cv2.resize(array, (w // factor, h // factor), interpolation=cv2.INTER_AREA)
    if array.shape[:2] == (height, width):
        return array
    return cv2.resize(array, (width, height), interpolation=cv2.INTER_LINEAR)
