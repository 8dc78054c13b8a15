"""The Results tab: how well the active model reads the test set.

Shows ``session.evaluation`` whenever it changes (training sets one; "Evaluate on test set"
makes one for any model, in the background): test accuracy and loss, per-digit accuracy as bars,
the confusion matrix as a heat map with counts, and a gallery of images -- by default the most
confident mistakes, or the images of a clicked cell. Clicking a cell also asks the Data tab to
show those images (``session.showImagesRequested``).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QLabel, QPushButton, QSplitter,
                               QStackedWidget, QVBoxLayout, QWidget)

from gui.tasks import run_task
from gui.widgets.bar_chart import BarChart
from gui.widgets.confusion_matrix import ConfusionMatrixView
from gui.widgets.image_detail import ImageDetailDialog
from gui.widgets.image_grid import ImageGrid

HINT_COLOR = "#5f6368"

#: How many of the most confident mistakes the gallery shows by default.
MISTAKE_LIMIT = 200

EMPTY_TEXT = ("<h3>No evaluation yet</h3>"
              "<p>Train a model in the Train tab, or open one (File &gt; Open model...) "
              "and press <b>Evaluate on test set</b>.</p>")


class ResultsTab(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self._evaluating = False
        self._job = 0                     # the latest evaluation job; older results are dropped
        self._cell: tuple[int, int] | None = None  # the cell shown in the gallery (None: mistakes)
        self._detail: ImageDetailDialog | None = None
        self._auto_scored = None          # (model, data set) last scored because the tab was shown
        self._build()
        s = session
        s.evaluationChanged.connect(self._show_evaluation)
        for signal in (s.datasetChanged, s.modelChanged, s.tensorflowReady, s.trainingActiveChanged):
            signal.connect(self._on_session_changed)
        self._show_evaluation(s.evaluation)

    def _on_session_changed(self, *_args) -> None:
        self._update_state()
        self._score_if_looked_at()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._score_if_looked_at()

    def _score_if_looked_at(self) -> None:
        """A model nobody has scored yet is scored as soon as the tab is on screen (a few seconds,
        in the background), so that looking at Results shows results. Each model and data set is
        tried once this way: a model that fails to score is not retried every time the tab shows."""
        s = self.session
        if not self.isVisible() or s.evaluation is not None or not self.can_evaluate():
            return
        if self._auto_scored and self._auto_scored[0] is s.model and self._auto_scored[1] is s.dataset:
            return
        self._auto_scored = (s.model, s.dataset)
        self.evaluate()

    # Construction ------------------------------------------------------------------------

    def _build(self) -> None:
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 1.9)
        big.setBold(True)
        self.accuracy_caption = QLabel("Test accuracy")
        self.accuracy_label = QLabel("–")
        self.accuracy_label.setObjectName("testAccuracyLabel")
        self.accuracy_label.setFont(big)
        self.accuracy_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.loss_label = QLabel("")
        self.loss_label.setObjectName("testLossLabel")
        self.details_label = QLabel("")
        self.details_label.setObjectName("evaluationDetailsLabel")
        self.details_label.setStyleSheet(f"color: {HINT_COLOR};")
        self.evaluate_button = QPushButton("Evaluate on test set")
        self.evaluate_button.setObjectName("evaluateButton")
        self.evaluate_button.clicked.connect(self.evaluate)

        figures = QVBoxLayout()
        figures.setSpacing(0)
        figures.addWidget(self.loss_label)
        figures.addWidget(self.details_label)
        header = QHBoxLayout()
        header.addWidget(self.accuracy_caption)
        header.addWidget(self.accuracy_label)
        header.addSpacing(24)
        header.addLayout(figures)
        header.addStretch(1)
        header.addWidget(self.evaluate_button)

        # The empty state.
        self.empty_label = QLabel(EMPTY_TEXT)
        self.empty_label.setObjectName("resultsEmptyLabel")
        self.empty_label.setAlignment(Qt.AlignCenter)
        self.empty_label.setWordWrap(True)

        # The results: matrix on the left; per-digit bars and the gallery on the right.
        self.confusion_matrix = ConfusionMatrixView()
        self.confusion_matrix.setObjectName("confusionMatrix")
        self.confusion_matrix.cellClicked.connect(self.show_cell)
        matrix_box = self._box("Confusion matrix", self.confusion_matrix,
                               "Rows: the true digit; columns: what the model read. "
                               "Click a cell to see its images.")

        self.class_chart = BarChart(y_label="Accuracy", y_range=(0, 1), value_format="{:.1%}",
                                    y_tick_format="{:.0%}")
        self.class_chart.setObjectName("perClassAccuracyChart")
        self.class_chart.barClicked.connect(self.show_digit_mistakes)
        chart_box = self._box("Accuracy per digit", self.class_chart,
                              "The worst-read digit is in orange. Click a bar to see its mistakes.")

        self.gallery = ImageGrid(thumbnail_size=48)
        self.gallery.setObjectName("resultsGallery")
        self.gallery.imageClicked.connect(self._open_detail)
        self.gallery_title = QLabel("")
        self.gallery_title.setObjectName("galleryTitleLabel")
        self.gallery_title.setWordWrap(True)
        self.mistakes_button = QPushButton("Show top mistakes")
        self.mistakes_button.setObjectName("showMistakesButton")
        self.mistakes_button.clicked.connect(self.show_mistakes)
        self.open_in_data_button = QPushButton("Open in Data tab")
        self.open_in_data_button.setObjectName("openInDataTabButton")
        self.open_in_data_button.setToolTip("Browse these images in the Data tab, with its filters")
        self.open_in_data_button.clicked.connect(self._open_cell_in_data_tab)
        gallery_head = QHBoxLayout()
        gallery_head.addWidget(self.gallery_title, 1)
        gallery_head.addWidget(self.mistakes_button)
        gallery_head.addWidget(self.open_in_data_button)
        gallery_widget = QWidget()
        gallery_layout = QVBoxLayout(gallery_widget)
        gallery_layout.setContentsMargins(0, 0, 0, 0)
        gallery_layout.addLayout(gallery_head)
        gallery_layout.addWidget(self.gallery)
        gallery_box = self._box("Images", gallery_widget,
                                "Captions: true digit → what the model read, and how sure it was. "
                                "Click one to see it up close.")

        right = QSplitter(Qt.Vertical)
        right.addWidget(chart_box)
        right.addWidget(gallery_box)
        right.setStretchFactor(0, 2)
        right.setStretchFactor(1, 5)
        right.setChildrenCollapsible(False)
        body = QSplitter(Qt.Horizontal)
        body.addWidget(matrix_box)
        body.addWidget(right)
        body.setStretchFactor(0, 5)
        body.setStretchFactor(1, 6)
        body.setChildrenCollapsible(False)
        self.body = body

        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty_label)
        self.pages.addWidget(body)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.pages, 1)

    @staticmethod
    def _box(title: str, content: QWidget, hint: str) -> QGroupBox:
        box = QGroupBox(title)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(6, 4, 6, 6)
        note = QLabel(hint)
        note.setWordWrap(True)
        note.setStyleSheet(f"color: {HINT_COLOR};")
        layout.addWidget(note)
        layout.addWidget(content, 1)
        return box

    # Evaluating ---------------------------------------------------------------------------

    def can_evaluate(self) -> bool:
        s = self.session
        return (s.model is not None and s.dataset is not None and s.tensorflow_ready
                and not self._evaluating and not s.training_active)

    def evaluate(self) -> None:
        """Score the active model on the test split, in the background."""
        if not self.can_evaluate():
            return
        from core.evaluation import evaluate

        s = self.session
        model, dataset = s.model, s.dataset
        images, labels = dataset.split("test")
        self._job += 1
        job = self._job
        self._evaluating = True
        self._update_state()
        s.statusMessage.emit(f"Evaluating {model.name} on {len(labels):,} test images...")

        def done(evaluation) -> None:
            if job != self._job:
                return
            self._evaluating = False
            if s.model is model and s.dataset is dataset:  # still the same model and data?
                s.set_evaluation(evaluation)
                s.statusMessage.emit(f"{model.name}: test accuracy {format_percent(evaluation.accuracy)}")
            self._update_state()

        def failed(message: str) -> None:
            if job != self._job:
                return
            self._evaluating = False
            self._update_state()
            s.report_error("Evaluation failed",
                           f"The model {model.name} could not score the test images.\n\n{message}\n\n"
                           "Open another model (File > Open model...) or train one in the Train tab.")

        run_task(lambda: evaluate(model.model, images, labels), done, failed, context=self)

    @property
    def evaluating(self) -> bool:
        return self._evaluating

    def _update_state(self) -> None:
        s = self.session
        self.evaluate_button.setEnabled(self.can_evaluate())
        if self._evaluating:
            tip = "Evaluating..."
        elif s.dataset is None:
            tip = "Load a data set first (File > Open dataset...)."
        elif s.model is None:
            tip = "Train a model in the Train tab, or open one (File > Open model...)."
        elif not s.tensorflow_ready:
            tip = "TensorFlow is still starting..."
        elif s.training_active:
            tip = "Wait until training ends."
        else:
            tip = f"Score {s.model.name} on the {s.dataset.sizes['test']:,} test images."
        self.evaluate_button.setToolTip(tip)
        self.evaluate_button.setText("Evaluating..." if self._evaluating else "Evaluate on test set")
        if s.evaluation is None:
            self.empty_label.setText(self._empty_text())

    def _empty_text(self) -> str:
        s = self.session
        if self._evaluating and s.model is not None and s.dataset is not None:
            return (f"<h3>Evaluating {s.model.name}...</h3>"
                    f"<p>Reading the {s.dataset.sizes['test']:,} test images.</p>")
        if s.model is not None:
            return (f"<h3>No evaluation yet</h3><p>The model <b>{s.model.name}</b> has not been "
                    "scored on the test set. Press <b>Evaluate on test set</b>; or train a model "
                    "in the Train tab.</p>")
        return EMPTY_TEXT

    # Showing an evaluation ----------------------------------------------------------------------

    def _show_evaluation(self, evaluation) -> None:
        self._cell = None
        self._update_state()
        if evaluation is None:
            self.accuracy_label.setText("–")
            self.loss_label.setText("")
            self.details_label.setText("")
            self.confusion_matrix.set_matrix(None)
            self.class_chart.set_values(None)
            self.gallery.set_images(np.zeros((0, 28, 28), np.uint8))
            self.pages.setCurrentWidget(self.empty_label)
            if self._detail is not None:
                self._detail.hide()
            self._score_if_looked_at()  # a new model or data set: score it if the tab is on screen
            return
        self.accuracy_label.setText(format_percent(evaluation.accuracy))
        self.loss_label.setText(f"Test loss (cross-entropy): {evaluation.loss:.4f}")
        mistakes = int(np.sum(evaluation.predictions != evaluation.labels))
        model = self.session.model
        model_text = f" · model {model.name}" if model is not None else ""
        self.details_label.setText(f"{evaluation.count:,} test images · {mistakes:,} read wrongly{model_text}")
        self.confusion_matrix.set_matrix(evaluation.confusion_matrix)
        per_class = evaluation.per_class_accuracy
        worst = int(np.nanargmin(per_class)) if np.isfinite(per_class).any() else None
        self.class_chart.set_values(per_class, highlight=worst)
        images = self._test_images(evaluation)
        if images is None:
            images = np.zeros((evaluation.count, 28, 28), np.uint8)
        self.gallery.set_images(images, evaluation.labels, indices=np.zeros(0, np.int64),
                                predictions=evaluation.predictions, confidences=evaluation.confidences)
        self.pages.setCurrentWidget(self.body)
        self.show_mistakes()

    def _test_images(self, evaluation) -> np.ndarray | None:
        dataset = self.session.dataset
        if dataset is None:
            return None
        images, labels = dataset.split("test")
        return images if len(labels) == evaluation.count else None

    def show_mistakes(self) -> None:
        """Fill the gallery with the most confident mistakes (the default)."""
        evaluation = self.session.evaluation
        if evaluation is None:
            return
        self._cell = None
        self.confusion_matrix.select_cell(None)
        indices = evaluation.mistakes(limit=MISTAKE_LIMIT)
        total = int(np.sum(evaluation.predictions != evaluation.labels))
        self.gallery.set_indices(indices)
        self.gallery.scrollToTop()
        if total == 0:
            self.gallery_title.setText("<b>No mistakes</b>: every test image was read correctly.")
        elif total > len(indices):
            self.gallery_title.setText(f"<b>Most confident mistakes</b>: the {len(indices):,} "
                                       f"surest of {total:,}")
        else:
            self.gallery_title.setText(f"<b>Most confident mistakes</b>: all {total:,}, surest first")
        self.mistakes_button.setEnabled(False)
        self.open_in_data_button.setEnabled(False)

    def show_digit_mistakes(self, digit: int) -> None:
        """Fill the gallery with the mistakes on one true digit, most confident first."""
        evaluation = self.session.evaluation
        if evaluation is None:
            return
        self._cell = None
        self.confusion_matrix.select_cell(None)
        indices = evaluation.indices(true=digit)
        indices = indices[evaluation.predictions[indices] != digit]
        self.gallery.set_indices(indices)
        self.gallery.scrollToTop()
        self.gallery_title.setText(f"<b>Mistakes on {digit}s</b>: {len(indices):,} images, surest first")
        self.mistakes_button.setEnabled(True)
        self.open_in_data_button.setEnabled(False)

    def show_cell(self, true: int, predicted: int) -> None:
        """Show a confusion-matrix cell: fill the gallery and ask the Data tab to show it too."""
        evaluation = self.session.evaluation
        if evaluation is None:
            return
        self._cell = (int(true), int(predicted))
        self.confusion_matrix.select_cell(true, predicted)
        indices = evaluation.indices(true=true, predicted=predicted)
        self.gallery.set_indices(indices)
        self.gallery.scrollToTop()
        images = "image" if len(indices) == 1 else "images"
        if true == predicted:
            what = f"<b>{true}s read correctly</b>: {len(indices):,} {images}, surest first"
        else:
            what = f"<b>{true}s read as {predicted}</b>: {len(indices):,} {images}, surest first"
        self.gallery_title.setText(what)
        self.mistakes_button.setEnabled(True)
        self.open_in_data_button.setEnabled(True)
        self.session.showImagesRequested.emit("test", int(true), int(predicted))

    @property
    def shown_cell(self) -> tuple[int, int] | None:
        return self._cell

    def _open_cell_in_data_tab(self) -> None:
        if self._cell is not None:
            self.session.showImagesRequested.emit("test", *self._cell)

    def _open_detail(self, index: int) -> None:
        evaluation = self.session.evaluation
        images = self._test_images(evaluation) if evaluation is not None else None
        if images is None:
            return
        if self._detail is None:
            self._detail = ImageDetailDialog(self, "Test image")
        self._detail.show_image(images[index], index=index, label=int(evaluation.labels[index]),
                                source="test set", probabilities=evaluation.probabilities[index])


def format_percent(fraction: float) -> str:
    """0.99123 -> "99.12 %"."""
    return f"{fraction * 100:.2f} %"
