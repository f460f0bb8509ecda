"""Held-out folds, post-hoc logit adjustment, temperature scaling and calibration error (NumPy only).

Choices about a model (which epoch, how strongly to favour the rarer emotions, what temperature) are
made on a fold held out from the *training* data, never on val, so that val is scored once.

- Logit adjustment (Menon et al. 2021, "Long-tail learning via logit adjustment"): scores
  ``log p(y|x) - tau * log prior(y)`` trade a little accuracy on common classes for recall on rare ones.
- Temperature scaling (Guo et al. 2017): ``softmax(logits / T)`` with ``T`` fitted by log-likelihood,
  so that the bars' percentages mean what they say.
"""

from __future__ import annotations

import numpy as np

from emocam.emotions import NUM_CLASSES

FOLD_FRACTION = 0.1
FOLD_SEED = 0
TAU_GRID = tuple(round(0.05 * i, 2) for i in range(0, 41))  # 0 .. 2
MAX_ACCURACY_DROP = 0.01


def holdout_fold(y: np.ndarray, fraction: float = FOLD_FRACTION, seed: int = FOLD_SEED):
    """``(train_index, fold_index)``: a stratified ``fraction`` of each class held out, reproducibly."""
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    fold = []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        take = max(1, int(round(fraction * len(members))))
        fold.append(rng.choice(members, size=take, replace=False))
    fold_index = np.sort(np.concatenate(fold))
    train_index = np.setdiff1d(np.arange(len(y)), fold_index)
    return train_index, fold_index


def class_prior(y: np.ndarray, num_classes: int = NUM_CLASSES) -> np.ndarray:
    counts = np.bincount(np.asarray(y), minlength=num_classes).astype(np.float64)
    return np.maximum(counts, 1) / max(counts.sum(), 1)


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int = NUM_CLASSES) -> float:
    cm = np.bincount(y_true * num_classes + y_pred, minlength=num_classes ** 2).reshape(num_classes, -1)
    tp = np.diag(cm).astype(float)
    precision = np.divide(tp, cm.sum(0), out=np.zeros_like(tp), where=cm.sum(0) > 0)
    recall = np.divide(tp, cm.sum(1), out=np.zeros_like(tp), where=cm.sum(1) > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros_like(tp),
                   where=(precision + recall) > 0)
    present = (cm.sum(0) + cm.sum(1)) > 0
    return float(f1[present].mean())


def adjusted_scores(log_probs: np.ndarray, prior: np.ndarray, tau: float) -> np.ndarray:
    return log_probs - tau * np.log(prior)[None, :]


def fit_logit_adjustment(log_probs: np.ndarray, y: np.ndarray, prior: np.ndarray,
                         grid=TAU_GRID, max_accuracy_drop: float = MAX_ACCURACY_DROP) -> dict:
    """The ``tau`` of ``grid`` with the best macro-F1 on ``(log_probs, y)`` among those that lose at
    most ``max_accuracy_drop`` accuracy against no adjustment; ties go to the smaller ``tau``."""
    y = np.asarray(y)
    base = float((log_probs.argmax(1) == y).mean())
    best = {"tau": 0.0, "macro_f1": macro_f1(y, log_probs.argmax(1)), "accuracy": base}
    for tau in grid:
        pred = adjusted_scores(log_probs, prior, tau).argmax(1)
        acc, f1 = float((pred == y).mean()), macro_f1(y, pred)
        if acc >= base - max_accuracy_drop and f1 > best["macro_f1"] + 1e-12:
            best = {"tau": float(tau), "macro_f1": f1, "accuracy": acc}
    best["accuracy_unadjusted"] = base
    return best


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def nll(logits: np.ndarray, y: np.ndarray, temperature: float = 1.0) -> float:
    return float(-log_softmax(logits / temperature)[np.arange(len(y)), y].mean())


def fit_temperature(logits: np.ndarray, y: np.ndarray, low: float = 0.05, high: float = 20.0) -> float:
    """The ``T`` minimising the negative log-likelihood of ``softmax(logits / T)`` (golden-section
    search on log T; the NLL is unimodal in T for fixed logits)."""
    y = np.asarray(y)
    a, b = np.log(low), np.log(high)
    g = (np.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    for _ in range(80):
        if nll(logits, y, np.exp(c)) < nll(logits, y, np.exp(d)):
            b, d = d, c
            c = b - g * (b - a)
        else:
            a, c = c, d
            d = a + g * (b - a)
    return float(np.exp((a + b) / 2))


def reliability(probs: np.ndarray, y: np.ndarray, bins: int = 15) -> dict:
    """Top-label reliability: per equal-width confidence bin, the count, mean confidence and accuracy,
    and the expected calibration error (the count-weighted mean gap; Guo et al. 2017)."""
    probs, y = np.asarray(probs, np.float64), np.asarray(y)
    confidence, correct = probs.max(1), (probs.argmax(1) == y).astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    count = np.bincount(which, minlength=bins)
    conf_sum = np.bincount(which, weights=confidence, minlength=bins)
    acc_sum = np.bincount(which, weights=correct, minlength=bins)
    safe = np.maximum(count, 1)
    mean_conf, mean_acc = conf_sum / safe, acc_sum / safe
    ece = float(np.sum(count * np.abs(mean_acc - mean_conf)) / max(len(y), 1))
    return {"ece": round(ece, 6), "bins": bins, "edges": [round(float(e), 6) for e in edges],
            "count": count.tolist(), "confidence": [round(float(v), 6) for v in mean_conf],
            "accuracy": [round(float(v), 6) for v in mean_acc]}
