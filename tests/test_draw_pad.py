"""The draw pad on its own (no model, no TensorFlow): strokes from mouse and touch events,
throttled change signals, undo/redo and resize that re-render exactly, clear by keys, the
eraser, pictures under the strokes, and the PNG it saves being read exactly as it reads itself."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from core.preprocess import load_image
from gui.widgets.draw_pad import CHANGE_INTERVAL_MS, PAGE_SIZE, DrawPad, Picture, qimage_to_grey


@pytest.fixture
def pad(qtbot):
    pad = DrawPad()
    qtbot.addWidget(pad)
    pad.resize(400, 400)
    pad.show()
    qtbot.waitExposed(pad)
    return pad


def pixel(pad, x, y) -> QPoint:
    p = pad.to_widget(x, y)
    return QPoint(round(p.x()), round(p.y()))


def draw(pad, points, release=True) -> None:
    """A stroke through page points, as mouse press, moves and release on the pad."""
    QTest.mousePress(pad, Qt.LeftButton, Qt.NoModifier, pixel(pad, *points[0]))
    for x, y in points[1:]:
        QTest.mouseMove(pad, pixel(pad, x, y))
    if release:
        QTest.mouseRelease(pad, Qt.LeftButton, Qt.NoModifier, pixel(pad, *points[-1]))


def line(a, b, n=20):
    return [(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t) for t in np.linspace(0, 1, n)]


def ink(pad) -> np.ndarray:
    """Ink of the analysis image: 0 page .. 255 full ink."""
    return 255 - qimage_to_grey(pad.analysis_image())


def test_mouse_strokes_are_drawn_and_signalled(pad, qtbot):
    changes, finished = [], []
    pad.drawingChanged.connect(lambda: changes.append(1))
    pad.strokeFinished.connect(lambda: finished.append(1))
    assert pad.is_empty() and pad.analysis_array() is None

    draw(pad, line((60, 140), (220, 140)))
    assert len(pad.strokes) == 1 and finished == [1] and changes
    stroke = pad.strokes[0]
    assert stroke.width == pad.pen_width and not stroke.eraser
    assert stroke.points[0] == pytest.approx((60, 140), abs=1.0)
    assert stroke.points[-1] == pytest.approx((220, 140), abs=1.0)
    image = ink(pad)
    assert image.shape == (PAGE_SIZE, PAGE_SIZE)
    assert image[140, 140] == 255  # on the line: full ink
    assert image[40, 140] == 0 and image[240, 140] == 0  # far from it: page
    # anti-aliased edges: grey levels between page and ink
    assert np.any((image > 0) & (image < 255))


def test_a_click_makes_a_dot(pad):
    QTest.mouseClick(pad, Qt.LeftButton, Qt.NoModifier, pixel(pad, 140, 140))
    assert len(pad.strokes) == 1 and len(pad.strokes[0].points) == 1
    assert ink(pad)[140, 140] == 255


def test_touch_draws_through_synthesized_mouse_events(pad):
    device = QTest.createTouchDevice()
    QTest.touchEvent(pad, device).press(0, pixel(pad, 60, 60)).commit()
    for x in range(70, 220, 10):
        QTest.touchEvent(pad, device).move(0, pixel(pad, x, x)).commit()
    QTest.touchEvent(pad, device).release(0, pixel(pad, 220, 220)).commit()
    assert len(pad.strokes) == 1
    assert ink(pad)[140, 140] == 255


def test_changes_while_drawing_are_throttled_and_the_end_is_always_signalled(pad):
    changes = []
    pad.drawingChanged.connect(lambda: changes.append(time.perf_counter()))
    started = time.perf_counter()
    draw(pad, line((40, 40), (240, 240), n=200), release=False)  # 200 moves, no event loop in between
    elapsed_ms = (time.perf_counter() - started) * 1000
    # at most one per interval (plus the press); however fast or slow this machine is
    assert 1 <= len(changes) <= elapsed_ms / CHANGE_INTERVAL_MS + 2
    changes.clear()
    QTest.mouseRelease(pad, Qt.LeftButton, Qt.NoModifier, pixel(pad, 240, 240))
    assert len(changes) == 1  # the stroke's end, at once


def test_the_stroke_being_drawn_is_part_of_the_drawing(pad):
    draw(pad, line((60, 100), (220, 100)), release=False)
    assert pad.is_drawing() and not pad.is_empty()
    assert ink(pad)[100, 140] == 255  # readable (live prediction) before the pen lifts
    QTest.mouseRelease(pad, Qt.LeftButton, Qt.NoModifier, pixel(pad, 220, 100))
    assert not pad.is_drawing()


def test_undo_and_redo_re_render_exactly(pad):
    draw(pad, line((60, 80), (220, 80)))
    after_one = ink(pad).copy()
    draw(pad, line((140, 40), (140, 240)))
    after_two = ink(pad).copy()
    assert not np.array_equal(after_one, after_two)

    pad.undo()
    assert len(pad.strokes) == 1
    np.testing.assert_array_equal(ink(pad), after_one)
    pad.undo()
    assert pad.is_empty() and not ink(pad).any() and not pad.can_undo()
    pad.redo()
    pad.redo()
    np.testing.assert_array_equal(ink(pad), after_two)
    assert not pad.can_redo()

    pad.undo()
    draw(pad, line((40, 200), (240, 200)))  # a new stroke drops what could be redone
    assert not pad.can_redo() and len(pad.strokes) == 2


def test_keys_clear_undo_and_redo(pad):
    for key in (Qt.Key_Delete, Qt.Key_Escape):
        draw(pad, line((60, 140), (220, 140)))
        assert not pad.is_empty()
        QTest.keyClick(pad, key)
        assert pad.is_empty() and not ink(pad).any()
    QTest.keyClick(pad, Qt.Key_Z, Qt.ControlModifier)  # the clear is undone
    assert len(pad.strokes) == 1
    QTest.keyClick(pad, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert pad.is_empty()


def test_resizing_keeps_the_drawing(pad, qtbot):
    draw(pad, line((60, 140), (220, 140)))
    draw(pad, line((140, 60), (140, 220)))
    before = ink(pad).copy()
    strokes = pad.strokes
    for size in (250, 700):
        pad.resize(size, size)
        qtbot.waitUntil(lambda: pad.width() == size)
        grab = pad.grab().toImage()
        assert pad.strokes == strokes
        np.testing.assert_array_equal(ink(pad), before)  # what is read does not depend on the size
        # the display is re-rendered at the new size: the cross is there, scaled
        centre = pad.to_widget(140, 140)
        corner = pad.to_widget(30, 30)
        assert QColorValue(grab, centre) < 60 and QColorValue(grab, corner) > 200


def QColorValue(image, point) -> int:  # noqa: N802 - a tiny helper
    return image.pixelColor(round(point.x()), round(point.y())).value()


def test_the_eraser_removes_ink(pad):
    draw(pad, line((60, 140), (220, 140)))
    pad.eraser = True
    draw(pad, line((140, 100), (140, 180)))
    pad.eraser = False
    image = ink(pad)
    assert pad.strokes[-1].eraser and pad.strokes[-1].width > pad.strokes[0].width
    assert image[140, 140] == 0  # erased
    assert image[140, 80] == 255  # the rest stays
    assert pad.analysis_array() is not None  # erased strokes are still strokes; the reader finds no ink


def test_pen_width_changes_the_stroke(pad):
    pad.pen_width = 6
    draw(pad, line((40, 100), (240, 100)))
    pad.pen_width = 30
    draw(pad, line((40, 200), (240, 200)))
    image = ink(pad) > 127
    assert 4 <= image[:, 140][80:120].sum() <= 8
    assert 28 <= image[:, 140][170:230].sum() <= 32


def test_saved_png_reads_exactly_as_the_pad(pad, tmp_path):
    draw(pad, line((80, 60), (200, 220)))
    path = tmp_path / "digit.png"
    assert pad.save_png(path)
    np.testing.assert_array_equal(load_image(path), pad.analysis_array())


def test_a_picture_is_read_as_loaded_until_drawn_over(pad):
    grey = np.ones((60, 40), np.float32)
    grey[10:50, 18:22] = 0.0  # a dark "1" on a white page
    picture = Picture(source=grey, grey=(grey * 255).astype(np.uint8), ink_dark=True, page_level=255, name="one")
    pad.set_picture(picture)
    assert not pad.is_empty()
    assert pad.analysis_array() is picture.source  # exactly the picture, as main.py predict reads it
    assert ink(pad)[140, 140] > 200  # and shown, fitted to the page
    draw(pad, line((60, 40), (220, 40)))
    composite = pad.analysis_array()
    assert composite.shape == (PAGE_SIZE, PAGE_SIZE) and composite[40, 140] == 0.0
    pad.undo()
    assert pad.analysis_array() is picture.source
    pad.clear()
    assert pad.picture is None and pad.is_empty()
