"""Time to 99 % test accuracy: the tutorial's training settings against fast training.

Trains the tutorial's CNN on all 60,000 training images (nothing held out) with the tutorial's
settings (batch 32, Adam 0.001, float32) and with fast training (``core.fast``: bfloat16 where
the CPU has it, batch 256, one-cycle schedule, 2 epochs), alternating the two in one process,
both through the engine's Trainer as the window and the CLI run them. After every epoch the model
is scored on the 10,000 test images as a float32 model (what training hands back); scoring time
is excluded from the fitting time. Prints, per run and configuration, the fitting time until the test
accuracy first reaches the target, the ratio fast / tutorial, and the test accuracy after every
epoch of both.

The tutorial's settings keep a constant learning rate, so a run of theirs can end as soon as it
has reached the target (after at least as many epochs as fast training has, for the accuracy
comparison), or after --max-epochs. Fast training's schedule spans its epochs, so it always
runs them all.

    python bench/time_to_accuracy.py [--data PATH] [--rounds 2] [--target 0.99]
                                     [--max-epochs 5] [--fast-epochs 2] [--seed 42]

Each round uses its own seed (seed, seed + 1, ...) for both configurations, and alternates which
goes first, so drift on a shared machine cancels out. Process CPU seconds are printed beside the
wall times: on a machine shared with others they show how much of a slow run was waiting.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.runtime import quiet_tensorflow  # noqa: E402

quiet_tensorflow()


@dataclass
class Run:
    name: str
    seed: int
    note: str = ""
    fit_seconds: list[float] = field(default_factory=list)   # cumulative fitting time at each epoch end
    cpu_seconds: list[float] = field(default_factory=list)   # cumulative process CPU time, likewise
    accuracy: list[float] = field(default_factory=list)      # test accuracy after each epoch

    def time_to(self, target: float) -> float | None:
        for seconds, accuracy in zip(self.fit_seconds, self.accuracy):
            if accuracy >= target:
                return seconds
        return None

    def epochs_to(self, target: float) -> int | None:
        for epoch, accuracy in enumerate(self.accuracy, start=1):
            if accuracy >= target:
                return epoch
        return None


def _test_scorer(run: Run, x_test, y_test, target: float, min_epochs: int | None):
    """A Keras callback that scores the float32 form of the model on the test set after every
    epoch, keeping its own time out of the fitting time; with ``min_epochs``, it ends the run
    once the target is reached and at least that many epochs are done."""
    import keras
    import numpy as np

    from core.model_io import as_float32, predict_probabilities

    class TestScorer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.started, self.cpu_started = time.perf_counter(), time.process_time()
            self.excluded = self.cpu_excluded = 0.0

        def on_epoch_end(self, epoch, logs=None):
            now, cpu = time.perf_counter(), time.process_time()
            run.fit_seconds.append(now - self.started - self.excluded)
            run.cpu_seconds.append(cpu - self.cpu_started - self.cpu_excluded)
            probabilities = predict_probabilities(as_float32(self.model), x_test, batch_size=1000)
            run.accuracy.append(float(np.mean(probabilities.argmax(axis=1) == y_test)))
            self.excluded += time.perf_counter() - now
            self.cpu_excluded += time.process_time() - cpu
            if min_epochs is not None and len(run.accuracy) >= min_epochs and run.accuracy[-1] >= target:
                self.model.stop_training = True

    return TestScorer()


def train(name: str, spec, dataset, x_test, y_test, device, target=1.0, min_epochs=None) -> Run:
    from core.training import Trainer, TrainingListener

    run = Run(name, spec.training.seed)

    class Note(TrainingListener):
        def on_train_begin(self, plan):
            run.note = plan.settings_note

    outcome = Trainer(spec, dataset, Note(), extra_callbacks=[_test_scorer(run, x_test, y_test, target, min_epochs)],
                      device=device).run()
    assert outcome.status == "finished", outcome.message
    return run


def _seconds(value: float | None) -> str:
    return "not reached" if value is None else f"{value:6.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="MNIST source (default: core's order)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--target", type=float, default=0.99, help="test accuracy to reach (default 0.99)")
    parser.add_argument("--max-epochs", type=int, default=5, help="most epochs the tutorial's settings get")
    parser.add_argument("--fast-epochs", type=int, default=None, help="default: fast mode's own count")
    parser.add_argument("--reference-epochs", type=int, default=2,
                        help="also compare with this many tutorial epochs, whatever they reach (default 2: "
                             "what the tutorial needed in the issue's measurement)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    from core.data import load_dataset, to_model_input
    from core.fast import FAST, detect_device, fast_plan
    from core.runtime import import_tensorflow
    from core.spec import tutorial_cnn

    version = import_tensorflow()
    dataset = load_dataset(args.data)
    x_test, y_test = to_model_input(dataset.x_test), dataset.y_test
    device = detect_device()
    fast_epochs = args.fast_epochs or FAST.epochs
    base = tutorial_cnn().with_training(validation_split=0.0)
    tutorial_epochs = max(args.max_epochs, fast_epochs, args.reference_epochs)
    print(f"TensorFlow {version}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
          f"{len(dataset.x_train):,} training and {len(x_test):,} test images; target {args.target:.2%}")
    print(f"fast mode here: {fast_plan(base.with_training(epochs=fast_epochs).training, device).describe()}")

    def tutorial(seed: int, dataset=dataset, x=x_test, y=y_test) -> Run:
        # Ends once at the target, but not before the epochs needed for the comparisons below.
        return train("tutorial", base.with_training(epochs=tutorial_epochs, seed=seed), dataset, x, y, device,
                     args.target, max(fast_epochs, args.reference_epochs))

    def fast(seed: int, epochs: int = fast_epochs, dataset=dataset, x=x_test, y=y_test) -> Run:
        return train("fast", base.with_training(epochs=epochs, seed=seed, fast=True), dataset, x, y, device)

    # Warm TensorFlow up once for both (kernels, thread pools), on a few batches.
    small = dataset.limit_train(512)
    train("tutorial", base.with_training(epochs=1), small, x_test[:100], y_test[:100], device)
    fast(args.seed, 1, small, x_test[:100], y_test[:100])

    runs: dict[str, list[Run]] = {"tutorial": [], "fast": []}
    shorter: dict[int, list[Run]] = {k: [] for k in range(1, fast_epochs)}  # fast runs of fewer epochs
    for round_number in range(args.rounds):
        seed = args.seed + round_number
        order = ["tutorial", "fast"] if round_number % 2 == 0 else ["fast", "tutorial"]
        for name in order:
            run = tutorial(seed) if name == "tutorial" else fast(seed)
            runs[name].append(run)
            epochs = "  ".join(f"{a:.2%} ({s:.1f} s, cpu {c:.1f} s)"
                               for a, s, c in zip(run.accuracy, run.fit_seconds, run.cpu_seconds))
            print(f"round {round_number + 1} seed {seed} {name:<8}: to {args.target:.0%}: "
                  f"{_seconds(run.time_to(args.target))} (epoch {run.epochs_to(args.target) or '-'}); "
                  f"after each epoch: {epochs}", flush=True)
        for k in shorter:
            shorter[k].append(fast(seed, k))
            print(f"round {round_number + 1} seed {seed} fast, {k} epoch{'s' if k != 1 else ''} only: "
                  f"{shorter[k][-1].accuracy[-1]:.2%} ({shorter[k][-1].fit_seconds[-1]:.1f} s)", flush=True)

    print()
    print(f"tutorial: {runs['tutorial'][0].note.replace(str(tutorial_epochs) + ' epochs', 'until the target')}")
    print(f"fast    : {runs['fast'][0].note}")
    ratios, bounded, reference = [], False, []
    for number, (slow, quick) in enumerate(zip(runs["tutorial"], runs["fast"]), start=1):
        slow_t, fast_t = slow.time_to(args.target), quick.time_to(args.target)
        if fast_t is None:
            ratio_text = "n/a (fast did not reach the target)"
        elif slow_t is None:
            # Not reached in --max-epochs: the true ratio is below the one against all its epochs.
            ratios.append(fast_t / slow.fit_seconds[-1])
            bounded = True
            ratio_text = f"< {ratios[-1]:.2f} (tutorial not there after {len(slow.accuracy)} epochs)"
        else:
            ratios.append(fast_t / slow_t)
            ratio_text = f"{ratios[-1]:.2f}"
        if fast_t is not None:
            reference.append(fast_t / slow.fit_seconds[args.reference_epochs - 1])
        print(f"round {number} (seed {slow.seed}): time to {args.target:.0%}: tutorial {_seconds(slow_t)} "
              f"(epoch {slow.epochs_to(args.target) or '-'}), fast {_seconds(fast_t)} "
              f"(epoch {quick.epochs_to(args.target) or '-'}); ratio fast/tutorial {ratio_text}")
    if ratios:
        print(f"median ratio fast/tutorial of the time to {args.target:.0%}: {statistics.median(ratios):.2f}"
              + (" (an upper bound: a round where the tutorial never got there counts its whole run)"
                 if bounded else ""))
    if reference:
        print(f"median ratio against the tutorial's first {args.reference_epochs} epochs, whatever they reached: "
              f"{statistics.median(reference):.2f}")

    print("test accuracy after each epoch, round by round (tutorial | fast):")
    for epoch in range(max(len(run.accuracy) for group in runs.values() for run in group)):
        cells = [" ".join(f"{run.accuracy[epoch]:.2%}" if len(run.accuracy) > epoch else "   -  "
                          for run in runs[name]) for name in ("tutorial", "fast")]
        print(f"  epoch {epoch + 1}: {cells[0]} | {cells[1]}")
    print("runs of the same number of epochs (fast's schedule ends with its run), round by round:")
    for k in range(1, fast_epochs + 1):
        quick = shorter[k] if k < fast_epochs else runs["fast"]
        slow = [run.accuracy[k - 1] for run in runs["tutorial"]]
        lower = [n for n, (s, f) in enumerate(zip(slow, quick), start=1) if f.accuracy[-1] < s]
        print(f"  {k} epoch{'s' if k != 1 else ' '}: tutorial " + " ".join(f"{a:.2%}" for a in slow)
              + " | fast " + " ".join(f"{run.accuracy[-1]:.2%}" for run in quick)
              + f"  -> fast {'lower in round(s) ' + str(lower) if lower else 'not lower in any round'}")


if __name__ == "__main__":
    main()
