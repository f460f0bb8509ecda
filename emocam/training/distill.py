"""Knowledge distillation: a trained model's probabilities on the training faces as soft targets.

The teacher is opened like any dropped-in model (allow-list, probe, LiteRT), so a teacher file is
held to the same rules as the app's model. Two ways to use it:

- fixed (``teacher_probabilities``): its predictions are taken once on the un-augmented faces; the
  student then sees augmented versions of those faces against the same targets, as it does for the
  FER+ vote distributions;
- online (``OnlineTeacher``): it scores every augmented (and mixed) batch the student sees, so the
  student is taught on exactly the image it is shown ("consistent" teaching, Beyer et al. 2022).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def teacher_probabilities(path: str | Path, faces: np.ndarray, batch_size: int = 256,
                          threads: int = 2) -> np.ndarray:
    """The teacher's 7 probabilities for each uint8 face [N,H,W], rows summing to 1."""
    from emocam.models.probe import open_model
    from emocam.training.evaluate import predict_probabilities

    classifier = open_model(Path(path), num_threads=threads)  # checked in a child unless shipped
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


class OnlineTeacher:
    """Mixes the teacher's probabilities on each augmented batch into that batch's targets.

    Call it on one batch at a time (tf.data's sequential ``map`` does): the LiteRT interpreter is not
    thread-safe. Batches are float32 faces in [-1, 1], [N, H, W, 1], resized here if the teacher's
    input differs."""

    def __init__(self, path: str | Path, weight: float, threads: int = 1):
        from emocam.models.probe import open_model

        if not 0.0 <= weight <= 1.0:
            raise ValueError(f"teacher weight must be in [0, 1], got {weight}")
        self.classifier = open_model(Path(path), num_threads=threads)
        self.weight = weight
        self.calls = 0

    def __call__(self, faces: np.ndarray, targets: np.ndarray) -> np.ndarray:
        spec = self.classifier.spec
        if faces.shape[1:3] != (spec.height, spec.width) or faces.shape[3] != spec.channels:
            faces = self._fit_input(faces)
        self.calls += 1
        return mix(targets, self.classifier.predict_batch(faces), self.weight)

    def _fit_input(self, faces: np.ndarray) -> np.ndarray:
        """Back to pixel values, then the classifier's own resize/channel/scale step."""
        return self.classifier.preprocess(list((faces[..., 0] + 1.0) * 127.5))
