"""The runs folder (core.runs): a trained run is saved whole and reads back, stopped and failed runs
are kept and marked, damaged run folders are listed as damaged without hiding the others, renaming
and deleting stay inside the folder, a failed save leaves nothing behind, and spec differences."""

import json
import os
import time
from dataclasses import replace

import numpy as np
import pytest

from core import runs
from core.data import Dataset
from core.evaluation import evaluate
from core.model_io import load_model
from core.runs import DamagedRun, RunHistory, RunRecord, RunRecorder, RunStore, RunStoreError
from core.spec import parameter_count, regular_network, small_cnn, tutorial_cnn
from core.training import ListenerGroup, Trainer, TrainingListener, TrainingOutcome


@pytest.fixture(scope="module")
def tiny(mnist):
    return Dataset(mnist.x_train[:320], mnist.y_train[:320], mnist.x_test[:100], mnist.y_test[:100], "slice")


def tiny_spec():
    return small_cnn().with_training(epochs=1, batch_size=64, validation_split=0.2)


@pytest.fixture(scope="module")
def trained(tiny):
    """One short run: (recorder, outcome, evaluation)."""
    recorder = RunRecorder()
    outcome = Trainer(tiny_spec(), tiny, recorder).run()
    assert outcome.status == "finished"
    return recorder, outcome, evaluate(outcome.model, tiny.x_test, tiny.y_test)


@pytest.fixture
def store(tmp_path):
    return RunStore(tmp_path / "runs")


def test_default_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(runs.ENV_VAR, str(tmp_path / "elsewhere"))
    assert runs.default_folder() == tmp_path / "elsewhere" and RunStore().folder == tmp_path / "elsewhere"
    monkeypatch.delenv(runs.ENV_VAR)
    from core.paths import app_data_folder

    assert runs.default_folder() == app_data_folder() / "runs"


def test_listener_group_tells_every_listener_in_order():
    calls = []

    class Named(TrainingListener):
        def __init__(self, name):
            self.name = name

        def on_epoch_end(self, result):
            calls.append((self.name, result))

        def on_failed(self, message):
            calls.append((self.name, message))

    group = ListenerGroup([Named("a"), None, Named("b")])
    group.on_epoch_end(1)
    group.on_failed("x")
    group.on_batch_end(None)  # the default does nothing
    assert calls == [("a", 1), ("b", 1), ("a", "x"), ("b", "x")]


def test_a_saved_run_reads_back_whole(trained, store, tiny):
    recorder, outcome, evaluation = trained
    record = store.save(recorder, outcome, evaluation, data_source=tiny.source)
    assert isinstance(record, RunRecord) and not record.damaged
    assert record.folder.parent == store.folder and record.id == record.folder.name
    assert record.id.endswith("_small-cnn") and record.name.startswith("Small CNN, ")
    assert record.status == "finished" and record.preset == "Small CNN" and record.spec == tiny_spec()
    assert record.train_samples == 256 and record.validation_samples == 64 and record.test_samples == 100
    assert record.epochs_planned == 1 and record.epochs_completed == 1 and record.batches_per_epoch == 4
    assert record.epochs[0]["val_accuracy"] is not None
    assert record.test_accuracy == pytest.approx(evaluation.accuracy)
    assert record.test_loss == pytest.approx(evaluation.loss, rel=1e-6)
    assert len(record.per_class_accuracy) == 10
    assert np.array(record.confusion_matrix).sum() == 100
    assert np.array_equal(np.array(record.confusion_matrix), evaluation.confusion_matrix)
    assert record.parameter_count == parameter_count(tiny_spec())
    assert record.train_seconds > 0 and record.samples_trained == 256 and record.samples_per_second > 0
    assert record.data_source == "slice" and record.created_at is not None
    assert record.model_path.is_file() and record.model_path.suffix == ".h5"
    loaded = load_model(record.model_path)
    assert loaded.parameter_count == record.parameter_count

    data = json.loads((record.folder / "run.json").read_text())
    assert data["format"] == runs.FORMAT and data["spec"] == tiny_spec().to_dict()
    assert data["settings_note"] == outcome.plan.settings_note

    history = store.load_history(record)
    assert len(history.batch_loss) == 4 and history.batches_per_epoch == 4
    assert np.allclose(history.batch_loss, recorder.batch_loss)
    assert history.batch_positions[-1] == pytest.approx(1.0) and list(history.epoch_numbers) == [1.0]
    assert history.has_validation and history.epoch_val_accuracy[0] == pytest.approx(outcome.epochs[0].val_accuracy)
    own_loss, own_accuracy = history.batch_values()
    # Each batch's own values average back to Keras's running mean at the epoch's end.
    sizes = np.array([64, 64, 64, 64])
    assert np.average(own_loss, weights=sizes) == pytest.approx(history.batch_loss[-1], rel=1e-4)
    assert np.all((own_accuracy >= 0) & (own_accuracy <= 1))

    assert store.list_runs() == [record]
    assert store.read(record.id) == record


def test_two_runs_started_in_the_same_second_get_their_own_folders(trained, store):
    recorder, outcome, evaluation = trained
    first = store.save(recorder, outcome, evaluation)
    second = store.save(recorder, outcome, evaluation, name="  Second   try ")
    assert first.id != second.id and second.id == f"{first.id}-2"
    assert second.name == "Second try"
    assert {r.id for r in store.list_runs()} == {first.id, second.id}


def test_a_stopped_run_is_kept_and_marked_stopped(tiny, store):
    holder = {}

    class StopAtSecond(TrainingListener):
        def on_batch_end(self, progress):
            if progress.batch == 1:
                holder["trainer"].stop()

    recorder = RunRecorder()
    trainer = holder["trainer"] = Trainer(tiny_spec().with_training(epochs=2), tiny,
                                          ListenerGroup([recorder, StopAtSecond()]))
    outcome = trainer.run()
    assert outcome.status == "stopped"
    record = store.save(recorder, outcome, evaluate(outcome.model, tiny.x_test, tiny.y_test))
    assert record.status == "stopped" and "Stopped" in record.message
    assert record.epochs_completed == 0 and record.epochs_planned == 2
    assert len(store.load_history(record).batch_loss) == 2
    assert record.model_path.is_file() and record.test_accuracy is not None


def test_a_failed_run_is_kept_without_a_model(trained, store):
    recorder, outcome, _evaluation = trained
    failed = TrainingOutcome("failed", None, outcome.plan, [], 1.5, 64, "Training stopped: the loss became NaN.")
    record = store.save(recorder, failed, None)
    assert record.status == "failed" and record.model_path is None and record.test_accuracy is None
    assert "NaN" in record.message and store.list_runs() == [record]


def test_damaged_run_folders_are_listed_as_damaged_and_the_others_still_load(trained, store):
    recorder, outcome, evaluation = trained
    good = store.save(recorder, outcome, evaluation, name="good")
    broken = {}
    for what in ("no_json", "bad_json", "not_a_run", "bad_history", "no_history", "no_model", "bad_model"):
        record = store.save(recorder, outcome, evaluation, name=what)
        broken[what] = record
    (broken["no_json"].folder / "run.json").unlink()
    (broken["bad_json"].folder / "run.json").write_text('{"name": "half writ')
    (broken["not_a_run"].folder / "run.json").write_text('{"spec": {"layers": 3}, "status": "finished"}')
    (broken["bad_history"].folder / "history.npz").write_bytes(b"PK\x03\x04 garbage")
    (broken["no_history"].folder / "history.npz").unlink()
    broken["no_model"].model_path.unlink()
    broken["bad_model"].model_path.write_bytes(b"not a model")
    (store.folder / "stray file.txt").write_text("not a run")         # files are not runs
    (store.folder / ".run-x.partial").mkdir()                          # a run still being written

    listed = {run.id: run for run in store.list_runs()}
    assert len(listed) == 8
    assert listed[good.id] == good
    for what, record in broken.items():
        run = listed[record.id]
        assert isinstance(run, DamagedRun) and run.damaged and run.status == "damaged", what
        assert run.name == record.id and run.reason
    reasons = {what: listed[record.id].reason for what, record in broken.items()}
    assert "run.json is missing" in reasons["no_json"]
    assert "not valid JSON" in reasons["bad_json"]
    assert "damaged" in reasons["not_a_run"]
    assert "history.npz is damaged" in reasons["bad_history"]
    assert "history.npz is missing" in reasons["no_history"]
    assert "is missing" in reasons["no_model"] and "not an HDF5 file" in reasons["bad_model"]
    with pytest.raises(RunStoreError, match="cannot be read"):
        store.load_history(broken["bad_history"].id)
    with pytest.raises(RunStoreError, match="damaged"):
        store.rename(broken["bad_json"].id, "new")
    store.delete(broken["bad_json"].id)  # a damaged run can still be deleted
    assert broken["bad_json"].id not in {run.id for run in store.list_runs()}


def test_a_missing_runs_folder_is_an_empty_list(tmp_path):
    assert RunStore(tmp_path / "nothing here").list_runs() == []


def test_rename_keeps_the_folder_and_everything_else(trained, store):
    recorder, outcome, evaluation = trained
    record = store.save(recorder, outcome, evaluation)
    renamed = store.rename(record.id, "  My best\n run ")
    assert renamed.name == "My best run" and renamed.id == record.id
    assert replace(renamed, name=record.name) == record
    with pytest.raises(RunStoreError, match="empty"):
        store.rename(record.id, "   ")


def test_delete_removes_only_that_run_and_refuses_paths_outside_the_store(trained, store, tmp_path):
    recorder, outcome, evaluation = trained
    keep = store.save(recorder, outcome, evaluation)
    gone = store.save(recorder, outcome, evaluation)
    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / "file").write_text("keep me")
    for bad in ("..", ".", "", "../precious", str(outside), "/", ".run-x.partial", "no-such-run"):
        with pytest.raises(RunStoreError):
            store.delete(bad)
    os.symlink(outside, store.folder / "link")
    with pytest.raises(RunStoreError):
        store.delete("link")
    store.delete(gone.id)
    assert not gone.folder.exists() and keep.folder.is_dir()
    assert (outside / "file").read_text() == "keep me"
    assert [run.id for run in store.list_runs() if not run.damaged] == [keep.id]


def test_a_failed_save_leaves_nothing_behind_and_says_why(trained, store, monkeypatch):
    recorder, outcome, evaluation = trained
    import core.model_io

    def full_disk(model, path):
        raise core.model_io.ModelFileError(f"Could not save the model to '{path}': No space left on device.")

    monkeypatch.setattr(core.model_io, "save_model", full_disk)
    with pytest.raises(RunStoreError, match="No space left on device"):
        store.save(recorder, outcome, evaluation)
    assert list(store.folder.iterdir()) == []


def test_a_run_that_never_started_is_not_saved(store):
    with pytest.raises(RunStoreError, match="never started"):
        store.save(RunRecorder(), TrainingOutcome("failed", None, message="no images"), None)


def test_keras_logs_are_written_into_the_run(tiny, store):
    staging = store.stage()
    assert staging.name.startswith(".") and store.list_runs() == []  # hidden while it trains
    callbacks, note = runs.keras_log_callbacks(staging)
    recorder = RunRecorder()
    outcome = Trainer(tiny_spec(), tiny, recorder, extra_callbacks=callbacks).run()
    assert outcome.status == "finished", outcome.message
    record = store.save(recorder, outcome, None, staging=staging)
    assert not staging.exists() and record.folder.is_dir()
    lines = (record.folder / "log.csv").read_text().splitlines()
    assert lines[0].split(",")[:2] == ["epoch", "accuracy"] and len(lines) == 2
    assert "log.csv" in record.logs and record.test_accuracy is None and record.test_samples == 0
    import importlib.util

    if importlib.util.find_spec("tensorboard") is None:
        assert "pip install tensorboard" in note and "tensorboard" not in record.logs
    else:
        assert note == "" and "tensorboard" in record.logs


def test_discard_removes_only_staging_folders(store, tmp_path):
    staging = store.stage()
    store.discard(staging)
    assert not staging.exists()
    other = tmp_path / "other"
    other.mkdir()
    store.discard(other)
    assert other.exists()


def test_history_files_are_checked(tmp_path):
    path = tmp_path / "history.npz"
    np.savez(path, batch_loss=np.zeros(3))
    with pytest.raises(RunStoreError, match="lacks"):
        RunHistory.from_file(path)
    recorder = RunRecorder()
    arrays = recorder.history().to_arrays()
    arrays["batch_loss"] = np.zeros(5)
    np.savez(path, **arrays)
    with pytest.raises(RunStoreError, match="different lengths"):
        RunHistory.from_file(path)


def test_spec_differences():
    assert runs.spec_differences([tutorial_cnn(), tutorial_cnn()]) == []
    assert runs.spec_differences([tutorial_cnn()]) == []
    rows = dict(runs.spec_differences([tutorial_cnn(), regular_network()]))
    assert rows["Network"] == ["Tutorial CNN", "Regular neural network"]
    assert rows["Layers"] == ["7", "3"]
    assert rows["Layer 1"] == ["Conv2D 32 5x5 relu", "Flatten"]
    assert rows["Layer 7"] == ["Dropout 0.2", "-"]
    assert "Learning rate" not in rows  # the same tutorial settings
    rows = dict(runs.spec_differences([tutorial_cnn(), tutorial_cnn().with_training(learning_rate=0.01, seed=3)]))
    assert rows == {"Learning rate": ["0.001", "0.01"], "Random seed": ["42", "3"]}


def test_staging_left_by_a_crashed_run_is_cleared_by_the_next(store):
    old = store.stage()
    (old / "tensorboard").mkdir()
    (old / "tensorboard" / "events").write_bytes(b"x")
    recent = store.stage()  # another run still training: written to an hour ago
    long_ago = time.time() - runs.STALE_STAGING_SECONDS - 60
    for path in (old / "tensorboard" / "events", old / "tensorboard", old):
        os.utime(path, (long_ago, long_ago))
    an_hour_ago = time.time() - 3600
    os.utime(recent, (an_hour_ago, an_hour_ago))
    kept_by_user = store.folder / ".run-notes.txt"  # not a staging folder: never touched
    kept_by_user.write_text("mine")
    os.utime(kept_by_user, (long_ago, long_ago))

    new = store.stage()
    assert not old.exists()
    assert recent.is_dir() and new.is_dir() and kept_by_user.read_text() == "mine"
