"""``export --balance-on TRAIN_DATA``: a balanced, calibrated ensemble in plain Keras layers.

The members' logits (the input of their final softmax) are averaged, then one frozen ``Dense`` layer
applies post-hoc logit adjustment and temperature scaling together:
``softmax((mean_logits - tau * log prior) / T)``. ``tau`` is the strength with the best macro-F1 on the
fold held out from the training data (losing at most 1 point of accuracy there), ``T`` the temperature
with the best log-likelihood on the same fold; val is never looked at (``emocam.training.balance``).
"""

from __future__ import annotations

import numpy as np

from emocam.training import balance


def logit_model(member, index: int):
    """``member`` up to (not including) its final softmax ``Activation``: its logits."""
    import keras

    last = member.layers[-1]
    if not (type(last).__name__ == "Activation" and getattr(last, "activation", None) is not None
            and last.activation.__name__ == "softmax"):
        raise ValueError(f"{member.name}: --balance-on needs members that end in a softmax Activation layer "
                         "(the mini-Xceptions do); this one ends in "
                         f"{type(last).__name__}")
    return keras.Model(member.inputs[0], last.input, name=f"logits{index}")


def fold_logits(members, x_fold: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Mean member logits [N,7] on uint8 faces [N,48,48]."""
    faces = x_fold[..., None].astype(np.float32) / 127.5 - 1.0
    outs = [np.asarray(logit_model(m, i).predict(faces, batch_size=batch_size, verbose=0))
            for i, m in enumerate(members)]
    return np.mean(outs, axis=0)


def fit(members, train) -> dict:
    """``tau`` and ``T`` fitted on the held-out fold of ``train`` (an ``emocam.training.data.Dataset``),
    with the fold's scores before and after, for the model card."""
    train_i, fold_i = balance.holdout_fold(train.y)
    prior = balance.class_prior(train.y[train_i])
    logits = fold_logits(members, train.x[fold_i])
    y = train.y[fold_i]
    choice = balance.fit_logit_adjustment(balance.log_softmax(logits), y, prior)
    adjusted = balance.adjusted_scores(balance.log_softmax(logits), prior, choice["tau"])
    temperature = balance.fit_temperature(adjusted, y)

    def probs(z, t):
        return np.exp(balance.log_softmax(z / t))

    return {
        "rule": f"tau: best fold macro-F1 over {balance.TAU_GRID[0]}..{balance.TAU_GRID[-1]} (step 0.05) losing "
                f"<= {balance.MAX_ACCURACY_DROP} fold accuracy; T: best fold log-likelihood",
        "fold": {"fraction": balance.FOLD_FRACTION, "seed": balance.FOLD_SEED, "n": int(len(fold_i))},
        "prior": [round(float(p), 6) for p in prior],
        "tau": choice["tau"], "temperature": round(temperature, 4),
        "fold_accuracy_before": round(choice["accuracy_unadjusted"], 4),
        "fold_accuracy_after": round(choice["accuracy"], 4), "fold_macro_f1_after": round(choice["macro_f1"], 4),
        "fold_macro_f1_before": round(balance.macro_f1(y, logits.argmax(1)), 4),
        "fold_ece_before": balance.reliability(probs(adjusted, 1.0), y)["ece"],
        "fold_ece_after": balance.reliability(probs(adjusted, temperature), y)["ece"],
    }


def balanced_ensemble(members, tau: float, temperature: float, prior):
    """One Keras model: averaged member logits -> frozen Dense (adjust + temperature) -> softmax."""
    import keras
    from keras import layers

    shape = tuple(int(d) for d in members[0].inputs[0].shape[1:])
    face = keras.Input(shape, name="face")
    logits = [logit_model(m, i)(face) for i, m in enumerate(members)]
    mean = layers.Average(name="mean_logits")(logits) if len(logits) > 1 else logits[0]
    calibrate = layers.Dense(7, trainable=False, name="adjust_and_temperature")
    out = layers.Activation("softmax", name="predictions")(calibrate(mean))
    kernel = np.eye(7, dtype="float32") / np.float32(temperature)
    bias = (-tau * np.log(np.asarray(prior, np.float64)) / temperature).astype("float32")
    calibrate.set_weights([kernel, bias])
    return keras.Model(face, out, name="emocam_balanced")
