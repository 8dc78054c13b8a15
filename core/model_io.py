"""Keras models from specs, and model files: atomic saving, safe and checked loading.

Loading never runs code from a file: Keras's safe mode stays on, and before Keras even reads a
file its stored architecture is scanned and any ``Lambda`` layer (which holds Python bytecode) is
refused. A loaded model must read a 28x28 grey image and give 10 class scores; models that take
28x28 or 784 inputs are adapted by reshaping the input, since that loses nothing.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ModelFileError
from core.spec import INPUT_SHAPE, NUM_CLASSES, ModelSpec, validate

MODEL_SUFFIXES = (".h5", ".keras")
DEFAULT_SUFFIX = ".h5"  # the tutorial's format
SHIPPED_MODEL = Path(__file__).resolve().parent.parent / "models" / "mnist_cnn.h5"

_H5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _new_file_mode() -> int:
    """The permissions an ordinary new file gets (0o666 less the umask): temporary files are
    created private, and a saved model should not stay so."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_NEW_FILE_MODE = _new_file_mode()


def _keras():
    import keras  # imported here: TensorFlow takes seconds to import and only some callers need it

    return keras


# ---------------------------------------------------------------------------------------------
# Building


def build_model(spec: ModelSpec, precision: str = "float32", learning_rate=None):
    """A compiled Keras model for ``spec`` (validated first), with the tutorial's loss and metric.

    ``precision`` is a Keras dtype policy name for the hidden layers (``"float32"``,
    ``"mixed_bfloat16"`` or ``"mixed_float16"``); it is set on each layer rather than globally, so
    nothing leaks into the next model built. ``learning_rate`` (a number or a Keras schedule)
    overrides the spec's.
    """
    validate(spec)
    keras = _keras()
    layers = keras.layers
    dtype = None if precision == "float32" else precision  # float32 models keep their usual config
    model_layers: list[Any] = [keras.Input(shape=INPUT_SHAPE, name="image")]
    for layer in spec.layers:
        if layer.kind == "conv2d":
            k = layer.setting("kernel_size")
            model_layers.append(layers.Conv2D(layer.setting("filters"), (k, k),
                                              activation=layer.setting("activation"),
                                              padding=layer.setting("padding"), dtype=dtype))
        elif layer.kind == "maxpool2d":
            p = layer.setting("pool_size")
            model_layers.append(layers.MaxPooling2D((p, p), dtype=dtype))
        elif layer.kind == "flatten":
            model_layers.append(layers.Flatten(dtype=dtype))
        elif layer.kind == "dense":
            model_layers.append(layers.Dense(layer.setting("units"), activation=layer.setting("activation"),
                                             dtype=dtype))
        elif layer.kind == "dropout":
            model_layers.append(layers.Dropout(layer.setting("rate"), dtype=dtype))
    # The output stays float32 whatever the compute precision, so softmax and the loss are stable.
    model_layers.append(layers.Dense(NUM_CLASSES, activation="softmax", dtype="float32", name="digit"))
    model = keras.Sequential(model_layers, name=_keras_name(spec.name))
    compile_model(model, spec, learning_rate, loss_scaling=precision == "mixed_float16")
    return model


def compile_model(model, spec: ModelSpec, learning_rate=None, loss_scaling: bool = False) -> None:
    """Compile with the spec's optimizer at ``learning_rate`` (default: the spec's). With
    ``loss_scaling`` (for float16 compute) the optimizer scales the loss dynamically so that small
    gradients do not underflow; Keras does that by itself only for a model-wide float16 policy."""
    keras = _keras()
    settings = spec.training
    optimizers = {
        "adam": keras.optimizers.Adam,
        "sgd": keras.optimizers.SGD,
        "rmsprop": keras.optimizers.RMSprop,
        "adamw": keras.optimizers.AdamW,
    }
    rate = settings.learning_rate if learning_rate is None else learning_rate
    optimizer = optimizers[settings.optimizer](learning_rate=rate)
    if loss_scaling:
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])


def is_float32(model) -> bool:
    """Whether every layer of ``model`` (nested models' included) computes in float32."""
    for layer in getattr(model, "layers", ()):
        if getattr(layer, "compute_dtype", "float32") not in ("float32", None) or not is_float32(layer):
            return False
    return True


def as_float32(model):
    """``model`` with every layer computing in float32 and the same weights.

    A mixed-precision model keeps its weights in float32 already, so this is a copy of the
    architecture with the float32 policy plus those weights: what fast (bfloat16/float16)
    training hands back, saves and loads is an ordinary float32 model that predicts the same way
    on every processor. Returns ``model`` itself when it is float32 already; the copy is
    uncompiled.
    """
    if is_float32(model):
        return model
    keras = _keras()

    def float32_layer(layer):
        config = layer.get_config()
        config["dtype"] = "float32"
        return layer.__class__.from_config(config)

    twin = keras.models.clone_model(model, clone_function=float32_layer)
    twin.set_weights(model.get_weights())
    return twin


def _keras_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_")
    return cleaned or "model"


# ---------------------------------------------------------------------------------------------
# Saving


def check_model_path(path: str | os.PathLike) -> Path:
    """``path`` as a Path with a suffix Keras can write, or a ModelFileError saying what to use."""
    path = Path(path)
    if path.suffix.lower() not in MODEL_SUFFIXES:
        raise ModelFileError(f"Cannot save a model as '{path}': use a name ending in .h5 (the tutorial's "
                             "format) or .keras.")
    return path


def save_model(model, path: str | os.PathLike) -> Path:
    """Save ``model`` to ``path`` (.h5 or .keras) atomically, without optimizer state.

    The model is written to a temporary file in the same folder and renamed over ``path`` only
    once complete, so a crash or a full disk never leaves a half-written file over a good one.
    """
    path = check_model_path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ModelFileError(f"Cannot save '{path}': the folder '{folder}' does not exist.")
    # Keras picks the format from the suffix, so the temporary file keeps it.
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".partial{path.suffix}", dir=folder)
    os.close(handle)
    temp = Path(temp_name)
    try:
        if path.suffix.lower() == ".h5":
            model.save(temp, include_optimizer=False)
        else:
            # .keras keeps its optimizer only if compiled with one; strip it for a smaller file.
            model.save(temp)
        with open(temp, "rb") as written:
            os.fsync(written.fileno())
        os.chmod(temp, path.stat().st_mode & 0o777 if path.exists() else _NEW_FILE_MODE)
        os.replace(temp, path)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise ModelFileError(f"Could not save the model to '{path}': {error.strerror or error}. "
                             "Any earlier file there is unchanged.") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path


# ---------------------------------------------------------------------------------------------
# Loading


@dataclass
class LoadedModel:
    """A model read from a file and checked, ready to classify 28x28x1 float images."""

    model: Any               # a keras.Model taking (N, 28, 28, 1) float32 in [0, 1]
    path: Path | None
    name: str
    input_shape: tuple       # the shape the file's model itself takes, e.g. (28, 28, 1) or (784,)
    parameter_count: int

    def describe(self) -> str:
        shape = "x".join(str(d) for d in self.input_shape)
        return f"{self.name}: input {shape}, {self.parameter_count:,} parameters"


def _stored_config(path: Path) -> dict | None:
    """The architecture stored in a .h5 or .keras file, read as JSON without Keras."""
    with open(path, "rb") as handle:
        signature = handle.read(8)
    if signature == _H5_SIGNATURE:
        import h5py

        with h5py.File(path, "r") as h5:
            raw = h5.attrs.get("model_config")
            if raw is None:
                raise ModelFileError(f"'{path}' is an HDF5 file but holds no Keras model (only weights, "
                                     "or another program's data). Save the whole model with model.save().")
            return json.loads(raw.decode() if isinstance(raw, bytes) else raw)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            if "config.json" not in archive.namelist():
                raise ModelFileError(f"'{path}' is a zip archive but not a Keras model (no config.json).")
            return json.loads(archive.read("config.json"))
    raise ModelFileError(f"'{path}' is not a Keras model file (expected a .h5 or .keras file).")


def _find_lambda_layers(config: Any) -> list[str]:
    """Names of any Lambda layers anywhere in a stored architecture (nested models included)."""
    found: list[str] = []
    if isinstance(config, dict):
        if config.get("class_name") == "Lambda":
            found.append(str(config.get("config", {}).get("name", "lambda")))
        for value in config.values():
            found.extend(_find_lambda_layers(value))
    elif isinstance(config, list):
        for value in config:
            found.extend(_find_lambda_layers(value))
    return found


def _refusal(path: Path, what: str) -> ModelFileError:
    return ModelFileError(f"Refused to load '{path}': {what}. Loading it could run code hidden in the "
                          "file, so it was not loaded. Use a model saved without Lambda layers.")


def load_model(path: str | os.PathLike) -> LoadedModel:
    """Load and check a .h5 or .keras model; every problem becomes a ModelFileError naming the file."""
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"Model file '{path}' does not exist.")
    if path.is_dir():
        raise ModelFileError(f"'{path}' is a folder, not a model file (.h5 or .keras).")
    if path.stat().st_size == 0:
        raise ModelFileError(f"Model file '{path}' is empty (0 bytes).")
    try:
        config = _stored_config(path)
    except ModelFileError:
        raise
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise ModelFileError(f"'{path}' is damaged or truncated and cannot be read ({_first_line(error)}).") from None
    lambdas = _find_lambda_layers(config)
    if lambdas:
        raise _refusal(path, f"it contains a Lambda layer ({', '.join(lambdas)}) that holds Python code")

    keras = _keras()
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many types for bad files; each becomes one message
        text = _first_line(error)
        if "safe_mode" in str(error) or "arbitrary code" in str(error):
            raise _refusal(path, "it would deserialize Python code") from None
        raise ModelFileError(f"'{path}' could not be loaded as a Keras model: {text}") from None
    try:
        model = as_float32(model)  # a model saved with a mixed-precision policy predicts in float32 here
    except Exception:  # an architecture that cannot be copied this way keeps its own policy
        pass
    return check_model(model, path)


def check_model(model, path: Path | None = None) -> LoadedModel:
    """Check that ``model`` reads a 28x28 grey image and gives 10 scores; adapt 28x28 or 784 inputs."""
    label = f"'{path}'" if path else "The model"
    keras = _keras()
    try:
        input_shape = tuple(model.inputs[0].shape[1:]) if getattr(model, "inputs", None) else None
        output_shape = tuple(model.outputs[0].shape[1:])
    except (AttributeError, IndexError, ValueError):
        raise ModelFileError(f"{label} does not hold a model with one input and one output.") from None
    if output_shape != (NUM_CLASSES,):
        raise ModelFileError(f"{label} holds a model whose output has shape {_shape_text(output_shape)}; "
                             "a digit classifier must give 10 class scores.")
    if len(model.inputs) != 1:
        raise ModelFileError(f"{label} holds a model with {len(model.inputs)} inputs; one 28x28 image input is needed.")
    if input_shape == INPUT_SHAPE:
        usable = model
    elif input_shape in ((28, 28), (784,)):
        # Reshaping loses nothing, so such models are wrapped to take the same 28x28x1 batches.
        inputs = keras.Input(shape=INPUT_SHAPE, name="image")
        usable = keras.Model(inputs, model(keras.layers.Reshape(input_shape)(inputs)), name=model.name)
    else:
        raise ModelFileError(f"{label} holds a model that takes input of shape {_shape_text(input_shape)}; "
                             "this program needs one that reads a 28x28 grey image (28x28x1, 28x28 or 784 values).")
    return LoadedModel(model=usable, path=path, name=path.stem if path else model.name,
                       input_shape=input_shape, parameter_count=int(model.count_params()))


def _shape_text(shape) -> str:
    return "x".join("?" if d is None else str(d) for d in shape) if shape else "()"


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__


# ---------------------------------------------------------------------------------------------
# Predicting


def predict_probabilities(model, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Class probabilities (N, 10) for uint8 images (N, 28, 28) or float inputs (N, 28, 28, 1).

    A few images are run with a direct call (a few milliseconds); many go through
    ``model.predict`` in batches, which amortises its fixed cost.
    """
    from core.data import to_model_input

    inputs = to_model_input(images) if images.dtype == np.uint8 else np.asarray(images, np.float32)
    if len(inputs) <= 32:
        return np.asarray(model(inputs, training=False), dtype=np.float32)
    return np.asarray(model.predict(inputs, batch_size=batch_size, verbose=0), dtype=np.float32)
