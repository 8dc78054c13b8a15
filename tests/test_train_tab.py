"""Tests of gui.train_tab: the form, Start's readiness, remembered settings, and real (short)
training runs from the window: finish, pause and resume, stop, failure, abort, export."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QCheckBox, QComboBox, QSlider

from core.data import Dataset
from core.spec import conv2d, dense, flatten, small_cnn, tutorial_cnn
from core.training import BatchProgress, EpochResult
from gui.session import Session
from gui.train_tab import LearningRateSpinBox, TrainTab

RUN_TIMEOUT_MS = 240_000  # generous: the machine is shared and TensorFlow is slow to start


@pytest.fixture
def isolated_settings(tmp_path, qapp):
    """QSettings written under tmp_path, never into the user's real settings."""
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(tmp_path / "settings"))
    yield tmp_path / "settings"
    QSettings().clear()


def tiny_dataset(n_train: int = 64, n_test: int = 16) -> Dataset:
    rng = np.random.default_rng(0)
    return Dataset(rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8), (np.arange(n_train) % 10).astype(np.uint8),
                   rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8), (np.arange(n_test) % 10).astype(np.uint8),
                   "synthetic")


@pytest.fixture
def make_tab(qtbot, isolated_settings):
    tabs = []

    def make(session: Session | None = None) -> TrainTab:
        tab = TrainTab(session or Session())
        qtbot.addWidget(tab)
        tab.resize(1280, 760)
        tabs.append(tab)
        return tab

    yield make
    for tab in tabs:
        assert tab.abort_training(timeout_ms=60_000)


@pytest.fixture
def errors():
    return []


@pytest.fixture
def ready_tab(make_tab, mnist, errors):
    """A tab over real MNIST (600 training and 500 test images) with TensorFlow ready, set up for a
    quick run: the Small CNN, 1 epoch, batch 32."""
    import keras  # noqa: F401  (the window imports it in the background; here, up front)

    session = Session()
    session.errorOccurred.connect(lambda title, message: errors.append((title, message)))
    session.set_dataset(mnist.limit_train(600).limit_test(500))
    session.set_tensorflow_ready()
    tab = make_tab(session)
    tab.set_spec(small_cnn().with_training(epochs=1, batch_size=32))
    return tab


def run_to_end(qtbot, tab) -> str:
    with qtbot.waitSignal(tab.trainingEnded, timeout=RUN_TIMEOUT_MS) as ended:
        pass
    return ended.args[0]


# The form ---------------------------------------------------------------------------------------


def test_required_object_names(make_tab):
    tab = make_tab()
    for name in ("epochsSpinBox", "batchSizeSpinBox", "startTrainingButton", "pauseTrainingButton",
                 "stopTrainingButton", "lossPlot", "accuracyPlot"):
        assert tab.findChild(object, name) is not None, name
    assert tab.findChild(object, "lossPlot") is tab.plots.lossPlot


def test_defaults_to_the_tutorial_cnn(make_tab):
    tab = make_tab()
    assert tab.presetComboBox.currentText() == "Tutorial CNN"
    assert tab.current_spec() == tutorial_cnn()
    assert tab.epochsSpinBox.value() == 3 and tab.batchSizeSpinBox.value() == 32


def test_every_input_control_has_a_tooltip(make_tab):
    tab = make_tab()
    controls = [widget for kind in (QAbstractSpinBox, QComboBox, QCheckBox, QAbstractButton, QSlider)
                for widget in tab.findChildren(kind) if not widget.objectName().startswith("qt_")]
    assert len(controls) > 25
    missing = [f"{type(w).__name__} {w.objectName()!r} {getattr(w, 'text', lambda: '')()!r}"
               for w in controls if not w.toolTip().strip()]
    assert not missing


def test_preset_fills_layers_and_settings_and_edits_make_it_custom(make_tab):
    tab = make_tab()
    index = tab.presetComboBox.findText("Small CNN")
    tab.presetComboBox.setCurrentIndex(index)
    tab.presetComboBox.activated.emit(index)
    assert tab.layer_editor.layers() == small_cnn().layers
    assert tab.batchSizeSpinBox.value() == 64 and tab.epochsSpinBox.value() == 1
    assert tab.current_spec().name == "Small CNN"
    tab.layer_editor.settings_widget(5).input("units").setValue(32)
    assert tab.presetComboBox.currentText() == "Custom"
    assert tab.current_spec().name == "Custom"
    tab.layer_editor.settings_widget(5).input("units").setValue(64)
    assert tab.presetComboBox.currentText() == "Small CNN"
    assert tab.presetComboBox.findText("Custom") < 0


def test_form_makes_the_spec(make_tab):
    tab = make_tab()
    tab.epochsSpinBox.setValue(5)
    tab.batchSizeSpinBox.setValue(128)
    tab.learningRateSpinBox.setValue(0.0005)
    tab.optimizerComboBox.setCurrentIndex(tab.optimizerComboBox.findData("sgd"))
    tab.validationSpinBox.setValue(20)
    tab.seedSpinBox.setValue(7)
    tab.augmentCheckBox.setChecked(True)
    training = tab.current_spec().training
    assert (training.epochs, training.batch_size, training.learning_rate, training.optimizer,
            training.validation_split, training.seed, training.augmentation) == (5, 128, 0.0005, "sgd", 0.2, 7, True)


def test_learning_rate_steps_along_one_two_five(qtbot):
    box = LearningRateSpinBox()
    qtbot.addWidget(box)
    box.setValue(0.001)
    assert box.text() == "0.001"
    box.stepBy(1)
    assert box.value() == pytest.approx(0.002)
    box.stepBy(-2)
    assert box.value() == pytest.approx(0.0005)
    box.setValue(0.0003)
    box.stepBy(1)
    assert box.value() == pytest.approx(0.0005)
    box.setValue(0.00001)
    assert box.text() == "0.00001"


def test_settings_are_remembered(make_tab):
    tab = make_tab()
    tab.set_spec(small_cnn())
    tab.epochsSpinBox.setValue(4)
    tab.learningRateSpinBox.setValue(0.002)
    tab.layer_editor.add_layer("dropout")
    tab.trainLimitSpinBox.setValue(5000)
    tab.plots.set_smoothing(0.5)
    expected = tab.current_spec()
    again = make_tab()
    assert again.current_spec() == expected
    assert again.trainLimitSpinBox.value() == 5000
    assert again.plots.smoothing == pytest.approx(0.5)
    assert again.presetComboBox.currentText() == "Custom"


def test_unreadable_remembered_spec_falls_back_to_the_tutorial(make_tab):
    QSettings().setValue("train/spec", "{not json")
    assert make_tab().current_spec() == tutorial_cnn()


# Start's readiness ---------------------------------------------------------------------------------


def test_start_waits_for_tensorflow_and_data(make_tab):
    session = Session()
    tab = make_tab(session)
    start = tab.startTrainingButton
    assert not start.isEnabled() and "TensorFlow" in tab.hintLabel.text()
    session.set_tensorflow_ready()
    assert not start.isEnabled() and "Load a data set" in tab.hintLabel.text()
    assert "Load a data set" in start.toolTip()
    session.set_dataset(tiny_dataset(1000))
    assert start.isEnabled()
    assert tab.hintLabel.text().startswith("Ready: 3 epochs of 29 batches, on 900 training images")
    assert not tab.pauseTrainingButton.isEnabled() and not tab.stopTrainingButton.isEnabled()
    tab.trainLimitSpinBox.setValue(100)
    assert "on 90 training images" in tab.hintLabel.text()
    assert tab.trainLimitSpinBox.maximum() == 1000


def test_invalid_architecture_disables_start_with_the_reason(make_tab):
    session = Session()
    session.set_tensorflow_ready()
    session.set_dataset(tiny_dataset())
    tab = make_tab(session)
    assert tab.startTrainingButton.isEnabled()
    tab.layer_editor.set_layers((dense(64), conv2d(8, 3), flatten()))
    assert not tab.startTrainingButton.isEnabled()
    assert not tab.start_training()
    error = tab.layer_editor.errorLabel
    assert not error.isHidden() and "Layer 1" in error.text() and "Flatten" in error.text()
    assert "red" in error.styleSheet() or "#c00000" in error.styleSheet()
    assert "Fix the network" in tab.hintLabel.text()
    tab.layer_editor.set_layers((flatten(), dense(64)))
    assert tab.startTrainingButton.isEnabled() and error.isHidden()


def test_export_plots_writes_png_csv_and_log(make_tab, tmp_path):
    tab = make_tab()
    tab.plots.start_run(10, 32, 320)
    for batch in range(10):
        tab.plots.add_batch(BatchProgress(0, batch, 10, 1.0 - batch / 20, 0.1 * batch))
    result = EpochResult(0, 1, 0.8, 0.5, 0.7, 0.6, 1.0)
    tab.plots.add_epoch(result)
    tab.logView.appendPlainText(result.keras_line())
    written = tab.export_plots(tmp_path / "plots")
    assert sorted(p.name for p in written) == ["training_accuracy.png", "training_batches.csv",
                                               "training_epochs.csv", "training_log.txt", "training_loss.png"]
    assert all(p.stat().st_size > 0 for p in written)
    with open(tmp_path / "plots" / "training_batches.csv") as stream:
        assert len(list(csv.reader(stream))) == 11
    assert "Epoch 1/1" in (tmp_path / "plots" / "training_log.txt").read_text()


def test_progress_sums_itself_up_for_the_window_title(qtbot):
    from core.training import TrainingPlan
    from gui.widgets.training_progress import TrainingProgress

    progress = TrainingProgress()
    qtbot.addWidget(progress)
    said = []
    progress.summaryChanged.connect(said.append)
    progress.preparing()
    progress.start(TrainingPlan(small_cnn(), 3200, 0, 50, 2, 1000))  # 2 epochs of 50 batches of 64
    for batch in range(25):
        progress.add_batch(BatchProgress(1, batch, 50, 1.0, 0.5))
    progress._refresh()
    progress.set_paused(True)
    progress.set_paused(False)
    progress.finish("Stopped.")
    assert said == ["0% trained", "75% trained", "paused at 75%", "75% trained", ""]


def test_abort_without_a_run(make_tab):
    assert make_tab().abort_training(timeout_ms=10) is True


# Real training runs ---------------------------------------------------------------------------------


@pytest.mark.real_data
def test_train_from_the_window_then_save_and_load(qtbot, isolated_settings, mnist, tmp_path):
    """The whole path through the real main window: Start, live plots and progress, the log, the
    trained model and its evaluation in the session, saving it as .h5 and loading it back."""
    from core.model_io import load_model, predict_probabilities, save_model
    from gui.main_window import MainWindow
    from gui.tasks import wait_for_tasks

    window = MainWindow(load_defaults=False)
    qtbot.addWidget(window)
    window.resize(1280, 820)
    window.show()
    session, tab = window.session, window.train_tab
    errors = []
    session.errorOccurred.connect(lambda title, message: errors.append((title, message)))
    window.tabs.setCurrentWidget(tab)
    session.set_dataset(mnist.limit_test(500))
    qtbot.waitUntil(lambda: session.tensorflow_ready, timeout=RUN_TIMEOUT_MS)
    tab.set_spec(small_cnn().with_training(epochs=1, batch_size=32))
    tab.trainLimitSpinBox.setValue(600)
    active = []
    session.trainingActiveChanged.connect(active.append)
    titles = []
    window.windowTitleChanged.connect(titles.append)
    assert window.windowTitle() == "MNIST CNN Studio"

    assert tab.startTrainingButton.isEnabled()
    tab.startTrainingButton.click()
    assert tab.is_training and not tab.startTrainingButton.isEnabled()
    assert tab.pauseTrainingButton.isEnabled() and tab.stopTrainingButton.isEnabled()
    assert not tab.setup_panel.isEnabled()  # no edits while training
    assert run_to_end(qtbot, tab) == "finished"

    assert not errors
    assert active == [True, False]
    outcome = tab.last_outcome
    assert outcome.status == "finished" and outcome.plan.train_samples == 540  # 600 less 10% validation
    assert tab.plots.batch_count == outcome.plan.batches_per_epoch == 17
    assert tab.plots.epoch_count == 1
    x, _ = tab.plots.loss_curves["raw"].getOriginalDataset()
    assert len(x) == 17  # the curves were redrawn with every batch
    assert tab.progress.batchProgress.value() == 17 and tab.progress.epochProgress.value() == 1
    log = tab.logView.toPlainText()
    assert outcome.epochs[0].keras_line() in log
    assert "test accuracy" in log
    assert session.model is not None and session.model_unsaved
    # The title followed the run (it is what shows in the task bar) and now names the new,
    # unsaved model.
    assert any(title.startswith("0% trained \u00b7 ") for title in titles)
    assert window.windowTitle() == f"{session.model.name}[*] \u2014 MNIST CNN Studio" and window.isWindowModified()
    assert session.evaluation is not None and session.evaluation.count == 500
    assert 0.0 <= session.evaluation.accuracy <= 1.0
    assert tab.startTrainingButton.isEnabled() and tab.setup_panel.isEnabled()

    path = save_model(session.model.model, tmp_path / "trained.h5")
    session.mark_saved(path)  # so closing the window asks nothing
    assert window.windowTitle() == "trained[*] \u2014 MNIST CNN Studio" and not window.isWindowModified()
    loaded = load_model(path)
    images = mnist.x_test[:20]
    np.testing.assert_allclose(predict_probabilities(loaded.model, images),
                               predict_probabilities(session.model.model, images), atol=1e-5)
    wait_for_tasks()  # other tabs react to the new model in the background


@pytest.mark.real_data
def test_pause_then_resume(qtbot, ready_tab, errors):
    tab = ready_tab
    tab.set_spec(tab.current_spec().with_training(batch_size=16))
    assert tab.start_training()
    tab.pauseTrainingButton.click()  # before the first batch has ended: it pauses right after it
    assert tab.pauseTrainingButton.text() == "Resume"
    qtbot.waitUntil(lambda: tab.plots.batch_count >= 1, timeout=RUN_TIMEOUT_MS)
    assert tab.worker.paused
    seen = tab.plots.batch_count
    qtbot.wait(400)
    assert tab.plots.batch_count == seen < 34  # nothing trains while paused
    assert "Paused" in tab.progress.stateLabel.text()
    tab.pauseTrainingButton.click()
    assert tab.pauseTrainingButton.text() == "Pause"
    assert run_to_end(qtbot, tab) == "finished"
    assert tab.plots.batch_count == 34 and not errors
    assert tab.session.model is not None


@pytest.mark.real_data
def test_stop_mid_run_keeps_the_model(qtbot, ready_tab, errors):
    tab = ready_tab
    tab.set_spec(tab.current_spec().with_training(batch_size=16, epochs=2))
    assert tab.start_training()
    tab.toggle_pause()  # hold it after its first batch, so Stop lands mid-run
    qtbot.waitUntil(lambda: tab.plots.batch_count >= 1, timeout=RUN_TIMEOUT_MS)
    tab.stopTrainingButton.click()
    assert not tab.stopTrainingButton.isEnabled() and not tab.pauseTrainingButton.isEnabled()
    assert run_to_end(qtbot, tab) == "stopped"
    outcome = tab.last_outcome
    assert outcome.status == "stopped" and outcome.model is not None
    assert outcome.samples_trained < 2 * outcome.plan.train_samples
    assert tab.session.model is not None and tab.session.model_unsaved
    assert tab.session.evaluation is not None  # the weights reached are scored too
    assert "Stopped" in tab.progress.stateLabel.text()
    assert not errors
    assert tab.startTrainingButton.isEnabled()


@pytest.mark.real_data
def test_failure_is_reported_and_the_tab_keeps_working(qtbot, ready_tab, errors, monkeypatch):
    import core.model_io

    def broken(*_args, **_kwargs):
        raise RuntimeError("out of memory (simulated)")

    monkeypatch.setattr(core.model_io, "build_model", broken)
    tab = ready_tab
    assert tab.start_training()
    assert run_to_end(qtbot, tab) == "failed"
    assert errors and errors[0][0] == "Training failed" and "out of memory" in errors[0][1]
    assert "failed" in tab.logView.toPlainText()
    assert tab.session.model is None
    assert not tab.is_training and not tab.session.training_active
    assert tab.startTrainingButton.isEnabled()


def test_a_failed_evaluation_still_hands_over_the_trained_model(qtbot, ready_tab, errors, monkeypatch):
    import core.evaluation

    def broken(*_args, **_kwargs):
        raise MemoryError("no room to score (simulated)")

    monkeypatch.setattr(core.evaluation, "evaluate", broken)
    tab = ready_tab
    assert tab.start_training()
    assert run_to_end(qtbot, tab) == "finished"
    assert tab.session.model is not None and tab.session.evaluation is None
    assert "could not be scored" in tab.logView.toPlainText() and not errors


@pytest.mark.real_data
def test_abort_ends_the_thread_and_drops_the_run(qtbot, ready_tab):
    tab = ready_tab
    assert tab.start_training()
    tab.toggle_pause()
    qtbot.waitUntil(lambda: tab.plots.batch_count >= 1, timeout=RUN_TIMEOUT_MS)
    worker = tab.worker
    assert tab.abort_training(timeout_ms=60_000) is True
    assert worker.isFinished()
    assert not tab.is_training and not tab.session.training_active
    qtbot.wait(100)  # the run's last signals arrive and are ignored
    assert tab.session.model is None and tab.session.evaluation is None


@pytest.mark.real_data
@pytest.mark.qt_no_exception_capture
def test_a_worker_that_dies_without_a_result_is_reported(qtbot, ready_tab, errors, monkeypatch):
    from gui.training_worker import TrainingWorker

    def broken(self, model):
        raise RuntimeError("scoring crashed (simulated)")

    monkeypatch.setattr(TrainingWorker, "_evaluate", broken)
    tab = ready_tab
    assert tab.start_training()
    assert run_to_end(qtbot, tab) == "failed"
    assert errors and errors[-1][0] == "Training failed"
    assert not tab.is_training and tab.startTrainingButton.isEnabled()


def test_fast_training_switch_sets_the_spec_and_locks_what_it_overrides(make_tab):
    from core.fast import FAST

    tab = make_tab()
    assert not tab.fastCheckBox.isChecked() and tab.fastCheckBox.toolTip()
    tab.fastCheckBox.setChecked(True)
    spec = tab.current_spec()
    assert spec.training.fast and spec.training.epochs == FAST.epochs
    assert not tab.batchSizeSpinBox.isEnabled() and not tab.learningRateSpinBox.isEnabled()
    tab.fastCheckBox.setChecked(False)
    assert tab.batchSizeSpinBox.isEnabled() and not tab.current_spec().training.fast
