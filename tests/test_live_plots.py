"""Tests of gui.widgets.live_plots: buffers, smoothing, per-batch values, coalesced redraws, export."""

from __future__ import annotations

import csv
import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QObject, Signal

from core.training import BatchProgress, EpochResult
from gui.widgets.live_plots import (MAX_REDRAW_INTERVAL_MS, PAINT_BUDGET, REDRAW_INTERVAL_MS, GrowingBuffer,
                                    LivePlots, _BatchDecoder, _EmaState, ema)


def reference_ema(values, weight):
    out, s = [], 0.0
    for n, x in enumerate(values, start=1):
        s = weight * s + (1 - weight) * x
        out.append(s / (1 - weight**n))
    return np.array(out)


def running_means(values, sizes):
    """What Keras reports after each batch: the sample-weighted mean of the epoch so far."""
    totals = np.cumsum(np.asarray(values) * np.asarray(sizes))
    return totals / np.cumsum(sizes)


@pytest.fixture
def plots(qtbot):
    widget = LivePlots()
    qtbot.addWidget(widget)
    widget.resize(900, 400)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def feed(plots, count, batches_per_epoch=100, batch_size=32, seed=0):
    """Feed ``count`` batches of a plausible run; return the per-batch (loss, accuracy) fed."""
    rng = np.random.default_rng(seed)
    plots.start_run(batches_per_epoch, batch_size, batches_per_epoch * batch_size)
    losses = 2.3 * np.exp(-np.arange(count) / 300) + rng.uniform(0, 0.3, count)
    accuracies = rng.integers(0, batch_size + 1, count) / batch_size
    for start in range(0, count, batches_per_epoch):
        chunk = slice(start, min(start + batches_per_epoch, count))
        sizes = np.full(chunk.stop - chunk.start, batch_size)
        for i, (loss, accuracy) in enumerate(zip(running_means(losses[chunk], sizes),
                                                 running_means(accuracies[chunk], sizes))):
            plots.add_batch(BatchProgress(start // batches_per_epoch, i, batches_per_epoch, float(loss),
                                          float(accuracy)))
    return losses, accuracies


# Building blocks ------------------------------------------------------------------------------


def test_growing_buffer_doubles_and_keeps_values():
    buffer = GrowingBuffer(4)
    for value in range(10):
        buffer.append(value)
    assert len(buffer) == 10
    assert buffer.capacity == 16
    np.testing.assert_array_equal(buffer.values, np.arange(10))
    buffer.clear()
    assert len(buffer) == 0 and buffer.capacity == 16


@pytest.mark.parametrize("weight", [0.0, 0.5, 0.9, 0.99])
def test_ema_matches_reference_and_incremental(weight):
    values = np.random.default_rng(1).normal(size=500)
    expected = reference_ema(values, weight) if weight else values
    np.testing.assert_allclose(ema(values, weight), expected, rtol=1e-9, atol=1e-12)
    state = _EmaState(weight)
    np.testing.assert_allclose([state.add(v) for v in values], expected, rtol=1e-9, atol=1e-12)


def test_ema_of_a_constant_is_that_constant():
    np.testing.assert_allclose(ema(np.full(50, 0.7), 0.9), 0.7)


def test_batch_decoder_recovers_each_batch_from_running_means():
    # 5 batches of 32 and a last one of 8 (train_samples = 168), over two epochs.
    sizes = [32, 32, 32, 32, 32, 8]
    values = np.array([2.0, 1.5, 1.2, 0.9, 1.1, 0.4])
    decoder = _BatchDecoder(32, 168)
    for epoch in range(2):
        means = running_means(values, sizes)
        decoded = [decoder.decode(epoch, b, float(m), 0.5) for b, m in enumerate(means)]
        np.testing.assert_allclose([d[0] for d in decoded], values, rtol=1e-9)
        np.testing.assert_allclose([d[1] for d in decoded], 0.5)


def test_batch_decoder_clamps_round_off():
    decoder = _BatchDecoder(10, 100)
    decoder.decode(0, 0, 0.5, 1.0)
    loss, accuracy = decoder.decode(0, 1, 0.5 - 1e-7, 1.0 + 1e-7)
    assert loss >= 0.0 and 0.0 <= accuracy <= 1.0


# The widget ----------------------------------------------------------------------------------


def test_object_names_labels_and_legends(plots):
    assert plots.lossPlot.objectName() == "lossPlot"
    assert plots.accuracyPlot.objectName() == "accuracyPlot"
    for plot in (plots.lossPlot, plots.accuracyPlot):
        item = plot.getPlotItem()
        assert item.getAxis("bottom").labelText.startswith("epoch")
        assert item.getAxis("left").labelText
        assert len(item.legend.items) == 4
    assert plots.smoothingSlider.toolTip()


def test_batches_and_epochs_reach_the_curves(plots, qtbot):
    losses, accuracies = feed(plots, 250, batches_per_epoch=100)
    plots.add_epoch(EpochResult(0, 3, 1.0, 0.7, 0.8, 0.75, 2.0))
    plots.add_epoch(EpochResult(1, 3, 0.5, 0.85, None, None, 2.0))
    qtbot.waitUntil(lambda: plots.redraw_count >= 1 and not plots._batches_dirty)
    assert plots.batch_count == 250 and plots.epoch_count == 2
    x, y = plots.loss_curves["raw"].getOriginalDataset()
    assert len(x) == 250
    np.testing.assert_allclose(x[:2], [0.01, 0.02])
    np.testing.assert_allclose(x[-1], 2.5)
    np.testing.assert_allclose(y, losses, rtol=1e-6)
    _, acc = plots.accuracy_curves["raw"].getOriginalDataset()
    np.testing.assert_allclose(acc, accuracies * 100, rtol=1e-6, atol=1e-6)
    ex, ey = plots.loss_curves["epoch"].getOriginalDataset()
    np.testing.assert_allclose(ex, [1, 2])
    np.testing.assert_allclose(ey, [1.0, 0.5])
    _, vy = plots.accuracy_curves["val"].getOriginalDataset()
    assert vy[0] == pytest.approx(75.0) and np.isnan(vy[1])  # the epoch without validation is a gap


def test_long_curves_are_downsampled_and_clipped(plots, qtbot):
    feed(plots, 25_000, batches_per_epoch=1875)
    plots.flush()
    for curves in (plots.loss_curves, plots.accuracy_curves):
        for key in ("raw", "smooth"):
            item = curves[key]
            assert item.opts["autoDownsample"] and item.opts["clipToView"]
            assert len(item.getOriginalDataset()[0]) == 25_000
    plots.lossPlot.grab()  # paints without error with every point


def test_smoothing_control_recomputes_the_smoothed_curve(plots, qtbot):
    losses, _ = feed(plots, 300)
    plots.flush()
    before = plots.redraw_count
    for value in range(90, 49, -1):  # a dragged slider: one recomputation, at the next redraw
        plots.smoothingSlider.setValue(value)
    assert plots.smoothingLabel.text() == "0.50"
    qtbot.waitUntil(lambda: not plots._batches_dirty)
    assert plots.redraw_count - before == 1
    plots.set_smoothing(0.5)
    qtbot.waitUntil(lambda: not plots._batches_dirty)
    _, smooth = plots.loss_curves["smooth"].getOriginalDataset()
    np.testing.assert_allclose(smooth, reference_ema(losses, 0.5), rtol=1e-6)
    # New points continue the same average.
    plots.add_batch(BatchProgress(3, 0, 100, 1.0, 0.5))
    plots.flush()
    _, smooth = plots.loss_curves["smooth"].getOriginalDataset()
    np.testing.assert_allclose(smooth[-1], reference_ema(np.append(losses, 1.0), 0.5)[-1], rtol=1e-6)
    plots.set_smoothing(0.0)
    plots.flush()
    raw = plots.loss_curves["raw"].getOriginalDataset()[1]
    np.testing.assert_allclose(plots.loss_curves["smooth"].getOriginalDataset()[1], raw)


def test_a_burst_of_batches_is_one_redraw(plots, qtbot):
    plots.flush()
    before = plots.redraw_count
    feed(plots, 5000)  # all at once, with no event processing in between
    qtbot.wait(5 * REDRAW_INTERVAL_MS)
    assert plots.redraw_count - before <= 2  # start_run's clearing redraw plus one for the burst
    idle = plots.redraw_count
    qtbot.wait(3 * REDRAW_INTERVAL_MS)
    assert plots.redraw_count == idle  # nothing new: nothing redrawn, and the timer stops
    assert not plots._timer.isActive()


class _Emitter(QObject):
    batchEnded = Signal(object)


def test_batches_signalled_from_another_thread_are_coalesced(plots, qtbot):
    """Like the training worker: queued signals from a thread, as fast as it can send them."""
    emitter = _Emitter()
    emitter.batchEnded.connect(plots.add_batch)
    plots.start_run(1000, 32, 32_000)
    plots.flush()
    before = plots.redraw_count
    count = 20_000

    def send():
        for i in range(count):
            emitter.batchEnded.emit(BatchProgress(i // 1000, i % 1000, 1000, 1.0, 0.5))

    started = time.perf_counter()
    thread = threading.Thread(target=send)
    thread.start()
    qtbot.waitUntil(lambda: plots.batch_count == count, timeout=120_000)
    thread.join()
    qtbot.wait(2 * REDRAW_INTERVAL_MS)
    elapsed_ms = (time.perf_counter() - started) * 1000
    redraws = plots.redraw_count - before
    # At most one redraw per timer interval, however many batches arrived in it.
    assert 1 <= redraws <= elapsed_ms / (0.8 * REDRAW_INTERVAL_MS) + 2
    assert redraws < count / 20


def test_hidden_plots_wait_until_shown(qtbot):
    plots = LivePlots()
    qtbot.addWidget(plots)
    plots.start_run(10, 32, 320)
    before = plots.redraw_count
    plots.add_batch(BatchProgress(0, 0, 10, 1.0, 0.5))
    qtbot.wait(3 * REDRAW_INTERVAL_MS)
    assert plots.redraw_count == before  # nothing is drawn for nobody
    plots.show()
    qtbot.waitUntil(lambda: plots.redraw_count > before)
    assert len(plots.loss_curves["raw"].getOriginalDataset()[0]) == 1


def test_redraw_pace_follows_the_cost_of_painting(plots, qtbot):
    plots._redraw_cost = 0.0005
    assert plots.redraw_interval_ms == REDRAW_INTERVAL_MS  # never more than ~20 a second
    plots._redraw_cost = 0.008
    assert plots.redraw_interval_ms == pytest.approx(0.008 / PAINT_BUDGET * 1000, abs=1)
    plots._redraw_cost = 5.0
    assert plots.redraw_interval_ms == MAX_REDRAW_INTERVAL_MS  # and at least one a second
    # The cost is measured: a redraw and its paint are folded into the estimate.
    plots._redraw_cost = 0.0
    feed(plots, 500)
    qtbot.waitUntil(lambda: plots.redraw_count >= 2 and plots._redraw_cost > 0)
    assert plots.lossPlot.paint_seconds > 0 and plots.accuracyPlot.paint_seconds > 0


def test_x_axis_reaches_the_end_of_the_current_epoch(plots, qtbot):
    plots.start_run(100, 32, 3200, epochs=3)
    view = plots.lossPlot.getPlotItem().getViewBox()
    assert view.viewRange()[0][1] == pytest.approx(1.0, abs=0.05)
    for batch in range(100):
        plots.add_batch(BatchProgress(0, batch, 100, 1.0, 0.5))
    plots.add_batch(BatchProgress(1, 0, 100, 1.0, 0.5))
    plots.flush()
    assert view.viewRange()[0][1] == pytest.approx(2.0, abs=0.05)
    assert plots.accuracyPlot.getPlotItem().getViewBox().viewRange()[0][1] == pytest.approx(2.0, abs=0.05)


def test_clear_and_restart(plots, qtbot):
    feed(plots, 120)
    plots.add_epoch(EpochResult(0, 1, 1.0, 0.7, None, None, 1.0))
    plots.start_run(10, 32, 320)
    assert plots.batch_count == 0 and plots.epoch_count == 0
    x, _ = plots.loss_curves["raw"].getOriginalDataset()
    assert x is None or len(x) == 0


def test_export_writes_png_and_csv(plots, qtbot, tmp_path):
    losses, accuracies = feed(plots, 150, batches_per_epoch=100)
    plots.add_epoch(EpochResult(0, 2, 1.0, 0.7, 0.8, 0.75, 2.0))
    written = plots.export(tmp_path / "out")
    names = sorted(path.name for path in written)
    assert names == ["training_accuracy.png", "training_batches.csv", "training_epochs.csv", "training_loss.png"]
    for path in written:
        assert path.exists() and path.stat().st_size > 0
    assert (tmp_path / "out" / "training_loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with open(tmp_path / "out" / "training_batches.csv") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 150
    assert rows[0]["epoch"] == "1" and rows[0]["batch"] == "1"
    assert rows[120]["epoch"] == "2" and rows[120]["batch"] == "21"
    assert float(rows[7]["loss"]) == pytest.approx(losses[7], rel=1e-4)
    assert float(rows[7]["accuracy"]) == pytest.approx(accuracies[7], abs=1e-4)
    with open(tmp_path / "out" / "training_epochs.csv") as stream:
        epochs = list(csv.DictReader(stream))
    assert epochs == [{"epoch": "1", "loss": "1", "accuracy": "0.7", "val_loss": "0.8", "val_accuracy": "0.75"}]


class _History:
    """The parts of core.runs.RunHistory the overlays read."""

    def __init__(self, epochs: int, per_epoch: int, start: float):
        count = epochs * per_epoch
        self.batch_positions = np.arange(1, count + 1) / per_epoch
        self._loss = start * np.exp(-np.arange(count) / 50)
        self._accuracy = 1 - self._loss / (2 * start)

    def batch_values(self):
        return self._loss, self._accuracy


def test_earlier_runs_are_overlaid_and_removed(plots, qtbot):
    feed(plots, 50, batches_per_epoch=100)
    legend = plots.lossPlot.getPlotItem().legend
    entries = len(legend.items)
    plots.set_overlays([("run A", _History(3, 100, 2.0)), ("run B", _History(1, 100, 4.0))])
    assert plots.overlay_count == 2
    assert len(legend.items) == entries + 2
    loss_item = plots._overlay_items[0][0]
    x, y = loss_item.getOriginalDataset()
    assert len(x) == 300
    np.testing.assert_allclose(y, ema(2.0 * np.exp(-np.arange(300) / 50), plots.smoothing))
    plots.flush()
    view = plots.lossPlot.getPlotItem().getViewBox()
    assert view.viewRange()[0][1] >= 3.0  # the x-axis reaches the longest overlay
    assert view.viewRange()[1][1] >= 4.0  # and the loss axis its highest loss
    plots.set_smoothing(0.0)
    plots.flush()
    np.testing.assert_allclose(plots._overlay_items[0][0].getOriginalDataset()[1], 2.0 * np.exp(-np.arange(300) / 50))
    plots.set_overlays([])
    assert plots.overlay_count == 0 and len(legend.items) == entries
    assert plots.batch_count == 50  # the current run is untouched


def test_narrow_plots_stack_and_wide_ones_sit_side_by_side(plots, qtbot):
    """Squeezed side by side (the What-is-this panel open beside the Train tab), each plot would be
    too narrow to read: below a width they go one above the other if there is the height for it,
    and back when there is room."""
    assert not plots.stacked
    assert plots.lossPlot.geometry().top() == plots.accuracyPlot.geometry().top()
    plots.resize(480, 560)
    qtbot.waitUntil(lambda: plots.stacked, timeout=2000)
    qtbot.waitUntil(lambda: plots.accuracyPlot.geometry().top() >= plots.lossPlot.geometry().bottom(), timeout=2000)
    assert plots.lossPlot.width() > 400 and plots.lossPlot.height() >= 200
    assert plots.minimumSizeHint().height() <= LivePlots().minimumSizeHint().height()  # the window need not grow
    plots.resize(480, 300)  # too short to stack: side by side, however narrow
    qtbot.waitUntil(lambda: not plots.stacked, timeout=2000)
    plots.resize(900, 400)
    qtbot.waitUntil(lambda: not plots.stacked, timeout=2000)
    qtbot.waitUntil(lambda: plots.lossPlot.geometry().top() == plots.accuracyPlot.geometry().top(), timeout=2000)


def test_a_legend_with_nothing_to_explain_is_hidden(plots):
    """Plots that only show saved runs (the Runs tab) have no live curves in their legends: with no
    run selected either, the legends would be empty frames in the corners."""
    legends = [plot.getPlotItem().legend for plot in (plots.lossPlot, plots.accuracyPlot)]
    assert all(legend.isVisible() and legend.items for legend in legends)
    plots.show_live_legend(False)
    assert not any(legend.isVisible() for legend in legends)
    plots.set_overlays([("run A", _History(1, 100, 2.0))])
    assert all(legend.isVisible() and len(legend.items) == 1 for legend in legends)
    plots.set_overlays([])
    assert not any(legend.isVisible() for legend in legends)
    plots.show_live_legend(True)
    assert all(legend.isVisible() and len(legend.items) == 4 for legend in legends)
