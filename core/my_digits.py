""""My digits": the user's own handwriting, kept on disk to test a model against it.

The Draw tab adds each labelled drawing here (as the 28x28 image the model saw); the Data tab
shows the collection and ``main.py evaluate --data <file>`` scores a model on it.  The file is a
Keras-style MNIST ``.npz`` so every MNIST reader can open it: the digits are the *test* split
(``x_test`` uint8 (N, 28, 28), white on black; ``y_test`` uint8 (N,)) and the training split is
present but empty (``x_train`` (0, 28, 28), ``y_train`` (0,)).

Where it lives (:func:`default_path`): ``$MNIST_STUDIO_MY_DIGITS`` if set; else the platform's
user data folder -- ``$XDG_DATA_HOME/mnist-cnn-studio/my_digits.npz`` (default
``~/.local/share/...``) on Linux, ``~/Library/Application Support/mnist-cnn-studio/`` on macOS,
``%APPDATA%\\mnist-cnn-studio\\`` on Windows.  The window and the command line compute the same
place, so what the pad saves, ``evaluate`` finds.

Every write is atomic (a temporary file in the same folder, flushed, then renamed over the
old one), so a crash never leaves half a file.  A file that cannot be read is never
overwritten: appending to it raises :class:`~core.errors.DataError` and leaves it as it is.
Nothing here imports Qt.
"""

from __future__ import annotations

import os
import sys  # noqa: F401  (tests read my_digits.sys.platform)
import tempfile
from pathlib import Path

import numpy as np

from core.data import load_npz
from core.errors import DataError
from core.paths import APP_FOLDER, app_data_folder, env_path

__all__ = ["FILE_NAME", "APP_FOLDER", "ENV_VAR", "default_path", "load", "save", "append",
           "remove", "count"]

FILE_NAME = "my_digits.npz"
ENV_VAR = "MNIST_STUDIO_MY_DIGITS"
_SHAPE = (28, 28)


def default_path() -> Path:
    """Where the collection is kept: ``$MNIST_STUDIO_MY_DIGITS``, else the user data folder."""
    return env_path(ENV_VAR) or app_data_folder() / FILE_NAME


def _resolve(path) -> Path:
    return default_path() if path is None else Path(os.fspath(path)).expanduser()


def _empty() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((0, *_SHAPE), np.uint8), np.zeros((0,), np.uint8)


def load(path=None) -> tuple[np.ndarray, np.ndarray]:
    """The collection's ``(images, labels)``: uint8 (N, 28, 28) and uint8 (N,).

    A missing file is an empty collection.  A file that is not a readable collection raises
    :class:`DataError` naming it (read by core.data's MNIST reader, never with pickle).
    """
    path = _resolve(path)
    if not path.exists():
        return _empty()
    try:
        collection = load_npz(path, allow_empty_test=True)
    except DataError as error:
        raise DataError(f"{error} The my-digits file was left as it is; move it away to start a new "
                        "collection.") from None
    return collection.x_test, collection.y_test


def _checked(images, labels, where: str) -> tuple[np.ndarray, np.ndarray]:
    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim != 3 or images.shape[1:] != _SHAPE:
        raise DataError(f"{where}: the digits have shape {images.shape}; expected (N, 28, 28).")
    if labels.shape != (len(images),):
        raise DataError(f"{where}: {len(images)} digits but labels of shape {labels.shape}.")
    if images.dtype != np.uint8:
        raise DataError(f"{where}: the digits are {images.dtype}; expected uint8 (0..255).")
    if labels.dtype.kind not in "iu" or (len(labels) and (labels.min() < 0 or labels.max() > 9)):
        raise DataError(f"{where}: the labels must be whole numbers 0-9.")
    return images, labels.astype(np.uint8)


def save(images, labels, path=None) -> Path:
    """Write the whole collection atomically; creates the folder.  Returns the path written."""
    path = _resolve(path)
    images, labels = _checked(images, labels, "the digits to save")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"{path.parent}: cannot create the folder for my digits "
                        f"({error.strerror or error}).") from None
    x_train, y_train = _empty()
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            # Writing to an open file keeps numpy from appending its own ".npz" to the name.
            np.savez_compressed(stream, x_train=x_train, y_train=y_train,
                                x_test=np.ascontiguousarray(images), y_test=labels)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, path)
    except OSError as error:
        Path(temp_name).unlink(missing_ok=True)
        raise DataError(f"{path}: could not save my digits ({error.strerror or error}); "
                        "the previous file is unchanged.") from None
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return path


def append(image, label: int, path=None) -> int:
    """Add one 28x28 uint8 digit with its label (0-9); returns the new number of digits."""
    image = np.asarray(image)
    if image.shape != _SHAPE or image.dtype != np.uint8:
        raise DataError(f"A digit to add must be a uint8 28x28 image, not {image.dtype} {image.shape}.")
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= int(label) <= 9:
        raise DataError(f"A digit's label must be 0-9, not {label!r}.")
    images, labels = load(path)  # raises for an unreadable file: it is never overwritten
    images = np.concatenate([images, image[np.newaxis]])
    labels = np.concatenate([labels, np.asarray([label], np.uint8)])
    save(images, labels, path)
    return len(labels)


def remove(indices, path=None) -> int:
    """Delete the digits at ``indices`` (ints); returns the number left."""
    images, labels = load(path)
    drop = np.zeros(len(labels), bool)
    for i in np.atleast_1d(np.asarray(indices, dtype=np.int64)):
        if not -len(labels) <= i < len(labels):
            raise DataError(f"There is no digit number {i} in my digits ({len(labels)} digits).")
        drop[i] = True
    save(images[~drop], labels[~drop], path)
    return int((~drop).sum())


def count(path=None) -> int:
    """How many digits the collection holds (0 when there is no file yet)."""
    return len(load(path)[1])
