"""Turning whatever a source delivers into the one frame format: contiguous uint8 RGB HxWx3."""

from __future__ import annotations

import logging

import cv2
import numpy as np

log = logging.getLogger(__name__)

MAX_WIDTH = 1920  # 4K frames are scaled down once here; detection works on a small copy anyway


def normalize_image(image) -> np.ndarray | None:
    """RGB(A) or gray, any contiguity, uint8/uint16/float -> contiguous uint8 RGB; None if unusable."""
    if not isinstance(image, np.ndarray) or image.size == 0 or image.ndim not in (2, 3):
        return None
    image = _to_uint8(image)
    if image is None:
        return None
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        image = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_GRAY2RGB)
    elif image.shape[2] == 4:
        image = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGBA2RGB)
    elif image.shape[2] != 3:
        return None
    if image.shape[1] > MAX_WIDTH:
        h = round(image.shape[0] * MAX_WIDTH / image.shape[1])
        image = cv2.resize(image, (MAX_WIDTH, max(1, h)), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(image)


def bgr_to_rgb(image) -> np.ndarray | None:
    """An OpenCV image (BGR, BGRA or gray) as normalised RGB."""
    if isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] in (3, 4) and image.size:
        code = cv2.COLOR_BGR2RGB if image.shape[2] == 3 else cv2.COLOR_BGRA2RGBA
        image = cv2.cvtColor(np.ascontiguousarray(image), code)
    return normalize_image(image)


def _to_uint8(image: np.ndarray) -> np.ndarray | None:
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.uint16:
        return (image >> 8).astype(np.uint8)
    if np.issubdtype(image.dtype, np.floating):
        finite = np.nan_to_num(image, nan=0.0, posinf=1.0, neginf=0.0)
        scale = 255.0 if finite.max(initial=0.0) <= 1.0 else 1.0
        return np.clip(finite * scale, 0, 255).astype(np.uint8)
    log.debug("skipping a frame of dtype %s", image.dtype)
    return None
