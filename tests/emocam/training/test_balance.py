"""Held-out fold, logit adjustment, temperature and calibration error: exact on hand-made numbers."""

from __future__ import annotations

import numpy as np
import pytest

from emocam.training import balance


def test_fold_is_a_stratified_tenth_reproducibly_and_disjoint():
    y = np.repeat(np.arange(7), [400, 40, 410, 720, 480, 310, 500])
    train_i, fold_i = balance.holdout_fold(y)
    assert np.bincount(y[fold_i], minlength=7).tolist() == [40, 4, 41, 72, 48, 31, 50]
    assert len(np.intersect1d(train_i, fold_i)) == 0 and len(train_i) + len(fold_i) == len(y)
    again = balance.holdout_fold(y)
    assert np.array_equal(again[1], fold_i)
    assert not np.array_equal(balance.holdout_fold(y, seed=1)[1], fold_i)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1])
def test_fold_fraction_must_be_inside_zero_one(fraction):
    with pytest.raises(ValueError, match="between 0 and 1"):
        balance.holdout_fold(np.arange(10) % 2, fraction)


def test_macro_f1_on_a_known_confusion():
    y_true = np.array([0, 0, 1, 1, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 0])
    # class 0: p=1/2 r=1/2 f=.5; class 1: p=2/3 r=1 f=.8; class 2: p=1 r=1/2 f=2/3
    assert balance.macro_f1(y_true, y_pred, 3) == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)


def test_logit_adjustment_rescues_a_rare_class_the_raw_scores_never_predict():
    # a rare class 1 whose faces score just below class 0: only an adjustment of >= 0.15 finds them
    prior = np.array([0.9, 0.1])
    log_probs = np.log(np.array([[0.55, 0.45]] * 10 + [[0.9, 0.1]] * 90))
    y = np.array([1] * 10 + [0] * 90)
    fit = balance.fit_logit_adjustment(log_probs, y, prior, grid=(0.0, 0.05, 0.1, 0.15, 0.2))
    assert fit["accuracy_unadjusted"] == pytest.approx(0.9)
    assert fit["tau"] == pytest.approx(0.1) and fit["accuracy"] == pytest.approx(1.0)  # smallest that flips them
    assert fit["macro_f1"] == pytest.approx(1.0)


def test_logit_adjustment_refuses_to_lose_more_than_the_allowed_accuracy():
    prior = np.array([0.5, 0.5 - 1e-9, 1e-9])
    prior = prior / prior.sum()
    log_probs = np.log(np.array([[0.6, 0.39, 0.01]] * 100))
    y = np.zeros(100, int)
    fit = balance.fit_logit_adjustment(log_probs, y, prior, grid=(0.0, 0.5, 1.0))
    assert fit["tau"] == 0.0  # any tau that flips to class 2 costs all the accuracy


def test_temperature_recovers_the_one_that_made_the_labels():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (20000, 5))
    p = np.exp(balance.log_softmax(logits / 2.0))  # true temperature 2
    y = np.array([rng.choice(5, p=row) for row in p])
    assert balance.fit_temperature(logits, y) == pytest.approx(2.0, rel=0.05)


def test_reliability_bins_and_ece_on_hand_made_numbers():
    probs = np.array([[0.95, 0.05], [0.95, 0.05], [0.55, 0.45], [0.55, 0.45]])
    y = np.array([0, 1, 0, 0])
    r = balance.reliability(probs, y, bins=10)
    # bin (0.9, 1]: confidence .95, accuracy .5; bin (0.5, 0.6]: confidence .55, accuracy 1
    assert r["count"][9] == 2 and r["count"][5] == 2 and sum(r["count"]) == 4
    assert r["accuracy"][9] == 0.5 and r["accuracy"][5] == 1.0
    assert r["ece"] == pytest.approx((2 * 0.45 + 2 * 0.45) / 4)


def test_a_perfectly_calibrated_model_has_no_calibration_error():
    probs = np.array([[1.0, 0.0]] * 5 + [[0.0, 1.0]] * 5)
    y = np.array([0] * 5 + [1] * 5)
    assert balance.reliability(probs, y)["ece"] == 0.0
