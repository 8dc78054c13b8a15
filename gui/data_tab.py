"""The Data tab: browse every image of a split, filter, and look at one up close.

The grid (:class:`~gui.widgets.image_grid.ImageGrid`, object name ``sampleBrowser``) is virtual:
filtering sets an index array built with numpy, so switching split or filter on 60 000 images
is one model reset. Once the model has been evaluated on the test split, the test images can be
filtered by what the model read, narrowed to its mistakes and sorted by its confidence; their
captions then read "true→predicted confidence". Clicking an image shows it enlarged in the side
panel; the panel's summary holds the image count per split, the class distribution and the
mean image of each digit (both clickable: they set the digit filter).

Splits come from the session's data set ("train", "test") and from any extra source added with
:meth:`DataTab.set_extra_split` (e.g. the draw pad's "my digits").
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QGroupBox, QHBoxLayout, QLabel, QPushButton,
                               QSlider, QSpinBox, QSplitter, QStackedWidget,
                               QTabWidget, QVBoxLayout, QWidget)

from core.selection import ORDER_CONFIDENT, ORDER_INDEX, ORDER_UNSURE, class_summary, select_indices
from gui.widgets.bar_chart import BarChart
from gui.widgets.image_detail import ImageDetailView
from gui.widgets.image_grid import ImageGrid


SPLIT_TITLES = {"train": "Training set", "test": "Test set"}
LOADING_TEXT = ("<h3>Loading MNIST...</h3><p>If no data appears, open a data set with "
                "<b>File &gt; Open dataset...</b> (a Keras-style mnist.npz, or a folder with the "
                "four MNIST IDX files).</p>")
NO_DATA_TEXT = ("<h3>No data set</h3><p>Open one with <b>File &gt; Open dataset...</b> "
                "(a Keras-style mnist.npz, or a folder with the four MNIST IDX files).</p>")
NEEDS_EVALUATION = ("Needs the model's predictions: evaluate it on the test set "
                    "(Results tab) and choose the test split.")


class DataTab(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self._extra: dict[str, tuple[str, np.ndarray, np.ndarray]] = {}
        self._summaries: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._split: str | None = None
        self._prediction_cache: tuple[object, np.ndarray, np.ndarray] | None = None
        self._detail_item: tuple[str, int] | None = None
        self._build()
        s = session
        s.datasetChanged.connect(self._on_dataset_changed)
        s.evaluationChanged.connect(self._on_evaluation_changed)
        s.modelChanged.connect(lambda *_: self._refresh_detail())
        s.tensorflowReady.connect(self._refresh_detail)
        s.showImagesRequested.connect(self.show_images)
        self._rebuild_splits()

    # Construction ------------------------------------------------------------------------

    def _build(self) -> None:
        self.split_combo = QComboBox()
        self.split_combo.setObjectName("splitComboBox")
        self.split_combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.split_combo.currentIndexChanged.connect(lambda *_: self._on_split_chosen())

        self.digit_combo = QComboBox()
        self.digit_combo.setObjectName("digitFilterComboBox")
        self.digit_combo.addItem("All digits", None)
        self.predicted_combo = QComboBox()
        self.predicted_combo.setObjectName("predictedFilterComboBox")
        self.predicted_combo.addItem("Anything", None)
        for digit in range(10):
            self.digit_combo.addItem(str(digit), digit)
            self.predicted_combo.addItem(str(digit), digit)
        self.digit_combo.setToolTip("Show only images labelled with this digit")
        self.mistakes_check = QCheckBox("Only mistakes")
        self.mistakes_check.setObjectName("mistakesCheckBox")
        self.order_combo = QComboBox()
        self.order_combo.setObjectName("orderComboBox")
        self.order_combo.addItem("Index", ORDER_INDEX)
        self.order_combo.addItem("Most confident first", ORDER_CONFIDENT)
        self.order_combo.addItem("Least confident first", ORDER_UNSURE)
        for combo in (self.digit_combo, self.predicted_combo, self.order_combo):
            combo.currentIndexChanged.connect(lambda *_: self._apply_filters())
        self.mistakes_check.toggled.connect(self._on_mistakes_toggled)

        self.jump_spin = QSpinBox()
        self.jump_spin.setObjectName("jumpSpinBox")
        self.jump_spin.setKeyboardTracking(False)
        self.jump_spin.setMinimumWidth(90)
        self.jump_spin.setToolTip("The index of an image in the split (0 = the first)")
        self.jump_spin.lineEdit().returnPressed.connect(self._on_jump)
        self.jump_button = QPushButton("Go")
        self.jump_button.setObjectName("jumpButton")
        self.jump_button.clicked.connect(self._on_jump)
        self.size_slider = QSlider(Qt.Horizontal)
        self.size_slider.setObjectName("thumbnailSizeSlider")
        self.size_slider.setRange(ImageGrid.MIN_SIZE, ImageGrid.MAX_SIZE)
        self.size_slider.setValue(56)
        self.size_slider.setMaximumWidth(160)
        self.size_slider.setToolTip("Thumbnail size")
        self.count_label = QLabel("")
        self.count_label.setObjectName("shownCountLabel")

        filters = QHBoxLayout()
        for text, widget in (("Split", self.split_combo), ("Digit", self.digit_combo),
                             ("Read as", self.predicted_combo)):
            filters.addWidget(QLabel(text))
            filters.addWidget(widget)
            filters.addSpacing(8)
        filters.addWidget(self.mistakes_check)
        filters.addSpacing(8)
        filters.addWidget(QLabel("Order"))
        filters.addWidget(self.order_combo)
        filters.addStretch(1)
        navigation = QHBoxLayout()
        navigation.addWidget(QLabel("Go to image #"))
        navigation.addWidget(self.jump_spin)
        navigation.addWidget(self.jump_button)
        navigation.addSpacing(16)
        navigation.addWidget(QLabel("Size"))
        navigation.addWidget(self.size_slider)
        navigation.addSpacing(16)
        navigation.addWidget(self.count_label, 1)

        self.grid = ImageGrid(thumbnail_size=self.size_slider.value())
        self.grid.setObjectName("sampleBrowser")
        self.grid.imageClicked.connect(self._on_image_clicked)
        self.grid.currentImageChanged.connect(self._on_current_image)
        self.size_slider.valueChanged.connect(self.grid.set_thumbnail_size)

        browser = QWidget()
        browser_layout = QVBoxLayout(browser)
        browser_layout.setContentsMargins(0, 0, 0, 0)
        browser_layout.addLayout(filters)
        browser_layout.addLayout(navigation)
        browser_layout.addWidget(self.grid, 1)

        # Side panel: the summary of the data set, and the chosen image.
        self.summary_label = QLabel("")
        self.summary_label.setObjectName("dataSummaryLabel")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.RichText)
        self.distribution_chart = BarChart(y_label="Images", value_format="{:,.0f}")
        self.distribution_chart.setObjectName("classDistributionChart")
        self.distribution_chart.barClicked.connect(self.set_digit)
        self.distribution_box = QGroupBox("Images per digit")
        box_layout = QVBoxLayout(self.distribution_box)
        box_layout.setContentsMargins(4, 4, 4, 4)
        box_layout.addWidget(self.distribution_chart)
        self.means_grid = ImageGrid(thumbnail_size=44)
        self.means_grid.setObjectName("meanImagesGrid")
        self.means_grid.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.means_grid.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.means_grid.set_fit_columns(10)
        self.means_grid.imageClicked.connect(self.set_digit)
        self.means_box = QGroupBox("Mean image of each digit")
        means_layout = QVBoxLayout(self.means_box)
        means_layout.setContentsMargins(4, 4, 4, 4)
        means_layout.addWidget(self.means_grid)
        hint = QLabel("Click a bar or a mean image to show only that digit.")
        hint.setStyleSheet("color: #5f6368;")
        hint.setWordWrap(True)
        summary = QWidget()
        summary_layout = QVBoxLayout(summary)
        summary_layout.addWidget(self.summary_label)
        summary_layout.addWidget(self.distribution_box, 1)
        summary_layout.addWidget(self.means_box)
        summary_layout.addWidget(hint)

        self.detail = ImageDetailView()
        self.detail.setObjectName("imageDetail")
        self.side_tabs = QTabWidget()
        self.side_tabs.setObjectName("dataSideTabs")
        self.side_tabs.addTab(summary, "Summary")
        self.side_tabs.addTab(self.detail, "Image")

        body = QSplitter(Qt.Horizontal)
        body.addWidget(browser)
        body.addWidget(self.side_tabs)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)
        body.setChildrenCollapsible(False)
        body.setSizes([820, 440])
        self.body = body

        self.empty_label = QLabel(LOADING_TEXT)
        self.empty_label.setObjectName("dataEmptyLabel")
        self.empty_label.setAlignment(Qt.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty_label)
        self.pages.addWidget(body)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

    # Splits --------------------------------------------------------------------------------

    def split_names(self) -> list[str]:
        names = list(SPLIT_TITLES) if self.session.dataset is not None else []
        return names + list(self._extra)

    def split_arrays(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(images, labels) of a split: the data set's "train"/"test" or an extra source."""
        if name in self._extra:
            return self._extra[name][1:]
        return self.session.dataset.split(name)

    def split_title(self, name: str) -> str:
        return self._extra[name][0] if name in self._extra else SPLIT_TITLES.get(name, name)

    def set_extra_split(self, name: str, title: str, images: np.ndarray, labels: np.ndarray) -> None:
        """Add (or replace) a browsable split, e.g. ``("mine", "My digits", images, labels)``."""
        images, labels = np.asarray(images, np.uint8), np.asarray(labels)
        if images.ndim != 3 or len(images) != len(labels):
            raise ValueError("Expected images (N, H, W) and N labels.")
        self._extra[name] = (title, images, labels)
        self._summaries.pop(name, None)
        self._rebuild_splits(reload=self._split == name)

    def remove_extra_split(self, name: str) -> None:
        if self._extra.pop(name, None) is not None:
            self._summaries.pop(name, None)
            self._rebuild_splits()

    def current_split(self) -> str | None:
        return self._split

    def set_split(self, name: str) -> None:
        index = self.split_combo.findData(name)
        if index < 0:
            raise ValueError(f"No split {name!r}; there are {self.split_names()}.")
        self.split_combo.setCurrentIndex(index)

    def _rebuild_splits(self, reload: bool = False) -> None:
        names = self.split_names()
        previous = self._split
        self.split_combo.blockSignals(True)
        self.split_combo.clear()
        for name in names:
            count = len(self.split_arrays(name)[1])
            self.split_combo.addItem(f"{self.split_title(name)} ({count:,})", name)
        self.split_combo.blockSignals(False)
        if not names:
            self._split = None
            self.grid.set_images(np.zeros((0, 28, 28), np.uint8))
            self.pages.setCurrentWidget(self.empty_label)
            return
        self.pages.setCurrentWidget(self.body)
        keep = previous if previous in names else names[0]
        self.split_combo.blockSignals(True)
        self.split_combo.setCurrentIndex(self.split_combo.findData(keep))
        self.split_combo.blockSignals(False)
        if keep != previous or reload:
            self._load_split(keep)
        self._update_summary_text()

    def _on_split_chosen(self) -> None:
        name = self.split_combo.currentData()
        if name is not None and name != self._split:
            self._load_split(name)

    def _load_split(self, name: str) -> None:
        self._split = name
        images, labels = self.split_arrays(name)
        predictions, confidences = self._predictions(name)
        self._update_model_controls()
        indices = self._filtered_indices()
        self.grid.set_images(images, labels, indices, predictions, confidences)
        self.grid.scrollToTop()
        self.jump_spin.setRange(0, max(len(labels) - 1, 0))
        self._update_count()
        self._update_split_summary()

    # Filters -------------------------------------------------------------------------------

    def evaluation_for(self, split: str | None):
        """The session's evaluation if it scores this split's images (the test split), else None."""
        evaluation = self.session.evaluation
        if evaluation is None or split != "test" or self.session.dataset is None:
            return None
        labels = self.split_arrays(split)[1]
        if evaluation.count != len(labels) or not np.array_equal(evaluation.labels, labels):
            return None
        return evaluation

    def _predictions(self, split: str | None):
        evaluation = self.evaluation_for(split)
        if evaluation is None:
            return None, None
        cache = self._prediction_cache
        if cache is None or cache[0] is not evaluation:
            cache = self._prediction_cache = (evaluation, evaluation.predictions, evaluation.confidences)
        return cache[1], cache[2]

    @property
    def digit(self) -> int | None:
        return self.digit_combo.currentData()

    @property
    def predicted(self) -> int | None:
        return self.predicted_combo.currentData() if self.predicted_combo.isEnabled() else None

    @property
    def mistakes_only(self) -> bool:
        return self.mistakes_check.isEnabled() and self.mistakes_check.isChecked()

    @property
    def order(self) -> str:
        return self.order_combo.currentData() if self.order_combo.isEnabled() else ORDER_INDEX

    def set_digit(self, digit: int | None) -> None:
        """Show only images labelled ``digit`` (None: all)."""
        self.digit_combo.setCurrentIndex(0 if digit is None else int(digit) + 1)

    def set_predicted(self, digit: int | None) -> None:
        self.predicted_combo.setCurrentIndex(0 if digit is None else int(digit) + 1)

    def set_mistakes_only(self, on: bool) -> None:
        self.mistakes_check.setChecked(on)

    def set_order(self, order: str) -> None:
        self.order_combo.setCurrentIndex(self.order_combo.findData(order))

    def clear_filters(self) -> None:
        with _Blocked(self.digit_combo, self.predicted_combo, self.mistakes_check, self.order_combo):
            self.digit_combo.setCurrentIndex(0)
            self.predicted_combo.setCurrentIndex(0)
            self.mistakes_check.setChecked(False)
            self.order_combo.setCurrentIndex(0)
        self._apply_filters()

    def _on_mistakes_toggled(self, on: bool) -> None:
        if on and self.order_combo.currentData() == ORDER_INDEX:
            with _Blocked(self.order_combo):
                self.set_order(ORDER_CONFIDENT)  # mistakes come sorted by confidence
        self._apply_filters()

    def _filtered_indices(self) -> np.ndarray:
        labels = self.split_arrays(self._split)[1]
        predictions, confidences = self._predictions(self._split)
        return select_indices(labels, self.digit, predictions, self.predicted, self.mistakes_only,
                              confidences, self.order)

    def _apply_filters(self) -> None:
        if self._split is None:
            return
        self.grid.set_indices(self._filtered_indices())
        self.grid.scrollToTop()
        self._update_count()
        self.distribution_chart.set_highlight(self.digit)

    def shown_indices(self) -> np.ndarray:
        """The source indices of the images shown, in order."""
        return self.grid.shown_indices()

    def _update_model_controls(self) -> None:
        available = self._predictions(self._split)[0] is not None
        if not available:
            with _Blocked(self.predicted_combo, self.mistakes_check, self.order_combo):
                self.predicted_combo.setCurrentIndex(0)
                self.mistakes_check.setChecked(False)
                self.order_combo.setCurrentIndex(0)
        for widget in (self.predicted_combo, self.mistakes_check, self.order_combo):
            widget.setEnabled(available)
            widget.setToolTip("" if available else NEEDS_EVALUATION)
        if available:
            self.predicted_combo.setToolTip("Show only images the model read as this digit")
            self.mistakes_check.setToolTip("Show only images the model read wrongly")
            self.order_combo.setToolTip("Order by the model's confidence in what it read")

    def _update_count(self) -> None:
        labels = self.split_arrays(self._split)[1]
        shown = self.grid.model().rowCount()
        title = self.split_title(self._split).lower()
        if shown == len(labels):
            self.count_label.setText(f"{shown:,} images")
        else:
            self.count_label.setText(f"Showing {shown:,} of {len(labels):,} images")
        self.count_label.setToolTip(f"{shown:,} of the {len(labels):,} images of the {title} pass the filters")

    # Requests from elsewhere -------------------------------------------------------------

    def show_images(self, split: str, true=None, predicted=None) -> None:
        """Show ``split`` filtered to a true and/or predicted digit (the Results tab's cells)."""
        if split not in self.split_names():
            return
        with _Blocked(self.split_combo, self.digit_combo, self.predicted_combo,
                      self.mistakes_check, self.order_combo):
            self.split_combo.setCurrentIndex(self.split_combo.findData(split))
        if split != self._split:
            self._load_split(split)
        has_predictions = self._predictions(split)[0] is not None
        with _Blocked(self.digit_combo, self.predicted_combo, self.mistakes_check, self.order_combo):
            self.set_digit(true)
            self.set_predicted(predicted if has_predictions else None)
            self.mistakes_check.setChecked(False)
            self.set_order(ORDER_CONFIDENT if has_predictions and predicted is not None else ORDER_INDEX)
        self._apply_filters()
        if predicted is not None and not has_predictions:
            self.session.statusMessage.emit("The model's predictions for these images are not "
                                            "available: evaluate it on the test set first.")

    def jump_to(self, index: int) -> bool:
        """Scroll to image ``index`` of the split and show it; clears filters that hide it."""
        if self._split is None:
            return False
        count = len(self.split_arrays(self._split)[1])
        if not 0 <= index < count:
            return False
        if self.grid.grid_model.row_of(index) < 0:
            self.clear_filters()
            self.session.statusMessage.emit(f"Filters cleared to show image #{index:,}.")
        self.grid.scroll_to_image(index)
        self._show_detail(self._split, index)
        return True

    def _on_jump(self) -> None:
        self.jump_spin.interpretText()
        self.jump_to(self.jump_spin.value())

    def set_empty_message(self, html: str) -> None:
        """What the tab says while there is no data (e.g. after loading failed)."""
        self.empty_label.setText(html)

    # Session -------------------------------------------------------------------------------

    def _on_dataset_changed(self, dataset) -> None:
        self._summaries = {name: value for name, value in self._summaries.items() if name in self._extra}
        self._prediction_cache = None
        if dataset is None:
            self.empty_label.setText(NO_DATA_TEXT)
        if self._detail_item is not None and self._detail_item[0] not in self._extra:
            self._detail_item = None
            self.detail.clear()
        self._rebuild_splits(reload=True)

    def _on_evaluation_changed(self, _evaluation) -> None:
        if self._split is None:
            return
        predictions, confidences = self._predictions(self._split)
        was_available = self.predicted_combo.isEnabled()
        self._update_model_controls()
        self.grid.set_predictions(predictions, confidences)
        if was_available or predictions is not None:
            self._apply_filters()
        self._refresh_detail()

    # The summary ---------------------------------------------------------------------------

    def _update_summary_text(self) -> None:
        lines = []
        dataset = self.session.dataset
        if dataset is not None:
            lines.append(f"<b>Source:</b> {_escape(dataset.source)}")
        counts = " &nbsp;·&nbsp; ".join(f"{self.split_title(name)}: <b>{len(self.split_arrays(name)[1]):,}</b>"
                                         for name in self.split_names())
        lines.append(counts + " images")
        self.summary_label.setText("<br>".join(lines))

    def _update_split_summary(self) -> None:
        name = self._split
        if name not in self._summaries:
            self._summaries[name] = class_summary(*self.split_arrays(name))
        counts, means = self._summaries[name]
        title = self.split_title(name).lower()
        self.distribution_box.setTitle(f"Images per digit ({title})")
        self.distribution_chart.set_values(counts, highlight=self.digit)
        self.means_box.setTitle(f"Mean image of each digit ({title})")
        self.means_grid.set_images(means, np.arange(len(means)))

    # The detail view -----------------------------------------------------------------------

    def _on_image_clicked(self, index: int) -> None:
        self._show_detail(self._split, index)
        self.side_tabs.setCurrentWidget(self.detail)

    def _on_current_image(self, index: int) -> None:
        if index >= 0:
            self._show_detail(self._split, index)

    def _refresh_detail(self) -> None:
        if self._detail_item is not None and self._detail_item[0] in self.split_names():
            self._show_detail(*self._detail_item)

    def _show_detail(self, split: str, index: int) -> None:
        images, labels = self.split_arrays(split)
        if not 0 <= index < len(labels):
            return
        self._detail_item = (split, index)
        probabilities, note = self.probabilities_for(split, index)
        self.detail.show_image(images[index], index=index, label=int(labels[index]),
                               source=self.split_title(split).lower(), probabilities=probabilities,
                               note=note)

    def probabilities_for(self, split: str, index: int) -> tuple[np.ndarray | None, str]:
        """The model's ten probabilities for one image, and a note on where they come from."""
        s = self.session
        evaluation = self.evaluation_for(split)
        if evaluation is not None:
            return evaluation.probabilities[index], "From the last evaluation on the test set."
        if s.model is None:
            return None, "Open or train a model to see what it reads in this image."
        if not s.tensorflow_ready:
            return None, "The model's probabilities appear once TensorFlow has started."
        from core.model_io import predict_probabilities

        try:  # one image: a few milliseconds, fine on the GUI thread
            probabilities = predict_probabilities(s.model.model, self.split_arrays(split)[0][index][None])[0]
        except Exception as error:  # a model that cannot read it: say so, never crash the browser
            reason = (str(error).strip().splitlines() or ["it does not take 28x28 images"])[0][:200]
            return None, (f"The model {s.model.name} could not read this image ({reason}). "
                          "Open another model (File > Open model...) or train one in the Train tab.")
        return probabilities, f"Computed by the model {s.model.name}."


class _Blocked:
    """``with _Blocked(a, b):`` -- the widgets emit no signals inside the block."""

    def __init__(self, *widgets):
        self._widgets = widgets

    def __enter__(self):
        self._previous = [widget.blockSignals(True) for widget in self._widgets]
        return self

    def __exit__(self, *_):
        for widget, previous in zip(self._widgets, self._previous):
            widget.blockSignals(previous)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
