"""The command line as a user runs it: train, evaluate, predict, and one-line errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import main
from core.model_io import SHIPPED_MODEL

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args, env: dict | None = None):
    """Run ``python main.py ARGS`` as a user would; return (exit status, stdout, stderr).
    ``env``: variables to set for it on top of this process's."""
    done = subprocess.run([sys.executable, str(REPO / "main.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=REPO, env={**os.environ, **(env or {})})
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def trained(tmp_path_factory, mnist_path):
    """A tutorial CNN trained by ``main.py train`` on 2,000 images (one epoch); its run is kept
    in a runs folder of its own (this module-wide fixture comes before the per-test isolation)."""
    folder = tmp_path_factory.mktemp("cli")
    out = folder / "cnn.h5"
    status, stdout, stderr = run_cli("train", "--data", mnist_path, "--epochs", 1, "--limit", 2000,
                                     "--out", out, "--json", env={"MNIST_STUDIO_RUNS": str(folder / "runs")})
    assert status == 0, stderr
    return out, json.loads(stdout.strip().splitlines()[-1]), folder / "runs", stderr


def test_train_prints_a_json_summary_and_saves_a_loadable_model(trained):
    out, summary, _, _ = trained
    assert {"test_accuracy", "test_loss", "epochs", "train_seconds", "samples_per_second", "model_path"} <= set(summary)
    assert summary["epochs"] == 1 and summary["model_path"] == str(out) and summary["train_samples"] == 1800
    assert 0.85 < summary["test_accuracy"] <= 1.0 and summary["samples_per_second"] > 0
    from core.model_io import load_model

    assert load_model(out).parameter_count == 1_111_946


def test_training_from_the_command_line_is_kept_as_a_run(trained):
    out, summary, runs_folder, stderr = trained
    from core.runs import RunStore

    [record] = RunStore(runs_folder).list_runs()
    assert str(record.folder) == summary["run_folder"] and f"Kept as run '{record.name}'" in stderr
    assert record.status == "finished" and record.train_samples == 1800 and record.test_samples == 10_000
    assert record.test_accuracy == pytest.approx(summary["test_accuracy"], abs=1e-6)
    assert record.model_path.stat().st_size > 0 and len(RunStore(runs_folder).load_history(record).batch_loss) == 57


def test_no_run_keeps_nothing(mnist, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("core.data.load_dataset", lambda source=None: mnist.limit_train(64).limit_test(32))
    assert main.main(["train", "--preset", "Small CNN", "--epochs", "1", "--out", str(tmp_path / "m.h5"),
                      "--no-run", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["run_folder"] is None
    from core.runs import RunStore

    assert RunStore().list_runs() == [] and (tmp_path / "m.h5").stat().st_size > 0


def test_a_runs_folder_that_cannot_be_written_is_a_warning_not_a_failure(mnist, tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "runs"
    blocker.write_text("a file where the runs folder should be")
    monkeypatch.setenv("MNIST_STUDIO_RUNS", str(blocker))
    monkeypatch.setattr("core.data.load_dataset", lambda source=None: mnist.limit_train(64).limit_test(32))
    assert main.main(["train", "--preset", "Small CNN", "--epochs", "1", "--out", str(tmp_path / "m.h5")]) == 0
    err = capsys.readouterr().err
    assert "Warning: this training is not kept in the runs folder" in err and str(blocker) in err
    assert (tmp_path / "m.h5").stat().st_size > 0 and blocker.read_text().startswith("a file")


def test_evaluate_json_matches_the_training_summary(trained, mnist_path, capsys):
    out, summary, _, _ = trained
    assert main.main(["evaluate", "--model", str(out), "--data", str(mnist_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["test_accuracy"] == pytest.approx(summary["test_accuracy"], abs=1e-6)
    matrix = np.array(report["confusion_matrix"])
    assert matrix.shape == (10, 10) and matrix.sum() == 10_000
    assert len(report["per_class_accuracy"]) == 10


def write_png(path, image):
    Image.fromarray(image).save(path)
    return path


@pytest.mark.skipif(not SHIPPED_MODEL.exists(), reason="the shipped model is not built yet")
def test_predict_reads_pictures_of_digits_and_reports_bad_ones(mnist, tmp_path, capsys):
    # MNIST test digits as dark ink on a white page, bigger and off-centre, as a scan would be.
    paths, labels = [], []
    for i in range(40):
        page = np.full((200, 160), 255, np.uint8)
        digit = np.array(Image.fromarray(255 - mnist.x_test[i]).resize((84, 84)))
        page[20 + i % 5 * 10:104 + i % 5 * 10, 10 + i % 7 * 8:94 + i % 7 * 8] = digit
        paths.append(str(write_png(tmp_path / f"d{i}.png", page)))
        labels.append(int(mnist.y_test[i]))
    blank = str(write_png(tmp_path / "blank.png", np.full((50, 50), 255, np.uint8)))
    broken = tmp_path / "broken.png"
    broken.write_text("not a picture")
    status = main.main(["predict", "--json", *paths, blank, str(broken)])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 1  # some images failed
    assert [line["path"] for line in lines] == [*paths, blank, str(broken)]
    digits = [line["digit"] for line in lines[:40]]
    assert np.mean(np.array(digits) == np.array(labels)) >= 0.95
    assert all(len(line["probabilities"]) == 10 and abs(sum(line["probabilities"]) - 1) < 1e-3 for line in lines[:40])
    assert "no ink" in lines[40]["error"] and "broken.png" in lines[41]["error"]


@pytest.mark.parametrize("args, message", [
    (["train", "--epochs", "0"], "--epochs: must be at least 1"),
    (["train", "--data", "/nowhere/mnist.npz", "--limit", "10"], "/nowhere/mnist.npz"),
    (["train", "--out", "model.txt"], ".h5"),
    (["evaluate", "--model", "/nowhere/model.h5"], "/nowhere/model.h5' does not exist"),
    (["predict", "--model", "README.md", "x.png"], "README.md"),
])
def test_bad_input_is_one_line_on_stderr(args, message, capsys):
    try:
        status = main.main(args)
    except SystemExit as exit:  # argparse's usage errors exit directly
        status = exit.code
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_corrupt_data_file_from_a_real_process(tmp_path):
    bad = tmp_path / "mnist.npz"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    status, stdout, stderr = run_cli("evaluate", "--model", SHIPPED_MODEL, "--data", bad) if SHIPPED_MODEL.exists() \
        else run_cli("train", "--data", bad, "--limit", 10)
    assert status == 2 and "Traceback" not in stderr
    assert str(bad) in stderr and len(stderr.strip().splitlines()) == 1
