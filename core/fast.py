"""Fast training: the same network, trained with settings chosen to reach 99 % sooner.

The tutorial's settings (batch 32, Adam at a constant 0.001, float32) stay the default. With
``TrainingSettings.fast`` the trainer swaps in the settings below, each chosen by measurement
on this project's 2-core x86 CPU with AVX512-BF16/AMX-BF16 (figures in the README; the end-to-end
comparison is ``bench/time_to_accuracy.py``):

* **bfloat16 compute** where the processor has it in hardware (AVX512-BF16 or AMX-BF16):
  ``mixed_bfloat16`` runs convolutions and matrix products in bfloat16 while the weights, the
  optimizer and the softmax output stay float32; about 2x the images per second at batch 256,
  with the same accuracy. Without hardware bf16 it would be emulated and slower, so such CPUs
  keep float32 (and still get the batch and the schedule). On a GPU with tensor cores (compute
  capability 7.0 or newer) it is ``mixed_float16``, with loss scaling against gradient
  underflow; Keras compiles with XLA on a GPU by itself. (XLA on this CPU ran 5-8x slower, so
  it stays off there, as Keras's default has it.)
* **batch 256** instead of 32: fewer, larger steps, which the CPU runs about 1.7x faster per image.
* **a one-cycle learning-rate schedule** for Adam: a warm-up along a half cosine from the peak / 25
  to a peak of 0.004 over the first 30 % of the steps, then a cosine decay to the peak / 10,000.
  The larger batch takes a larger step size; the warm-up keeps the first steps from diverging and
  the decay settles the weights at the end, which is where the last few tenths of a per cent come
  from. The schedule spans the run's epochs, whatever their number.
* **2 epochs** (when none are given): a one-epoch run ends at 98.6-99.0 % whatever the batch,
  peak or schedule tried; two pass 99 % with margin (99.19-99.34 % over six runs and seeds).

The input pipeline is left as it is: Keras already gathers batches in parallel and prefetches,
and a cached, prefetched tf.data pipeline measured no faster.

This module is Qt-free and imports TensorFlow only when asked for the GPU or the Keras schedule.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass, replace
from pathlib import Path

from core.spec import TrainingSettings

#: CPU feature flags (as /proc/cpuinfo spells them) that mean bfloat16 arithmetic in hardware.
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")

FLOAT32, MIXED_BFLOAT16, MIXED_FLOAT16 = "float32", "mixed_bfloat16", "mixed_float16"

_OPTIMIZER_NAMES = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop", "adamw": "AdamW"}


@dataclass(frozen=True)
class FastSettings:
    """The fast recipe as data; the numbers are the measured choice (see the module docstring)."""

    optimizer: str = "adam"
    batch_size: int = 256
    peak_learning_rate: float = 4e-3
    warmup_fraction: float = 0.3       # of all steps, rising from peak / start_divisor to the peak
    start_divisor: float = 25.0
    end_divisor: float = 1e4           # the learning rate at the last step is peak / end_divisor
    epochs: int = 2                    # used when the caller gives no epoch count


FAST = FastSettings()


# ---------------------------------------------------------------------------------------------
# What the machine offers


@dataclass(frozen=True)
class DeviceInfo:
    """What fast mode needs to know about the machine."""

    cpu_flags: frozenset[str] = frozenset()
    gpu_name: str | None = None                      # None: no GPU visible to TensorFlow
    gpu_compute_capability: tuple[int, int] | None = None

    @property
    def cpu_bf16(self) -> bool:
        return any(flag in self.cpu_flags for flag in BF16_CPU_FLAGS)

    @property
    def gpu_float16(self) -> bool:
        """Whether the GPU has tensor cores that make float16 pay (compute capability >= 7.0)."""
        return self.gpu_name is not None and (self.gpu_compute_capability or (0, 0)) >= (7, 0)


def read_cpu_flags(path: str | os.PathLike = "/proc/cpuinfo") -> frozenset[str]:
    """The CPU's feature flags from Linux's /proc/cpuinfo; empty where there is no such file."""
    try:
        text = Path(path).read_text(encoding="ascii", errors="replace")
    except OSError:
        return frozenset()
    flags: set[str] = set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            flags.update(value.split())
    return frozenset(flags)


def detect_device(check_gpu: bool = True) -> DeviceInfo:
    """The CPU's flags and, if ``check_gpu`` (imports TensorFlow), the first GPU TensorFlow sees."""
    name = capability = None
    if check_gpu:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            try:
                details = tf.config.experimental.get_device_details(gpus[0])
            except Exception:  # details are best effort; a GPU without them still counts
                details = {}
            name = str(details.get("device_name") or gpus[0].name)
            capability = details.get("compute_capability")
            capability = tuple(capability) if capability else None
    return DeviceInfo(read_cpu_flags(), name, capability)


# ---------------------------------------------------------------------------------------------
# The plan


@dataclass(frozen=True)
class FastPlan:
    """What fast mode changes for one run."""

    settings: TrainingSettings     # the effective training settings (batch, optimizer, peak LR, epochs)
    precision: str                 # a Keras dtype policy name: float32, mixed_bfloat16 or mixed_float16
    precision_reason: str          # why, in a few words
    schedule: FastSettings
    device: DeviceInfo

    @property
    def loss_scaling(self) -> bool:
        return self.precision == MIXED_FLOAT16

    @property
    def schedule_text(self) -> str:
        s = self.schedule
        return (f"one-cycle LR (warm-up over {s.warmup_fraction:.0%} of steps to "
                f"{_number(s.peak_learning_rate)}, cosine decay)")

    def describe(self) -> str:
        """One line for logs, e.g. ``fast: mixed_bfloat16 (CPU has AVX512-BF16), batch 256, ...``."""
        extras = ", XLA" if self.device.gpu_name else ""
        epochs = self.settings.epochs
        return (f"fast: {self.precision} ({self.precision_reason}){extras}, batch {self.settings.batch_size}, "
                f"{_optimizer_name(self.settings.optimizer)} {self.schedule_text}, {_epochs(epochs)}")


def choose_precision(device: DeviceInfo) -> tuple[str, str]:
    """The precision policy fast mode uses on ``device``, and why."""
    if device.gpu_name is not None:
        if device.gpu_float16:
            return MIXED_FLOAT16, f"GPU {device.gpu_name} has tensor cores"
        return FLOAT32, f"GPU {device.gpu_name} lacks fast float16"
    if device.cpu_bf16:
        present = [flag.upper().replace("_", "-") for flag in BF16_CPU_FLAGS if flag in device.cpu_flags]
        return MIXED_BFLOAT16, f"CPU has {' and '.join(present)}"
    return FLOAT32, "CPU lacks bfloat16 hardware"


def fast_plan(settings: TrainingSettings, device: DeviceInfo | None = None,
              recipe: FastSettings = FAST) -> FastPlan:
    """The fast plan for ``settings`` on ``device`` (detected when None).

    The recipe replaces the optimizer, batch size and learning rate; the epoch count, validation
    split, seed and augmentation stay the caller's (a caller with no epoch count uses
    ``recipe.epochs``, as ``main.py train --fast`` does).
    """
    device = device if device is not None else detect_device()
    precision, reason = choose_precision(device)
    effective = effective_settings(replace(settings, fast=True), recipe)
    return FastPlan(effective, precision, reason, recipe, device)


def effective_settings(settings: TrainingSettings, recipe: FastSettings = FAST) -> TrainingSettings:
    """The training settings a run with ``settings`` uses: fast mode's batch size, optimizer and peak
    learning rate when ``settings.fast``, else ``settings`` unchanged. Needs no device and no
    TensorFlow, so a form can show the batches per epoch before training starts."""
    if not settings.fast:
        return settings
    return replace(settings, optimizer=recipe.optimizer, batch_size=recipe.batch_size,
                   learning_rate=recipe.peak_learning_rate)


def explanation(recipe: FastSettings = FAST) -> str:
    """What fast training changes and why, in plain words (the window's tooltip for the switch)."""
    return (f"Train the same network in far less time, to the same or better accuracy.\n"
            f"Instead of your batch size, learning rate and optimizer it uses:\n"
            f"\u2022 bfloat16 arithmetic where the processor has it (AVX512-BF16 or AMX), float16 on a\n"
            f"  modern GPU; the weights and the output stay float32. Elsewhere it stays float32.\n"
            f"\u2022 batches of {recipe.batch_size} images: fewer, larger steps, which the processor runs faster.\n"
            f"\u2022 Adam with a one-cycle learning rate: it warms up to {_number(recipe.peak_learning_rate)} over the "
            f"first {recipe.warmup_fraction:.0%} of the\n"
            f"  steps, then eases off to almost nothing, so the large steps neither diverge at the\n"
            f"  start nor jitter at the end. The schedule spans all the epochs you set.\n"
            f"{recipe.epochs} epochs pass 99 % test accuracy on MNIST. Meant for the full training set: on a\n"
            f"few thousand images its few, large steps learn less. The log says what is in effect.")


def standard_note(settings: TrainingSettings) -> str:
    """The one-line note for a run with the ordinary (non-fast) settings."""
    return (f"standard: float32, batch {settings.batch_size}, {_optimizer_name(settings.optimizer)} "
            f"constant LR {_number(settings.learning_rate)}, {_epochs(settings.epochs)}")


def _number(value: float) -> str:
    return f"{value:g}"


def _optimizer_name(key: str) -> str:
    return _OPTIMIZER_NAMES.get(key, key)


def _epochs(count: int) -> str:
    return f"{count} epoch{'s' if count != 1 else ''}"


# ---------------------------------------------------------------------------------------------
# The learning-rate schedule


def one_cycle_rate(step: float, total_steps: int, recipe: FastSettings = FAST) -> float:
    """The learning rate at ``step`` (0-based) of ``total_steps``, as plain Python.

    Rises along a half cosine from ``peak / start_divisor`` to ``peak`` over the first
    ``warmup_fraction`` of the steps, then falls along a half cosine to ``peak / end_divisor``
    at the last step. The Keras schedule computes the same curve on tensors.
    """
    peak = recipe.peak_learning_rate
    low, end = peak / recipe.start_divisor, peak / recipe.end_divisor
    warm = max(1.0, recipe.warmup_fraction * total_steps)
    if step < warm:
        return low + (peak - low) * (1 - math.cos(math.pi * step / warm)) / 2
    decay = min(1.0, (step - warm) / max(1.0, total_steps - 1 - warm))
    return end + (peak - end) * (1 + math.cos(math.pi * decay)) / 2


@functools.cache
def _schedule_class():
    """The Keras schedule class, made on first use so that importing this module does not import
    TensorFlow; registered so that a .keras file with its optimizer can be saved and read."""
    import keras
    from keras import ops

    @keras.saving.register_keras_serializable(package="mnist_studio")
    class OneCycleSchedule(keras.optimizers.schedules.LearningRateSchedule):
        def __init__(self, peak: float, total_steps: int, warmup_fraction: float = 0.3,
                     start_divisor: float = 25.0, end_divisor: float = 1e4):
            self.peak = float(peak)
            self.total_steps = int(total_steps)
            self.warmup_fraction = float(warmup_fraction)
            self.start_divisor = float(start_divisor)
            self.end_divisor = float(end_divisor)

        def __call__(self, step):
            step = ops.cast(step, "float32")
            peak = self.peak
            low, end = peak / self.start_divisor, peak / self.end_divisor
            warm = max(1.0, self.warmup_fraction * self.total_steps)
            rising = low + (peak - low) * (1.0 - ops.cos(math.pi * ops.minimum(step / warm, 1.0))) / 2.0
            decay = ops.clip((step - warm) / max(1.0, self.total_steps - 1 - warm), 0.0, 1.0)
            falling = end + (peak - end) * (1.0 + ops.cos(math.pi * decay)) / 2.0
            return ops.where(step < warm, rising, falling)

        def get_config(self):
            return {"peak": self.peak, "total_steps": self.total_steps, "warmup_fraction": self.warmup_fraction,
                    "start_divisor": self.start_divisor, "end_divisor": self.end_divisor}

    return OneCycleSchedule


def one_cycle_schedule(total_steps: int, recipe: FastSettings = FAST):
    """A Keras LearningRateSchedule for ``total_steps`` optimizer steps (epochs x batches)."""
    return _schedule_class()(recipe.peak_learning_rate, total_steps, recipe.warmup_fraction,
                             recipe.start_divisor, recipe.end_divisor)
