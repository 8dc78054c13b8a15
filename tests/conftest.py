"""Shared fixtures: where the real MNIST file is, and the data set loaded from it once.

The file is not part of the repository. It is found through the ``MNIST_STUDIO_DATA``
environment variable or at ``<repo>/../shared/data/mnist.npz``; tests that need it are marked
``real_data`` and are skipped when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Widgets are tested headless; TensorFlow's C++ start-up chatter is kept out of the output.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MNIST_PATH = REPO_ROOT.parent / "shared" / "data" / "mnist.npz"


def real_mnist_path() -> Path | None:
    """The real MNIST file (``$MNIST_STUDIO_DATA`` or the shared default), or None if absent."""
    from_env = os.environ.get("MNIST_STUDIO_DATA", "").strip()
    path = Path(from_env).expanduser() if from_env else DEFAULT_MNIST_PATH
    return path if path.exists() else None


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    """Path of the real MNIST file; skips the test when it is not available."""
    path = real_mnist_path()
    if path is None:
        pytest.skip(
            f"real MNIST data not found (set MNIST_STUDIO_DATA or put it at {DEFAULT_MNIST_PATH})"
        )
    return path


@pytest.fixture(scope="session")
def mnist(mnist_path):
    """The real MNIST data set, loaded once per test session (read-only: do not modify it)."""
    from core.data import load_path

    return load_path(mnist_path)


@pytest.fixture(autouse=True)
def isolated_user_files(tmp_path_factory, monkeypatch):
    """Every test gets its own settings and my-digits locations, never the user's real ones."""
    folder = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("MNIST_STUDIO_MY_DIGITS", str(folder / "my_digits.npz"))
    monkeypatch.setenv("MNIST_STUDIO_RUNS", str(folder / "runs"))
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(folder / "settings"))
    yield folder

