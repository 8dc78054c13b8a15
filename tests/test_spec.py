"""The network spec: the tutorial's CNN exactly, shapes and parameters without TensorFlow,
impossible networks explained, JSON round trip."""

import pytest

from core.errors import SpecError
from core.spec import (ModelSpec, PRESETS, TrainingSettings, conv2d, dense, describe, dropout, flatten,
                       maxpool2d, parameter_count, tutorial_cnn)


def test_tutorial_cnn_is_the_tutorials_network():
    spec = tutorial_cnn()
    assert [layer.summary() for layer in spec.layers] == [
        "Conv2D 32 5x5 relu", "MaxPool 2x2", "Conv2D 64 5x5 relu", "MaxPool 2x2", "Flatten",
        "Dense 1024 relu", "Dropout 0.2"]
    assert spec.training.optimizer == "adam" and spec.training.learning_rate == 1e-3
    shapes = [info.output_shape for info in describe(spec)]
    assert shapes == [(24, 24, 32), (12, 12, 32), (8, 8, 64), (4, 4, 64), (1024,), (1024,), (1024,), (10,)]


def test_parameter_count_matches_keras():
    from core.model_io import build_model

    for spec in PRESETS.values():
        assert parameter_count(spec) == build_model(spec).count_params(), spec.name
    assert parameter_count(tutorial_cnn()) == 1_111_946


@pytest.mark.parametrize("layers, expected", [
    ((conv2d(32, 5), maxpool2d(2), conv2d(64, 5), maxpool2d(2), conv2d(8, 5), flatten()),
     "Layer 5 (Conv2D 8 5x5 relu): its 5x5 kernel is larger than the 4x4 feature map"),
    ((flatten(), dense(0)), "Layer 2 (Dense 0 relu): the number of units must be a whole number of at least 1"),
    ((flatten(), dense(10), dropout(1.5)), "Layer 3 (Dropout 1.5): the dropout rate must be"),
    ((conv2d(4, 3),), "add a Flatten layer"),
    ((dense(10),), "Layer 1 (Dense 10 relu): a dense layer needs a flat input"),
    ((flatten(), conv2d(4, 3)), "Layer 2 (Conv2D 4 3x3 relu): needs an image-shaped input"),
])
def test_impossible_network_is_explained(layers, expected):
    with pytest.raises(SpecError) as error:
        describe(ModelSpec("Broken", layers))
    assert expected in str(error.value)


def test_bad_training_settings_are_explained():
    with pytest.raises(SpecError, match="learning rate"):
        describe(tutorial_cnn().with_training(learning_rate=0))
    with pytest.raises(SpecError, match="batch size"):
        describe(tutorial_cnn().with_training(batch_size=0))
    with pytest.raises(SpecError, match="validation split"):
        describe(tutorial_cnn().with_training(validation_split=1.0))


def test_json_round_trip():
    spec = ModelSpec("Mine", (conv2d(16, 3, padding="same"), flatten(), dense(64, "tanh")),
                     TrainingSettings(batch_size=128, epochs=5, augmentation=True))
    again = ModelSpec.from_json(spec.to_json())
    assert again == spec
    assert describe(again) == describe(spec)


def test_malformed_json_is_a_spec_error():
    with pytest.raises(SpecError, match="not valid JSON"):
        ModelSpec.from_json("{nope")
    with pytest.raises(SpecError, match="malformed"):
        ModelSpec.from_dict({"layers": [{"filters": 3}]})
