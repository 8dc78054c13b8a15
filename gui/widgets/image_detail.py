"""One image up close: enlarged with a pixel grid, the 0-255 value under the cursor, its index
and label, and a model's ten probabilities as a bar chart.

:class:`PixelView` is the enlarged image; :class:`ImageDetailView` adds the captions and the
chart (the Data tab embeds it); :class:`ImageDetailDialog` puts one in a window (the Results
tab's gallery opens it).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QSizePolicy, QVBoxLayout,
                               QWidget)

from gui.widgets.bar_chart import BarChart
from gui.widgets.image_grid import to_qimage

GRID_COLOR = QColor(90, 90, 90)
HOVER_COLOR = QColor(230, 120, 20)


class PixelView(QWidget):
    """A grey image drawn large and square, one cell per pixel, with a grid between pixels."""

    #: row, column and value (0-255) of the pixel under the mouse; (-1, -1, -1) when it leaves.
    pixelHovered = Signal(int, int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._image: np.ndarray | None = None
        self._qimage = None
        self._hovered: tuple[int, int] | None = None
        self.show_grid = True
        self.setMouseTracking(True)
        self.setMinimumSize(140, 140)
        policy = QSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def sizeHint(self) -> QSize:
        return QSize(280, 280)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    def set_image(self, image: np.ndarray | None) -> None:
        self._image = None if image is None else np.ascontiguousarray(image, dtype=np.uint8)
        self._qimage = None if image is None else to_qimage(self._image)
        self._hovered = None
        self.update()

    @property
    def image(self) -> np.ndarray | None:
        return self._image

    def image_rect(self) -> QRectF:
        """Where the image is drawn: the largest square (whole pixels) centred in the widget."""
        if self._image is None:
            return QRectF()
        rows, columns = self._image.shape
        cell = max(1, min(self.width() // columns, self.height() // rows))
        width, height = cell * columns, cell * rows
        return QRectF((self.width() - width) // 2, (self.height() - height) // 2, width, height)

    def pixel_at(self, pos: QPointF) -> tuple[int, int] | None:
        """(row, column) of the pixel under a widget position, or None."""
        rect = self.image_rect()
        if self._image is None or not rect.contains(pos):
            return None
        rows, columns = self._image.shape
        column = int((pos.x() - rect.x()) * columns / rect.width())
        row = int((pos.y() - rect.y()) * rows / rect.height())
        if 0 <= row < rows and 0 <= column < columns:
            return row, column
        return None

    def pixel_center(self, row: int, column: int) -> QPointF:
        rect = self.image_rect()
        rows, columns = self._image.shape
        return QPointF(rect.x() + (column + 0.5) * rect.width() / columns,
                       rect.y() + (row + 0.5) * rect.height() / rows)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        if self._qimage is None:
            painter.end()
            return
        rect = self.image_rect()
        painter.drawImage(rect, self._qimage)  # no smoothing: each pixel a crisp square
        rows, columns = self._image.shape
        cell = rect.width() / columns
        if self.show_grid and cell >= 5:
            painter.setPen(QPen(GRID_COLOR, 0))
            for i in range(columns + 1):
                x = rect.x() + i * cell
                painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            for i in range(rows + 1):
                y = rect.y() + i * cell
                painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
        if self._hovered is not None:
            row, column = self._hovered
            painter.setPen(QPen(HOVER_COLOR, 2))
            painter.drawRect(QRectF(rect.x() + column * cell, rect.y() + row * cell, cell, cell))
        painter.end()

    def mouseMoveEvent(self, event) -> None:
        pixel = self.pixel_at(event.position())
        if pixel != self._hovered:
            self._hovered = pixel
            self.update()
            if pixel is None:
                self.pixelHovered.emit(-1, -1, -1)
            else:
                self.pixelHovered.emit(pixel[0], pixel[1], int(self._image[pixel]))
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:
        if self._hovered is not None:
            self._hovered = None
            self.update()
            self.pixelHovered.emit(-1, -1, -1)
        super().leaveEvent(event)


class ImageDetailView(QWidget):
    """The enlarged image, what it is (index, split, label, prediction) and the probabilities."""

    HINT = "Point at a pixel to read its value (0 = black, 255 = white)."

    def __init__(self, parent=None):
        super().__init__(parent)
        self.title_label = QLabel("No image chosen")
        self.title_label.setObjectName("imageTitleLabel")
        self.title_label.setTextFormat(Qt.RichText)
        self.title_label.setWordWrap(True)
        self.pixel_view = PixelView()
        self.pixel_view.setObjectName("pixelView")
        self.value_label = QLabel(self.HINT)
        self.value_label.setObjectName("pixelValueLabel")
        self.value_label.setWordWrap(True)
        self.prediction_label = QLabel("")
        self.prediction_label.setObjectName("predictionLabel")
        self.prediction_label.setTextFormat(Qt.RichText)
        self.prediction_label.setWordWrap(True)
        self.probability_chart = BarChart(y_label="Probability", y_range=(0, 1), value_format="{:.0%}",
                                          y_tick_format="{:.0%}", min_text_value=0.005)
        self.probability_chart.setObjectName("probabilityChart")
        self.probability_chart.setMinimumHeight(150)
        self.probability_chart.setMaximumHeight(220)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.title_label)
        layout.addWidget(self.pixel_view, 3)
        layout.addWidget(self.value_label)
        layout.addWidget(self.prediction_label)
        layout.addWidget(self.probability_chart, 2)
        self.pixel_view.pixelHovered.connect(self._on_pixel_hovered)
        self.clear()

    def clear(self, message: str = "Click an image to see it up close.") -> None:
        self.index = None
        self.title_label.setText(message)
        self.pixel_view.set_image(None)
        self.value_label.setText("")
        self.prediction_label.setText("")
        self.probability_chart.set_values(None)
        self.probability_chart.setVisible(False)

    def show_image(self, image: np.ndarray, index: int | None = None, label: int | None = None,
                   source: str = "", probabilities: np.ndarray | None = None,
                   note: str = "") -> None:
        """Show ``image`` (uint8 H x W). ``source`` names where it comes from ("test set");
        ``probabilities``: the model's ten, or None with a ``note`` saying why there are none."""
        self.index = index
        parts = []
        if index is not None:
            parts.append(f"<b>Image #{index:,}</b>")
        if source:
            parts.append(f"of the {source}")
        title = " ".join(parts) or "<b>Image</b>"
        if label is not None:
            title += f" &nbsp;·&nbsp; label <b>{int(label)}</b>"
        self.title_label.setText(title)
        self.pixel_view.set_image(image)
        self.value_label.setText(self.HINT)
        if probabilities is None:
            self.probability_chart.set_values(None)
            self.probability_chart.setVisible(False)
            self.prediction_label.setText(note)
            return
        probabilities = np.asarray(probabilities, dtype=float)
        predicted = int(probabilities.argmax())
        self.probability_chart.set_values(probabilities, highlight=predicted)
        self.probability_chart.setVisible(True)
        verdict = ""
        if label is not None:
            right = predicted == int(label)
            color = "#1a7f37" if right else "#c81e1e"
            verdict = f" &nbsp;<span style='color:{color}'><b>{'right' if right else 'wrong'}</b></span>"
        self.prediction_label.setText(
            f"The model reads a <b>{predicted}</b> ({probabilities[predicted]:.1%} sure){verdict}"
            + (f"<br><span style='color:gray'>{note}</span>" if note else ""))

    def _on_pixel_hovered(self, row: int, column: int, value: int) -> None:
        if row < 0:
            self.value_label.setText(self.HINT if self.pixel_view.image is not None else "")
        else:
            self.value_label.setText(f"Pixel (row {row}, column {column}): value {value}")


class ImageDetailDialog(QDialog):
    """A window holding an :class:`ImageDetailView` (non-modal; reused for the next image)."""

    def __init__(self, parent=None, title: str = "Image"):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.view = ImageDetailView(self)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addWidget(buttons)
        self.resize(420, 640)

    def show_image(self, *args, **kwargs) -> None:
        """See :meth:`ImageDetailView.show_image`; also shows and raises the window."""
        self.view.show_image(*args, **kwargs)
        self.show()
        self.raise_()
