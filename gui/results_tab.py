"""Placeholder: the Results tab (being written)."""

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class ResultsTab(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Results tab: coming soon"))
