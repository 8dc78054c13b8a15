"""The network as an editable list of layers, with each layer's output shape and parameters.

One row per layer: its kind (a combo box), its settings (small spin and combo boxes, different
for each kind), and, computed by ``core.spec.describe`` on every change, the shape of what it
produces and how many numbers it learns. The last row is the 10-way output layer every model
ends in; it cannot be edited. An impossible network is explained right under the table, in
red, naming the layer at fault, before anyone can press Start.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QValidator
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDoubleSpinBox, QHBoxLayout, QHeaderView, QLabel,
                               QMenu, QSpinBox, QTableWidget, QTableWidgetItem, QToolButton, QVBoxLayout,
                               QWidget)

from core.errors import SpecError
from core.spec import ACTIVATIONS, LAYER_KINDS, LAYER_TITLES, LayerInfo, LayerSpec, ModelSpec, describe, flatten

KIND_HELP = {
    "conv2d": "Convolution: slides small filters over the image to find strokes, edges and shapes.",
    "maxpool2d": "Max pooling: shrinks the image, keeping only the strongest response in each small window.",
    "flatten": "Flatten: turns the image-shaped data into one long list of numbers; needed before Dense layers.",
    "dense": "Dense: a fully connected layer of neurons, each looking at every one of its inputs.",
    "dropout": "Dropout: switches off a random part of the outputs while training, so the model cannot rely "
               "on any single one; this helps it work on new images.",
}

ACTIVATION_HELP = ("The function applied to each output. 'relu' (keep positives, zero the rest) is the usual "
                   "choice;\n'softmax' turns numbers into probabilities and is meant for output layers.")

COLUMNS = ("Layer", "Settings", "Output", "Params")
ERROR_BACKGROUND = QColor(255, 220, 220)
OUTPUT_FOREGROUND = QColor(110, 110, 110)


def shape_text(shape: Sequence[int]) -> str:
    """``(24, 24, 32)`` -> ``24×24×32``; ``(1024,)`` -> ``1024``."""
    return "\u00d7".join(str(d) for d in shape)


def analyse(layers: Sequence[LayerSpec]) -> tuple[list[LayerInfo], str, int | None]:
    """Describe ``layers`` (plus the output layer).

    Returns ``(infos, error, bad_row)``: every layer's info and no error when the network is
    possible; otherwise the infos of the layers before the first impossible one, the
    ``SpecError`` message, and the 0-based row at fault (``len(layers)``: the output layer).
    """
    try:
        return describe(ModelSpec("edited", tuple(layers))), "", None
    except SpecError as error:
        message = str(error)
    match = re.match(r"Layer (\d+)\b", message)
    bad = int(match.group(1)) - 1 if match else len(layers)
    try:  # the layers before the bad one still have shapes; Flatten accepts any input
        partial = describe(ModelSpec("prefix", tuple(layers[:bad]) + (flatten(),)))[:bad]
    except SpecError:
        partial = []
    return partial, message, bad


class _WheelOnlyWhenFocused:
    """Mixed into the table's spin and combo boxes: they take the mouse wheel only when they have
    focus, so that scrolling the list never changes a setting by accident. (An override rather
    than an event filter: Python then runs only for wheel events, not for every paint.)"""

    def wheelEvent(self, event) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class _SpinBox(_WheelOnlyWhenFocused, QSpinBox):
    pass


class _DoubleSpinBox(_WheelOnlyWhenFocused, QDoubleSpinBox):
    pass


class _ComboBox(_WheelOnlyWhenFocused, QComboBox):
    pass


class _SquareSpinBox(_WheelOnlyWhenFocused, QSpinBox):
    """A spin box for a square window's side that reads ``5×5``."""

    def textFromValue(self, value: int) -> str:
        return f"{value}\u00d7{value}"

    def valueFromText(self, text: str) -> int:
        match = re.search(r"\d+", text[len(self.prefix()):] if text.startswith(self.prefix()) else text)
        return int(match.group(0)) if match else self.value()

    def validate(self, text: str, pos: int):
        body = text[len(self.prefix()):] if text.startswith(self.prefix()) else text
        match = re.fullmatch(r"\s*(\d*)\s*(\u00d7\s*\d*)?\s*", body)
        if not match:
            return QValidator.Invalid, text, pos
        if not match.group(1):
            return QValidator.Intermediate, text, pos
        value = int(match.group(1))
        if self.minimum() <= value <= self.maximum():
            return QValidator.Acceptable, text, pos
        return QValidator.Intermediate, text, pos


class LayerSettings(QWidget):
    """The settings of one layer as small input boxes; emits ``changed`` on every edit."""

    changed = Signal()

    def __init__(self, layer: LayerSpec, parent: QWidget | None = None):
        super().__init__(parent)
        self.kind = layer.kind
        self._inputs: dict[str, Any] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(3, 1, 3, 1)
        row.setSpacing(4)
        if layer.kind == "conv2d":
            self._spin(row, "filters", layer, 1, 1024, suffix=" filters",
                       tip="How many filters (pattern detectors) this layer learns. More filters can find "
                           "more kinds of strokes, but train more slowly.")
            self._square(row, "kernel_size", layer, "",
                         "The kernel: the size, in pixels, of the square window each filter looks at.")
            self._combo(row, "activation", layer, ACTIVATIONS, ACTIVATION_HELP)
            self._combo(row, "padding", layer, ("valid", "same"),
                        "'valid': no padding, so the image shrinks by the kernel size minus one.\n"
                        "'same': the edges are padded so the image keeps its size.")
        elif layer.kind == "maxpool2d":
            self._square(row, "pool_size", layer, "",
                         "The pooling window: each square of this size is replaced by its largest value, "
                         "so 2×2 halves the width and the height.")
        elif layer.kind == "dense":
            self._spin(row, "units", layer, 1, 8192, suffix=" neurons",
                       tip="How many neurons (units) this fully connected layer has.")
            self._combo(row, "activation", layer, ACTIVATIONS, ACTIVATION_HELP)
        elif layer.kind == "dropout":
            box = _DoubleSpinBox()
            box.setRange(0.0, 0.95)
            box.setSingleStep(0.05)
            box.setDecimals(2)
            box.setPrefix("drop ")
            box.setValue(float(layer.setting("rate")))
            box.setToolTip("The fraction of this layer's inputs switched off at random in each training step "
                           "(0.2 = 20%).\nIt is not applied when the model is used after training.")
            box.valueChanged.connect(self.changed)
            self._add(row, "rate", box)
        else:
            note = QLabel("no settings")
            note.setStyleSheet("color: #777;")
            note.setToolTip(KIND_HELP.get(layer.kind, ""))
            row.addWidget(note)
        row.addStretch(1)
        for box in self._inputs.values():
            box.setFocusPolicy(Qt.StrongFocus)

    def _add(self, row: QHBoxLayout, name: str, box: QWidget) -> None:
        box.setObjectName(f"layer_{name}")
        self._inputs[name] = box
        row.addWidget(box)

    def _spin(self, row, name, layer, low, high, suffix="", tip=""):
        box = _SpinBox()
        box.setRange(low, high)
        box.setSuffix(suffix)
        box.setValue(int(layer.setting(name)))
        box.setToolTip(tip)
        box.valueChanged.connect(self.changed)
        self._add(row, name, box)

    def _square(self, row, name, layer, prefix, tip):
        box = _SquareSpinBox()
        box.setRange(1, 28)
        box.setPrefix(prefix)
        box.setValue(int(layer.setting(name)))
        box.setToolTip(tip)
        box.valueChanged.connect(self.changed)
        self._add(row, name, box)

    def _combo(self, row, name, layer, choices, tip):
        box = _ComboBox()
        box.addItems(list(choices))
        value = str(layer.setting(name))
        if box.findText(value) < 0:  # a value from a settings file the combo does not offer
            box.addItem(value)
        box.setCurrentText(value)
        box.setToolTip(tip)
        box.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        box.currentTextChanged.connect(self.changed)
        self._add(row, name, box)

    def input(self, name: str) -> QWidget:
        """The input box of one setting (for tests and for focus)."""
        return self._inputs[name]

    def params(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, box in self._inputs.items():
            if isinstance(box, QComboBox):
                values[name] = box.currentText()
            elif isinstance(box, QDoubleSpinBox):
                values[name] = round(float(box.value()), 4)
            else:
                values[name] = int(box.value())
        return values


class LayerEditor(QWidget):
    """The editable list of hidden layers; the output layer is always added after them."""

    layersChanged = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._layers: list[LayerSpec] = []
        self._infos: list[LayerInfo] = []
        self._error = ""
        self._bad_row: int | None = None

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("layerTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setCornerButtonEnabled(False)
        self.table.setToolTip("The layers of the network, from the input image (top) to the 10 digit scores "
                              "(bottom).\nSelect a row to remove or move it; the shapes and parameter counts "
                              "update as you edit.")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeToContents)
        header.setHighlightSections(False)
        for column, tip in enumerate((
                "The kind of layer. Changing it resets this layer's settings.",
                "The settings of each layer.",
                "The shape of what each layer produces: height×width×channels for images, or the length "
                "of a flat list.\nThe input is one 28×28 grey image (28×28×1).",
                "How many numbers (weights and biases) each layer learns during training.")):
            self.table.horizontalHeaderItem(column).setToolTip(tip)
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.addLayerButton = QToolButton()
        self.addLayerButton.setObjectName("addLayerButton")
        self.addLayerButton.setText("Add layer")
        self.addLayerButton.setPopupMode(QToolButton.InstantPopup)
        self.addLayerButton.setToolButtonStyle(Qt.ToolButtonTextOnly)
        self.addLayerButton.setToolTip("Add a layer after the selected one (or at the end).")
        menu = QMenu(self.addLayerButton)
        menu.setToolTipsVisible(True)
        for kind in LAYER_KINDS:
            action = menu.addAction(LAYER_TITLES[kind])
            action.setToolTip(KIND_HELP[kind])
            action.triggered.connect(lambda _checked=False, k=kind: self.add_layer(k))
        self.addLayerButton.setMenu(menu)
        self.removeLayerButton = self._button("removeLayerButton", "Remove", "Remove the selected layer.",
                                              self.remove_selected)
        self.moveUpButton = self._button("moveLayerUpButton", "Move up", "Move the selected layer one place "
                                         "towards the input.", lambda: self.move_selected(-1))
        self.moveDownButton = self._button("moveLayerDownButton", "Move down", "Move the selected layer one "
                                           "place towards the output.", lambda: self.move_selected(1))

        self.totalLabel = QLabel()
        self.totalLabel.setObjectName("parameterTotalLabel")
        self.totalLabel.setToolTip("The total number of weights and biases the network learns. More parameters "
                                   "can learn more, but train more slowly and may memorise the training images.")
        self.errorLabel = QLabel()
        self.errorLabel.setObjectName("specErrorLabel")
        self.errorLabel.setWordWrap(True)
        self.errorLabel.setStyleSheet("color: #c00000; font-weight: bold;")
        self.errorLabel.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.errorLabel.hide()

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.addLayerButton, self.removeLayerButton, self.moveUpButton, self.moveDownButton):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.totalLabel)
        layout.addWidget(self.errorLabel)
        self._rebuild()

    def _button(self, name: str, text: str, tip: str, slot) -> QToolButton:
        button = QToolButton()
        button.setObjectName(name)
        button.setText(text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    # Reading and writing the layers ------------------------------------------------------------

    def layers(self) -> tuple[LayerSpec, ...]:
        return tuple(self._layers)

    def set_layers(self, layers: Sequence[LayerSpec]) -> None:
        self._layers = [LayerSpec(layer.kind, dict(layer.params)) for layer in layers]
        self._rebuild()
        self.layersChanged.emit()

    @property
    def error(self) -> str:
        """Why the network is impossible, or "" when it can be built."""
        return self._error

    @property
    def is_valid(self) -> bool:
        return not self._error

    @property
    def infos(self) -> list[LayerInfo]:
        """Each layer's output shape and parameters (output layer last); only those before the
        first impossible layer when the network is impossible."""
        return list(self._infos)

    @property
    def total_parameters(self) -> int | None:
        return sum(info.params for info in self._infos) if self.is_valid else None

    def settings_widget(self, row: int) -> LayerSettings:
        return self.table.cellWidget(row, 1)

    def kind_combo(self, row: int) -> QComboBox:
        return self.table.cellWidget(row, 0)

    # Editing ----------------------------------------------------------------------------------

    def selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        row = rows[0].row() if rows else None
        return row if row is not None and row < len(self._layers) else None

    def add_layer(self, kind: str, row: int | None = None) -> None:
        """Insert a layer of ``kind`` with its default settings at ``row`` (default: after the
        selected layer, or at the end)."""
        if row is None:
            selected = self.selected_row()
            row = selected + 1 if selected is not None else len(self._layers)
        row = min(max(row, 0), len(self._layers))
        self._layers.insert(row, LayerSpec(kind, dict(LAYER_KINDS[kind])))
        self._rebuild(select=row)
        self.layersChanged.emit()

    def remove_layer(self, row: int) -> None:
        if 0 <= row < len(self._layers):
            del self._layers[row]
            self._rebuild(select=min(row, len(self._layers) - 1) if self._layers else None)
            self.layersChanged.emit()

    def remove_selected(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.remove_layer(row)

    def move_layer(self, row: int, delta: int) -> None:
        target = row + delta
        if 0 <= row < len(self._layers) and 0 <= target < len(self._layers):
            self._layers[row], self._layers[target] = self._layers[target], self._layers[row]
            self._rebuild(select=target)
            self.layersChanged.emit()

    def move_selected(self, delta: int) -> None:
        row = self.selected_row()
        if row is not None:
            self.move_layer(row, delta)

    # The table ---------------------------------------------------------------------------------

    def _rebuild(self, select: int | None = None) -> None:
        table = self.table
        table.setUpdatesEnabled(False)
        table.setRowCount(0)  # drops the old rows' input boxes too
        table.setRowCount(len(self._layers) + 1)
        for row, layer in enumerate(self._layers):
            table.setCellWidget(row, 0, self._kind_combo(row, layer.kind))
            table.setCellWidget(row, 1, self._settings(row, layer))
        out = len(self._layers)
        for column, text in ((0, "Dense (output)"), (1, "10 neurons, softmax: one score per digit")):
            item = QTableWidgetItem(text)
            item.setForeground(QBrush(OUTPUT_FOREGROUND))
            item.setToolTip("Every network ends with this layer: it gives one probability per digit 0-9. "
                            "It is added for you and cannot be edited.")
            table.setItem(out, column, item)
        table.setVerticalHeaderLabels([str(i + 1) for i in range(len(self._layers))] + ["out"])
        self._refresh_infos()
        table.setUpdatesEnabled(True)
        if select is not None and 0 <= select < table.rowCount():
            table.selectRow(select)
        self._update_buttons()

    def _kind_combo(self, row: int, kind: str) -> QComboBox:
        combo = _ComboBox()
        combo.setObjectName("layerKindCombo")
        for index, (key, title) in enumerate(LAYER_TITLES.items()):
            combo.addItem(title, key)
            combo.setItemData(index, KIND_HELP.get(key, ""), Qt.ToolTipRole)
        combo.setCurrentIndex(max(combo.findData(kind), 0))
        combo.setToolTip("The kind of this layer. Changing it resets the layer's settings.\n" + KIND_HELP.get(kind, ""))
        combo.setFocusPolicy(Qt.StrongFocus)
        combo.currentIndexChanged.connect(lambda _index, r=row, c=combo: self._on_kind_changed(r, c.currentData()))
        return combo

    def _settings(self, row: int, layer: LayerSpec) -> LayerSettings:
        widget = LayerSettings(layer)
        widget.changed.connect(lambda r=row, w=widget: self._on_settings_changed(r, w))
        return widget

    def _on_kind_changed(self, row: int, kind: str) -> None:
        if row >= len(self._layers) or self._layers[row].kind == kind:
            return
        layer = LayerSpec(kind, dict(LAYER_KINDS[kind]))
        self._layers[row] = layer
        self.table.setCellWidget(row, 1, self._settings(row, layer))
        self.kind_combo(row).setToolTip("The kind of this layer. Changing it resets the layer's settings.\n"
                                        + KIND_HELP.get(kind, ""))
        self._refresh_infos()
        self.layersChanged.emit()

    def _on_settings_changed(self, row: int, widget: LayerSettings) -> None:
        if row >= len(self._layers):
            return
        self._layers[row] = LayerSpec(widget.kind, widget.params())
        self._refresh_infos()
        self.layersChanged.emit()

    def _refresh_infos(self) -> None:
        infos, error, bad = analyse(self._layers)
        self._infos, self._error, self._bad_row = infos, error, bad
        table = self.table
        rows = len(self._layers) + 1
        for row in range(rows):
            is_output = row == rows - 1
            info = infos[row] if row < len(infos) and (bad is None or row < bad) else None
            shape = QTableWidgetItem(shape_text(info.output_shape) if info else "?")
            params = QTableWidgetItem(f"{info.params:,}" if info else "?")
            params.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            shape.setTextAlignment(Qt.AlignCenter)
            for item in (shape, params):
                if is_output:
                    item.setForeground(QBrush(OUTPUT_FOREGROUND))
                if bad is not None and row == bad:
                    item.setBackground(QBrush(ERROR_BACKGROUND))
                    item.setToolTip(error)
            table.setItem(row, 2, shape)
            table.setItem(row, 3, params)
        if error:
            self.errorLabel.setText(f"\u26a0 This network cannot be built: {error}")
            self.errorLabel.show()
            self.totalLabel.setText("Total: \u2014")
        else:
            self.errorLabel.hide()
            self.errorLabel.clear()
            self.totalLabel.setText(f"Total: <b>{self.total_parameters:,}</b> parameters to learn")

    def _update_buttons(self) -> None:
        row = self.selected_row()
        self.removeLayerButton.setEnabled(row is not None)
        self.moveUpButton.setEnabled(row is not None and row > 0)
        self.moveDownButton.setEnabled(row is not None and row < len(self._layers) - 1)
