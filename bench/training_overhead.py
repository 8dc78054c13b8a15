"""How much the training engine costs compared with a bare ``model.fit``.

Runs the two side by side in one process, alternating, on the same data, model and batch size,
and prints each run's training throughput (images per second) and the ratio engine / bare.
Each timing covers the same work: building the model, scaling the images, and fitting.

    python bench/training_overhead.py [--data PATH] [--images 20000] [--rounds 3] [--batch-size 32]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.runtime import quiet_tensorflow  # noqa: E402

quiet_tensorflow()


def bare_fit(spec, dataset) -> float:
    import keras

    from core.data import to_model_input
    from core.model_io import build_model

    started = time.perf_counter()
    keras.utils.set_random_seed(spec.training.seed)
    model = build_model(spec)
    model.fit(to_model_input(dataset.x_train), dataset.y_train, batch_size=spec.training.batch_size,
              epochs=spec.training.epochs, shuffle=True, verbose=0)
    return len(dataset.x_train) * spec.training.epochs / (time.perf_counter() - started)


def engine_fit(spec, dataset) -> float:
    from core.training import Trainer, TrainingListener

    class Counting(TrainingListener):  # a listener that does a little, as a front end would
        batches = 0

        def on_batch_end(self, progress):
            Counting.batches += 1

    started = time.perf_counter()
    outcome = Trainer(spec, dataset, Counting()).run()
    assert outcome.status == "finished", outcome.message
    return outcome.samples_trained / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="MNIST source (default: core's order)")
    parser.add_argument("--images", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()

    from core.data import load_dataset
    from core.spec import tutorial_cnn

    dataset = load_dataset(args.data).limit_train(args.images)
    spec = tutorial_cnn().with_training(epochs=1, batch_size=args.batch_size, validation_split=0.0)
    engine_fit(spec, dataset.limit_train(args.batch_size * 4))  # warm up TensorFlow once
    bare, engine = [], []
    for round_number in range(args.rounds):
        order = [("bare", bare_fit, bare), ("engine", engine_fit, engine)]
        if round_number % 2:
            order.reverse()  # alternate who goes first, so drift on a shared machine cancels out
        for name, run, results in order:
            results.append(run(spec, dataset))
            print(f"round {round_number + 1}: {name:<6} {results[-1]:8.0f} images/s", flush=True)
    ratio = statistics.median(e / b for e, b in zip(engine, bare))
    print(f"tutorial CNN, {args.images:,} images, batch {args.batch_size}, {args.rounds} rounds")
    print(f"bare model.fit: median {statistics.median(bare):.0f} images/s")
    print(f"engine        : median {statistics.median(engine):.0f} images/s")
    print(f"throughput ratio engine/bare (median of rounds): {ratio:.3f}")


if __name__ == "__main__":
    main()
