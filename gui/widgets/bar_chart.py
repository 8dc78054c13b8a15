"""A small bar chart over the ten digits (or any short list of labels), drawn with pyqtgraph.

Used for per-digit accuracy, the class distribution and a model's ten probabilities::

    chart = BarChart(y_label="Probability", y_range=(0, 1), value_format="{:.0%}")
    chart.set_values(probabilities, highlight=int(probabilities.argmax()))
    chart.barClicked.connect(lambda digit: ...)

``set_values(None)`` empties it. NaN values draw no bar (e.g. the accuracy of a digit that has no
images). Mouse panning and zooming are off: the axes always show every bar.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

DEFAULT_COLOR = (70, 130, 180)     # steel blue
HIGHLIGHT_COLOR = (230, 120, 20)   # orange


class BarChart(pg.PlotWidget):
    """Bars for ``labels`` (default ``"0"``..``"9"``), optionally with each value written above."""

    #: The index of the bar (the column) that was clicked.
    barClicked = Signal(int)

    def __init__(self, parent=None, *, labels: Sequence[str] | None = None, title: str | None = None,
                 x_label: str | None = "Digit", y_label: str | None = None,
                 y_range: tuple[float, float] | None = None, value_format: str | None = None,
                 y_tick_format: str | None = None, min_text_value: float | None = None,
                 color=DEFAULT_COLOR, highlight_color=HIGHLIGHT_COLOR):
        """``y_range``: fixed (low, high), or None to fit from 0 to the largest value.
        ``value_format``: a ``str.format`` pattern for the text above each bar (None: no text);
        ``min_text_value``: no text on bars below this value (e.g. 0.005 for near-zero
        probabilities). ``y_tick_format``: a pattern for five y-axis ticks across a fixed
        ``y_range`` (e.g. ``"{:.0%}"``)."""
        super().__init__(parent)
        self._labels = [str(label) for label in (labels if labels is not None else range(10))]
        self._values = np.full(len(self._labels), np.nan)
        self._highlight: tuple[int, ...] = ()
        self._y_range = y_range
        self._value_format = value_format
        self._min_text_value = min_text_value
        self._brush = pg.mkBrush(color)
        self._highlight_brush = pg.mkBrush(highlight_color)

        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setMouseEnabled(x=False, y=False)
        item.showGrid(x=False, y=True, alpha=0.25)
        if title:
            item.setTitle(title)
        if x_label:
            item.setLabel("bottom", x_label)
        if y_label:
            item.setLabel("left", y_label)
        item.getAxis("bottom").setTicks([list(enumerate(self._labels))])
        item.setXRange(-0.6, len(self._labels) - 0.4, padding=0)
        if y_range is not None and y_tick_format:
            ticks = np.linspace(y_range[0], y_range[1], 5)
            item.getAxis("left").setTicks([[(float(t), y_tick_format.format(t)) for t in ticks], []])

        self._bars = pg.BarGraphItem(x=np.arange(len(self._labels)), height=np.zeros(len(self._labels)),
                                     width=0.7, brush=self._brush, pen=pg.mkPen(None))
        item.addItem(self._bars)
        self._texts: list[pg.TextItem] = []
        if value_format:
            for i in range(len(self._labels)):
                text = pg.TextItem("", color=(60, 60, 60), anchor=(0.5, 1.0))
                text.setPos(i, 0)
                item.addItem(text)
                self._texts.append(text)
        self.scene().sigMouseClicked.connect(self._on_click)
        self._apply_range()
        self.setMinimumHeight(120)

    # Data ---------------------------------------------------------------------------------

    def set_values(self, values: Iterable[float] | None, highlight: int | Iterable[int] | None = None) -> None:
        """Show ``values`` (one per label; None: no bars); bars in ``highlight`` (an index or
        several) get the highlight colour."""
        n = len(self._labels)
        if values is None:
            values = np.full(n, np.nan)
        values = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float)
        if values.shape != (n,):
            raise ValueError(f"Expected {n} values, got shape {values.shape}.")
        if highlight is None:
            marked: tuple[int, ...] = ()
        elif isinstance(highlight, (int, np.integer)):
            marked = (int(highlight),)
        else:
            marked = tuple(int(i) for i in highlight)
        self._values = values
        self._highlight = marked
        heights = np.nan_to_num(values, nan=0.0)
        brushes = [self._highlight_brush if i in marked else self._brush for i in range(n)]
        self._bars.setOpts(height=heights, brushes=brushes)
        for i, text in enumerate(self._texts):
            if np.isnan(values[i]) or (self._min_text_value is not None and values[i] < self._min_text_value):
                text.setText("")
            else:
                text.setText(self._value_format.format(values[i]))
                text.setPos(i, heights[i])
        self._apply_range()

    def values(self) -> np.ndarray:
        return self._values.copy()

    @property
    def highlighted(self) -> tuple[int, ...]:
        return self._highlight

    @property
    def labels(self) -> list[str]:
        return list(self._labels)

    def value_texts(self) -> list[str]:
        """The text written above each bar ('' where none), as shown."""
        return [text.textItem.toPlainText() for text in self._texts]

    def set_highlight(self, highlight: int | Iterable[int] | None) -> None:
        self.set_values(self._values, highlight)

    # Layout and mouse -----------------------------------------------------------------------

    def _apply_range(self) -> None:
        item = self.getPlotItem()
        if self._y_range is not None:
            low, high = self._y_range
        else:
            finite = self._values[np.isfinite(self._values)]
            low, high = 0.0, float(finite.max()) if len(finite) and finite.max() > 0 else 1.0
        # Room above the tallest bar for its value text.
        headroom = 0.14 * (high - low) if self._texts else 0.02 * (high - low)
        # A margin below the lowest value too, else the axis drops its first tick label (0).
        item.setYRange(low - 0.04 * (high - low), high + headroom, padding=0)

    def bar_at(self, scene_pos) -> int | None:
        """The index of the column under a scene position, or None."""
        view = self.getPlotItem().getViewBox()
        if not view.sceneBoundingRect().contains(scene_pos):
            return None
        x = view.mapSceneToView(scene_pos).x()
        index = int(round(x))
        if 0 <= index < len(self._labels) and abs(x - index) <= 0.45:
            return index
        return None

    def _on_click(self, event) -> None:
        if event.button() != Qt.LeftButton:
            return
        index = self.bar_at(event.scenePos())
        if index is not None:
            event.accept()
            self.barClicked.emit(index)
