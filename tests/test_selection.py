"""Filtering and ordering images by label and prediction; per-digit summaries."""

import numpy as np

from core.selection import ORDER_CONFIDENT, ORDER_UNSURE, class_summary, select_indices


def test_select_indices_filters_and_orders():
    labels = np.array([3, 1, 3, 2, 3, 1])
    predictions = np.array([3, 3, 1, 2, 3, 1])
    confidences = np.array([0.9, 0.8, 0.95, 0.5, 0.6, 0.7])
    np.testing.assert_array_equal(select_indices(labels), np.arange(6))
    np.testing.assert_array_equal(select_indices(labels, digit=3), [0, 2, 4])
    np.testing.assert_array_equal(select_indices(labels, predictions=predictions, mistakes_only=True), [1, 2])
    np.testing.assert_array_equal(select_indices(labels, predictions=predictions, predicted=3), [0, 1, 4])
    np.testing.assert_array_equal(
        select_indices(labels, digit=3, predictions=predictions, predicted=3, confidences=confidences,
                       order=ORDER_CONFIDENT), [0, 4])
    np.testing.assert_array_equal(
        select_indices(labels, predictions=predictions, confidences=confidences, order=ORDER_UNSURE),
        [3, 4, 5, 1, 0, 2])
    # Without predictions the model filters are ignored.
    np.testing.assert_array_equal(select_indices(labels, digit=1, predicted=3, mistakes_only=True), [1, 5])


def test_class_summary_counts_and_means():
    images = np.zeros((4, 28, 28), np.uint8)
    images[0] = 200
    images[2] = 100
    labels = np.array([5, 1, 5, 1])
    counts, means = class_summary(images, labels)
    assert counts.tolist() == [0, 2, 0, 0, 0, 2, 0, 0, 0, 0]
    assert means.shape == (10, 28, 28) and means.dtype == np.uint8
    assert means[5, 0, 0] == 150 and means[1].max() == 0 and means[0].max() == 0


# The tab on a small slice ----------------------------------------------------------------------
