"""Starts the Qt application and shows the main window."""

from __future__ import annotations

import sys


def create_application(argv: list[str] | None = None):
    """The QApplication, with the names QSettings files its settings under."""
    from PySide6.QtWidgets import QApplication

    from core.runtime import quiet_tensorflow

    quiet_tensorflow()

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName("MNIST CNN Studio")
    app.setApplicationName("MNIST CNN Studio")
    import pyqtgraph as pg

    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    return app


def run_app(data_path: str | None = None, model_path: str | None = None) -> int:
    app = create_application()
    from gui.main_window import MainWindow

    window = MainWindow(data_path=data_path, model_path=model_path)
    window.show()
    return app.exec()
