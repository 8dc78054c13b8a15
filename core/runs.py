"""Training runs kept on disk: every run's settings, curves, results and model, to look back on and compare.

A :class:`RunRecorder` listens to a :class:`~core.training.Trainer` and keeps what it reports
(the plan, each batch's loss and accuracy, each epoch's results). :meth:`RunStore.save` then
writes one folder per run into the runs folder::

    runs/
      2026-12-04_211500_tutorial-cnn/
        run.json        what was trained and how it went (written last, atomically)
        history.npz     the per-batch and per-epoch curves
        2026-12-04_211500_tutorial-cnn.h5   the trained model (none for a failed run)
        log.csv, tensorboard/               Keras's own logs, if they were asked for

``run.json`` holds the spec (layers and hyperparameters), the status (``finished``, ``stopped``
or ``failed``), the data sizes, each epoch's figures, the test accuracy and loss, the per-digit
accuracy, the confusion matrix, the timing and the parameter count. A run is first written into
a hidden staging folder (``.run-*.partial``) and renamed into place once complete, and within it
``run.json`` is written last through a temporary file, so a run folder without a readable
``run.json`` can only be a damaged one. A staging folder left behind by a crash is removed when
a later run starts, once nothing has written into it for two days.

:meth:`RunStore.list_runs` never fails on a bad folder: a run whose ``run.json`` or history is
missing or corrupt, or whose model file is gone, is listed as a :class:`DamagedRun` with the
reason, and the other runs still load.

Where the runs folder is (:func:`default_folder`): ``$MNIST_STUDIO_RUNS`` if set, else
``<user data folder>/mnist-cnn-studio/runs`` (see :mod:`core.paths`). Nothing here imports Qt,
and TensorFlow only when a model is saved or Keras's log callbacks are made.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from core.errors import StudioError
from core.paths import app_data_folder, env_path
from core.spec import ModelSpec, TrainingSettings
from core.training import BatchProgress, EpochResult, TrainingListener, TrainingOutcome, TrainingPlan

__all__ = ["ENV_VAR", "FORMAT", "RunStoreError", "RunRecorder", "RunHistory", "RunRecord", "DamagedRun",
           "RunStore", "default_folder", "keras_log_callbacks", "spec_differences", "run_differences"]

ENV_VAR = "MNIST_STUDIO_RUNS"
FORMAT = 1                      # the version of run.json's layout
RUN_FILE = "run.json"
HISTORY_FILE = "history.npz"
CSV_LOG = "log.csv"
TENSORBOARD_FOLDER = "tensorboard"
STAGING_PREFIX = ".run-"
STAGING_SUFFIX = ".partial"
MAX_NAME_LENGTH = 200
# A staging folder untouched for this long was left by a run that crashed or was killed while it
# trained or saved (a live one is written to at least at its end): the next run clears it away.
STALE_STAGING_SECONDS = 2 * 24 * 3600

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_HISTORY_ARRAYS = ("batch_epoch", "batch_index", "batch_loss", "batch_accuracy", "epoch_loss",
                   "epoch_accuracy", "epoch_val_loss", "epoch_val_accuracy", "epoch_seconds")
_HISTORY_SCALARS = ("batches_per_epoch", "batch_size", "train_samples")


class RunStoreError(StudioError):
    """A run could not be saved, read, renamed or deleted (the message says which and why)."""


def default_folder() -> Path:
    """The runs folder: ``$MNIST_STUDIO_RUNS``, else ``runs`` in the program's user data folder."""
    return env_path(ENV_VAR) or app_data_folder() / "runs"


# ---------------------------------------------------------------------------------------------
# Recording


class RunRecorder(TrainingListener):
    """Keeps what a trainer reports, for :meth:`RunStore.save`.

    Its methods are called on the training thread; read it once training has ended. The
    per-batch loss and accuracy are kept as Keras reports them: the running mean over the epoch
    so far (:meth:`RunHistory.batch_values` recovers each batch's own value).
    """

    def __init__(self):
        self.plan: TrainingPlan | None = None
        self.started: datetime | None = None
        self.batch_epoch: list[int] = []
        self.batch_index: list[int] = []
        self.batch_loss: list[float] = []
        self.batch_accuracy: list[float] = []
        self.epochs: list[EpochResult] = []
        self.failure = ""

    def on_train_begin(self, plan: TrainingPlan) -> None:
        self.plan = plan
        self.started = datetime.now().astimezone()

    def on_batch_end(self, progress: BatchProgress) -> None:
        self.batch_epoch.append(progress.epoch)
        self.batch_index.append(progress.batch)
        self.batch_loss.append(progress.loss)
        self.batch_accuracy.append(progress.accuracy)

    def on_epoch_end(self, result: EpochResult) -> None:
        self.epochs.append(result)

    def on_failed(self, message: str) -> None:
        self.failure = message

    def history(self) -> "RunHistory":
        plan = self.plan
        epochs = self.epochs

        def column(values, dtype=np.float64):
            return np.asarray(values, dtype=dtype)

        return RunHistory(
            batch_epoch=column(self.batch_epoch, np.int32), batch_index=column(self.batch_index, np.int32),
            batch_loss=column(self.batch_loss), batch_accuracy=column(self.batch_accuracy),
            epoch_loss=column([e.loss for e in epochs]), epoch_accuracy=column([e.accuracy for e in epochs]),
            epoch_val_loss=column([math.nan if e.val_loss is None else e.val_loss for e in epochs]),
            epoch_val_accuracy=column([math.nan if e.val_accuracy is None else e.val_accuracy for e in epochs]),
            epoch_seconds=column([e.seconds for e in epochs]),
            batches_per_epoch=plan.batches_per_epoch if plan else 1,
            batch_size=plan.spec.training.batch_size if plan else 1,
            train_samples=plan.train_samples if plan else 1,
        )


@dataclass
class RunHistory:
    """A run's curves. Per batch: the epoch and batch (0-based) and Keras's running means;
    per epoch: training and validation figures (NaN where there was no validation)."""

    batch_epoch: np.ndarray
    batch_index: np.ndarray
    batch_loss: np.ndarray
    batch_accuracy: np.ndarray
    epoch_loss: np.ndarray
    epoch_accuracy: np.ndarray
    epoch_val_loss: np.ndarray
    epoch_val_accuracy: np.ndarray
    epoch_seconds: np.ndarray
    batches_per_epoch: int
    batch_size: int
    train_samples: int

    @property
    def batch_positions(self) -> np.ndarray:
        """Each batch's place on an x-axis in epochs: batch b of epoch e at e + (b + 1) / batches."""
        return self.batch_epoch + (self.batch_index + 1.0) / max(1, self.batches_per_epoch)

    @property
    def epoch_numbers(self) -> np.ndarray:
        """1, 2, ...: each epoch's end on the same axis."""
        return np.arange(1, len(self.epoch_loss) + 1, dtype=np.float64)

    @property
    def has_validation(self) -> bool:
        return bool(len(self.epoch_val_loss)) and bool(np.isfinite(self.epoch_val_loss).any())

    def batch_values(self) -> tuple[np.ndarray, np.ndarray]:
        """Each batch's own loss and accuracy, recovered from the running means (Keras weights
        its means by the images in each batch, and the last batch of an epoch may be short)."""
        loss = np.empty(len(self.batch_loss))
        accuracy = np.empty(len(self.batch_loss))
        seen_before = 0
        loss_before = accuracy_before = 0.0
        last_epoch = -1
        for i, (epoch, batch) in enumerate(zip(self.batch_epoch.tolist(), self.batch_index.tolist())):
            if epoch != last_epoch or batch == 0:
                seen_before, loss_before, accuracy_before, last_epoch = 0, 0.0, 0.0, epoch
            seen = min((batch + 1) * self.batch_size, self.train_samples)
            images = seen - seen_before
            loss_total = self.batch_loss[i] * seen
            accuracy_total = self.batch_accuracy[i] * seen
            if images <= 0:
                loss[i], accuracy[i] = self.batch_loss[i], self.batch_accuracy[i]
                continue
            loss[i] = max((loss_total - loss_before) / images, 0.0)
            accuracy[i] = min(max((accuracy_total - accuracy_before) / images, 0.0), 1.0)
            seen_before, loss_before, accuracy_before = seen, loss_total, accuracy_total
        return loss, accuracy

    def to_arrays(self) -> dict[str, np.ndarray]:
        arrays = {name: getattr(self, name) for name in _HISTORY_ARRAYS}
        arrays.update({name: np.asarray(getattr(self, name), dtype=np.int64) for name in _HISTORY_SCALARS})
        return arrays

    @classmethod
    def from_file(cls, path: Path) -> "RunHistory":
        """Read ``history.npz``; a missing, unreadable or inconsistent file raises RunStoreError."""
        if not path.is_file():
            raise RunStoreError(f"{path.name} is missing")
        try:
            with np.load(path, allow_pickle=False) as data:
                missing = [name for name in (*_HISTORY_ARRAYS, *_HISTORY_SCALARS) if name not in data.files]
                if missing:
                    raise RunStoreError(f"{path.name} lacks {', '.join(missing)}")
                arrays = {name: np.asarray(data[name]) for name in _HISTORY_ARRAYS}
                scalars = {name: int(data[name]) for name in _HISTORY_SCALARS}
        except RunStoreError:
            raise
        except Exception as error:  # zip, zlib, numpy format errors: all mean a damaged file
            raise RunStoreError(f"{path.name} is damaged ({_first_line(error)})") from None
        batches = {len(arrays[name]) for name in _HISTORY_ARRAYS if name.startswith("batch_")}
        epochs = {len(arrays[name]) for name in _HISTORY_ARRAYS if name.startswith("epoch_")}
        if len(batches) != 1 or len(epochs) != 1 or any(a.ndim != 1 for a in arrays.values()):
            raise RunStoreError(f"{path.name} is damaged (its curves have different lengths)")
        if min(scalars.values()) < 1:
            raise RunStoreError(f"{path.name} is damaged (impossible batch figures)")
        arrays["batch_epoch"] = arrays["batch_epoch"].astype(np.int64)
        arrays["batch_index"] = arrays["batch_index"].astype(np.int64)
        for name in _HISTORY_ARRAYS:
            if not name.startswith(("batch_epoch", "batch_index")):
                arrays[name] = arrays[name].astype(np.float64)
        return cls(**arrays, **scalars)


# ---------------------------------------------------------------------------------------------
# What a runs folder holds


@dataclass(frozen=True)
class RunRecord:
    """One saved run, as read from its ``run.json``."""

    id: str                                # the folder's name
    folder: Path
    name: str                              # what the user calls it (renamable)
    created: str                           # ISO 8601 local time with offset, when training began
    status: str                            # "finished", "stopped" or "failed"
    message: str                           # why it stopped or failed
    spec: ModelSpec                        # the network and hyperparameters asked for
    settings_note: str                     # the settings in effect, in one line
    precision: str
    data_source: str
    train_samples: int
    validation_samples: int
    test_samples: int                      # 0 when it was not scored
    batches_per_epoch: int
    epochs_planned: int
    epochs: tuple[dict, ...]               # per epoch: epoch, loss, accuracy, val_loss, val_accuracy, seconds
    test_accuracy: float | None
    test_loss: float | None
    per_class_accuracy: tuple[float | None, ...] | None
    confusion_matrix: tuple[tuple[int, ...], ...] | None
    train_seconds: float
    samples_trained: int
    samples_per_second: float
    parameter_count: int
    model_file: str | None                 # the model's file name in the folder (None: failed run)
    logs: tuple[str, ...] = ()             # Keras log files and folders in the run folder

    damaged = False

    @property
    def preset(self) -> str:
        """The spec's name: a preset's name, or "Custom"."""
        return self.spec.name

    @property
    def model_path(self) -> Path | None:
        return self.folder / self.model_file if self.model_file else None

    @property
    def epochs_completed(self) -> int:
        return len(self.epochs)

    @property
    def created_at(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.created)
        except ValueError:
            return None


@dataclass(frozen=True)
class DamagedRun:
    """A folder in the runs folder that cannot be read as a run, and why."""

    id: str
    folder: Path
    reason: str

    damaged = True
    status = "damaged"

    @property
    def name(self) -> str:
        return self.id


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:200] if lines else type(error).__name__


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:40] or "run"


def _clean_name(name: str | None) -> str:
    """A run's name on one line, runs of spaces made one, at most MAX_NAME_LENGTH characters."""
    return " ".join(str(name or "").split())[:MAX_NAME_LENGTH]


def _finite_or_none(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _write_atomically(path: Path, write) -> None:
    """Write a file through a temporary file in the same folder and a rename (``write(stream)``)."""
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _last_written(folder: Path) -> float:
    """The latest modification time of ``folder`` and anything in it."""
    latest = folder.stat().st_mtime
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            try:
                latest = max(latest, os.lstat(os.path.join(root, name)).st_mtime)
            except OSError:
                continue
    return latest


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _json_bytes(data: dict) -> bytes:
    return (json.dumps(data, indent=2, allow_nan=False) + "\n").encode("utf-8")


def _parse_record(folder: Path, data: Any) -> RunRecord:
    """A RunRecord from run.json's content; raises ValueError/KeyError/TypeError/StudioError if malformed."""
    if not isinstance(data, dict) or "spec" not in data or "status" not in data:
        raise ValueError("run.json does not describe a run")
    spec = ModelSpec.from_dict(data["spec"])
    data_info = data.get("data") or {}
    plan = data.get("plan") or {}
    test = data.get("test") or {}
    timing = data.get("timing") or {}
    files = data.get("files") or {}
    epochs = tuple(dict(entry) for entry in data.get("epochs") or ())
    per_class = test.get("per_class_accuracy")
    matrix = test.get("confusion_matrix")
    status = str(data["status"])
    if status not in ("finished", "stopped", "failed"):
        raise ValueError(f"unknown status {status!r}")
    return RunRecord(
        id=folder.name, folder=folder, name=str(data.get("name") or folder.name),
        created=str(data.get("created", "")), status=status, message=str(data.get("message", "")),
        spec=spec, settings_note=str(data.get("settings_note", "")), precision=str(data.get("precision", "float32")),
        data_source=str(data_info.get("source", "")), train_samples=int(data_info.get("train_samples", 0)),
        validation_samples=int(data_info.get("validation_samples", 0)),
        test_samples=int(data_info.get("test_samples", 0)),
        batches_per_epoch=int(plan.get("batches_per_epoch", 0)), epochs_planned=int(plan.get("epochs", 0)),
        epochs=epochs,
        test_accuracy=_finite_or_none(test.get("accuracy")), test_loss=_finite_or_none(test.get("loss")),
        per_class_accuracy=None if per_class is None else tuple(_finite_or_none(v) for v in per_class),
        confusion_matrix=None if matrix is None else tuple(tuple(int(c) for c in row) for row in matrix),
        train_seconds=float(timing.get("train_seconds", 0.0)), samples_trained=int(timing.get("samples_trained", 0)),
        samples_per_second=float(timing.get("samples_per_second", 0.0)),
        parameter_count=int(data.get("parameter_count", 0)),
        model_file=files.get("model") or None, logs=tuple(files.get("logs") or ()),
    )


# ---------------------------------------------------------------------------------------------
# The store


class RunStore:
    """The runs folder: save runs into it, list, rename and delete them, read their curves."""

    def __init__(self, folder: str | os.PathLike | None = None):
        self.folder = Path(folder).expanduser() if folder is not None else default_folder()

    def __repr__(self) -> str:
        return f"RunStore({str(self.folder)!r})"

    # Saving ---------------------------------------------------------------------------------

    def stage(self) -> Path:
        """A new hidden folder to write a run into while it trains (Keras's logs go there);
        :meth:`save` fills it and moves it into place, :meth:`discard` removes it."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._remove_stale_staging()
            return Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, suffix=STAGING_SUFFIX, dir=self.folder))
        except OSError as error:
            raise RunStoreError(f"Cannot write runs into '{self.folder}': {error.strerror or error}.") from None

    def _remove_stale_staging(self) -> None:
        """Remove staging folders nothing has written into for STALE_STAGING_SECONDS."""
        cutoff = time.time() - STALE_STAGING_SECONDS
        for entry in self.folder.glob(f"{STAGING_PREFIX}*{STAGING_SUFFIX}"):
            try:
                if entry.is_dir() and not entry.is_symlink() and _last_written(entry) < cutoff:
                    shutil.rmtree(entry, ignore_errors=True)
            except OSError:
                continue  # gone meanwhile, or unreadable: not ours to force

    def discard(self, staging: Path | None) -> None:
        """Remove a staging folder that will not become a run (only ever a staging folder)."""
        if staging is not None and staging.name.startswith(STAGING_PREFIX) and staging.parent == self.folder:
            shutil.rmtree(staging, ignore_errors=True)

    def save(self, recorder: RunRecorder, outcome: TrainingOutcome, evaluation=None, name: str | None = None,
             *, spec: ModelSpec | None = None, data_source: str = "", staging: Path | None = None) -> RunRecord:
        """Write the run that ``recorder`` saw end as ``outcome`` (scored by ``evaluation``, a
        core.evaluation.Evaluation, or None) into a new run folder, and return its record.

        ``spec`` is the spec asked for (default: the one in effect, from the plan); ``staging``
        a folder from :meth:`stage` holding files written during training. On any failure
        (full disk, no permission) nothing is left behind and RunStoreError says why.
        """
        plan = recorder.plan or outcome.plan
        if plan is None:
            raise RunStoreError("Nothing to save: the run never started training.")
        spec = spec or plan.spec
        started = recorder.started or datetime.now().astimezone()
        run_id = f"{started:%Y-%m-%d_%H%M%S}_{_slug(spec.name)}"
        folder = staging or self.stage()
        try:
            model_file = None
            if outcome.model is not None:
                from core.model_io import save_model

                model_file = f"{run_id}.h5"
                save_model(outcome.model, folder / model_file)
            _write_atomically(folder / HISTORY_FILE, lambda stream: np.savez(stream, **recorder.history().to_arrays()))
            logs = [entry for entry in (CSV_LOG, TENSORBOARD_FOLDER) if (folder / entry).exists()]
            data = self._describe(run_id, name, started, spec, plan, recorder, outcome, evaluation, data_source,
                                  model_file, logs)
            _write_atomically(folder / RUN_FILE, lambda stream: stream.write(_json_bytes(data)))
            final = self._move_into_place(folder, run_id)
        except Exception as error:  # a full disk, no permission, a Keras failure: the run is not kept
            shutil.rmtree(folder, ignore_errors=True)
            reason = error.strerror if isinstance(error, OSError) and error.strerror else _first_line(error)
            raise RunStoreError(f"The run could not be saved in '{self.folder}': {reason}") from None
        record = self.read(final.name)
        if isinstance(record, DamagedRun):  # cannot happen short of another program interfering
            raise RunStoreError(f"The run saved in '{final}' cannot be read back: {record.reason}")
        return record

    def _describe(self, run_id, name, started, spec, plan, recorder, outcome, evaluation, data_source,
                  model_file, logs) -> dict:
        status = outcome.status
        test = None
        if evaluation is not None and evaluation.count:
            test = {
                "accuracy": float(evaluation.accuracy),
                "loss": _finite_or_none(evaluation.loss),
                "per_class_accuracy": [_finite_or_none(v) for v in evaluation.per_class_accuracy],
                "confusion_matrix": evaluation.confusion_matrix.tolist(),
            }
        epochs = [{"epoch": e.epoch + 1, "loss": _finite_or_none(e.loss), "accuracy": _finite_or_none(e.accuracy),
                   "val_loss": _finite_or_none(e.val_loss), "val_accuracy": _finite_or_none(e.val_accuracy),
                   "seconds": round(float(e.seconds), 3)} for e in (outcome.epochs or recorder.epochs)]
        data = {
            "format": FORMAT,
            "id": run_id,
            "name": _clean_name(name) or f"{spec.name}, {started:%Y-%m-%d %H:%M}",
            "created": started.isoformat(timespec="seconds"),
            "status": status,
            "message": outcome.message or recorder.failure,
            "spec": spec.to_dict(),
            "settings_note": plan.settings_note,
            "precision": plan.precision,
            "data": {"source": data_source, "train_samples": plan.train_samples,
                     "validation_samples": plan.validation_samples,
                     "test_samples": int(evaluation.count) if test else 0},
            "plan": {"epochs": plan.epochs, "batches_per_epoch": plan.batches_per_epoch,
                     "batch_size": plan.spec.training.batch_size},
            "epochs": epochs,
            "test": test,
            "timing": {"train_seconds": round(float(outcome.train_seconds), 3),
                       "samples_trained": int(outcome.samples_trained),
                       "samples_per_second": round(float(outcome.samples_per_second), 1)},
            "parameter_count": int(plan.parameter_count),
            "files": {"model": model_file, "history": HISTORY_FILE, "logs": logs},
        }
        if plan.spec != spec:
            data["spec_in_effect"] = plan.spec.to_dict()
        return data

    def _move_into_place(self, folder: Path, run_id: str) -> Path:
        for attempt in range(1, 1000):
            final = self.folder / (run_id if attempt == 1 else f"{run_id}-{attempt}")
            if final.exists():
                continue
            try:
                os.rename(folder, final)
                return final
            except FileExistsError:
                continue
            except OSError as error:
                if final.exists():  # another run took the name in between (ENOTEMPTY on Linux)
                    continue
                raise error
        raise RunStoreError(f"Too many runs named '{run_id}' in '{self.folder}'.")

    # Reading --------------------------------------------------------------------------------

    def list_runs(self) -> list[RunRecord | DamagedRun]:
        """Every run in the folder, newest first; unreadable ones as DamagedRun. Never raises
        for a bad run; an unreadable runs folder as a whole is an empty list."""
        try:
            entries = [entry for entry in self.folder.iterdir()
                       if not entry.name.startswith(".") and entry.is_dir()]
        except OSError:
            return []
        return [self.read(entry.name) for entry in sorted(entries, key=lambda e: e.name, reverse=True)]

    def read(self, run_id: str) -> RunRecord | DamagedRun:
        """The run in folder ``run_id``, or a DamagedRun saying what is wrong with it."""
        folder = self._run_folder(run_id)
        run_file = folder / RUN_FILE
        if not run_file.is_file():
            return DamagedRun(run_id, folder, f"{RUN_FILE} is missing: the run was interrupted while it was "
                                              "being saved, or the file was deleted.")
        try:
            data = json.loads(run_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            return DamagedRun(run_id, folder, f"{RUN_FILE} cannot be read ({_first_line(error)}).")
        except json.JSONDecodeError as error:
            return DamagedRun(run_id, folder, f"{RUN_FILE} is not valid JSON ({error.msg}, line {error.lineno}).")
        try:
            record = _parse_record(folder, data)
        except (KeyError, ValueError, TypeError, AttributeError, StudioError) as error:
            return DamagedRun(run_id, folder, f"{RUN_FILE} is damaged ({_first_line(error)}).")
        try:
            RunHistory.from_file(folder / HISTORY_FILE)
        except RunStoreError as error:
            return DamagedRun(run_id, folder, f"Its curves cannot be read: {error}.")
        problem = self._model_problem(record)
        if problem:
            return DamagedRun(run_id, folder, problem)
        return record

    @staticmethod
    def _model_problem(record: RunRecord) -> str | None:
        path = record.model_path
        if path is None:
            return None if record.status == "failed" else "It has no model file."
        if not path.is_file():
            return f"Its model file {path.name} is missing."
        try:
            with open(path, "rb") as stream:
                signature = stream.read(8)
        except OSError as error:
            return f"Its model file {path.name} cannot be read ({error.strerror or error})."
        if path.suffix.lower() == ".h5" and signature != _HDF5_SIGNATURE:
            return f"Its model file {path.name} is damaged (not an HDF5 file)."
        return None

    def load_history(self, run: RunRecord | DamagedRun | str) -> RunHistory:
        """A run's curves; RunStoreError if they cannot be read."""
        run_id = run if isinstance(run, str) else run.id
        try:
            return RunHistory.from_file(self._run_folder(run_id) / HISTORY_FILE)
        except RunStoreError as error:
            raise RunStoreError(f"The curves of run '{run_id}' cannot be read: {error}.") from None

    # Changing -------------------------------------------------------------------------------

    def rename(self, run_id: str, name: str) -> RunRecord:
        """Give a run a new name (its folder keeps its own); returns the updated record."""
        name = _clean_name(name)
        if not name:
            raise RunStoreError("A run's name cannot be empty.")
        record = self.read(run_id)
        if isinstance(record, DamagedRun):
            raise RunStoreError(f"Run '{run_id}' is damaged and cannot be renamed: {record.reason}")
        path = record.folder / RUN_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            data["name"] = name
            _write_atomically(path, lambda stream: stream.write(_json_bytes(data)))
        except (OSError, ValueError) as error:
            raise RunStoreError(f"Run '{run_id}' could not be renamed: {_first_line(error)}") from None
        return self.read(run_id)

    def delete(self, run_id: str) -> None:
        """Delete a run's folder and everything in it (nothing outside the runs folder)."""
        folder = self._run_folder(run_id)
        if folder.is_symlink() or not folder.is_dir():
            raise RunStoreError(f"There is no run '{run_id}' in '{self.folder}'.")
        try:
            shutil.rmtree(folder)
        except OSError as error:
            raise RunStoreError(f"Run '{run_id}' could not be deleted: {error.strerror or error}.") from None

    def _run_folder(self, run_id: str) -> Path:
        """The folder of ``run_id``, refusing any id that would point outside the runs folder."""
        run_id = str(run_id)
        if (not run_id or run_id in (".", "..") or run_id.startswith(".") or "/" in run_id or "\\" in run_id
                or os.sep in run_id or (os.altsep and os.altsep in run_id) or "\0" in run_id):
            raise RunStoreError(f"'{run_id}' is not the name of a run.")
        folder = self.folder / run_id
        if folder.resolve().parent != self.folder.resolve() and not folder.is_symlink():
            raise RunStoreError(f"'{run_id}' is not a run in '{self.folder}'.")
        return folder


# ---------------------------------------------------------------------------------------------
# Keras's own logs


def keras_log_callbacks(folder: Path) -> tuple[list, str]:
    """Keras callbacks that write a CSV log (``log.csv``, one line per epoch) and, if the
    ``tensorboard`` package is installed, TensorBoard event files (``tensorboard/``) into
    ``folder``; and a note saying what is not written and why ('' when all is)."""
    import importlib.util

    import keras

    callbacks = [keras.callbacks.CSVLogger(str(folder / CSV_LOG))]
    if importlib.util.find_spec("tensorboard") is None:
        # TensorFlow's tf.summary needs the tensorboard package to write scalars.
        return callbacks, ("TensorBoard event files were not written: they need the tensorboard package "
                           "(pip install tensorboard). The CSV log was written.")
    callbacks.append(keras.callbacks.TensorBoard(log_dir=str(folder / TENSORBOARD_FOLDER), update_freq="epoch"))
    return callbacks, ""


# ---------------------------------------------------------------------------------------------
# How runs differ


_TRAINING_TITLES = {
    "optimizer": "Optimizer", "learning_rate": "Learning rate", "batch_size": "Batch size", "epochs": "Epochs",
    "validation_split": "Validation share", "seed": "Random seed", "augmentation": "Augmentation",
    "fast": "Fast training",
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def spec_differences(specs: Sequence[ModelSpec]) -> list[tuple[str, list[str]]]:
    """Where the specs differ, as rows ``(what, [each spec's value])``: the network's name, each
    layer that is not the same in all (by position; "-" where a spec has fewer layers), and each
    training setting that differs. Empty when they are all alike (or fewer than two)."""
    rows: list[tuple[str, list[str]]] = []
    if len(specs) < 2:
        return rows

    def add(title: str, values: list[str]) -> None:
        if len(set(values)) > 1:
            rows.append((title, values))

    add("Network", [spec.name for spec in specs])
    dicts = [spec.to_dict() for spec in specs]
    depth = max(len(d["layers"]) for d in dicts)
    if len({len(d["layers"]) for d in dicts}) > 1:
        rows.append(("Layers", [str(len(d["layers"])) for d in dicts]))
    for index in range(depth):
        layers = [spec.layers[index] if index < len(spec.layers) else None for spec in specs]
        keys = [None if layer is None else (layer.kind, sorted(layer.params.items())) for layer in layers]
        if len({repr(k) for k in keys}) > 1:
            rows.append((f"Layer {index + 1}", ["-" if layer is None else layer.summary() for layer in layers]))
    for field in fields(TrainingSettings):
        add(_TRAINING_TITLES.get(field.name, field.name), [_text(d["training"].get(field.name)) for d in dicts])
    return rows


def run_differences(records: Sequence[RunRecord]) -> list[tuple[str, list[str]]]:
    """:func:`spec_differences` of the runs' specs, plus the data and settings in effect where they differ."""
    rows = spec_differences([record.spec for record in records])
    if len(records) < 2:
        return rows
    extra = (("Training images", [f"{r.train_samples:,}" for r in records]),
             ("Validation images", [f"{r.validation_samples:,}" for r in records]),
             ("Test images", [f"{r.test_samples:,}" if r.test_samples else "not scored" for r in records]),
             ("Settings in effect", [r.settings_note for r in records]),
             ("Data", [r.data_source for r in records]))
    rows.extend((title, values) for title, values in extra if len(set(values)) > 1)
    return rows
