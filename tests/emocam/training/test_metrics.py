"""evaluate.metrics(): hand-checked accuracy, precision, recall, F1 and confusion matrices."""

from __future__ import annotations

import numpy as np
import pytest

from emocam.emotions import NAMES
from emocam.training.evaluate import confusion_matrix, format_table, metrics

# y_true = [0,0,0,1,1,2], y_pred = [0,0,1,1,2,2]:
#   class 0: tp 2, predicted 2, support 3 -> P 1,   R 2/3, F1 0.8
#   class 1: tp 1, predicted 2, support 2 -> P 1/2, R 1/2, F1 0.5
#   class 2: tp 1, predicted 2, support 1 -> P 1/2, R 1,   F1 2/3
SMALL_TRUE, SMALL_PRED = [0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2]
SMALL_F1 = [0.8, 0.5, 2 / 3]


@pytest.mark.parametrize("y_true, y_pred, num_classes, accuracy, macro_f1", [
    pytest.param(list(range(7)), list(range(7)), 7, 1.0, 1.0, id="perfect"),
    pytest.param([0, 1, 2], [1, 2, 0], 3, 0.0, 0.0, id="all-wrong"),
    pytest.param(SMALL_TRUE, SMALL_PRED, 3, 4 / 6, sum(SMALL_F1) / 3, id="small-confusion"),
    # classes 3..6 never occur and are never predicted: left out of macro F1
    pytest.param(SMALL_TRUE, SMALL_PRED, 7, 4 / 6, sum(SMALL_F1) / 3, id="absent-classes"),
    pytest.param([0, 0, 1, 1], [0, 0, 0, 0], 2, 0.5, (2 / 3 + 0) / 2, id="one-class-never-predicted"),
])
def test_accuracy_and_macro_f1(y_true, y_pred, num_classes, accuracy, macro_f1):
    m = metrics(y_true, y_pred, num_classes)
    assert m["n"] == len(y_true)
    assert m["accuracy"] == pytest.approx(accuracy, abs=1e-6)
    assert m["macro_f1"] == pytest.approx(macro_f1, abs=1e-6)


def test_small_confusion_per_class_values():
    m = metrics(SMALL_TRUE, SMALL_PRED, 3)
    assert m["confusion_matrix"] == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    got = [(c["precision"], c["recall"], c["f1"], c["support"]) for c in m["per_class"]]
    want = [(1.0, 2 / 3, 0.8, 3), (0.5, 0.5, 0.5, 2), (0.5, 1.0, 2 / 3, 1)]
    for g, w in zip(got, want):
        assert g == pytest.approx(w, abs=1e-6)
    np.testing.assert_allclose(m["confusion_matrix_normalized"],
                               [[2 / 3, 1 / 3, 0], [0, 0.5, 0.5], [0, 0, 1]], atol=1e-6)


def test_seven_classes_use_the_fer2013_names_and_zero_rows_stay_zero():
    m = metrics([3, 3, 6], [3, 6, 6])
    assert [c["name"] for c in m["per_class"]] == list(NAMES)
    assert np.array(m["confusion_matrix"]).shape == (7, 7)
    assert m["confusion_matrix_normalized"][0] == [0.0] * 7  # no Angry faces: no division by zero
    assert m["confusion_matrix_normalized"][3][3] == 0.5
    assert m["per_class"][1] == {"name": "Disgust", "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}


def test_confusion_matrix_rows_are_true_classes():
    cm = confusion_matrix(np.array([0, 0, 2]), np.array([1, 1, 2]), 3)
    assert cm.tolist() == [[0, 2, 0], [0, 0, 0], [0, 0, 1]]


@pytest.mark.parametrize("y_true, y_pred, problem", [
    ([0, 1], [0], "2 true labels but 1 predictions"),
    ([], [], "no labels to score"),
    ([0, 7], [0, 1], "true labels must be in 0..6, found 0..7"),
    ([0, 1], [-1, 1], "predictions must be in 0..6, found -1..1"),
    ([0.5, 1], [0, 1], "true labels must be integers"),
])
def test_bad_labels_raise(y_true, y_pred, problem):
    with pytest.raises(ValueError) as err:
        metrics(y_true, y_pred)
    assert problem in str(err.value)


def test_table_lists_every_class_and_the_matrix():
    result = {"model": "m.keras", "input": {"height": 48, "width": 48, "channels": 1}, "data": "d.npz",
              "split": "val", "seconds": 0.5, "ms_per_face": 0.1, **metrics(SMALL_TRUE, SMALL_PRED, 7)}
    table = format_table(result)
    assert "accuracy  0.6667" in table and "(48x48x1)" in table
    for name in NAMES:
        assert f"\n{name}" in table
    assert "Angry             2        1        0" in table
