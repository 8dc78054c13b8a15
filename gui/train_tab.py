"""The Train tab: set up a network and its training, train it live, and hand the result on.

Left: the network (a preset chooser and the editable layer list, with output shapes and
parameter counts that follow every edit) and the training settings. Right: Start, Pause/Resume
and Stop, the progress of the run, the live loss and accuracy plots, and a log with one line per
epoch as Keras prints them.

Training runs in a :class:`gui.training_worker.TrainingWorker` thread; this tab only receives its
signals. The per-batch signal is connected directly (its slot runs on the worker thread and only
appends the report to a queue), and a 50 ms timer on the GUI thread takes what has arrived and
hands it to the plots and the progress panel, which redraw from their own timers. So a burst of
batches costs the GUI thread one wake-up, not one per batch: the window stays responsive and
training through it runs as fast as a bare ``model.fit``. The other signals (plan, epoch ends,
the outcome) are few and arrive queued as usual. A finished or stopped run becomes the session's
active model (unsaved), with its evaluation on the test images.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QLocale, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QAbstractSpinBox, QCheckBox, QComboBox, QDoubleSpinBox, QGridLayout, QGroupBox,
                               QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QSizePolicy, QSpinBox,
                               QSplitter, QVBoxLayout, QWidget)

from core.errors import SpecError, StudioError
from core.fast import FAST, effective_settings
from core.fast import explanation as fast_explanation
from core.spec import OPTIMIZERS, PRESETS, ModelSpec, TrainingSettings, describe, tutorial_cnn
from gui.widgets.layer_editor import LayerEditor
from gui.widgets.live_plots import LivePlots
from gui.widgets.network_diagram import NetworkDiagram
from gui.widgets.training_progress import TrainingProgress, format_duration

SETTINGS_SPEC = "train/spec"
SETTINGS_LIMIT = "train/limit"
SETTINGS_SMOOTHING = "train/smoothing"
DRAIN_MS = 50                  # how often batch reports are taken from the worker's queue
CUSTOM = "Custom"
DEFAULT_PRESET = "Tutorial CNN"

OPTIMIZER_TITLES = {
    "adam": "Adam",
    "sgd": "SGD (plain gradient descent)",
    "rmsprop": "RMSprop",
    "adamw": "AdamW (Adam with weight decay)",
}

# Threads that outlived abort_training's wait: kept referenced so Qt never destroys a running thread.
_still_running: list = []


class LearningRateSpinBox(QDoubleSpinBox):
    """A learning rate: shown as a plain decimal, stepped along 1-2-5 (0.0001, 0.0002, 0.0005, ...)."""

    STEPS = tuple(m * 10.0 ** e for e in range(-5, 1) for m in (1, 2, 5)) + (10.0,)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setLocale(QLocale.c())
        self.setDecimals(6)
        self.setRange(0.00001, 10.0)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return text or "0"

    def stepBy(self, steps: int) -> None:
        value = self.value()
        if steps > 0:
            higher = [s for s in self.STEPS if s > value * (1 + 1e-9)]
            index = min(steps - 1, len(higher) - 1)
            if higher:
                self.setValue(higher[index])
        elif steps < 0:
            lower = [s for s in self.STEPS if s < value * (1 - 1e-9)]
            index = max(len(lower) + steps, 0)
            if lower:
                self.setValue(lower[index])

    def stepEnabled(self):
        value = self.value()
        flags = QAbstractSpinBox.StepNone
        if value < self.maximum() * (1 - 1e-9):
            flags |= QAbstractSpinBox.StepUpEnabled
        if value > self.minimum() * (1 + 1e-9):
            flags |= QAbstractSpinBox.StepDownEnabled
        return flags


class TrainTab(QWidget):
    """The Train tab over a :class:`gui.session.Session`."""

    trainingEnded = Signal(str)   # "finished", "stopped" or "failed", after the session has been updated
    runSaved = Signal(object)     # core.runs.RunRecord: the run just ended is kept in the runs folder
    compareRequested = Signal()   # "Compare CNN vs regular network" was pressed (the Runs tab runs it)

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trainTab")
        self.session = session
        self._settings = QSettings()
        self._worker = None            # the TrainingWorker of the current (or last, still ending) run
        self._running = False          # a run is on, from Start until its outcome has been handled
        self._paused = False
        self._stopping = False
        self._aborted = False
        self._loading = False          # filling the form from a spec: do not react to each field
        self._run_source = None        # the session's data set the running model trains on
        self.last_outcome = None       # core.training.TrainingOutcome of the last run that ended
        self._inbox: deque = deque()   # batch reports put there by the worker thread
        self._plan_seen = False        # the run's plan has been handled: its batches can be shown
        self._drain_timer = QTimer(self)
        self._drain_timer.setInterval(DRAIN_MS)
        self._drain_timer.timeout.connect(self._drain)
        self._base_training = TrainingSettings()

        self._build()
        self._restore_settings()
        session.tensorflowReady.connect(self._update_controls)
        session.trainingActiveChanged.connect(self._update_controls)  # a comparison in the Runs tab
        session.datasetChanged.connect(self._on_dataset_changed)
        self._on_dataset_changed(session.dataset)

    # Construction ------------------------------------------------------------------------------

    def _build(self) -> None:
        splitter = QSplitter(Qt.Horizontal)
        splitter.setObjectName("trainSplitter")
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self._build_setup())
        splitter.addWidget(self._build_run())
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([630, 650])
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)

    def _build_setup(self) -> QWidget:
        panel = QWidget()
        panel.setMinimumWidth(540)
        column = QVBoxLayout(panel)
        column.setContentsMargins(0, 0, 6, 0)

        network = QGroupBox("Network")
        network.setObjectName("networkGroup")
        box = QVBoxLayout(network)
        top = QHBoxLayout()
        self.presetComboBox = QComboBox()
        self.presetComboBox.setObjectName("presetComboBox")
        for name in PRESETS:
            self.presetComboBox.addItem(name)
        self.presetComboBox.setToolTip(
            "Fill in a ready-made network and the training settings it was designed with:\n"
            "- Tutorial CNN: the Keras tutorial's convolutional network (about 99% test accuracy).\n"
            "- Regular neural network: a plain fully connected network, the tutorial's point of comparison.\n"
            "- Small CNN: a small convolutional network that trains in seconds, for a quick try.\n"
            "Editing the layers afterwards makes it 'Custom'.")
        self.presetComboBox.activated.connect(self._on_preset_chosen)
        preset_label = QLabel("Start from:")
        preset_label.setToolTip(self.presetComboBox.toolTip())
        top.addWidget(preset_label)
        top.addWidget(self.presetComboBox, 1)
        self.compareButton = QPushButton("Compare CNN vs regular network")
        self.compareButton.setObjectName("compareButton")
        self.compareButton.setToolTip(
            "Train the Tutorial CNN and then the Regular neural network (no convolutions: every pixel is\n"
            "connected to 512 neurons) on the same data with the same seed and epochs as set below, and\n"
            "see their accuracy, size, time and curves side by side in the Runs tab.")
        self.compareButton.clicked.connect(self.compareRequested)
        top.addWidget(self.compareButton)
        box.addLayout(top)
        self.layer_editor = LayerEditor()
        self.layer_editor.layersChanged.connect(self._on_form_changed)
        self.network_diagram = NetworkDiagram()  # the layers as blocks with their shapes; clicks explain them
        self.network_diagram.follow(self.layer_editor)
        box.addWidget(self.network_diagram)
        box.addWidget(self.layer_editor, 1)
        column.addWidget(network, 1)

        training = QGroupBox("Training settings")
        training.setObjectName("trainingGroup")
        grid = QGridLayout(training)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)

        self.epochsSpinBox = QSpinBox()
        self.epochsSpinBox.setObjectName("epochsSpinBox")
        self.epochsSpinBox.setRange(1, 1000)
        self.epochsSpinBox.setToolTip("How many times to go through all the training images.\n"
                                      "More epochs usually help, up to a point, but take longer.")
        self.batchSizeSpinBox = QSpinBox()
        self.batchSizeSpinBox.setObjectName("batchSizeSpinBox")
        self.batchSizeSpinBox.setRange(1, 4096)
        self.batchSizeSpinBox.setToolTip("How many images the model looks at before each small update of its "
                                         "weights.\nSmaller batches update more often but each update is "
                                         "noisier; the tutorial uses 32.")
        self.learningRateSpinBox = LearningRateSpinBox()
        self.learningRateSpinBox.setObjectName("learningRateSpinBox")
        self.learningRateSpinBox.setToolTip("How big each update of the weights is.\nToo high and training "
                                            "goes wild (the loss jumps or becomes NaN); too low and it learns "
                                            "slowly.\n0.001 is the usual value for Adam.")
        self.optimizerComboBox = QComboBox()
        self.optimizerComboBox.setObjectName("optimizerComboBox")
        for key in OPTIMIZERS:
            self.optimizerComboBox.addItem(OPTIMIZER_TITLES.get(key, key), key)
        self.optimizerComboBox.setToolTip("The method that turns each batch's mistakes into updates of the "
                                          "weights.\nAdam is a good default.")
        self.validationSpinBox = QSpinBox()
        self.validationSpinBox.setObjectName("validationSpinBox")
        self.validationSpinBox.setRange(0, 50)
        self.validationSpinBox.setSuffix(" %")
        self.validationSpinBox.setToolTip("The share of the training images held back (not trained on) to check, "
                                          "after every epoch,\nhow well the model does on images it has not "
                                          "learned from. 0 % skips this check.")
        self.seedSpinBox = QSpinBox()
        self.seedSpinBox.setObjectName("seedSpinBox")
        self.seedSpinBox.setRange(0, 2**31 - 1)
        self.seedSpinBox.setToolTip("A number that fixes the random choices (starting weights, shuffling),\n"
                                    "so the same settings give the same result again.")
        self.trainLimitSpinBox = QSpinBox()
        self.trainLimitSpinBox.setObjectName("trainLimitSpinBox")
        self.trainLimitSpinBox.setRange(0, 60000)
        self.trainLimitSpinBox.setSingleStep(1000)
        self.trainLimitSpinBox.setSpecialValueText("all images")
        self.trainLimitSpinBox.setSuffix(" images")
        self.trainLimitSpinBox.setToolTip("Train on only the first N training images, for a quick try.\n"
                                          "'all images' (the lowest value) uses the whole training set.")
        self.augmentCheckBox = QCheckBox("Augment training images")
        self.augmentCheckBox.setObjectName("augmentCheckBox")
        self.augmentCheckBox.setToolTip("Train on slightly shifted, rotated and zoomed copies of the images,\n"
                                        "so the model learns to read digits that are not perfectly centred "
                                        "(like your own drawings).\nTraining takes a little longer.")
        self.fastCheckBox = QCheckBox("Fast training")
        self.fastCheckBox.setObjectName("fastCheckBox")
        self.fastCheckBox.setToolTip(fast_explanation())

        fields = (("Epochs:", self.epochsSpinBox), ("Batch size:", self.batchSizeSpinBox),
                  ("Learning rate:", self.learningRateSpinBox), ("Optimizer:", self.optimizerComboBox),
                  ("Validation:", self.validationSpinBox), ("Random seed:", self.seedSpinBox),
                  ("Train on first:", self.trainLimitSpinBox))
        for index, (text, field) in enumerate(fields):
            label = QLabel(text)
            label.setBuddy(field)
            label.setToolTip(field.toolTip())
            row, pair = divmod(index, 2)
            grid.addWidget(label, row, pair * 2)
            grid.addWidget(field, row, pair * 2 + 1)
            field.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        grid.addWidget(self.augmentCheckBox, 3, 2, 1, 2)
        grid.addWidget(self.fastCheckBox, 4, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        for field in (self.epochsSpinBox, self.batchSizeSpinBox, self.validationSpinBox, self.seedSpinBox,
                      self.trainLimitSpinBox):
            field.valueChanged.connect(self._on_form_changed)
        self.learningRateSpinBox.valueChanged.connect(self._on_form_changed)
        self.optimizerComboBox.currentIndexChanged.connect(self._on_form_changed)
        self.augmentCheckBox.toggled.connect(self._on_form_changed)
        self.fastCheckBox.toggled.connect(self._on_fast_toggled)
        column.addWidget(training)
        self.setup_panel = panel
        return panel

    def _build_run(self) -> QWidget:
        panel = QWidget()
        column = QVBoxLayout(panel)
        column.setContentsMargins(6, 0, 0, 0)

        buttons = QHBoxLayout()
        self.startTrainingButton = QPushButton("Start training")
        self.startTrainingButton.setObjectName("startTrainingButton")
        self.startTrainingButton.setDefault(True)
        bold = QFont(self.startTrainingButton.font())
        bold.setBold(True)
        self.startTrainingButton.setFont(bold)
        self.startTrainingButton.setToolTip("Build the network and train it on the training images.")
        self.startTrainingButton.clicked.connect(self.start_training)
        self.pauseTrainingButton = QPushButton("Pause")
        self.pauseTrainingButton.setObjectName("pauseTrainingButton")
        self.pauseTrainingButton.setToolTip("Pause training after the current batch; press again to resume.")
        self.pauseTrainingButton.clicked.connect(self.toggle_pause)
        self.stopTrainingButton = QPushButton("Stop")
        self.stopTrainingButton.setObjectName("stopTrainingButton")
        self.stopTrainingButton.setToolTip("Stop after the current batch. The model keeps what it has learned "
                                           "so far\nand is scored on the test images.")
        self.stopTrainingButton.clicked.connect(self.stop_training)
        for button in (self.startTrainingButton, self.pauseTrainingButton, self.stopTrainingButton):
            button.setMinimumWidth(90)
            buttons.addWidget(button)
        self.hintLabel = QLabel()
        self.hintLabel.setObjectName("startHintLabel")
        self.hintLabel.setWordWrap(True)
        self.hintLabel.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        buttons.addSpacing(8)
        buttons.addWidget(self.hintLabel, 1)
        column.addLayout(buttons)

        self.progress = TrainingProgress()
        column.addWidget(self.progress)
        self.plots = LivePlots()
        self.plots.smoothingChanged.connect(
            lambda weight: self._settings.setValue(SETTINGS_SMOOTHING, float(weight)))
        column.addWidget(self.plots, 1)

        self.logView = QPlainTextEdit()
        self.logView.setObjectName("trainingLog")
        self.logView.setReadOnly(True)
        self.logView.setMaximumBlockCount(5000)
        self.logView.setLineWrapMode(QPlainTextEdit.NoWrap)
        font = QFont("monospace", 8)
        font.setStyleHint(QFont.Monospace)
        self.logView.setFont(font)
        self.logView.setPlaceholderText("One line per epoch appears here, as Keras prints it.")
        self.logView.setFixedHeight(110)
        self.logView.setToolTip("The training log: one line per epoch, as Keras prints it.")
        column.addWidget(self.logView)
        return panel

    # The form <-> ModelSpec ------------------------------------------------------------------

    def current_spec(self) -> ModelSpec:
        """The network and training settings as the form shows them now."""
        layers = self.layer_editor.layers()
        # Fields the form does not show (if any) keep the values of the spec last set.
        training = replace(
            self._base_training,
            optimizer=self.optimizerComboBox.currentData() or "adam",
            learning_rate=float(self.learningRateSpinBox.value()),
            batch_size=int(self.batchSizeSpinBox.value()),
            epochs=int(self.epochsSpinBox.value()),
            validation_split=self.validationSpinBox.value() / 100.0,
            seed=int(self.seedSpinBox.value()),
            augmentation=self.augmentCheckBox.isChecked(),
            fast=self.fastCheckBox.isChecked(),
        )
        return ModelSpec(self._matching_preset(layers) or CUSTOM, layers, training)

    def set_spec(self, spec: ModelSpec) -> None:
        """Show ``spec`` in the form (layers and training settings)."""
        self._loading = True
        try:
            settings = self._base_training = spec.training
            self.epochsSpinBox.setValue(int(settings.epochs))
            self.batchSizeSpinBox.setValue(int(settings.batch_size))
            self.learningRateSpinBox.setValue(float(settings.learning_rate))
            index = self.optimizerComboBox.findData(settings.optimizer)
            self.optimizerComboBox.setCurrentIndex(max(index, 0))
            self.validationSpinBox.setValue(int(round(settings.validation_split * 100)))
            self.seedSpinBox.setValue(int(settings.seed))
            self.augmentCheckBox.setChecked(bool(settings.augmentation))
            self.fastCheckBox.setChecked(bool(settings.fast))
            self._show_fast_overrides()
            self.layer_editor.set_layers(spec.layers)
        finally:
            self._loading = False
        self._on_form_changed()

    @staticmethod
    def _matching_preset(layers) -> str | None:
        for name, preset in PRESETS.items():
            if tuple(layers) == preset.layers:
                return name
        return None

    def _on_preset_chosen(self, index: int) -> None:
        name = self.presetComboBox.itemText(index)
        if name in PRESETS:
            self.set_spec(PRESETS[name])

    def _show_preset(self) -> None:
        name = self._matching_preset(self.layer_editor.layers()) or CUSTOM
        combo = self.presetComboBox
        custom = combo.findText(CUSTOM)
        if name == CUSTOM and custom < 0:
            combo.addItem(CUSTOM)
        elif name != CUSTOM and custom >= 0:
            combo.removeItem(custom)
        combo.setCurrentIndex(combo.findText(name))

    def _on_fast_toggled(self, checked: bool) -> None:
        if checked and not self._loading:
            self.epochsSpinBox.setValue(FAST.epochs)  # what the fast setting needs to pass 99 %
        self._show_fast_overrides()
        self._on_form_changed()

    def _show_fast_overrides(self) -> None:
        """Fast training sets the batch size, learning rate and optimizer itself."""
        fast = self.fastCheckBox.isChecked()
        for field in (self.batchSizeSpinBox, self.learningRateSpinBox, self.optimizerComboBox):
            field.setEnabled(not fast)

    def _on_form_changed(self, *_args) -> None:
        if self._loading:
            return
        self._show_preset()
        self._save_settings()
        self._update_controls()

    # Settings ----------------------------------------------------------------------------------

    def _save_settings(self) -> None:
        self._settings.setValue(SETTINGS_SPEC, self.current_spec().to_json())
        self._settings.setValue(SETTINGS_LIMIT, int(self.trainLimitSpinBox.value()))

    def _restore_settings(self) -> None:
        text = self._settings.value(SETTINGS_SPEC)
        try:
            spec = ModelSpec.from_json(str(text)) if text else tutorial_cnn()
        except (SpecError, ValueError, TypeError):
            spec = tutorial_cnn()
        try:
            limit = int(self._settings.value(SETTINGS_LIMIT, 0))
            smoothing = float(self._settings.value(SETTINGS_SMOOTHING, self.plots.smoothing))
        except (TypeError, ValueError):
            limit, smoothing = 0, self.plots.smoothing
        self._loading = True
        self.trainLimitSpinBox.setValue(max(limit, 0))
        self._loading = False
        self.plots.set_smoothing(smoothing)
        self.set_spec(spec)

    # Readiness -----------------------------------------------------------------------------------

    def _train_counts(self) -> tuple[int, int] | None:
        """(training images, held-out validation images) of the run Start would begin."""
        dataset = self.session.dataset
        if dataset is None:
            return None
        total = len(dataset.y_train)
        limit = self.trainLimitSpinBox.value()
        images = min(limit, total) if limit else total
        fraction = self.validationSpinBox.value() / 100.0
        held = int(round(images * fraction)) if fraction > 0 else 0
        return images - held, held

    def why_not_ready(self) -> str | None:
        """Why Start is not possible now, in plain words; None when it is."""
        if self._running:
            return "Training is running."
        if self.session.training_active:
            return "The comparison in the Runs tab is training; wait for it, or stop it there."
        missing = self.session.missing_to_run()
        if missing:
            return missing
        if not self.layer_editor.is_valid:
            return "Fix the network first: see the red message under the layer list."
        try:
            describe(self.current_spec())
        except SpecError as error:
            return str(error)
        train, _held = self._train_counts()
        if train < 1:
            return "No images are left to train on: lower the validation share or train on more images."
        return None

    def _ready_text(self) -> str:
        spec = self.current_spec()
        train, held = self._train_counts()
        batches = math.ceil(train / effective_settings(spec.training).batch_size)
        epochs = spec.training.epochs
        text = (f"Ready: {epochs} epoch{'s' if epochs != 1 else ''} of {batches:,} batches, "
                f"on {train:,} training images")
        return text + (f", checking on {held:,} held-out images." if held else ".")

    def _update_controls(self, *_args) -> None:
        reason = self.why_not_ready()
        running = self._running
        self.startTrainingButton.setEnabled(reason is None)
        self.compareButton.setEnabled(not self.session.training_active and self.session.tensorflow_ready
                                      and self.session.dataset is not None)
        self.pauseTrainingButton.setEnabled(running and not self._stopping)
        self.stopTrainingButton.setEnabled(running and not self._stopping)
        self.pauseTrainingButton.setText("Resume" if self._paused else "Pause")
        self.setup_panel.setEnabled(not running)
        if running:
            self.hintLabel.setText("Stopping after the current batch\u2026" if self._stopping else
                                   "Training\u2026 Pause or Stop at any time; Stop keeps what the model has "
                                   "learned so far.")
            self.hintLabel.setStyleSheet("color: #555;")
        elif reason is None:
            self.hintLabel.setText(self._ready_text())
            self.hintLabel.setStyleSheet("color: #555;")
        else:
            self.hintLabel.setText(reason)
            self.hintLabel.setStyleSheet("color: #a05000;")
        self.startTrainingButton.setToolTip("Build the network and train it on the training images."
                                            if reason is None or running else
                                            f"Start is not available: {reason}")

    def _on_dataset_changed(self, dataset) -> None:
        maximum = len(dataset.y_train) if dataset is not None else 60000
        self._loading = True
        self.trainLimitSpinBox.setMaximum(max(maximum, 1))
        self._loading = False
        self._update_controls()

    # Running -------------------------------------------------------------------------------------

    @property
    def is_training(self) -> bool:
        return self._running

    @property
    def worker(self):
        """The TrainingWorker of the current run (None before the first)."""
        return self._worker

    def start_training(self) -> bool:
        """Start training the form's network on the session's data; False if it cannot start."""
        if self.why_not_ready() is not None:
            return False
        from gui.training_worker import TrainingWorker

        spec = self.current_spec()
        source = self.session.dataset
        limit = self.trainLimitSpinBox.value()
        dataset = source.limit_train(limit) if limit else source
        try:
            worker = TrainingWorker(spec, dataset, self)
        except StudioError as error:
            self.session.report_error("Training not started", str(error))
            return False
        worker.trainingStarted.connect(self._on_started)
        inbox: deque = deque()

        def collect(progress, inbox=inbox) -> None:  # runs on the worker thread: O(1), thread-safe
            inbox.append(progress)

        worker.batchEnded.connect(collect, Qt.DirectConnection)
        worker.epochEnded.connect(self._on_epoch)
        worker.evaluationStarted.connect(self._on_evaluating)
        worker.trainingFinished.connect(self._on_finished)
        worker.trainingFailed.connect(self._on_failed)
        worker.runSaved.connect(self._on_run_saved)
        worker.runSaveFailed.connect(self._on_run_not_saved)
        worker.notice.connect(self._on_notice)
        worker.finished.connect(self._on_thread_done)

        self._worker, self._run_source = worker, source
        self._inbox, self._plan_seen = inbox, False
        self._running, self._paused, self._stopping, self._aborted = True, False, False, False
        self._save_settings()
        self.plots.clear()
        self.progress.preparing()
        self.session.set_training_active(True)
        self._update_controls()
        self._drain_timer.start()
        # The thread starts once the window has repainted for the new state: building the model
        # takes the GIL for a while, and the window should not be waiting for it half-drawn.
        QTimer.singleShot(0, self._start_worker)
        return True

    def _start_worker(self) -> None:
        worker = self._worker
        if worker is not None and self._running and not self._aborted and not worker.isRunning() \
                and not worker.isFinished():
            worker.start()

    def toggle_pause(self) -> None:
        """Pause after the current batch, or resume."""
        if not self._running or self._stopping or self._worker is None:
            return
        self._paused = not self._paused
        if self._paused:
            self._worker.pause()
        else:
            self._worker.resume()
        self.progress.set_paused(self._paused)
        self._update_controls()

    def stop_training(self) -> None:
        """Stop after the current batch; the model keeps the weights reached and is scored."""
        if not self._running or self._stopping or self._worker is None:
            return
        self._stopping = True
        if self._paused:
            self._paused = False
            self.progress.set_paused(False)
        self._worker.stop()
        self.progress.set_state("Stopping after the current batch\u2026")
        self._update_controls()

    def abort_training(self, timeout_ms: int = 2000) -> bool:
        """Stop the run without scoring it (the window is closing); wait up to ``timeout_ms`` for the
        thread to end and return whether it did. The model being trained is dropped."""
        worker = self._worker
        if worker is None:
            return True
        if not worker.isRunning():
            if self._running and not worker.isFinished():  # pressed Start, the thread not yet begun
                self._aborted = True
                self.progress.finish("Training aborted.")
                self._end_run()
            return True
        self._aborted = True
        worker.abort()
        ended = bool(worker.wait(max(0, int(timeout_ms))))
        if self._running:
            self.progress.finish("Training aborted.")
            self._end_run()
        if not ended:
            worker.setParent(None)  # never destroy a running thread along with the window
            _still_running.append(worker)
        return ended

    def _is_current(self) -> bool:
        return self.sender() is self._worker and not self._aborted

    def _on_started(self, plan) -> None:
        if not self._is_current():
            return
        batch_size = plan.spec.training.batch_size
        self.plots.start_run(plan.batches_per_epoch, batch_size, plan.train_samples, plan.epochs)
        self.progress.start(plan)
        self._plan_seen = True
        if self._paused:
            self.progress.set_paused(True)
        held = f", with {plan.validation_samples:,} held out for validation" if plan.validation_samples else ""
        text = (f"Training {plan.spec.name} ({plan.parameter_count:,} parameters)\n  on {plan.train_samples:,} "
                f"images{held}: {plan.epochs} epoch{'s' if plan.epochs != 1 else ''} of "
                f"{plan.batches_per_epoch:,} batches of {batch_size}.")
        text += f"\n  Settings: {plan.settings_note}"
        self.logView.appendPlainText(text)

    def _drain(self) -> None:
        """Hand the batch reports that have arrived to the plots and the progress panel."""
        if not self._plan_seen or self._aborted:
            return
        inbox, plots, progress = self._inbox, self.plots, self.progress
        while inbox:
            report = inbox.popleft()
            plots.add_batch(report)
            progress.add_batch(report)

    def _on_epoch(self, result) -> None:
        if not self._is_current():
            return
        self._drain()
        self.plots.add_epoch(result)
        self.progress.add_epoch(result)
        self.logView.appendPlainText(result.keras_line())

    def _on_evaluating(self) -> None:
        if not self._is_current():
            return
        self._drain()
        self.progress.set_state("Training done; scoring the model on the test images\u2026")

    def _on_finished(self, outcome, evaluation) -> None:
        if not self._is_current():
            return
        from core.model_io import check_model

        self.last_outcome = outcome
        self._drain()
        self.plots.flush()
        same_data = self.session.dataset is self._run_source
        try:
            loaded = check_model(outcome.model)
        except StudioError as error:
            self.progress.finish("Training ended, but the model is unusable.")
            self._end_run()
            self.session.report_error("Training failed", str(error))
            self.trainingEnded.emit("failed")
            return
        seconds = format_duration(outcome.train_seconds)
        if outcome.status == "stopped":
            headline = f"Stopped after {outcome.samples_trained:,} images ({seconds}); the model keeps what it learned"
        else:
            headline = f"Finished in {seconds}"
        if evaluation is not None and same_data:
            headline += f": test accuracy {evaluation.accuracy:.2%} on {evaluation.count:,} test images"
        summary = headline + "."
        self.progress.finish(summary, outcome.samples_per_second or None)
        self.logView.appendPlainText(summary + (f" ({outcome.samples_per_second:,.0f} images/s)"
                                                if outcome.samples_per_second else ""))
        self._end_run()
        # With its evaluation in the same step: the Results tab, if on screen, would score it again.
        self.session.set_model(loaded, unsaved=True, evaluation=evaluation if same_data else None)
        self.session.statusMessage.emit(f"Training {headline[0].lower()}{headline[1:]}. The new model is active in "
                                        "every tab; save it with File > Save model.")
        self.trainingEnded.emit(outcome.status)

    def _on_failed(self, message: str) -> None:
        if not self._is_current():
            return
        self._drain()
        self.plots.flush()
        self.progress.finish("Training failed.")
        self.logView.appendPlainText(f"Training failed: {message}")
        self._end_run()
        self.session.report_error("Training failed", message)
        self.trainingEnded.emit("failed")

    def _on_run_saved(self, record) -> None:
        if not self._is_current():
            return
        self.logView.appendPlainText(f"Kept as run \u201c{record.name}\u201d (see the Runs tab).")
        self.runSaved.emit(record)

    def _on_run_not_saved(self, message: str) -> None:
        if not self._is_current():
            return
        self.logView.appendPlainText(f"Not kept in the runs folder: {message}")
        self.session.report_error("Run not kept", message)

    def _on_notice(self, message: str) -> None:
        if self._is_current():
            self.logView.appendPlainText(message)
            self.session.statusMessage.emit(message)

    def _end_run(self) -> None:
        self._drain_timer.stop()
        self._running = self._paused = self._stopping = False
        self.session.set_training_active(False)
        self._update_controls()

    def _on_thread_done(self) -> None:
        worker = self.sender()
        if worker is not None and worker is self._worker:
            if self._running and not self._aborted:
                # The thread ended without reporting an outcome (an error escaped the worker).
                self.plots.flush()
                self.progress.finish("Training ended unexpectedly.")
                message = "The training thread ended without a result. The window keeps working; try again."
                self.logView.appendPlainText(message)
                self._end_run()
                self.session.report_error("Training failed", message)
                self.trainingEnded.emit("failed")
            self._worker = None
        if worker is not None and worker not in _still_running:
            worker.deleteLater()

    # Export ---------------------------------------------------------------------------------------

    def export_plots(self, folder: Path) -> list[Path]:
        """Write the loss and accuracy plots (PNG), their curves (CSV) and the log (text) to ``folder``."""
        folder = Path(folder)
        written = self.plots.export(folder)
        log = folder / "training_log.txt"
        log.write_text(self.logView.toPlainText() + "\n", encoding="utf-8")
        written.append(log)
        return written
