"""One-off background jobs (load data, load a model, evaluate, import TensorFlow).

``run_task(fn, on_done, on_error)`` runs ``fn`` on a new background thread and delivers its result
or its error message back on the GUI thread, so the window never freezes on slow work. A
``core.errors.StudioError`` arrives as its message; any other exception as a one-line message.

Each job gets a fresh Python thread rather than a reused thread of Qt's pool: PySide gives each
job on a pool thread a new Python thread state and deletes it afterwards, while TensorFlow's
pybind11 code remembers the first one per OS thread, so the next TensorFlow job on that thread
(e.g. tracing a tf.function) waits for the GIL under the dead state and deadlocks the app.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, Signal

from core.errors import StudioError


class _Relay(QObject):
    """Carries a job's outcome to the GUI thread: it lives there, so its signals are queued."""

    done = Signal(object)
    failed = Signal(str)


_live_relays: set[_Relay] = set()  # keeps each relay alive until its job has reported
_live_threads: set[threading.Thread] = set()


def _one_line(error: Exception) -> str:
    """An unexpected error in words for the person using the program (no exception class names)."""
    if isinstance(error, MemoryError):
        return "The computer ran out of memory. Close other programs, or use fewer images or a smaller network."
    if isinstance(error, OSError) and error.strerror:
        where = f" ('{error.filename}')" if error.filename else ""
        return f"The computer refused a file operation{where}: {error.strerror}."
    text = str(error).strip()
    first = text.splitlines()[0] if text else ""
    return f"Something unexpected went wrong: {first}" if first else "Something unexpected went wrong."


def _run(fn: Callable[[], Any], relay: _Relay) -> None:
    try:
        try:
            result = fn()
        except StudioError as error:
            relay.failed.emit(str(error))
        except Exception as error:  # anything else still ends as a message, not a crash
            relay.failed.emit(_one_line(error))
        else:
            relay.done.emit(result)
    except RuntimeError:
        pass  # the application quit while the job ran: nobody is left to tell
    finally:
        _live_threads.discard(threading.current_thread())


def run_task(fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[str], None] | None = None, context: QObject | None = None) -> None:
    """Run ``fn()`` in the background; call ``on_done(result)`` or ``on_error(message)`` on the GUI thread.

    With ``context`` (the widget the callbacks belong to), they are skipped if that widget has
    been deleted by the time the job ends, as when a window closes while a model still loads.
    """
    relay = _Relay()  # created on the GUI thread, so its signals are delivered there
    _live_relays.add(relay)

    def finish(callback, value):
        _live_relays.discard(relay)
        if callback is not None and (context is None or shiboken6.isValid(context)):
            callback(value)

    relay.done.connect(lambda result: finish(on_done, result))
    relay.failed.connect(lambda message: finish(on_error, message))
    thread = threading.Thread(target=_run, args=(fn, relay), name="studio-task", daemon=True)
    _live_threads.add(thread)
    thread.start()


def wait_for_tasks(msecs: int = 30000) -> bool:
    """Block until every background job has ended (for tests and shutdown)."""
    deadline = time.monotonic() + msecs / 1000.0
    for thread in list(_live_threads):
        thread.join(max(0.0, deadline - time.monotonic()))
    return not any(thread.is_alive() for thread in list(_live_threads))
