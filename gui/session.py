"""What the window is working with: the data set, the active model, its last evaluation.

One ``Session`` is shared by every tab. Tabs read its fields and listen to its signals; they
change it only through its methods, so that every view hears of every change.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal


class Session(QObject):
    datasetChanged = Signal(object)      # core.data.Dataset or None
    modelChanged = Signal(object)        # core.model_io.LoadedModel or None
    evaluationChanged = Signal(object)   # core.evaluation.Evaluation or None (scored on dataset's test split)
    tensorflowReady = Signal()
    trainingActiveChanged = Signal(bool)
    # A request to show images in the Data tab: split ("train"/"test"), true digit, predicted digit
    # (either may be None). The Results tab's confusion matrix sends it; the main window switches tabs.
    showImagesRequested = Signal(str, object, object)
    statusMessage = Signal(str)          # a passing note for the status bar
    errorOccurred = Signal(str, str)     # title, message: shown to the user in a message box

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.dataset = None
        self.model = None
        self.model_unsaved = False       # a model trained in this session and not yet saved
        self.evaluation = None
        self.tensorflow_ready = False
        self.training_active = False

    @property
    def model_path(self) -> Path | None:
        return self.model.path if self.model is not None else None

    def set_dataset(self, dataset) -> None:
        self.dataset = dataset
        self.datasetChanged.emit(dataset)
        self.set_evaluation(None)  # an evaluation belongs to the data it was made on

    def set_model(self, loaded, unsaved: bool = False, evaluation=None) -> None:
        """Make ``loaded`` (a core.model_io.LoadedModel) the active model of every tab, with its
        ``evaluation`` on the current data if it has one already (a model just trained has)."""
        self.model = loaded
        self.model_unsaved = unsaved
        self.evaluation = evaluation  # before telling anyone: no tab should see the old model's
        self.modelChanged.emit(loaded)
        self.evaluationChanged.emit(evaluation)

    def missing_to_run(self) -> str | None:
        """What is missing before a model can be trained or scored, in plain words; None if nothing."""
        if not self.tensorflow_ready:
            return "Waiting for TensorFlow to start (it takes a few seconds)\u2026"
        if self.dataset is None:
            return "Load a data set first (File > Open dataset\u2026)."
        return None

    def open_model(self, path) -> None:
        """Load a model file in the background and make it active; on failure say why, and the
        active model stays. (TensorFlow must be imported: the main window waits for it.)"""
        from core.model_io import load_model
        from gui.tasks import run_task

        self.statusMessage.emit(f"Loading model {Path(path).name}...")

        def loaded(model) -> None:
            self.set_model(model)
            self.statusMessage.emit(f"Loaded model {Path(path).name} ({model.parameter_count:,} parameters)")

        run_task(lambda: load_model(path), loaded,
                 lambda message: self.report_error("Model not loaded",
                                                   f"{message}\n\nThe previous model is still active."),
                 context=self)

    def mark_saved(self, path: Path) -> None:
        if self.model is not None:
            self.model.path = Path(path)
            self.model.name = Path(path).stem
        self.model_unsaved = False
        self.modelChanged.emit(self.model)

    def set_evaluation(self, evaluation) -> None:
        self.evaluation = evaluation
        self.evaluationChanged.emit(evaluation)

    def set_tensorflow_ready(self) -> None:
        self.tensorflow_ready = True
        self.tensorflowReady.emit()

    def set_training_active(self, active: bool) -> None:
        self.training_active = active
        self.trainingActiveChanged.emit(active)

    def report_error(self, title: str, message: str) -> None:
        self.errorOccurred.emit(title, message)
