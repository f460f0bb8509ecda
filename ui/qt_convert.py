"""The one numpy -> QImage conversion: respects strides and copies before the buffer can die."""

from __future__ import annotations

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
