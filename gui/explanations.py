"""Explanations for people who do not program: which glossary entry explains which widget, the
tooltips the tabs left out, the "What is this?" panel, the network diagram's clicks, the tour.

The tabs are written by different people; rather than editing each of them, this module looks
their widgets up by object name (:data:`OBJECT_KEYS`), so one table says what explains what.
A widget can also name its entry itself with ``widget.setProperty("explain", "learning_rate")``
or, for a widget with parts, a method ``explain_key_at(pos)`` (the network diagram has one).

:class:`Explanations` is what the main window creates: the dock, its menu action and status-bar
button, the guided tour, and what a clicked layer of the network diagram learned (its filters
and feature maps, from the Draw tab's one-call predictor for the active model).
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import QObject, QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QComboBox, QLabel, QLineEdit, QSlider,
                               QTabBar, QToolButton, QWidget)

from gui.glossary import ENTRIES, KIND_KEYS
from gui.widgets.explain_panel import ExplainDock, Topic

SETTINGS_PANEL = "explain/visible"

#: The glossary entry of each widget, by object name.
OBJECT_KEYS = {
    # Train tab
    "networkGroup": "network", "presetComboBox": "network", "layerTable": "network",
    "networkDiagram": "network", "parameterTotalLabel": "parameters", "specErrorLabel": "network",
    "epochsSpinBox": "epoch", "batchSizeSpinBox": "batch", "learningRateSpinBox": "learning_rate",
    "optimizerComboBox": "optimizer", "validationSpinBox": "validation", "seedSpinBox": "seed",
    "trainLimitSpinBox": "train_limit", "augmentCheckBox": "augmentation",
    "fastTrainingCheckBox": "fast_training", "fastCheckBox": "fast_training",
    "startTrainingButton": "training", "pauseTrainingButton": "training", "stopTrainingButton": "training",
    "startHintLabel": "training", "trainingStateLabel": "training",
    "lossPlot": "loss", "accuracyPlot": "accuracy", "smoothingSlider": "smoothing",
    "epochProgressBar": "epoch", "batchProgressBar": "batch", "trainingLog": "epoch",
    # Results tab
    "testAccuracyLabel": "accuracy", "testLossLabel": "loss", "evaluateButton": "test_set",
    "confusionMatrix": "confusion_matrix", "perClassAccuracyChart": "per_class",
    # Runs tab
    "runsTable": "runs", "runDetails": "runs", "compareButton": "cnn_vs_regular", "runsCompareButton": "cnn_vs_regular",
    "compareLabel": "cnn_vs_regular", "compareProgress": "cnn_vs_regular",
    # Data tab
    "sampleBrowser": "dataset", "splitComboBox": "test_set", "digitFilterComboBox": "dataset",
    "classDistributionChart": "dataset", "meanImagesGrid": "dataset", "dataSummaryLabel": "dataset",
    # Draw tab
    "drawPad": "drawing", "probabilityPlot": "softmax", "probabilityChart": "softmax",
    "predictionLabel": "softmax", "confidenceLabel": "softmax", "top3Label": "softmax",
    "modelSeesView": "model_sees", "featureMapsView": "feature_map", "modelChoice": "model",
    "loadModelButton": "model", "modelInfoLabel": "model",
    # The layer list's settings (one row per layer)
    "layer_filters": "filter", "layer_kernel_size": "filter", "layer_activation": "activation",
    "layer_padding": "convolution", "layer_pool_size": "pooling", "layer_units": "dense", "layer_rate": "dropout",
}

#: Tooltips for the input controls the tabs did not give one (only set where none is set).
FALLBACK_TOOLTIPS = {
    "penButton": "Draw with the pen (white ink, like MNIST's digits).",
    "showMistakesButton": "Show the model's most confident mistakes in the gallery.",
    "splitComboBox": "Which images to browse: the 60,000 training images, the 10,000 test images, or your "
                     "own digits.",
    "predictedFilterComboBox": "Show only the images the model read as this digit (after evaluating it in "
                               "the Results tab).",
    "mistakesCheckBox": "Show only the images the model read wrongly (after evaluating it in the Results tab).",
    "orderComboBox": "Show the images in their order, or by how sure the model was.",
    "jumpButton": "Show the image with this number.",
    "ScrollLeftButton": "Show the tabs further left.",
    "ScrollRightButton": "Show the tabs further right.",
}

TAB_TOOLTIPS = {
    "Data": "Browse the 70,000 MNIST images the network learns from and is tested on.",
    "Train": "Build a network and train it, watching it learn.",
    "Results": "How well the model reads the 10,000 test images, and which digits it mixes up.",
    "Runs": "Every training run, kept: compare their settings, curves and scores.",
    "Draw": "Draw a digit and watch the network read it.",
}

INPUT_CONTROLS = (QAbstractSpinBox, QComboBox, QAbstractButton, QSlider, QLineEdit)


# ---------------------------------------------------------------------------------------------
# Which entry explains a widget


def explain_key(widget: QWidget) -> str | None:
    """The glossary key of ``widget`` itself (not of its parents), or None."""
    key = widget.property("explain")
    if key:
        return str(key)
    name = widget.objectName()
    if name == "layerKindCombo" and isinstance(widget, QComboBox):
        return KIND_KEYS.get(widget.currentData())
    if type(widget).__name__ == "LayerSettings":
        return KIND_KEYS.get(getattr(widget, "kind", None))
    key = OBJECT_KEYS.get(name)
    if key:
        return key
    if isinstance(widget, QLabel) and widget.buddy() is not None:
        return explain_key(widget.buddy())
    return None


def _plain_title(widget: QWidget) -> str:
    text = ""
    if isinstance(widget, (QAbstractButton, QLabel)):
        text = widget.text().replace("&", "")
    text = text or widget.accessibleName()
    return text.strip().rstrip(":\u2026.").strip() if text and len(text) < 40 and "<" not in text else ""


def _tip_topic(widget: QWidget, text: str) -> Topic:
    title = _plain_title(widget)
    lines = text.strip()
    if not title:
        first, _, rest = lines.partition("\n")
        title, lines = (first.rstrip("."), rest) if len(first) <= 60 and rest else ("This control", lines)
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines.splitlines() if line.strip())
    return Topic(title, body, None, None, widget)


def entry_topic(key: str, source=None) -> Topic | None:
    entry = ENTRIES.get(key)
    return None if entry is None else Topic(entry.title, entry.text, key, key, source)


def resolve(widget: QWidget, global_pos: QPoint) -> Topic | None:
    """What to say about the widget under the pointer: the first glossary entry found walking up
    from it; a widget with only a tooltip (or What's This text) gets that, followed by the entry
    of the part of the window it belongs to, if any."""
    tip: Topic | None = None
    current = widget
    while current is not None:
        key = None
        explain_at = getattr(current, "explain_key_at", None)
        if callable(explain_at):
            key = explain_at(current.mapFromGlobal(global_pos))
        key = key or explain_key(current)
        if key in ENTRIES:
            topic = entry_topic(key, current)
            if tip is None:
                return topic
            entry = ENTRIES[key]
            return Topic(tip.title, tip.html + f"<hr><p><b>About: {entry.title}</b></p>" + entry.text, key, key,
                         tip.source)
        if tip is None:
            text = current.whatsThis() or current.toolTip()
            if not text and isinstance(current, QTabBar):
                index = current.tabAt(current.mapFromGlobal(global_pos))
                text = current.tabToolTip(index) if index >= 0 else ""
                if text:
                    tip = Topic(current.tabText(index).replace("&", "") + " tab", f"<p>{html.escape(text)}</p>",
                                source=current)
                    text = ""
            if text:
                tip = _tip_topic(current, text)
        if current.isWindow():
            break
        current = current.parentWidget()
    return tip


# ---------------------------------------------------------------------------------------------
# Tooltips


def apply_explanations(window: QWidget) -> list[QWidget]:
    """Give the window's widgets what the tabs left out: a tooltip for every input control that
    has none (from :data:`FALLBACK_TOOLTIPS` or the glossary), the glossary's one-liner for the
    explained displays (plots, labels) and a tooltip for each tab. Returns the input controls
    still without a tooltip."""
    for tabs in window.findChildren(QTabBar):
        for index in range(tabs.count()):
            tip = TAB_TOOLTIPS.get(tabs.tabText(index).replace("&", ""))
            if tip and not tabs.tabToolTip(index):
                tabs.setTabToolTip(index, tip)
    missing = []
    for widget in window.findChildren(QWidget):
        if widget.toolTip():
            continue
        name = widget.objectName()
        key = explain_key(widget)
        text = FALLBACK_TOOLTIPS.get(name) or (ENTRIES[key].short if key in ENTRIES else "")
        if text:
            widget.setToolTip(text)
        elif isinstance(widget, INPUT_CONTROLS) and not is_internal_part(widget):
            missing.append(widget)
    return missing


def is_internal_part(widget: QWidget) -> bool:
    """A part Qt builds inside another control (a spin box's text field, a table's corner
    button): it shows its owner's tooltip, or is never used on its own."""
    parent = widget.parentWidget()
    if isinstance(widget, QLineEdit) and isinstance(parent, (QAbstractSpinBox, QComboBox)):
        return True
    return widget.objectName().startswith("qt_")


# ---------------------------------------------------------------------------------------------
# The window's explanations


class Explanations(QObject):
    """The "What is this?" dock, its action and button, the tour, and the diagram's clicks."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.session = window.session
        self._settings = QSettings()
        self._shown_layer: int | None = None   # the diagram block whose insight the panel shows

        self.dock = ExplainDock(resolve, window)
        window.addDockWidget(Qt.RightDockWidgetArea, self.dock)
        self.dock.setVisible(self._settings.value(SETTINGS_PANEL, False, type=bool))
        self.panel = self.dock.panel
        self.panel.followRequested.connect(self._forget_layer)

        self.panel_action = self.dock.toggleViewAction()
        self.panel_action.setText("&What is this? panel")
        self.panel_action.setShortcut(QKeySequence("Shift+F1"))
        self.panel_action.setToolTip("Show or hide the panel that explains whatever the pointer is on")
        self.panel_action.triggered.connect(self._remember_panel)

        self.status_button = QToolButton()
        self.status_button.setObjectName("explainButton")
        self.status_button.setDefaultAction(self.panel_action)
        self.status_button.setText("? What is this?")
        self.status_button.setAutoRaise(True)
        self.status_button.setToolTip("Show or hide the panel that explains, in plain words, whatever the mouse "
                                      "pointer is on (Shift+F1)")
        self.panel_action.changed.connect(self._name_button)

        self.tour = None
        apply_explanations(window)
        diagram = getattr(getattr(window, "train_tab", None), "network_diagram", None)
        if diagram is not None:
            diagram.blockClicked.connect(self.show_layer)
        self.session.modelChanged.connect(self._refresh_layer)
        draw_tab = getattr(window, "draw_tab", None)
        if draw_tab is not None and hasattr(draw_tab, "predictionUpdated"):
            # Also sent when the Draw tab's predictor for a new model is ready.
            draw_tab.predictionUpdated.connect(self._refresh_layer)

    # The panel ----------------------------------------------------------------------------------

    def _remember_panel(self, visible: bool) -> None:
        self._settings.setValue(SETTINGS_PANEL, bool(visible))

    def _name_button(self) -> None:
        self.status_button.setText("? What is this?")  # not the menu's text, which the action carries

    def show_panel(self, visible: bool = True) -> None:
        self.dock.setVisible(visible)
        self._settings.setValue(SETTINGS_PANEL, bool(visible))

    def explain(self, key: str, pinned: bool = True) -> None:
        """Show the glossary entry ``key`` in the panel."""
        topic = entry_topic(key)
        if topic is not None:
            self._shown_layer = None
            self.dock.show_topic(topic, pinned)

    # The network diagram -------------------------------------------------------------------------

    def _diagram(self):
        return getattr(getattr(self.window, "train_tab", None), "network_diagram", None)

    def show_layer(self, index: int) -> None:
        """Explain block ``index`` of the network diagram (pinned) and, for a trained model
        whose layers match, show what that layer learned."""
        diagram = self._diagram()
        block = diagram.block(index) if diagram is not None else None
        if block is None:
            return
        key = diagram.explain_key(block)
        entry = ENTRIES[key]
        first, *rest = html.escape(diagram.describe_block(block)).split("\n")
        lead = f"<p style='color:#1a5fb4'><b>{first}</b>" + "".join(f"<br>{line}" for line in rest) + "</p>"
        topic = Topic(entry.title, lead + entry.text, key, key, diagram)
        self._shown_layer = index
        self.dock.show_topic(topic, pinned=True)
        self._refresh_layer()

    def _forget_layer(self) -> None:
        self._shown_layer = None

    def _refresh_layer(self, *_args) -> None:
        if self._shown_layer is None or not self.panel.pinned or not self.dock.isVisible():
            return
        sections, note = self.layer_insight(self._shown_layer)
        self.panel.set_insight(sections, note)

    def layer_insight(self, index: int) -> tuple[list, str]:
        """What layer ``index`` of the diagram learned: ``(sections, note)`` for the panel."""
        from gui.widgets.feature_maps import activation_rgb, best_columns, rgb_pixmap, tile, weight_rgb

        diagram = self._diagram()
        layers = diagram.layers if diagram is not None else ()
        if not 0 <= index < len(layers) or layers[index].kind != "conv2d":
            return [], ""
        loaded = self.session.model
        if loaded is None:
            return [], "Train this network (or open a trained model) to see what this layer learned."
        if diagram.error:
            return [], "Fix the network first: it cannot be built as it is."
        draw_tab = getattr(self.window, "draw_tab", None)
        predictor = getattr(draw_tab, "predictor", None)
        if predictor is None or getattr(predictor, "loaded", None) is not loaded:
            return [], "Getting the model ready to show what it learned\u2026"
        sample, sample_name = self._sample(draw_tab)
        try:
            _probabilities, maps = predictor(sample)
        except Exception:  # noqa: BLE001 - a model that cannot read it: show no pictures
            return [], "The active model could not be used to show what this layer learned."
        conv_rows = [row for row, layer in enumerate(layers) if layer.kind == "conv2d"]
        expected = [diagram.block(row).shape for row in conv_rows]
        if [tuple(m.shape) for m in maps] != expected:
            return [], (f"The active model ({loaded.name}) is not this network: its layers differ from the "
                        "list. Train this network to see what its layers learned.")
        position = conv_rows.index(index)
        width = self.panel.insight_width()
        sections = []
        filters = predictor.first_filters
        if position == 0 and filters is not None and filters.ndim == 4:
            k1, k2, channels, count = filters.shape
            kernels = filters.mean(axis=2) if channels > 1 else filters[:, :, 0, :]
            columns, zoom = best_columns(count, k1, k2, width)
            sections.append((f"<b>The {count} filters it learned</b> ({k1}\u00d7{k2} weights each; red adds, "
                             "blue subtracts):",
                             rgb_pixmap(weight_rgb(tile(kernels.astype(np.float32), columns=columns)), zoom)))
        m = np.asarray(maps[position], np.float32)
        h, w, c = m.shape
        columns, zoom = best_columns(c, h, w, width)
        seen = np.stack([sample] * 3, axis=-1)
        sections.append((f"<b>Its {c} feature maps</b> for {sample_name} (bright = strong response):",
                         rgb_pixmap(activation_rgb(tile(m, columns=columns)), zoom)))
        sections.insert(0, (f"The model <b>{html.escape(loaded.name)}</b>, reading {sample_name}:",
                            rgb_pixmap(seen, 2)))
        return sections, ""

    def _sample(self, draw_tab) -> tuple[np.ndarray, str]:
        """The image to show feature maps for: the drawing in the Draw tab, else the first test
        image, else an empty one."""
        seen = getattr(draw_tab, "seen", None)
        if seen is not None:
            return np.asarray(seen, np.uint8), "your drawing (Draw tab)"
        dataset = self.session.dataset
        if dataset is not None:
            images, labels = dataset.split("test")
            if len(labels):
                return np.asarray(images[0], np.uint8), f"the first test image (a {int(labels[0])})"
        return np.zeros((28, 28), np.uint8), "an empty image (load the data or draw a digit)"

    # The guided tour ------------------------------------------------------------------------------

    def start_tour(self) -> None:
        """Start (or restart) the guided tour (Help > Guided tour)."""
        from gui.tour import Tour

        if self.tour is None:
            self.tour = Tour(self.window, self)
        self.tour.start()

    def start_tour_if_first_time(self, delay_ms: int = 0) -> bool:
        """Start the tour unless it was finished or skipped before; True if it will start."""
        from gui.tour import SETTINGS_DONE

        if self._settings.value(SETTINGS_DONE, False, type=bool):
            return False
        if delay_ms > 0:
            QTimer.singleShot(delay_ms, self, self.start_tour)
        else:
            self.start_tour()
        return True

