"""Live training curves: loss and accuracy, per batch (raw and smoothed) and per epoch.

Two pyqtgraph plots (``lossPlot`` and ``accuracyPlot``) share one x-axis in epochs: the batch
``b`` of epoch ``e`` (both 0-based) sits at ``e + (b + 1) / batches_per_epoch``, so the point of
an epoch's end (training and validation, drawn as symbols joined by lines) sits exactly above
the last batch of that epoch.

Keras reports, after each batch, the *running mean* of the loss and accuracy over the epoch so
far. That curve is smooth by construction and hides how noisy training really is, so the raw
curve shown here is each batch's own value, recovered from two consecutive running means
(Keras weights its means by the number of images in each batch). The smoothed curve is an
exponential moving average of those raw values, with a control for how much to smooth.

Batches can arrive far faster than a screen can redraw. ``add_batch`` only writes into
preallocated numpy buffers (which grow by doubling) and marks the plots dirty; a timer redraws
them only when something changed, at most every 50 ms (~20 redraws a second) however fast
batches come. The curve items are made once and fed with ``setData``; long curves are
downsampled to the pixels they cover and clipped to the visible range.

Painting holds Python's GIL (PySide does not release it around QPainter calls), and while the
GUI thread holds it the training thread cannot start its next step. So painting is kept cheap
(no grid, no antialiasing of the long per-batch curves, an x-axis that changes once per epoch
rather than with every redraw) and the redraw pace adapts to what painting really costs: the
interval between redraws stays at least ``1 / PAINT_BUDGET`` times the measured cost of one
redraw, so painting takes at most ~3% of the time however many points there are.
"""

from __future__ import annotations

import csv
import math
import time
from itertools import accumulate
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

SIDE_BY_SIDE_MIN_WIDTH = 600    # narrower than this (the What-is-this panel open), the plots stack...
STACKED_MIN_HEIGHT = 400        # ...if they have this much height to share
PLOT_MIN_WIDTH, PLOT_MIN_HEIGHT = 240, 150
REDRAW_INTERVAL_MS = 50          # at most ~20 redraws a second
MAX_REDRAW_INTERVAL_MS = 1000    # however slow painting is, the curves move at least once a second
PAINT_BUDGET = 0.03              # the share of the GUI thread's time that redrawing may take
DEFAULT_SMOOTHING = 0.9          # weight of the past in the moving average (0 = no smoothing)
MAX_SMOOTHING = 0.99

# One colour per kind of curve, the same in both plots.
RAW_PEN = pg.mkPen((175, 198, 238), width=1)  # opaque: a translucent pen makes Qt stroke the path slowly
SMOOTH_PEN = pg.mkPen((20, 70, 170), width=2)
EPOCH_PEN = pg.mkPen((220, 110, 0), width=2)
VAL_PEN = pg.mkPen((0, 140, 60), width=2, style=Qt.DashLine)
# Earlier runs shown for comparison (set_overlays): muted colours, thin lines.
OVERLAY_COLORS = ((120, 120, 120), (150, 90, 170), (40, 150, 150), (190, 120, 50), (200, 90, 120),
                  (110, 140, 60), (90, 110, 190), (160, 140, 40))


class GrowingBuffer:
    """A 1-D float array appended to one value at a time; its storage doubles when full."""

    def __init__(self, capacity: int = 1024):
        self._data = np.empty(max(1, int(capacity)), dtype=np.float64)
        self._size = 0

    def append(self, value: float) -> None:
        if self._size == len(self._data):
            grown = np.empty(2 * len(self._data), dtype=np.float64)
            grown[: self._size] = self._data
            self._data = grown
        self._data[self._size] = value
        self._size += 1

    def clear(self) -> None:
        self._size = 0

    @property
    def capacity(self) -> int:
        return len(self._data)

    def __len__(self) -> int:
        return self._size

    @property
    def values(self) -> np.ndarray:
        """The values so far (a view: valid until the next append)."""
        return self._data[: self._size]


def ema(values, weight: float) -> np.ndarray:
    """Debiased exponential moving average, as TensorBoard smooths its curves.

    ``s[n] = weight * s[n-1] + (1 - weight) * x[n]`` starting from 0, divided by
    ``1 - weight**(n+1)`` so that the first points are not pulled towards 0. ``weight`` 0 gives
    the values back unchanged.
    """
    values = np.asarray(values, dtype=np.float64)
    if weight <= 0 or len(values) == 0:
        return values.copy()
    keep = 1.0 - weight
    running = np.fromiter(accumulate(values.tolist(), lambda s, x: weight * s + keep * x, initial=0.0),
                          dtype=np.float64, count=len(values) + 1)[1:]
    return running / (1.0 - weight ** np.arange(1, len(values) + 1))


class _EmaState:
    """The same average as :func:`ema`, one value at a time."""

    def __init__(self, weight: float):
        self.weight = weight
        self.reset()

    def reset(self) -> None:
        self._sum = 0.0
        self._power = 1.0

    def resume(self, count: int, last_output: float) -> None:
        """Continue after ``count`` values whose last smoothed output was ``last_output``."""
        if self.weight > 0 and count > 0:
            self._power = self.weight ** count
            self._sum = last_output * (1.0 - self._power)

    def add(self, value: float) -> float:
        w = self.weight
        if w <= 0:
            return value
        self._sum = w * self._sum + (1.0 - w) * value
        self._power *= w
        return self._sum / (1.0 - self._power)


class _BatchDecoder:
    """Turns Keras's running means over an epoch into each batch's own loss and accuracy."""

    def __init__(self, batch_size: int, train_samples: int):
        self.batch_size = max(1, int(batch_size))
        self.train_samples = max(1, int(train_samples))
        self._epoch = -1
        self._seen = 0
        self._loss_total = 0.0
        self._accuracy_total = 0.0

    def decode(self, epoch: int, batch: int, loss: float, accuracy: float) -> tuple[float, float]:
        if epoch != self._epoch or batch == 0:
            self._epoch, self._seen, self._loss_total, self._accuracy_total = epoch, 0, 0.0, 0.0
        seen = min((batch + 1) * self.batch_size, self.train_samples)
        images = seen - self._seen
        if images <= 0:  # a batch reported twice or out of order: show the running value
            return loss, accuracy
        loss_total, accuracy_total = loss * seen, accuracy * seen
        batch_loss = (loss_total - self._loss_total) / images
        batch_accuracy = (accuracy_total - self._accuracy_total) / images
        self._seen, self._loss_total, self._accuracy_total = seen, loss_total, accuracy_total
        # Float32 round-off in Keras's sums can leave tiny overshoots: keep the values possible.
        return max(batch_loss, 0.0), min(max(batch_accuracy, 0.0), 1.0)


class _Series:
    """Buffers of one plot's batch curve (raw and smoothed) and epoch curves."""

    def __init__(self, scale: float):
        self.scale = scale            # 100 for accuracy shown in percent
        self.raw = GrowingBuffer()
        self.smooth = GrowingBuffer()
        self.epoch_train = GrowingBuffer(16)
        self.epoch_val = GrowingBuffer(16)
        self.ema = _EmaState(DEFAULT_SMOOTHING)

    def clear(self) -> None:
        for buffer in (self.raw, self.smooth, self.epoch_train, self.epoch_val):
            buffer.clear()
        self.ema.reset()

    def add_batch(self, value: float) -> None:
        value *= self.scale
        self.raw.append(value)
        self.smooth.append(self.ema.add(value))

    def resmooth(self, weight: float) -> None:
        """Recompute the smoothed curve for a new weight (only when the control changes)."""
        smoothed = ema(self.raw.values, weight)
        self.smooth.clear()
        for value in smoothed.tolist():
            self.smooth.append(value)
        self.ema = _EmaState(weight)
        self.ema.resume(len(smoothed), smoothed[-1] if len(smoothed) else 0.0)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``value`` (> 0)."""
    if not value > 0 or not math.isfinite(value):
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * power >= value * (1 - 1e-12):
            return step * power
    return 10.0 * power


class _TimedPlotWidget(pg.PlotWidget):
    """A PlotWidget that adds up the CPU time its paints take (CPU time of this thread, not wall
    time: while training holds the GIL a paint may wait for it, and waiting costs nothing)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.paint_seconds = 0.0

    def paintEvent(self, event) -> None:
        started = time.thread_time()
        super().paintEvent(event)
        self.paint_seconds += time.thread_time() - started


class LivePlots(QWidget):
    """The loss and accuracy plots, fed batch by batch and epoch by epoch while a model trains."""

    smoothingChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._decoder = _BatchDecoder(1, 1)
        self._batches_per_epoch = 1
        self._x = GrowingBuffer()
        self._epoch_x = GrowingBuffer(16)
        self._epoch_numbers: list[int] = []
        self._batch_ids = GrowingBuffer()     # epoch * batches_per_epoch + batch, for the CSV
        self._loss = _Series(1.0)
        self._accuracy = _Series(100.0)
        self._has_val: list[bool] = []
        self._batches_dirty = False
        self._epochs_dirty = False
        self._epochs = 1                     # of the run: the x-axis never needs to go beyond
        self._x_limit = 0.0                  # the right end of the x-axis now
        self._loss_top = 0.0                 # the top of the loss axis now
        self._max_loss = 0.0                 # the largest per-batch or epoch loss of the run
        self._user_moved = False             # the person panned or zoomed: leave the axes to them
        self._redraw_cost = 0.0              # CPU seconds one redraw takes, setData and paint (running mean)
        self._pending_cost = 0.0             # setData time of the last redraw, until its paint is seen
        self._painted_before = 0.0
        self.redraw_count = 0                # how many times the curves were redrawn (for tests)
        self._overlays: list = []            # [(label, core.runs.RunHistory)] of earlier runs shown
        self._overlay_items: list = []       # [(loss item, accuracy item, raw loss, raw accuracy)]
        self._overlay_x = 0.0                # the last epoch any overlay reaches
        self._overlay_loss = 0.0             # the largest smoothed loss of any overlay
        self._pending_weight: float | None = None  # a smoothing not yet applied to the curves

        self.lossPlot = self._make_plot("lossPlot", "Loss (lower is better)", "loss", legend_corner="top")
        self.accuracyPlot = self._make_plot("accuracyPlot", "Accuracy (higher is better)", "accuracy (%)",
                                            legend_corner="bottom")
        self.loss_curves = self._make_curves(self.lossPlot, "loss")
        self.accuracy_curves = self._make_curves(self.accuracyPlot, "accuracy")

        self.smoothingSlider = QSlider(Qt.Horizontal)
        self.smoothingSlider.setObjectName("smoothingSlider")
        self.smoothingSlider.setRange(0, int(MAX_SMOOTHING * 100))
        self.smoothingSlider.setValue(int(DEFAULT_SMOOTHING * 100))
        self.smoothingSlider.setFixedWidth(160)
        self.smoothingSlider.setToolTip(
            "How much to smooth the per-batch curves (the bold lines).\n"
            "0 shows each batch's own value; towards 0.99 each point averages over more recent batches.\n"
            "The thin pale lines always show the raw per-batch values.")
        self.smoothingLabel = QLabel()
        self.smoothingLabel.setMinimumWidth(32)
        self.smoothingSlider.valueChanged.connect(self._on_smoothing_moved)
        self._on_smoothing_moved(self.smoothingSlider.value(), redraw=False)

        controls = QHBoxLayout()
        controls.setContentsMargins(4, 0, 4, 0)
        title = QLabel("Smoothing of the per-batch curves:")
        title.setToolTip(self.smoothingSlider.toolTip())
        controls.addWidget(title)
        controls.addWidget(self.smoothingSlider)
        controls.addWidget(self.smoothingLabel)
        controls.addStretch(1)

        self._plots_layout = QBoxLayout(QBoxLayout.LeftToRight)
        self._plots_layout.setContentsMargins(0, 0, 0, 0)
        self._plots_layout.addWidget(self.lossPlot, 1)
        self._plots_layout.addWidget(self.accuracyPlot, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._plots_layout, 1)
        layout.addLayout(controls)

        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_INTERVAL_MS)
        self._timer.setTimerType(Qt.PreciseTimer)  # never early: the 20-a-second ceiling holds
        self._timer.timeout.connect(self._on_tick)

    # Construction --------------------------------------------------------------------------

    def _make_plot(self, name: str, title: str, y_label: str, legend_corner: str) -> pg.PlotWidget:
        plot = _TimedPlotWidget()
        plot.setObjectName(name)
        plot.setTitle(title, size="11pt")
        plot.setLabel("left", y_label)
        plot.setLabel("bottom", "epoch (each batch is placed within its epoch)")
        for side in ("left", "bottom"):
            plot.getAxis(side).enableAutoSIPrefix(False)  # no "(x0.001)" scaling of epoch fractions
        # No grid: pyqtgraph draws it with the axes across the whole plot, and repainting it costs
        # more than everything else together.
        plot.setMenuEnabled(True)
        plot.setMinimumSize(PLOT_MIN_WIDTH, PLOT_MIN_HEIGHT)
        offset = (-8, 8) if legend_corner == "top" else (-8, -8)
        legend = plot.addLegend(offset=offset, labelTextSize="8pt", verSpacing=-6)
        legend.setBrush(pg.mkBrush(255, 255, 255, 200))
        legend.setPen(pg.mkPen(200, 200, 200))
        view = plot.getPlotItem().getViewBox()
        view.setDefaultPadding(0.02)
        view.sigRangeChangedManually.connect(self._on_user_moved)
        plot.setToolTip("Click a legend entry to hide or show its curve. Drag to pan, scroll to zoom,\n"
                        "right-click for more (e.g. log scale); the small 'A' button in the corner shows "
                        "everything again.")
        return plot

    def _make_curves(self, plot: pg.PlotWidget, what: str) -> dict[str, pg.PlotDataItem]:
        curves = {
            # The long per-batch curves are drawn without antialiasing: it would cost ten times more.
            "raw": plot.plot(name=f"{what} per batch", pen=RAW_PEN, antialias=False),
            "smooth": plot.plot(name=f"{what} per batch, smoothed", pen=SMOOTH_PEN, antialias=False),
            "epoch": plot.plot(name=f"training {what}, epoch average", pen=EPOCH_PEN, symbol="o", symbolSize=8,
                               symbolBrush=EPOCH_PEN.color(), symbolPen="w"),
            "val": plot.plot(name=f"validation {what}, end of epoch", pen=VAL_PEN, symbol="s", symbolSize=8,
                             symbolBrush=VAL_PEN.color(), symbolPen="w"),
        }
        for key in ("raw", "smooth"):
            curves[key].setDownsampling(auto=True, method="peak")
            curves[key].setClipToView(True)
        return curves

    # Feeding --------------------------------------------------------------------------------

    def start_run(self, batches_per_epoch: int, batch_size: int, train_samples: int, epochs: int = 1) -> None:
        """Forget the previous run's curves and get ready for a new one of ``epochs`` epochs."""
        self.clear()
        self._batches_per_epoch = max(1, int(batches_per_epoch))
        self._decoder = _BatchDecoder(batch_size, train_samples)
        self._epochs = max(1, int(epochs))
        self._user_moved = False
        self._x_limit = self._loss_top = self._max_loss = 0.0
        for plot in (self.lossPlot, self.accuracyPlot):
            plot.enableAutoRange(x=False, y=False)
        self.accuracyPlot.setYRange(0, 100, padding=0.02)
        self._update_ranges()

    def clear(self) -> None:
        for buffer in (self._x, self._epoch_x, self._batch_ids):
            buffer.clear()
        self._epoch_numbers.clear()
        self._has_val.clear()
        self._loss.clear()
        self._accuracy.clear()
        self._decoder = _BatchDecoder(self._decoder.batch_size, self._decoder.train_samples)
        self._batches_dirty = self._epochs_dirty = True
        self._redraw()

    def add_batch(self, progress) -> None:
        """Record one ``core.training.BatchProgress``; the plots catch up at the next redraw."""
        loss, accuracy = self._decoder.decode(progress.epoch, progress.batch, progress.loss, progress.accuracy)
        per_epoch = self._batches_per_epoch
        self._x.append(progress.epoch + (progress.batch + 1) / per_epoch)
        self._batch_ids.append(progress.epoch * per_epoch + progress.batch)
        self._loss.add_batch(loss)
        self._accuracy.add_batch(accuracy)
        if loss > self._max_loss:
            self._max_loss = loss
        self._mark_dirty(batches=True)

    def add_epoch(self, result) -> None:
        """Record one ``core.training.EpochResult`` (training and, if any, validation figures)."""
        self._epoch_x.append(result.epoch + 1)
        self._epoch_numbers.append(result.epoch + 1)
        self._loss.epoch_train.append(result.loss)
        for value in (result.loss, result.val_loss):
            if value is not None and math.isfinite(value) and value > self._max_loss:
                self._max_loss = value
        self._accuracy.epoch_train.append(result.accuracy * 100.0)
        has_val = result.val_loss is not None
        self._has_val.append(has_val)
        self._loss.epoch_val.append(result.val_loss if has_val else math.nan)
        self._accuracy.epoch_val.append((result.val_accuracy or 0.0) * 100.0 if has_val else math.nan)
        self._mark_dirty(epochs=True)

    def _mark_dirty(self, batches: bool = False, epochs: bool = False) -> None:
        self._batches_dirty |= batches
        self._epochs_dirty |= epochs
        if not self._timer.isActive() and self.isVisible():
            self._timer.start()

    def _on_tick(self) -> None:
        self._account_paint()
        if (self._batches_dirty or self._epochs_dirty) and self.isVisible():
            self._redraw()
            self._timer.setInterval(self.redraw_interval_ms)
        else:
            self._timer.stop()  # idle until the next point arrives (or until shown again)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        size = event.size()
        stack = size.width() < SIDE_BY_SIDE_MIN_WIDTH and size.height() >= STACKED_MIN_HEIGHT
        if stack != self.stacked:  # two squeezed plots read worse than two shorter ones
            self._plots_layout.setDirection(QBoxLayout.TopToBottom if stack else QBoxLayout.LeftToRight)
            # Stacked, each may be half as tall, so that stacking never makes the window grow.
            for plot in (self.lossPlot, self.accuracyPlot):
                plot.setMinimumHeight((PLOT_MIN_HEIGHT - 10) // 2 if stack else PLOT_MIN_HEIGHT)

    @property
    def stacked(self) -> bool:
        """Whether the plots are one above the other (the widget is narrow) rather than side by side."""
        return self._plots_layout.direction() == QBoxLayout.TopToBottom

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._batches_dirty or self._epochs_dirty:
            self._timer.start()

    def _painted(self) -> float:
        return self.lossPlot.paint_seconds + self.accuracyPlot.paint_seconds

    def _account_paint(self) -> None:
        """Fold the last redraw's cost (its setData calls and the paints since) into the running mean."""
        if self._pending_cost <= 0:
            return
        cost = self._pending_cost + self._painted() - self._painted_before
        self._redraw_cost = cost if self._redraw_cost == 0 else 0.7 * self._redraw_cost + 0.3 * cost
        self._pending_cost = 0.0

    @property
    def redraw_interval_ms(self) -> int:
        """How long to wait between redraws: at least 50 ms, and long enough that redrawing takes
        no more than ``PAINT_BUDGET`` of the time."""
        wanted = self._redraw_cost / PAINT_BUDGET * 1000
        return int(min(max(REDRAW_INTERVAL_MS, wanted), MAX_REDRAW_INTERVAL_MS))

    def _on_user_moved(self, *_args) -> None:
        self._user_moved = True

    def _update_ranges(self) -> None:
        """Keep the axes still while the curves grow: x runs to the end of the current epoch and
        the loss axis to a round number above the largest loss, so they change a few times a run
        rather than at every redraw (re-laying out an axis, and auto-ranging over every point, is
        much of a repaint's cost). Accuracy always runs from 0 to 100%. Once the person pans or
        zooms (or presses the auto-range button), the axes are theirs."""
        if self._user_moved:
            return
        position = self._x.values[-1] if len(self._x) else 0.0
        limit = float(min(self._epochs, max(1, math.floor(position + 1e-9) + 1)))
        if len(self._epoch_x) and self._epoch_x.values[-1] >= limit:
            limit = float(min(self._epochs, self._epoch_x.values[-1]))
        limit = max(limit, self._overlay_x)
        highest = max(self._max_loss, self._overlay_loss)
        top = nice_ceiling(highest * 1.02) if highest > 0 else 1.0
        if limit != self._x_limit:
            self._x_limit = limit
            for plot in (self.lossPlot, self.accuracyPlot):
                view = plot.getPlotItem().getViewBox()
                if not view.autoRangeEnabled()[0]:
                    view.setXRange(0, limit, padding=0.02)
        if top != self._loss_top:
            self._loss_top = top
            view = self.lossPlot.getPlotItem().getViewBox()
            if not view.autoRangeEnabled()[1]:
                view.setYRange(0, top, padding=0.02)

    def flush(self) -> None:
        """Redraw now if anything is waiting (e.g. when training ends)."""
        if self._batches_dirty or self._epochs_dirty:
            self._redraw()

    def _redraw(self) -> None:
        started = time.thread_time()
        self._apply_smoothing()
        self._update_ranges()
        if self._batches_dirty:
            x = self._x.values
            for series, curves in ((self._loss, self.loss_curves), (self._accuracy, self.accuracy_curves)):
                curves["raw"].setData(x, series.raw.values, skipFiniteCheck=True)
                curves["smooth"].setData(x, series.smooth.values, skipFiniteCheck=True)
        if self._epochs_dirty:
            x = self._epoch_x.values
            for series, curves in ((self._loss, self.loss_curves), (self._accuracy, self.accuracy_curves)):
                curves["epoch"].setData(x, series.epoch_train.values)
                if any(self._has_val):
                    curves["val"].setData(x, series.epoch_val.values, connect="finite")
                else:
                    curves["val"].setData([], [])
        self._batches_dirty = self._epochs_dirty = False
        self.redraw_count += 1
        self._painted_before = self._painted()
        self._pending_cost = max(time.thread_time() - started, 1e-6)

    # Smoothing ------------------------------------------------------------------------------

    @property
    def smoothing(self) -> float:
        return self.smoothingSlider.value() / 100.0

    def set_smoothing(self, weight: float) -> None:
        self.smoothingSlider.setValue(int(round(min(max(weight, 0.0), MAX_SMOOTHING) * 100)))

    def _on_smoothing_moved(self, value: int, redraw: bool = True) -> None:
        weight = value / 100.0
        self.smoothingLabel.setText(f"{weight:.2f}")
        # Recomputing tens of thousands of points at every step of a dragged slider would stutter:
        # the new weight is applied at the next redraw.
        self._pending_weight = weight
        if redraw:
            self._mark_dirty(batches=True)
            self.smoothingChanged.emit(weight)
        else:
            self._apply_smoothing()

    def _apply_smoothing(self) -> None:
        weight = self._pending_weight
        if weight is None:
            return
        self._pending_weight = None
        self._loss.resmooth(weight)
        self._accuracy.resmooth(weight)
        self._smooth_overlays(weight)

    # Earlier runs -----------------------------------------------------------------------------

    def set_overlays(self, overlays) -> None:
        """Show earlier runs under the current one, for comparison: ``[(label, core.runs.RunHistory)]``.

        Each gets its smoothed per-batch loss and accuracy as a thin line of its own colour, named
        in the legend; an empty list removes them. The current run's curves are not touched."""
        for loss_item, accuracy_item, _loss, _accuracy in self._overlay_items:
            self.lossPlot.removeItem(loss_item)
            self.accuracyPlot.removeItem(accuracy_item)
        self._overlays, self._overlay_items = list(overlays), []
        self._overlay_x = 0.0
        for index, (label, history) in enumerate(self._overlays):
            pen = pg.mkPen(OVERLAY_COLORS[index % len(OVERLAY_COLORS)], width=1)
            x = np.asarray(history.batch_positions, dtype=np.float64)
            loss, accuracy = history.batch_values()
            items = []
            for plot in (self.lossPlot, self.accuracyPlot):
                item = plot.plot(name=str(label), pen=pen, antialias=False)
                item.setDownsampling(auto=True, method="peak")
                item.setClipToView(True)
                item.setZValue(-1)  # under the current run
                item.setData(x, np.zeros(len(x)), skipFiniteCheck=True)
                items.append(item)
            self._overlay_items.append((items[0], items[1], np.asarray(loss, np.float64),
                                        np.asarray(accuracy, np.float64) * 100.0))
            if len(x):
                self._overlay_x = max(self._overlay_x, float(np.ceil(x[-1] - 1e-9)))
        self._smooth_overlays(self.smoothing)
        self._update_ranges()
        self._hide_empty_legends()

    def _smooth_overlays(self, weight: float) -> None:
        self._overlay_loss = 0.0
        for loss_item, accuracy_item, loss, accuracy in getattr(self, "_overlay_items", ()):
            x = loss_item.getOriginalDataset()[0]
            smoothed = ema(loss, weight)
            loss_item.setData(x, smoothed, skipFiniteCheck=True)
            accuracy_item.setData(x, ema(accuracy, weight), skipFiniteCheck=True)
            if len(smoothed):
                self._overlay_loss = max(self._overlay_loss, float(np.nanmax(smoothed)))

    @property
    def overlay_count(self) -> int:
        return len(self._overlays)

    def show_live_legend(self, shown: bool) -> None:
        """Show or hide the legend entries of the live curves (plots that show only saved runs
        have no live curves to explain); the overlays' entries stay."""
        for index, (plot, curves) in enumerate(((self.lossPlot, self.loss_curves),
                                                (self.accuracyPlot, self.accuracy_curves))):
            legend = plot.getPlotItem().legend
            legend.clear()
            items = list(curves.values()) if shown else []
            items += [entry[index] for entry in self._overlay_items]
            for item in items:
                legend.addItem(item, item.name())
        self._hide_empty_legends()

    def _hide_empty_legends(self) -> None:
        """A legend with no entries would still draw its empty frame in the corner."""
        for plot in (self.lossPlot, self.accuracyPlot):
            legend = plot.getPlotItem().legend
            legend.setVisible(bool(legend.items))

    # Reading back ---------------------------------------------------------------------------

    @property
    def batch_count(self) -> int:
        return len(self._x)

    @property
    def epoch_count(self) -> int:
        return len(self._epoch_x)

    def batch_data(self) -> dict[str, np.ndarray]:
        """Copies of the per-batch curves: position (epochs), loss, smoothed loss, accuracy (0-1) ..."""
        self._apply_smoothing()
        return {
            "position": self._x.values.copy(),
            "loss": self._loss.raw.values.copy(),
            "loss_smoothed": self._loss.smooth.values.copy(),
            "accuracy": self._accuracy.raw.values / 100.0,
            "accuracy_smoothed": self._accuracy.smooth.values / 100.0,
        }

    def epoch_data(self) -> dict[str, np.ndarray]:
        return {
            "epoch": np.array(self._epoch_numbers, dtype=np.int64),
            "loss": self._loss.epoch_train.values.copy(),
            "accuracy": self._accuracy.epoch_train.values / 100.0,
            "val_loss": self._loss.epoch_val.values.copy(),
            "val_accuracy": self._accuracy.epoch_val.values / 100.0,
        }

    # Export ---------------------------------------------------------------------------------

    def export(self, folder: Path, stem: str = "training") -> list[Path]:
        """Write both plots as PNG and the curves as CSV into ``folder``; return the files written."""
        import pyqtgraph.exporters

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.flush()
        written: list[Path] = []
        for name, plot in (("loss", self.lossPlot), ("accuracy", self.accuracyPlot)):
            path = folder / f"{stem}_{name}.png"
            exporter = pyqtgraph.exporters.ImageExporter(plot.getPlotItem())
            exporter.parameters()["width"] = max(800, int(plot.width()) * 2)
            exporter.export(str(path))
            written.append(path)

        batches = self.batch_data()
        per_epoch = self._batches_per_epoch
        path = folder / f"{stem}_batches.csv"
        with open(path, "w", newline="") as stream:
            out = csv.writer(stream)
            out.writerow(["epoch", "batch", "position_epochs", "loss", "loss_smoothed", "accuracy",
                          "accuracy_smoothed"])
            for i, batch_id in enumerate(self._batch_ids.values.astype(np.int64)):
                out.writerow([int(batch_id) // per_epoch + 1, int(batch_id) % per_epoch + 1,
                              f"{batches['position'][i]:.6g}", f"{batches['loss'][i]:.6g}",
                              f"{batches['loss_smoothed'][i]:.6g}", f"{batches['accuracy'][i]:.6g}",
                              f"{batches['accuracy_smoothed'][i]:.6g}"])
        written.append(path)

        epochs = self.epoch_data()
        path = folder / f"{stem}_epochs.csv"
        with open(path, "w", newline="") as stream:
            out = csv.writer(stream)
            out.writerow(["epoch", "loss", "accuracy", "val_loss", "val_accuracy"])
            for i, number in enumerate(epochs["epoch"]):
                val = self._has_val[i]
                out.writerow([int(number), f"{epochs['loss'][i]:.6g}", f"{epochs['accuracy'][i]:.6g}",
                              f"{epochs['val_loss'][i]:.6g}" if val else "",
                              f"{epochs['val_accuracy'][i]:.6g}" if val else ""])
        written.append(path)
        return written
