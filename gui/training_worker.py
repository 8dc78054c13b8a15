"""Runs core's Trainer on a worker thread and re-emits its reports as Qt signals.

The GUI thread never runs Keras work: building, fitting and the test-set evaluation that
follows all happen here. Signals are emitted from the worker thread and delivered queued to
receivers on the GUI thread; views coalesce bursts of ``batchEnded`` themselves.
"""

from __future__ import annotations

from PySide6.QtCore import QThread, Signal

from core.training import Trainer, TrainingListener


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

    def __init__(self, spec, dataset, parent=None):
        super().__init__(parent)
        self.spec = spec
        self.dataset = dataset
        self.trainer = Trainer(spec, dataset, _SignalListener(self))
        self._aborted = False

    def run(self) -> None:
        outcome = self.trainer.run()
        if outcome.status == "failed":
            self.trainingFailed.emit(outcome.message)
            return
        evaluation = None if self._aborted else self._evaluate(outcome.model)
        self.trainingFinished.emit(outcome, evaluation)

    def _evaluate(self, model):
        from core.evaluation import evaluate

        if not len(self.dataset.x_test):
            return None
        self.evaluationStarted.emit()
        return evaluate(model, self.dataset.x_test, self.dataset.y_test)

    # Control, from the GUI thread ---------------------------------------------------------

    def pause(self) -> None:
        self.trainer.pause()

    def resume(self) -> None:
        self.trainer.resume()

    def stop(self) -> None:
        """Stop after the current batch, keep the weights reached, and score them."""
        self.trainer.stop()

    def abort(self) -> None:
        """Stop after the current batch and skip the evaluation (the window is closing)."""
        self._aborted = True
        self.trainer.stop()

    @property
    def paused(self) -> bool:
        return self.trainer.paused
