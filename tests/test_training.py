"""The training engine: listener reports, pause/resume, stop within one batch keeping the
weights, the NaN guard, reproducibility, and real accuracy on a slice of MNIST."""

import threading
import time

import numpy as np
import pytest
from recording import Recorder

from core.data import Dataset
from core.training import Trainer
from core.spec import small_cnn, tutorial_cnn


@pytest.fixture(scope="module")
def small_data(mnist):
    return Dataset(mnist.x_train[:640], mnist.y_train[:640], mnist.x_test[:200], mnist.y_test[:200], "slice")


def spec(epochs=2, batch_size=64, validation_split=0.25):
    return small_cnn().with_training(epochs=epochs, batch_size=batch_size, validation_split=validation_split)


def test_reports_every_batch_and_epoch(small_data):
    recorder = Recorder()
    outcome = Trainer(spec(), small_data, recorder).run()
    assert outcome.status == "finished" and outcome.model is not None
    assert recorder.plan.train_samples == 480 and recorder.plan.validation_samples == 160
    assert len(recorder.batches) == 2 * recorder.plan.batches_per_epoch == 16
    assert [e.epoch for e in recorder.epochs] == [0, 1]
    assert all(e.val_loss is not None and e.seconds > 0 for e in recorder.epochs)
    assert recorder.finished == [outcome] and not recorder.failed
    assert outcome.samples_trained == 960 and outcome.samples_per_second > 0
    assert "Epoch 2/2" in recorder.epochs[1].keras_line() and "val_accuracy" in recorder.epochs[1].keras_line()


def test_stop_takes_effect_within_one_batch_and_keeps_the_weights(small_data):
    holder = {}

    def stop_at_third(progress):
        if progress.batch == 2:
            holder["trainer"].stop()

    recorder = Recorder(stop_at_third)
    trainer = holder["trainer"] = Trainer(spec(epochs=3), small_data, recorder)
    outcome = trainer.run()
    assert outcome.status == "stopped" and outcome.model is not None
    assert len(recorder.batches) == 3 and recorder.epochs == []
    assert outcome.model.get_weights()[0].any()


def test_pause_blocks_training_until_resumed(small_data):
    holder, seen_while_paused = {}, []

    def pause_at_second(progress):
        if progress.batch == 1 and progress.epoch == 0:
            trainer = holder["trainer"]
            trainer.pause()

            def check_then_resume():
                count = len(recorder.batches)
                time.sleep(0.3)
                seen_while_paused.append(len(recorder.batches) - count)
                trainer.resume()

            threading.Thread(target=check_then_resume).start()

    recorder = Recorder(pause_at_second)
    trainer = holder["trainer"] = Trainer(spec(epochs=1), small_data, recorder)
    outcome = trainer.run()
    assert seen_while_paused == [0]  # no batch ran while paused
    assert outcome.status == "finished" and len(recorder.batches) == recorder.plan.batches_per_epoch


def test_stop_while_paused_ends_the_run(small_data):
    holder = {}

    def pause_then_stop(progress):
        if progress.batch == 0:
            holder["trainer"].pause()
            threading.Timer(0.05, holder["trainer"].stop).start()

    recorder = Recorder(pause_then_stop)
    trainer = holder["trainer"] = Trainer(spec(epochs=2), small_data, recorder)
    assert trainer.run().status == "stopped" and len(recorder.batches) == 1


def test_nan_loss_stops_with_a_clear_message_and_no_model(small_data, monkeypatch):
    import core.training

    def poisoned(images):  # inputs that make the loss non-finite from the first batch
        x = np.asarray(images, np.float32)[..., None] / 255.0
        x[:] = 3e38  # overflows to infinity in the first layer, as a diverging run does
        return x

    monkeypatch.setattr(core.training, "to_model_input", poisoned)
    recorder = Recorder()
    outcome = Trainer(spec(), small_data, recorder).run()
    assert outcome.status == "failed" and outcome.model is None
    assert "loss became infinite at batch 1 of epoch 1" in outcome.message and "learning rate" in outcome.message
    assert recorder.failed == [outcome.message] and not recorder.finished and recorder.batches == []


def test_same_seed_same_first_epoch_loss(small_data):
    losses = [Trainer(spec(epochs=1), small_data).run().epochs[0].loss for _ in range(2)]
    assert losses[0] == pytest.approx(losses[1], abs=1e-5)
    other = Trainer(spec(epochs=1).with_training(seed=7), small_data).run().epochs[0].loss
    assert other != pytest.approx(losses[0], abs=1e-5)


def test_augmented_training_runs(small_data):
    outcome = Trainer(spec(epochs=1).with_training(augmentation=True), small_data).run()
    assert outcome.status == "finished" and len(outcome.epochs) == 1


@pytest.mark.real_data
def test_one_epoch_on_10k_images_reads_96_percent_of_the_test_set(mnist):
    from core.evaluation import evaluate

    data = mnist.limit_train(10_000)
    outcome = Trainer(tutorial_cnn().with_training(epochs=1, validation_split=0.0), data).run()
    result = evaluate(outcome.model, mnist.x_test, mnist.y_test)
    assert result.count == 10_000
    assert result.accuracy >= 0.96, result.accuracy
