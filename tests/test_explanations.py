"""Explanations for non-programmers: every input control has a tooltip, the "What is this?"
panel follows the pointer (and costs nothing while hidden), the glossary covers the concepts
with pictures, and error messages speak to the user."""

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QApplication, QCheckBox, QComboBox, QLineEdit,
                               QSlider, QWidget)

from gui import glossary
from gui.explanations import apply_explanations, is_internal_part, resolve
from gui.main_window import MainWindow
from gui.tasks import wait_for_tasks

INPUT_CONTROLS = (QAbstractSpinBox, QComboBox, QAbstractButton, QSlider, QLineEdit, QCheckBox)


@pytest.fixture
def window(qtbot):
    win = MainWindow(load_defaults=False)
    qtbot.addWidget(win)
    win._closing_confirmed = True
    yield win
    wait_for_tasks()


def describe(widget: QWidget) -> str:
    parents = []
    parent = widget.parentWidget()
    while parent is not None and len(parents) < 3:
        parents.append(parent.objectName() or type(parent).__name__)
        parent = parent.parentWidget()
    text = widget.text() if hasattr(widget, "text") and callable(widget.text) else ""
    return f"{type(widget).__name__} '{widget.objectName()}' {text!r} in {' < '.join(parents)}"


def test_every_input_control_has_a_tooltip(window):
    offenders = [describe(w) for w in window.findChildren(QWidget)
                 if isinstance(w, INPUT_CONTROLS) and not w.toolTip() and not is_internal_part(w)]
    assert not offenders, "Input controls without a tooltip:\n" + "\n".join(offenders)
    # The walk sees every tab's controls, the layer list's and the panel's.
    names = {w.objectName() for w in window.findChildren(QWidget) if isinstance(w, INPUT_CONTROLS)}
    assert {"epochsSpinBox", "splitComboBox", "penButton", "layer_filters", "explainFollowButton"} <= names


def test_apply_explanations_reports_what_it_cannot_explain(qtbot):
    from PySide6.QtWidgets import QPushButton, QVBoxLayout

    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    known, unknown = QComboBox(), QPushButton("Mystery")
    known.setObjectName("optimizerComboBox")
    layout.addWidget(known)
    layout.addWidget(unknown)
    assert apply_explanations(host) == [unknown]
    assert known.toolTip() == glossary.ENTRIES["optimizer"].short


def test_tabs_and_plots_say_what_they_are(window):
    tabs = window.tabs
    assert all(tabs.tabToolTip(i) for i in range(tabs.count()))
    plots = window.train_tab.plots
    for widget in (plots.lossPlot, plots.accuracyPlot, window.results_tab.confusion_matrix,
                   window.draw_tab.probability_plot, window.data_tab.grid):
        assert widget.toolTip(), widget.objectName()


def hover(monkeypatch, dock, widget):
    """Put the pointer on ``widget`` as the panel sees it, for the two ticks it waits."""
    monkeypatch.setattr(QApplication, "widgetAt", lambda *args: widget)
    dock.poll()
    dock.poll()


def test_panel_shows_the_entry_of_the_hovered_control(window, qtbot, monkeypatch):
    window.show()
    window.explanations.show_panel(True)
    dock, panel = window.explanations.dock, window.explanations.panel
    qtbot.waitUntil(dock.isVisible)
    assert dock.following

    # The text field inside the learning-rate box: the panel walks up to the box.
    hover(monkeypatch, dock, window.train_tab.learningRateSpinBox.lineEdit())
    assert panel.title_label.text() == "Learning rate"
    assert "overshoot" in panel.text_label.text() and panel.picture_label.isVisibleTo(panel)

    # A label explains what its field explains.
    label = next(w for w in window.train_tab.findChildren(QWidget)
                 if getattr(w, "buddy", lambda: None)() is window.train_tab.batchSizeSpinBox)
    hover(monkeypatch, dock, label)
    assert panel.title_label.text() == "Batch"

    # The Compare button explains the comparison in both tabs that have one.
    for button in (window.train_tab.compareButton, window.runs_tab.compareButton):
        hover(monkeypatch, dock, button)
        assert panel.title_label.text() == "A CNN against a regular network", button.objectName()

    # A control with only a tooltip: its name and its tooltip.
    hover(monkeypatch, dock, window.draw_tab.paste_button)
    assert panel.title_label.text() == "Paste" and "clipboard" in panel.text_label.text()

    # Plots: the loss plot's drawing area is a child of the plot widget.
    viewport = window.train_tab.plots.lossPlot.viewport()
    hover(monkeypatch, dock, viewport)
    assert panel.title_label.text() == "Loss"


def test_panel_waits_for_the_pointer_to_rest(window, qtbot, monkeypatch):
    window.show()
    window.explanations.show_panel(True)
    dock, panel = window.explanations.dock, window.explanations.panel
    monkeypatch.setattr(QApplication, "widgetAt", lambda *args: window.train_tab.epochsSpinBox)
    dock.poll()  # passing over it
    assert panel.title_label.text() != "Epoch"
    dock.poll()  # resting on it
    assert panel.title_label.text() == "Epoch"


def test_a_pinned_topic_stays_until_the_panel_follows_again(window, qtbot, monkeypatch):
    window.show()
    explanations = window.explanations
    explanations.explain("dropout")
    dock, panel = explanations.dock, explanations.panel
    assert dock.isVisible() and panel.pinned and not dock.following
    hover(monkeypatch, dock, window.train_tab.epochsSpinBox)
    assert panel.title_label.text() == "Dropout"
    panel.follow_button.click()
    assert not panel.pinned and dock.following
    hover(monkeypatch, dock, window.train_tab.epochsSpinBox)
    assert panel.title_label.text() == "Epoch"


def test_panel_costs_nothing_while_hidden(window, qtbot):
    window.show()
    explanations = window.explanations
    assert not explanations.dock.isVisible()  # hidden unless the person (or the tour) opened it
    assert not explanations.dock.following
    explanations.panel_action.trigger()
    assert explanations.dock.isVisible() and explanations.dock.following
    explanations.panel_action.trigger()
    assert not explanations.dock.following


def test_panel_visibility_is_remembered(qtbot):
    first = MainWindow(load_defaults=False)
    qtbot.addWidget(first)
    first.show()
    first.explanations.panel_action.trigger()
    second = MainWindow(load_defaults=False)
    qtbot.addWidget(second)
    second.show()
    assert second.explanations.dock.isVisible()
    wait_for_tasks()


def test_layer_list_rows_explain_their_kind(window):
    editor = window.train_tab.layer_editor
    combo = editor.kind_combo(0)  # the tutorial's first layer: a convolution
    assert resolve(combo, QPoint()).title == "Convolution"
    assert resolve(editor.settings_widget(1).input("pool_size"), QPoint()).title == "Pooling"
    assert resolve(editor.settings_widget(0).input("activation"), QPoint()).title == "Activation"


def test_glossary_covers_the_concepts_with_pictures(qtbot):
    needed = ("epoch", "batch", "learning_rate", "optimizer", "loss", "accuracy", "validation", "convolution",
              "pooling", "flatten", "dense", "dropout", "softmax", "confusion_matrix", "feature_map", "filter",
              "augmentation", "fast_training", "seed", "parameters")
    for key in needed:
        entry = glossary.entry(key)
        assert entry is not None and entry.title and entry.short and "<p>" in entry.text, key
    for key in ("convolution", "pooling", "dropout", "softmax", "epoch", "batch", "learning_rate"):
        pixmap = glossary.picture(key)
        assert pixmap is not None and not pixmap.isNull(), key
        assert pixmap.width() == glossary.PICTURE_WIDTH
    assert glossary.picture("seed") is None


def test_unexpected_errors_are_told_in_plain_words():
    from gui.tasks import _one_line

    assert _one_line(ValueError("shapes (1, 784) and (28, 28) do not match")) == \
        "Something unexpected went wrong: shapes (1, 784) and (28, 28) do not match"
    assert "ValueError" not in _one_line(ValueError())
    assert "out of memory" in _one_line(MemoryError())
    assert _one_line(PermissionError(13, "Permission denied", "/x/model.h5")) == \
        "The computer refused a file operation ('/x/model.h5'): Permission denied."
