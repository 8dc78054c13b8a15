"""Process-wide TensorFlow settings, applied before TensorFlow is imported."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings


def quiet_tensorflow() -> None:
    """Keep TensorFlow's start-up chatter and Keras's legacy-format notices off the user's console.

    Our own messages say what matters; C++ info logs and "HDF5 is legacy" warnings would bury them.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.getLogger("absl").setLevel(logging.ERROR)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message=".*HDF5 file.*legacy.*")
    warnings.filterwarnings("ignore", category=UserWarning, module="keras")


@contextlib.contextmanager
def _native_stderr_silenced():
    """Point file descriptor 2 at /dev/null for a moment: TensorFlow's C++ code prints a few
    lines there at import, before any log-level setting is read."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow() -> str:
    """Import TensorFlow and Keras once, quietly; return TensorFlow's version.

    Takes seconds: the CLI calls it before its first Keras work, the window on a worker thread.
    An import that fails still raises, with stderr restored.
    """
    quiet_tensorflow()
    if "tensorflow" not in sys.modules:
        with _native_stderr_silenced():
            import keras  # noqa: F401
            import tensorflow  # noqa: F401
    return sys.modules["tensorflow"].__version__
