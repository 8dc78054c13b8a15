"""Fast training: the plan (precision by hardware, batch, schedule), the schedule's shape, a tiny
fast run with its note, stop and the NaN guard in fast mode, and fast models that save and load
back as float32. No timings are asserted: the speed is measured by bench/time_to_accuracy.py."""

import math

import numpy as np
import pytest
from recording import Recorder

import core.fast
from core.data import Dataset
from core.fast import (FAST, DeviceInfo, detect_device, effective_settings, explanation, fast_plan,
                       one_cycle_rate, one_cycle_schedule, read_cpu_flags, standard_note)
from core.spec import ModelSpec, TrainingSettings, small_cnn, tutorial_cnn
from core.training import Trainer

BF16_CPU = DeviceInfo(frozenset({"sse2", "avx512f", "avx512_bf16", "amx_bf16"}))
PLAIN_CPU = DeviceInfo(frozenset({"sse2", "avx2", "fma"}))


# ---------------------------------------------------------------------------------------------
# Detection and the plan


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx512f avx512_bf16\n\n"
                       "processor\t: 1\nflags\t\t: fpu sse2 avx512f avx512_bf16 amx_bf16\n")
    assert read_cpu_flags(cpuinfo) == {"fpu", "sse2", "avx512f", "avx512_bf16", "amx_bf16"}
    assert read_cpu_flags(tmp_path / "missing") == frozenset()


@pytest.mark.parametrize("flags, precision", [
    ({"avx512f", "avx512_bf16"}, "mixed_bfloat16"),
    ({"amx_tile", "amx_bf16"}, "mixed_bfloat16"),
    ({"avx2", "fma", "avx512f"}, "float32"),
    (set(), "float32"),
])
def test_fast_plan_uses_bfloat16_only_where_the_cpu_has_it(monkeypatch, flags, precision):
    monkeypatch.setattr(core.fast, "read_cpu_flags", lambda path="/proc/cpuinfo": frozenset(flags))
    device = detect_device(check_gpu=False)
    plan = fast_plan(TrainingSettings(), device)
    assert plan.precision == precision
    note = plan.describe()
    assert note.startswith(f"fast: {precision} (") and f"batch {FAST.batch_size}" in note
    assert "one-cycle" in note and "XLA" not in note
    if precision == "float32":
        assert "lacks bfloat16" in note
    else:
        assert "BF16" in note


@pytest.mark.parametrize("capability, precision", [((8, 0), "mixed_float16"), ((6, 1), "float32")])
def test_fast_plan_on_a_gpu(capability, precision):
    plan = fast_plan(TrainingSettings(), DeviceInfo(frozenset(), "Some GPU", capability))
    assert plan.precision == precision and plan.loss_scaling == (precision == "mixed_float16")
    assert "XLA" in plan.describe() and "Some GPU" in plan.describe()


def test_fast_plan_replaces_batch_optimizer_and_rate_but_keeps_the_rest():
    asked = TrainingSettings(optimizer="sgd", learning_rate=0.05, batch_size=16, epochs=5,
                             validation_split=0.2, seed=3, augmentation=True)
    settings = fast_plan(asked, PLAIN_CPU).settings
    assert (settings.optimizer, settings.batch_size, settings.learning_rate, settings.fast) == \
        ("adam", FAST.batch_size, FAST.peak_learning_rate, True)
    assert (settings.epochs, settings.validation_split, settings.seed, settings.augmentation) == (5, 0.2, 3, True)
    assert fast_plan(asked, PLAIN_CPU).describe().endswith("5 epochs")
    assert standard_note(TrainingSettings()) == "standard: float32, batch 32, Adam constant LR 0.001, 3 epochs"


def test_effective_settings_and_explanation_for_the_window():
    assert effective_settings(TrainingSettings()) == TrainingSettings()
    fast = effective_settings(TrainingSettings(fast=True, epochs=4))
    assert (fast.batch_size, fast.learning_rate, fast.epochs, fast.fast) == (FAST.batch_size, FAST.peak_learning_rate, 4, True)
    text = explanation()
    assert "bfloat16" in text and str(FAST.batch_size) in text and "one-cycle" in text and "99 %" in text


def test_fast_switch_round_trips_through_json_and_defaults_off():
    spec = tutorial_cnn().with_training(fast=True)
    assert ModelSpec.from_json(spec.to_json()).training.fast is True
    old = tutorial_cnn().to_dict()
    del old["training"]["fast"]  # a description saved before fast mode existed
    assert ModelSpec.from_dict(old).training.fast is False and TrainingSettings().fast is False


# ---------------------------------------------------------------------------------------------
# The schedule


def test_one_cycle_schedule_warms_up_then_decays():
    total = 1000
    rates = [one_cycle_rate(step, total) for step in range(total)]
    warm = int(FAST.warmup_fraction * total)
    peak = FAST.peak_learning_rate
    assert rates[0] == pytest.approx(peak / FAST.start_divisor)
    assert max(rates) == pytest.approx(peak) and rates.index(max(rates)) == warm
    assert all(a < b for a, b in zip(rates[:warm], rates[1:warm + 1]))           # rises to the peak
    assert all(a > b for a, b in zip(rates[warm:-1], rates[warm + 1:]))          # then falls
    assert rates[-1] == pytest.approx(peak / FAST.end_divisor)
    assert rates[warm + (total - warm) // 2] == pytest.approx(peak / 2, rel=0.01)  # cosine: half-way, half


def test_keras_schedule_matches_the_plain_curve():
    schedule = one_cycle_schedule(500)
    for step in (0, 1, 75, 149, 150, 151, 300, 499, 600):
        assert float(schedule(step)) == pytest.approx(one_cycle_rate(min(step, 499), 500), rel=1e-4)
    assert type(schedule).from_config(schedule.get_config()).get_config() == schedule.get_config()


# ---------------------------------------------------------------------------------------------
# Fast training runs


@pytest.fixture(scope="module")
def tiny(mnist):
    return Dataset(mnist.x_train[:1280], mnist.y_train[:1280], mnist.x_test[:200], mnist.y_test[:200], "slice")


def fast_spec(epochs=1, validation_split=0.0):
    return small_cnn().with_training(fast=True, epochs=epochs, validation_split=validation_split)


@pytest.fixture(scope="module")
def fast_run(tiny):
    recorder = Recorder()
    outcome = Trainer(fast_spec(validation_split=0.25), tiny, recorder, device=BF16_CPU).run()
    return recorder, outcome


def test_a_tiny_fast_run_finishes_and_says_what_it_uses(fast_run):
    from core.model_io import is_float32

    recorder, outcome = fast_run
    assert outcome.status == "finished", outcome.message
    plan = recorder.plan
    assert plan.precision == "mixed_bfloat16" and plan.spec.training.batch_size == FAST.batch_size
    assert plan.settings_note.startswith("fast: mixed_bfloat16") and "1 epoch" in plan.settings_note
    assert plan.train_samples == 960 and plan.batches_per_epoch == math.ceil(960 / FAST.batch_size)
    assert len(recorder.batches) == plan.batches_per_epoch and len(recorder.epochs) == 1
    assert recorder.epochs[0].val_loss is not None and math.isfinite(recorder.epochs[0].loss)
    assert is_float32(outcome.model)  # handed back as an ordinary float32 model
    probabilities = np.asarray(outcome.model(np.zeros((2, 28, 28, 1), np.float32)))
    assert probabilities.dtype == np.float32 and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)


def test_fast_mode_falls_back_to_float32_without_bf16_hardware(tiny):
    recorder = Recorder()
    outcome = Trainer(fast_spec(), tiny.limit_train(512), recorder, device=PLAIN_CPU).run()
    assert outcome.status == "finished", outcome.message
    assert recorder.plan.precision == "float32"
    assert recorder.plan.settings_note.startswith("fast: float32 (CPU lacks bfloat16 hardware), batch 256")


def test_standard_runs_say_their_settings_too(tiny):
    recorder = Recorder()
    Trainer(small_cnn().with_training(epochs=1, validation_split=0.0), tiny.limit_train(128), recorder).run()
    assert recorder.plan.precision == "float32"
    assert recorder.plan.settings_note == "standard: float32, batch 64, Adam constant LR 0.001, 1 epoch"


def test_stop_works_in_fast_mode_and_keeps_a_float32_model(tiny):
    from core.model_io import is_float32

    holder = {}

    def stop_at_second(progress):
        if progress.batch == 1:
            holder["trainer"].stop()

    recorder = Recorder(stop_at_second)
    trainer = holder["trainer"] = Trainer(fast_spec(epochs=2), tiny, recorder, device=BF16_CPU)
    outcome = trainer.run()
    assert outcome.status == "stopped" and len(recorder.batches) == 2 and recorder.epochs == []
    assert is_float32(outcome.model) and outcome.model.get_weights()[0].any()


def test_nan_guard_works_in_fast_mode(tiny, monkeypatch):
    import core.training

    def poisoned(images):
        x = np.asarray(images, np.float32)[..., None] / 255.0
        x[:] = 3e38
        return x

    monkeypatch.setattr(core.training, "to_model_input", poisoned)
    recorder = Recorder()
    outcome = Trainer(fast_spec(), tiny, recorder, device=BF16_CPU).run()
    assert outcome.status == "failed" and outcome.model is None
    assert "at batch 1 of epoch 1" in outcome.message and "peak learning rate" in outcome.message
    assert recorder.failed == [outcome.message] and recorder.batches == []


# ---------------------------------------------------------------------------------------------
# Models: precision per layer, loss scaling, float32 on saving and loading


def test_precision_is_per_model_and_the_output_stays_float32():
    import keras

    from core.model_io import build_model, is_float32

    model = build_model(small_cnn(), "mixed_bfloat16")
    assert [layer.compute_dtype for layer in model.layers[:-1]] == ["bfloat16"] * (len(model.layers) - 1)
    assert model.layers[-1].compute_dtype == "float32" and not is_float32(model)
    assert all(v.dtype == "float32" for v in model.weights)  # the weights stay float32
    assert keras.config.dtype_policy().name == "float32"  # nothing global changed
    assert is_float32(build_model(small_cnn()))


def test_float16_gets_loss_scaling():
    import keras

    from core.model_io import build_model

    assert isinstance(build_model(small_cnn(), "mixed_float16").optimizer, keras.optimizers.LossScaleOptimizer)
    assert not isinstance(build_model(small_cnn()).optimizer, keras.optimizers.LossScaleOptimizer)


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_fast_trained_models_save_and_load_as_float32(fast_run, tmp_path, suffix):
    from core.model_io import is_float32, load_model, predict_probabilities, save_model

    model = fast_run[1].model
    images = np.random.default_rng(1).integers(0, 256, size=(40, 28, 28), dtype=np.uint8)
    loaded = load_model(save_model(model, tmp_path / f"fast{suffix}"))
    assert is_float32(loaded.model)
    loaded_p = predict_probabilities(loaded.model, images)
    assert loaded_p.dtype == np.float32
    np.testing.assert_allclose(loaded_p, predict_probabilities(model, images), atol=1e-6)


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_a_model_saved_in_mixed_precision_loads_as_float32(tmp_path, suffix):
    from core.model_io import as_float32, build_model, is_float32, load_model, predict_probabilities, save_model

    mixed = build_model(small_cnn(), "mixed_bfloat16")
    images = np.random.default_rng(2).integers(0, 256, size=(8, 28, 28), dtype=np.uint8)
    loaded = load_model(save_model(mixed, tmp_path / f"mixed{suffix}"))
    assert is_float32(loaded.model)
    loaded_p = predict_probabilities(loaded.model, images)
    assert loaded_p.dtype == np.float32
    np.testing.assert_allclose(loaded_p, predict_probabilities(as_float32(mixed), images), atol=1e-6)
    np.testing.assert_allclose(loaded_p, predict_probabilities(mixed, images), atol=0.05)  # bf16 is close


# ---------------------------------------------------------------------------------------------
# Command line (parsing only: training through the CLI is covered by test_cli)


def _train_args(*extra):
    from core.cli import build_parser

    return build_parser().parse_args(["train", *extra])


def test_cli_fast_without_epochs_uses_the_measured_count():
    from core.cli import _load_spec

    spec = _load_spec(_train_args("--fast"))
    assert spec.training.fast and spec.training.epochs == FAST.epochs
    assert _load_spec(_train_args("--fast", "--epochs", "1")).training.epochs == 1
    assert not _load_spec(_train_args()).training.fast


def test_cli_fast_refuses_its_own_settings_overridden():
    from core.cli import _load_spec
    from core.errors import StudioError

    with pytest.raises(StudioError, match="--fast sets its own batch size"):
        _load_spec(_train_args("--fast", "--batch-size", "64"))
