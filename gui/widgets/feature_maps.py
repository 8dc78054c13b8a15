"""Inside the network: the feature maps of each convolution layer, and the first layer's filters.

:class:`FeatureMapsView` shows, for the current drawing, what every convolution layer's filters
responded to -- one small image per filter, tiled in a grid -- and the learned filters of the
first layer themselves (their weights, red positive, blue negative).  It only draws: the
numbers come from the caller (the Draw tab gets them from the same model call that gives the
prediction), so updating it costs a few numpy operations and one pixmap per layer.

Each layer's maps are scaled together (0 .. that layer's strongest response), so a map that
stays dark really did not respond; a map is shown in a perceptual colour map (dark = nothing).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

_GAP = 1  # pixels between tiles (before scaling)


def _lookup_table() -> np.ndarray:
    """256 RGB colours of the 'viridis' colour map (from pyqtgraph, which ships it)."""
    try:
        import pyqtgraph as pg

        return np.asarray(pg.colormap.get("viridis").getLookupTable(0.0, 1.0, 256, alpha=False), np.uint8)
    except Exception:  # noqa: BLE001 - fall back to grey
        ramp = np.arange(256, dtype=np.uint8)
        return np.stack([ramp, ramp, ramp], axis=1)


_LUT: np.ndarray | None = None


def _lut() -> np.ndarray:
    global _LUT
    if _LUT is None:
        _LUT = _lookup_table()
    return _LUT


def best_columns(count: int, h: int, w: int, width: int) -> tuple[int, int]:
    """(columns, zoom) showing ``count`` h x w tiles as large as possible (whole-pixel zoom) in
    ``width`` pixels, without the mosaic growing taller than it is wide."""
    best = (min(count, 8), 1, 0)
    for columns in range(1, count + 1):
        rows = math.ceil(count / columns)
        mosaic_w = columns * (w + _GAP) - _GAP
        mosaic_h = rows * (h + _GAP) - _GAP
        zoom = min(8, width // mosaic_w)
        if zoom < 1 or mosaic_h * zoom > width:
            continue
        if zoom * w > best[2]:
            best = (columns, zoom, zoom * w)
    return best[0], best[1]


def tile(maps: np.ndarray, columns: int | None = None, fill: float = np.nan) -> np.ndarray:
    """Tile (H, W, C) maps into one 2-D mosaic, ``columns`` per row, separated by ``fill``."""
    h, w, c = maps.shape
    if columns is None:
        columns = max(1, int(math.ceil(math.sqrt(c * h / w))))  # roughly square overall
    rows = int(math.ceil(c / columns))
    out = np.full((rows * (h + _GAP) - _GAP, columns * (w + _GAP) - _GAP), fill, np.float32)
    for i in range(c):
        r, k = divmod(i, columns)
        out[r * (h + _GAP): r * (h + _GAP) + h, k * (w + _GAP): k * (w + _GAP) + w] = maps[:, :, i]
    return out


def activation_rgb(mosaic: np.ndarray) -> np.ndarray:
    """A mosaic of activations (NaN = gaps) -> uint8 RGB, 0..max through the colour map."""
    finite = np.nan_to_num(mosaic, nan=0.0)
    top = float(finite.max())
    scaled = np.clip(finite / top, 0, 1) if top > 0 else np.zeros_like(finite)
    rgb = _lut()[(scaled * 255).astype(np.uint8)]
    rgb[np.isnan(mosaic)] = (255, 255, 255)
    return rgb


def weight_rgb(mosaic: np.ndarray) -> np.ndarray:
    """A mosaic of weights (NaN = gaps) -> uint8 RGB: red positive, blue negative, white zero."""
    finite = np.nan_to_num(mosaic, nan=0.0)
    top = float(np.abs(finite).max()) or 1.0
    v = np.clip(finite / top, -1, 1)
    rgb = np.empty(v.shape + (3,), np.float32)
    pos, neg = np.clip(v, 0, 1), np.clip(-v, 0, 1)
    rgb[..., 0] = 255 * (1 - neg * 0.85)
    rgb[..., 1] = 255 * (1 - 0.85 * (pos + neg))
    rgb[..., 2] = 255 * (1 - pos * 0.85)
    out = rgb.astype(np.uint8)
    out[np.isnan(mosaic)] = (255, 255, 255)
    return out


def rgb_pixmap(rgb: np.ndarray, zoom: int) -> QPixmap:
    rgb = np.ascontiguousarray(rgb)
    h, w, _ = rgb.shape
    image = QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888)
    return QPixmap.fromImage(image.scaled(w * zoom, h * zoom, Qt.IgnoreAspectRatio, Qt.FastTransformation))


class _Section(QWidget):
    """A caption and one mosaic image."""

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 6)
        layout.setSpacing(2)
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.image = QLabel(self)
        self.image.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        layout.addWidget(self.caption)
        layout.addWidget(self.image)

    def show_rgb(self, rgb: np.ndarray, width: int, zoom: int | None = None) -> None:
        if zoom is None:
            zoom = max(1, min(8, width // max(1, rgb.shape[1])))
        self.image.setPixmap(rgb_pixmap(rgb, zoom))


class FeatureMapsView(QScrollArea):
    """Feature maps of the convolution layers for one input, and the first layer's filters."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("featureMapsView")
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # mosaics are sized to fit the width
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        body = QWidget(self)
        self._layout = QVBoxLayout(body)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self.note = QLabel("Draw a digit to see what the filters of each convolution layer respond to.", body)
        self.note.setObjectName("featureMapsNote")
        self.note.setWordWrap(True)
        self._layout.addWidget(self.note)
        self._map_sections: list[_Section] = []
        self._filters = _Section(body)
        self._filters.hide()
        self._layout.addWidget(self._filters)
        self._layout.addStretch(1)
        self.setWidget(body)
        self._layer_names: list[str] = []
        self._filter_weights: np.ndarray | None = None
        self._maps: list[np.ndarray] | None = None

    # What the model offers ------------------------------------------------------------------

    def set_model(self, layer_names: list[str], first_filters: np.ndarray | None,
                  note: str | None = None) -> None:
        """A new model: the names of its convolution layers and its first layer's kernels
        (k, k, in_channels, filters), or none (the model has no convolution layers)."""
        self._layer_names = list(layer_names)
        self._filter_weights = first_filters
        self._maps = None
        for section in self._map_sections:
            section.deleteLater()
        self._map_sections = []
        for i, name in enumerate(self._layer_names):
            section = _Section(self.widget())
            section.caption.setText(f"<b>{name}</b>")
            section.setObjectName(f"featureMaps{i}")
            self._layout.insertWidget(1 + i, section)
            self._map_sections.append(section)
        if note is not None:
            self.note.setText(note)
        elif not self._layer_names:
            self.note.setText("This model has no convolution layers, so there are no feature maps to show.")
        else:
            self.note.setText("What each filter of each convolution layer responds to in the drawing "
                              "(bright = strong). Each layer is scaled to its strongest response.")
        self._show_filters()

    def _show_filters(self) -> None:
        weights = self._filter_weights
        if weights is None or weights.ndim != 4:
            self._filters.hide()
            return
        k1, k2, cin, count = weights.shape
        kernels = weights.mean(axis=2) if cin > 1 else weights[:, :, 0, :]
        columns, zoom = best_columns(count, k1, k2, self._content_width())
        mosaic = tile(kernels.astype(np.float32), columns=columns)
        self._filters.caption.setText(f"<b>First layer's {count} filters</b> ({k1}x{k2} weights; "
                                      "red adds, blue subtracts)")
        self._filters.show_rgb(weight_rgb(mosaic), self._content_width(), zoom)
        self._filters.show()

    def _content_width(self) -> int:
        """Room for a mosaic: the width less margins and a vertical scroll bar (shown or not yet)."""
        bar = self.verticalScrollBar().sizeHint().width()
        return max(60, self.width() - bar - 16)

    # One input --------------------------------------------------------------------------------

    def set_maps(self, maps: list[np.ndarray] | None) -> None:
        """The activations of each convolution layer for one input: arrays (H, W, C); None clears."""
        self._maps = maps
        width = self._content_width()
        for i, section in enumerate(self._map_sections):
            name = self._layer_names[i]
            if not maps or i >= len(maps):
                section.caption.setText(f"<b>{name}</b>")
                section.image.clear()
                continue
            m = np.asarray(maps[i], np.float32)
            h, w, c = m.shape
            section.caption.setText(f"<b>{name}</b>: {c} maps, {h}x{w}")
            columns, zoom = best_columns(c, h, w, width)
            section.show_rgb(activation_rgb(tile(m, columns=columns)), width, zoom)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._maps is not None:
            self.set_maps(self._maps)
        if self._filter_weights is not None:
            self._show_filters()
