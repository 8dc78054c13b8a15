"""Where a training run is: epoch and batch bars, images per second, elapsed time and time left.

Fed batch by batch like the plots, and like them it only stores what arrives; a timer puts it
on screen four times a second (and keeps the clock moving while a batch is slow). A progress
bar repaints at once when its value changes, holding the GIL, so values are set only when they
change. The speed, elapsed and time-left labels have a fixed size: a label whose text changes
otherwise asks every layout up to the window to be redone, and Qt then repaints the whole window
(the plots, the layer table, the network diagram) four times a second, for nothing.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QWidget

REFRESH_MS = 250
# The longest texts the ticking labels show: their fixed widths are made to fit these.
WIDEST_TEXTS = ("Speed: 999,999 images/s", "Elapsed: 99:59:59", "Time left: 99:59:59")


def format_duration(seconds: float | None) -> str:
    """``75`` -> ``1:15``; ``3725`` -> ``1:02:05``; None -> an em dash."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "\u2014"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TrainingProgress(QWidget):
    """Progress of one run. Call ``preparing()``, ``start(plan)``, ``add_batch``/``add_epoch``,
    ``set_paused``, ``set_state`` and ``finish(text)`` as the run goes."""

    # A few words for the window's title ("37% trained", "paused at 37%"); "" once the run ends.
    summaryChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._running = False          # from preparing() to finish()
        self._summary = ""
        self.stateLabel = QLabel("Not training yet.")
        self.stateLabel.setObjectName("trainingStateLabel")
        self.stateLabel.setStyleSheet("font-weight: bold;")
        self.stateLabel.setWordWrap(True)  # long "Stopped after ... test accuracy ..." lines must not widen the window
        self.epochProgress = QProgressBar()
        self.epochProgress.setObjectName("epochProgressBar")
        self.batchProgress = QProgressBar()
        self.batchProgress.setObjectName("batchProgressBar")
        for bar, text, tip in ((self.epochProgress, "Epochs done: %v of %m", "Epochs completed: one epoch is one pass "
                                "over all the training images."),
                               (self.batchProgress, "Batches done: %v of %m", "Batches done in the current epoch: the "
                                "model learns a little after each batch of images.")):
            bar.setRange(0, 1)
            bar.setValue(0)
            bar.setFormat(text)
            bar.setTextVisible(True)
            bar.setToolTip(tip)
        self.speedLabel = QLabel()
        self.speedLabel.setObjectName("samplesPerSecondLabel")
        self.speedLabel.setToolTip("Training images processed per second (pauses not counted).")
        self.elapsedLabel = QLabel()
        self.elapsedLabel.setObjectName("elapsedLabel")
        self.elapsedLabel.setToolTip("Time spent training so far (pauses not counted).")
        self.etaLabel = QLabel()
        self.etaLabel.setObjectName("etaLabel")
        self.etaLabel.setToolTip("Estimated time until training ends, at the current speed.")
        for label, widest in zip((self.speedLabel, self.elapsedLabel, self.etaLabel), WIDEST_TEXTS):
            label.setFixedSize(label.fontMetrics().horizontalAdvance(widest) + 8, label.sizeHint().height())

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        grid.addWidget(self.stateLabel, 0, 0, 1, 3)
        grid.addWidget(self.epochProgress, 1, 0, 1, 3)
        grid.addWidget(self.batchProgress, 2, 0, 1, 3)
        for column, label in enumerate((self.speedLabel, self.elapsedLabel, self.etaLabel)):
            grid.addWidget(label, 3, column, Qt.AlignLeft)
            grid.setColumnStretch(column, 1)

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._refresh)
        self._reset()
        self._refresh()

    # State ---------------------------------------------------------------------------------

    def _reset(self) -> None:
        self._plan = None
        self._epoch = 0
        self._batch = 0                # batches done in the current epoch
        self._epochs_done = 0
        self._samples = 0              # training images done, all epochs
        self._first_batch_samples = 0
        self._first_batch_clock = None  # active-time clock reading at the first batch
        self._active = 0.0             # seconds trained, pauses excluded
        self._since = None             # perf_counter when the clock last (re)started; None when stopped
        self._paused = False
        self._final_speed = None       # the engine's own figure, once the run has ended

    def _clock(self) -> float:
        return self._active + (time.perf_counter() - self._since if self._since is not None else 0.0)

    @property
    def elapsed_seconds(self) -> float:
        return self._clock()

    @property
    def samples_per_second(self) -> float | None:
        """Speed since the first batch (which also builds the model, so is left out)."""
        if self._first_batch_clock is None:
            return None
        seconds = self._clock() - self._first_batch_clock
        done = self._samples - self._first_batch_samples
        return done / seconds if seconds > 0 and done > 0 else None

    @property
    def eta_seconds(self) -> float | None:
        rate = self.samples_per_second
        if self._plan is None or not rate:
            return None
        total = self._plan.train_samples * self._plan.epochs
        return max(total - self._samples, 0) / rate

    # Feeding --------------------------------------------------------------------------------

    def preparing(self) -> None:
        """Start was pressed: the model is being built."""
        self._reset()
        self._running = True
        self._since = time.perf_counter()
        self.stateLabel.setText("Building the model\u2026")
        self._timer.start()
        self._refresh()

    def start(self, plan) -> None:
        """The plan is known (``core.training.TrainingPlan``): set the bars' ranges."""
        self._plan = plan
        self.epochProgress.setRange(0, plan.epochs)
        self.batchProgress.setRange(0, plan.batches_per_epoch)
        self.stateLabel.setText(f"Training on {plan.train_samples:,} images"
                                + (f", checking on {plan.validation_samples:,} held-out images"
                                   if plan.validation_samples else "") + "\u2026")
        if not self._timer.isActive():
            self._timer.start()

    def add_batch(self, progress) -> None:
        if self._plan is None:
            return
        self._epoch, self._batch = progress.epoch, progress.batch + 1
        batch_size = self._plan.spec.training.batch_size
        self._samples = (progress.epoch * self._plan.train_samples
                         + min((progress.batch + 1) * batch_size, self._plan.train_samples))
        if self._first_batch_clock is None:
            self._first_batch_clock = self._clock()
            self._first_batch_samples = self._samples

    def add_epoch(self, result) -> None:
        self._epochs_done = result.epoch + 1

    def set_paused(self, paused: bool) -> None:
        if paused and self._since is not None:
            self._active += time.perf_counter() - self._since
            self._since = None
        elif not paused and self._since is None:
            self._since = time.perf_counter()
        self._paused = paused
        if paused:
            self.stateLabel.setText("Paused (after the current batch). Press Resume to go on.")
        elif self._plan is not None:
            self.start(self._plan)
        else:
            self.stateLabel.setText("Building the model\u2026")
        self._refresh()

    def set_state(self, text: str) -> None:
        self.stateLabel.setText(text)

    def finish(self, text: str, samples_per_second: float | None = None) -> None:
        """The run ended: stop the clock and show ``text`` (and the run's measured speed, if given)."""
        self._final_speed = samples_per_second
        if self._since is not None:
            self._active += time.perf_counter() - self._since
            self._since = None
        self._timer.stop()
        self._running = False
        self.stateLabel.setText(text)
        self._refresh(final=True)

    # Display --------------------------------------------------------------------------------

    @staticmethod
    def _set_bar(bar: QProgressBar, value: int, text: str) -> None:
        if bar.value() != value:
            bar.setValue(value)
        if bar.format() != text:
            bar.setFormat(text)

    @staticmethod
    def _set_text(label: QLabel, text: str) -> None:
        if label.text() != text:
            label.setText(text)

    def _refresh(self, final: bool = False) -> None:
        plan = self._plan
        if plan is not None:
            self._set_bar(self.epochProgress, min(self._epochs_done, plan.epochs),
                          f"Epochs done: {self._epochs_done} of {plan.epochs}")
            self._set_bar(self.batchProgress, min(self._batch, plan.batches_per_epoch),
                          f"Batch {self._batch:,} of {plan.batches_per_epoch:,} in epoch "
                          f"{min(self._epoch + 1, plan.epochs)}")
        rate = self._final_speed if final and self._final_speed else self.samples_per_second
        self._set_text(self.speedLabel, f"Speed: {rate:,.0f} images/s" if rate else "Speed: \u2014")
        started = self._since is not None or self._active > 0
        self._set_text(self.elapsedLabel,
                       f"Elapsed: {format_duration(self._clock()) if started else chr(0x2014)}")
        self._set_text(self.etaLabel, f"Time left: {format_duration(None if final else self.eta_seconds)}")
        self._announce()

    @property
    def percent_done(self) -> int:
        """Whole percent of the run's training images done (0 before the plan is known)."""
        plan = self._plan
        if plan is None:
            return 0
        return min(100, int(100 * self._samples / max(1, plan.train_samples * plan.epochs)))

    def _announce(self) -> None:
        if not self._running:
            summary = ""
        elif self._paused:
            summary = f"paused at {self.percent_done}%"
        else:
            summary = f"{self.percent_done}% trained"
        if summary != self._summary:
            self._summary = summary
            self.summaryChanged.emit(summary)
