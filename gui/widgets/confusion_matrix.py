"""The 10x10 confusion matrix as a heat map with the count written in every cell.

Rows are the true digit (0 at the top), columns the predicted digit. The colour follows
``log(1 + count)``, so that a handful of mistakes still shows against a thousand correct
readings on the diagonal. Hovering a cell outlines it and says what it holds; clicking it emits
:attr:`ConfusionMatrixView.cellClicked` ``(true, predicted)``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGraphicsRectItem

#: White to dark blue (ColorBrewer "Blues").
COLOR_MAP = pg.ColorMap(pos=[0.0, 0.35, 0.7, 1.0],
                        color=[(247, 251, 255), (158, 202, 225), (49, 130, 189), (8, 48, 107)])


class ConfusionMatrixView(pg.PlotWidget):
    """A heat map of a square count matrix (row = true class, column = predicted class)."""

    #: (true, predicted) of a clicked cell.
    cellClicked = Signal(int, int)
    #: (true, predicted) of the cell under the mouse; (-1, -1) when it leaves the matrix.
    cellHovered = Signal(int, int)

    def __init__(self, parent=None, size: int = 10, x_label: str = "Predicted digit",
                 y_label: str = "True digit"):
        super().__init__(parent)
        self._size = size
        self._matrix: np.ndarray | None = None
        self._hovered: tuple[int, int] | None = None
        self._selected: tuple[int, int] | None = None

        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setMouseEnabled(x=False, y=False)
        item.setAspectLocked(True)
        item.invertY(True)
        item.setLabel("bottom", x_label)
        item.setLabel("left", y_label)
        ticks = [[(i + 0.5, str(i)) for i in range(size)]]
        for side in ("bottom", "left"):
            item.getAxis(side).setTicks(ticks)
            item.getAxis(side).setStyle(tickLength=0)
        item.setXRange(0, size, padding=0.02)
        item.setYRange(0, size, padding=0.02)

        self._image = pg.ImageItem(axisOrder="row-major")
        self._image.setColorMap(COLOR_MAP)
        self._image.setImage(np.zeros((size, size)), levels=(0, 1))
        self._image.setRect(QRectF(0, 0, size, size))
        item.addItem(self._image)

        font = QFont()
        font.setPointSizeF(8.5)
        self._texts: list[list[pg.TextItem]] = []
        for true in range(size):
            row = []
            for predicted in range(size):
                text = pg.TextItem("", anchor=(0.5, 0.5))
                text.setFont(font)
                text.setPos(predicted + 0.5, true + 0.5)
                item.addItem(text)
                row.append(text)
            self._texts.append(row)

        self._hover_box = self._outline(pg.mkPen((230, 120, 20), width=2))
        self._selected_box = self._outline(pg.mkPen((200, 30, 30), width=3))
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.setMouseTracking(True)
        self.setMinimumSize(260, 260)

    def _outline(self, pen) -> QGraphicsRectItem:
        box = QGraphicsRectItem(0, 0, 1, 1)
        box.setPen(pen)
        box.setZValue(10)
        box.setVisible(False)
        self.getPlotItem().addItem(box)
        return box

    # Data ---------------------------------------------------------------------------------

    def set_matrix(self, matrix) -> None:
        """Show a (size, size) count matrix; None empties the view."""
        self._selected = None
        self._selected_box.setVisible(False)
        if matrix is None:
            self._matrix = None
            self._image.setImage(np.zeros((self._size, self._size)), levels=(0, 1))
            for row in self._texts:
                for text in row:
                    text.setText("")
            return
        matrix = np.asarray(matrix)
        if matrix.shape != (self._size, self._size):
            raise ValueError(f"Expected a {self._size}x{self._size} matrix, not {matrix.shape}.")
        self._matrix = matrix.astype(np.int64)
        shade = np.log1p(self._matrix.astype(float))
        top = float(shade.max()) or 1.0
        self._image.setImage(shade, levels=(0, top))
        for true in range(self._size):
            for predicted in range(self._size):
                count = int(self._matrix[true, predicted])
                level = shade[true, predicted] / top
                if count == 0:
                    color = (175, 175, 175)
                elif level > 0.6:
                    color = (255, 255, 255)
                else:
                    color = (20, 20, 20)
                text = self._texts[true][predicted]
                text.setColor(color)
                text.setText(str(count))

    def matrix(self) -> np.ndarray | None:
        return None if self._matrix is None else self._matrix.copy()

    def cell_text(self, true: int, predicted: int) -> str:
        """The text shown in a cell (its count, or '' when empty)."""
        return self._texts[true][predicted].textItem.toPlainText()

    # Cells and the mouse --------------------------------------------------------------------

    def cell_at(self, scene_pos) -> tuple[int, int] | None:
        """(true, predicted) of the cell under a scene position, or None outside the matrix."""
        view = self.getPlotItem().getViewBox()
        if not view.sceneBoundingRect().contains(scene_pos):
            return None
        point = view.mapSceneToView(scene_pos)
        column, row = int(np.floor(point.x())), int(np.floor(point.y()))
        if 0 <= row < self._size and 0 <= column < self._size:
            return row, column
        return None

    def cell_center(self, true: int, predicted: int) -> QPoint:
        """The centre of a cell in this widget's coordinates (to click it in tests)."""
        view = self.getPlotItem().getViewBox()
        scene_point = view.mapViewToScene(QPointF(predicted + 0.5, true + 0.5))
        return self.mapFromScene(scene_point)

    def select_cell(self, true: int | None, predicted: int | None = None) -> None:
        """Outline a cell as the one shown elsewhere (None: no outline)."""
        if true is None or predicted is None:
            self._selected = None
            self._selected_box.setVisible(False)
            return
        self._selected = (true, predicted)
        self._selected_box.setRect(QRectF(predicted, true, 1, 1))
        self._selected_box.setVisible(True)

    @property
    def selected_cell(self) -> tuple[int, int] | None:
        return self._selected

    def click_cell(self, true: int, predicted: int) -> None:
        """Act as if the cell was clicked."""
        self.select_cell(true, predicted)
        self.cellClicked.emit(true, predicted)

    def _on_mouse_moved(self, scene_pos) -> None:
        cell = self.cell_at(scene_pos) if self._matrix is not None else None
        if cell == self._hovered:
            return
        self._hovered = cell
        if cell is None:
            self._hover_box.setVisible(False)
            self.setToolTip("")
            self.unsetCursor()
            self.cellHovered.emit(-1, -1)
            return
        true, predicted = cell
        self._hover_box.setRect(QRectF(predicted, true, 1, 1))
        self._hover_box.setVisible(True)
        self.setCursor(Qt.PointingHandCursor)
        self.setToolTip(self.describe_cell(true, predicted))
        self.cellHovered.emit(true, predicted)

    def describe_cell(self, true: int, predicted: int) -> str:
        count = 0 if self._matrix is None else int(self._matrix[true, predicted])
        images = "image" if count == 1 else "images"
        if true == predicted:
            what = f"{count} {images} of a {true} read correctly"
        else:
            what = f"{count} {images} of a {true} read as {predicted}"
        return f"{what}. Click to show them."

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.LeftButton or self._matrix is None:
            return
        cell = self.cell_at(event.scenePos())
        if cell is not None:
            event.accept()
            self.click_cell(*cell)
