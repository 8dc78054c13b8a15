"""A short guided tour: draw a digit, browse the data, train, compare, and where help is.

Each step switches to its tab and dims the window except for the part it talks about, with a
callout beside it (Back, Next, Skip tour). The highlighted part stays usable: the dimmed overlay
has a hole there, cut out of its mask, so clicks go through. The tour is not modal (no dialog,
no event loop of its own): Skip, Esc or the last step's Finish end it and remember it in the
settings (``tour/done``); Help > Guided tour shows it again.

The real program starts it on its first run (``gui.app.run_app``); windows made in tests never
start it by themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen, QRegion
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

SETTINGS_DONE = "tour/done"
HOLE_MARGIN = 6
CALLOUT_WIDTH = 330


@dataclass
class Step:
    title: str
    text: str
    target: Callable[[], QWidget | None]     # the part to highlight (after switching tab)
    before: Callable[[], None] | None = None  # e.g. switch to the tab


class TourOverlay(QWidget):
    """A dimmed layer over the whole window with a hole around the step's widget, and a callout."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.setObjectName("tourOverlay")
        self.setAttribute(Qt.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.StrongFocus)
        self._window = window
        self._target: QWidget | None = None
        self.hole = QRect()

        self.callout = QFrame(self)
        self.callout.setObjectName("tourCallout")
        self.callout.setFrameShape(QFrame.StyledPanel)
        self.callout.setAutoFillBackground(True)
        self.callout.setStyleSheet("#tourCallout { background: white; border: 2px solid #e8710a; "
                                   "border-radius: 8px; }")
        self.callout.setFixedWidth(CALLOUT_WIDTH)
        self.counter = QLabel()
        self.counter.setObjectName("tourCounter")
        self.counter.setStyleSheet("color: #5f6368;")
        self.title = QLabel()
        self.title.setObjectName("tourTitle")
        self.title.setWordWrap(True)
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.text = QLabel()
        self.text.setObjectName("tourText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.RichText)
        self.skip_button = QPushButton("Skip tour")
        self.skip_button.setObjectName("tourSkipButton")
        self.skip_button.setToolTip("End the tour now (Esc). Help > Guided tour shows it again.")
        self.back_button = QPushButton("Back")
        self.back_button.setObjectName("tourBackButton")
        self.back_button.setToolTip("The previous step of the tour.")
        self.next_button = QPushButton("Next")
        self.next_button.setObjectName("tourNextButton")
        self.next_button.setToolTip("The next step of the tour.")
        self.next_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.skip_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        column = QVBoxLayout(self.callout)
        column.setContentsMargins(14, 10, 14, 10)
        column.addWidget(self.counter)
        column.addWidget(self.title)
        column.addWidget(self.text)
        column.addLayout(buttons)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() in (QEvent.Resize, QEvent.LayoutRequest):
            QTimer.singleShot(0, self, self.relayout)
        return False

    def set_target(self, target: QWidget | None) -> None:
        self._target = target
        self.relayout()

    def relayout(self) -> None:
        """Cover the window, cut the hole around the target, place the callout beside it."""
        window = self._window
        self.setGeometry(window.rect())
        target = self._target
        if target is not None and target.isVisible():
            top_left = target.mapTo(window, QPoint(0, 0))
            self.hole = QRect(top_left, target.size()).adjusted(-HOLE_MARGIN, -HOLE_MARGIN, HOLE_MARGIN,
                                                               HOLE_MARGIN).intersected(self.rect())
        else:
            self.hole = QRect()
        self._place_callout()
        region = QRegion(self.rect())
        if not self.hole.isEmpty():  # the hole lets clicks through; the callout, over it or not, stays
            region = region.subtracted(QRegion(self.hole)).united(QRegion(self.callout.geometry()))
        self.setMask(region)
        self.raise_()
        self.update()

    def _place_callout(self) -> None:
        callout = self.callout
        callout.adjustSize()
        size = callout.sizeHint()
        w, h = CALLOUT_WIDTH, max(size.height(), callout.minimumSizeHint().height())
        area = self.rect().adjusted(12, 12, -12, -12)
        hole = self.hole
        if hole.isEmpty():
            x, y = area.center().x() - w // 2, area.center().y() - h // 2
        elif hole.right() + 16 + w <= area.right():
            x, y = hole.right() + 16, hole.top()
        elif hole.left() - 16 - w >= area.left():
            x, y = hole.left() - 16 - w, hole.top()
        elif hole.bottom() + 16 + h <= area.bottom():
            x, y = hole.left(), hole.bottom() + 16
        elif hole.top() - 16 - h >= area.top():
            x, y = hole.left(), hole.top() - 16 - h
        else:  # the part fills the window: put the callout over its lower right corner
            x, y = hole.right() - w - 24, hole.bottom() - h - 24
        x = max(area.left(), min(x, area.right() - w))
        y = max(area.top(), min(y, area.bottom() - h))
        callout.setGeometry(x, y, w, h)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        shade = QPainterPath()
        shade.addRect(self.rect())
        if not self.hole.isEmpty():
            hole = QPainterPath()
            hole.addRoundedRect(self.hole, 8, 8)
            shade = shade.subtracted(hole)
        painter.fillPath(shade, QColor(20, 20, 30, 140))
        if not self.hole.isEmpty():
            painter.setPen(QPen(QColor(232, 113, 10), 3))
            painter.setBrush(Qt.NoBrush)
            painter.drawRoundedRect(self.hole, 8, 8)
        painter.end()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Escape:
            self.skip_button.click()
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event) -> None:
        event.accept()  # the dimmed part is not clickable


class Tour(QObject):
    """The guided tour over a MainWindow (its tabs, session and explanations)."""

    #: The tour ended: True when it was followed to the end, False when skipped.
    ended = Signal(bool)

    def __init__(self, window, explanations=None):
        super().__init__(window)
        self.window = window
        self.explanations = explanations
        self.overlay: TourOverlay | None = None
        self.index = -1
        self.steps = self._steps()

    # The steps -------------------------------------------------------------------------------

    def _find(self, name: str) -> QWidget | None:
        return self.window.findChild(QWidget, name)

    def _tab(self, widget: QWidget | None) -> Callable[[], None]:
        def switch() -> None:
            tabs = self.window.tabs
            if widget is not None and tabs.indexOf(widget) >= 0:
                tabs.setCurrentWidget(widget)
        return switch

    def _visible(self, *candidates: Callable[[], QWidget | None]) -> Callable[[], QWidget | None]:
        """The first candidate that is on screen (e.g. the grid once data is loaded, else its tab)."""
        def pick() -> QWidget | None:
            for candidate in candidates:
                widget = candidate()
                if widget is not None and widget.isVisible():
                    return widget
            return None
        return pick

    def _comparison_tab(self) -> QWidget | None:
        """A tab for comparing runs, if the window has one."""
        tabs = self.window.tabs
        for index in range(tabs.count()):
            text = tabs.tabText(index).replace("&", "").lower()
            if "run" in text or "compar" in text:
                return tabs.widget(index)
        return None

    def _steps(self) -> list[Step]:
        w = self.window
        steps = [
            Step("Draw a digit",
                 "Draw a digit here with the mouse, large or small. The network reads it as you draw: "
                 "its answer, how sure it is and the ten probabilities appear on the right.",
                 self._visible(lambda: self._find("drawPad"), lambda: w.draw_tab), self._tab(w.draw_tab)),
            Step("Browse the data",
                 "These are MNIST's handwritten digits: 60,000 to learn from and 10,000 to test on. "
                 "Filter them by digit, and click one to see it up close.",
                 self._visible(lambda: self._find("sampleBrowser"), lambda: w.data_tab), self._tab(w.data_tab)),
            Step("Train a network",
                 "Pick a ready-made network or change its layers: the diagram shows the shape of what each "
                 "layer passes on. Then press <b>Start training</b> and watch the loss fall and the "
                 "accuracy rise.",
                 self._visible(lambda: self._find("networkGroup"), lambda: w.train_tab), self._tab(w.train_tab)),
        ]
        compare = self._comparison_tab()
        if compare is not None:
            steps.append(Step("Compare",
                              "Every training run is kept here. Select two or more to compare their settings, "
                              "curves and scores side by side, and see what made a network better.",
                              self._visible(lambda: self._find("runsTable"), lambda: compare), self._tab(compare)))
        else:
            steps.append(Step("See how well it reads, and compare",
                              "The Results tab scores the model on 10,000 test images it has never seen. The "
                              "confusion matrix shows which digits it mixes up: click a cell to see them. "
                              "Train again with other settings and compare the scores.",
                              self._visible(lambda: self._find("confusionMatrix"), lambda: w.results_tab),
                              self._tab(w.results_tab)))
        steps.append(Step("Help is always here",
                          "This panel explains whatever the mouse pointer is on, in plain words and pictures. "
                          "Hide it or bring it back with <b>? What is this?</b> at the bottom right "
                          "(Shift+F1). <b>Help &gt; Guided tour</b> shows this tour again.",
                          lambda: getattr(self.explanations, "dock", None), self._show_panel))
        return steps

    def _show_panel(self) -> None:
        if self.explanations is not None:
            self.explanations.show_panel(True)

    # Running -------------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self.overlay is not None

    @property
    def step(self) -> Step | None:
        return self.steps[self.index] if self.active and 0 <= self.index < len(self.steps) else None

    def start(self) -> None:
        """Show the first step (again, if the tour is on)."""
        self.steps = self._steps()
        if self.overlay is None:
            self.overlay = TourOverlay(self.window)
            self.overlay.next_button.clicked.connect(self.next)
            self.overlay.back_button.clicked.connect(self.back)
            self.overlay.skip_button.clicked.connect(self.skip)
        self.overlay.show()
        self.go(0)

    def go(self, index: int) -> None:
        if self.overlay is None:
            return
        self.index = max(0, min(index, len(self.steps) - 1))
        step = self.steps[self.index]
        if step.before is not None:
            step.before()
        overlay = self.overlay
        overlay.counter.setText(f"Step {self.index + 1} of {len(self.steps)}")
        overlay.title.setText(step.title)
        overlay.text.setText(step.text)
        overlay.back_button.setEnabled(self.index > 0)
        last = self.index == len(self.steps) - 1
        overlay.next_button.setText("Finish" if last else "Next")
        overlay.next_button.setToolTip("End the tour." if last else "The next step of the tour.")
        overlay.set_target(step.target())
        overlay.next_button.setFocus()
        # The tab's layout settles in the next turn of the event loop: place the hole again then.
        QTimer.singleShot(0, overlay, lambda: overlay.set_target(step.target()))

    def next(self) -> None:
        if self.index >= len(self.steps) - 1:
            self._end(True)
        else:
            self.go(self.index + 1)

    def back(self) -> None:
        self.go(self.index - 1)

    def skip(self) -> None:
        self._end(False)

    def _end(self, completed: bool) -> None:
        QSettings().setValue(SETTINGS_DONE, True)
        if self.overlay is not None:
            self.window.removeEventFilter(self.overlay)
            self.overlay.hide()
            self.overlay.deleteLater()
            self.overlay = None
        self.index = -1
        self.ended.emit(completed)
