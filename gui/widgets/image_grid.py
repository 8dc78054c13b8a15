"""A virtualized grid of digit thumbnails: one model, one delegate, no widget per image.

:class:`ImageGridModel` is a list model over a ``uint8`` image array ``(N, H, W)`` and an array
of the source indices shown (the filtered rows, in display order). Filtering and sorting are
numpy work done by the caller; the model only holds the index array, so 60 000 rows cost 480 KB
and a filter change is one model reset.

:class:`ThumbnailDelegate` paints each visible row: the image scaled to the thumbnail size
(nearest-neighbour by default, so the pixels stay crisp) and a caption under it -- the label,
or ``"7→2 97%"`` (true → predicted, confidence) once predictions are given, in red for a mistake.
The last scaled thumbnails are kept in a small LRU cache (24 MB at most), so memory stays
flat however far one scrolls.

:class:`ImageGrid` is the view (a wrapping ``QListView`` with uniform item sizes, a grid): set the
images with :meth:`ImageGrid.set_images`, filter with :meth:`ImageGrid.set_indices`, jump with
:meth:`ImageGrid.scroll_to_image`; it emits :attr:`ImageGrid.imageClicked` and
:attr:`ImageGrid.currentImageChanged` with *source* indices.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QAbstractListModel, QModelIndex, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPalette, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QListView, QSizePolicy, QStyle,
                               QStyledItemDelegate)

#: Roles beyond Qt's: the source index of a row and its label / prediction / confidence.
SourceIndexRole = Qt.UserRole + 1
LabelRole = Qt.UserRole + 2
PredictionRole = Qt.UserRole + 3
ConfidenceRole = Qt.UserRole + 4

MISTAKE_COLOR = QColor(200, 30, 30)
ARROW = "\u2192"

_model_serials = itertools.count(1)


class ImageGridModel(QAbstractListModel):
    """Rows = ``indices`` into ``images`` (and the optional per-image arrays)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._images = np.zeros((0, 28, 28), np.uint8)
        self._labels: np.ndarray | None = None
        self._predictions: np.ndarray | None = None
        self._confidences: np.ndarray | None = None
        self._indices = np.zeros(0, np.int64)
        self.cache_key = f"g{next(_model_serials)}"

    # Contents ---------------------------------------------------------------------------

    def set_images(self, images, labels=None, indices=None, predictions=None, confidences=None) -> None:
        """Show ``images`` (N, H, W) uint8; ``labels``, ``predictions`` and ``confidences`` are
        per-image arrays of length N or None; ``indices`` the rows shown (None: all, in order)."""
        images = np.asarray(images)
        if images.ndim != 3 or images.dtype != np.uint8:
            raise ValueError(f"Images must be uint8 with shape (N, H, W), not {images.dtype} {images.shape}.")
        n = len(images)
        for name, array in (("labels", labels), ("predictions", predictions), ("confidences", confidences)):
            if array is not None and len(array) != n:
                raise ValueError(f"{name} has {len(array)} entries for {n} images.")
        self.beginResetModel()
        self._images = images
        self._labels = None if labels is None else np.asarray(labels)
        self._predictions = None if predictions is None else np.asarray(predictions)
        self._confidences = None if confidences is None else np.asarray(confidences)
        self._indices = self._checked_indices(indices)
        self.cache_key = f"g{next(_model_serials)}"  # new pixels: old cached thumbnails must not match
        self.endResetModel()

    def set_predictions(self, predictions=None, confidences=None) -> None:
        """Attach (or with None, drop) predictions and confidences; the rows stay."""
        n = len(self._images)
        for name, array in (("predictions", predictions), ("confidences", confidences)):
            if array is not None and len(array) != n:
                raise ValueError(f"{name} has {len(array)} entries for {n} images.")
        self._predictions = None if predictions is None else np.asarray(predictions)
        self._confidences = None if confidences is None else np.asarray(confidences)
        if len(self._indices):
            self.dataChanged.emit(self.index(0), self.index(len(self._indices) - 1))

    def set_indices(self, indices=None) -> None:
        """Show these source indices, in this order (None: all images)."""
        self.beginResetModel()
        self._indices = self._checked_indices(indices)
        self.endResetModel()

    def _checked_indices(self, indices) -> np.ndarray:
        n = len(self._images)
        if indices is None:
            return np.arange(n, dtype=np.int64)
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        if len(indices) and (indices.min() < 0 or indices.max() >= n):
            raise IndexError(f"Image indices must lie in 0..{n - 1}.")
        return indices

    @property
    def images(self) -> np.ndarray:
        return self._images

    @property
    def labels(self) -> np.ndarray | None:
        return self._labels

    @property
    def predictions(self) -> np.ndarray | None:
        return self._predictions

    @property
    def indices(self) -> np.ndarray:
        """The source indices shown, in display order (read-only view)."""
        view = self._indices.view()
        view.flags.writeable = False
        return view

    @property
    def image_count(self) -> int:
        """Number of source images (shown or not)."""
        return len(self._images)

    def source_index(self, row: int) -> int:
        return int(self._indices[row])

    def row_of(self, source_index: int) -> int:
        """The row showing image ``source_index``, or -1 when it is filtered out."""
        found = np.flatnonzero(self._indices == source_index)
        return int(found[0]) if len(found) else -1

    def image(self, row: int) -> np.ndarray:
        return self._images[self._indices[row]]

    def caption(self, row: int) -> str:
        """``"7"`` (the label), or ``"7→2 97%"`` with predictions, or ``"#123"`` without labels."""
        i = self._indices[row]
        if self._predictions is not None:
            true = "?" if self._labels is None else str(int(self._labels[i]))
            text = f"{true}{ARROW}{int(self._predictions[i])}"
            if self._confidences is not None:
                text += f" {self._confidences[i] * 100:.0f}%"
            return text
        if self._labels is not None:
            return str(int(self._labels[i]))
        return f"#{i}"

    @property
    def caption_kind(self) -> str:
        """What the captions show: ``"predictions"``, ``"labels"`` or ``"indices"``."""
        if self._predictions is not None:
            return "predictions"
        return "labels" if self._labels is not None else "indices"

    def is_mistake(self, row: int) -> bool:
        if self._predictions is None or self._labels is None:
            return False
        i = self._indices[row]
        return int(self._predictions[i]) != int(self._labels[i])

    # QAbstractListModel -----------------------------------------------------------------

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._indices)

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._indices):
            return None
        row = index.row()
        i = int(self._indices[row])
        if role == Qt.DisplayRole:
            return self.caption(row)
        if role == SourceIndexRole:
            return i
        if role == LabelRole:
            return None if self._labels is None else int(self._labels[i])
        if role == PredictionRole:
            return None if self._predictions is None else int(self._predictions[i])
        if role == ConfidenceRole:
            return None if self._confidences is None else float(self._confidences[i])
        if role == Qt.ToolTipRole:
            lines = [f"Image #{i}"]
            if self._labels is not None:
                lines.append(f"Label: {int(self._labels[i])}")
            if self._predictions is not None:
                text = f"Predicted: {int(self._predictions[i])}"
                if self._confidences is not None:
                    text += f" ({self._confidences[i] * 100:.1f}% sure)"
                lines.append(text)
            return "\n".join(lines)
        return None


class ThumbnailDelegate(QStyledItemDelegate):
    """Paints a row of an :class:`ImageGridModel`: the scaled image and its caption."""

    PADDING = 3
    CACHE_BYTES = 24 * 2**20  # scaled thumbnails kept (many screens' worth at any size)

    def __init__(self, parent=None, thumbnail_size: int = 56, smooth: bool = False):
        super().__init__(parent)
        self.thumbnail_size = int(thumbnail_size)
        self.smooth = smooth
        self.show_captions = True
        self._cache: OrderedDict[tuple, QPixmap] = OrderedDict()  # LRU of scaled thumbnails
        self._cache_bytes = 0

    def cell_size(self, font_metrics, caption_kind: str = "labels") -> QSize:
        """The size of every cell, with room for captions of a kind: ``"predictions"``
        (``"0→0 100%"``), ``"labels"`` (``"0"``) or ``"indices"`` (``"#12345"``)."""
        caption = font_metrics.height() + 1 if self.show_captions else 0
        side = self.thumbnail_size + 2 * self.PADDING
        sample = {"predictions": f"0{ARROW}0 100%", "labels": "00"}.get(caption_kind, "#00000")
        width = 2 * self.PADDING + font_metrics.horizontalAdvance(sample) if self.show_captions else 0
        return QSize(max(side, width), side + caption)

    def sizeHint(self, option, index) -> QSize:
        model = index.model()
        kind = model.caption_kind if isinstance(model, ImageGridModel) else "labels"
        return self.cell_size(option.fontMetrics, kind)

    def thumbnail(self, model: ImageGridModel, row: int) -> QPixmap:
        size = self.thumbnail_size
        key = (model.cache_key, model.source_index(row), size, self.smooth)
        pixmap = self._cache.get(key)
        if pixmap is None:
            pixmap = QPixmap.fromImage(to_qimage(model.image(row)).scaled(
                size, size, Qt.KeepAspectRatio,
                Qt.SmoothTransformation if self.smooth else Qt.FastTransformation))
            self._cache[key] = pixmap
            self._cache_bytes += 4 * pixmap.width() * pixmap.height()
            while self._cache_bytes > self.CACHE_BYTES and len(self._cache) > 1:
                _key, old = self._cache.popitem(last=False)
                self._cache_bytes -= 4 * old.width() * old.height()
        else:
            self._cache.move_to_end(key)
        return pixmap

    def paint(self, painter, option, index) -> None:
        model = index.model()
        if not isinstance(model, ImageGridModel):
            return super().paint(painter, option, index)
        row = index.row()
        rect = option.rect
        palette = option.palette
        selected = bool(option.state & QStyle.State_Selected)
        painter.save()
        if selected:
            painter.fillRect(rect, palette.color(QPalette.Highlight))
        elif option.state & QStyle.State_MouseOver:
            painter.fillRect(rect, palette.color(QPalette.AlternateBase))
        pixmap = self.thumbnail(model, row)
        x = rect.x() + (rect.width() - pixmap.width()) // 2
        y = rect.y() + self.PADDING
        painter.drawPixmap(x, y, pixmap)
        if self.show_captions:
            text_rect = QRect(rect.x(), y + self.thumbnail_size, rect.width(),
                              rect.bottom() - (y + self.thumbnail_size) + 1)
            if selected:
                color = palette.color(QPalette.HighlightedText)
            elif model.is_mistake(row):
                color = MISTAKE_COLOR
            else:
                color = palette.color(QPalette.Text)
            painter.setPen(color)
            painter.drawText(text_rect, Qt.AlignHCenter | Qt.AlignVCenter, model.caption(row))
        painter.restore()


def to_qimage(image: np.ndarray) -> QImage:
    """A grey ``QImage`` holding its own copy of a ``uint8`` (H, W) array."""
    image = np.ascontiguousarray(image, dtype=np.uint8)
    height, width = image.shape
    return QImage(image.data, width, height, width, QImage.Format_Grayscale8).copy()


class ImageGrid(QListView):
    """The thumbnail grid. Rows are virtual: only the visible ones are ever painted."""

    #: The source index of a clicked image.
    imageClicked = Signal(int)
    #: The source index of the current image (clicks and keyboard), or -1 when there is none.
    currentImageChanged = Signal(int)

    MIN_SIZE, MAX_SIZE = 28, 140

    def __init__(self, parent=None, thumbnail_size: int = 56):
        super().__init__(parent)
        self._model = ImageGridModel(self)
        self._delegate = ThumbnailDelegate(self, thumbnail_size)
        self._fit_columns: int | None = None
        self.setModel(self._model)
        self.setItemDelegate(self._delegate)
        # A wrapping left-to-right list is laid out like icon mode, but with uniform item sizes Qt
        # lays it out in segments rather than item by item: 60 000 rows take a third of the time.
        self.setViewMode(QListView.ListMode)
        self.setMovement(QListView.Static)
        self.setFlow(QListView.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.Adjust)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.SinglePass)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setDragEnabled(False)
        self.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.setMouseTracking(True)
        self.setSpacing(0)
        self._apply_grid_size()
        self.clicked.connect(lambda index: self.imageClicked.emit(self._model.source_index(index.row())))
        self._connect_selection()

    def _connect_selection(self) -> None:
        self.selectionModel().currentChanged.connect(self._on_current_changed)

    def _on_current_changed(self, current, _previous) -> None:
        self.currentImageChanged.emit(self._model.source_index(current.row()) if current.isValid() else -1)

    # Contents ---------------------------------------------------------------------------

    @property
    def grid_model(self) -> ImageGridModel:
        return self._model

    def set_images(self, images, labels=None, indices=None, predictions=None, confidences=None) -> None:
        """See :meth:`ImageGridModel.set_images`."""
        self._model.set_images(images, labels, indices, predictions, confidences)
        self._apply_grid_size()
        self._fit()

    def set_indices(self, indices=None) -> None:
        """Show only these source indices, in this order (None: all)."""
        self._model.set_indices(indices)

    def set_predictions(self, predictions=None, confidences=None) -> None:
        self._model.set_predictions(predictions, confidences)
        self._apply_grid_size()
        self.viewport().update()

    def shown_indices(self) -> np.ndarray:
        return self._model.indices

    def current_image(self) -> int:
        """The source index of the current image, or -1."""
        index = self.currentIndex()
        return self._model.source_index(index.row()) if index.isValid() else -1

    def scroll_to_image(self, source_index: int, select: bool = True) -> bool:
        """Scroll so image ``source_index`` is in view (and make it current); False if it is not shown."""
        row = self._model.row_of(source_index)
        if row < 0:
            return False
        index = self._model.index(row)
        if select:
            self.setCurrentIndex(index)
        self.scrollTo(index, QAbstractItemView.PositionAtCenter)
        return True

    def first_visible_row(self) -> int:
        """The row at the top-left of the viewport, or -1 when nothing is shown."""
        inset = ThumbnailDelegate.PADDING + 1
        index = self.indexAt(self.viewport().rect().topLeft() + QPoint(inset, inset))
        return index.row() if index.isValid() else -1

    # Appearance -------------------------------------------------------------------------

    @property
    def thumbnail_size(self) -> int:
        return self._delegate.thumbnail_size

    def set_thumbnail_size(self, pixels: int) -> None:
        """Thumbnail side in pixels (28..140); keeps the current image in view."""
        pixels = int(min(max(pixels, self.MIN_SIZE), self.MAX_SIZE))
        if pixels == self._delegate.thumbnail_size:
            return
        current = self.currentIndex()
        self._delegate.thumbnail_size = pixels
        self._apply_grid_size()
        if current.isValid():
            self.scrollTo(current, QAbstractItemView.PositionAtCenter)

    def set_smooth(self, smooth: bool) -> None:
        """Scale thumbnails smoothly (True) or with crisp square pixels (False, the default)."""
        self._delegate.smooth = bool(smooth)
        self.viewport().update()

    def set_captions_visible(self, visible: bool) -> None:
        self._delegate.show_captions = bool(visible)
        self._apply_grid_size()

    def set_fit_columns(self, columns: int | None) -> None:
        """Size thumbnails so that ``columns`` fit the width, and the height to show every row
        without scrolling (for small fixed sets such as the ten mean images); None: off."""
        self._fit_columns = columns
        if columns:
            self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
            self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
            self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self._fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        columns = self._fit_columns
        if not columns:
            return
        width = self.width() - 2 * self.frameWidth() - 1
        side = width // columns - 2 * ThumbnailDelegate.PADDING
        self._delegate.thumbnail_size = int(min(max(side, 16), self.MAX_SIZE))
        self._apply_grid_size()
        rows = max(1, -(-max(self._model.rowCount(), 1) // columns))
        height = rows * self.gridSize().height() + 2 * self.frameWidth() + 1
        if self.height() != height:
            self.setFixedHeight(height)

    def _apply_grid_size(self) -> None:
        size = self._delegate.cell_size(self.fontMetrics(), self._model.caption_kind)
        if size != self.gridSize():
            self.setGridSize(size)
