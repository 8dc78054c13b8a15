"""Compare CNN vs regular network: a short comparison (small slices, 1 epoch) trains both networks on
the same data and seed, keeps two runs that the Runs view lists, selects, shows side by side and
overlays; stopping it keeps what was trained and skips the rest."""

import pytest
from PySide6.QtCore import Qt

from core.data import Dataset
from core.runs import RunStore
from gui.comparison import COMPARED_PRESETS, Comparison, comparison_specs
from gui.runs_tab import RunsTab
from gui.session import Session

TIMEOUT_MS = 300_000


@pytest.fixture(scope="module")
def tiny(mnist):
    return Dataset(mnist.x_train[:300], mnist.y_train[:300], mnist.x_test[:100], mnist.y_test[:100], "slice")


@pytest.fixture
def session(tiny):
    session = Session()
    session.set_dataset(tiny)
    session.set_tensorflow_ready()
    return session


def test_the_compared_networks_share_seed_and_epochs():
    cnn, regular = comparison_specs(epochs=2, seed=7)
    assert (cnn.name, regular.name) == COMPARED_PRESETS
    assert cnn.training == regular.training
    assert cnn.training.epochs == 2 and cnn.training.seed == 7 and cnn.training.batch_size == 32


def test_a_short_comparison_keeps_two_runs_that_the_runs_view_lists_and_overlays(qtbot, session, tmp_path):
    store = RunStore(tmp_path / "runs")
    tab = RunsTab(session, store=store)
    qtbot.addWidget(tab)
    tab.comparison_settings = lambda: (200, 1, 7)   # the first 200 training images, 1 epoch, seed 7
    assert tab.compareButton.isEnabled() and "1 epoch each on the first 200 training images" in tab.compareLabel.text()
    overlays = []
    tab.overlaysChanged.connect(overlays.append)
    with qtbot.waitSignal(tab.comparisonEnded, timeout=TIMEOUT_MS) as ended:
        assert tab.start_comparison()
        assert session.training_active and not tab.compareButton.isEnabled()
        assert not tab.start_comparison()  # one at a time
    assert ended.args == ["finished"]
    assert not session.training_active and session.model is None  # the active model is left alone

    steps = tab.last_comparison
    assert [step.spec.name for step in steps] == list(COMPARED_PRESETS)
    assert all(step.status == "finished" and step.record is not None and not step.error for step in steps)
    cnn, regular = (step.record for step in steps)
    for record in (cnn, regular):
        assert record.spec.training.seed == 7 and record.epochs_completed == 1
        assert record.train_samples == 180 and record.validation_samples == 20 and record.test_samples == 100
        assert record.name == f"{record.preset} (comparison)"
    assert cnn.preset == "Tutorial CNN" and regular.preset == "Regular neural network"
    assert cnn.parameter_count > regular.parameter_count

    # Listed, both selected, side by side, their differences, and both curves on the plots.
    assert {run.id for run in tab.runs()} == {cnn.id, regular.id}
    assert {run.id for run in tab.selected_runs()} == {cnn.id, regular.id}
    assert [label for label, _history in overlays[-1]] == [r.name for r in tab.selected_runs()]
    assert tab.plots.overlay_count == 2
    table = tab.sideBySideTable
    assert table.columnCount() == 2
    titles = [table.verticalHeaderItem(row).text() for row in range(table.rowCount())]
    for title in ("Test accuracy", "Parameters", "Training time", "Digit 0", "Digit 9"):
        assert title in titles
    row = titles.index("Test accuracy")
    shown = {table.horizontalHeaderItem(c).text().replace("\n", " "): table.item(row, c).text() for c in range(2)}
    assert shown[cnn.name] == f"{cnn.test_accuracy:.2%}" and shown[regular.name] == f"{regular.test_accuracy:.2%}"
    differences = dict(tab.differences())
    assert "Layer 1" in differences and "Random seed" not in differences and "Training images" not in differences
    assert tab.differencesTable.rowCount() == len(differences)
    assert "Compared: test accuracy Tutorial CNN" in tab.compareLabel.text()


def test_stopping_a_comparison_keeps_the_run_trained_so_far_and_skips_the_rest(qtbot, tiny, tmp_path):
    store = RunStore(tmp_path / "runs")
    comparison = Comparison(tiny, epochs=2, seed=3, store=store)
    started = []

    def stop_early(index, worker):
        started.append(index)
        # Stop at the second batch, from the training thread itself: no timing involved.
        worker.batchEnded.connect(lambda progress: progress.batch == 1 and comparison.stop(), Qt.DirectConnection)

    comparison.stepStarted.connect(stop_early)
    with qtbot.waitSignal(comparison.ended, timeout=TIMEOUT_MS) as ended:
        comparison.start()
    status, steps = ended.args
    assert status == "stopped" and started == [0]
    assert steps[0].status == "stopped" and steps[0].record.status == "stopped"
    assert steps[1].status == "not run" and steps[1].record is None
    assert [run.id for run in store.list_runs()] == [steps[0].record.id]
    assert not comparison.running and comparison.status == "stopped"
