"""The Results tab: accuracy and loss, per-digit bars, the confusion matrix and its cells, the
gallery, the empty state, and evaluating a model in the background."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.data import Dataset
from core.evaluation import Evaluation
from gui.results_tab import MISTAKE_LIMIT, ResultsTab, format_percent
from gui.session import Session


def fake_evaluation(labels: np.ndarray, seed: int = 0, right: float = 0.8) -> Evaluation:
    """An Evaluation of ``labels``: about ``right`` of them read correctly, varied confidences."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels).astype(np.int64)
    n = len(labels)
    predicted = np.where(rng.random(n) < right, labels, (labels + rng.integers(1, 10, n)) % 10)
    top = rng.uniform(0.3, 0.999, n)
    probabilities = np.repeat(((1 - top) / 9)[:, None], 10, axis=1)
    probabilities[np.arange(n), predicted] = top
    return Evaluation(labels=labels, probabilities=probabilities.astype(np.float32))


def small_dataset(n_train: int = 100, n_test: int = 400, seed: int = 1) -> Dataset:
    rng = np.random.default_rng(seed)
    images = lambda n: rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)  # noqa: E731
    labels = lambda n: (np.arange(n) % 10).astype(np.uint8)  # noqa: E731
    return Dataset(images(n_train), labels(n_train), images(n_test), labels(n_test), source="test slice")


@pytest.fixture
def session_with_evaluation(qtbot):
    session = Session()
    dataset = small_dataset()
    session.set_dataset(dataset)
    tab = ResultsTab(session)
    qtbot.addWidget(tab)
    tab.resize(1100, 700)
    tab.show()
    evaluation = fake_evaluation(dataset.y_test)
    session.set_evaluation(evaluation)
    return session, tab, evaluation


def test_empty_state_says_what_to_do(qtbot):
    session = Session()
    tab = ResultsTab(session)
    qtbot.addWidget(tab)
    assert tab.pages.currentWidget() is tab.empty_label
    text = tab.empty_label.text()
    assert "Train a model in the Train tab" in text and "File &gt; Open model..." in text
    assert "Evaluate" in text
    assert not tab.evaluate_button.isEnabled()
    assert tab.findChild(type(tab.accuracy_label), "testAccuracyLabel").text() == "–"


def test_shows_accuracy_loss_bars_and_confusion_counts(session_with_evaluation):
    session, tab, evaluation = session_with_evaluation
    assert tab.pages.currentWidget() is tab.body
    label = tab.findChild(type(tab.accuracy_label), "testAccuracyLabel")
    assert re.fullmatch(r"\d{1,3}\.\d\d %", label.text())
    assert label.text() == f"{evaluation.accuracy * 100:.2f} %"
    assert format_percent(0.99123) == "99.12 %"
    assert f"{evaluation.loss:.4f}" in tab.loss_label.text()

    matrix = tab.findChild(type(tab.confusion_matrix), "confusionMatrix")
    expected = evaluation.confusion_matrix
    np.testing.assert_array_equal(matrix.matrix(), expected)
    shown = np.array([[int(matrix.cell_text(t, p)) for p in range(10)] for t in range(10)])
    np.testing.assert_array_equal(shown, expected)

    np.testing.assert_allclose(tab.class_chart.values(), evaluation.per_class_accuracy)
    assert tab.class_chart.highlighted == (int(np.nanargmin(evaluation.per_class_accuracy)),)


def test_gallery_starts_with_the_most_confident_mistakes(session_with_evaluation):
    _session, tab, evaluation = session_with_evaluation
    np.testing.assert_array_equal(tab.gallery.shown_indices(), evaluation.mistakes(limit=MISTAKE_LIMIT))
    model = tab.gallery.grid_model
    first = int(evaluation.mistakes()[0])
    assert model.caption(0).startswith(f"{evaluation.labels[first]}\u2192{evaluation.predictions[first]} ")
    assert "Most confident mistakes" in tab.gallery_title.text()


def test_clicking_a_cell_requests_its_images_and_fills_the_gallery(qtbot, session_with_evaluation):
    session, tab, evaluation = session_with_evaluation
    matrix = tab.confusion_matrix
    true, predicted = np.unravel_index(np.argmax(evaluation.confusion_matrix - np.diag([10**6] * 10)),
                                       (10, 10))  # the fullest off-diagonal cell
    true, predicted = int(true), int(predicted)
    with qtbot.waitSignal(session.showImagesRequested) as request:
        qtbot.mouseClick(matrix.viewport(), Qt.LeftButton, pos=matrix.cell_center(true, predicted))
    assert request.args == ["test", true, predicted]
    assert tab.shown_cell == (true, predicted)
    np.testing.assert_array_equal(tab.gallery.shown_indices(), evaluation.indices(true=true, predicted=predicted))
    assert len(tab.gallery.shown_indices()) == evaluation.confusion_matrix[true, predicted]
    assert f"{true}s read as {predicted}" in tab.gallery_title.text()

    # A diagonal cell, through the widget's own method.
    with qtbot.waitSignal(session.showImagesRequested) as request:
        matrix.click_cell(3, 3)
    assert request.args == ["test", 3, 3]
    np.testing.assert_array_equal(tab.gallery.shown_indices(), evaluation.indices(true=3, predicted=3))

    tab.mistakes_button.click()
    np.testing.assert_array_equal(tab.gallery.shown_indices(), evaluation.mistakes(limit=MISTAKE_LIMIT))
    assert matrix.selected_cell is None


def test_a_gallery_image_opens_its_detail(qtbot, session_with_evaluation):
    session, tab, evaluation = session_with_evaluation
    index = int(tab.gallery.shown_indices()[0])
    tab.gallery.imageClicked.emit(index)
    dialog = tab._detail
    assert dialog is not None and dialog.isVisible()
    np.testing.assert_array_equal(dialog.view.pixel_view.image, session.dataset.x_test[index])
    np.testing.assert_allclose(dialog.view.probability_chart.values(), evaluation.probabilities[index])
    assert f"#{index}" in dialog.view.title_label.text()
    dialog.close()


def test_clearing_the_evaluation_returns_to_the_empty_state(session_with_evaluation):
    session, tab, _evaluation = session_with_evaluation
    session.set_evaluation(None)
    assert tab.pages.currentWidget() is tab.empty_label
    assert tab.confusion_matrix.matrix() is None
    assert tab.gallery.model().rowCount() == 0


def test_evaluate_button_scores_the_model_in_the_background(qtbot):
    from core.model_io import build_model, check_model
    from core.spec import small_cnn
    from gui.tasks import wait_for_tasks

    session = Session()
    tab = ResultsTab(session)
    qtbot.addWidget(tab)
    dataset = small_dataset(n_train=10, n_test=64)
    session.set_dataset(dataset)
    assert not tab.evaluate_button.isEnabled()  # no model yet
    session.set_model(check_model(build_model(small_cnn())))  # untrained: any probabilities will do
    assert not tab.evaluate_button.isEnabled()  # TensorFlow not marked ready
    session.set_tensorflow_ready()
    assert tab.evaluate_button.isEnabled()
    assert "has not been" in tab.empty_label.text()

    with qtbot.waitSignal(session.evaluationChanged, timeout=120_000):
        tab.evaluate_button.click()
        assert tab.evaluating and not tab.evaluate_button.isEnabled()
    wait_for_tasks()
    evaluation = session.evaluation
    assert evaluation is not None and evaluation.count == 64
    np.testing.assert_array_equal(evaluation.labels, dataset.y_test)
    assert tab.evaluate_button.isEnabled()
    assert tab.accuracy_label.text() == format_percent(evaluation.accuracy)


def test_a_cell_opens_filtered_in_the_data_tab(qtbot):
    from gui.data_tab import DataTab

    session = Session()
    results, data = ResultsTab(session), DataTab(session)
    qtbot.addWidget(results)
    qtbot.addWidget(data)
    dataset = small_dataset()
    session.set_dataset(dataset)
    evaluation = fake_evaluation(dataset.y_test, seed=4)
    session.set_evaluation(evaluation)
    results.confusion_matrix.click_cell(2, 7)
    assert data.current_split() == "test"
    np.testing.assert_array_equal(data.shown_indices(), evaluation.indices(true=2, predicted=7))
    np.testing.assert_array_equal(results.gallery.shown_indices(), data.shown_indices())


def test_an_unscored_model_is_scored_when_the_tab_is_looked_at_once(qtbot, monkeypatch):
    """Opening Results with a loaded model shows its results without a click; a model that cannot
    be scored is reported once, not every time the tab is shown again."""
    from core.model_io import build_model, check_model
    from core.spec import small_cnn
    from gui.tasks import wait_for_tasks

    session = Session()
    session.set_dataset(small_dataset(n_train=10, n_test=64))
    session.set_tensorflow_ready()
    session.set_model(check_model(build_model(small_cnn())))
    tab = ResultsTab(session)
    qtbot.addWidget(tab)
    assert session.evaluation is None and not tab.evaluating  # not on screen: nothing is scored
    with qtbot.waitSignal(session.evaluationChanged, timeout=120_000):
        tab.show()
    wait_for_tasks()
    assert session.evaluation is not None and session.evaluation.count == 64

    errors = []
    session.errorOccurred.connect(lambda title, message: errors.append(title))
    import core.evaluation

    monkeypatch.setattr(core.evaluation, "evaluate", lambda *a, **k: (_ for _ in ()).throw(ValueError("broken")))
    session.set_model(check_model(build_model(small_cnn())))  # a new model, while the tab is shown
    qtbot.waitUntil(lambda: errors == ["Evaluation failed"], timeout=120_000)
    wait_for_tasks()
    tab.hide()
    tab.show()
    QApplication.processEvents()
    wait_for_tasks()
    assert errors == ["Evaluation failed"] and session.evaluation is None
    assert tab.evaluate_button.isEnabled()  # pressing it tries again


def test_a_model_that_comes_with_its_evaluation_is_not_scored_again(qtbot):
    """A model just trained arrives with its evaluation (the training worker scored it): the
    Results tab, on screen, shows that one rather than scoring the model a second time."""
    from core.model_io import build_model, check_model
    from core.spec import small_cnn

    session = Session()
    dataset = small_dataset(n_train=10, n_test=64)
    session.set_dataset(dataset)
    session.set_tensorflow_ready()
    tab = ResultsTab(session)
    qtbot.addWidget(tab)
    tab.show()
    evaluation = fake_evaluation(dataset.y_test)
    session.set_model(check_model(build_model(small_cnn())), unsaved=True, evaluation=evaluation)
    assert not tab.evaluating and session.evaluation is evaluation
    assert tab.accuracy_label.text() == format_percent(evaluation.accuracy)
