"""One-off background jobs (load data, load a model, evaluate, import TensorFlow).

``run_task(fn, on_done, on_error)`` runs ``fn`` on Qt's thread pool and delivers its result or
its error message back on the GUI thread, so the window never freezes on slow work. A
``core.errors.StudioError`` arrives as its message; any other exception as a one-line message.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from core.errors import StudioError


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(str)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay):
        super().__init__()
        self.fn = fn
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.fn()
        except StudioError as error:
            self.relay.failed.emit(str(error))
        except Exception as error:  # anything else still ends as a message, not a crash
            self.relay.failed.emit(f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}")
        else:
            self.relay.done.emit(result)


_live_relays: set[_Relay] = set()  # keeps each relay alive until its job has reported


def run_task(fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[str], None] | None = None) -> None:
    """Run ``fn()`` in the background; call ``on_done(result)`` or ``on_error(message)`` on the GUI thread."""
    relay = _Relay()  # created on the GUI thread, so its signals are delivered there
    _live_relays.add(relay)

    def finish(callback, value):
        _live_relays.discard(relay)
        if callback is not None:
            callback(value)

    relay.done.connect(lambda result: finish(on_done, result))
    relay.failed.connect(lambda message: finish(on_error, message))
    QThreadPool.globalInstance().start(_Job(fn, relay))


def wait_for_tasks(msecs: int = 30000) -> bool:
    """Block until every background job has ended (for tests and shutdown)."""
    return QThreadPool.globalInstance().waitForDone(msecs)
