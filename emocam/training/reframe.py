"""Re-framed faces: how a model holds up when the face box is tighter or looser than FER2013's.

``scale < 1``: the centre ``scale`` of the face (e.g. 0.8 = a box 80% as wide), scaled back to the
original size. ``scale > 1``: a box ``scale`` times as wide, the missing border filled by reflecting the
image (``cv2.BORDER_REFLECT_101``), scaled back. Both resize with area/linear interpolation as OpenCV
recommends for shrinking/enlarging.
"""

from __future__ import annotations

import numpy as np


def parse_scales(text: str) -> list[float]:
    """``"0.8,0.9,1.1,1.25"`` -> ``[0.8, 0.9, 1.1, 1.25]``; each must be within 0.5..2."""
    try:
        scales = [float(v) for v in text.split(",") if v.strip()]
    except ValueError as e:
        raise ValueError(f"--reframe {text!r}: give scales like 0.8,0.9,1.1,1.25") from e
    if not scales or not all(0.5 <= s <= 2.0 for s in scales):
        raise ValueError(f"--reframe {text!r}: each scale must be between 0.5 and 2 (1 = FER2013's framing)")
    return scales


def reframe(faces: np.ndarray, scale: float) -> np.ndarray:
    """uint8 faces [N,H,W] re-framed by ``scale`` (see the module doc), same shape."""
    import cv2

    n, h, w = faces.shape
    out = np.empty_like(faces)
    if scale < 1:
        ch, cw = max(1, round(h * scale)), max(1, round(w * scale))
        top, left = (h - ch) // 2, (w - cw) // 2
        for i in range(n):
            out[i] = cv2.resize(faces[i, top:top + ch, left:left + cw], (w, h), interpolation=cv2.INTER_LINEAR)
        return out
    ph, pw = round(h * (scale - 1) / 2), round(w * (scale - 1) / 2)
    for i in range(n):
        padded = cv2.copyMakeBorder(faces[i], ph, ph, pw, pw, cv2.BORDER_REFLECT_101)
        out[i] = cv2.resize(padded, (w, h), interpolation=cv2.INTER_AREA)
    return out
