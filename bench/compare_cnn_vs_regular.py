"""The tutorial's claim, checked: its CNN against a regular (fully connected) network on MNIST.

Trains the "Tutorial CNN" and the "Regular neural network" presets one after the other through
the engine's Trainer (as the window's "Compare CNN vs regular network" does), on the same
training images with the same seed and the tutorial's settings (Adam 0.001, batch 32, 10% held
out for validation), then scores both on the 10,000 test images and prints side by side: test
accuracy and loss, parameter count, training time (fitting only, validation passes included),
images per second, validation accuracy per epoch, and the accuracy on each digit.

    python bench/compare_cnn_vs_regular.py [--data PATH] [--epochs 3] [--seed 42] [--limit N]
                                           [--keep-runs]

With --keep-runs both runs are also saved in the runs folder (``$MNIST_STUDIO_RUNS`` or the
user data folder), where the window's Runs tab lists them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.runtime import quiet_tensorflow  # noqa: E402
from core.spec import TrainingSettings  # noqa: E402

quiet_tensorflow()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="MNIST source (default: core's order)")
    parser.add_argument("--epochs", type=int, default=TrainingSettings().epochs, help="default: the tutorial's")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--limit", type=int, default=0, help="train on the first N images only (0: all)")
    parser.add_argument("--keep-runs", action="store_true", help="save both runs in the runs folder")
    args = parser.parse_args()

    import tensorflow as tf

    from core.data import load_dataset
    from core.evaluation import evaluate
    from core.runs import RunRecorder, RunStore
    from core.spec import PRESETS
    from core.training import Trainer

    dataset = load_dataset(args.data)
    if args.limit:
        dataset = dataset.limit_train(args.limit)
    print(f"TensorFlow {tf.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
          f"{len(dataset.x_train):,} training images ({args.epochs} epochs, seed {args.seed}), "
          f"{len(dataset.x_test):,} test images", flush=True)

    store = RunStore() if args.keep_runs else None
    results = []
    for name in ("Tutorial CNN", "Regular neural network"):
        spec = PRESETS[name].with_training(epochs=args.epochs, seed=args.seed)
        recorder = RunRecorder()
        cpu = time.process_time()
        outcome = Trainer(spec, dataset, recorder).run()
        cpu = time.process_time() - cpu
        if outcome.status != "finished":
            print(f"{name}: {outcome.status}: {outcome.message}")
            return 1
        evaluation = evaluate(outcome.model, dataset.x_test, dataset.y_test)
        for epoch in outcome.epochs:
            print(f"  {name}: {epoch.keras_line()}", flush=True)
        if store is not None:
            record = store.save(recorder, outcome, evaluation, spec=spec, data_source=dataset.source)
            print(f"  saved as run {record.id} in {store.folder}")
        results.append((name, outcome, evaluation, cpu))

    width = 26
    names = [name for name, *_ in results]
    print()
    print(f"{'':<{width}}" + "".join(f"{name:>{width}}" for name in names))

    def row(title: str, values) -> None:
        print(f"{title:<{width}}" + "".join(f"{value:>{width}}" for value in values))

    row("test accuracy", [f"{e.accuracy:.2%}" for _, _, e, _ in results])
    row("test loss", [f"{e.loss:.4f}" for _, _, e, _ in results])
    row("test errors (of 10,000)", [f"{int(round((1 - e.accuracy) * e.count)):,}" for _, _, e, _ in results])
    row("parameters", [f"{o.plan.parameter_count:,}" for _, o, _, _ in results])
    row("training time", [f"{o.train_seconds:.1f} s" for _, o, _, _ in results])
    row("process CPU time", [f"{cpu:.1f} s" for *_, cpu in results])
    row("images per second", [f"{o.samples_per_second:,.0f}" for _, o, _, _ in results])
    for epoch in range(args.epochs):
        row(f"val. accuracy, epoch {epoch + 1}",
            [f"{o.epochs[epoch].val_accuracy:.2%}" if o.epochs[epoch].val_accuracy is not None else "-"
             for _, o, _, _ in results])
    for digit in range(10):
        row(f"digit {digit}", [f"{e.per_class_accuracy[digit]:.2%}" for _, _, e, _ in results])
    cnn, regular = results[0][2], results[1][2]
    print(f"\nThe CNN makes {(1 - cnn.accuracy) / max(1 - regular.accuracy, 1e-9):.0%} as many mistakes on the "
          f"test images as the regular network ({(1 - cnn.accuracy) * cnn.count:.0f} against "
          f"{(1 - regular.accuracy) * regular.count:.0f}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
