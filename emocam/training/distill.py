"""Knowledge distillation: a trained model's probabilities on the training faces as soft targets.

The teacher is opened like any dropped-in model (allow-list, probe, LiteRT), so a teacher file is
held to the same rules as the app's model. Its predictions are taken once on the un-augmented faces;
the student then sees augmented versions of those faces against the same targets, as it does for
the FER+ vote distributions.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def teacher_probabilities(path: str | Path, faces: np.ndarray, batch_size: int = 256,
                          threads: int = 2) -> np.ndarray:
    """The teacher's 7 probabilities for each uint8 face [N,H,W], rows summing to 1."""
    from emocam.classification import EmotionClassifier
    from emocam.training.evaluate import predict_probabilities

    classifier = EmotionClassifier.load(Path(path), num_threads=threads)
    out = predict_probabilities(classifier, faces, batch_size)  # rows already renormalised by the classifier
    log.info("teacher %s scored %d training faces", path, len(faces))
    return out


def mix(targets: np.ndarray, teacher: np.ndarray, weight: float) -> np.ndarray:
    """``(1 - weight) * targets + weight * teacher``, checked for shape and range."""
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"teacher weight must be in [0, 1], got {weight}")
    if targets.shape != teacher.shape:
        raise ValueError(f"teacher gave {teacher.shape} for targets of shape {targets.shape}")
    return ((1.0 - weight) * targets + weight * teacher).astype(np.float32)
