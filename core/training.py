"""The training engine: runs Keras's ``fit`` for any front end and reports through one small interface.

A :class:`Trainer` builds the model of a spec, trains it on a :class:`~core.data.Dataset`, and
tells a :class:`TrainingListener` what happens (batch ends, epoch ends, finished, failed), much as
a Keras callback would. It runs on whatever thread calls :meth:`Trainer.run`; :meth:`pause`,
:meth:`resume` and :meth:`stop` may be called from any other thread. A stop takes effect at the
end of the current batch and keeps the weights reached so far; a NaN or infinite loss stops
training with a clear message instead of handing back a broken model.

A spec whose training settings say ``fast`` is trained with :mod:`core.fast`'s settings instead
(mixed precision where the hardware has it, a larger batch, a one-cycle learning-rate schedule);
the plan's ``settings_note`` says what is in effect, and the model handed back computes in
float32 either way.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from core.data import Dataset, to_model_input
from core.errors import StudioError
from core.spec import ModelSpec, validate


@dataclass(frozen=True)
class TrainingPlan:
    """What is about to be trained, told to the listener before the first batch.

    ``spec`` carries the settings in effect: in fast mode, fast mode's batch size, optimizer and
    peak learning rate rather than the ones asked for.
    """

    spec: ModelSpec
    train_samples: int
    validation_samples: int
    batches_per_epoch: int
    epochs: int
    parameter_count: int
    precision: str = "float32"   # the Keras dtype policy of the hidden layers while training
    settings_note: str = ""      # one line: precision, batch size, schedule and epochs in effect


@dataclass(frozen=True)
class BatchProgress:
    epoch: int            # 0-based
    batch: int            # 0-based, within the epoch
    batches_per_epoch: int
    loss: float           # running mean over the epoch so far, as Keras reports it
    accuracy: float


@dataclass(frozen=True)
class EpochResult:
    epoch: int            # 0-based
    epochs: int
    loss: float
    accuracy: float
    val_loss: float | None
    val_accuracy: float | None
    seconds: float

    def keras_line(self) -> str:
        """The epoch's line as Keras's progress bar ends it."""
        text = (f"Epoch {self.epoch + 1}/{self.epochs} - {self.seconds:.0f}s - "
                f"accuracy: {self.accuracy:.4f} - loss: {self.loss:.4f}")
        if self.val_loss is not None:
            text += f" - val_accuracy: {self.val_accuracy:.4f} - val_loss: {self.val_loss:.4f}"
        return text


@dataclass
class TrainingOutcome:
    """How a run ended. ``model`` is None only when it failed."""

    status: str                          # "finished", "stopped" or "failed"
    model: Any | None
    plan: TrainingPlan | None = None
    epochs: list[EpochResult] = field(default_factory=list)
    train_seconds: float = 0.0           # time spent in fit (training and validation passes)
    samples_trained: int = 0             # training images seen, counting every epoch
    message: str = ""                    # why it failed, or that it was stopped

    @property
    def samples_per_second(self) -> float:
        return self.samples_trained / self.train_seconds if self.train_seconds > 0 else 0.0


class TrainingListener:
    """What the engine tells its front end. Every method is optional; the defaults do nothing.

    Calls arrive on the thread that runs the trainer, so a GUI listener must hand them to its own
    thread (the window's worker turns them into Qt signals).
    """

    def on_train_begin(self, plan: TrainingPlan) -> None: ...

    def on_batch_end(self, progress: BatchProgress) -> None: ...

    def on_epoch_end(self, result: EpochResult) -> None: ...

    def on_finished(self, outcome: TrainingOutcome) -> None: ...

    def on_failed(self, message: str) -> None: ...


class ListenerGroup(TrainingListener):
    """Several listeners as one, told in order (as Keras's CallbackList does for callbacks)."""

    def __init__(self, listeners):
        self.listeners = [listener for listener in listeners if listener is not None]

    def on_train_begin(self, plan: TrainingPlan) -> None:
        for listener in self.listeners:
            listener.on_train_begin(plan)

    def on_batch_end(self, progress: BatchProgress) -> None:
        for listener in self.listeners:
            listener.on_batch_end(progress)

    def on_epoch_end(self, result: EpochResult) -> None:
        for listener in self.listeners:
            listener.on_epoch_end(result)

    def on_finished(self, outcome: TrainingOutcome) -> None:
        for listener in self.listeners:
            listener.on_finished(outcome)

    def on_failed(self, message: str) -> None:
        for listener in self.listeners:
            listener.on_failed(message)


class TrainingError(StudioError):
    """Training could not run or diverged."""


class Trainer:
    """Trains one spec on one data set. Single use: create a new one for the next run."""

    def __init__(self, spec: ModelSpec, dataset: Dataset, listener: TrainingListener | None = None,
                 extra_callbacks: list | None = None, device=None):
        """``device`` (a :class:`core.fast.DeviceInfo`) is what fast mode plans for; detected when None."""
        validate(spec)
        self.spec = spec
        self.dataset = dataset
        self.listener = listener or TrainingListener()
        self.extra_callbacks = list(extra_callbacks or [])
        self.device = device
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()  # set = not paused
        self.model = None

    # Control, from any thread -------------------------------------------------------------

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # a paused run must wake up to see the stop

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    # Running -----------------------------------------------------------------------------

    def run(self) -> TrainingOutcome:
        """Build and train the model on this thread; report through the listener; return the outcome."""
        try:
            outcome = self._run()
        except StudioError as error:
            outcome = TrainingOutcome("failed", None, message=str(error))
        except Exception as error:  # Keras/TensorFlow failures (out of memory, ...) end the run, not the app
            outcome = TrainingOutcome("failed", None, message=f"Training failed: {_first_line(error)}")
        if outcome.status == "failed":
            self.listener.on_failed(outcome.message)
        else:
            self.listener.on_finished(outcome)
        return outcome

    def _run(self) -> TrainingOutcome:
        import keras

        from core.fast import fast_plan, one_cycle_schedule, standard_note
        from core.model_io import as_float32, build_model, compile_model

        spec, settings = self.spec, self.spec.training
        fast = fast_plan(settings, self.device) if settings.fast else None
        if fast is not None:
            spec, settings = replace(spec, training=fast.settings), fast.settings
        keras.utils.set_random_seed(settings.seed)
        x_train, y_train, x_val, y_val = split_validation(self.dataset, settings.validation_split)
        if len(x_train) == 0:
            raise TrainingError("There are no training images to train on.")
        batches = math.ceil(len(x_train) / settings.batch_size)
        if fast is not None:
            # The schedule spans the whole run, so it needs the run's total number of steps.
            model = build_model(spec, fast.precision, one_cycle_schedule(batches * settings.epochs, fast.schedule))
        else:
            model = build_model(spec)
        self.model = model
        plan = TrainingPlan(spec, len(x_train), len(x_val), batches, settings.epochs,
                            int(model.count_params()), fast.precision if fast else "float32",
                            fast.describe() if fast else standard_note(settings))
        self.listener.on_train_begin(plan)

        reporter = _reporter_class()(self, plan)
        fit_args: dict[str, Any] = dict(batch_size=settings.batch_size, epochs=settings.epochs,
                                        verbose=0, shuffle=True,
                                        callbacks=[reporter, *self.extra_callbacks])
        if len(x_val):
            fit_args["validation_data"] = (to_model_input(x_val), y_val)
        if settings.augmentation:
            fit_args.update(batch_size=None, shuffle=False)  # the pipeline batches and shuffles itself
            model.fit(augmented_batches(x_train, y_train, settings.batch_size, settings.seed), **fit_args)
        else:
            model.fit(to_model_input(x_train), y_train, **fit_args)

        seconds = time.perf_counter() - reporter.started
        if reporter.failure:
            return TrainingOutcome("failed", None, plan, reporter.epochs, seconds, reporter.samples_seen,
                                   reporter.failure)
        if plan.precision != "float32":
            # Hand back (and so save) an ordinary float32 model with the trained weights.
            model = as_float32(model)
            compile_model(model, spec)
            self.model = model
        stopped = self._stop.is_set() and len(reporter.epochs) < settings.epochs
        return TrainingOutcome("stopped" if stopped else "finished", model, plan, reporter.epochs, seconds,
                               reporter.samples_seen,
                               f"Stopped by request after {reporter.samples_seen:,} images." if stopped else "")


def split_validation(dataset: Dataset, fraction: float):
    """Hold out the last ``fraction`` of the training images for validation, as Keras's
    ``validation_split`` does."""
    x, y = dataset.x_train, dataset.y_train
    held = int(round(len(x) * fraction)) if fraction > 0 else 0
    cut = len(x) - held
    return x[:cut], y[:cut], x[cut:], y[cut:]


def augmented_batches(images: np.ndarray, labels: np.ndarray, batch_size: int, seed: int):
    """A tf.data pipeline of shuffled, randomly shifted, rotated and zoomed training batches.

    Small changes of position, angle and size teach the model to read digits that are not
    centred exactly as MNIST's are, as real handwriting often is not.
    """
    import keras
    import tensorflow as tf

    augment = keras.Sequential([
        keras.layers.RandomRotation(0.04, fill_mode="constant", seed=seed),
        keras.layers.RandomZoom((-0.12, 0.12), fill_mode="constant", seed=seed + 1),
        keras.layers.RandomTranslation(0.08, 0.08, fill_mode="constant", seed=seed + 2),
    ])

    def prepare(x, y):
        x = tf.cast(x, tf.float32)[..., tf.newaxis] / 255.0
        return augment(x, training=True), y

    data = tf.data.Dataset.from_tensor_slices((images, labels))
    data = data.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    return data.batch(batch_size).map(prepare, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:300] if lines else type(error).__name__


@functools.cache
def _reporter_class():
    """The Keras callback that bridges ``fit`` to the listener and applies pause, stop and the
    NaN guard; made on first use so that importing this module does not import TensorFlow."""
    import keras

    class TrainingReporter(keras.callbacks.Callback):
        def __init__(self, trainer: Trainer, plan: TrainingPlan):
            super().__init__()
            self.trainer = trainer
            self.plan = plan
            self.epochs: list[EpochResult] = []
            self.failure = ""
            self.samples_seen = 0
            self.started = time.perf_counter()
            self._epoch_started = self.started

        def on_train_begin(self, logs=None):
            self.started = time.perf_counter()

        def on_epoch_begin(self, epoch, logs=None):
            self._epoch_started = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            logs = logs or {}
            trainer, settings = self.trainer, self.plan.spec.training
            batch_size = settings.batch_size
            loss = float(logs.get("loss", float("nan")))
            self.samples_seen += min(batch_size, self.plan.train_samples - batch * batch_size)
            if not math.isfinite(loss):
                advice = (f"The fast setting's peak learning rate ({settings.learning_rate:g}) is too high for "
                          "this network: train it without fast training, at a lower learning rate."
                          if settings.fast else
                          f"The learning rate ({settings.learning_rate:g}) is probably too high: "
                          "lower it and train again.")
                self.failure = (f"Training stopped: the loss became {'NaN' if math.isnan(loss) else 'infinite'} "
                                f"at batch {batch + 1} of epoch {len(self.epochs) + 1}, so the model is "
                                f"broken and was discarded. {advice}")
                self.model.stop_training = True
                return
            trainer.listener.on_batch_end(BatchProgress(len(self.epochs), batch, self.plan.batches_per_epoch,
                                                        loss, float(logs.get("accuracy", 0.0))))
            trainer._running.wait()  # blocks here while paused
            if trainer._stop.is_set():
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            # A run stopped mid-epoch reports no epoch: its numbers would cover only part of the data.
            if self.failure or self.samples_seen < (len(self.epochs) + 1) * self.plan.train_samples:
                return
            logs = logs or {}
            val_loss = logs.get("val_loss")
            result = EpochResult(epoch, self.plan.epochs, float(logs.get("loss", float("nan"))),
                                 float(logs.get("accuracy", 0.0)),
                                 None if val_loss is None else float(val_loss),
                                 None if val_loss is None else float(logs.get("val_accuracy", 0.0)),
                                 time.perf_counter() - self._epoch_started)
            self.epochs.append(result)
            self.trainer.listener.on_epoch_end(result)

    return TrainingReporter
