"""The command line: ``train``, ``evaluate`` and ``predict``, as ``main.py`` exposes them.

Every bad input ends in one line on stderr and exit status 2, never a traceback; ``predict``
exits 1 when some images could not be read while still reading the others.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from core.errors import StudioError

EXIT_OK, EXIT_SOME_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, like every other error of ours."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from core.spec import PRESETS

    parser = _Parser(prog="main.py", description="MNIST CNN Studio: with no command, opens the window.")
    parser.add_argument("--data", help="MNIST to preload in the window: a Keras-style .npz or a folder of IDX files")
    parser.add_argument("--model", help="a .h5 or .keras model to preload in the window")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    train = commands.add_parser("train", help="train a network, evaluate it on the test set, save it")
    train.add_argument("--data", help="MNIST source (default: $MNIST_STUDIO_DATA, then the Keras download)")
    train.add_argument("--preset", choices=sorted(PRESETS), default="Tutorial CNN",
                       help="the network to train (default: the tutorial's CNN)")
    train.add_argument("--spec", help="a JSON network description (as saved by the window), instead of --preset")
    train.add_argument("--epochs", type=_positive_int, help="passes over the training images (default 3)")
    train.add_argument("--batch-size", type=_positive_int, help="images per training step (default 32)")
    train.add_argument("--learning-rate", type=_positive_float, help="optimizer step size (default 0.001)")
    train.add_argument("--validation-split", type=_fraction,
                       help="fraction of the training images held out to validate each epoch (default 0.1)")
    train.add_argument("--seed", type=int, help="random seed, for reproducible runs (default 42)")
    train.add_argument("--augment", action="store_true",
                       help="randomly shift, rotate and zoom training images (reads real handwriting better)")
    train.add_argument("--fast", action="store_true",
                       help="fast training: bfloat16 compute where the CPU has it (float16 on a tensor-core GPU), "
                            "batch 256, Adam with a one-cycle learning-rate schedule; without --epochs, "
                            "the epochs it needs to pass 99%% test accuracy (2). Sets its own batch size "
                            "and learning rate")
    train.add_argument("--limit", type=_positive_int, help="train on the first N training images only")
    train.add_argument("--out", default="mnist_cnn.h5", help="where to save the model: .h5 (default) or .keras")
    train.add_argument("--json", action="store_true", help="end stdout with one JSON summary line")
    train.add_argument("--no-run", dest="keep_run", action="store_false",
                       help="do not keep this training in the runs folder (the window's Runs tab)")

    evaluate = commands.add_parser("evaluate", help="score a saved model on the test set")
    evaluate.add_argument("--model", required=True, help="a .h5 or .keras model file")
    evaluate.add_argument("--data", help="MNIST source (default: $MNIST_STUDIO_DATA, then the Keras download)")
    evaluate.add_argument("--limit", type=_positive_int, help="score the first N test images only")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")

    predict = commands.add_parser("predict", help="read handwritten digits from image files")
    predict.add_argument("images", nargs="+", help="PNG/JPEG/... pictures of one handwritten digit each")
    predict.add_argument("--model", help="a .h5 or .keras model (default: the shipped models/mnist_cnn.h5)")
    predict.add_argument("--json", action="store_true", help="one JSON object per image and line")
    return parser


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def run_command(args: argparse.Namespace) -> int:
    from core.runtime import import_tensorflow

    handlers = {"train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict}
    try:
        import_tensorflow()
        return handlers[args.command](args)
    except StudioError as error:
        return _fail(str(error).replace("\n", " "))
    except KeyboardInterrupt:
        return _fail("interrupted")


# ---------------------------------------------------------------------------------------------
# train


class ConsoleProgress:
    """A training listener that draws a Keras-like progress line on stderr and prints each epoch."""

    def __init__(self, stream=None, min_interval: float = 0.1):
        self.stream = stream or sys.stderr
        self.min_interval = min_interval
        self._last_draw = 0.0
        self._interactive = self.stream.isatty()

    def on_train_begin(self, plan):
        from core.spec import describe

        print(f"Training {plan.spec.name}: {plan.parameter_count:,} parameters, "
              f"{plan.train_samples:,} training and {plan.validation_samples:,} validation images, "
              f"{plan.epochs} epoch(s) of {plan.batches_per_epoch} batches of {plan.spec.training.batch_size}.",
              file=self.stream)
        if plan.settings_note:
            print(f"Settings: {plan.settings_note}", file=self.stream)
        for info in describe(plan.spec):
            shape = "x".join(map(str, info.output_shape))
            print(f"  {info.title:<28} -> {shape:<10} {info.params:>10,} params", file=self.stream)

    def on_batch_end(self, progress):
        now = time.monotonic()
        last = progress.batch + 1 == progress.batches_per_epoch
        if not self._interactive or (now - self._last_draw < self.min_interval and not last):
            return
        self._last_draw = now
        done = (progress.batch + 1) / progress.batches_per_epoch
        bar = "=" * int(done * 30)
        self.stream.write(f"\rEpoch {progress.epoch + 1}: {progress.batch + 1}/{progress.batches_per_epoch} "
                          f"[{bar:<30}] loss: {progress.loss:.4f} - accuracy: {progress.accuracy:.4f}")
        self.stream.flush()

    def on_epoch_end(self, result):
        prefix = "\r\033[K" if self._interactive else ""
        print(prefix + result.keras_line(), file=self.stream)

    def on_finished(self, outcome):
        if outcome.status == "stopped":
            print(outcome.message, file=self.stream)

    def on_failed(self, message):
        if self._interactive:
            print(file=self.stream)


def _load_spec(args):
    from core.spec import PRESETS, ModelSpec

    if args.spec:
        path = Path(args.spec)
        try:
            spec = ModelSpec.from_json(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise StudioError(f"Cannot read the network description '{path}': {error.strerror}.") from None
    else:
        spec = PRESETS[args.preset]
    changes = {name: value for name, value in {
        "epochs": args.epochs, "batch_size": args.batch_size, "learning_rate": args.learning_rate,
        "validation_split": args.validation_split, "seed": args.seed,
    }.items() if value is not None}
    if args.augment:
        changes["augmentation"] = True
    if getattr(args, "fast", False):
        if args.batch_size is not None or args.learning_rate is not None:
            raise StudioError("--fast sets its own batch size and learning rate: leave out --batch-size "
                              "and --learning-rate, or leave out --fast.")
        from core.fast import FAST

        changes["fast"] = True
        changes.setdefault("epochs", FAST.epochs)  # the epochs fast mode needs to pass 99 % on MNIST
    return spec.with_training(**changes)


def cmd_train(args) -> int:
    from core.data import load_dataset
    from core.model_io import check_model_path
    from core.spec import validate

    spec = _load_spec(args)
    validate(spec)
    out = check_model_path(args.out)
    if not out.parent.is_dir() and str(out.parent):
        raise StudioError(f"Cannot save the model to '{out}': the folder '{out.parent}' does not exist.")
    dataset = load_dataset(args.data)
    if args.limit:
        dataset = dataset.limit_train(args.limit)
    print(f"Data: {dataset.source}", file=sys.stderr)

    from core.evaluation import evaluate
    from core.model_io import save_model
    from core.runs import RunRecorder
    from core.training import ListenerGroup, Trainer

    recorder = RunRecorder() if args.keep_run else None
    outcome = Trainer(spec, dataset, ListenerGroup([ConsoleProgress(), recorder])).run()
    if outcome.status == "failed":
        _keep_run(recorder, outcome, None, spec, dataset)
        return _fail(outcome.message)
    result = evaluate(outcome.model, dataset.x_test, dataset.y_test)
    save_model(outcome.model, out)
    record = _keep_run(recorder, outcome, result, spec, dataset)
    summary = {
        "status": outcome.status,
        "test_accuracy": result.accuracy,
        "test_loss": result.loss,
        "epochs": len(outcome.epochs),
        "train_seconds": round(outcome.train_seconds, 3),
        "samples_per_second": round(outcome.samples_per_second, 1),
        "train_samples": outcome.plan.train_samples,
        "validation_samples": outcome.plan.validation_samples,
        "precision": outcome.plan.precision,
        "settings": outcome.plan.settings_note,
        "model_path": str(out),
        "run_folder": str(record.folder) if record else None,
        "spec": spec.to_dict(),
    }
    print(f"Test accuracy: {result.accuracy * 100:.2f} %  (loss {result.loss:.4f}, {result.count:,} images)")
    print(f"Trained {len(outcome.epochs)} epoch(s) in {outcome.train_seconds:.1f} s "
          f"({outcome.samples_per_second:,.0f} images/s). Saved to {out}")
    if args.json:
        print(json.dumps(summary))
    return EXIT_OK


def _keep_run(recorder, outcome, evaluation, spec, dataset):
    """Keep the run in the runs folder, as the window does; a failure to is a warning, not an
    error (the model file is what was asked for). Returns the core.runs.RunRecord or None."""
    if recorder is None or recorder.plan is None:
        return None
    from core.runs import RunStore

    try:
        record = RunStore().save(recorder, outcome, evaluation, spec=spec, data_source=dataset.source)
    except StudioError as error:
        print(f"Warning: this training is not kept in the runs folder: {error}", file=sys.stderr)
        return None
    print(f"Kept as run '{record.name}' in {record.folder} (the window's Runs tab lists it).", file=sys.stderr)
    return record


# ---------------------------------------------------------------------------------------------
# evaluate


def cmd_evaluate(args) -> int:
    from core.data import load_dataset
    from core.evaluation import evaluate
    from core.model_io import load_model

    loaded = load_model(args.model)
    dataset = load_dataset(args.data)
    if args.limit:
        dataset = dataset.limit_test(args.limit)
    result = evaluate(loaded.model, dataset.x_test, dataset.y_test)
    if args.json:
        print(json.dumps({"model_path": str(args.model), **result.to_dict()}))
        return EXIT_OK
    print(f"Model: {loaded.describe()}")
    print(f"Data: {dataset.source}")
    print(f"Test accuracy: {result.accuracy * 100:.2f} %  (loss {result.loss:.4f}, {result.count:,} images)")
    print("Per-digit accuracy: " + "  ".join(f"{d}: {a * 100:.1f}%" for d, a in enumerate(result.per_class_accuracy)))
    print("Confusion matrix (rows: true digit, columns: predicted):")
    print("      " + "".join(f"{d:>6}" for d in range(10)))
    for digit, row in enumerate(result.confusion_matrix):
        print(f"{digit:>6}" + "".join(f"{n:>6}" for n in row))
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# predict


def cmd_predict(args) -> int:
    import numpy as np

    from core.model_io import SHIPPED_MODEL, load_model, predict_probabilities
    from core.preprocess import preprocess_file

    loaded = load_model(args.model or SHIPPED_MODEL)
    inputs, readable, errors = [], [], {}
    for path in args.images:
        try:
            inputs.append(preprocess_file(path))
            readable.append(path)
        except StudioError as error:
            errors[path] = str(error).replace("\n", " ")
    probabilities = (predict_probabilities(loaded.model, np.stack(inputs), batch_size=512)
                     if inputs else np.zeros((0, 10)))
    by_path = dict(zip(readable, probabilities))
    for path in args.images:  # in the order given, failures in place
        if path in errors:
            line = {"path": path, "error": errors[path]}
            print(json.dumps(line) if args.json else f"{path}: error: {errors[path]}",
                  file=sys.stdout if args.json else sys.stderr)
            continue
        probs = by_path[path]
        digit = int(np.argmax(probs))
        if args.json:
            print(json.dumps({"path": path, "digit": digit,
                              "probabilities": [round(float(p), 6) for p in probs]}))
        else:
            top = np.argsort(-probs)[:3]
            others = ", ".join(f"{d} {probs[d] * 100:.1f}%" for d in top[1:])
            print(f"{path}: {digit} ({probs[digit] * 100:.1f}%; then {others})")
    return EXIT_SOME_FAILED if errors else EXIT_OK
