"""The network drawn as a chain of blocks, one per layer, with the shape each one passes on.

Fed by ``core.spec.describe`` (through the layer editor's ``analyse``), so it shows exactly the
shapes the layer list does: ``28×28×1 → 24×24×32 → 12×12×32 → ... → 10``. An image-shaped
output is drawn as a stack of squares (the square's side follows the height and width, the
number of sheets the number of channels); a flat list as a bar whose height follows its
length. An impossible network shows the layers that work, the one at fault in red, and why.

Hovering a block names it (and tells the "What is this?" panel which entry explains it, through
:meth:`NetworkDiagram.explain_key_at`); clicking it emits :attr:`NetworkDiagram.blockClicked`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolTip, QVBoxLayout, QWidget

from core.spec import INPUT_SHAPE, NUM_CLASSES, LayerSpec

MARGIN = 6
GAP = 10              # room for the arrow between two blocks (labels may use half of it)
PICTURE_HEIGHT = 66   # the drawing of a shape
TEXT_HEIGHT = 30      # two lines under it
BLOCK_AREA = MARGIN + PICTURE_HEIGHT + TEXT_HEIGHT + MARGIN
MIN_BLOCK = 40
MAX_BLOCK = 96
MAX_SIDE = 56         # the input image's square, when there is room
SHEET_STEP = 3.0      # offset between the sheets of an image-shaped output

COLORS = {
    "input": QColor(110, 110, 110),
    "conv2d": QColor(51, 103, 214),
    "maxpool2d": QColor(0, 137, 123),
    "flatten": QColor(142, 68, 173),
    "dense": QColor(232, 113, 10),
    "dropout": QColor(232, 113, 10),
    "output": QColor(200, 40, 40),
}
ERROR_COLOR = QColor(200, 0, 0)
UNKNOWN_COLOR = QColor(175, 175, 175)

KIND_NAMES = {"conv2d": "Convolution", "maxpool2d": "Max pooling", "flatten": "Flatten", "dense": "Dense",
              "dropout": "Dropout"}


def shape_text(shape: Sequence[int] | None) -> str:
    """``(24, 24, 32)`` -> ``24×24×32``; None -> ``?``."""
    return "\u00d7".join(str(d) for d in shape) if shape else "?"


@dataclass
class Block:
    index: int                         # -1: the input; 0..n-1: the layers; n: the output layer
    kind: str                          # a core.spec layer kind, "input" or "output"
    name: str                          # first line, e.g. "Conv 5×5"
    shape: tuple[int, ...] | None      # its output shape (None: unknown, after an impossible layer)
    params: int | None = None
    summary: str = ""                  # e.g. "Conv2D 32 5x5 relu"
    bad: bool = False                  # the layer that makes the network impossible
    rect: QRectF | None = None         # where it is drawn (picture and text)

    @property
    def shape_text(self) -> str:
        return shape_text(self.shape)


def _sheets(channels: int) -> int:
    """How many sheets show ``channels`` channels: 1 for 1, 4 for 32, 5 for 64, at most 6."""
    return 1 + min(5, int(round(math.log2(max(1, channels)) / 1.3)))


def _plain(layer: LayerSpec) -> str:
    """A layer in words: "a convolution with 32 filters of 5×5 pixels"."""
    if layer.kind == "conv2d":
        k = layer.setting("kernel_size")
        padded = ", edges padded" if layer.setting("padding") == "same" else ""
        return f"a convolution with {layer.setting('filters')} filters of {k}\u00d7{k} pixels{padded}"
    if layer.kind == "maxpool2d":
        k = layer.setting("pool_size")
        return f"max pooling, keeping the largest value of each {k}\u00d7{k} square"
    if layer.kind == "dense":
        return f"a dense layer of {layer.setting('units')} neurons"
    if layer.kind == "dropout":
        try:
            return f"dropout, switching off {float(layer.setting('rate')):.0%} of the values while training"
        except (TypeError, ValueError):
            return "dropout"
    if layer.kind == "flatten":
        return "flatten, laying the maps out as one list"
    return layer.summary()


def _plain_shape(shape: Sequence[int]) -> str:
    """``(24, 24, 32)`` -> "24×24×32 (32 maps of 24×24)"; ``(1024,)`` -> "1024 numbers"."""
    if len(shape) == 3:
        h, w, c = shape
        maps = "1 image" if c == 1 else f"{c} maps"
        return f"{shape_text(shape)} ({maps} of {h}\u00d7{w})"
    return f"{shape_text(shape)} numbers"


def _name(layer: LayerSpec) -> str:
    if layer.kind == "conv2d":
        k = layer.setting("kernel_size")
        return f"Conv {k}\u00d7{k}"
    if layer.kind == "maxpool2d":
        k = layer.setting("pool_size")
        return f"Pool {k}\u00d7{k}"
    if layer.kind == "dropout":
        try:
            return f"Drop {float(layer.setting('rate')):.0%}"
        except (TypeError, ValueError):
            return "Dropout"
    return KIND_NAMES.get(layer.kind, layer.kind)


class NetworkDiagram(QWidget):
    """The layers as blocks from the input image (left) to the ten digit scores (right)."""

    #: A block was clicked: -1 the input, 0..n-1 the layers (as in the layer list), n the output.
    blockClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("networkDiagram")
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.setToolTip("The network as a diagram: each block is a layer, with the shape of what it passes on.\n"
                        "Click a layer to learn what it does and, once trained, what it learned.")
        self.setAccessibleName("Network diagram")
        self._layers: tuple[LayerSpec, ...] = ()
        self._blocks: list[Block] = []
        self._error = ""
        self._hover: int | None = None     # position in _blocks
        self._selected: int | None = None  # the clicked block's index
        self._laid_out_width = -1
        self._scale = float(MAX_SIDE)
        self.errorLabel = QLabel(self)
        self.errorLabel.setObjectName("diagramErrorLabel")
        self.errorLabel.setWordWrap(True)
        self.errorLabel.setStyleSheet("color: #c00000;")
        self.errorLabel.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN, BLOCK_AREA, MARGIN, 2)
        layout.addWidget(self.errorLabel)
        self.set_layers(())

    # Input -------------------------------------------------------------------------------------

    def follow(self, editor) -> None:
        """Show ``editor``'s layers (a LayerEditor) now and after every edit."""
        editor.layersChanged.connect(lambda: self.set_layers(editor.layers()))
        self.set_layers(editor.layers())

    def set_layers(self, layers: Sequence[LayerSpec]) -> None:
        """Show the network ``layers`` (the hidden layers; the output layer is added)."""
        from gui.widgets.layer_editor import analyse

        self._layers = tuple(layers)
        infos, error, bad = analyse(self._layers)
        blocks = [Block(-1, "input", "Input", INPUT_SHAPE, 0, "The input image")]
        for row, layer in enumerate(self._layers):
            known = row < len(infos) and (bad is None or row < bad)
            info = infos[row] if known else None
            blocks.append(Block(row, layer.kind, _name(layer), info.output_shape if info else None,
                                info.params if info else None, layer.summary(), bad == row))
        out = len(self._layers)
        output_info = infos[out] if bad is None and out < len(infos) else None
        blocks.append(Block(out, "output", "Softmax", (NUM_CLASSES,) if bad is None else None,
                            output_info.params if output_info else None, "Dense 10 softmax (output)", bad == out))
        self._blocks = blocks
        self._error = error
        self._hover = None
        if self._selected is not None and self._selected > out:
            self._selected = None
        self.errorLabel.setText(f"\u26a0 {error}" if error else "")
        self.errorLabel.setVisible(bool(error))
        self._laid_out_width = -1
        self.updateGeometry()
        self.update()

    # Reading it (tests, the explanations) ------------------------------------------------------

    @property
    def layers(self) -> tuple[LayerSpec, ...]:
        return self._layers

    @property
    def error(self) -> str:
        """Why the network is impossible, or ""."""
        return self._error

    def blocks(self) -> list[Block]:
        self._layout()
        return list(self._blocks)

    def shapes(self) -> list[str]:
        """The shape under every block, input first: ``["28×28×1", "24×24×32", ..., "10"]``."""
        return [block.shape_text for block in self._blocks]

    def block(self, index: int) -> Block | None:
        """The block of layer ``index`` (-1: the input, len(layers): the output)."""
        self._layout()
        return next((b for b in self._blocks if b.index == index), None)

    def block_at(self, pos) -> Block | None:
        self._layout()
        point = QPointF(pos)
        return next((b for b in self._blocks if b.rect is not None and b.rect.contains(point)), None)

    def explain_key_at(self, pos) -> str | None:
        """The glossary entry that explains what is under ``pos``: the layer's kind, else the
        network as a whole."""
        block = self.block_at(pos)
        return "network" if block is None else self.explain_key(block)

    @staticmethod
    def explain_key(block: Block) -> str:
        """The glossary entry of a block: its layer kind's."""
        from gui.glossary import KIND_KEYS

        if block.kind == "input":
            return "input"
        if block.kind == "output":
            return "softmax"
        return KIND_KEYS.get(block.kind, "network")

    def describe_block(self, block: Block) -> str:
        """One or two lines about a block in plain words, for its tooltip and the explanation panel."""
        if block.kind == "input":
            return f"The input: one {shape_text(INPUT_SHAPE)} grey image"
        if block.kind == "output":
            text = "The output layer: 10 neurons, one probability per digit (softmax)"
        else:
            text = f"Layer {block.index + 1}: {_plain(self._layers[block.index])}"
        if block.bad:
            return text + f"\nThis layer is impossible here: {self._error}"
        if block.shape is None:
            return text + "\n(what it passes on is unknown until the layer at fault is fixed)"
        params = f" \u00b7 {block.params:,} parameters to learn" if block.params else ""
        return text + f"\nPasses on {_plain_shape(block.shape)}{params}"

    def selected(self) -> int | None:
        return self._selected

    def set_selected(self, index: int | None) -> None:
        self._selected = index
        self.update()

    # Geometry ------------------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        height = BLOCK_AREA
        if self._error:
            width = self.width() - 2 * MARGIN if self.width() > 100 else 540
            height += self.errorLabel.heightForWidth(width) + 4
        return QSize(560, height)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, self.sizeHint().height())

    def hasHeightForWidth(self) -> bool:
        return False

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._laid_out_width = -1
        if self._error and event.size().width() != event.oldSize().width():
            self.updateGeometry()  # the wrapped message's height follows the width

    def _fonts(self) -> tuple[QFont, QFont]:
        name = QFont(self.font())
        name.setPointSizeF(max(7.0, name.pointSizeF() * 0.85))
        name.setBold(True)
        shape = QFont(self.font())
        shape.setPointSizeF(max(7.0, shape.pointSizeF() * 0.85))
        return name, shape

    def _layout(self) -> None:
        """Place the blocks: as wide as their labels need, spread over the width, centred."""
        if self._laid_out_width == self.width():
            return
        self._laid_out_width = self.width()
        name_font, shape_font = self._fonts()
        name_metrics, shape_metrics = QFontMetricsF(name_font), QFontMetricsF(shape_font)
        needs = [max(MIN_BLOCK, name_metrics.horizontalAdvance(b.name) - GAP + 4,
                     shape_metrics.horizontalAdvance(b.shape_text) - GAP + 4) for b in self._blocks]
        count = len(needs)
        room = self.width() - 2 * MARGIN - GAP * (count - 1)
        total = sum(needs)
        if total <= room:
            extra = min((room - total) / count, MAX_BLOCK)
            widths = [min(MAX_BLOCK, w + extra) for w in needs]
        else:
            widths = [w * room / total for w in needs]
        used = sum(widths) + GAP * (count - 1)
        x = max(MARGIN, (self.width() - used) / 2)
        for block, width in zip(self._blocks, widths):
            block.rect = QRectF(x, MARGIN, width, PICTURE_HEIGHT + TEXT_HEIGHT)
            x += width + GAP
        # One scale for every image-shaped block, so that their sizes compare: the largest that
        # lets each fit its block.
        scale = float(MAX_SIDE)
        for block, width in zip(self._blocks, widths):
            if block.shape is not None and len(block.shape) == 3:
                room = min(width, PICTURE_HEIGHT) - 4 - SHEET_STEP * (_sheets(block.shape[2]) - 1)
                scale = min(scale, room * 28 / min(max(block.shape[0], 1), 28))
        self._scale = max(10.0, scale)

    # Painting ------------------------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        self._layout()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        name_font, shape_font = self._fonts()
        middle = MARGIN + PICTURE_HEIGHT / 2
        for position, block in enumerate(self._blocks):
            rect = block.rect
            if position == self._hover or block.index == self._selected:
                painter.setPen(Qt.NoPen)
                painter.setBrush(QColor(232, 240, 254) if block.index == self._selected else QColor(242, 242, 242))
                painter.drawRoundedRect(rect.adjusted(-3, -3, 3, 1), 5, 5)
            self._paint_shape(painter, block, QRectF(rect.x(), rect.y(), rect.width(), PICTURE_HEIGHT))
            color = self._color(block)
            text_top = rect.y() + PICTURE_HEIGHT
            painter.setPen(color)
            painter.setFont(name_font)
            metrics = QFontMetricsF(name_font)
            painter.drawText(QRectF(rect.x() - GAP / 2 + 1, text_top, rect.width() + GAP - 2, 15), Qt.AlignCenter,
                             metrics.elidedText(block.name, Qt.ElideRight, rect.width() + GAP - 2))
            painter.setPen(ERROR_COLOR if block.bad else QColor(50, 50, 50))
            painter.setFont(shape_font)
            metrics = QFontMetricsF(shape_font)
            painter.drawText(QRectF(rect.x() - GAP / 2 + 1, text_top + 15, rect.width() + GAP - 2, 15), Qt.AlignCenter,
                             metrics.elidedText(block.shape_text, Qt.ElideRight, rect.width() + GAP - 2))
            if position + 1 < len(self._blocks):
                self._paint_arrow(painter, rect.right() + 2, self._blocks[position + 1].rect.left() - 2, middle)
        painter.end()

    def _color(self, block: Block) -> QColor:
        if block.bad:
            return ERROR_COLOR
        if block.shape is None:
            return UNKNOWN_COLOR
        return COLORS.get(block.kind, QColor(80, 80, 80))

    def _paint_shape(self, painter: QPainter, block: Block, area: QRectF) -> None:
        color = self._color(block)
        fill = QColor(color)
        fill.setAlpha(45)
        pen = QPen(color, 2.0 if block.index == self._selected else 1.3)
        if block.kind == "dropout":
            pen.setStyle(Qt.DashLine)
        painter.setPen(pen)
        painter.setBrush(fill)
        shape = block.shape
        if shape is None:
            side = min(34.0, area.width() - 4)
            box = QRectF(area.center().x() - side / 2, area.center().y() - side / 2, side, side)
            painter.drawRoundedRect(box, 4, 4)
            painter.drawText(box, Qt.AlignCenter, "!" if block.bad else "?")
            return
        if len(shape) == 3:
            height, _width, channels = shape
            sheets, step = _sheets(channels), SHEET_STEP
            side = max(4.0, self._scale * min(height, 28) / 28)
            span = side + step * (sheets - 1)
            left = area.center().x() - span / 2
            top = area.center().y() - span / 2
            for sheet in range(sheets - 1, -1, -1):  # back to front
                painter.drawRect(QRectF(left + step * sheet, top + step * (sheets - 1 - sheet), side, side))
            return
        length = shape[0]
        bar_height = 14 + 48 * min(1.0, math.log10(max(1, length)) / math.log10(8192))
        bar = QRectF(area.center().x() - 6, area.center().y() - bar_height / 2, 12, bar_height)
        painter.drawRect(bar)

    @staticmethod
    def _paint_arrow(painter: QPainter, x1: float, x2: float, y: float) -> None:
        if x2 - x1 < 4:
            return
        color = QColor(120, 120, 120)
        painter.setPen(QPen(color, 1.2))
        painter.drawLine(QPointF(x1, y), QPointF(x2 - 3, y))
        painter.setBrush(color)
        painter.setPen(Qt.NoPen)
        painter.drawPolygon(QPolygonF([QPointF(x2, y), QPointF(x2 - 5, y - 3.5), QPointF(x2 - 5, y + 3.5)]))

    # Mouse ---------------------------------------------------------------------------------------

    def mouseMoveEvent(self, event) -> None:
        block = self.block_at(event.position())
        position = self._blocks.index(block) if block is not None else None
        if position != self._hover:
            self._hover = position
            self.setCursor(Qt.PointingHandCursor if block is not None else Qt.ArrowCursor)
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:
        if self._hover is not None:
            self._hover = None
            self.update()
        super().leaveEvent(event)

    def mousePressEvent(self, event) -> None:
        block = self.block_at(event.position()) if event.button() == Qt.LeftButton else None
        if block is None:
            super().mousePressEvent(event)
            return
        self._selected = block.index
        self.update()
        self.blockClicked.emit(block.index)

    def event(self, event) -> bool:
        if event.type() == QEvent.ToolTip:
            block = self.block_at(event.pos())
            if block is not None:
                QToolTip.showText(event.globalPos(), self.describe_block(block) + "\nClick to learn more.", self)
                return True
        return super().event(event)
