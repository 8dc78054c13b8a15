"""The "What is this?" panel: explains, in plain words, whatever the mouse pointer is on.

:class:`ExplainPanel` shows one :class:`Topic` (a title, a few sentences, a picture) and,
below it, optional pictures of what a layer learned. :class:`ExplainDock` puts it in a dock
on the right of the window and makes it follow the pointer.

Following the pointer costs nothing measurable: while the dock is visible a 150 ms timer asks
Qt which widget is under the pointer (one hit test) and, only when the pointer has rested on a
new widget for two ticks, works out what to say about it (a walk up a few parents and a
dictionary look-up, done by the ``resolver`` given to the dock). The two ticks keep the panel
from flickering through every widget the pointer crosses on its way to the panel. Nothing runs
per training batch, and nothing at all while the dock is hidden.

A topic shown on purpose (a click on a layer of the network diagram) is *pinned*: the panel
keeps it, whatever the pointer crosses, until "Follow the pointer" is pressed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from PySide6.QtCore import QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCursor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import (QAbstractButton, QApplication, QDockWidget, QFrame, QHBoxLayout, QLabel, QPushButton,
                               QScrollArea, QSizePolicy, QVBoxLayout, QWidget)

POLL_MS = 150
MIN_WIDTH = 210  # the Train tab needs ~1050 of a 1280-pixel window
HINT_COLOR = "#5f6368"
FOLLOW_HINT = "Point at anything in the window to see what it is."


@dataclass(frozen=True)
class Topic:
    """What the panel says about something: a title, rich text, and a glossary picture key."""

    title: str
    html: str
    picture_key: str | None = None
    key: str | None = None                                   # the glossary key, if from the glossary
    source: object = field(default=None, compare=False)      # the widget it is about (not compared)


Resolver = Callable[[QWidget, QPoint], "Topic | None"]


class PictureView(QWidget):
    """A picture shown at its size, or scaled down (keeping its proportions) when the panel is
    narrower than it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._pixmap: QPixmap | None = None
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)

    def set_pixmap(self, pixmap: QPixmap | None) -> None:
        self._pixmap = pixmap
        self.updateGeometry()
        self.update()

    def pixmap(self) -> QPixmap | None:
        return self._pixmap

    def _natural(self) -> QSize:
        if self._pixmap is None or self._pixmap.isNull():
            return QSize(0, 0)
        return self._pixmap.deviceIndependentSize().toSize()

    def sizeHint(self) -> QSize:
        return self._natural()

    def minimumSizeHint(self) -> QSize:
        return QSize(60, self.heightForWidth(60))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        natural = self._natural()
        if natural.width() <= 0:
            return 0
        return natural.height() if width >= natural.width() else round(natural.height() * width / natural.width())

    def paintEvent(self, event) -> None:
        natural = self._natural()
        if natural.width() <= 0:
            return
        width = min(self.width(), natural.width())
        height = self.heightForWidth(width)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.SmoothPixmapTransform)
        painter.drawPixmap(QRect((self.width() - width) // 2, 0, width, height), self._pixmap)
        painter.end()


class ExplainPanel(QWidget):
    """Shows one topic, with an optional section of pictures (what a layer learned)."""

    followRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("explainPanel")
        self.topic: Topic | None = None
        self.pinned = False

        self.hint_label = QLabel(FOLLOW_HINT)
        self.hint_label.setObjectName("explainHintLabel")
        self.hint_label.setWordWrap(True)
        self.hint_label.setStyleSheet(f"color: {HINT_COLOR};")
        self.follow_button = QPushButton("\u21a9 Follow the pointer again")
        self.follow_button.setObjectName("explainFollowButton")
        self.follow_button.setToolTip("This panel keeps what you clicked. Press to go back to explaining "
                                      "whatever the mouse pointer is on.")
        self.follow_button.clicked.connect(self.unpin)
        self.follow_button.hide()
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.hint_label, 1)
        head.addWidget(self.follow_button, 0, Qt.AlignLeft)

        self.title_label = QLabel("What is this?")
        self.title_label.setObjectName("explainTitleLabel")
        self.title_label.setWordWrap(True)
        font = QFont(self.title_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title_label.setFont(font)
        self.picture_label = PictureView()
        self.picture_label.setObjectName("explainPicture")
        self.picture_label.hide()
        self.text_label = QLabel(
            "<p>Move the mouse pointer over a button, a setting or a plot: this panel says what it is "
            "and what it does, in plain words.</p><p>In the Train tab, click a layer of the network "
            "diagram to learn about it and, once the network is trained, to see what it learned.</p>")
        self.text_label.setObjectName("explainText")
        self.text_label.setWordWrap(True)
        self.text_label.setTextFormat(Qt.RichText)
        self.text_label.setAlignment(Qt.AlignLeft | Qt.AlignTop)

        self.insight = QWidget()
        self.insight.setObjectName("explainInsight")
        self._insight_layout = QVBoxLayout(self.insight)
        self._insight_layout.setContentsMargins(0, 6, 0, 0)
        self._insight_layout.setSpacing(4)
        self.insight.hide()

        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(8, 6, 8, 8)
        column.setSpacing(8)
        column.addLayout(head)
        column.addWidget(self.title_label)
        column.addWidget(self.picture_label)
        column.addWidget(self.text_label)
        column.addWidget(self.insight)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("explainScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        self.scroll = scroll
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    # Showing ---------------------------------------------------------------------------------

    def show_topic(self, topic: Topic, pinned: bool = False) -> None:
        """Show ``topic``; ``pinned``: keep it until the person asks to follow the pointer again."""
        from gui.glossary import picture

        self.pinned = pinned
        self.hint_label.setVisible(not pinned)
        self.follow_button.setVisible(pinned)
        if topic == self.topic:
            return
        self.topic = topic
        self.title_label.setText(topic.title)
        self.text_label.setText(topic.html)
        pixmap = picture(topic.picture_key, self.devicePixelRatioF()) if topic.picture_key else None
        self.picture_label.set_pixmap(pixmap)
        self.picture_label.setVisible(pixmap is not None)
        self.set_insight([], "")
        self.scroll.verticalScrollBar().setValue(0)

    def set_insight(self, sections: list[tuple[str, QPixmap | None]], note: str = "") -> None:
        """Pictures below the explanation: ``(caption, pixmap)`` pairs (a None pixmap: caption
        only), after an optional ``note``. Nothing to show hides the section."""
        layout = self._insight_layout
        while layout.count():
            widget = layout.takeAt(0).widget()
            if widget is not None:
                widget.setParent(None)  # gone at once, not at the next turn of the event loop
                widget.deleteLater()
        if note:
            label = QLabel(note)
            label.setObjectName("explainInsightNote")
            label.setWordWrap(True)
            label.setStyleSheet(f"color: {HINT_COLOR};")
            layout.addWidget(label)
        for caption, pixmap in sections:
            text = QLabel(caption)
            text.setWordWrap(True)
            layout.addWidget(text)
            if pixmap is not None:
                image = QLabel()
                image.setObjectName("explainInsightImage")
                image.setPixmap(pixmap)
                image.setAlignment(Qt.AlignLeft | Qt.AlignTop)
                layout.addWidget(image)
        self.insight.setVisible(bool(note or sections))

    def insight_captions(self) -> list[str]:
        """The texts of the insight section (for tests)."""
        return [w.text() for w in self.insight.findChildren(QLabel) if w.text()]

    def insight_width(self) -> int:
        """How wide a picture in the insight section can be."""
        return max(120, self.scroll.viewport().width() - 20)

    def unpin(self) -> None:
        self.pinned = False
        self.hint_label.show()
        self.follow_button.hide()
        self.followRequested.emit()


class ExplainDock(QDockWidget):
    """The panel in a dock that follows the pointer while it is visible."""

    def __init__(self, resolver: Resolver, parent: QWidget | None = None):
        super().__init__("What is this?", parent)
        self.setObjectName("explainDock")
        self.setAllowedAreas(Qt.LeftDockWidgetArea | Qt.RightDockWidgetArea)
        self.setFeatures(QDockWidget.DockWidgetClosable | QDockWidget.DockWidgetMovable)
        self.panel = ExplainPanel(self)
        self.panel.setMinimumWidth(MIN_WIDTH)
        self.setWidget(self.panel)
        for button in self.findChildren(QAbstractButton):
            if button.objectName() == "qt_dockwidget_closebutton":
                button.setToolTip("Hide this panel (Shift+F1 or \"? What is this?\" brings it back)")
            elif button.objectName() == "qt_dockwidget_floatbutton":
                button.setToolTip("Show this panel in a window of its own")
        self._resolver = resolver
        self._candidate = None      # the widget under the pointer at the last tick
        self._resolved = None       # the widget the panel shows the explanation of
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)
        self.visibilityChanged.connect(self._on_visibility)
        self.panel.followRequested.connect(self._on_follow)

    def _on_visibility(self, visible: bool) -> None:
        if visible and not self.panel.pinned:
            self._timer.start()
        else:
            self._timer.stop()
        self._candidate = self._resolved = None

    def _on_follow(self) -> None:
        self._candidate = self._resolved = None
        if self.isVisible():
            self._timer.start()

    @property
    def following(self) -> bool:
        """Whether the panel is following the pointer now (its timer runs)."""
        return self._timer.isActive()

    def show_topic(self, topic: Topic, pinned: bool = False) -> None:
        """Show the dock with ``topic`` (pinned: it stays until the person unpins it)."""
        self.show()
        self.raise_()
        self.panel.show_topic(topic, pinned)
        if pinned:
            self._timer.stop()

    def poll(self) -> None:
        """One tick: explain the widget under the pointer once the pointer has rested on it."""
        if self.panel.pinned:
            return
        position = QCursor.pos()
        widget = QApplication.widgetAt(position)
        if widget is None or widget is self or self.isAncestorOf(widget):
            self._candidate = None  # on the panel itself, or outside the window: keep what is shown
            return
        if widget is not self._candidate:
            self._candidate = widget  # just arrived: wait one more tick
            self._resolved = None
            return
        if widget is self._resolved:
            return  # explained already (a widget with parts, such as the diagram, is asked again)
        if not hasattr(widget, "explain_key_at"):
            self._resolved = widget
        topic = self._resolver(widget, position)
        if topic is not None:
            self.panel.show_topic(topic)
