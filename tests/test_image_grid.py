"""The virtual thumbnail grid: its model (rows = filtered indices), captions, painting, jumping."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from gui.widgets.image_grid import (ARROW, ConfidenceRole, ImageGrid, ImageGridModel, LabelRole,
                                    PredictionRole, SourceIndexRole, to_qimage)


def _images(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n).astype(np.uint8)


def test_model_rows_are_the_indices_given():
    images, labels = _images(50)
    model = ImageGridModel()
    model.set_images(images, labels)
    assert model.rowCount() == 50
    assert model.data(model.index(7), SourceIndexRole) == 7

    chosen = np.flatnonzero(labels == labels[0])[::-1]
    model.set_indices(chosen)
    assert model.rowCount() == len(chosen)
    assert [model.source_index(r) for r in range(len(chosen))] == chosen.tolist()
    assert model.row_of(int(chosen[0])) == 0
    assert model.row_of(int(np.flatnonzero(labels != labels[0])[0])) == -1
    assert model.data(model.index(0), LabelRole) == int(labels[chosen[0]])
    np.testing.assert_array_equal(model.image(0), images[chosen[0]])

    model.set_indices(None)
    assert model.rowCount() == 50
    with pytest.raises(IndexError):
        model.set_indices([0, 50])
    with pytest.raises(ValueError):
        model.set_images(images.astype(np.float32), labels)
    with pytest.raises(ValueError):
        model.set_images(images, labels[:10])


def test_captions_show_label_or_true_arrow_prediction_and_confidence():
    images, labels = _images(3)
    labels = np.array([7, 3, 1])
    model = ImageGridModel()
    model.set_images(images)
    assert model.caption(2) == "#2"
    model.set_images(images, labels)
    assert model.caption(0) == "7"
    assert not model.is_mistake(0)

    predictions, confidences = np.array([2, 3, 1]), np.array([0.974, 0.5, 0.999])
    model.set_predictions(predictions, confidences)
    assert model.caption(0) == f"7{ARROW}2 97%"
    assert model.caption(1) == f"3{ARROW}3 50%"
    assert model.is_mistake(0) and not model.is_mistake(1)
    assert model.data(model.index(0), PredictionRole) == 2
    assert model.data(model.index(0), ConfidenceRole) == pytest.approx(0.974)
    tip = model.data(model.index(0), Qt.ToolTipRole)
    assert "Image #0" in tip and "Label: 7" in tip and "Predicted: 2" in tip
    assert model.data(model.index(0), Qt.DisplayRole) == model.caption(0)


def test_qimage_holds_the_pixels():
    image = np.arange(28 * 28, dtype=np.uint32).reshape(28, 28).astype(np.uint8)
    qimage = to_qimage(image)
    assert (qimage.width(), qimage.height()) == (28, 28)
    assert qimage.pixelColor(5, 3).red() == image[3, 5]


def test_grid_paints_jumps_and_reports_clicks(qtbot):
    images, labels = _images(2000)
    grid = ImageGrid(thumbnail_size=40)
    qtbot.addWidget(grid)
    grid.resize(500, 400)
    grid.show()
    grid.set_images(images, labels)
    assert grid.model().rowCount() == 2000
    assert not grid.grab().isNull()  # paints the visible thumbnails

    assert grid.scroll_to_image(1500)
    qtbot.waitUntil(lambda: grid.viewport().rect().intersects(grid.visualRect(grid.model().index(1500))))
    assert grid.current_image() == 1500

    grid.set_indices(np.arange(0, 2000, 2))
    assert grid.model().rowCount() == 1000
    assert not grid.scroll_to_image(1501)  # filtered out
    assert grid.scroll_to_image(1500)

    grid.scrollToTop()
    grid.grab()
    assert grid.first_visible_row() == 0
    rect = grid.visualRect(grid.model().index(3))
    with qtbot.waitSignal(grid.imageClicked) as clicked:
        qtbot.mouseClick(grid.viewport(), Qt.LeftButton, pos=rect.center())
    assert clicked.args == [6]  # row 3 shows image 6


def test_thumbnail_size_changes_the_grid():
    grid = ImageGrid(thumbnail_size=40)
    images, labels = _images(20)
    grid.set_images(images, labels)
    small = grid.gridSize()
    grid.set_thumbnail_size(100)
    assert grid.thumbnail_size == 100
    assert grid.gridSize().width() > small.width() and grid.gridSize().height() > small.height()
    grid.set_thumbnail_size(10_000)
    assert grid.thumbnail_size == ImageGrid.MAX_SIZE
    grid.deleteLater()


def test_thumbnail_cache_stays_bounded_while_scrolling(qtbot):
    images, labels = _images(3000)
    grid = ImageGrid(thumbnail_size=40)
    qtbot.addWidget(grid)
    grid.resize(400, 300)
    grid.show()
    qtbot.waitExposed(grid)
    grid.set_images(images, labels)
    delegate = grid.itemDelegate()
    delegate.CACHE_BYTES = 60 * 40 * 40 * 4  # room for 60 thumbnails
    bar = grid.verticalScrollBar()
    for value in np.linspace(0, bar.maximum(), 15).astype(int):
        bar.setValue(int(value))
        grid.grab()  # lays out and paints the rows now in view
        assert delegate._cache_bytes <= delegate.CACHE_BYTES
    assert 0 < len(delegate._cache) <= 60
