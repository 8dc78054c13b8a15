"""Which images to show: filtering and ordering a split by label and by what a model read,
and a split's summary (count and mean image per digit). Plain numpy, no loops over images, so
that the Data tab can re-filter 60,000 images within a frame or two."""

from __future__ import annotations

import numpy as np

ORDER_INDEX = "index"
ORDER_CONFIDENT = "confident"
ORDER_UNSURE = "unsure"


def select_indices(labels: np.ndarray, digit: int | None = None, predictions: np.ndarray | None = None,
                   predicted: int | None = None, mistakes_only: bool = False,
                   confidences: np.ndarray | None = None, order: str = ORDER_INDEX) -> np.ndarray:
    """The indices of the images passing the filters, in display order (numpy only, no loops).

    ``digit``: the true label; ``predicted``: what the model read; ``mistakes_only``: where the
    two differ. The last two and the confidence orders need ``predictions`` / ``confidences``
    (without them those filters are ignored). Ties keep index order.
    """
    mask = None
    if digit is not None:
        mask = labels == digit
    if predictions is not None:
        if predicted is not None:
            mask = predictions == predicted if mask is None else mask & (predictions == predicted)
        if mistakes_only:
            wrong = predictions != labels
            mask = wrong if mask is None else mask & wrong
    indices = np.arange(len(labels), dtype=np.int64) if mask is None else np.flatnonzero(mask)
    if confidences is not None and order != ORDER_INDEX and len(indices):
        keys = confidences[indices]
        indices = indices[np.argsort(-keys if order == ORDER_CONFIDENT else keys, kind="stable")]
    return indices


def class_summary(images: np.ndarray, labels: np.ndarray, classes: int = 10):
    """(count per class, mean image per class as uint8 (classes, H, W))."""
    counts = np.bincount(labels.astype(np.int64), minlength=classes)[:classes]
    means = np.zeros((classes,) + images.shape[1:], np.uint8)
    for digit in range(classes):
        if counts[digit]:
            mean = images[labels == digit].mean(axis=0, dtype=np.float32)
            means[digit] = np.clip(np.rint(mean), 0, 255).astype(np.uint8)
    return counts, means
