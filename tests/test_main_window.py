"""The main window as a whole: it builds with no arguments, reports bad data and bad model files
in the window without crashing, loads dropped model files, asks before losing a trained model,
and shows the user's own digits in the Data tab."""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QMimeData, QObject, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from core import my_digits
from core.spec import small_cnn
from core.training import BatchProgress, TrainingPlan
from gui.main_window import MainWindow
from gui.tasks import wait_for_tasks

TIMEOUT_MS = 120_000


@pytest.fixture
def messages(monkeypatch):
    """Message boxes the window shows, recorded instead of blocking the test."""
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append((title, text)))
    return shown


@pytest.fixture
def window(qtbot, messages):
    made = []

    def make(**kwargs):
        win = MainWindow(**kwargs)
        qtbot.addWidget(win)
        win._closing_confirmed = True  # tests that close it on purpose reset this
        made.append(win)
        return win

    yield make
    for win in made:
        win.train_tab.abort_training(timeout_ms=60_000)
    wait_for_tasks()


def test_builds_with_no_arguments(window):
    win = window()
    assert win.objectName() == "mainWindow"
    assert [win.tabs.tabText(i) for i in range(win.tabs.count())] == ["Data", "Train", "Results", "Runs", "Draw"]
    menus = {action.text().replace("&", ""): action.menu() for action in win.menuBar().actions()}
    file_actions = [a.text().replace("&", "") for a in menus["File"].actions() if a.text()]
    assert file_actions == ["Open dataset...", "Open model...", "Save model", "Save model as...",
                            "Export plots...", "Quit"]
    assert [a.text().replace("&", "") for a in menus["Help"].actions()] == ["How it works", "What is this? panel",
                                                                           "Guided tour", "About"]
    assert not win.save_action.isEnabled()  # nothing to save yet


def test_bad_data_file_is_reported_and_the_window_keeps_working(window, qtbot, tmp_path, messages):
    bad = tmp_path / "mnist.npz"
    bad.write_bytes(b"definitely not an archive")
    win = window(data_path=str(bad), load_defaults=False)
    qtbot.waitUntil(lambda: bool(messages), timeout=TIMEOUT_MS)
    title, text = messages[0]
    assert title == "No data set loaded" and str(bad) in text and "Open dataset" in text
    assert "none loaded" in win.data_status.text()
    assert win.session.dataset is None


def test_default_data_and_shipped_model_load_in_the_background(window, qtbot, mnist_path, monkeypatch, messages):
    monkeypatch.setenv("MNIST_STUDIO_DATA", str(mnist_path))
    win = window()
    qtbot.waitUntil(lambda: win.session.dataset is not None and win.session.model is not None, timeout=TIMEOUT_MS)
    assert win.session.dataset.sizes == {"train": 60_000, "test": 10_000}
    assert win.session.model.name == "mnist_cnn" and "60,000 train" in win.data_status.text()
    assert "mnist_cnn" in win.model_status.text() and win.save_as_action.isEnabled()
    assert not messages


def drop(win, path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    win.dropEvent(event)


def test_dropped_model_file_is_loaded_and_a_bad_one_keeps_the_previous(window, qtbot, tmp_path, messages):
    from core.model_io import build_model, save_model
    from core.spec import small_cnn

    win = window(load_defaults=False)
    qtbot.waitUntil(lambda: win.session.tensorflow_ready, timeout=TIMEOUT_MS)
    good = save_model(build_model(small_cnn()), tmp_path / "small.h5")
    drop(win, good)
    qtbot.waitUntil(lambda: win.session.model is not None, timeout=TIMEOUT_MS)
    assert win.session.model.name == "small"
    parameters = win.session.model.parameter_count
    assert win.statusBar().currentMessage() == f"Loaded model small.h5 ({parameters:,} parameters)"
    broken = tmp_path / "broken.keras"
    broken.write_text("not a model")
    drop(win, broken)
    qtbot.waitUntil(lambda: bool(messages), timeout=TIMEOUT_MS)
    assert "broken.keras" in messages[0][1] and "previous model is still active" in messages[0][1]
    assert win.session.model.name == "small"


class PaintCounter(QObject):
    """Counts the paint events each watched widget receives."""

    def __init__(self, widgets):
        super().__init__()
        self.counts = {widget: 0 for widget in widgets}
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Paint and watched in self.counts:
            self.counts[watched] += 1
        return False


def shown_on_tab(window, qtbot, tab_name: str):
    """A 1280x820 window on screen with ``tab_name`` (e.g. "train_tab") current; returns both."""
    win = window(load_defaults=False)
    win.resize(1280, 820)
    win.show()
    qtbot.waitExposed(win)
    tab = getattr(win, tab_name)
    win.tabs.setCurrentWidget(tab)
    return win, tab


def settle() -> None:
    """Let posted layout requests climb to the window (one level per pass of the event loop)."""
    for _ in range(20):
        QApplication.processEvents()


def test_ticking_training_progress_repaints_only_itself(window, qtbot):
    """The speed, elapsed and time-left labels change four times a second while training; that
    must not make Qt redo the window's layout and repaint the plots, the layer table and the
    network diagram each time: Qt's tab widget repaints its whole page on any layout request, and
    that slowed training through the window by several percent."""
    _, tab = shown_on_tab(window, qtbot, "train_tab")
    plan = TrainingPlan(small_cnn(), 3200, 0, 100, 2, 1000)
    tab.progress.preparing()
    tab.progress.start(plan)
    settle()  # the plan's new bar ranges relayout the window once
    elsewhere = (tab.network_diagram, tab.layer_editor, tab.plots.lossPlot, tab.logView)
    counter = PaintCounter((tab.progress.speedLabel, tab.progress.elapsedLabel, *elsewhere))
    texts = set()
    for batch in range(20):
        tab.progress.add_batch(BatchProgress(0, batch, 100, 1.0, 0.5))
        tab.progress._refresh()
        texts.add(tab.progress.speedLabel.text())
        QApplication.processEvents()
    assert len(texts) > 5  # the labels did tick
    assert counter.counts[tab.progress.speedLabel] > 5
    assert {widget.objectName() or type(widget).__name__: counter.counts[widget] for widget in elsewhere} == \
        {widget.objectName() or type(widget).__name__: 0 for widget in elsewhere}


def test_a_new_prediction_repaints_the_labels_not_the_drawing_pad(window, qtbot):
    """Each live prediction changes the Draw tab's labels; Qt's tab widget would answer that by
    repainting the whole tab (the pad, the bars, the feature maps) several times a second."""
    win, tab = shown_on_tab(window, qtbot, "draw_tab")
    settle()
    counter = PaintCounter((tab.confidence_label, tab.pad, tab.feature_maps))
    for step in range(10):
        tab.confidence_label.setText(f"<b>{90 + step}.5 %</b> sure")
        tab.top3_label.setText(f"Top three: <b>{step}</b> 9{step} %, <b>1</b> 2 %, <b>7</b> 1 %")
        for _ in range(10):
            QApplication.processEvents()
    assert counter.counts[tab.confidence_label] >= 10
    assert counter.counts[tab.pad] == 0 and counter.counts[tab.feature_maps] == 0
    assert win.tabs.skipped_layouts >= 10


def test_closing_with_an_unsaved_model_asks(window, qtbot, monkeypatch):
    from core.model_io import build_model, check_model
    from core.spec import small_cnn

    win = window(load_defaults=False)
    qtbot.waitUntil(lambda: win.session.tensorflow_ready, timeout=TIMEOUT_MS)
    win.session.set_model(check_model(build_model(small_cnn())), unsaved=True)
    win._closing_confirmed = False
    answers = [QMessageBox.Cancel]
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda parent, title, text, *a: (asked.append(title), answers.pop(0))[1])
    win.show()
    assert not win.close() and win.isVisible()
    assert asked == ["Unsaved model"]
    answers.append(QMessageBox.Discard)
    assert win.close()


def test_my_digits_collection_shows_in_the_data_tab(window, qtbot):
    digit = np.zeros((28, 28), np.uint8)
    digit[8:20, 12:16] = 255
    my_digits.append(digit, 1, my_digits.default_path())
    win = window(load_defaults=False)
    qtbot.waitUntil(lambda: win.data_tab.split_combo.count() > 0, timeout=TIMEOUT_MS)
    titles = [win.data_tab.split_combo.itemText(i) for i in range(win.data_tab.split_combo.count())]
    assert "My digits (1)" in titles


CLOSE_MID_TRAINING = r"""
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from gui.app import create_application
from core.data import load_dataset
from core.spec import tutorial_cnn

app = create_application()
from gui.main_window import MainWindow

asked = []
QMessageBox.question = lambda *args, **kwargs: (asked.append(args[1]), QMessageBox.Yes)[1]
window = MainWindow(load_defaults=False)
window.show()
window.session.set_dataset(load_dataset(sys.argv[1]).limit_train(20000))
window.train_tab.set_spec(tutorial_cnn().with_training(epochs=5))
closed_at = []

def start_when_ready():
    if not window.session.tensorflow_ready:
        QTimer.singleShot(50, start_when_ready)
        return
    window.train_tab.start_training()
    QTimer.singleShot(3000, lambda: (closed_at.append(time.monotonic()), window.close()))

QTimer.singleShot(0, start_when_ready)
app.exec()
print("ASKED", asked, "CLOSE_SECONDS", round(time.monotonic() - closed_at[0], 2), flush=True)
"""


def test_closing_mid_training_asks_and_exits_cleanly(mnist_path, tmp_path):
    """Closing during training asks, stops the worker and ends the process: no hung process and
    no "QThread: Destroyed while thread is still running"."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(repo),
               MNIST_STUDIO_RUNS=str(tmp_path / "runs"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    done = subprocess.run([sys.executable, "-c", CLOSE_MID_TRAINING, str(mnist_path)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ASKED ['Training in progress']" in done.stdout
    assert "QThread: Destroyed" not in done.stderr
