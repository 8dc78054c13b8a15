"""The Runs tab and run saving by the training worker: runs are listed and sort by their numbers,
damaged run folders are listed greyed with the reason, selected runs are overlaid and shown side by
side with their differences, rename and delete (after confirmation) work, models open in Results or
Draw, the Keras-logs setting is kept; the worker saves every run and reports a failed save without
losing the model."""

import copy
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox

from core.data import Dataset
from core.evaluation import evaluate
from core.runs import RunRecorder, RunStore
from core.spec import parameter_count, regular_network, small_cnn, tutorial_cnn
from core.training import Trainer
from gui.runs_tab import COLUMNS, DAMAGED_COLOR, RUN_ROLE, RunsTab
from gui.session import Session
from gui.training_worker import KERAS_LOGS_SETTING, TrainingWorker, keras_logs_enabled

TIMEOUT_MS = 300_000


@pytest.fixture(scope="module")
def tiny(mnist):
    return Dataset(mnist.x_train[:256], mnist.y_train[:256], mnist.x_test[:100], mnist.y_test[:100], "slice")


@pytest.fixture(scope="module")
def trained(tiny):
    recorder = RunRecorder()
    outcome = Trainer(small_cnn().with_training(epochs=1, batch_size=64, validation_split=0.25), tiny, recorder).run()
    assert outcome.status == "finished"
    return recorder, outcome, evaluate(outcome.model, tiny.x_test, tiny.y_test)


@pytest.fixture
def store(tmp_path, trained):
    """Three runs (one recording saved under three specs and timings) and one damaged folder."""
    recorder, outcome, evaluation = trained
    store = RunStore(tmp_path / "runs")

    def save(name, spec, seconds):
        as_if = copy.copy(recorder)
        as_if.plan = replace(recorder.plan, spec=spec, parameter_count=parameter_count(spec))
        return store.save(as_if, replace(outcome, train_seconds=seconds), evaluation, name, spec=spec)

    save("small", small_cnn(), 9.0)
    save("tutorial", tutorial_cnn(), 100.0)
    save("regular", regular_network().with_training(learning_rate=0.01), 20.0)
    broken = save("broken", small_cnn(), 1.0)
    (broken.folder / "run.json").write_text("{ not json")
    return store


@pytest.fixture
def session():
    session = Session()
    session.set_tensorflow_ready()
    return session


@pytest.fixture
def tab(qtbot, session, store):
    tab = RunsTab(session, store=store)
    qtbot.addWidget(tab)
    assert tab.runs() == []  # the folder is read when the tab is shown
    tab.refresh()
    return tab


def rows(tab):
    return [[tab.proxy.index(r, c).data() for c in range(len(COLUMNS))] for r in range(tab.proxy.rowCount())]


def names(tab):
    return [row[0] for row in rows(tab)]


def select(tab, *wanted):
    tab.select_runs([run.id for run in tab.runs() if run.name in wanted])


def test_lists_runs_and_a_damaged_folder_greyed_with_the_reason(tab):
    assert [tab.model.headerData(c, Qt.Horizontal) for c in range(len(COLUMNS))] == \
        ["Name", "Date", "Preset", "Status", "Epochs", "Test accuracy", "Train time", "Parameters"]
    listed = {row[0]: row for row in rows(tab)}
    assert len(listed) == 4
    damaged = next(name for name in listed if name not in ("small", "tutorial", "regular"))
    assert listed[damaged][3] == "damaged" and listed[damaged][5] == ""
    assert listed["tutorial"][2] == "Tutorial CNN" and listed["tutorial"][3] == "finished"
    assert listed["tutorial"][4] == "1" and listed["tutorial"][6] == "1 min 40 s"
    assert listed["small"][6] == "9.0 s" and listed["tutorial"][7] == "1,111,946"
    row = names(tab).index(damaged)
    index = tab.proxy.index(row, 0)
    assert index.data(Qt.ForegroundRole) == DAMAGED_COLOR
    assert "not valid JSON" in index.data(Qt.ToolTipRole)
    assert index.data(RUN_ROLE).damaged


@pytest.mark.parametrize("column, ascending", [
    (6, ["small", "regular", "tutorial"]),     # train time: 9 s < 20 s < 100 s (not as text)
    (7, ["small", "regular", "tutorial"]),     # parameters, as numbers
    (0, ["regular", "small", "tutorial"]),
])
def test_sorts_by_any_column_numbers_as_numbers(tab, column, ascending):
    tab.table.sortByColumn(column, Qt.AscendingOrder)
    assert [name for name in names(tab) if name in ascending] == ascending
    tab.table.sortByColumn(column, Qt.DescendingOrder)
    assert [name for name in names(tab) if name in ascending] == ascending[::-1]


def test_selected_runs_are_overlaid_shown_side_by_side_with_their_differences(tab):
    overlays = []
    tab.overlaysChanged.connect(overlays.append)
    select(tab, "tutorial", "regular")
    assert sorted(label for label, _history in overlays[-1]) == ["regular", "tutorial"]
    assert all(len(history.batch_loss) == 3 for _label, history in overlays[-1])
    assert tab.plots.overlay_count == 2
    table = tab.sideBySideTable
    assert sorted(table.horizontalHeaderItem(c).text() for c in range(table.columnCount())) == ["regular", "tutorial"]
    differences = dict(tab.differences())
    assert "Layer 1" in differences and differences["Learning rate"] in (["0.001", "0.01"], ["0.01", "0.001"])
    assert tab.details.tabText(1) == f"How they differ ({len(differences)})"
    assert tab.differencesTable.rowCount() == len(differences)

    select(tab)  # nothing selected: no overlays
    assert overlays[-1] == [] and tab.plots.overlay_count == 0
    assert tab.sideBySideTable.columnCount() == 1 and "Select runs" in tab.sideBySideTable.item(0, 0).text()


def test_damaged_runs_are_not_overlaid_but_can_be_deleted(tab, monkeypatch, store):
    damaged = next(run for run in tab.runs() if run.damaged)
    tab.select_runs([damaged.id])
    assert tab.selected_runs() == [] and tab.plots.overlay_count == 0
    assert not tab.renameButton.isEnabled() and not tab.openResultsButton.isEnabled()
    assert tab.deleteButton.isEnabled()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    assert tab.delete_selected()
    assert damaged.id not in {run.id for run in tab.runs()} and not damaged.folder.exists()


def test_rename(tab, monkeypatch, store):
    select(tab, "small")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("  my favourite ", True))
    assert tab.rename_selected()
    assert "my favourite" in names(tab) and "small" not in names(tab)
    assert [run.name for run in tab.selected_runs()] == ["my favourite"]  # still selected
    assert "my favourite" in {run.name for run in store.list_runs()}
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("ignored", False))
    assert not tab.rename_selected()


def test_delete_asks_first(tab, monkeypatch, store):
    select(tab, "tutorial", "regular")
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, text, *a: asked.append(text) or QMessageBox.No)
    assert not tab.delete_selected()
    assert "these 2 runs" in asked[0] and "cannot be undone" in asked[0]
    assert len(store.list_runs()) == 4
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    assert tab.delete_selected()
    assert sorted(names(tab))[-1] == "small" and len(store.list_runs()) == 2


def test_an_empty_runs_folder_says_what_will_appear_there(qtbot, session, tmp_path, monkeypatch, store):
    empty = RunsTab(session, store=RunStore(tmp_path / "no runs yet"))
    qtbot.addWidget(empty)
    empty.refresh()
    assert empty.tableStack.currentWidget() is empty.emptyRunsLabel
    assert "No runs yet" in empty.emptyRunsLabel.text() and "main.py train" in empty.emptyRunsLabel.text()
    full = RunsTab(session, store=store)
    qtbot.addWidget(full)
    full.refresh()
    assert full.tableStack.currentWidget() is full.table
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    full.select_runs([run.id for run in full.runs()])
    assert full.delete_selected()
    assert full.tableStack.currentWidget() is full.emptyRunsLabel


def test_open_a_runs_model_in_results_or_draw(tab, session):
    requests = []
    tab.openModelRequested.connect(lambda path, where: requests.append((path, where)))
    select(tab, "tutorial")
    record = tab.selected_runs()[0]
    assert tab.openResultsButton.isEnabled() and tab.openDrawButton.isEnabled()
    tab.openResultsButton.click()
    tab.openDrawButton.click()
    assert requests == [(str(record.model_path), "results"), (str(record.model_path), "draw")]
    session.set_training_active(True)  # not while a model trains
    assert not tab.openResultsButton.isEnabled() and not tab.open_selected("results")


def test_the_keras_logs_setting_is_off_by_default_and_kept(tab, qtbot, session, store):
    assert not keras_logs_enabled() and not tab.kerasLogsCheckBox.isChecked()
    assert "tensorboard" in tab.kerasLogsCheckBox.toolTip().lower()
    tab.kerasLogsCheckBox.setChecked(True)
    assert keras_logs_enabled()
    again = RunsTab(session, store=store)
    qtbot.addWidget(again)
    assert again.kerasLogsCheckBox.isChecked()
    from PySide6.QtCore import QSettings

    assert QSettings().value(KERAS_LOGS_SETTING, type=bool)
    assert str(store.folder) in tab.folderLabel.text()


# The worker saves runs ------------------------------------------------------------------------------


def test_the_worker_saves_every_run_then_reports_it(qtbot, tiny, tmp_path):
    store = RunStore(tmp_path / "runs")
    spec = small_cnn().with_training(epochs=1, batch_size=64)
    worker = TrainingWorker(spec, tiny, store=store, run_name="worker run", keras_logs=True)
    order = []
    worker.trainingFinished.connect(lambda outcome, evaluation: order.append(("finished", outcome, evaluation)))
    worker.runSaved.connect(lambda record: order.append(("saved", record)))
    worker.runSaveFailed.connect(lambda message: order.append(("failed", message)))
    with qtbot.waitSignal(worker.finished, timeout=TIMEOUT_MS):
        worker.start()
    qtbot.waitUntil(lambda: len(order) == 2, timeout=10_000)
    assert [entry[0] for entry in order] == ["finished", "saved"]
    _, outcome, evaluation = order[0]
    record = order[1][1]
    assert record is worker.record and record.name == "worker run" and record.spec == spec
    assert record.test_accuracy == pytest.approx(evaluation.accuracy) and record.data_source == "slice"
    assert "log.csv" in record.logs and (record.folder / "log.csv").is_file()
    assert [run.id for run in store.list_runs()] == [record.id]


def test_a_failed_save_is_reported_and_the_model_is_not_lost(qtbot, tiny, tmp_path):
    blocker = tmp_path / "not a folder"
    blocker.write_text("a file where the runs folder should be")
    worker = TrainingWorker(small_cnn().with_training(epochs=1, batch_size=64), tiny, store=RunStore(blocker))
    finished, failures = [], []
    worker.trainingFinished.connect(lambda outcome, evaluation: finished.append(outcome))
    worker.runSaveFailed.connect(failures.append)
    with qtbot.waitSignal(worker.finished, timeout=TIMEOUT_MS):
        worker.start()
    qtbot.waitUntil(lambda: bool(finished) and bool(failures), timeout=10_000)
    assert finished[0].status == "finished" and finished[0].model is not None
    assert "could not be saved" in failures[0] or "Cannot write runs" in failures[0]
    assert "File > Save model" in failures[0]


def test_a_worker_without_a_store_keeps_nothing(qtbot, tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_STUDIO_RUNS", str(tmp_path / "runs"))
    worker = TrainingWorker(small_cnn().with_training(epochs=1, batch_size=64), tiny, store=None)
    with qtbot.waitSignal(worker.finished, timeout=TIMEOUT_MS):
        worker.start()
    assert worker.record is None and not (tmp_path / "runs").exists()


# In the window ----------------------------------------------------------------------------------------


def test_in_the_window_selected_runs_overlay_the_train_plots_and_open_in_results(qtbot, trained, tiny, monkeypatch):
    from gui.main_window import MainWindow
    from gui.tasks import wait_for_tasks

    monkeypatch.setattr(QMessageBox, "warning", lambda *a: pytest.fail(f"unexpected message {a[1:]}"))
    recorder, outcome, evaluation = trained
    record = RunStore().save(recorder, outcome, evaluation, "window run")  # the (isolated) user runs folder
    win = MainWindow(load_defaults=False)
    qtbot.addWidget(win)
    win._closing_confirmed = True
    try:
        assert [win.tabs.tabText(i) for i in range(win.tabs.count())][3] == "Runs"
        runs_tab = win.runs_tab
        win.show()
        win.tabs.setCurrentWidget(runs_tab)  # showing the tab reads the runs folder
        assert [run.id for run in runs_tab.runs()] == [record.id]
        runs_tab.select_runs([record.id])
        assert win.train_tab.plots.overlay_count == 1 and runs_tab.plots.overlay_count == 1
        runs_tab.select_runs([])
        assert win.train_tab.plots.overlay_count == 0

        win.session.set_dataset(tiny)
        qtbot.waitUntil(lambda: win.session.tensorflow_ready, timeout=TIMEOUT_MS)
        runs_tab.select_runs([record.id])
        runs_tab.openResultsButton.click()
        assert win.tabs.currentWidget() is win.results_tab
        qtbot.waitUntil(lambda: win.session.evaluation is not None, timeout=TIMEOUT_MS)
        assert win.session.model.path == record.model_path
        assert win.session.evaluation.accuracy == pytest.approx(record.test_accuracy)
    finally:
        wait_for_tasks()


def test_the_train_tab_keeps_each_run_and_hands_it_on(qtbot, tiny):
    from gui.train_tab import TrainTab

    session = Session()
    session.set_dataset(tiny)
    session.set_tensorflow_ready()
    tab = TrainTab(session)
    qtbot.addWidget(tab)
    tab.set_spec(small_cnn().with_training(epochs=1, batch_size=64))
    saved = []
    tab.runSaved.connect(saved.append)
    with qtbot.waitSignal(tab.trainingEnded, timeout=TIMEOUT_MS):
        assert tab.start_training()
    qtbot.waitUntil(lambda: bool(saved), timeout=10_000)
    assert [run.id for run in RunStore().list_runs()] == [saved[0].id]   # the user's (isolated) runs folder
    assert saved[0].preset == "Small CNN" and f"Kept as run \u201c{saved[0].name}\u201d" in tab.logView.toPlainText()


def test_the_train_tab_waits_for_a_comparison_and_asks_for_one(qtbot, tiny):
    from gui.train_tab import TrainTab

    session = Session()
    session.set_dataset(tiny)
    session.set_tensorflow_ready()
    tab = TrainTab(session)
    qtbot.addWidget(tab)
    assert tab.startTrainingButton.isEnabled() and tab.compareButton.isEnabled()
    session.set_training_active(True)  # as the Runs tab does while its comparison trains
    assert not tab.startTrainingButton.isEnabled() and not tab.compareButton.isEnabled()
    assert "comparison" in tab.why_not_ready() and not tab.start_training()
    session.set_training_active(False)
    assert tab.startTrainingButton.isEnabled()
    with qtbot.waitSignal(tab.compareRequested, timeout=1000):
        tab.compareButton.click()


def test_the_train_tabs_compare_button_runs_the_comparison_with_its_settings(qtbot, tiny, monkeypatch):
    from core.spec import tutorial_cnn
    from gui.main_window import MainWindow
    from gui.tasks import wait_for_tasks

    monkeypatch.setattr(QMessageBox, "warning", lambda *a: pytest.fail(f"unexpected message {a[1:]}"))
    win = MainWindow(load_defaults=False)
    qtbot.addWidget(win)
    win._closing_confirmed = True
    try:
        win.session.set_dataset(tiny)
        qtbot.waitUntil(lambda: win.session.tensorflow_ready, timeout=TIMEOUT_MS)
        win.train_tab.set_spec(tutorial_cnn().with_training(epochs=1, seed=5))
        win.train_tab.trainLimitSpinBox.setValue(150)
        with qtbot.waitSignal(win.runs_tab.comparisonEnded, timeout=TIMEOUT_MS) as ended:
            win.train_tab.compareButton.click()
            assert win.tabs.currentWidget() is win.runs_tab and win.runs_tab.comparison_running
            assert not win.train_tab.startTrainingButton.isEnabled()
        assert ended.args == ["finished"]
        records = [step.record for step in win.runs_tab.last_comparison]
        assert all(r.train_samples + r.validation_samples == 150 and r.spec.training.seed == 5
                   and r.epochs_planned == 1 for r in records)
        assert win.train_tab.plots.overlay_count == 2 and win.train_tab.startTrainingButton.isEnabled()
    finally:
        wait_for_tasks()
