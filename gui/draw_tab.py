"""The Draw tab: draw a digit (or open / paste a picture of one) and watch the network read it.

* The canvas (:class:`gui.widgets.draw_pad.DrawPad`): pen, eraser, pen width, undo/redo, clear
  (also Delete / Esc), save as PNG; opened or pasted pictures are shown on it.
* Live prediction: as the strokes change (at most every ~30 ms while drawing, and at once when
  the pen lifts) the drawing goes through ``core.preprocess.preprocess_digit`` -- the very
  function ``main.py predict`` uses -- and then through ONE call of the model that gives both the
  ten probabilities and the feature maps of every convolution layer (:class:`LivePredictor`).
  Shown: the digit, its confidence, the top three, a bar chart of the ten probabilities, "what
  the model sees" (the 28x28 image), and inside the network the feature maps and the first
  layer's filters.
* The model: whatever the session's active model is (the window loads the shipped
  ``models/mnist_cnn.h5`` on start, files by menu, drag-and-drop, ``--model`` or the Load model
  button here); the models used in this session -- including one trained in the Train tab --
  stay in a list to switch back to.
* "My digits": label the drawing and add it to the user's own collection on disk
  (``core.my_digits``), which the Data tab shows and ``main.py evaluate --data`` scores.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QKeySequence, QPainter, QPen, QShortcut
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QFileDialog, QGroupBox, QHBoxLayout,
                               QLabel, QPushButton, QSizePolicy, QSlider, QSpinBox, QSplitter,
                               QToolButton, QVBoxLayout, QWidget)

from core import my_digits
from core.errors import EmptyImageError, StudioError
from core.live_predictor import LivePredictor
from core.preprocess import find_polarity, load_image, preprocess_digit
from gui.tasks import run_task
from gui.widgets.bar_chart import BarChart
from gui.widgets.draw_pad import DEFAULT_PEN_WIDTH, DrawPad, Picture
from gui.widgets.feature_maps import FeatureMapsView

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
IMAGE_FILTER = "Pictures (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp);;All files (*)"
_MODEL_HISTORY = 6
_NO_DIGIT = "\u2013"  # en dash: no prediction


def _percent(p: float) -> str:
    """A probability for people, as rich text: 99.7%, 0.3%, <0.1%, >99.9%."""
    if p < 0.001:
        return "&lt;0.1%"
    if p > 0.999:
        return "&gt;99.9%"
    return f"{p:.1%}"


@dataclass
class DrawPrediction:
    digit: int
    probabilities: np.ndarray  # (10,)
    seen: np.ndarray           # uint8 (28, 28): what the model read

    @property
    def confidence(self) -> float:
        return float(self.probabilities[self.digit])

    def top(self, n: int = 3) -> list[tuple[int, float]]:
        order = np.argsort(-self.probabilities, kind="stable")[:n]
        return [(int(d), float(self.probabilities[d])) for d in order]


def picture_from_grey(grey: np.ndarray, source, name: str) -> Picture:
    """A Picture for the pad: ``grey`` float [0, 1] (H, W) for showing, ``source`` for reading."""
    h, w = grey.shape
    t = max(1, round(0.02 * min(h, w)))
    border = np.concatenate([grey[:t].ravel(), grey[-t:].ravel(), grey[:, :t].ravel(), grey[:, -t:].ravel()])
    page = int(round(float(np.median(border)) * 255))
    return Picture(source=source, grey=np.clip(np.rint(grey * 255), 0, 255).astype(np.uint8),
                   ink_dark=find_polarity(source), page_level=page, name=name)


def picture_from_file(path) -> Picture:
    """Read a picture file exactly as ``main.py predict`` does (``core.preprocess.load_image``)."""
    grey = load_image(path)
    return picture_from_grey(grey, grey, Path(path).name)


def picture_from_qimage(image: QImage, name: str = "pasted picture") -> Picture:
    """A pasted image: RGBA pixels are what the preprocessing reads (alpha onto white, as files)."""
    rgba_image = image.convertToFormat(QImage.Format_RGBA8888)
    h, w, bpl = rgba_image.height(), rgba_image.width(), rgba_image.bytesPerLine()
    rgba = np.frombuffer(rgba_image.constBits(), np.uint8, count=h * bpl).reshape(h, bpl)[:, : 4 * w]
    rgba = rgba.reshape(h, w, 4).copy()
    f = rgba.astype(np.float32) / 255
    lum = 0.299 * f[..., 0] + 0.587 * f[..., 1] + 0.114 * f[..., 2]
    grey = lum * f[..., 3] + (1 - f[..., 3])
    return picture_from_grey(grey, rgba, name)


# ---------------------------------------------------------------------------------------------
# Small views


class ModelSeesView(QWidget):
    """The 28x28 image the model reads, drawn with square pixels, white ink on black."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("modelSeesView")
        self.setAccessibleName("What the model sees")
        self.setMinimumSize(112, 112)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)
        self.image: np.ndarray | None = None
        self._qimage: QImage | None = None

    def set_image(self, image: np.ndarray | None) -> None:
        self.image = None if image is None else np.ascontiguousarray(image, np.uint8)
        if self.image is None:
            self._qimage = None
        else:
            h, w = self.image.shape
            self._qimage = QImage(self.image.data, w, h, w, QImage.Format_Grayscale8).copy()
        self.update()

    def sizeHint(self):
        from PySide6.QtCore import QSize

        return QSize(168, 168)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        side = min(self.width(), self.height())
        side -= side % 28 if side >= 28 else 0  # whole screen pixels per image pixel
        x, y = (self.width() - side) // 2, (self.height() - side) // 2
        painter.fillRect(x, y, side, side, QColor(0, 0, 0))
        if self._qimage is not None:
            painter.drawImage(x, y, self._qimage.scaled(side, side, Qt.IgnoreAspectRatio, Qt.FastTransformation))
        else:
            painter.setPen(QColor(140, 140, 140))
            painter.drawText(x, y, side, side, Qt.AlignCenter | Qt.TextWordWrap, "nothing yet")
        painter.setPen(QPen(QColor(150, 150, 150), 1))
        painter.drawRect(x, y, side - 1, side - 1)
        painter.end()


@dataclass
class _ModelEntry:
    loaded: object
    unsaved: bool

    def text(self) -> str:
        if self.unsaved:
            return f"{self.loaded.name} (trained this session)"
        return self.loaded.name


# ---------------------------------------------------------------------------------------------
# The tab


class DrawTab(QWidget):
    #: A new reading of the drawing: a DrawPrediction, or None when there is nothing to read.
    predictionUpdated = Signal(object)
    #: A digit was added to "my digits": the file's path.
    myDigitsChanged = Signal(str)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.setObjectName("drawTab")
        self.setAcceptDrops(True)
        self.session = session
        self.my_digits_path: Path = my_digits.default_path()
        self.predictor: LivePredictor | None = None
        self.prediction: DrawPrediction | None = None
        self.seen: np.ndarray | None = None
        self._predictor_model = None
        self._predictor_token = None
        self._predict_pending = False
        self._label_auto = True
        self._models: list[_ModelEntry] = []
        self._picture_seen: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._settings = QSettings()

        self._build()
        self._connect()
        self._on_model_changed(session.model)

    # Construction -------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        outer.setSpacing(6)
        outer.addLayout(self._build_model_bar())

        splitter = QSplitter(Qt.Horizontal, self)
        splitter.setObjectName("drawSplitter")
        splitter.setChildrenCollapsible(True)
        splitter.addWidget(self._build_canvas_column())
        splitter.addWidget(self._build_prediction_column())
        splitter.addWidget(self._build_network_column())
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 3)
        splitter.setSizes([560, 330, 360])
        self.splitter = splitter
        outer.addWidget(splitter, 1)

    def _build_model_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setSpacing(8)
        caption = QLabel("<b>Model</b>")
        self.model_choice = QComboBox()
        self.model_choice.setObjectName("modelChoice")
        self.model_choice.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.model_choice.setMinimumContentsLength(18)
        self.model_choice.setToolTip("The models used in this session, including one trained in the Train tab: "
                                     "pick one to switch to it.")
        self.model_info = QLabel()
        self.model_info.setObjectName("modelInfoLabel")
        self.model_info.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.load_model_button = QPushButton("Load model\u2026")
        self.load_model_button.setObjectName("loadModelButton")
        self.load_model_button.setToolTip("Open a Keras model file (.h5 or .keras). You can also drop one on the "
                                          "window. If it cannot be used, the current model stays.")
        bar.addWidget(caption)
        bar.addWidget(self.model_choice)
        bar.addWidget(self.model_info, 1)
        bar.addWidget(self.load_model_button)
        return bar

    def _build_canvas_column(self) -> QWidget:
        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setSpacing(6)

        tools = QHBoxLayout()
        tools.setSpacing(4)
        self.pen_button = QToolButton()
        self.pen_button.setText("Pen")
        self.pen_button.setObjectName("penButton")
        self.eraser_button = QToolButton()
        self.eraser_button.setText("Eraser")
        self.eraser_button.setObjectName("eraserButton")
        self.eraser_button.setToolTip("Erase with a pen twice as wide")
        group = QButtonGroup(self)
        group.setExclusive(True)
        for button in (self.pen_button, self.eraser_button):
            button.setCheckable(True)
            button.setToolButtonStyle(Qt.ToolButtonTextOnly)
            group.addButton(button)
            tools.addWidget(button)
        self.pen_button.setChecked(True)
        self.tool_group = group

        tools.addSpacing(10)
        tools.addWidget(QLabel("Width"))
        self.width_slider = QSlider(Qt.Horizontal)
        self.width_slider.setObjectName("penWidthSlider")
        self.width_slider.setRange(4, 40)
        self.width_slider.setMinimumWidth(90)
        self.width_slider.setMaximumWidth(160)
        self.width_slider.setToolTip("Pen width, in 1/280 of the canvas side")
        self.width_value = QLabel()
        self.width_value.setMinimumWidth(22)
        tools.addWidget(self.width_slider)
        tools.addWidget(self.width_value)
        tools.addStretch(1)

        self.undo_button = QToolButton()
        self.undo_button.setText("Undo")
        self.undo_button.setObjectName("undoButton")
        self.undo_button.setToolTip("Undo (Ctrl+Z)")
        self.redo_button = QToolButton()
        self.redo_button.setText("Redo")
        self.redo_button.setObjectName("redoButton")
        self.redo_button.setToolTip("Redo (Ctrl+Shift+Z)")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setObjectName("clearButton")
        self.clear_button.setToolTip("Clear the canvas (Delete or Esc); Undo brings it back")
        for w in (self.undo_button, self.redo_button, self.clear_button):
            tools.addWidget(w)
        layout.addLayout(tools)

        self.pad = DrawPad()
        layout.addWidget(self.pad, 1)

        files = QHBoxLayout()
        files.setSpacing(4)
        self.open_image_button = QPushButton("Open image\u2026")
        self.open_image_button.setObjectName("openImageButton")
        self.open_image_button.setToolTip("Read a photo or scan of a handwritten digit (PNG, JPEG, ...), "
                                          "the same way main.py predict reads it. You can also drop it here.")
        self.paste_button = QPushButton("Paste")
        self.paste_button.setObjectName("pasteButton")
        self.paste_button.setToolTip("Read a picture from the clipboard (Ctrl+V)")
        self.save_png_button = QPushButton("Save PNG\u2026")
        self.save_png_button.setObjectName("savePngButton")
        self.save_png_button.setToolTip("Save the drawing as a 280x280 PNG: main.py predict reads a saved "
                                        "drawing exactly as the pad does")
        for w in (self.open_image_button, self.paste_button, self.save_png_button):
            files.addWidget(w)
        files.addStretch(1)
        files.addWidget(QLabel("It is a"))
        self.label_spin = QSpinBox()
        self.label_spin.setObjectName("digitLabelSpin")
        self.label_spin.setRange(0, 9)
        self.label_spin.setToolTip("The digit you meant to draw (follows the prediction until you change it)")
        self.add_digit_button = QPushButton("Add to my digits")
        self.add_digit_button.setObjectName("addToMyDigitsButton")
        self.add_digit_button.setToolTip("Keep this drawing, with its label, in your own test set "
                                         "(shown in the Data tab; main.py evaluate --data scores it)")
        files.addWidget(self.label_spin)
        files.addWidget(self.add_digit_button)
        layout.addLayout(files)

        hint = QLabel("Mouse, pen or finger \u00b7 Delete/Esc clears \u00b7 Ctrl+Z / Ctrl+Shift+Z undo/redo "
                      "\u00b7 Ctrl+V pastes a picture")
        hint.setObjectName("drawHint")
        hint.setStyleSheet("color: #666;")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        return column

    def _build_prediction_column(self) -> QWidget:
        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(6)

        box = QGroupBox("Prediction")
        box_layout = QHBoxLayout(box)
        self.prediction_label = QLabel(_NO_DIGIT)
        self.prediction_label.setObjectName("predictionLabel")
        self.prediction_label.setAccessibleName("Predicted digit")
        font = QFont(self.prediction_label.font())
        font.setPointSizeF(font.pointSizeF() * 4.2)
        font.setBold(True)
        self.prediction_label.setFont(font)
        self.prediction_label.setAlignment(Qt.AlignCenter)
        self.prediction_label.setMinimumWidth(80)
        details = QVBoxLayout()
        self.confidence_label = QLabel()
        self.confidence_label.setObjectName("confidenceLabel")
        big = QFont(self.confidence_label.font())
        big.setPointSizeF(big.pointSizeF() * 1.25)
        self.confidence_label.setFont(big)
        self.confidence_label.setWordWrap(True)
        self.top3_label = QLabel()
        self.top3_label.setObjectName("top3Label")
        self.top3_label.setWordWrap(True)
        details.addStretch(1)
        details.addWidget(self.confidence_label)
        details.addWidget(self.top3_label)
        details.addStretch(1)
        box_layout.addWidget(self.prediction_label)
        box_layout.addLayout(details, 1)
        layout.addWidget(box)

        self.probability_plot = BarChart(y_label="Probability", y_range=(0, 1), value_format="{:.0%}")
        self.probability_plot.setObjectName("probabilityPlot")
        self.probability_plot.getPlotItem().getAxis("left").setTicks(
            [[(v, f"{v:.0%}") for v in (0.0, 0.25, 0.5, 0.75, 1.0)]])
        self.probability_plot.setMinimumHeight(170)
        layout.addWidget(self.probability_plot, 3)

        sees = QGroupBox("What the model sees")
        sees_layout = QHBoxLayout(sees)
        self.model_sees = ModelSeesView()
        sees_layout.addWidget(self.model_sees, 1)
        explain = QLabel("The drawing as the network gets it: cropped to its ink, scaled to fit "
                         "20x20, centred by its centre of mass in 28x28, white on black \u2013 as "
                         "MNIST's digits were made, and exactly as <tt>main.py predict</tt> reads "
                         "a picture.")
        explain.setWordWrap(True)
        explain.setStyleSheet("color: #555;")
        explain.setMinimumWidth(110)
        sees_layout.addWidget(explain, 1)
        layout.addWidget(sees, 2)
        return column

    def _build_network_column(self) -> QWidget:
        box = QGroupBox("Inside the network")
        layout = QVBoxLayout(box)
        layout.setContentsMargins(4, 4, 4, 4)
        self.feature_maps = FeatureMapsView()
        layout.addWidget(self.feature_maps)
        return box

    def _connect(self) -> None:
        pad = self.pad
        pad.drawingChanged.connect(self._on_drawing_changed)
        pad.historyChanged.connect(self._update_buttons)
        self.clear_button.clicked.connect(self.clear)
        self.undo_button.clicked.connect(pad.undo)
        self.redo_button.clicked.connect(pad.redo)
        self.eraser_button.toggled.connect(lambda on: setattr(pad, "eraser", on))
        self.width_slider.valueChanged.connect(self._on_width_changed)
        self.width_slider.setValue(int(float(self._settings.value("draw/pen_width", DEFAULT_PEN_WIDTH))))
        self._on_width_changed(self.width_slider.value())
        self.load_model_button.clicked.connect(self.choose_model)
        self.model_choice.activated.connect(self._on_model_chosen)
        self.open_image_button.clicked.connect(self.choose_image)
        self.paste_button.clicked.connect(self.paste_image)
        self.save_png_button.clicked.connect(self.save_drawing)
        self.add_digit_button.clicked.connect(self.add_to_my_digits)
        self.label_spin.valueChanged.connect(self._on_label_edited)

        for keys, slot in ((QKeySequence.Undo, pad.undo), (QKeySequence.Redo, pad.redo),
                           (QKeySequence("Ctrl+Shift+Z"), pad.redo), (QKeySequence(Qt.Key_Delete), self.clear),
                           (QKeySequence(Qt.Key_Escape), self.clear), (QKeySequence.Paste, self.paste_image)):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        s = self.session
        s.modelChanged.connect(self._on_model_changed)
        self._update_buttons()

    # Drawing and predicting -----------------------------------------------------------------

    def clear(self) -> None:
        self.pad.clear()

    def _on_width_changed(self, value: int) -> None:
        self.pad.pen_width = float(value)
        self.width_value.setText(str(value))
        self._settings.setValue("draw/pen_width", int(value))

    def _update_buttons(self) -> None:
        self.undo_button.setEnabled(self.pad.can_undo())
        self.redo_button.setEnabled(self.pad.can_redo())

    def _on_drawing_changed(self) -> None:
        """While a stroke is drawn (the pad emits at most every ~30 ms): coalesce, so changes
        queued before the event loop turns give one prediction.  Otherwise -- the pen lifted,
        clear, undo, redo, a picture -- at once."""
        if not self.pad.is_drawing():
            self.predict_now()
        elif not self._predict_pending:
            self._predict_pending = True
            QTimer.singleShot(0, self._predict_if_pending)

    def _predict_if_pending(self) -> None:
        if self._predict_pending:
            self.predict_now()

    def _read_drawing(self) -> tuple[np.ndarray | None, str | None]:
        """The 28x28 image the model reads, or (None, why not)."""
        picture = self.pad.picture
        array = self.pad.analysis_array()
        if array is None:
            return None, None
        if picture is not None and array is picture.source:
            cached = self._picture_seen.get(picture)
            if cached is not None:
                return cached
        try:
            result = (preprocess_digit(array), None)
        except EmptyImageError:
            result = (None, None)
        except StudioError as error:
            result = (None, str(error))
        if picture is not None and array is picture.source:
            self._picture_seen[picture] = result
        return result

    def predict_now(self) -> None:
        """Read the drawing and show what the model makes of it (on the GUI thread: ~5 ms)."""
        self._predict_pending = False
        seen, problem = self._read_drawing()
        self.seen = seen
        self.model_sees.set_image(seen)
        if seen is None:
            self._show_nothing(problem)
            return
        if self.predictor is None:
            self._show_no_model()
            return
        try:
            probabilities, maps = self.predictor(seen)
        except Exception as error:  # noqa: BLE001 - a model that fails on its input: say so, once per stroke
            self._show_nothing(f"The model could not read the drawing: {str(error).splitlines()[0][:200]}")
            return
        digit = int(np.argmax(probabilities))
        self.prediction = DrawPrediction(digit, probabilities, seen)
        self._show_prediction(self.prediction)
        self.predictionUpdated.emit(self.prediction)
        self.feature_maps.set_maps(maps)

    def _show_prediction(self, prediction: DrawPrediction) -> None:
        self.prediction_label.setText(str(prediction.digit))
        self.prediction_label.setStyleSheet("")
        self.confidence_label.setText(f"<b>{_percent(prediction.confidence)}</b> sure")
        self.top3_label.setText("Top three: " + ", ".join(f"<b>{d}</b> {_percent(p)}" for d, p in prediction.top(3)))
        self.probability_plot.set_values(prediction.probabilities, highlight=prediction.digit)
        if self._label_auto:
            self.label_spin.blockSignals(True)
            self.label_spin.setValue(prediction.digit)
            self.label_spin.blockSignals(False)

    def _show_nothing(self, problem: str | None = None) -> None:
        empty = self.pad.is_empty()
        self.prediction = None
        self.prediction_label.setText(_NO_DIGIT)
        self.prediction_label.setStyleSheet("color: #999;")
        self.confidence_label.setText(problem or "Draw a digit")
        self.top3_label.setText("" if problem else ("Draw one digit, large or small, anywhere on the canvas."
                                                    if empty else "No ink left to read."))
        self.probability_plot.set_values(None)
        self.feature_maps.set_maps(None)
        if empty:
            self._label_auto = True
        self.predictionUpdated.emit(None)

    def _show_no_model(self) -> None:
        self.prediction = None
        self.prediction_label.setText(_NO_DIGIT)
        self.prediction_label.setStyleSheet("color: #999;")
        if self.session.model is None:
            self.confidence_label.setText("No model yet")
            self.top3_label.setText("Load one (Load model\u2026, File > Open model, or drop a .h5/.keras "
                                    "file on the window) or train one in the Train tab.")
        else:
            self.confidence_label.setText("Preparing the model\u2026")
            self.top3_label.setText("")
        self.probability_plot.set_values(None)
        self.feature_maps.set_maps(None)
        self.predictionUpdated.emit(None)

    # The model --------------------------------------------------------------------------------

    def _on_model_changed(self, loaded) -> None:
        self._remember_model(loaded)
        self._show_model_info(loaded)
        if loaded is not None and loaded is self._predictor_model:
            return  # the same model renamed or saved: nothing to rebuild
        self.predictor = None
        self._predictor_model = loaded
        token = self._predictor_token = object()
        if loaded is None:
            self.feature_maps.set_model([], None, note="No model: the feature maps appear once one is loaded.")
            self.predict_now()
            return
        self.feature_maps.set_model([], None, note="Preparing the model\u2026")
        self.predict_now()
        run_task(lambda: LivePredictor(loaded),
                 lambda predictor: self._on_predictor_ready(token, predictor),
                 lambda message: self._on_predictor_failed(token, message), context=self)

    def _on_predictor_ready(self, token, predictor: LivePredictor) -> None:
        if token is not self._predictor_token:
            return  # another model was chosen meanwhile
        self.predictor = predictor
        self.feature_maps.set_model(predictor.conv_names, predictor.first_filters)
        self.predict_now()

    def _on_predictor_failed(self, token, message: str) -> None:
        if token is not self._predictor_token:
            return
        self.feature_maps.set_model([], None, note="The model cannot be used for drawing.")
        self.session.report_error("Model not usable for drawing",
                                  f"The Draw tab cannot read drawings with this model.\n\n{message}\n\n"
                                  "Choose another model in the list above, load one (Load model...), "
                                  "or train one in the Train tab.")

    def _show_model_info(self, loaded) -> None:
        if loaded is None:
            self.model_info.setText("none loaded \u2013 load a .h5 or .keras file, or train one in the Train tab")
            self.model_info.setToolTip("")
            return
        shape = "x".join(str(d) for d in loaded.input_shape)
        unsaved = " \u00b7 <i>trained this session, not saved yet</i>" if self.session.model_unsaved else ""
        self.model_info.setText(f"input {shape} \u00b7 {loaded.parameter_count:,} parameters{unsaved}")
        self.model_info.setToolTip(f"{loaded.describe()}\n{loaded.path or 'not saved to a file'}")

    def _remember_model(self, loaded) -> None:
        if loaded is not None:
            entry = next((e for e in self._models if e.loaded is loaded), None)
            if entry is None:
                entry = _ModelEntry(loaded, self.session.model_unsaved)
                self._models.insert(0, entry)
                del self._models[_MODEL_HISTORY:]
            else:
                entry.unsaved = self.session.model_unsaved
        self.model_choice.blockSignals(True)
        self.model_choice.clear()
        for entry in self._models:
            self.model_choice.addItem(entry.text())
            self.model_choice.setItemData(self.model_choice.count() - 1, entry.loaded.describe(), Qt.ToolTipRole)
        if loaded is None:
            self.model_choice.addItem("(no model)")
            self.model_choice.setCurrentIndex(self.model_choice.count() - 1)
        else:
            self.model_choice.setCurrentIndex(next(i for i, e in enumerate(self._models) if e.loaded is loaded))
        self.model_choice.blockSignals(False)

    def _on_model_chosen(self, index: int) -> None:
        if 0 <= index < len(self._models):
            entry = self._models[index]
            if entry.loaded is not self.session.model:
                self.session.set_model(entry.loaded, unsaved=entry.unsaved)
                self.session.statusMessage.emit(f"Using the model {entry.loaded.name}")

    def choose_model(self) -> None:
        """The window's File > Open model (same dialog, same checks); a dialog of its own if alone."""
        window = self.window()
        if window is not self and callable(getattr(window, "choose_model", None)):
            window.choose_model()
            return
        from gui.main_window import MODEL_FILTER

        path, _ = QFileDialog.getOpenFileName(self, "Open model", str(Path.home()), MODEL_FILTER)
        if path:
            self.open_model(path)

    def open_model(self, path) -> None:
        """Load a model file in the background; on failure a message, and the current model stays."""
        window = self.window()
        if window is not self and callable(getattr(window, "open_model", None)):
            window.open_model(path)
            return
        self.session.open_model(path)

    # Pictures ---------------------------------------------------------------------------------

    def _last_folder(self, key: str) -> str:
        return str(self._settings.value(f"folders/{key}", str(Path.home())))

    def choose_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a picture of a digit", self._last_folder("image"),
                                              IMAGE_FILTER)
        if path:
            self._settings.setValue("folders/image", str(Path(path).parent))
            self.open_image(path)

    def open_image(self, path) -> None:
        """Read a picture file in the background (as ``main.py predict`` does) and show it."""
        self.session.statusMessage.emit(f"Reading {Path(path).name}\u2026")
        run_task(lambda: self._prepared(picture_from_file(path)), self._on_picture_ready,
                 lambda message: self.session.report_error("Picture not opened", message), context=self)

    def paste_image(self) -> None:
        """Read a picture from the clipboard: an image, or a copied picture file."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and mime.hasImage():
            image = QGuiApplication.clipboard().image()
            if not image.isNull():
                run_task(lambda: self._prepared(picture_from_qimage(image)), self._on_picture_ready,
                         lambda message: self.session.report_error("Picture not pasted", message), context=self)
                return
        if mime is not None and mime.hasUrls():
            for url in mime.urls():
                if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in IMAGE_SUFFIXES:
                    self.open_image(url.toLocalFile())
                    return
        self.session.statusMessage.emit("The clipboard holds no picture to read.")

    @staticmethod
    def _prepared(picture: Picture) -> tuple[Picture, tuple]:
        """Off the GUI thread: the picture and its 28x28 reading (a big photo takes a while)."""
        try:
            seen = (preprocess_digit(picture.source), None)
        except EmptyImageError as error:
            seen = (None, str(error))
        except StudioError as error:
            seen = (None, str(error))
        return picture, seen

    def _on_picture_ready(self, prepared) -> None:
        picture, seen = prepared
        self._picture_seen[picture] = seen
        self.pad.set_picture(picture)
        self._label_auto = True
        self.session.statusMessage.emit(f"Reading {picture.name}: draw over it to touch it up; Clear removes it.")
        self.predict_now()

    def dragEnterEvent(self, event) -> None:
        if self._dropped_image(event):
            event.acceptProposedAction()
        else:
            event.ignore()  # model files go on to the window

    def dropEvent(self, event) -> None:
        path = self._dropped_image(event)
        if path:
            event.acceptProposedAction()
            self.open_image(path)
        else:
            event.ignore()

    @staticmethod
    def _dropped_image(event) -> str | None:
        mime = event.mimeData()
        for url in (mime.urls() if mime.hasUrls() else []):
            local = url.toLocalFile()
            if local and Path(local).suffix.lower() in IMAGE_SUFFIXES:
                return local
        return None

    # Saving -----------------------------------------------------------------------------------

    def save_drawing(self) -> None:
        if self.pad.is_empty():
            self.session.statusMessage.emit("Nothing to save: the canvas is empty.")
            return
        start = str(Path(self._last_folder("drawing")) / "digit.png")
        path, _ = QFileDialog.getSaveFileName(self, "Save the drawing as PNG", start, "PNG image (*.png)")
        if not path:
            return
        if Path(path).suffix.lower() != ".png":
            path += ".png"
        self._settings.setValue("folders/drawing", str(Path(path).parent))
        self.save_png(path)

    def save_png(self, path) -> bool:
        if self.pad.save_png(path):
            self.session.statusMessage.emit(f"Saved the drawing to {path}")
            return True
        self.session.report_error("Drawing not saved", f"Could not write '{path}': check the folder exists "
                                                       "and can be written to.")
        return False

    def _on_label_edited(self, _value: int) -> None:
        self._label_auto = False  # the person chose the label: predictions no longer change it

    def add_to_my_digits(self) -> bool:
        """Add what the model sees, labelled with the spin box's digit, to "my digits"."""
        if self.seen is None:
            self.session.statusMessage.emit("Draw a digit first, then add it to my digits.")
            return False
        label = int(self.label_spin.value())
        try:
            total = my_digits.append(self.seen, label, self.my_digits_path)
        except StudioError as error:
            self.session.report_error("Digit not added", str(error))
            return False
        self.session.statusMessage.emit(f"Added a {label} to my digits: {total} digit{'s' if total != 1 else ''} "
                                        f"in {self.my_digits_path}")
        self.myDigitsChanged.emit(str(self.my_digits_path))
        self.pad.clear()  # ready for the next one (Undo brings the drawing back)
        self._label_auto = True
        return True
