"""Runs core's Trainer on a worker thread and re-emits its reports as Qt signals.

The GUI thread never runs Keras work: building, fitting, the test-set evaluation that follows
and saving the run all happen here. Signals are emitted from the worker thread and delivered
queued to receivers on the GUI thread; views coalesce bursts of ``batchEnded`` themselves.

Every run that trains is kept in the runs folder (:mod:`core.runs`): finished, stopped and
failed ones alike, but not one aborted because the window is closing. It is saved before
``trainingFinished`` (or ``trainingFailed``) is emitted, and ``runSaved`` follows with its record;
if it cannot be saved (a full disk), ``runSaveFailed`` says why and the trained model is handed
over all the same. With the "Keras logs" setting on (QSettings ``runs/keras_logs``, off by
default) Keras's CSVLogger and TensorBoard callbacks also write into the run's folder.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, QThread, Signal

from core.errors import StudioError
from core.training import ListenerGroup, Trainer, TrainingListener

KERAS_LOGS_SETTING = "runs/keras_logs"
_DEFAULT_STORE = object()


def keras_logs_enabled() -> bool:
    """Whether runs also write Keras's CSV and TensorBoard logs (the setting; off by default)."""
    return bool(QSettings().value(KERAS_LOGS_SETTING, False, type=bool))


def set_keras_logs_enabled(enabled: bool) -> None:
    QSettings().setValue(KERAS_LOGS_SETTING, bool(enabled))


class _SignalListener(TrainingListener):
    """Turns listener calls (on the worker thread) into the worker's signals."""

    def __init__(self, worker: "TrainingWorker"):
        self.worker = worker

    def on_train_begin(self, plan):
        self.worker.trainingStarted.emit(plan)

    def on_batch_end(self, progress):
        self.worker.batchEnded.emit(progress)

    def on_epoch_end(self, result):
        self.worker.epochEnded.emit(result)


class TrainingWorker(QThread):
    trainingStarted = Signal(object)   # core.training.TrainingPlan
    batchEnded = Signal(object)        # core.training.BatchProgress
    epochEnded = Signal(object)        # core.training.EpochResult
    evaluationStarted = Signal()       # fitting is over; scoring the test set
    trainingFinished = Signal(object, object)  # TrainingOutcome ("finished" or "stopped"), Evaluation or None
    trainingFailed = Signal(str)       # a message for the user
    runSaved = Signal(object)          # core.runs.RunRecord of this run, once it is in the runs folder
    runSaveFailed = Signal(str)        # why the run could not be kept (the trained model is not lost)
    notice = Signal(str)               # a passing note for the user (e.g. a log that could not be written)

    def __init__(self, spec, dataset, parent=None, *, store=_DEFAULT_STORE, run_name: str | None = None,
                 keras_logs: bool | None = None):
        """``store``: the core.runs.RunStore to keep the run in (default: the user's runs folder;
        None keeps nothing). ``run_name``: the run's name there (default: preset and date).
        ``keras_logs``: write Keras's CSV/TensorBoard logs too (default: the setting)."""
        super().__init__(parent)
        from core.runs import RunRecorder, RunStore

        self.spec = spec
        self.dataset = dataset
        self.store = RunStore() if store is _DEFAULT_STORE else store
        self.run_name = run_name
        self.keras_logs = keras_logs_enabled() if keras_logs is None else bool(keras_logs)
        self.recorder = RunRecorder()
        self.trainer = Trainer(spec, dataset, ListenerGroup([_SignalListener(self), self.recorder]))
        self.record = None               # the saved run's core.runs.RunRecord, once saved
        self._aborted = False

    def run(self) -> None:
        staging = self._prepare_logs()
        outcome = self.trainer.run()
        if outcome.status == "failed":
            saved = self._save_run(outcome, None, staging)
            self.trainingFailed.emit(outcome.message)
            self._report_saved(saved)
            return
        evaluation = None if self._aborted else self._evaluate(outcome.model)
        saved = self._save_run(outcome, evaluation, staging)
        self.trainingFinished.emit(outcome, evaluation)
        self._report_saved(saved)

    def _evaluate(self, model):
        from core.evaluation import evaluate

        if not len(self.dataset.x_test):
            return None
        self.evaluationStarted.emit()
        try:
            return evaluate(model, self.dataset.x_test, self.dataset.y_test)
        except Exception as error:  # the trained model is still handed over, unscored
            self.notice.emit(f"The model was trained but could not be scored on the test images "
                             f"({str(error).strip().splitlines()[0] if str(error).strip() else 'unknown error'}). "
                             "Try Evaluate on test set in the Results tab.")
            return None

    # The run's folder ------------------------------------------------------------------------

    def _prepare_logs(self):
        """With Keras logs on, a staging folder for the run and the callbacks writing into it."""
        if self.store is None or not self.keras_logs:
            return None
        from core.runs import keras_log_callbacks

        try:
            staging = self.store.stage()
            callbacks, note = keras_log_callbacks(staging)
        except StudioError as error:
            self.notice.emit(f"Keras's logs are not written for this run: {error}")
            return None
        self.trainer.extra_callbacks.extend(callbacks)
        if note:
            self.notice.emit(note)
        return staging

    def _save_run(self, outcome, evaluation, staging):
        """Keep the run in the store: its record, or an error message (str), or None when not kept."""
        if self.store is None or self._aborted or self.recorder.plan is None:
            if self.store is not None:
                self.store.discard(staging)
            return None
        try:
            self.record = self.store.save(self.recorder, outcome, evaluation, self.run_name, spec=self.spec,
                                          data_source=getattr(self.dataset, "source", ""), staging=staging)
        except StudioError as error:
            kept = " The trained model is still open: save it with File > Save model." if outcome.model else ""
            return f"{error}{kept}"
        return self.record

    def _report_saved(self, saved) -> None:
        if isinstance(saved, str):
            self.runSaveFailed.emit(saved)
        elif saved is not None:
            self.runSaved.emit(saved)

    # Control, from the GUI thread ---------------------------------------------------------

    def pause(self) -> None:
        self.trainer.pause()

    def resume(self) -> None:
        self.trainer.resume()

    def stop(self) -> None:
        """Stop after the current batch, keep the weights reached, and score them."""
        self.trainer.stop()

    def abort(self) -> None:
        """Stop after the current batch and skip the evaluation and the saving (the window is closing)."""
        self._aborted = True
        self.trainer.stop()

    @property
    def paused(self) -> bool:
        return self.trainer.paused
