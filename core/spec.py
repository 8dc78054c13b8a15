"""The network and its training settings as plain data.

A :class:`ModelSpec` is what the Train tab edits and what ``main.py train`` trains: a list of
layers with their settings plus the training hyperparameters. It is checked, its output shapes
and parameter count are computed, and it round-trips through JSON, all without importing
TensorFlow, so the window can explain an impossible network before anyone presses Start.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from core.errors import SpecError

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10

ACTIVATIONS = ("relu", "sigmoid", "tanh", "elu", "gelu", "linear", "softmax")
OPTIMIZERS = ("adam", "sgd", "rmsprop", "adamw")

# Each layer kind and the settings it takes, with their defaults. The order of kinds is the
# order a layer picker offers them in.
LAYER_KINDS: dict[str, dict[str, Any]] = {
    "conv2d": {"filters": 32, "kernel_size": 5, "activation": "relu", "padding": "valid"},
    "maxpool2d": {"pool_size": 2},
    "flatten": {},
    "dense": {"units": 128, "activation": "relu"},
    "dropout": {"rate": 0.2},
}

LAYER_TITLES = {
    "conv2d": "Convolution",
    "maxpool2d": "Max pooling",
    "flatten": "Flatten",
    "dense": "Dense",
    "dropout": "Dropout",
}


@dataclass(frozen=True)
class LayerSpec:
    """One layer: its kind (a key of ``LAYER_KINDS``) and its settings."""

    kind: str
    params: dict[str, Any] = field(default_factory=dict)

    def setting(self, name: str) -> Any:
        """The layer's value for ``name``, falling back to the kind's default."""
        return self.params.get(name, LAYER_KINDS[self.kind][name])

    def summary(self) -> str:
        """A short human description, e.g. ``Conv2D 32 5x5 relu``."""
        if self.kind == "conv2d":
            k = self.setting("kernel_size")
            return f"Conv2D {self.setting('filters')} {k}x{k} {self.setting('activation')}"
        if self.kind == "maxpool2d":
            p = self.setting("pool_size")
            return f"MaxPool {p}x{p}"
        if self.kind == "dense":
            return f"Dense {self.setting('units')} {self.setting('activation')}"
        if self.kind == "dropout":
            return f"Dropout {self.setting('rate')}"
        return LAYER_TITLES.get(self.kind, self.kind)


def conv2d(filters: int, kernel_size: int, activation: str = "relu", padding: str = "valid") -> LayerSpec:
    return LayerSpec("conv2d", {"filters": filters, "kernel_size": kernel_size,
                                "activation": activation, "padding": padding})


def maxpool2d(pool_size: int = 2) -> LayerSpec:
    return LayerSpec("maxpool2d", {"pool_size": pool_size})


def flatten() -> LayerSpec:
    return LayerSpec("flatten", {})


def dense(units: int, activation: str = "relu") -> LayerSpec:
    return LayerSpec("dense", {"units": units, "activation": activation})


def dropout(rate: float) -> LayerSpec:
    return LayerSpec("dropout", {"rate": rate})


@dataclass(frozen=True)
class TrainingSettings:
    """Hyperparameters of one training run. The defaults are the tutorial's."""

    optimizer: str = "adam"
    learning_rate: float = 1e-3
    batch_size: int = 32
    epochs: int = 3
    validation_split: float = 0.1
    seed: int = 42
    augmentation: bool = False  # small random shifts, rotations and zooms of the training images
    fast: bool = False          # train with core.fast's settings (precision, batch, LR schedule) instead


@dataclass(frozen=True)
class ModelSpec:
    """A network (the hidden layers; the 10-way softmax output is always added) and its training."""

    name: str
    layers: tuple[LayerSpec, ...]
    training: TrainingSettings = TrainingSettings()

    def with_training(self, **changes: Any) -> "ModelSpec":
        return replace(self, training=replace(self.training, **changes))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "layers": [{"kind": layer.kind, **layer.params} for layer in self.layers],
            "training": asdict(self.training),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ModelSpec":
        try:
            layers = []
            for entry in data["layers"]:
                entry = dict(entry)
                kind = entry.pop("kind")
                layers.append(LayerSpec(kind, entry))
            known = set(TrainingSettings.__dataclass_fields__)
            training = TrainingSettings(**{k: v for k, v in data.get("training", {}).items() if k in known})
            return cls(name=str(data.get("name", "Custom")), layers=tuple(layers), training=training)
        except (KeyError, TypeError, AttributeError) as error:
            raise SpecError(f"The network description is malformed ({error!r}).") from None

    @classmethod
    def from_json(cls, text: str) -> "ModelSpec":
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as error:
            raise SpecError(f"The network description is not valid JSON: {error}") from None


# ---------------------------------------------------------------------------------------------
# Presets


def tutorial_cnn() -> ModelSpec:
    """The tutorial's CNN, exactly: 2x (Conv 5x5 + MaxPool), Dense 1024, Dropout 0.2, softmax."""
    return ModelSpec(
        name="Tutorial CNN",
        layers=(conv2d(32, 5), maxpool2d(2), conv2d(64, 5), maxpool2d(2), flatten(),
                dense(1024), dropout(0.2)),
    )


def regular_network() -> ModelSpec:
    """A regular (fully connected) network on the 784 pixels, the tutorial's point of comparison."""
    return ModelSpec(name="Regular neural network", layers=(flatten(), dense(512), dropout(0.2)))


def small_cnn() -> ModelSpec:
    """A small CNN that trains in seconds on a CPU, for a quick first try."""
    return ModelSpec(
        name="Small CNN",
        layers=(conv2d(8, 3), maxpool2d(2), conv2d(16, 3), maxpool2d(2), flatten(), dense(64)),
        training=TrainingSettings(batch_size=64, epochs=1),
    )


PRESETS = {spec.name: spec for spec in (tutorial_cnn(), regular_network(), small_cnn())}


# ---------------------------------------------------------------------------------------------
# Shapes, parameters and validation, without TensorFlow


@dataclass(frozen=True)
class LayerInfo:
    """What one layer of a checked spec produces."""

    title: str                 # e.g. "Conv2D 32 5x5 relu"
    output_shape: tuple[int, ...]
    params: int


def _positive_int(value: Any, what: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError(f"{where}: {what} must be a whole number of at least 1 (got {value!r}).")
    return value


def _layer_info(layer: LayerSpec, shape: tuple[int, ...], where: str) -> LayerInfo:
    """The output shape and parameter count of ``layer`` given its input ``shape``."""
    unknown = set(layer.params) - set(LAYER_KINDS[layer.kind])
    if unknown:
        raise SpecError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}.")
    activation = layer.params.get("activation")
    if activation is not None and activation not in ACTIVATIONS:
        raise SpecError(f"{where}: unknown activation {activation!r} (choose from {', '.join(ACTIVATIONS)}).")

    if layer.kind in ("conv2d", "maxpool2d"):
        if len(shape) != 3:
            raise SpecError(f"{where}: needs an image-shaped input (height x width x channels), "
                            f"but the previous layers produce a flat vector of {shape[0]} values. "
                            "Move it before Flatten.")
        height, width, channels = shape
    if layer.kind == "conv2d":
        filters = _positive_int(layer.setting("filters"), "the number of filters", where)
        kernel = _positive_int(layer.setting("kernel_size"), "the kernel size", where)
        padding = layer.setting("padding")
        if padding not in ("valid", "same"):
            raise SpecError(f"{where}: padding must be 'valid' or 'same' (got {padding!r}).")
        if padding == "valid" and (kernel > height or kernel > width):
            raise SpecError(f"{where}: its {kernel}x{kernel} kernel is larger than the {height}x{width} "
                            "feature map it receives. Use a smaller kernel, 'same' padding, "
                            "or fewer pooling layers before it.")
        out = (height, width) if padding == "same" else (height - kernel + 1, width - kernel + 1)
        return LayerInfo(layer.summary(), (*out, filters), kernel * kernel * channels * filters + filters)
    if layer.kind == "maxpool2d":
        pool = _positive_int(layer.setting("pool_size"), "the pool size", where)
        if pool > height or pool > width:
            raise SpecError(f"{where}: its {pool}x{pool} window is larger than the {height}x{width} "
                            "feature map it receives.")
        return LayerInfo(layer.summary(), (height // pool, width // pool, channels), 0)
    if layer.kind == "flatten":
        size = 1
        for dim in shape:
            size *= dim
        return LayerInfo(layer.summary(), (size,), 0)
    if layer.kind == "dense":
        units = _positive_int(layer.setting("units"), "the number of units", where)
        if len(shape) != 1:
            raise SpecError(f"{where}: a dense layer needs a flat input; add a Flatten layer before it.")
        return LayerInfo(layer.summary(), (units,), shape[0] * units + units)
    if layer.kind == "dropout":
        rate = layer.setting("rate")
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 <= rate < 1.0:
            raise SpecError(f"{where}: the dropout rate must be at least 0 and below 1 (got {rate!r}).")
        return LayerInfo(layer.summary(), shape, 0)
    raise AssertionError(layer.kind)  # kinds are checked by the caller


def describe(spec: ModelSpec) -> list[LayerInfo]:
    """Check ``spec`` and return every layer's output shape and parameters, output layer included.

    Raises :class:`SpecError` naming the first impossible layer (1-based, as a person counts) and why.
    """
    shape: tuple[int, ...] = INPUT_SHAPE
    infos: list[LayerInfo] = []
    for number, layer in enumerate(spec.layers, start=1):
        if layer.kind not in LAYER_KINDS:
            raise SpecError(f"Layer {number}: unknown kind {layer.kind!r} "
                            f"(choose from {', '.join(LAYER_KINDS)}).")
        info = _layer_info(layer, shape, f"Layer {number} ({layer.summary()})")
        infos.append(info)
        shape = info.output_shape
    if len(shape) != 1:
        raise SpecError("The network must end in a flat vector before its 10-way output: "
                        "add a Flatten layer after the last convolution or pooling layer.")
    infos.append(LayerInfo("Dense 10 softmax (output)", (NUM_CLASSES,), shape[0] * NUM_CLASSES + NUM_CLASSES))
    _check_training(spec.training)
    return infos


def _check_training(settings: TrainingSettings) -> None:
    if settings.optimizer not in OPTIMIZERS:
        raise SpecError(f"Unknown optimizer {settings.optimizer!r} (choose from {', '.join(OPTIMIZERS)}).")
    if not (isinstance(settings.learning_rate, (int, float)) and 0 < settings.learning_rate <= 10):
        raise SpecError(f"The learning rate must be above 0 and at most 10 (got {settings.learning_rate!r}).")
    _positive_int(settings.batch_size, "the batch size", "Training")
    _positive_int(settings.epochs, "the number of epochs", "Training")
    if not 0.0 <= settings.validation_split < 1.0:
        raise SpecError(f"The validation split must be at least 0 and below 1 (got {settings.validation_split!r}).")


def validate(spec: ModelSpec) -> None:
    """Raise :class:`SpecError` if ``spec`` cannot be built or trained."""
    describe(spec)


def parameter_count(spec: ModelSpec) -> int:
    return sum(info.params for info in describe(spec))
