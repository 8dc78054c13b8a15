"""Placeholder: the Draw tab (being written)."""

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class DrawTab(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Draw tab: coming soon"))
