"""Loading MNIST: a Keras-style ``.npz``, a folder of the official IDX files, or the Keras download.

Every loader returns a :class:`Dataset` whose images stay ``uint8`` (white digit on black,
0..255) so 70 000 digits take 55 MB; only :func:`to_model_input` makes the ``float32`` tensors
the network eats, exactly as the Keras tutorial does (``x.astype("float32") / 255`` plus a
channel axis).

Anything wrong with the input -- a missing file, a file that is not what it claims to be, arrays
of the wrong shape or type, labels outside 0-9, a truncated download, a failed download -- is
reported as :class:`~core.errors.DataError` whose message names the file and the problem. No
numpy, zipfile or gzip exception escapes.

Where the data comes from (:func:`load_dataset`): an explicit path; else the file or folder
named by the ``MNIST_STUDIO_DATA`` environment variable; else the tutorial's
``keras.datasets.mnist`` download, cached in ``~/.keras/datasets/mnist.npz``.

This module imports only numpy and the standard library; Keras (and with it TensorFlow, a
3-second import) is imported inside :func:`load_keras`, and only when it is called.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import math
import os
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Union

import numpy as np

from core.errors import DataError

PathLike = Union[str, "os.PathLike[str]"]

DATA_ENV_VAR = "MNIST_STUDIO_DATA"
SPLITS = ("train", "test")
IMAGE_SHAPE = (28, 28)

#: The arrays a Keras-style MNIST ``.npz`` holds.
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")

#: Where ``keras.datasets.mnist.load_data()`` downloads from, and the SHA-256 of that file
#: (both as in ``keras/src/datasets/mnist.py``).
KERAS_MNIST_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
KERAS_MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
KERAS_MNIST_FNAME = "mnist.npz"

#: The official IDX file names, per split: (images, labels). Each may also be spelled with a
#: dot (``train-images.idx3-ubyte``) and may end in ``.gz``.
IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

#: What to tell the user when no data could be had: how to point the program at a local copy.
LOCAL_DATA_ADVICE = (
    "Point the program at a local file instead: pass --data PATH, or set the "
    f"{DATA_ENV_VAR} environment variable to PATH, where PATH is either a Keras-style "
    f"mnist.npz (arrays {', '.join(NPZ_KEYS)}) or a folder holding the four MNIST IDX files "
    f"({', '.join(name for pair in IDX_FILES.values() for name in pair)}; gzipped or not)."
)

# IDX type codes (third magic byte) -> big-endian numpy dtype.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with files / an empty zip
_NPY_MAGIC = b"\x93NUM"
_READ_CHUNK = 1 << 20

# What reading a corrupt or truncated npz / gzip / IDX file can raise.
_READ_ERRORS = (
    OSError,  # includes gzip.BadGzipFile, PermissionError
    EOFError,
    ValueError,
    zipfile.BadZipFile,
    zlib.error,
    struct.error,
    MemoryError,
    NotImplementedError,  # unsupported zip compression
    RuntimeError,  # encrypted zip member
)


# --------------------------------------------------------------------------------------------
# The data set
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Dataset:
    """MNIST in memory: ``uint8`` images (N, 28, 28), white digit on black, and ``uint8`` labels.

    Build one with the loaders of this module (they validate); ``source`` says where it came
    from, for status bars and reports.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(images, labels)`` of the split ``"train"`` or ``"test"``."""
        if name == "train":
            return self.x_train, self.y_train
        if name == "test":
            return self.x_test, self.y_test
        raise ValueError(f"Unknown split {name!r}; expected one of {SPLITS}.")

    def limit_train(self, n: int | None) -> Dataset:
        """The same data set with only the first ``n`` training images (``None``: all); views."""
        if n is None:
            return self
        _check_limit(n)
        return dataclasses.replace(self, x_train=self.x_train[:n], y_train=self.y_train[:n])

    def limit_test(self, n: int | None) -> Dataset:
        """The same data set with only the first ``n`` test images (``None``: all); views."""
        if n is None:
            return self
        _check_limit(n)
        return dataclasses.replace(self, x_test=self.x_test[:n], y_test=self.y_test[:n])

    @property
    def sizes(self) -> dict[str, int]:
        """Number of images per split: ``{"train": N, "test": M}``."""
        return {name: len(self.split(name)[1]) for name in SPLITS}

    def __repr__(self) -> str:  # the default would print the arrays
        train, test = len(self.y_train), len(self.y_test)
        return f"Dataset(train={train}, test={test}, source={self.source!r})"


def _check_limit(n: int) -> None:
    """Reject limits that slicing would silently misread (negative: "all but the last")."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"A limit must be a whole number >= 0 or None, not {n!r}.")


def to_model_input(images: np.ndarray) -> np.ndarray:
    """Turn ``uint8`` images (N, 28, 28) or one image (28, 28) into the network's input.

    Returns ``float32`` (N, 28, 28, 1) scaled to [0, 1] (pixel / 255), as the tutorial does.
    Raises ``ValueError`` for other shapes or dtypes (float images may already be scaled, and
    dividing them again would silently ruin them).
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"Images must be uint8 (0..255), not {images.dtype}.")
    if images.shape == IMAGE_SHAPE:
        images = images[np.newaxis]
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"Images must have shape (N, 28, 28) or (28, 28), not {images.shape}.")
    return np.divide(images, 255, dtype=np.float32)[..., np.newaxis]


# --------------------------------------------------------------------------------------------
# Validation shared by every loader
# --------------------------------------------------------------------------------------------


def _as_uint8_images(images: np.ndarray, where: str, name: str) -> np.ndarray:
    """Check shape (N, 28, 28) and that the values are whole numbers 0..255; return uint8."""
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise DataError(f"{where}: {name} has shape {images.shape}; expected (N, 28, 28).")
    return _as_uint8(images, where, name, "pixel values", 255)


def _as_uint8_labels(labels: np.ndarray, where: str, name: str) -> np.ndarray:
    """Check shape (N,), an integer dtype and values 0..9; return uint8."""
    if labels.ndim != 1:
        raise DataError(f"{where}: {name} has shape {labels.shape}; expected (N,).")
    if labels.dtype.kind not in "iu":
        raise DataError(
            f"{where}: {name} holds {labels.dtype} values; labels must be integers 0-9."
        )
    return _as_uint8(labels, where, name, "labels", 9)


def _as_uint8(values: np.ndarray, where: str, name: str, what: str, top: int) -> np.ndarray:
    """Convert to uint8 if every value is a whole number in 0..top (lossless); else DataError."""
    if values.size == 0:
        return values.astype(np.uint8)
    if values.dtype == np.uint8 and (top == 255 or int(values.max()) <= top):
        return values
    if values.dtype.kind not in "iuf":
        raise DataError(f"{where}: {name} holds {values.dtype} values; expected uint8.")
    low, high = values.min(), values.max()
    if not (np.isfinite(low) and np.isfinite(high) and 0 <= low and high <= top):
        raise DataError(f"{where}: {name} has {what} from {low} to {high}; expected 0-{top}.")
    converted = values.astype(np.uint8)
    if values.dtype.kind == "f" and not np.array_equal(converted, values):
        raise DataError(
            f"{where}: {name} holds fractional {values.dtype} {what}; expected whole numbers "
            f"0-{top} (uint8)."
        )
    return converted


def _checked_split(
    images: np.ndarray, labels: np.ndarray, where: str, image_name: str, label_name: str,
    allow_empty: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Validate one split (images and their labels) and return both as uint8.

    An empty training split is allowed where a file is only for scoring (the "my digits"
    collection is saved with empty x_train/y_train); an empty test split only where asked."""
    if len(images) == 0 and not allow_empty:
        raise DataError(f"{where}: {image_name} is empty.")
    images = _as_uint8_images(images, where, image_name)
    labels = _as_uint8_labels(labels, where, label_name)
    if len(images) != len(labels):
        raise DataError(
            f"{where}: {image_name} has {len(images)} images but {label_name} has "
            f"{len(labels)} labels; they must match."
        )
    return images, labels


def _existing(path: PathLike, what: str) -> Path:
    """``path`` as a Path (``~`` expanded); DataError when nothing is there."""
    path = Path(os.fspath(path)).expanduser()
    if not path.exists():
        raise DataError(f"{path}: {what} not found (no such file or folder).")
    return path


def _read_magic(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of a file (fewer if it is shorter), as a DataError on failure."""
    try:
        with open(path, "rb") as stream:
            return stream.read(size)
    except OSError as error:
        raise DataError(f"{path}: could not be read ({error.strerror or error}).") from error


# --------------------------------------------------------------------------------------------
# Keras-style .npz
# --------------------------------------------------------------------------------------------


def load_npz(path: PathLike, *, allow_empty_test: bool = False) -> Dataset:
    """Load a Keras-style MNIST ``.npz`` holding ``x_train``, ``y_train``, ``x_test``, ``y_test``.

    Loaded with ``allow_pickle=False``: a file holding Python objects is refused, never run.
    ``allow_empty_test``: an empty test split is fine (a "my digits" collection with none yet).
    """
    path = _existing(path, "MNIST .npz file")
    _check_is_zip(path)
    arrays = _read_npz_arrays(path)
    train = _checked_split(arrays["x_train"], arrays["y_train"], str(path), "x_train", "y_train",
                           allow_empty=True)
    test = _checked_split(arrays["x_test"], arrays["y_test"], str(path), "x_test", "y_test",
                          allow_empty=allow_empty_test)
    return Dataset(*train, *test, source=str(path))


def _check_is_zip(path: Path) -> None:
    """Refuse folders and files that do not start like a zip archive (what .npz files are)."""
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not an .npz file.")
    magic = _read_magic(path, 4)
    if magic in _ZIP_MAGICS:
        return
    hint = " (it is a single .npy array)" if magic == _NPY_MAGIC else ""
    raise DataError(
        f"{path}: is not a zip/npz archive{hint}. Expected a Keras-style mnist.npz "
        f"(arrays {', '.join(NPZ_KEYS)}) or a folder with the four MNIST IDX files."
    )


def _read_npz_arrays(path: Path) -> dict[str, np.ndarray]:
    """Read the four MNIST arrays; DataError naming missing keys or the corruption found."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [key for key in NPZ_KEYS if key not in npz.files]
            if missing:
                raise DataError(
                    f"{path}: missing array(s) {', '.join(missing)}; a Keras-style MNIST .npz "
                    f"holds {', '.join(NPZ_KEYS)} (found: {', '.join(npz.files) or 'nothing'})."
                )
            return {key: _read_npz_member(npz, key, path) for key in NPZ_KEYS}
    except _READ_ERRORS as error:
        raise DataError(f"{path}: corrupt or truncated npz/zip archive ({error}).") from error


def _read_npz_member(npz, key: str, path: Path) -> np.ndarray:
    """One array of an open npz; DataError naming the array if it cannot be read."""
    try:
        return npz[key]
    except _READ_ERRORS as error:
        raise DataError(
            f"{path}: array {key} could not be read: the file is corrupt or truncated, or the "
            f"array holds Python objects, which are never loaded ({error})."
        ) from error


# --------------------------------------------------------------------------------------------
# IDX files
# --------------------------------------------------------------------------------------------


def read_idx(path: PathLike) -> np.ndarray:
    """Read one IDX file (gzipped or raw) into a native-endian array of the shape it declares.

    The header is checked against the data before anything is allocated: for a raw file against
    its size, for a gzipped one by reading at most one byte more than the header describes. So a
    header claiming more data than the file holds fails at once, as does one describing less.
    """
    path = _existing(path, "IDX file")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not an IDX file.")
    compressed = path.suffix == ".gz" or _read_magic(path, 2) == _GZIP_MAGIC
    try:
        with (gzip.open if compressed else open)(path, "rb") as stream:
            dtype, shape = _read_idx_header(stream, path)
            expected = math.prod(shape) * dtype.itemsize
            if not compressed:
                _check_idx_file_size(path, stream, shape, expected)
            data = _read_at_most(stream, expected + 1)
    except _READ_ERRORS as error:
        kind = "gzip" if compressed else "IDX"
        raise DataError(f"{path}: corrupt or truncated {kind} file ({error}).") from error
    if len(data) != expected:
        raise DataError(_idx_size_message(path, shape, expected, len(data), at_least=True))
    array = np.frombuffer(data, dtype=dtype).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)


def _read_idx_header(stream: BinaryIO, path: Path) -> tuple[np.dtype, tuple[int, ...]]:
    """Parse the IDX magic number and dimensions: (element dtype, shape)."""
    magic = _read_exactly(stream, 4, path, "magic number")
    zero, type_code, ndim = struct.unpack(">HBB", magic)
    if zero != 0 or type_code not in _IDX_DTYPES or ndim == 0:
        raise DataError(
            f"{path}: wrong magic number 0x{magic.hex()}; not an IDX file (expected 0x0000 then a "
            "type code and the number of dimensions, e.g. 0x00000803 for MNIST images, "
            "0x00000801 for labels)."
        )
    shape = struct.unpack(f">{ndim}I", _read_exactly(stream, 4 * ndim, path, "dimensions"))
    return _IDX_DTYPES[type_code], shape


def _read_exactly(stream: BinaryIO, size: int, path: Path, what: str) -> bytes:
    """Read ``size`` header bytes; DataError if the file ends first."""
    data = stream.read(size)
    if len(data) != size:
        raise DataError(f"{path}: truncated IDX file (it ends inside the header's {what}).")
    return data


def _check_idx_file_size(
    path: Path, stream: BinaryIO, shape: tuple[int, ...], expected: int
) -> None:
    """For a raw file: compare the header's data size with the file's size, before reading."""
    actual = os.fstat(stream.fileno()).st_size - stream.tell()
    if actual != expected:
        raise DataError(_idx_size_message(path, shape, expected, actual))


def _idx_size_message(
    path: Path, shape: tuple[int, ...], expected: int, actual: int, at_least: bool = False
) -> str:
    """Explain a mismatch between an IDX header's dimensions and the data after the header.

    ``at_least``: ``actual`` is only a lower bound when it exceeds ``expected`` (bounded read).
    """
    dims = " x ".join(str(d) for d in shape)
    if actual < expected:
        return (
            f"{path}: truncated IDX file: its header's dimensions {dims} need {expected} bytes "
            f"of data, but only {actual} follow."
        )
    found = "more" if at_least else str(actual)
    return (
        f"{path}: the IDX header's dimensions {dims} do not match the file's size: they describe "
        f"{expected} bytes of data, but {found} follow."
    )


def _read_at_most(stream: BinaryIO, limit: int) -> bytearray:
    """Read until EOF or ``limit`` bytes, in chunks: memory grows only with the data there."""
    data = bytearray()
    while len(data) < limit:
        chunk = stream.read(min(_READ_CHUNK, limit - len(data)))
        if not chunk:
            break
        data += chunk
    return data


def load_idx_folder(path: PathLike) -> Dataset:
    """Load a folder holding the four official MNIST IDX files, gzipped (``.gz``) or not.

    Both spellings are accepted: ``train-images-idx3-ubyte`` and ``train-images.idx3-ubyte``.
    """
    folder = _existing(path, "MNIST IDX folder")
    if not folder.is_dir():
        raise DataError(f"{folder}: is not a folder; expected one with the four MNIST IDX files.")
    found = {name: _find_idx_file(folder, name) for names in IDX_FILES.values() for name in names}
    missing = [name for name, file in found.items() if file is None]
    if missing:
        raise DataError(
            f"{folder}: missing MNIST IDX file(s) {', '.join(missing)} (each may also be spelled "
            "with '.idx' instead of '-idx', and may end in .gz)."
        )
    splits = {
        split: _load_idx_split(folder, found[images], found[labels])
        for split, (images, labels) in IDX_FILES.items()
    }
    return Dataset(*splits["train"], *splits["test"], source=str(folder))


def _find_idx_file(folder: Path, name: str) -> Path | None:
    """The file in ``folder`` for the official ``name``, in any accepted spelling, or None."""
    dotted = name.replace("-idx", ".idx")
    for candidate in (name, dotted, f"{name}.gz", f"{dotted}.gz"):
        if (folder / candidate).is_file():
            return folder / candidate
    return None


def _load_idx_split(
    folder: Path, image_file: Path, label_file: Path
) -> tuple[np.ndarray, np.ndarray]:
    """Read and validate one split's image and label files."""
    images, labels = read_idx(image_file), read_idx(label_file)
    return _checked_split(images, labels, str(folder), image_file.name, label_file.name)


# --------------------------------------------------------------------------------------------
# The Keras download, and choosing a source
# --------------------------------------------------------------------------------------------


def load_keras(cache_dir: PathLike | None = None) -> Dataset:
    """The tutorial's ``keras.datasets.mnist``: download once, cache, reuse the cache afterwards.

    The file goes to ``<cache_dir or ~/.keras>/datasets/mnist.npz`` (``KERAS_HOME`` is honoured
    as Keras does) and is checked against Keras's SHA-256; then it is validated like any npz.
    Keras's "Downloading data from ..." line and progress bar go to stderr, so that stdout stays
    clean for machine-readable output. If the download fails (offline), the DataError says so
    and how to use a local copy.
    """
    try:
        from keras.utils import get_file  # lazy: importing Keras imports TensorFlow (~3 s)
    except ImportError as error:
        raise DataError(
            f"Keras is not available to download MNIST ({error}). {LOCAL_DATA_ADVICE}"
        ) from error
    if cache_dir is not None:
        cache_dir = _make_cache_dir(cache_dir)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            path = get_file(
                fname=KERAS_MNIST_FNAME,
                origin=KERAS_MNIST_ORIGIN,
                file_hash=KERAS_MNIST_SHA256,
                cache_dir=cache_dir,
            )
    except Exception as error:  # get_file turns URLError/HTTPError into a bare Exception
        raise DataError(
            f"Downloading MNIST from {KERAS_MNIST_ORIGIN} failed ({error}). {LOCAL_DATA_ADVICE}"
        ) from error
    return dataclasses.replace(load_npz(path), source=f"Keras download ({_short(path)})")


def _make_cache_dir(cache_dir: PathLike) -> str:
    """Create ``cache_dir`` (Keras would silently use /tmp/.keras for a missing one)."""
    path = os.path.expanduser(os.fspath(cache_dir))
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as error:
        raise DataError(
            f"{path}: cannot create the download cache folder ({error.strerror or error})."
        ) from error
    return path


def keras_cache_path(cache_dir: PathLike | None = None) -> Path:
    """Where :func:`load_keras` keeps ``mnist.npz``, worked out as Keras does, without Keras.

    ``cache_dir``, else ``$KERAS_HOME``, else ``~/.keras``; Keras falls back to ``/tmp/.keras``
    when that folder is not writable.
    """
    if cache_dir is None:
        cache_dir = os.environ.get("KERAS_HOME") or os.path.join(_writable_home(), ".keras")
    base = os.path.expanduser(os.fspath(cache_dir))
    if os.path.exists(base) and not os.access(base, os.W_OK):
        base = os.path.join("/tmp", ".keras")
    return Path(base, "datasets", KERAS_MNIST_FNAME)


def _writable_home() -> str:
    """The home folder, or /tmp when it is not writable (as Keras decides)."""
    home = os.path.expanduser("~")
    return home if os.access(home, os.W_OK) else "/tmp"


def _short(path: PathLike) -> str:
    """``path`` with the home folder written as ``~``, for display."""
    path, home = Path(os.fspath(path)), Path.home()
    return f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)


def load_path(path: PathLike) -> Dataset:
    """Load MNIST from a file (a Keras-style ``.npz``) or a folder (the four IDX files)."""
    path = _existing(path, "MNIST data")
    return load_idx_folder(path) if path.is_dir() else load_npz(path)


def _chosen_path(path: PathLike | None) -> tuple[PathLike | None, bool]:
    """The local path load_dataset would use (None: Keras), and whether it came from the env var."""
    if path is not None and os.fspath(path) != "":
        return path, False
    from_env = os.environ.get(DATA_ENV_VAR, "").strip()
    return (from_env, True) if from_env else (None, False)


def load_dataset(path: PathLike | None = None) -> Dataset:
    """Load MNIST from ``path``; else from ``$MNIST_STUDIO_DATA``; else the Keras cache/download."""
    chosen, from_env = _chosen_path(path)
    if chosen is None:
        return load_keras()
    try:
        return load_path(chosen)
    except DataError as error:
        if from_env:
            raise DataError(
                f"{error} (This path comes from the {DATA_ENV_VAR} environment variable.)"
            ) from error
        raise


def default_source_description(path: PathLike | None = None) -> str:
    """Say which source :func:`load_dataset` would use for ``path``, without loading anything."""
    chosen, from_env = _chosen_path(path)
    if chosen is None:
        cache = keras_cache_path()
        state = "cached" if cache.is_file() else "not downloaded yet"
        return f"Keras download ({_short(cache)}, {state})"
    shown = str(Path(os.fspath(chosen)).expanduser())
    return f"{shown} (from {DATA_ENV_VAR})" if from_env else shown
