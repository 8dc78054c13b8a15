"""Tests of core.data: loaders, validation of every kind of bad input, source resolution, the
Keras download (with the network faked, never reached) and, when present, the real MNIST file."""

from __future__ import annotations

import gzip
import hashlib
import io
import socket
import struct
import subprocess
import sys
import tracemalloc
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from core import data
from core.data import DATA_ENV_VAR, Dataset, DataError

REPO_ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------------
# Helpers: small synthetic MNIST files
# --------------------------------------------------------------------------------------------


def make_arrays(n_train: int = 6, n_test: int = 4, seed: int = 0) -> dict[str, np.ndarray]:
    """Four small valid MNIST arrays with the Keras npz keys."""
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(n_train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(n_test)[::-1] % 10).astype(np.uint8),
    }


def npz_bytes(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def write_npz(path: Path, drop: tuple[str, ...] = (), **overrides: np.ndarray) -> Path:
    """A small npz at ``path``: valid arrays, with some replaced (``overrides``) or left out."""
    arrays = {**make_arrays(), **overrides}
    path.write_bytes(npz_bytes(**{k: v for k, v in arrays.items() if k not in drop}))
    return path


def idx_bytes(array: np.ndarray, type_code: int = 0x08, shape: tuple[int, ...] | None = None) -> bytes:
    """An IDX file's bytes; ``shape`` overrides the dimensions written in the header."""
    dtype = data._IDX_DTYPES[type_code]
    shape = array.shape if shape is None else shape
    header = struct.pack(">HBB", 0, type_code, len(shape)) + struct.pack(f">{len(shape)}I", *shape)
    return header + np.asarray(array).astype(dtype).tobytes()


def write_idx(path: Path, array: np.ndarray, **kwargs) -> Path:
    raw = idx_bytes(array, **kwargs)
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)
    return path


def write_idx_folder(folder: Path, arrays=None, gz: bool = True, dotted: bool = False) -> Path:
    """The four official IDX files of ``arrays`` in ``folder``."""
    arrays = arrays or make_arrays()
    folder.mkdir(exist_ok=True)
    keys = {"train": ("x_train", "y_train"), "test": ("x_test", "y_test")}
    for split, names in data.IDX_FILES.items():
        for name, key in zip(names, keys[split]):
            name = name.replace("-idx", ".idx") if dotted else name
            write_idx(folder / (name + (".gz" if gz else "")), arrays[key])
    return folder


def shown_path(description: str) -> Path:
    """The path inside ``Keras download (PATH)`` / ``Keras download (PATH, state)``."""
    assert description.startswith("Keras download (") and description.endswith(")")
    return Path(description[len("Keras download ("):-1].split(", ")[0]).expanduser()


def data_error(func, *args, naming: Path | str, says: tuple[str, ...]) -> str:
    """Call ``func``; assert a DataError whose message names ``naming`` and has every ``says``."""
    with pytest.raises(DataError) as caught:
        func(*args)
    message = str(caught.value)
    assert str(naming) in message
    for fragment in says:
        assert fragment.lower() in message.lower(), f"{fragment!r} not in {message!r}"
    return message


# --------------------------------------------------------------------------------------------
# Dataset and to_model_input
# --------------------------------------------------------------------------------------------


@pytest.fixture
def small() -> Dataset:
    return Dataset(**make_arrays(n_train=8, n_test=5), source="synthetic")


def test_split_returns_images_and_labels(small):
    assert small.split("train") == (small.x_train, small.y_train)
    assert small.split("test") == (small.x_test, small.y_test)
    with pytest.raises(ValueError, match="validation"):
        small.split("validation")


def test_limits_are_views_and_sizes_follow(small):
    limited = small.limit_train(3).limit_test(2)
    assert limited.sizes == {"train": 3, "test": 2}
    assert small.sizes == {"train": 8, "test": 5}
    assert np.shares_memory(limited.x_train, small.x_train)
    assert np.shares_memory(limited.y_test, small.y_test)
    assert limited.source == "synthetic"
    assert small.limit_train(None) is small and small.limit_test(None) is small
    assert small.limit_train(1000).sizes["train"] == 8
    with pytest.raises(ValueError):
        small.limit_train(-1)


def test_repr_is_short(small):
    assert repr(small) == "Dataset(train=8, test=5, source='synthetic')"


def test_to_model_input_scales_to_float32_with_channel_axis():
    images = np.array([np.zeros((28, 28)), np.full((28, 28), 255)], dtype=np.uint8)
    images[0, 3, 4] = 51
    x = data.to_model_input(images)
    assert x.shape == (2, 28, 28, 1) and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0
    assert x[0, 3, 4, 0] == np.float32(51) / np.float32(255)
    np.testing.assert_array_equal(x[..., 0], images.astype("float32") / 255)  # the tutorial's way
    assert data.to_model_input(images[1]).shape == (1, 28, 28, 1)


@pytest.mark.parametrize("bad", [np.zeros((2, 28, 28), np.float32), np.zeros((2, 27, 28), np.uint8),
                                 np.zeros((2, 28, 28, 1), np.uint8)])
def test_to_model_input_rejects_other_dtypes_and_shapes(bad):
    with pytest.raises(ValueError):
        data.to_model_input(bad)


def test_importing_data_loads_neither_keras_nor_qt():
    code = ("import sys, core.data; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'keras', 'tensorflow', 'PySide6'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------------------------
# load_npz: good files
# --------------------------------------------------------------------------------------------


def test_load_npz_reads_the_four_arrays(tmp_path):
    arrays = make_arrays()
    path = tmp_path / "mnist.npz"
    path.write_bytes(npz_bytes(**arrays))
    dataset = data.load_npz(path)
    for key, expected in arrays.items():
        got = getattr(dataset, key)
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, expected)
    assert dataset.source == str(path)


def test_load_npz_converts_integer_arrays_losslessly(tmp_path):
    arrays = make_arrays()
    path = write_npz(tmp_path / "wide.npz", x_train=arrays["x_train"].astype(np.int64),
                     y_train=arrays["y_train"].astype(np.int32),
                     x_test=arrays["x_test"].astype(np.float64))  # whole numbers: still lossless
    dataset = data.load_npz(path)
    assert {a.dtype for a in (dataset.x_train, dataset.y_train, dataset.x_test)} == {np.dtype(np.uint8)}
    np.testing.assert_array_equal(dataset.x_train, arrays["x_train"])
    np.testing.assert_array_equal(dataset.x_test, arrays["x_test"])


# --------------------------------------------------------------------------------------------
# load_npz: bad files (each message names the file and the problem)
# --------------------------------------------------------------------------------------------


def test_npz_missing_file(tmp_path):
    path = tmp_path / "nowhere.npz"
    data_error(data.load_npz, path, naming=path, says=("not found",))


def test_npz_not_a_zip(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("these are not the digits you are looking for")
    data_error(data.load_npz, path, naming=path, says=("not a zip/npz archive",))


def test_npz_single_npy_array_is_explained(tmp_path):
    path = tmp_path / "x.npz"
    np.save(path.with_suffix(".npy"), np.zeros(3))
    path.with_suffix(".npy").rename(path)
    data_error(data.load_npz, path, naming=path, says=("not a zip/npz archive", ".npy"))


def test_npz_folder_instead_of_file(tmp_path):
    data_error(data.load_npz, tmp_path, naming=tmp_path, says=("folder",))


def test_npz_truncated(tmp_path):
    good = npz_bytes(**make_arrays())
    path = tmp_path / "cut.npz"
    path.write_bytes(good[: len(good) // 2])
    data_error(data.load_npz, path, naming=path, says=("corrupt or truncated",))


def test_npz_corrupt_member_fails_its_checksum(tmp_path):
    path = tmp_path / "flipped.npz"
    buffer = io.BytesIO()
    np.savez(buffer, **make_arrays())  # stored, not deflated: the pixels are visible in the file
    raw = bytearray(buffer.getvalue())
    at = raw.find(make_arrays()["x_train"].tobytes()[:64])
    assert at > 0
    raw[at + 10] ^= 0xFF
    path.write_bytes(bytes(raw))
    data_error(data.load_npz, path, naming=path, says=("x_train", "corrupt or truncated"))


def test_npz_missing_keys_are_named(tmp_path):
    path = write_npz(tmp_path / "partial.npz", drop=("y_test", "x_test"))
    message = data_error(data.load_npz, path, naming=path, says=("missing", "x_test, y_test"))
    assert "y_train," not in message.split("holds")[0]


def test_npz_object_arrays_are_refused_not_unpickled(tmp_path):
    path = tmp_path / "pickled.npz"
    arrays = {**make_arrays(), "y_train": np.array([{"evil": 1}] * 6, dtype=object)}
    np.savez(path, **arrays)
    data_error(data.load_npz, path, naming=path, says=("y_train", "python objects"))


@pytest.mark.parametrize("key, value, says", [
    ("x_train", np.zeros((6, 28, 27), np.uint8), ("x_train", "(6, 28, 27)", "(N, 28, 28)")),
    ("x_test", np.zeros((4, 784), np.uint8), ("x_test", "(4, 784)", "(N, 28, 28)")),
    ("y_train", np.zeros((6, 1), np.uint8), ("y_train", "(6, 1)", "(N,)")),
])
def test_npz_wrong_shapes(tmp_path, key, value, says):
    path = write_npz(tmp_path / "shape.npz", **{key: value})
    data_error(data.load_npz, path, naming=path, says=says)


@pytest.mark.parametrize("value, says", [
    (np.full((6, 28, 28), 0.5, np.float32), ("x_train", "fractional", "whole numbers")),
    (np.full((6, 28, 28), 300, np.int16), ("x_train", "300", "0-255")),
    (np.full((6, 28, 28), -1, np.int32), ("x_train", "-1", "0-255")),
    (np.full((6, 28, 28), np.nan, np.float32), ("x_train", "0-255")),
    (np.ones((6, 28, 28), bool), ("x_train", "bool", "uint8")),
])
def test_npz_images_that_are_not_lossless_uint8(tmp_path, value, says):
    path = write_npz(tmp_path / "pixels.npz", x_train=value)
    data_error(data.load_npz, path, naming=path, says=says)


def test_npz_labels_must_be_integers(tmp_path):
    path = write_npz(tmp_path / "labels.npz", y_test=np.zeros(4, np.float32))
    data_error(data.load_npz, path, naming=path, says=("y_test", "float32", "integers"))


@pytest.mark.parametrize("labels", [np.array([0, 1, 2, 10, 4, 5], np.uint8),
                                    np.array([0, 1, -1, 3, 4, 5], np.int8)])
def test_npz_labels_outside_0_to_9(tmp_path, labels):
    path = write_npz(tmp_path / "labels.npz", y_train=labels)
    data_error(data.load_npz, path, naming=path, says=("y_train", "0-9"))


def test_npz_image_label_count_mismatch(tmp_path):
    path = write_npz(tmp_path / "count.npz", y_test=np.zeros(3, np.uint8))
    data_error(data.load_npz, path, naming=path, says=("x_test has 4 images", "y_test has 3 labels"))


def test_npz_empty_split(tmp_path):
    path = write_npz(tmp_path / "empty.npz", x_test=np.zeros((0, 28, 28), np.uint8),
                     y_test=np.zeros(0, np.uint8))
    data_error(data.load_npz, path, naming=path, says=("x_test", "empty"))


def test_npz_with_only_test_images_loads_for_scoring(tmp_path):
    # The "my digits" collection is saved this way: nothing to train on, something to score.
    path = write_npz(tmp_path / "mine.npz", x_train=np.zeros((0, 28, 28), np.uint8),
                     y_train=np.zeros(0, np.uint8))
    loaded = data.load_npz(path)
    assert loaded.sizes["train"] == 0 and loaded.sizes["test"] > 0


# --------------------------------------------------------------------------------------------
# IDX files and folders
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_read_idx_raw_and_gzipped(tmp_path, name):
    images = make_arrays()["x_train"]
    array = data.read_idx(write_idx(tmp_path / name, images))
    assert array.dtype == np.uint8
    np.testing.assert_array_equal(array, images)


def test_read_idx_wider_types_come_back_native_endian(tmp_path):
    values = np.array([[1, -2], [300, 4]], np.int32)
    array = data.read_idx(write_idx(tmp_path / "ints-idx2-int", values, type_code=0x0C))
    assert array.dtype == np.dtype("=i4")
    np.testing.assert_array_equal(array, values)


@pytest.mark.parametrize("gz, dotted", [(True, False), (False, False), (False, True), (True, True)])
def test_load_idx_folder_both_compressions_and_spellings(tmp_path, gz, dotted):
    arrays = make_arrays()
    folder = write_idx_folder(tmp_path / "idx", arrays, gz=gz, dotted=dotted)
    dataset = data.load_idx_folder(folder)
    for key, expected in arrays.items():
        np.testing.assert_array_equal(getattr(dataset, key), expected)
        assert getattr(dataset, key).dtype == np.uint8
    assert dataset.source == str(folder)


def test_idx_folder_missing_file_is_named(tmp_path):
    folder = write_idx_folder(tmp_path / "idx")
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    data_error(data.load_idx_folder, folder, naming=folder,
               says=("missing", "t10k-labels-idx1-ubyte"))


def test_idx_folder_that_does_not_exist(tmp_path):
    folder = tmp_path / "nothing-here"
    data_error(data.load_idx_folder, folder, naming=folder, says=("not found",))


def test_idx_wrong_magic_number(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"\x12\x34\x08\x03" + bytes(100))
    data_error(data.read_idx, path, naming=path, says=("wrong magic number", "0x12340803"))


def test_idx_unknown_type_code(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(b"\x00\x00\x07\x01" + struct.pack(">I", 2) + bytes(2))
    data_error(data.read_idx, path, naming=path, says=("wrong magic number",))


def test_idx_truncated_header(tmp_path):
    path = tmp_path / "short-idx3-ubyte"
    path.write_bytes(b"\x00\x00\x08\x03" + struct.pack(">I", 5))
    data_error(data.read_idx, path, naming=path, says=("truncated", "header"))


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_idx_truncated_data(tmp_path, name):
    images = make_arrays()["x_train"]
    path = write_idx(tmp_path / name, images, shape=(7, 28, 28))  # one image more than present
    data_error(data.read_idx, path, naming=path,
               says=("truncated", "7 x 28 x 28", str(7 * 784), str(6 * 784)))


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_idx_more_data_than_the_header_says(tmp_path, name):
    images = make_arrays()["x_train"]
    path = write_idx(tmp_path / name, images, shape=(5, 28, 28))
    data_error(data.read_idx, path, naming=path, says=("do not match the file's size", "5 x 28 x 28"))


@pytest.mark.parametrize("name", ["huge-idx3-ubyte", "huge-idx3-ubyte.gz"])
def test_idx_billion_image_header_fails_fast_without_allocating(tmp_path, name):
    path = write_idx(tmp_path / name, np.zeros((2, 28, 28), np.uint8), shape=(1_000_000_000, 28, 28))
    tracemalloc.start()
    try:
        data_error(data.read_idx, path, naming=path, says=("truncated", "1000000000 x 28 x 28"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000  # 784 GB claimed; far less than a megabyte or two touched


def test_idx_gz_that_is_not_gzip(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(idx_bytes(make_arrays()["x_train"]))  # raw bytes under a .gz name
    data_error(data.read_idx, path, naming=path, says=("corrupt or truncated gzip",))


def test_idx_gzip_stream_cut_short(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    whole = gzip.compress(idx_bytes(make_arrays()["x_train"]))
    path.write_bytes(whole[: len(whole) // 2])
    data_error(data.read_idx, path, naming=path, says=("corrupt or truncated gzip",))


def test_idx_folder_count_mismatch_names_both_files(tmp_path):
    arrays = make_arrays()
    folder = write_idx_folder(tmp_path / "idx", arrays)
    write_idx(folder / "train-labels-idx1-ubyte.gz", arrays["y_train"][:5])
    data_error(data.load_idx_folder, folder, naming=folder,
               says=("train-images-idx3-ubyte.gz has 6 images", "train-labels-idx1-ubyte.gz has 5"))


def test_idx_folder_labels_out_of_range(tmp_path):
    arrays = {**make_arrays(), "y_test": np.array([1, 2, 11, 3], np.uint8)}
    folder = write_idx_folder(tmp_path / "idx", arrays)
    data_error(data.load_idx_folder, folder, naming=folder,
               says=("t10k-labels-idx1-ubyte.gz", "0-9"))


# --------------------------------------------------------------------------------------------
# load_path, load_dataset and default_source_description
# --------------------------------------------------------------------------------------------


def test_load_path_dispatches_on_file_or_folder(tmp_path):
    assert data.load_path(write_npz(tmp_path / "m.npz")).sizes == {"train": 6, "test": 4}
    assert data.load_path(write_idx_folder(tmp_path / "idx")).sizes == {"train": 6, "test": 4}
    missing = tmp_path / "gone"
    data_error(data.load_path, missing, naming=missing, says=("not found",))


@pytest.fixture
def keras_spy(monkeypatch):
    """Replace load_keras with a recorder returning a recognisable data set."""
    calls = []

    def fake_load_keras(cache_dir=None):
        calls.append(cache_dir)
        return Dataset(**make_arrays(n_train=1, n_test=1), source="fake keras")

    monkeypatch.setattr(data, "load_keras", fake_load_keras)
    return calls


def test_explicit_path_beats_env_var(tmp_path, monkeypatch, keras_spy):
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path / "does-not-exist.npz"))
    explicit = write_npz(tmp_path / "explicit.npz")
    assert data.load_dataset(explicit).source == str(explicit)
    assert data.default_source_description(explicit) == str(explicit)
    assert keras_spy == []


def test_env_var_beats_keras(tmp_path, monkeypatch, keras_spy):
    folder = write_idx_folder(tmp_path / "idx")
    monkeypatch.setenv(DATA_ENV_VAR, str(folder))
    assert data.load_dataset().source == str(folder)
    assert data.default_source_description() == f"{folder} (from {DATA_ENV_VAR})"
    assert keras_spy == []


def test_keras_is_the_last_resort(tmp_path, monkeypatch, keras_spy):
    monkeypatch.delenv(DATA_ENV_VAR, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    assert data.load_dataset().source == "fake keras"
    assert data.load_dataset("").source == "fake keras"
    assert keras_spy == [None, None]
    cache = tmp_path / "kh" / "datasets" / "mnist.npz"
    assert data.keras_cache_path() == cache
    assert data.default_source_description().endswith(", not downloaded yet)")
    assert shown_path(data.default_source_description()) == cache
    cache.parent.mkdir(parents=True)
    write_npz(cache)
    assert data.default_source_description().endswith(", cached)")


def test_bad_env_var_path_says_where_it_came_from(tmp_path, monkeypatch, keras_spy):
    missing = tmp_path / "typo.npz"
    monkeypatch.setenv(DATA_ENV_VAR, str(missing))
    data_error(data.load_dataset, naming=missing, says=("not found", DATA_ENV_VAR))
    assert keras_spy == []


# --------------------------------------------------------------------------------------------
# The Keras download, with the network faked
# --------------------------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    """Make every real socket connection fail, and record attempts (there must be none)."""
    attempts = []

    def refuse(sock, address, *args):
        attempts.append(address)
        raise OSError(f"test forbids network access (to {address})")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


@pytest.fixture
def fake_fetch(monkeypatch, no_network):
    """Stand in for the function keras.utils.get_file downloads with; records its calls.

    By default it "downloads" a small valid npz (and the expected hash is set to that file's);
    set ``fake_fetch.error`` to make it fail as an offline machine would.
    """
    file_utils = pytest.importorskip("keras.src.utils.file_utils")
    import keras

    assert keras.utils.get_file is file_utils.get_file  # so patching its module takes effect
    payload = npz_bytes(**make_arrays(n_train=3, n_test=2, seed=7))
    monkeypatch.setattr(data, "KERAS_MNIST_SHA256", hashlib.sha256(payload).hexdigest())

    class Fetch:
        def __init__(self):
            self.calls: list[str] = []
            self.error: Exception | None = None

        def __call__(self, url, filename, reporthook=None):
            self.calls.append(url)
            if self.error is not None:
                raise self.error
            Path(filename).write_bytes(payload)
            return filename, None

    fetch = Fetch()
    monkeypatch.setattr(file_utils, "urlretrieve", fetch)
    return fetch


def test_keras_download_once_then_cache(tmp_path, fake_fetch, no_network, capsys):
    cache_dir = tmp_path / "keras-cache"  # does not exist yet: load_keras creates it
    first = data.load_keras(cache_dir=cache_dir)
    assert first.sizes == {"train": 3, "test": 2}
    assert first.x_train.dtype == np.uint8
    assert fake_fetch.calls == [data.KERAS_MNIST_ORIGIN]
    cached = cache_dir / "datasets" / "mnist.npz"
    assert cached.is_file()
    assert shown_path(first.source) == cached
    assert data.keras_cache_path(cache_dir) == cached
    assert capsys.readouterr().out == ""  # Keras's download chatter goes to stderr

    second = data.load_keras(cache_dir=cache_dir)
    assert len(fake_fetch.calls) == 1  # served from the cache
    np.testing.assert_array_equal(second.x_test, first.x_test)
    assert no_network == []


def test_keras_download_failure_gives_local_file_advice(tmp_path, fake_fetch, no_network):
    fake_fetch.error = urllib.error.URLError("Temporary failure in name resolution")
    message = data_error(data.load_keras, tmp_path / "cache", naming=data.KERAS_MNIST_ORIGIN,
                         says=("downloading mnist", "failed", "name resolution",
                               "point the program at a local file", "--data PATH", DATA_ENV_VAR,
                               "x_train, y_train, x_test, y_test", "t10k-images-idx3-ubyte"))
    assert "Traceback" not in message
    assert not (tmp_path / "cache" / "datasets" / "mnist.npz").exists()
    assert no_network == []


def test_keras_download_with_wrong_hash_is_a_data_error(tmp_path, fake_fetch, monkeypatch):
    monkeypatch.setattr(data, "KERAS_MNIST_SHA256", "0" * 64)
    data_error(data.load_keras, tmp_path / "cache", naming=data.KERAS_MNIST_ORIGIN,
               says=("failed", "hash"))


# --------------------------------------------------------------------------------------------
# The real MNIST file
# --------------------------------------------------------------------------------------------


@pytest.mark.real_data
def test_real_file_has_the_documented_layout(mnist, mnist_path):
    assert mnist.x_train.shape == (60000, 28, 28) and mnist.y_train.shape == (60000,)
    assert mnist.x_test.shape == (10000, 28, 28) and mnist.y_test.shape == (10000,)
    for array in (mnist.x_train, mnist.y_train, mnist.x_test, mnist.y_test):
        assert array.dtype == np.uint8
    assert mnist.source == str(mnist_path)
    assert set(np.unique(mnist.y_train)) == set(range(10))


@pytest.mark.real_data
def test_real_file_matches_the_published_hashes_and_mean(mnist):
    assert hashlib.sha256(mnist.x_test.tobytes()).hexdigest().startswith("6d87418db22cc802")
    assert hashlib.sha256(mnist.y_test.tobytes()).hexdigest().startswith("ddeff807876a9661")
    assert mnist.x_train.mean() == pytest.approx(33.318, abs=0.001)


@pytest.mark.real_data
def test_real_file_through_load_dataset_and_model_input(mnist_path, monkeypatch):
    monkeypatch.setenv(DATA_ENV_VAR, str(mnist_path))
    dataset = data.load_dataset().limit_test(100)
    x = data.to_model_input(dataset.x_test)
    assert x.shape == (100, 28, 28, 1) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
