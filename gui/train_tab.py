"""Placeholder: the Train tab (being written)."""

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class TrainTab(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Train tab: coming soon"))

    def export_plots(self, folder):
        return []

    def abort_training(self, timeout_ms=2000):
        return True
