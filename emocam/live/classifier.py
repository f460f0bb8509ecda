"""EmotionClassifier: score face crops with a validated 7-class model through LiteRT.

This is the live path's only model code: it takes TFLite bytes and never imports TensorFlow. Files
are read, checked, converted and cached by :func:`emocam.models.loading.load_classifier`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from emocam.emotions import NUM_CLASSES
from emocam.errors import ModelError
from emocam.limits import MAX_INPUT_SIDE, MAX_TENSOR_BYTES, MIN_INPUT_SIDE

log = logging.getLogger(__name__)

MIN_SIDE, MAX_SIDE = MIN_INPUT_SIDE, MAX_INPUT_SIDE
SUM_TOLERANCE = 0.02  # quantised (int8) softmax outputs sum to 1 within about 0.005; logits are far off


@dataclass(frozen=True)
class InputSpec:
    """The model's expected face size and channels (1 gray or 3 RGB)."""

    height: int
    width: int
    channels: int


class EmotionClassifier:
    """Scores face crops with a validated 7-class model through LiteRT. Not thread-safe:
    use one instance per thread."""

    def __init__(self, tflite_bytes: bytes, path: Path, num_threads: int = 1):
        from ai_edge_litert.interpreter import Interpreter

        self.path = Path(path)
        self.tflite_bytes = bytes(tflite_bytes)  # exactly what runs (the checking child hands these on)
        try:
            self._interp = Interpreter(model_content=tflite_bytes, num_threads=num_threads)
        except (ValueError, RuntimeError) as e:
            raise ModelError(f"{path}: LiteRT cannot run this model ({_first_line(e)})") from e
        _check_tensor_bytes(self._interp, self.path, "declares")  # before anything is allocated
        try:
            self._interp.allocate_tensors()
        except (ValueError, RuntimeError) as e:
            raise ModelError(f"{path}: LiteRT cannot run this model ({_first_line(e)})") from e
        _check_tensor_bytes(self._interp, self.path, "allocates")  # shapes an op resized while preparing
        self.spec = _validate_io(self._interp, self.path)
        self._batch = 1
        self._check_probe()

    def predict(self, crops: list[np.ndarray]) -> np.ndarray:
        """Probabilities [N, 7] for face crops (uint8 gray HxW or RGB HxWx3, any size)."""
        if not len(crops):
            return np.zeros((0, NUM_CLASSES), np.float32)
        return self.predict_batch(self.preprocess(crops))

    def preprocess(self, crops: list[np.ndarray]) -> np.ndarray:
        """Resize to the model's input, match its channels, scale to [-1, 1]: float32 [N,H,W,C]."""
        spec = self.spec
        out = np.empty((len(crops), spec.height, spec.width, spec.channels), np.float32)
        for i, crop in enumerate(crops):
            if crop.ndim == 3 and spec.channels == 1:
                crop = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
            elif crop.ndim == 2 and spec.channels == 3:
                crop = cv2.cvtColor(crop, cv2.COLOR_GRAY2RGB)
            if crop.shape[:2] != (spec.height, spec.width):
                crop = cv2.resize(crop, (spec.width, spec.height), interpolation=cv2.INTER_AREA)
            out[i] = crop.reshape(spec.height, spec.width, spec.channels)
        out *= 1 / 127.5
        out -= 1.0
        return out

    def predict_batch(self, batch: np.ndarray) -> np.ndarray:
        """Probabilities [N, 7] for a preprocessed float32 batch [N, H, W, C]."""
        out = self._invoke(batch)
        return out / np.maximum(out.sum(axis=1, keepdims=True), 1e-12)  # int8 softmax sums to 1 +- 0.01

    def _invoke(self, batch: np.ndarray) -> np.ndarray:
        """The model's raw outputs for a batch."""
        inp = self._interp.get_input_details()[0]
        if len(batch) != self._batch:
            self._interp.resize_tensor_input(inp["index"], [len(batch), *batch.shape[1:]])
            self._interp.allocate_tensors()
            self._batch = len(batch)
        self._interp.set_tensor(inp["index"], np.ascontiguousarray(batch, np.float32))
        self._interp.invoke()
        return self._interp.get_tensor(self._interp.get_output_details()[0]["index"]).astype(np.float32)

    def _check_probe(self) -> None:
        rng = np.random.default_rng(0)
        spec = self.spec
        probe = rng.uniform(-1, 1, (2, spec.height, spec.width, spec.channels)).astype(np.float32)
        out = self._invoke(probe)
        if out.shape != (2, NUM_CLASSES) or not np.all(np.isfinite(out)):
            raise ModelError(f"{self.path}: produced {out.shape} or non-finite values on a probe image")
        sums = out.sum(axis=1)
        if np.any(out < -1e-6) or np.any(np.abs(sums - 1) > SUM_TOLERANCE):
            raise ModelError(f"{self.path}: outputs sum to {sums.round(3).tolist()}, not 1 — "
                             "does the model end in logits instead of a softmax?")


def _check_tensor_bytes(interp, path: Path, verb: str) -> None:
    """Refuse a model whose tensors together exceed :data:`MAX_TENSOR_BYTES` (a 2 KB file can pad
    each face to 12048x12048 pixels)."""
    total = 0
    for t in interp.get_tensor_details():
        count = 1
        for d in t["shape"]:
            count *= max(int(d), 1)
        total += count * np.dtype(t["dtype"]).itemsize
    if total > MAX_TENSOR_BYTES:
        raise ModelError(f"{path}: {verb} {total >> 20} MB of tensors; emotion models need a few MB "
                         f"(limit {MAX_TENSOR_BYTES >> 20} MB) — refusing it")


def _first_line(e: Exception) -> str:
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    return lines[0] if lines else type(e).__name__


def check_shapes(inp: tuple, out: tuple, path: Path) -> InputSpec:
    if len(inp) != 4 or inp[3] not in (1, 3):
        raise ModelError(f"{path}: input shape {inp} is not an HxWx1 or HxWx3 image")
    h, w = inp[1], inp[2]
    if not all(isinstance(s, int) and MIN_SIDE <= s <= MAX_SIDE for s in (h, w)):
        raise ModelError(f"{path}: input {h}x{w} is outside {MIN_SIDE}..{MAX_SIDE} px; "
                         "emotion models here take small face crops (48 or 64 px)")
    if len(out) != 2 or out[-1] != NUM_CLASSES:
        hint = " — is this an FER+ model?" if out and out[-1] == 8 else ""
        raise ModelError(f"{path}: expects {NUM_CLASSES} outputs, has {out[-1] if out else '?'}{hint}")
    return InputSpec(int(h), int(w), int(inp[3]))


def _validate_io(interp, path: Path) -> InputSpec:
    ins, outs = interp.get_input_details(), interp.get_output_details()
    if len(ins) != 1:
        raise ModelError(f"{path}: expects {len(ins)} inputs; an emotion model takes one face image")
    if len(outs) != 1:
        raise ModelError(f"{path}: has {len(outs)} outputs; expected one with 7 probabilities")
    if ins[0]["dtype"] != np.float32:
        raise ModelError(f"{path}: input type {np.dtype(ins[0]['dtype']).name}; only float32 models are supported")
    return check_shapes(tuple(int(s) for s in ins[0]["shape"]), tuple(int(s) for s in outs[0]["shape"]), path)
