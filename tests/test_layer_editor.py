"""Tests of gui.widgets.layer_editor: editing the layer list, live shapes and parameter counts,
and the explanation of an impossible network."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QApplication, QComboBox

from core.spec import (LAYER_KINDS, PRESETS, conv2d, dense, describe, dropout, flatten, maxpool2d,
                       parameter_count, small_cnn, tutorial_cnn)
from gui.widgets.layer_editor import LayerEditor, analyse, shape_text


@pytest.fixture
def editor(qtbot):
    widget = LayerEditor()
    qtbot.addWidget(widget)
    widget.resize(640, 420)
    widget.set_layers(tutorial_cnn().layers)
    return widget


def column(editor, col):
    return [editor.table.item(row, col).text() for row in range(editor.table.rowCount())]


def test_shows_every_layer_with_shapes_and_parameters(editor):
    spec = tutorial_cnn()
    infos = describe(spec)
    assert editor.table.rowCount() == len(spec.layers) + 1  # plus the output layer
    assert editor.layers() == spec.layers
    assert column(editor, 2) == [shape_text(info.output_shape) for info in infos]
    assert column(editor, 3) == [f"{info.params:,}" for info in infos]
    assert editor.total_parameters == parameter_count(spec)
    assert f"{parameter_count(spec):,}" in editor.totalLabel.text()
    assert editor.is_valid and editor.errorLabel.isHidden()


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_round_trips(editor, name):
    editor.set_layers(PRESETS[name].layers)
    assert editor.layers() == PRESETS[name].layers
    assert editor.total_parameters == parameter_count(PRESETS[name])


def test_editing_a_setting_updates_shapes_and_counts_live(editor, qtbot):
    with qtbot.waitSignal(editor.layersChanged, timeout=1000):
        editor.settings_widget(0).input("filters").setValue(16)
    assert editor.layers()[0].params["filters"] == 16
    assert editor.table.item(0, 2).text() == "24\u00d724\u00d716"
    assert editor.table.item(0, 3).text() == f"{5 * 5 * 1 * 16 + 16:,}"
    editor.settings_widget(0).input("padding").setCurrentText("same")
    assert editor.table.item(0, 2).text() == "28\u00d728\u00d716"
    expected = parameter_count(tutorial_cnn().__class__("x", editor.layers()))
    assert editor.total_parameters == expected
    editor.settings_widget(6).input("rate").setValue(0.5)
    assert editor.layers()[6] == dropout(0.5)


def test_kernel_box_reads_as_a_square(editor):
    box = editor.settings_widget(0).input("kernel_size")
    assert box.text() == "5\u00d75"
    box.lineEdit().setText("3")
    box.interpretText()
    assert box.value() == 3
    assert editor.layers()[0].params["kernel_size"] == 3


def test_changing_the_kind_resets_the_settings(editor):
    combo = editor.kind_combo(6)  # the dropout
    combo.setCurrentIndex(combo.findData("dense"))
    assert editor.layers()[6].kind == "dense"
    assert editor.layers()[6].params == LAYER_KINDS["dense"]
    assert editor.settings_widget(6).kind == "dense"
    assert editor.is_valid


def test_add_remove_and_move(editor):
    editor.set_layers(small_cnn().layers)
    editor.table.selectRow(5)  # the dense layer
    assert editor.removeLayerButton.isEnabled() and not editor.moveDownButton.isEnabled()
    editor.add_layer("dropout")  # after the selection
    assert editor.layers()[6] == dropout(0.2)
    assert editor.selected_row() == 6
    editor.move_selected(-1)
    assert editor.layers()[5] == dropout(0.2) and editor.layers()[6] == dense(64)
    assert editor.selected_row() == 5
    editor.remove_selected()
    assert editor.layers() == small_cnn().layers
    editor.table.selectRow(0)
    assert not editor.moveUpButton.isEnabled()
    editor.table.selectRow(editor.table.rowCount() - 1)  # the output layer cannot be edited
    assert editor.selected_row() is None
    assert not editor.removeLayerButton.isEnabled()


def test_add_layer_menu_offers_every_kind(editor):
    actions = editor.addLayerButton.menu().actions()
    assert len(actions) == len(LAYER_KINDS)
    editor.table.clearSelection()
    actions[0].trigger()  # Convolution, at the end
    assert editor.layers()[-1].kind == "conv2d"
    assert not editor.is_valid  # a convolution after Flatten/Dense is impossible
    assert all(action.toolTip() for action in actions)


def test_impossible_network_is_explained_and_marked(editor):
    editor.set_layers((flatten(), conv2d(8, 3), dense(10)))
    assert not editor.is_valid
    assert editor.error.startswith("Layer 2 (")
    assert not editor.errorLabel.isHidden()
    assert "Layer 2" in editor.errorLabel.text() and "Flatten" in editor.errorLabel.text()
    assert editor.total_parameters is None
    assert column(editor, 2) == ["784", "?", "?", "?"]  # shapes up to the bad layer, then unknown
    assert editor.table.item(1, 2).background().color().red() == 255
    assert editor.table.item(1, 2).toolTip() == editor.error
    # Fixing it clears the message.
    editor.move_layer(0, 1)
    assert editor.is_valid and editor.errorLabel.isHidden()


def test_network_that_does_not_end_flat_marks_the_output_row(editor):
    editor.set_layers((conv2d(8, 3), maxpool2d(2)))
    infos, error, bad = analyse(editor.layers())
    assert bad == 2 and "Flatten" in error
    assert column(editor, 2) == ["26\u00d726\u00d78", "13\u00d713\u00d78", "?"]
    assert not editor.is_valid


def test_kernel_too_large_for_the_feature_map(editor):
    editor.settings_widget(2).input("kernel_size").setValue(28)
    assert not editor.is_valid
    assert editor.error.startswith("Layer 3 (") and "larger than" in editor.error


def test_every_input_has_a_tooltip(editor):
    editor.set_layers((conv2d(8, 3), maxpool2d(2), flatten(), dense(32), dropout(0.1)))
    inputs = [widget for widget in editor.findChildren(QAbstractSpinBox) + editor.findChildren(QComboBox)
              + editor.findChildren(QAbstractButton)
              if not widget.objectName().startswith("qt_")]  # Qt's own parts (the table's corner button)
    assert len(inputs) >= 12
    for widget in inputs:
        assert widget.toolTip().strip(), widget.objectName()
    for col in range(editor.table.columnCount()):
        assert editor.table.horizontalHeaderItem(col).toolTip()


def test_wheel_does_not_change_an_unfocused_box(editor, qtbot):
    editor.show()
    qtbot.waitExposed(editor)
    box = editor.settings_widget(0).input("filters")
    box.clearFocus()
    event = QWheelEvent(QPointF(5, 5), QPointF(box.mapToGlobal(QPoint(5, 5))), QPoint(0, 0), QPoint(0, 120),
                        Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(box, event)
    assert box.value() == 32
