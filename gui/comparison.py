"""Compare CNN vs regular network: the tutorial's two networks trained one after the other.

A :class:`Comparison` trains the "Tutorial CNN" and then the "Regular neural network" presets on
the same data with the same seed and number of epochs (their other settings are the tutorial's),
each in its own :class:`gui.training_worker.TrainingWorker` thread, so both runs are scored on
the test images and kept in the runs folder like any other. It only orchestrates: whoever shows
the comparison follows ``stepStarted`` (to show the running worker's progress) and ``ended``.
Nothing here touches the session's active model.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from core.spec import PRESETS, ModelSpec

COMPARED_PRESETS = ("Tutorial CNN", "Regular neural network")

# Threads that outlived abort's wait: kept referenced so Qt never destroys a running thread.
_still_running: list = []


def comparison_specs(epochs: int, seed: int) -> list[ModelSpec]:
    """The two networks compared, with the tutorial's settings but ``epochs`` and ``seed``."""
    return [PRESETS[name].with_training(epochs=int(epochs), seed=int(seed)) for name in COMPARED_PRESETS]


@dataclass
class ComparisonStep:
    """One network of the comparison and how its training went."""

    spec: ModelSpec
    outcome: object = None        # core.training.TrainingOutcome, once it ended (None if it failed)
    evaluation: object = None     # core.evaluation.Evaluation on the test images, or None
    record: object = None         # core.runs.RunRecord of the saved run, or None
    error: str = ""               # why training failed, or why the run could not be saved

    @property
    def status(self) -> str:
        if self.outcome is not None:
            return self.outcome.status
        return "failed" if self.error else "not run"


class Comparison(QObject):
    """Trains the compared networks one after the other; single use."""

    stepStarted = Signal(int, object)   # index of the network (0, 1), its TrainingWorker (not yet started)
    stepEnded = Signal(int, object)     # index, its ComparisonStep
    ended = Signal(str, list)           # "finished", "stopped" or "failed"; the ComparisonSteps

    def __init__(self, dataset, epochs: int, seed: int, parent: QObject | None = None, *, store=None,
                 run_label: str = "comparison"):
        """``store``: the core.runs.RunStore to keep both runs in (None: the user's runs folder)."""
        super().__init__(parent)
        from core.runs import RunStore

        self.dataset = dataset
        self.steps = [ComparisonStep(spec) for spec in comparison_specs(epochs, seed)]
        self.store = store if store is not None else RunStore()
        self.run_label = run_label
        self.worker = None             # the TrainingWorker running now
        self._index = -1
        self._stopped = False
        self._aborted = False
        self._status = ""              # set once ended

    @property
    def running(self) -> bool:
        return self._index >= 0 and not self._status

    @property
    def status(self) -> str:
        """"" while running (or before start); then how it ended."""
        return self._status

    @property
    def current_index(self) -> int:
        return self._index

    def start(self) -> None:
        if self._index < 0:
            self._next()

    def stop(self) -> None:
        """Stop the network training now (it is kept, scored and saved) and skip the rest."""
        if not self.running:
            return
        self._stopped = True
        if self.worker is not None:
            self.worker.stop()

    def abort(self, timeout_ms: int = 2000) -> bool:
        """End without scoring or saving (the window is closing); whether the thread ended in time."""
        self._aborted = self._stopped = True
        worker = self.worker
        if worker is None or not worker.isRunning():
            self._end("stopped")
            return True
        worker.abort()
        done = bool(worker.wait(max(0, int(timeout_ms))))
        if not done:
            worker.setParent(None)  # never destroy a running thread along with its parent
            _still_running.append(worker)
        self._end("stopped")
        return done

    # Steps --------------------------------------------------------------------------------

    def _next(self) -> None:
        from gui.training_worker import TrainingWorker

        self._index += 1
        index = self._index
        step = self.steps[index]
        name = f"{step.spec.name} ({self.run_label})"
        worker = TrainingWorker(step.spec, self.dataset, self, store=self.store, run_name=name)
        worker.trainingFinished.connect(lambda outcome, evaluation: self._on_trained(index, outcome, evaluation))
        worker.trainingFailed.connect(lambda message: self._on_failed(index, message))
        worker.runSaved.connect(lambda record: setattr(self.steps[index], "record", record))
        worker.runSaveFailed.connect(lambda message: setattr(self.steps[index], "error", message))
        worker.finished.connect(lambda: self._on_thread_done(index))
        self.worker = worker
        self.stepStarted.emit(index, worker)
        worker.start()

    def _on_trained(self, index: int, outcome, evaluation) -> None:
        step = self.steps[index]
        step.outcome, step.evaluation = outcome, evaluation

    def _on_failed(self, index: int, message: str) -> None:
        self.steps[index].error = message

    def _on_thread_done(self, index: int) -> None:
        if self.worker is not None and self.worker not in _still_running:
            self.worker.deleteLater()
        self.worker = None
        if self._status or index != self._index:
            return
        step = self.steps[index]
        self.stepEnded.emit(index, step)
        if step.outcome is None:
            self._end("failed")
        elif self._stopped or step.outcome.status == "stopped":
            self._end("stopped")
        elif index + 1 < len(self.steps):
            self._next()
        else:
            self._end("finished")

    def _end(self, status: str) -> None:
        if self._status:
            return
        self._status = status
        if self._index < 0:
            self._index = 0
        self.ended.emit(status, list(self.steps))
