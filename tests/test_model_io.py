"""Model files: building, atomic saving, safe loading (Lambda refused, its code never runs),
shape checks and clear messages for bad files."""

import os

import numpy as np
import pytest

from core.errors import ModelFileError
from core.model_io import build_model, check_model, load_model, predict_probabilities, save_model
from core.spec import small_cnn


@pytest.fixture(scope="module")
def model():
    return build_model(small_cnn())


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_save_and_load_round_trip(model, images, tmp_path, suffix):
    path = save_model(model, tmp_path / f"net{suffix}")
    loaded = load_model(path)
    assert loaded.input_shape == (28, 28, 1) and loaded.parameter_count == model.count_params()
    np.testing.assert_allclose(predict_probabilities(loaded.model, images),
                               predict_probabilities(model, images), atol=1e-6)
    assert [p.name for p in tmp_path.iterdir()] == [f"net{suffix}"]  # no temporary file left


def test_failed_save_leaves_the_old_file_untouched(model, tmp_path, monkeypatch):
    path = save_model(model, tmp_path / "good.h5")
    before = path.read_bytes()

    def disk_full(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as handle:
            handle.write(b"half a model")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(type(model), "save", disk_full)
    with pytest.raises(ModelFileError, match="No space left on device.*unchanged"):
        save_model(model, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["good.h5"]


def test_save_needs_a_model_suffix_and_an_existing_folder(model, tmp_path):
    with pytest.raises(ModelFileError, match=r"\.h5.*\.keras"):
        save_model(model, tmp_path / "net.txt")
    with pytest.raises(ModelFileError, match="does not exist"):
        save_model(model, tmp_path / "missing" / "net.h5")


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_lambda_layer_is_refused_and_its_code_never_runs(tmp_path, suffix):
    import keras

    marker = tmp_path / "code_ran"
    marker_name = str(marker)
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Lambda(lambda t: (open(marker_name, "w").write("pwned"), t)[1])(inputs)
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(x)))
    marker.unlink(missing_ok=True)  # building the model ran the lambda once; only loading counts
    path = tmp_path / f"evil{suffix}"
    model.save(path)
    marker.unlink(missing_ok=True)
    with pytest.raises(ModelFileError, match="Refused to load .*evil.*Lambda"):
        load_model(path)
    assert not marker.exists()


def test_flat_input_model_is_adapted(tmp_path, images):
    import keras

    flat = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])
    loaded = load_model(save_model(flat, tmp_path / "flat.h5"))
    assert loaded.input_shape == (784,)
    expected = flat(images.reshape(5, 784).astype("float32") / 255.0).numpy()
    np.testing.assert_allclose(predict_probabilities(loaded.model, images), expected, atol=1e-6)


def test_wrong_shapes_are_explained(tmp_path):
    import keras

    three_classes = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(3)])
    with pytest.raises(ModelFileError, match="output has shape 3.*10 class scores"):
        load_model(save_model(three_classes, tmp_path / "three.h5"))
    colour = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten(), keras.layers.Dense(10)])
    with pytest.raises(ModelFileError, match="32x32x3.*28x28 grey image"):
        check_model(colour)


def test_bad_files_get_clear_messages(model, tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        load_model(tmp_path / "nope.h5")
    empty = tmp_path / "empty.h5"
    empty.write_bytes(b"")
    with pytest.raises(ModelFileError, match="empty.h5.*empty"):
        load_model(empty)
    text = tmp_path / "notes.h5"
    text.write_text("hello")
    with pytest.raises(ModelFileError, match="notes.h5.*not a Keras model file"):
        load_model(text)
    with pytest.raises(ModelFileError, match="folder"):
        load_model(tmp_path)
    good = save_model(model, tmp_path / "good.h5")
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(good.read_bytes()[: os.path.getsize(good) // 3])
    with pytest.raises(ModelFileError, match="truncated.h5"):
        load_model(truncated)
    weights = tmp_path / "only.weights.h5"
    model.save_weights(weights)
    with pytest.raises(ModelFileError, match="holds no Keras model"):
        load_model(weights)
