"""The draw pad: a canvas for one handwritten digit, drawn with a mouse, a pen or a finger.

The drawing is kept as vectors, not pixels: a list of :class:`Stroke` (the pen's points, its
width, and whether it erases) on a square *page* of :data:`PAGE_SIZE` x :data:`PAGE_SIZE` units,
optionally over a :class:`Picture` (an opened or pasted image).  So undo/redo re-render exactly,
and when the window resizes the page scales with it and keeps its drawing.

Two rasters are kept up to date from the vectors:

* the *display* image, at the widget's size (device pixels), painted by ``paintEvent``;
* the *analysis* image, always :data:`PAGE_SIZE` x :data:`PAGE_SIZE` pixels (one pixel per page
  unit, ten times MNIST's 28), which is what gets read as a digit.  Its cost to preprocess does
  not depend on the size of the window, and :meth:`DrawPad.save_png` writes exactly it, so
  ``main.py predict`` on a saved drawing reads the same thing the pad read.

Strokes are smoothed (quadratic curves through the midpoints of the sampled points) and painted
anti-aliased with round caps and joins, dark ink on a white page.  The stroke being drawn is
painted over the display image in ``paintEvent`` and only repaints the region it touches.

Signals: :attr:`DrawPad.drawingChanged` when the drawing changes (while a stroke is drawn at
most every :data:`CHANGE_INTERVAL_MS`, and always when it ends), :attr:`DrawPad.strokeFinished`
when the pen lifts, :attr:`DrawPad.historyChanged` when undo/redo availability may have changed.

Touch and tablet pens reach the pad as the mouse events Qt synthesizes from them (the pad does
not accept touch or tablet events itself, which is what makes Qt synthesize them).
Keys: Delete or Esc clear, Ctrl+Z undo, Ctrl+Shift+Z or Ctrl+Y redo.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QElapsedTimer, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (QColor, QImage, QKeySequence, QPainter, QPainterPath, QPalette, QPen)
from PySide6.QtWidgets import QSizePolicy, QWidget

PAGE_SIZE = 280
"""Side of the page in page units; the analysis image has one pixel per unit."""

CHANGE_INTERVAL_MS = 30
"""While a stroke is drawn, ``drawingChanged`` is emitted at most this often."""

DEFAULT_PEN_WIDTH = 18.0
"""Pen width in page units (~6 % of the page: MNIST-like strokes for a digit filling ~2/3 of it)."""

ERASER_FACTOR = 2.0
"""The eraser is this many times wider than the pen."""

_HISTORY_LIMIT = 500
_MIN_STEP = 0.35  # page units: closer mouse samples are dropped (no new information)


@dataclass(frozen=True)
class Stroke:
    """One pen stroke in page units: its points (x right, y down), width, and whether it erases."""

    points: tuple[tuple[float, float], ...]
    width: float
    eraser: bool = False


@dataclass(eq=False)
class Picture:
    """An image under the strokes (an opened or pasted picture of a digit).

    ``source`` is the array the preprocessing reads when nothing has been drawn over it (the
    picture as loaded, so the pad reads it exactly as ``main.py predict`` reads the file);
    ``grey`` is uint8 (H, W) for showing it; ``ink_dark`` says whether its ink is dark on a light
    page; ``page_level`` is the page's grey level (0..255), used around it and by the eraser.
    """

    source: np.ndarray
    grey: np.ndarray
    ink_dark: bool = True
    page_level: int = 255
    name: str = ""
    _qimage: QImage | None = field(default=None, repr=False)
    _scaled: dict = field(default_factory=dict, repr=False)

    def qimage(self) -> QImage:
        if self._qimage is None:
            grey = np.ascontiguousarray(self.grey, dtype=np.uint8)
            h, w = grey.shape
            self._qimage = QImage(grey.data, w, h, w, QImage.Format_Grayscale8).copy()
        return self._qimage

    def scaled(self, width: int, height: int) -> QImage:
        """The picture scaled (area-averaged) to ``width`` x ``height`` pixels, cached."""
        key = (width, height)
        if key not in self._scaled:
            if len(self._scaled) > 4:
                self._scaled.clear()
            self._scaled[key] = self.qimage().scaled(max(1, width), max(1, height), Qt.IgnoreAspectRatio,
                                                     Qt.SmoothTransformation)
        return self._scaled[key]

    def fitted_rect(self) -> QRectF:
        """Where the picture sits on the page (page units): fitted, aspect kept, centred."""
        h, w = self.grey.shape
        scale = PAGE_SIZE / max(h, w)
        pw, ph = w * scale, h * scale
        return QRectF((PAGE_SIZE - pw) / 2, (PAGE_SIZE - ph) / 2, pw, ph)


@dataclass(frozen=True)
class _Page:
    """One state of the drawing (an entry of the undo history)."""

    picture: Picture | None
    strokes: tuple[Stroke, ...]


# ---------------------------------------------------------------------------------------------
# Rendering (shared by the display image, the analysis image and the live stroke)


def stroke_path(points) -> QPainterPath:
    """A smooth path through ``points``: straight to the first midpoint, quadratic curves
    through the sampled points (midpoint to midpoint), straight to the last point."""
    path = QPainterPath()
    first = points[0]
    path.moveTo(first[0], first[1])
    n = len(points)
    if n == 1:
        return path
    if n == 2:
        path.lineTo(points[1][0], points[1][1])
        return path
    mid = ((points[0][0] + points[1][0]) / 2, (points[0][1] + points[1][1]) / 2)
    path.lineTo(mid[0], mid[1])
    for i in range(1, n - 1):
        cx, cy = points[i]
        nx, ny = (cx + points[i + 1][0]) / 2, (cy + points[i + 1][1]) / 2
        path.quadTo(cx, cy, nx, ny)
    path.lineTo(points[-1][0], points[-1][1])
    return path


def _colors(picture: Picture | None) -> tuple[QColor, QColor]:
    """(ink, page) colours: dark ink on white, or the picture's own polarity and page level."""
    if picture is None:
        return QColor(0, 0, 0), QColor(255, 255, 255)
    page = QColor(picture.page_level, picture.page_level, picture.page_level)
    return (QColor(0, 0, 0) if picture.ink_dark else QColor(255, 255, 255)), page


def paint_stroke(painter: QPainter, stroke: Stroke, picture: Picture | None) -> None:
    """Paint one stroke in page units (the painter's transform maps page units to pixels)."""
    ink, page = _colors(picture)
    color = page if stroke.eraser else ink
    if len(stroke.points) == 1:  # a dot: a filled disc (a zero-length path strokes to nothing)
        x, y = stroke.points[0]
        r = stroke.width / 2
        painter.setPen(Qt.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(QPointF(x, y), r, r)
        painter.setBrush(Qt.NoBrush)
        return
    pen = QPen(color, stroke.width, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.NoBrush)
    painter.drawPath(stroke_path(stroke.points))


def render_page(image: QImage, page: _Page) -> None:
    """Paint ``page`` (picture and strokes) onto ``image``, which covers the whole page."""
    _, page_color = _colors(page.picture)
    image.fill(page_color)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing, True)
    painter.setRenderHint(QPainter.SmoothPixmapTransform, True)
    scale = image.width() / PAGE_SIZE
    if page.picture is not None:
        rect = page.picture.fitted_rect()
        target = QRectF(rect.x() * scale, rect.y() * scale, rect.width() * scale, rect.height() * scale)
        scaled = page.picture.scaled(round(target.width()), round(target.height()))
        painter.drawImage(target.topLeft(), scaled)
    painter.scale(scale, scale)
    for stroke in page.strokes:
        paint_stroke(painter, stroke, page.picture)
    painter.end()


def qimage_to_grey(image: QImage) -> np.ndarray:
    """A Grayscale8 QImage -> uint8 (H, W) numpy array (a copy)."""
    if image.format() != QImage.Format_Grayscale8:
        image = image.convertToFormat(QImage.Format_Grayscale8)
    h, w, bpl = image.height(), image.width(), image.bytesPerLine()
    return np.frombuffer(image.constBits(), np.uint8, count=h * bpl).reshape(h, bpl)[:, :w].copy()


# ---------------------------------------------------------------------------------------------
# The widget


class DrawPad(QWidget):
    drawingChanged = Signal()
    strokeFinished = Signal()
    historyChanged = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("drawPad")
        self.setAccessibleName("Drawing canvas")
        self.setAccessibleDescription("Draw one digit with the mouse, a pen or a finger. "
                                      "Delete or Escape clears, Ctrl+Z undoes.")
        self.setFocusPolicy(Qt.StrongFocus)
        self.setCursor(Qt.CrossCursor)
        self.setAttribute(Qt.WA_OpaquePaintEvent, True)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMinimumSize(160, 160)

        self._history: list[_Page] = [_Page(None, ())]
        self._index = 0
        self._live: list[tuple[float, float]] | None = None  # points of the stroke being drawn
        self._live_width = DEFAULT_PEN_WIDTH
        self._live_eraser = False
        self._drawn_over_picture = False  # strokes were added since the picture was set

        self.pen_width = DEFAULT_PEN_WIDTH
        self.eraser = False

        self._display = QImage()
        self._display_valid = False
        self._analysis = QImage(PAGE_SIZE, PAGE_SIZE, QImage.Format_Grayscale8)
        render_page(self._analysis, self.page)

        self._since_change = QElapsedTimer()
        self._change_timer = QTimer(self)
        self._change_timer.setSingleShot(True)
        self._change_timer.timeout.connect(self._emit_change)

    # State --------------------------------------------------------------------------------

    @property
    def page(self) -> _Page:
        return self._history[self._index]

    @property
    def strokes(self) -> tuple[Stroke, ...]:
        return self.page.strokes

    @property
    def picture(self) -> Picture | None:
        return self.page.picture

    def is_empty(self) -> bool:
        """Nothing drawn and no picture (strokes that were all erased still count as drawn)."""
        return not self.page.strokes and self.page.picture is None and not self._live

    def is_drawing(self) -> bool:
        return self._live is not None

    def can_undo(self) -> bool:
        return self._index > 0

    def can_redo(self) -> bool:
        return self._index < len(self._history) - 1

    def _push(self, page: _Page) -> None:
        del self._history[self._index + 1:]
        self._history.append(page)
        if len(self._history) > _HISTORY_LIMIT:
            del self._history[0]
        self._index = len(self._history) - 1
        self.historyChanged.emit()

    def _rerender(self) -> None:
        render_page(self._analysis, self.page)
        self._display_valid = False
        self.update()

    # Editing --------------------------------------------------------------------------------

    def clear(self) -> None:
        """Remove everything (undoable)."""
        self._cancel_live()
        if self.page.strokes or self.page.picture is not None:
            self._push(_Page(None, ()))
            self._drawn_over_picture = False
            self._rerender()
        self._emit_change()

    def undo(self) -> None:
        if self._live is not None or not self.can_undo():
            return
        self._index -= 1
        self._after_history_move()

    def redo(self) -> None:
        if self._live is not None or not self.can_redo():
            return
        self._index += 1
        self._after_history_move()

    def _after_history_move(self) -> None:
        self._drawn_over_picture = bool(self.page.strokes)
        self.historyChanged.emit()
        self._rerender()
        self._emit_change()

    def set_picture(self, picture: Picture | None) -> None:
        """Show ``picture`` on a fresh page (undoable); ``None`` just clears."""
        self._cancel_live()
        self._push(_Page(picture, ()))
        self._drawn_over_picture = False
        self._rerender()
        self._emit_change()

    def add_stroke(self, points, width: float | None = None, eraser: bool = False) -> None:
        """Add a whole stroke in page units at once (no mouse): for scripts and restoring."""
        points = tuple((float(x), float(y)) for x, y in points)
        if not points:
            return
        self._commit(Stroke(points, float(width if width is not None else self.pen_width), eraser))

    def _commit(self, stroke: Stroke) -> None:
        self._push(_Page(self.page.picture, self.page.strokes + (stroke,)))
        self._drawn_over_picture = True
        # The new stroke is painted over both rasters: the same result as a full re-render,
        # since painting is in order and every stroke is one path.
        for image in (self._analysis, self._display if self._display_valid else None):
            if image is None:
                continue
            painter = QPainter(image)
            painter.setRenderHint(QPainter.Antialiasing, True)
            painter.scale(image.width() / PAGE_SIZE, image.width() / PAGE_SIZE)
            paint_stroke(painter, stroke, self.page.picture)
            painter.end()
        self.update()

    # Reading the drawing ------------------------------------------------------------------

    def analysis_image(self) -> QImage:
        """The page as a PAGE_SIZE x PAGE_SIZE Grayscale8 image, the stroke being drawn included."""
        if self._live is None:
            return self._analysis
        image = self._analysis.copy()
        painter = QPainter(image)
        painter.setRenderHint(QPainter.Antialiasing, True)
        paint_stroke(painter, self._live_stroke(), self.page.picture)
        painter.end()
        return image

    def analysis_array(self) -> np.ndarray | None:
        """What the preprocessing reads, or None when nothing is drawn.

        For a drawing: the analysis image as float32 greyscale in [0, 1] -- exactly the array
        ``core.preprocess.load_image`` gives for the PNG :meth:`save_png` writes.  For a picture
        with nothing drawn over it: the picture as it was loaded.
        """
        if self.is_empty():
            return None
        picture = self.page.picture
        if picture is not None and not self._drawn_over_picture and self._live is None:
            return picture.source
        return qimage_to_grey(self.analysis_image()).astype(np.float32) / np.float32(255.0)

    def save_png(self, path) -> bool:
        """Write the analysis image (what the pad reads) as a PNG; False if it could not be written."""
        return self.analysis_image().save(str(path), "PNG")

    # Geometry -------------------------------------------------------------------------------

    def page_rect(self) -> QRectF:
        """Where the page sits in the widget (the largest centred square), in widget pixels."""
        side = max(1, min(self.width(), self.height()) - 2)
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def to_page(self, pos: QPointF) -> tuple[float, float]:
        rect = self.page_rect()
        scale = PAGE_SIZE / rect.width()
        return ((pos.x() - rect.x()) * scale, (pos.y() - rect.y()) * scale)

    def to_widget(self, x: float, y: float) -> QPointF:
        """A page point (page units) in widget pixels."""
        rect = self.page_rect()
        scale = rect.width() / PAGE_SIZE
        return QPointF(rect.x() + x * scale, rect.y() + y * scale)

    def sizeHint(self) -> QSize:
        return QSize(480, 480)

    # Mouse (and the mouse events Qt makes from touch and tablet input) ---------------------

    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.LeftButton:
            event.ignore()
            return
        self.setFocus(Qt.MouseFocusReason)
        self._live = [self.to_page(event.position())]
        self._live_width = float(self.pen_width) * (ERASER_FACTOR if self.eraser else 1.0)
        self._live_eraser = bool(self.eraser)
        self._since_change.start()
        self._update_live_region(self._live[-1], self._live[-1])
        self._emit_change()  # a dot is already a drawing
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        if self._live is None or not (event.buttons() & Qt.LeftButton):
            event.ignore()
            return
        point = self.to_page(event.position())
        last = self._live[-1]
        if math.hypot(point[0] - last[0], point[1] - last[1]) < _MIN_STEP:
            return
        before = self._live[-2] if len(self._live) > 1 else last
        self._live.append(point)
        self._update_live_region(before, point)
        self._changed_while_drawing()
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        if event.button() != Qt.LeftButton or self._live is None:
            event.ignore()
            return
        point = self.to_page(event.position())
        last = self._live[-1]
        if math.hypot(point[0] - last[0], point[1] - last[1]) >= _MIN_STEP:
            self._live.append(point)
        stroke = self._live_stroke()
        self._live = None
        self._change_timer.stop()
        self._commit(stroke)
        self._emit_change()
        self.strokeFinished.emit()
        event.accept()

    def _live_stroke(self) -> Stroke:
        return Stroke(tuple(self._live), self._live_width, self._live_eraser)

    def _cancel_live(self) -> None:
        if self._live is not None:
            self._live = None
            self._change_timer.stop()
            self.update()

    def _update_live_region(self, a, b) -> None:
        """Repaint only around the newest piece of the live stroke."""
        rect = self.page_rect()
        scale = rect.width() / PAGE_SIZE
        pad = (self._live_width / 2 + 2) * scale + 2
        p, q = self.to_widget(*a), self.to_widget(*b)
        self.update(QRectF(min(p.x(), q.x()) - pad, min(p.y(), q.y()) - pad,
                           abs(p.x() - q.x()) + 2 * pad, abs(p.y() - q.y()) + 2 * pad).toAlignedRect())

    def _changed_while_drawing(self) -> None:
        """Emit drawingChanged now if the last one is old enough, else once the interval is up."""
        elapsed = self._since_change.elapsed()
        if elapsed >= CHANGE_INTERVAL_MS:
            self._emit_change()
        elif not self._change_timer.isActive():
            self._change_timer.start(CHANGE_INTERVAL_MS - elapsed)

    def _emit_change(self) -> None:
        self._change_timer.stop()
        self._since_change.start()
        self.drawingChanged.emit()

    # Keys -------------------------------------------------------------------------------------

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key_Delete, Qt.Key_Escape, Qt.Key_Backspace) and not event.modifiers():
            self.clear()
        elif event.matches(QKeySequence.Undo):
            self.undo()
        elif event.matches(QKeySequence.Redo) or (
                event.key() == Qt.Key_Z and event.modifiers() == (Qt.ControlModifier | Qt.ShiftModifier)):
            self.redo()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # Painting ---------------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:
        self._display_valid = False  # re-rendered from the vectors at the new size
        super().resizeEvent(event)

    def _ensure_display(self) -> None:
        if self._display_valid:
            return
        ratio = self.devicePixelRatioF()
        side = max(1, round(self.page_rect().width() * ratio))
        if self._display.width() != side:
            self._display = QImage(side, side, QImage.Format_Grayscale8)
        render_page(self._display, self.page)  # in device pixels; scaled into page_rect() on paint
        self._display_valid = True

    def paintEvent(self, event) -> None:
        self._ensure_display()
        painter = QPainter(self)
        painter.fillRect(event.rect(), self.palette().color(QPalette.Window))
        rect = self.page_rect()
        painter.drawImage(rect, self._display)
        painter.setClipRect(rect)
        if self._live is not None:
            painter.setRenderHint(QPainter.Antialiasing, True)
            painter.translate(rect.topLeft())
            painter.scale(rect.width() / PAGE_SIZE, rect.width() / PAGE_SIZE)
            paint_stroke(painter, self._live_stroke(), self.page.picture)
            painter.resetTransform()
        painter.setClipping(False)
        if self.is_empty():
            painter.setPen(QColor(150, 150, 150))
            font = painter.font()
            font.setPointSizeF(font.pointSizeF() * 1.3)
            painter.setFont(font)
            painter.drawText(rect, Qt.AlignCenter, "Draw a digit here")
        frame = QColor(70, 130, 200) if self.hasFocus() else QColor(160, 160, 160)
        painter.setPen(QPen(frame, 1))
        painter.setBrush(Qt.NoBrush)
        painter.drawRect(rect.adjusted(-0.5, -0.5, 0.5, 0.5))
        painter.end()
