"""The Data tab: the virtual browser, its split / digit / model filters, jumping, the detail
view, the summary, the Results tab's requests -- on a small slice and on the real file."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QListView

from core.selection import ORDER_CONFIDENT
from gui.data_tab import LOADING_TEXT, NO_DATA_TEXT, DataTab
from gui.session import Session
from tests.test_results_tab import fake_evaluation, small_dataset


def make_tab(qtbot, dataset=None) -> tuple[Session, DataTab]:
    session = Session()
    tab = DataTab(session)
    qtbot.addWidget(tab)
    tab.resize(1200, 760)
    tab.show()
    if dataset is not None:
        session.set_dataset(dataset)
    return session, tab


def rows(tab: DataTab) -> int:
    view = tab.findChild(QListView, "sampleBrowser")
    return view.model().rowCount()


def choose(tab: DataTab, name: str, data) -> None:
    combo = tab.findChild(QComboBox, name)
    combo.setCurrentIndex(combo.findData(data))


# Filtering, without widgets -------------------------------------------------------------------


def test_empty_state_before_and_without_data(qtbot):
    session, tab = make_tab(qtbot)
    assert tab.pages.currentWidget() is tab.empty_label
    assert tab.empty_label.text() == LOADING_TEXT
    session.set_dataset(None)
    assert tab.empty_label.text() == NO_DATA_TEXT and "File &gt; Open dataset..." in NO_DATA_TEXT
    session.set_dataset(small_dataset())
    assert tab.pages.currentWidget() is tab.body


def test_split_and_digit_filters_on_a_slice(qtbot):
    dataset = small_dataset(n_train=250, n_test=120)
    _session, tab = make_tab(qtbot, dataset)
    assert tab.current_split() == "train" and rows(tab) == 250
    choose(tab, "splitComboBox", "test")
    assert rows(tab) == 120
    choose(tab, "digitFilterComboBox", 4)
    np.testing.assert_array_equal(tab.shown_indices(), np.flatnonzero(dataset.y_test == 4))
    assert tab.count_label.text() == f"Showing {rows(tab)} of 120 images"
    assert tab.distribution_chart.highlighted == (4,)
    # The model filters wait for an evaluation.
    assert not tab.mistakes_check.isEnabled() and not tab.predicted_combo.isEnabled()


def test_summary_counts_distribution_and_mean_images(qtbot):
    dataset = small_dataset(n_train=250, n_test=120)
    _session, tab = make_tab(qtbot, dataset)
    assert "Training set: <b>250</b>" in tab.summary_label.text()
    assert "Test set: <b>120</b>" in tab.summary_label.text()
    np.testing.assert_array_equal(tab.distribution_chart.values(), np.bincount(dataset.y_train, minlength=10))
    assert tab.means_grid.model().rowCount() == 10
    expected = np.rint(dataset.x_train[dataset.y_train == 7].mean(axis=0)).astype(np.uint8)
    np.testing.assert_allclose(tab.means_grid.grid_model.images[7], expected, atol=1)
    # Clicking a bar or a mean image sets the digit filter.
    tab.distribution_chart.barClicked.emit(2)
    assert tab.digit == 2 and rows(tab) == np.sum(dataset.y_train == 2)
    tab.means_grid.imageClicked.emit(9)
    assert tab.digit == 9


def test_mistakes_filter_needs_a_matching_evaluation(qtbot):
    dataset = small_dataset(n_train=100, n_test=300)
    session, tab = make_tab(qtbot, dataset)
    evaluation = fake_evaluation(dataset.y_test, seed=3)
    session.set_evaluation(evaluation)
    assert not tab.mistakes_check.isEnabled()  # still on the training split
    choose(tab, "splitComboBox", "test")
    assert tab.mistakes_check.isEnabled()
    tab.mistakes_check.setChecked(True)
    np.testing.assert_array_equal(tab.shown_indices(), evaluation.mistakes())  # surest first
    assert rows(tab) == np.sum(evaluation.predictions != evaluation.labels)
    choose(tab, "digitFilterComboBox", 6)
    wrong_sixes = evaluation.mistakes()
    wrong_sixes = wrong_sixes[evaluation.labels[wrong_sixes] == 6]
    np.testing.assert_array_equal(tab.shown_indices(), wrong_sixes)
    first = int(wrong_sixes[0])
    assert tab.grid.grid_model.caption(0) == (
        f"6\u2192{evaluation.predictions[first]} {evaluation.confidences[first] * 100:.0f}%")

    # An evaluation of other images is not used for this split.
    session.set_evaluation(fake_evaluation(dataset.y_test[:50]))
    assert not tab.mistakes_check.isEnabled() and rows(tab) == np.sum(dataset.y_test == 6)


def test_show_images_request_sets_split_and_filters(qtbot):
    dataset = small_dataset(n_train=100, n_test=300)
    session, tab = make_tab(qtbot, dataset)
    evaluation = fake_evaluation(dataset.y_test, seed=5)
    session.set_evaluation(evaluation)
    session.showImagesRequested.emit("test", 4, 9)
    assert tab.current_split() == "test" and tab.digit == 4 and tab.predicted == 9
    assert tab.order == ORDER_CONFIDENT
    np.testing.assert_array_equal(tab.shown_indices(), evaluation.indices(true=4, predicted=9))

    session.showImagesRequested.emit("train", 2, None)
    assert tab.current_split() == "train" and tab.predicted is None
    np.testing.assert_array_equal(tab.shown_indices(), np.flatnonzero(dataset.y_train == 2))


def test_detail_view_shows_value_under_cursor_and_probabilities(qtbot):
    dataset = small_dataset(n_train=100, n_test=300)
    session, tab = make_tab(qtbot, dataset)
    choose(tab, "splitComboBox", "test")
    index = 17
    rect = tab.grid.visualRect(tab.grid.model().index(index))
    qtbot.mouseClick(tab.grid.viewport(), Qt.LeftButton, pos=rect.center())
    assert tab.side_tabs.currentWidget() is tab.detail
    detail = tab.detail
    np.testing.assert_array_equal(detail.pixel_view.image, dataset.x_test[index])
    title = detail.title_label.text()
    assert f"#{index}" in title and f"label <b>{dataset.y_test[index]}</b>" in title
    assert not detail.probability_chart.isVisible()  # no model
    assert "Open or train a model" in detail.prediction_label.text()

    view = detail.pixel_view
    QApplication.processEvents()  # let the layout settle before computing where the pixels are
    for row, column in ((3, 20), (14, 14)):
        qtbot.mouseMove(view, view.pixel_center(row, column).toPoint())
        value = int(dataset.x_test[index][row, column])
        qtbot.waitUntil(lambda: detail.value_label.text() ==
                        f"Pixel (row {row}, column {column}): value {value}")
    assert view.pixel_at(view.pixel_center(0, 27)) == (0, 27)
    assert view.pixel_at(view.image_rect().bottomRight() + QPointF(5, 5)) is None

    evaluation = fake_evaluation(dataset.y_test, seed=2)
    session.set_evaluation(evaluation)  # the open image now shows the model's probabilities
    assert detail.probability_chart.isVisible()
    np.testing.assert_allclose(detail.probability_chart.values(), evaluation.probabilities[index])
    assert detail.probability_chart.highlighted == (int(evaluation.predictions[index]),)


def test_detail_asks_the_model_when_there_is_no_evaluation(qtbot):
    from core.model_io import build_model, check_model
    from core.spec import small_cnn

    dataset = small_dataset(n_train=50, n_test=20)
    session, tab = make_tab(qtbot, dataset)
    session.set_model(check_model(build_model(small_cnn())))
    probabilities, note = tab.probabilities_for("train", 3)
    assert probabilities is None and "TensorFlow" in note  # not marked ready yet
    session.set_tensorflow_ready()
    tab._on_image_clicked(3)
    probabilities = tab.detail.probability_chart.values()
    assert probabilities.shape == (10,) and abs(probabilities.sum() - 1) < 1e-4
    assert tab.detail.probability_chart.isVisible()
    assert "Computed by the model" in tab.detail.prediction_label.text()


def test_jump_to_an_index_scrolls_there_and_clears_hiding_filters(qtbot):
    dataset = small_dataset(n_train=2000, n_test=100)
    _session, tab = make_tab(qtbot, dataset)
    tab.jump_spin.setValue(1234)
    tab.jump_button.click()
    grid = tab.grid
    assert grid.current_image() == 1234
    qtbot.waitUntil(lambda: grid.viewport().rect().intersects(grid.visualRect(grid.model().index(1234))))
    assert tab.detail.index == 1234

    choose(tab, "digitFilterComboBox", int(dataset.y_train[5]) + 1 if dataset.y_train[5] < 9 else 0)
    assert tab.jump_to(5)  # hidden by the digit filter: filters are cleared
    assert tab.digit is None and grid.current_image() == 5
    assert not tab.jump_to(2000)


def test_an_extra_split_can_be_browsed(qtbot):
    _session, tab = make_tab(qtbot, small_dataset())
    mine = np.zeros((7, 28, 28), np.uint8)
    tab.set_extra_split("mine", "My digits", mine, np.array([1, 2, 3, 1, 2, 3, 1]))
    combo = tab.findChild(QComboBox, "splitComboBox")
    assert combo.itemText(combo.findData("mine")) == "My digits (7)"
    tab.set_split("mine")
    assert rows(tab) == 7
    choose(tab, "digitFilterComboBox", 1)
    assert rows(tab) == 3
    tab.remove_extra_split("mine")
    assert combo.findData("mine") == -1 and tab.current_split() == "train"


# The real file ---------------------------------------------------------------------------------


@pytest.mark.real_data
def test_filters_on_the_real_file(qtbot, mnist):
    session, tab = make_tab(qtbot, mnist)
    view = tab.findChild(QListView, "sampleBrowser")
    assert view.model().rowCount() == 60_000
    for split in ("train", "test"):
        choose(tab, "splitComboBox", split)
        labels = mnist.split(split)[1]
        assert rows(tab) == len(labels)
        for digit in (0, 7):
            choose(tab, "digitFilterComboBox", digit)
            assert rows(tab) == np.sum(labels == digit)
        choose(tab, "digitFilterComboBox", None)
        assert rows(tab) == len(labels)

    evaluation = fake_evaluation(mnist.y_test, seed=7, right=0.97)
    session.set_evaluation(evaluation)
    choose(tab, "splitComboBox", "test")
    tab.mistakes_check.setChecked(True)
    assert rows(tab) == np.sum(evaluation.predictions != evaluation.labels)
    np.testing.assert_array_equal(tab.shown_indices(), evaluation.mistakes())
    session.showImagesRequested.emit("test", 4, 9)
    assert not tab.mistakes_check.isChecked()
    assert rows(tab) == evaluation.confusion_matrix[4, 9]

    choose(tab, "splitComboBox", "train")
    assert tab.jump_to(54_321)
    grid = tab.grid
    qtbot.waitUntil(lambda: grid.viewport().rect().intersects(grid.visualRect(grid.model().index(54_321))))
    assert not grid.grab().isNull()
