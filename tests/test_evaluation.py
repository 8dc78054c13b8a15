"""Evaluation figures computed from known probabilities."""

import numpy as np
import pytest

from core.evaluation import Evaluation


def make_evaluation():
    labels = np.array([0, 1, 2, 2, 3])
    probs = np.full((5, 10), 0.01, dtype=np.float32)
    for row, (pred, conf) in enumerate([(0, 0.9), (1, 0.6), (2, 0.8), (7, 0.95), (5, 0.7)]):
        probs[row, pred] = conf
    return Evaluation(labels, probs)


def test_accuracy_confusion_and_per_class():
    ev = make_evaluation()
    assert ev.accuracy == pytest.approx(3 / 5)
    cm = ev.confusion_matrix
    assert cm.sum() == 5 and cm[0, 0] == 1 and cm[2, 2] == 1 and cm[2, 7] == 1 and cm[3, 5] == 1
    per_class = ev.per_class_accuracy
    assert per_class[0] == 1.0 and per_class[2] == 0.5 and per_class[3] == 0.0 and np.isnan(per_class[9])


def test_mistakes_most_confident_first_and_cell_indices():
    ev = make_evaluation()
    assert ev.mistakes().tolist() == [3, 4]
    assert ev.indices(true=2).tolist() == [3, 2]
    assert ev.indices(true=2, predicted=7).tolist() == [3]


def test_loss_is_keras_cross_entropy():
    ev = make_evaluation()
    picked = np.array([0.9, 0.6, 0.8, 0.01, 0.01])
    assert ev.loss == pytest.approx(float(-np.mean(np.log(picked))), rel=1e-5)
    d = ev.to_dict()
    assert set(d) >= {"test_accuracy", "test_loss", "per_class_accuracy", "confusion_matrix"}
    assert d["per_class_accuracy"][9] is None
