"""core.my_digits: the user's own digits on disk, in MNIST's npz layout, written atomically."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from core import my_digits
from core.errors import DataError


def digit(value: int) -> np.ndarray:
    image = np.zeros((28, 28), np.uint8)
    image[4:24, 12:16] = value
    return image


def test_a_missing_file_is_an_empty_collection(tmp_path):
    images, labels = my_digits.load(tmp_path / "none.npz")
    assert images.shape == (0, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (0,) and labels.dtype == np.uint8
    assert my_digits.count(tmp_path / "none.npz") == 0


def test_append_then_load(tmp_path):
    path = tmp_path / "sub" / "folder" / "my_digits.npz"  # folders are created
    assert my_digits.append(digit(200), 1, path) == 1
    assert my_digits.append(digit(100), 7, path) == 2
    images, labels = my_digits.load(path)
    np.testing.assert_array_equal(images, np.stack([digit(200), digit(100)]))
    np.testing.assert_array_equal(labels, [1, 7])
    assert [p.name for p in path.parent.iterdir()] == ["my_digits.npz"]  # no temporary file left


def test_the_file_has_mnist_keys_with_an_empty_training_split(tmp_path):
    path = tmp_path / "my_digits.npz"
    my_digits.append(digit(255), 3, path)
    with np.load(path, allow_pickle=False) as npz:
        assert set(npz.files) == {"x_train", "y_train", "x_test", "y_test"}
        assert npz["x_test"].shape == (1, 28, 28) and npz["x_test"].dtype == np.uint8
        assert npz["y_test"].tolist() == [3] and npz["y_test"].dtype == np.uint8
        assert npz["x_train"].shape == (0, 28, 28) and npz["y_train"].shape == (0,)


def test_core_data_reads_it_for_evaluate(tmp_path):
    """``main.py evaluate --data my_digits.npz`` goes through core.data.load_npz."""
    from core.data import load_npz

    path = tmp_path / "my_digits.npz"
    my_digits.append(digit(255), 3, path)
    my_digits.append(digit(128), 4, path)
    dataset = load_npz(path)
    assert dataset.sizes == {"train": 0, "test": 2}
    np.testing.assert_array_equal(dataset.y_test, [3, 4])


def test_bad_digits_and_labels_are_refused(tmp_path):
    path = tmp_path / "my_digits.npz"
    for bad in (np.zeros((28, 28), np.float32), np.zeros((20, 20), np.uint8)):
        with pytest.raises(DataError, match="uint8 28x28"):
            my_digits.append(bad, 1, path)
    for label in (-1, 10, 2.5, True, "3"):
        with pytest.raises(DataError, match="0-9"):
            my_digits.append(digit(1), label, path)
    assert not path.exists()


def test_an_unreadable_file_is_reported_and_never_overwritten(tmp_path):
    path = tmp_path / "my_digits.npz"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(DataError, match=str(path).replace("\\", "\\\\")):
        my_digits.load(path)
    with pytest.raises(DataError):
        my_digits.append(digit(9), 9, path)
    assert path.read_bytes() == b"not a zip at all"

    np.savez(path, something=np.zeros(3))  # a zip, but not a collection
    with pytest.raises(DataError, match="x_test"):
        my_digits.load(path)


def test_remove(tmp_path):
    path = tmp_path / "my_digits.npz"
    for label in (0, 1, 2, 3):
        my_digits.append(digit(50 + label), label, path)
    assert my_digits.remove([1, -1], path) == 2
    assert my_digits.load(path)[1].tolist() == [0, 2]
    with pytest.raises(DataError, match="no digit number 5"):
        my_digits.remove(5, path)
    assert my_digits.remove([0, 1], path) == 0  # every digit removed: an empty collection, still readable
    images, labels = my_digits.load(path)
    assert images.shape == (0, 28, 28) and labels.shape == (0,) and path.exists()


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "my_digits.npz"
    my_digits.append(digit(10), 1, path)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(my_digits.os, "replace", broken_replace)
    with pytest.raises(DataError, match="No space left"):
        my_digits.append(digit(20), 2, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["my_digits.npz"]


def test_default_path(monkeypatch, tmp_path):
    monkeypatch.delenv(my_digits.ENV_VAR, raising=False)
    if os.name == "posix" and not my_digits.sys.platform == "darwin":
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
        assert my_digits.default_path() == tmp_path / "data" / "mnist-cnn-studio" / "my_digits.npz"
        monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
        assert my_digits.default_path() == Path.home() / ".local" / "share" / "mnist-cnn-studio" / "my_digits.npz"
    monkeypatch.setenv(my_digits.ENV_VAR, str(tmp_path / "mine.npz"))
    assert my_digits.default_path() == tmp_path / "mine.npz"
    my_digits.append(digit(1), 5)  # no path: the default
    assert my_digits.count() == 1
