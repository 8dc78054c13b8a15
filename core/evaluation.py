"""How well a model reads a set of labelled images: accuracy, loss, per-digit accuracy,
the confusion matrix, and each image's prediction and confidence."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.model_io import predict_probabilities
from core.selection import ORDER_CONFIDENT, select_indices
from core.spec import NUM_CLASSES


@dataclass(frozen=True)
class Evaluation:
    """The result of scoring a model on labelled images. Arrays are indexed like the images."""

    labels: np.ndarray          # (N,) true digits
    probabilities: np.ndarray   # (N, 10) float32

    @property
    def predictions(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    @property
    def confidences(self) -> np.ndarray:
        return self.probabilities.max(axis=1)

    @property
    def count(self) -> int:
        return len(self.labels)

    @property
    def accuracy(self) -> float:
        return float(np.mean(self.predictions == self.labels)) if self.count else 0.0

    @property
    def loss(self) -> float:
        """Mean sparse categorical cross-entropy, as Keras computes it (probabilities clipped)."""
        if not self.count:
            return 0.0
        picked = self.probabilities[np.arange(self.count), self.labels.astype(np.int64)]
        return float(-np.mean(np.log(np.clip(picked, 1e-7, 1.0))))

    @property
    def confusion_matrix(self) -> np.ndarray:
        """(10, 10) counts: row = true digit, column = predicted digit."""
        matrix = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
        np.add.at(matrix, (self.labels.astype(np.int64), self.predictions), 1)
        return matrix

    @property
    def per_class_accuracy(self) -> np.ndarray:
        """(10,) fraction of each true digit read correctly (NaN for a digit with no images)."""
        matrix = self.confusion_matrix
        totals = matrix.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(totals > 0, np.diag(matrix) / np.maximum(totals, 1), np.nan)

    def indices(self, true: int | None = None, predicted: int | None = None) -> np.ndarray:
        """Indices of the images with this true and/or predicted digit, most confident first."""
        return select_indices(self.labels, true, self.predictions, predicted, confidences=self.confidences,
                              order=ORDER_CONFIDENT)

    def mistakes(self, limit: int | None = None) -> np.ndarray:
        """Indices of wrongly read images, the most confidently wrong first."""
        ordered = select_indices(self.labels, predictions=self.predictions, mistakes_only=True,
                                 confidences=self.confidences, order=ORDER_CONFIDENT)
        return ordered if limit is None else ordered[:limit]

    def to_dict(self) -> dict:
        """The figures ``main.py evaluate --json`` prints."""
        return {
            "test_accuracy": self.accuracy,
            "test_loss": self.loss,
            "count": self.count,
            "per_class_accuracy": [None if np.isnan(v) else float(v) for v in self.per_class_accuracy],
            "confusion_matrix": self.confusion_matrix.tolist(),
        }


def evaluate(model, images: np.ndarray, labels: np.ndarray, batch_size: int = 256) -> Evaluation:
    """Score ``model`` on uint8 images (N, 28, 28) with their true digits."""
    probabilities = predict_probabilities(model, images, batch_size=batch_size)
    return Evaluation(labels=np.asarray(labels).astype(np.int64), probabilities=probabilities)
