"""The window of MNIST CNN Studio: thin Qt views over ``core``.

Nothing here trains, loads or scores on its own: long work goes to ``core`` on worker threads
(``gui.tasks`` for one-off jobs, ``gui.training_worker`` for training) and comes back as signals.
"""

import sys as _sys


def _keep_none_alive() -> None:
    """Work around a PySide6 6.12 bug on Python < 3.12: every Qt method returning ``void`` hands
    back ``None`` without taking a reference to it, so each such call (``QPainter.save``,
    ``QLabel.setText``, ...) lowers ``None``'s reference count by one. After a few thousand calls
    it reaches zero and Python aborts ("Fatal Python error: none_dealloc"). From Python 3.12 on
    ``None`` is immortal and nothing needs doing; before, give it a reference count that no
    session can use up (the count is the first field of every CPython object)."""
    if _sys.version_info >= (3, 12) or _sys.implementation.name != "cpython":
        return
    import ctypes

    refcount = ctypes.c_ssize_t.from_address(id(None))
    if refcount.value < 1 << 40:
        refcount.value += 1 << 40


_keep_none_alive()
