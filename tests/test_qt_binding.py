"""The installed Qt binding must not leak references to None.

PySide6 6.12.0 on Python 3.11 drops a reference to None on every Qt call that returns nothing,
and CPython aborts after a few thousand such calls ("none_dealloc"): the window would crash
seconds after it opened. pyproject.toml keeps that release out; this test catches it coming back.
"""

import sys

from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QLabel


def test_void_qt_calls_keep_none_alive(qapp):
    label = QLabel()
    image = QImage(8, 8, QImage.Format_RGB32)
    painter = QPainter(image)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("7")
        painter.save()
        painter.restore()
    after = sys.getrefcount(None)
    painter.end()
    assert after >= before - 50  # a few references may come and go; a leak loses thousands
