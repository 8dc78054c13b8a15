"""How well a model reads handwriting that is not MNIST, by condition.

Renders the project's own synthetic handwriting set (core.synthetic_digits: pen-stroke digits
and DejaVu font digits, at varied sizes, positions, stroke widths, pages and polarities), reads
each picture through core.preprocess (the same function as ``main.py predict`` and the draw
pad), and prints the accuracy per condition, plus MNIST test images before and after
preprocessing as a check that preprocessing leaves MNIST-style input alone.

    python bench/handwriting_accuracy.py [--model models/mnist_cnn.h5] [--per-digit 50] [--seed 123]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="default: the shipped models/mnist_cnn.h5")
    parser.add_argument("--data", help="MNIST source for the MNIST check (default: core's order)")
    parser.add_argument("--per-digit", type=int, default=50)
    parser.add_argument("--seed", type=int, default=123)
    args = parser.parse_args()

    from core.data import load_dataset
    from core.model_io import SHIPPED_MODEL, load_model, predict_probabilities
    from core.preprocess import preprocess_digit
    from core.runtime import import_tensorflow
    from core.synthetic_digits import CONDITIONS, condition_set

    import_tensorflow()
    loaded = load_model(args.model or SHIPPED_MODEL)

    def read(images) -> np.ndarray:
        return predict_probabilities(loaded.model, np.stack(images)).argmax(axis=1)

    print(f"model: {loaded.describe()}")
    print(f"{'condition':<14} {'images':>6} {'accuracy':>9}   worst digit")
    for condition in CONDITIONS:
        pictures, labels = condition_set(condition, args.per_digit, args.seed)
        predicted = read([preprocess_digit(p) for p in pictures])
        per_digit = [np.mean(predicted[labels == d] == d) for d in range(10)]
        worst = int(np.argmin(per_digit))
        print(f"{condition:<14} {len(labels):>6} {np.mean(predicted == labels) * 100:>8.1f}%   "
              f"{worst} ({per_digit[worst] * 100:.0f}%)")

    mnist = load_dataset(args.data).limit_test(2000)
    raw = np.mean(read(list(mnist.x_test)) == mnist.y_test)
    prepared = np.mean(read([preprocess_digit(x) for x in mnist.x_test]) == mnist.y_test)
    print(f"MNIST test[:2000]: {raw * 100:.2f}% as given, {prepared * 100:.2f}% after preprocessing")


if __name__ == "__main__":
    main()
