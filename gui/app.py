"""Starts the Qt application and shows the main window."""

from __future__ import annotations

import sys

TOUR_DELAY_MS = 400  # the tour waits for the window's first paint


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


def show_main_window(data_path: str | None = None, model_path: str | None = None, load_defaults: bool = True):
    """Make and show the window as the program does: on the first run, the guided tour starts
    once the window is up (windows made directly, as in tests, never start it by themselves)."""
    from gui.main_window import MainWindow

    window = MainWindow(data_path=data_path, model_path=model_path, load_defaults=load_defaults)
    window.show()
    window.explanations.start_tour_if_first_time(delay_ms=TOUR_DELAY_MS)
    return window


def run_app(data_path: str | None = None, model_path: str | None = None) -> int:
    app = create_application()
    window = show_main_window(data_path, model_path)  # noqa: F841 - kept alive while the app runs
    return app.exec()
