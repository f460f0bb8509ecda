"""Face recall: how many of the faces a full-resolution Haar scan finds in each frame a loop reported.

``bench`` counts frames with at least one face, which cannot see a face that is never picked up
among others; this counts faces. The reference scans every frame whole, at full resolution, with the
same cascade and minimum size as the live path, and a reported box matches a reference face when
their overlap (IoU) is at least ``MIN_IOU``, each box matching at most one face.
"""

from __future__ import annotations

import cv2
import numpy as np

from emocam.bench.loops import LoopRecord
from emocam.live.detection import FaceDetector
from emocam.types import Box, match_by_iou

MIN_IOU = 0.3


def reference_boxes(frames_bgr: list[np.ndarray], detector: FaceDetector) -> list[list[Box]]:
    """Every face a whole, full-resolution scan finds in each frame (identical frames scanned once)."""
    seen: dict[int, list[Box]] = {}
    out = []
    for bgr in frames_bgr:
        key = id(bgr)
        if key not in seen:
            seen[key] = detector.detect(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
        out.append(seen[key])
    return out


def matched(reference: list[Box], reported: list[Box], min_iou: float = MIN_IOU) -> int:
    """How many reference faces a reported box covers (one box per face, best overlap first: the
    tracker's own matching rule)."""
    return len(match_by_iou(reference, reported, min_iou))


def recall_summary(reference: list[list[Box]], records: dict[str, LoopRecord]) -> dict:
    """``reference_faces`` and, per loop, ``<name>_faces`` (reported) and ``<name>_recall``."""
    total = sum(len(r) for r in reference)
    out: dict = {"reference_faces": total}
    for name, record in records.items():
        hits = sum(matched(ref, got) for ref, got in zip(reference, record.boxes))
        out[f"{name}_faces"] = sum(len(got) for got in record.boxes)
        out[f"{name}_recall"] = round(hits / total, 4) if total else None
    return out
